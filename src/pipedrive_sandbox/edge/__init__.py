"""What sits in front of the API, as at Pipedrive's edge: the HTTP server, authentication, rate limits,
injected faults, and the accounting of what was served."""
