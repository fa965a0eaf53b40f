"""The generated company and its state: deterministic records from a seed, the simulated clock, the store.

Nothing here knows about HTTP or the API's shapes; `api` renders these canonical records as v1 and v2.
"""
