"""The DuckDB file: stream tables, their state and the custom-field mapping, written atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from hashlib import blake2b
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import orjson

from ..http.wire import JsonObject
from . import meta
from .columns import META_COLUMNS, Column, TablePlan, plan_table
from .evolve import apply_evolution, is_redirect, plan_evolution

T = TypeVar("T")

# `_custom_fields(stream, column_name, key, name, field_type)` is the documented mapping table. Files
# written before it was renamed from the reserved word `column` are migrated first (meta.migrate).
META_DDL = (
    meta.META_TABLE,
    "CREATE TABLE IF NOT EXISTS _state (stream VARCHAR, mode VARCHAR, state JSON, pending_sync_id BIGINT,"
    " updated_at TIMESTAMPTZ)",
    "CREATE TABLE IF NOT EXISTS _syncs (sync_id BIGINT, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,"
    " status VARCHAR, streams VARCHAR[], full_refresh BOOLEAN, summary JSON)",
    # What each sync cost (added later: files made before have the columns added, NULL for old syncs).
    "ALTER TABLE _syncs ADD COLUMN IF NOT EXISTS requests BIGINT",
    "ALTER TABLE _syncs ADD COLUMN IF NOT EXISTS api_tokens BIGINT",
    "ALTER TABLE _syncs ADD COLUMN IF NOT EXISTS rate_limited BIGINT",
    "ALTER TABLE _syncs ADD COLUMN IF NOT EXISTS daily_tokens_remaining BIGINT",
    "CREATE TABLE IF NOT EXISTS _custom_fields (stream VARCHAR, column_name VARCHAR, key VARCHAR, name VARCHAR,"
    " field_type VARCHAR)",
    "CREATE TABLE IF NOT EXISTS _custom_field_options (stream VARCHAR, column_name VARCHAR, option_id VARCHAR,"
    " label VARCHAR)",
    # custom_label('deals', 'customer_type', customer_type) -> 'Enterprise'
    "CREATE OR REPLACE MACRO custom_label(s, c, v) AS (SELECT any_value(o.label) FROM _custom_field_options o"
    " WHERE o.stream = s AND o.column_name = c AND o.option_id = CAST(v AS VARCHAR))",
    # custom_labels('deals', 'segments', segments) -> ['Startup', 'Partner'] for a set field
    "CREATE OR REPLACE MACRO custom_labels(s, c, vs) AS (SELECT list(o.label ORDER BY o.label)"
    " FROM _custom_field_options o WHERE o.stream = s AND o.column_name = c"
    " AND list_contains(CAST(vs AS VARCHAR[]), o.option_id))",
)


@dataclass(frozen=True)
class SavedState:
    """A stream's row in `_state`. `pending_sync_id` is set while a full read (a full refresh, or an
    incremental read from scratch) is under way: rows it wrote carry that id in `_sync_id`, and
    rows without it are deleted when the read completes."""

    stream: str
    mode: str  # "incremental" | "full_refresh"
    state: JsonObject | None
    pending_sync_id: int | None = None


@dataclass(frozen=True)
class PageResult:
    inserted: int = 0
    updated: int = 0
    removed: int = 0


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Warehouse:
    """One DuckDB connection; every public write is one transaction that commits or leaves nothing.

    With `company` (from GET /v1/users/me), a file that holds another company's data is refused with
    meta.AccountMismatch before anything is written; a file without a company records this one.
    """

    def __init__(self, path: str | os.PathLike[str], company: meta.Company | None = None):
        self.path = Path(path)
        self.con = meta.connect(self.path)
        self.warnings: list[str] = []  # for the sync summary: type changes that kept an old column
        self.migrated: list[str] = []  # what opening the file changed in an older file's layout
        try:
            self.con.execute("SET TimeZone = 'UTC'")  # v1 datetimes are UTC without an offset [RD-DATE]
            meta.check_company(self.con, company, str(self.path))
            self._transaction(lambda: self._setup(company))
        except BaseException:
            self.con.close()
            raise
        self._tmp = tempfile.mkdtemp(prefix="pipedrive-sync-")
        self._page_file = os.path.join(self._tmp, "page.ndjson")
        self._keys_file = os.path.join(self._tmp, "keys.ndjson")

    def _setup(self, company: meta.Company | None) -> None:
        self.migrated = meta.migrate(self.con)
        for sql in META_DDL:
            self.con.execute(sql)
        if meta.read_meta(self.con).get("format_version") != str(meta.FORMAT_VERSION):
            meta.set_meta(self.con, {"format_version": str(meta.FORMAT_VERSION)})
        meta.record_company(self.con, company)

    @property
    def company(self) -> meta.Company | None:
        return meta.stored_company(self.con)

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self, work: Callable[[], T]) -> T:
        # BEGIN and COMMIT sit inside the try: a Ctrl-C or SIGTERM can land in either, and a
        # connection left in an aborted transaction would fail every later statement.
        try:
            self.con.execute("BEGIN TRANSACTION")
            result = work()
            self.con.execute("COMMIT")
        except BaseException:
            try:  # DuckDB may already have aborted it (an interrupted query); the original error matters
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
        return result

    def _one(self, sql: str, parameters: object = None) -> tuple[Any, ...]:
        """The one row a statement always answers (an aggregate; the row count of an INSERT or
        DELETE). DuckDB types fetchone as optional, so the impossible empty answer is an error."""
        row = self.con.execute(sql, parameters).fetchone()
        if row is None:
            raise duckdb.Error(f"no row from: {sql[:80]}")
        return row

    # ---- sync bookkeeping -------------------------------------------------------------------

    def start_sync(self, streams: Iterable[str], full_refresh: bool) -> int:
        def work() -> int:
            (last,) = self._one("SELECT coalesce(max(sync_id), 0) FROM _syncs")
            sync_id = int(last) + 1
            self.con.execute(
                "INSERT INTO _syncs (sync_id, started_at, finished_at, status, streams, full_refresh, summary)"
                " VALUES (?, ?, NULL, 'running', ?, ?, NULL)",
                [sync_id, _now(), list(streams), full_refresh],
            )
            return sync_id

        return self._transaction(work)

    def finish_sync(self, sync_id: int, status: str, summary: Mapping[str, Any]) -> None:
        cost = summary.get("cost") or {}
        self._transaction(lambda: self.con.execute(
            "UPDATE _syncs SET finished_at = ?, status = ?, summary = ?, requests = ?, api_tokens = ?,"
            " rate_limited = ?, daily_tokens_remaining = ? WHERE sync_id = ?",
            [_now(), status, orjson.dumps(summary).decode(), cost.get("requests"), cost.get("tokens"),
             cost.get("rate_limited"), cost.get("daily_tokens_remaining"), sync_id],
        ))

    def saved_states(self) -> dict[str, SavedState]:
        rows = self.con.execute("SELECT stream, mode, state, pending_sync_id FROM _state").fetchall()
        return {s: SavedState(s, m, orjson.loads(st) if st else None, p) for s, m, st, p in rows}

    # ---- tables -------------------------------------------------------------------------------

    def table_types(self, table: str) -> dict[str, str]:
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        return {name.lower(): dtype for name, dtype in rows}

    def prepare(self, stream: str, schema: Mapping[str, Any], primary_key: Iterable[Iterable[str]]) -> TablePlan:
        """Create or widen the stream's table and record its custom-field columns, in one transaction.

        A column whose type changed is converted in place when every existing value converts, else
        new values go to `<name>__<type>` and a warning is added to `warnings` (see evolve.py)."""
        # `<name>__<type>` rows map the same key: the plan starts from the field's first column.
        known = {key: col for key, col in self.con.execute(
            "SELECT key, column_name FROM _custom_fields WHERE stream = ?", [stream]).fetchall()
            if not is_redirect(col)}
        existing = self.table_types(stream)
        planned = plan_table(stream, schema, primary_key, known, existing)

        def work() -> TablePlan:
            plan = planned
            if not existing:
                cols = [f"{quote(c.name)} {c.sql_type}" for c in plan.columns]
                cols += [f"{quote(n)} {t}" for n, t in META_COLUMNS]
                self.con.execute(f"CREATE TABLE {quote(stream)} ({', '.join(cols)})")
            else:
                evolution = plan_evolution(self.con, plan, existing, quote)
                plan = plan.renamed(evolution.renames)
                wanted = [(c.name, c.sql_type) for c in plan.columns] + list(META_COLUMNS)
                for name, sql_type in wanted:
                    if name.lower() not in existing:
                        self.con.execute(f"ALTER TABLE {quote(stream)} ADD COLUMN {quote(name)} {sql_type}")
                apply_evolution(self.con, plan, evolution, quote)
                self.warnings.extend(w for w in evolution.warnings if w not in self.warnings)
            self._map_custom(plan)
            return plan

        return self._transaction(work)

    def _map_custom(self, plan: TablePlan) -> None:
        stream = plan.stream
        for cc in plan.custom:
            self.con.execute("DELETE FROM _custom_fields WHERE stream = ? AND column_name = ?", [stream, cc.column])
            self.con.execute("INSERT INTO _custom_fields (stream, column_name, key, name, field_type)"
                             " VALUES (?, ?, ?, ?, ?)", [stream, cc.column, cc.key, cc.name, cc.field_type])
            if cc.options:
                # Options removed in Pipedrive keep their row: old records may still hold the id.
                self.con.executemany(
                    "DELETE FROM _custom_field_options WHERE stream = ? AND column_name = ? AND option_id = ?",
                    [[stream, cc.column, oid] for oid, _ in cc.options])
                self.con.executemany(
                    "INSERT INTO _custom_field_options (stream, column_name, option_id, label) VALUES (?, ?, ?, ?)",
                    [[stream, cc.column, oid, label] for oid, label in cc.options])

    def count(self, table: str) -> int:
        return int(self._one(f"SELECT count(*) FROM {quote(table)}")[0])

    # ---- the write path -------------------------------------------------------------------------

    def commit(self, plan: TablePlan, rows: list[tuple[Any, int]], state: SavedState, sync_id: int,
               keep_only: int | None = None) -> PageResult:
        """Upsert one page of rows and save the state covering it, atomically.

        `rows` are (record data, emitted_at ms), already de-duplicated on the primary key.
        With `keep_only`, rows whose `_sync_id` differs are deleted in the same transaction: they
        were not seen by the full read that just completed, so they are gone upstream.
        """
        if rows:
            self._write_page(plan, rows)

        def work() -> PageResult:
            inserted = updated = removed = 0
            if rows:
                updated, inserted = self._upsert(plan, sync_id)
            if keep_only is not None:
                removed = self._one(
                    f"DELETE FROM {quote(plan.stream)} WHERE _sync_id IS DISTINCT FROM ?", [keep_only]
                )[0]
            self.con.execute("DELETE FROM _state WHERE stream = ?", [state.stream])
            self.con.execute(
                "INSERT INTO _state VALUES (?, ?, ?, ?, ?)",
                [state.stream, state.mode, None if state.state is None else orjson.dumps(state.state).decode(),
                 state.pending_sync_id, _now()],
            )
            return PageResult(inserted, updated, int(removed))

        return self._transaction(work)

    def _write_page(self, plan: TablePlan, rows: list[tuple[Any, int]]) -> None:
        """One bulk load per page, Arrow-free: records as ndjson for DuckDB to parse once each, and
        their keys with a content hash in a small side file, so matching never re-parses records."""
        key_paths = [c.path for name in plan.primary_key for c in plan.columns if c.name == name]
        lines, keys = [], []
        dumps = orjson.dumps
        for data, emitted_at in rows:
            body = dumps(data)
            digest = int.from_bytes(blake2b(body, digest_size=8).digest(), "big")
            lines.append(b'{"h":%d,"t":%d,"d":%s}' % (digest, int(emitted_at), body))
            if len(key_paths) == 1 and type(key := dig(data, key_paths[0])) is int:  # the usual case
                keys.append(b'{"h":%d,"k0":%d}' % (digest, key))
            elif key_paths:
                keys.append(dumps({"h": digest, **{f"k{i}": dig(data, p) for i, p in enumerate(key_paths)}}))
        with open(self._page_file, "wb") as fh:
            fh.write(b"\n".join(lines))
        with open(self._keys_file, "wb") as fh:
            fh.write(b"\n".join(keys))

    def _upsert(self, plan: TablePlan, sync_id: int) -> tuple[int, int]:
        """Returns (changed, inserted). Rows are typed by one json_transform per record, which turns
        a value of the wrong shape into NULL instead of failing the page."""
        table, page = quote(plan.stream), _literal(self._page_file)
        exprs = [_value(c) for c in plan.columns]
        exprs += [str(int(sync_id)), "CAST(epoch_ms(r['t']) AS TIMESTAMPTZ)", "r['h']"]
        structure = _literal(orjson.dumps({"h": "UBIGINT", "t": "BIGINT", "d": plan.structure()}).decode())
        names = [quote(n) for n in plan.column_names()]
        matched = changed = 0
        if plan.primary_key and self._one(f"SELECT EXISTS (SELECT 1 FROM {table})")[0]:
            keys = [c for name in plan.primary_key for c in plan.columns if c.name == name]
            picks = ", ".join(f"TRY_CAST(k{i} AS {c.sql_type}) AS {quote(c.name)}" for i, c in enumerate(keys))
            spec = ", ".join([f"'k{i}': 'VARCHAR'" for i in range(len(keys))] + ["'h': 'UBIGINT'"])
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _keys AS SELECT {picks}, h FROM read_ndjson("
                             f"{_literal(self._keys_file)}, columns = {{{spec}}}, format = 'newline_delimited')")
            on = " AND ".join(f"{table}.{quote(k.name)} = _keys.{quote(k.name)}" for k in keys)
            # "updated" counts rows whose content changed: the inclusive cursor re-sends boundary rows.
            matched, changed = self._one(
                f"SELECT count(*), count(*) FILTER (WHERE {table}._record_hash IS DISTINCT FROM _keys.h)"
                f" FROM {table} JOIN _keys ON {on}")
            if matched:
                self.con.execute(f"DELETE FROM {table} USING _keys WHERE {on}")
        total = self._one(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM"
            f" (SELECT json_transform(json, {structure}) AS r FROM {_reader(page)})")[0]
        return int(changed), int(total) - int(matched)


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        data = data.get(step) if isinstance(data, dict) else None
    return data


def _reader(page_literal: str) -> str:
    return f"read_ndjson_objects({page_literal}, maximum_object_size = 1073741824)"


def _value(col: Column) -> str:
    value = "r['d']" + "".join(f"[{_literal(step)}]" for step in col.path)
    if col.split:  # a v1 set's "12,34"; an item that is no option id becomes NULL, never a failed page
        return (f"TRY_CAST(CASE WHEN trim({value}) = '' THEN NULL ELSE string_split(replace({value}, ' ', ''), ',')"
                f" END AS {col.sql_type})")
    return value


def _now() -> datetime:
    return datetime.now(timezone.utc)
