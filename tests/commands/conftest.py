"""Fixtures of the command-line tests: sandboxes and a port nobody listens on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pipedrive_sandbox import Sandbox


@pytest.fixture(scope="module")
def polish_sandbox() -> Iterator[Sandbox]:
    """A small sandbox shared by one module's tests (read-only use)."""
    with Sandbox(scale="small", seed=1) as sb:
        yield sb


@pytest.fixture
def fresh_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Factory for a sandbox with special settings, closed after the test."""
    started: list[Sandbox] = []

    def make(**kw: Any) -> Sandbox:
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
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
