"""Fixtures for the engine tests: a fresh sandbox per test, a log collector, clients that report to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pipedrive_sandbox import Sandbox
from source_pipedrive.http import ApiTokenAuth, Client
from tests.kit.engine import Recorder


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(scale="small", seed=1) as sandbox:
        yield sandbox


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def client_for(rec: Recorder) -> Iterator[Callable[..., Client]]:
    """Build clients that report to `rec` and never really sleep unless asked to."""
    made: list[Client] = []

    def make(sb: Sandbox, auth=None, *, real_sleep: bool = False, **kwargs) -> Client:
        kwargs.setdefault("max_retries", 5)
        if not real_sleep:
            kwargs.setdefault("sleep", rec.sleep)
        client = Client(sb.url, auth or ApiTokenAuth(sb.token), log=rec.log, on_wait=rec.on_wait, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
