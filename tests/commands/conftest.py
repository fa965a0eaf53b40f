"""Fixtures of the command-line tests (the sandboxes are the root conftest's): a port nobody listens on."""

from __future__ import annotations

import pytest


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
