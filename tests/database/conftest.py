"""Fixtures of the database-file tests: sandboxes of two companies, a synced file, the CLI in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipedrive_sandbox import Sandbox
from source_pipedrive import sync
from tests.kit.database import SOME_STREAMS, Cli, config_for


@pytest.fixture
def cli(capsys: Any) -> Cli:
    return Cli(capsys)


@pytest.fixture(scope="module")
def company_a() -> Iterator[Any]:
    """Sandbox seed 1: Pipedrive company 1001."""
    with Sandbox(scale="small", seed=1) as sb:
        yield sb


@pytest.fixture(scope="module")
def synced(company_a: Any, tmp_path_factory: Any) -> Path:
    """A file with two syncs of SOME_STREAMS from company_a (read only in the tests that use it)."""
    db = tmp_path_factory.mktemp("synced") / "p.duckdb"
    for _ in range(2):
        result = sync.run(config_for(company_a), db, streams=SOME_STREAMS.split(","))
        assert result.status == "succeeded", result.error
    return db
