"""Reading a sync's DuckDB file without changing it: its status (per stream, the last syncs) and
an export of its tables to Parquet or CSV files. The commands `status` and `export` print these."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from ..streams import STREAMS_BY_NAME
from . import meta

FORMATS = {"parquet": ("parquet", "(FORMAT parquet)"), "csv": ("csv", "(FORMAT csv, HEADER true)")}
STATE_KEYS = frozenset({"version", "mode", "complete", "last_complete", "parts"})  # besides the cursor
LAST_SYNCS = 5


class WarehouseFileError(Exception):
    """The file cannot be read as a sync's database, or the output cannot be written: a bad call."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def open_read_only(db: str | os.PathLike[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection in UTC, or WarehouseFileError saying why the file cannot be opened."""
    path = Path(db)
    if not path.exists():
        raise WarehouseFileError(f"{db} does not exist (pass --db the file that `source-pipedrive sync` wrote)")
    if path.is_dir():
        raise WarehouseFileError(f"{db} is a folder, not a DuckDB file")
    try:
        con = meta.connect(path, read_only=True)
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "lock" in text.lower():
            text = "another process has it open for writing (is a sync running on it?)"
        raise WarehouseFileError(f"cannot open {db}: {text}") from None
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def tables(con: duckdb.DuckDBPyConnection, include_meta: bool = False) -> list[str]:
    """The stream tables (and with include_meta the `_` tables too), by name."""
    names = [str(r[0]) for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        " AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
    return [n for n in names if include_meta or not n.startswith("_")]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {str(r[0]) for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?",
        [table]).fetchall()}


# ---- status ------------------------------------------------------------------------------------


def status(db: str | os.PathLike[str], last: int = LAST_SYNCS) -> dict[str, Any]:
    """Per stream: mode, cursor, when its state was last written and its rows; then the last syncs."""
    with open_read_only(db) as con:
        if not _columns(con, "_state") or not _columns(con, "_syncs"):
            raise WarehouseFileError(f"{db} is a DuckDB file but not one written by `source-pipedrive sync` "
                                     "(it has no _state and _syncs tables)")
        company = meta.stored_company(con)
        info = meta.read_meta(con)
        return {
            "db": str(db),
            "company": None if company is None else {"id": company.id, "name": company.name,
                                                     "domain": company.domain},
            "format_version": info.get("format_version"),
            "storage_version": meta.storage_version(con),
            "streams": _stream_status(con),
            "syncs": _last_syncs(con, last),
        }


def _stream_status(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    saved = {str(s): (m, st, p, at) for s, m, st, p, at in con.execute(
        "SELECT stream, mode, state, pending_sync_id, updated_at FROM _state").fetchall()}
    present = set(tables(con))
    out = []
    for name in sorted(present | set(saved)):
        mode, state, pending, at = saved.get(name, (None, None, None, None))
        blob = orjson.loads(state) if isinstance(state, str) and state else None
        field, value = cursor_of(name, blob)
        counted = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone() if name in present else None
        rows = int(counted[0]) if counted else None
        out.append({"stream": name, "mode": mode, "cursor_field": field, "cursor": value,
                    "full_read_in_progress": pending is not None, "last_synced_at": _iso(at), "rows": rows})
    return out


def cursor_of(stream: str, state: Any) -> tuple[str | None, Any]:
    """(cursor field, value) of a saved state: the stream's own cursor field, else the one key that is
    not bookkeeping. A full-refresh state has none."""
    if not isinstance(state, dict):
        return None, None
    field = STREAMS_BY_NAME[stream].cursor if stream in STREAMS_BY_NAME else None
    if field and field in state:
        return field, state[field]
    rest = [k for k in state if k not in STATE_KEYS]
    return (rest[0], state[rest[0]]) if len(rest) == 1 else (None, None)


def _last_syncs(con: duckdb.DuckDBPyConnection, last: int) -> list[dict[str, Any]]:
    have = _columns(con, "_syncs")
    cost = [c for c in ("requests", "api_tokens") if c in have]
    picks = ", ".join(["sync_id", "status", "started_at", "finished_at", "full_refresh", *cost])
    rows = con.execute(f"SELECT {picks} FROM _syncs ORDER BY sync_id DESC LIMIT ?", [last]).fetchall()
    out = []
    for row in rows:
        sync_id, state, started, finished, full = row[:5]
        seconds = None
        if isinstance(started, datetime) and isinstance(finished, datetime):
            seconds = round((finished - started).total_seconds(), 1)
        item: dict[str, Any] = {"sync_id": sync_id, "status": state, "started_at": _iso(started),
                                "finished_at": _iso(finished), "seconds": seconds, "full_refresh": full,
                                "requests": None, "api_tokens": None}
        item.update(zip(cost, row[5:], strict=True))
        out.append(item)
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None if value is None else str(value)


# ---- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    path: str


def export(db: str | os.PathLike[str], fmt: str, out: str | os.PathLike[str],
           include_meta: bool = False) -> list[Exported]:
    """Every stream table (and with include_meta the `_` tables) to OUT/<table>.<fmt> through
    DuckDB's COPY. Each file is written under a temporary name and renamed when complete, so an
    interrupted export never leaves a truncated file under the real name."""
    if fmt not in FORMATS:
        raise WarehouseFileError(f"unknown format {fmt!r}: choose parquet or csv")
    ext, options = FORMATS[fmt]
    with open_read_only(db) as con:
        names = tables(con, include_meta)
        folder = _output_folder(out)
        done = []
        for name in names:
            target = folder / f"{name}.{ext}"
            partial = folder / f".{name}.{ext}.partial"
            try:
                row = con.execute(f"COPY {_quote(name)} TO {_literal(str(partial))} {options}").fetchone()
                os.replace(partial, target)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            done.append(Exported(name, int(row[0]) if row else 0, str(target)))
        return done


def _output_folder(out: str | os.PathLike[str]) -> Path:
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WarehouseFileError(f"--out {out} exists and is not a folder") from None
    except OSError as exc:
        raise WarehouseFileError(f"cannot create the folder {out}: {exc.strerror}") from None
    if not folder.is_dir():
        raise WarehouseFileError(f"--out {out} exists and is not a folder")
    probe = folder / ".source-pipedrive-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WarehouseFileError(f"cannot write into {out}: {exc.strerror}") from None
    return folder


__all__ = ["FORMATS", "WarehouseFileError", "Exported", "open_read_only", "tables", "status", "cursor_of",
           "export"]
