"""Fixtures for the whole suite: a small Pipedrive sandbox per module, a factory for special settings, and
the connector's CLI run in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.kit.cli import Cli

# Two cores shared by two xdist workers and the sandboxes they start: generation speed and
# per-example time say nothing about correctness here.
settings.register_profile("suite", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("suite")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """A small sandbox shared by one module's tests; tests that mutate data or settings use make_sandbox."""
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale="small", seed=1) as sb:
        yield sb


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Any]]:
    """Factory: make_sandbox(**kw) starts a fresh Sandbox(scale="small", seed=1, **kw), closed after the test."""
    from pipedrive_sandbox import Sandbox

    started: list[Any] = []

    def make(**kw: Any) -> Any:
        kw.setdefault("scale", "small")
        kw.setdefault("seed", 1)
        sb = Sandbox(**kw)
        sb.__enter__()
        started.append(sb)
        return sb

    yield make
    for sb in reversed(started):
        sb.__exit__(None, None, None)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Runs `source-pipedrive <command>` in-process; its input files go to the test's tmp_path."""
    return Cli(tmp_path)
