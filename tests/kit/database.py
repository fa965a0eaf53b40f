"""Helpers of the database-file tests: config files, queries, the CLI in-process with its output, and a
tiny scripted source whose schema changes between syncs."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from source_pipedrive.cli import main

# A few streams that carry every shape under test: custom fields shared by a v2 stream (deals) and a
# v1 one (leads), times of day (activities.due_time), and small setting tables.
SOME_STREAMS = "deals,leads,activities,stages"


def config_for(sb: Any) -> dict[str, Any]:
    return {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}


def write_config(sb: Any, directory: Path, name: str = "config.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(config_for(sb)))
    return path


def query(db: str | Path, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def column_types(db: str | Path, table: str) -> dict[str, str]:
    return dict(query(db, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                      [table]))


@dataclass
class Cli:
    """`source-pipedrive ARGS` run in-process; returns (exit code, stdout, stderr)."""

    capsys: Any

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err


# -- a scripted source: one stream, one page per sync, its schema changeable between syncs --------


@dataclass
class ScriptedSource:
    """Stream `items` (primary key `id`): `schema` and `rows` may change between syncs;
    `me` is what account(config) answers (None: the source has no company to tell)."""

    schema: dict[str, Any]
    rows: list[dict[str, Any]]
    me: dict[str, Any] | None = None
    incremental: bool = False  # after the first (full) read, rows not sent again stay
    reads: list[Any] = field(default_factory=list)

    def account(self, config: dict[str, Any]) -> dict[str, Any]:
        return dict(self.me or {})

    def discover(self, config: dict[str, Any]) -> dict[str, Any]:
        entry = {"name": "items", "json_schema": copy.deepcopy(self.schema), "supported_sync_modes": ["full_refresh"],
                 "source_defined_primary_key": [["id"]]}
        if self.incremental:
            entry.update(supported_sync_modes=["full_refresh", "incremental"], source_defined_cursor=True,
                         default_cursor_field=["id"])
        return {"streams": [entry]}

    def read(self, config: dict[str, Any], catalog: Any, state: Any = None, on_event: Any = None) -> Iterator[dict]:
        self.reads.append(catalog)
        descriptor = {"name": "items"}
        yield {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 1,
                                          "stream_status": {"stream_descriptor": descriptor, "status": "STARTED"}}}
        for row in self.rows:
            yield {"type": "RECORD", "record": {"stream": "items", "data": copy.deepcopy(row), "emitted_at": 1}}
        yield {"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": descriptor,
                                                                      "stream_state": {"complete": True}}}}
        yield {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 1,
                                          "stream_status": {"stream_descriptor": descriptor, "status": "COMPLETE"}}}


def items_schema(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"id": {"type": "integer"}, **props}}
