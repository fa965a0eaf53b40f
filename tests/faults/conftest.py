"""Fixtures of the fault suite: the lead's in-process CLI runner, reused."""

from __future__ import annotations

from tests.source.conftest import cli  # noqa: F401  (the fixture, re-exported for this folder)
