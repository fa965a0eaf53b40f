"""What the warehouse tests share: DuckDB tables read back in a comparable form, a config file and the
`sync` command line for a sandbox, and a scripted message source for the loader's own rules."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


def table_rows(db: str | os.PathLike, table: str) -> list[tuple]:
    """All rows of `table`, sorted, without the loader's own `_` columns (sync ids, extraction times)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall() if not r[0].startswith("_")]
        rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"').fetchall()
    finally:
        con.close()
    return sorted(rows, key=repr)


def user_tables(db: str | os.PathLike) -> list[str]:
    """The stream tables of a DuckDB file (the loader's own `_` tables left out), sorted."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SHOW TABLES").fetchall() if not r[0].startswith("_"))
    finally:
        con.close()


def write_config(sb: Any, directory: Path, token: str | None = None) -> Path:
    """DIRECTORY/config.json: an API-token config for the sandbox `sb` (its token unless `token` is given)."""
    path = directory / "config.json"
    path.write_text(json.dumps({"credentials": {"auth_type": "api_token", "api_token": token or sb.token},
                                "base_url": sb.url}))
    return path


def sync_args(config: Path, db: Path, *, streams: str | None = None, full_refresh: bool = False,
              quiet: bool = True, as_json: bool = False) -> list[str]:
    """The command line of `source-pipedrive sync` (run in-process with source_pipedrive.cli.main)."""
    argv = ["sync", "--config", str(config), "--db", str(db)]
    if streams is not None:
        argv += ["--streams", streams]
    return argv + ["--full-refresh"] * full_refresh + ["--quiet"] * quiet + ["--json"] * as_json


# -- a scripted message source for loader tests ---------------------------------------------------
# It stands in for `source_pipedrive.source` only where the loader's own rules are under test
# (types, naming, upsert, transactions); the real source against the sandbox is tested elsewhere.

HEX = "0123456789abcdef"


def hexkey(n: int) -> str:
    return (HEX[n % 16] * 40)[:39] + HEX[(n // 16) % 16]


@dataclass
class FakeSource:
    """streams: name -> list of records; schemas: name -> json schema; incremental by `update_time`."""

    schemas: dict[str, dict]
    records: dict[str, list[dict]]
    page_size: int = 3
    full_refresh_only: tuple[str, ...] = ()
    fail_after: int | None = None  # raise after this many messages (simulates a crash mid-read)
    error: BaseException | None = None
    reads: list[dict] = field(default_factory=list)  # what each read() was asked

    def discover(self, config: dict) -> dict:
        streams = []
        for name, schema in self.schemas.items():
            inc = name not in self.full_refresh_only
            entry = {
                "name": name, "json_schema": copy.deepcopy(schema),
                "supported_sync_modes": ["full_refresh", "incremental"] if inc else ["full_refresh"],
                "source_defined_primary_key": [["id"]], "is_resumable": True,
            }
            if inc:
                entry.update(source_defined_cursor=True, default_cursor_field=["update_time"])
            streams.append(entry)
        return {"streams": streams}

    def read(self, config: dict, catalog: dict, state: list | None = None, on_event: Any = None) -> Iterator[dict]:
        saved = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in state or []}
        modes = {c["stream"]["name"]: c["sync_mode"] for c in catalog["streams"]}
        self.reads.append({"modes": modes, "state": saved})
        count = 0

        def emit(message: dict) -> dict:
            nonlocal count
            count += 1
            if self.fail_after is not None and count > self.fail_after:
                raise self.error or RuntimeError("crash")
            return message

        for name, mode in modes.items():
            rows = sorted(self.records.get(name, []), key=lambda r: (r.get("update_time") or "", str(r["id"])))
            st = saved.get(name) or {}
            if mode == "incremental" and st.get("cursor"):
                rows = [r for r in rows if (r.get("update_time") or "") >= st["cursor"]]
            elif mode == "full_refresh" and st.get("done_upto") is not None:
                rows = rows[st["done_upto"]:]
            yield emit(status(name, "STARTED"))
            offset = st.get("done_upto") or 0 if mode == "full_refresh" else 0
            for i in range(0, len(rows), self.page_size):
                page = rows[i:i + self.page_size]
                for r in page:
                    record = {"stream": name, "data": copy.deepcopy(r), "emitted_at": 1}
                    yield emit({"type": "RECORD", "record": record})
                if mode == "incremental":
                    new_state = {"cursor": max(r.get("update_time") or "" for r in page)}
                else:
                    offset += len(page)
                    new_state = {"done_upto": offset}
                yield emit({"type": "STATE", "state": {"type": "STREAM", "stream": {
                    "stream_descriptor": {"name": name}, "stream_state": new_state},
                    "sourceStats": {"recordCount": float(len(page))}}})
            if not rows:
                yield emit({"type": "STATE", "state": {"type": "STREAM", "stream": {
                    "stream_descriptor": {"name": name}, "stream_state": st or {"cursor": None}},
                    "sourceStats": {"recordCount": 0.0}}})
            if mode == "full_refresh":
                yield emit({"type": "STATE", "state": {"type": "STREAM", "stream": {
                    "stream_descriptor": {"name": name}, "stream_state": {"done_upto": None}},
                    "sourceStats": {"recordCount": 0.0}}})
            yield emit(status(name, "COMPLETE"))


def status(name: str, value: str) -> dict:
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 1.0,
                                       "stream_status": {"stream_descriptor": {"name": name}, "status": value}}}


def record(stream: str, data: dict) -> dict:
    return {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 1}}


def state(stream: str, value: dict) -> dict:
    return {"type": "STATE", "state": {"type": "STREAM", "stream": {
        "stream_descriptor": {"name": stream}, "stream_state": value}, "sourceStats": {"recordCount": 0.0}}}


@dataclass
class ScriptedSource:
    """A read written out: Airbyte messages are yielded as they are, events (ParentsRead, ...) go to
    `on_event` in their place, a callable is called when the read gets there (a test's hook), and an
    exception instance is raised there (a crash). `reads` counts the reads started."""

    entries: list[dict]
    script: list[Any]
    reads: int = 0

    def discover(self, config: dict) -> dict:
        return {"streams": copy.deepcopy(self.entries)}

    def read(self, config: dict, catalog: dict, state: list | None = None, on_event: Any = None) -> Iterator[dict]:
        self.reads += 1
        for item in self.script:
            if isinstance(item, dict):
                yield copy.deepcopy(item)
            elif isinstance(item, BaseException):
                raise item
            elif callable(item):
                item()
            else:
                on_event(item)
