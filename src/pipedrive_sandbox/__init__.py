"""A faithful local Pipedrive API for tests and benchmarks: deterministic data, limits, faults, ground truth.

Spec-true by construction: every served operation is checked against the official OpenAPI facts
(spec/facts.json); spec-open behaviours are named options (OPTIONS).
"""
from __future__ import annotations

from .options import OPTIONS, Option
from .sandbox import Sandbox

__all__ = ["OPTIONS", "Option", "Sandbox"]
