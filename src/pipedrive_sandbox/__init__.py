"""A faithful local Pipedrive API for tests and benchmarks: deterministic data, limits, faults, ground truth."""
from __future__ import annotations

from .sandbox import Sandbox

__all__ = ["Sandbox"]
