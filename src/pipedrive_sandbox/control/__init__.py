"""Driving the sandbox: the /_sandbox/ HTTP control interface (clock, records, truth, stats, config) and the
Sandbox context manager that starts a server and talks to it over that interface."""
