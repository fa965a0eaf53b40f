"""A faithful local Pipedrive API for tests and benchmarks: deterministic data, limits, faults, ground truth.

Spec-true by construction: every served operation is checked against the official OpenAPI facts
(spec/facts.json); spec-open behaviours are named options (OPTIONS).

Layout: `data` (the generated company and its store), `api` (routes, handlers, record shapes, paging),
`edge` (HTTP server, auth, rate limits, faults, stats), `control` (the /_sandbox/ interface and Sandbox),
`spec` (the official facts and the gate); `app` holds one sandbox's state, `cli` is the command line.
"""
from __future__ import annotations

from .control.sandbox import Sandbox
from .options import OPTIONS, Option

__all__ = ["OPTIONS", "Option", "Sandbox"]
