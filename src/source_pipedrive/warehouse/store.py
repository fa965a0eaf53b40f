"""The DuckDB file: stream tables, their state and the custom-field mapping, written atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

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


class LoadError(Exception):
    """What the loader was given cannot be stored as told (a bug in a stream's declaration)."""


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
            self._settings()
            self.con.execute("SET TimeZone = 'UTC'")  # v1 datetimes are UTC without an offset [RD-DATE]
            meta.check_company(self.con, company, str(self.path))
            self._transaction(lambda: self._setup(company))
        except BaseException:
            self.con.close()
            raise
        self._tmp = tempfile.mkdtemp(prefix="pipedrive-sync-")

    def _setup(self, company: meta.Company | None) -> None:
        self.migrated = meta.migrate(self.con)
        for sql in META_DDL:
            self.con.execute(sql)
        if meta.read_meta(self.con).get("format_version") != str(meta.FORMAT_VERSION):
            meta.set_meta(self.con, {"format_version": str(meta.FORMAT_VERSION)})
        meta.record_company(self.con, company)

    def _settings(self) -> None:
        # One DuckDB thread: while a sync loads, the reading threads keep the cores busy, and a second
        # DuckDB thread added scheduling and buffers, not speed (the loader alone on the medium
        # sandbox's records: about a tenth less CPU and 10 MB less at its peak with one).
        self.con.execute("SET threads = 1")

    @property
    def page_dir(self) -> str:
        """A private folder for page files, removed on close."""
        return self._tmp

    def reconnect(self) -> None:
        """Open the file again after lending it to another process (worker.lent)."""
        self.con = meta.connect(self.path)
        self._settings()
        self.con.execute("SET TimeZone = 'UTC'")

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

    def prepare(self, stream: str, schema: Mapping[str, Any], primary_key: Iterable[Iterable[str]]) -> TablePlan:
        """Create or widen the stream's table and record its custom-field columns, in one transaction.

        A column whose type changed is converted in place when every existing value converts, else
        new values go to `<name>__<type>` and a warning is added to `warnings` (see evolve.py)."""
        return self.prepare_all([(stream, schema, primary_key)])[0]

    def prepare_all(self, tables: Sequence[tuple[str, Mapping[str, Any], Iterable[Iterable[str]]]]) -> list[TablePlan]:
        """`prepare` of several streams, in one transaction, with one query for what the file has of them
        all (a statement and a commit per table cost a sync of the default streams a quarter second)."""
        names = [t[0] for t in tables]
        existing: dict[str, dict[str, str]] = {name: {} for name in names}
        for table, name, dtype in self.con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'"
                " AND list_contains(CAST(? AS VARCHAR[]), table_name) ORDER BY table_name, ordinal_position",
                [names]).fetchall():
            existing[table][name.lower()] = dtype
        # `<name>__<type>` rows map the same key: the plan starts from the field's first column.
        known: dict[str, dict[str, str]] = {name: {} for name in names}
        for stream, key, col in self.con.execute(
                "SELECT stream, key, column_name FROM _custom_fields WHERE list_contains(CAST(? AS VARCHAR[]), stream)",
                [names]).fetchall():
            if not is_redirect(col):
                known[stream][key] = col
        planned = [plan_table(stream, schema, pk, known[stream], existing[stream]) for stream, schema, pk in tables]
        return self._transaction(lambda: [self._prepare(plan, existing[plan.stream]) for plan in planned])

    def _prepare(self, plan: TablePlan, existing: dict[str, str]) -> TablePlan:
        stream = plan.stream
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

    def _map_custom(self, plan: TablePlan) -> None:
        """The plan's rows of `_custom_fields` and `_custom_field_options`, a few statements for all."""
        stream, custom = plan.stream, plan.custom
        if not custom:
            return
        text = "CAST(? AS VARCHAR[])"
        self.con.execute(f"DELETE FROM _custom_fields WHERE stream = ? AND list_contains({text}, column_name)",
                         [stream, [cc.column for cc in custom]])
        self.con.execute(
            f"INSERT INTO _custom_fields (stream, column_name, key, name, field_type) SELECT ?, UNNEST({text}),"
            f" UNNEST({text}), UNNEST({text}), UNNEST({text})",
            [stream, [cc.column for cc in custom], [cc.key for cc in custom], [cc.name for cc in custom],
             [cc.field_type for cc in custom]])
        options = [(cc.column, oid, label) for cc in custom for oid, label in cc.options]
        if not options:
            return
        columns, ids, labels = ([o[i] for o in options] for i in range(3))
        # Options removed in Pipedrive keep their row: old records may still hold the id.
        self.con.execute(
            f"DELETE FROM _custom_field_options WHERE stream = ? AND EXISTS (SELECT 1 FROM (SELECT UNNEST({text}) AS c,"
            f" UNNEST({text}) AS i) n WHERE n.c = _custom_field_options.column_name"
            " AND n.i = _custom_field_options.option_id)", [stream, columns, ids])
        self.con.execute(
            f"INSERT INTO _custom_field_options (stream, column_name, option_id, label) SELECT ?, UNNEST({text}),"
            f" UNNEST({text}), UNNEST({text})", [stream, columns, ids, labels])

    def counts(self, tables: Iterable[str]) -> dict[str, int]:
        """Rows of each table (0 for one not created), two statements for all."""
        wanted = list(tables)
        present = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " AND list_contains(CAST(? AS VARCHAR[]), table_name)", [wanted]).fetchall()}
        found = [t for t in wanted if t in present]
        result = dict.fromkeys(wanted, 0)
        if found:
            union = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {quote(t)}" for i, t in enumerate(found))
            for i, n in self.con.execute(union).fetchall():
                result[found[i]] = int(n)
        return result

    # ---- the write path -------------------------------------------------------------------------

    def commit_pages(self, writes: Sequence[PageWrite]) -> list[PageResult]:
        """Upsert each stream's pages and save the state covering them, all in one transaction (DuckDB's
        cost per commit is the same for one page or many).

        With `replace`, the rows of those parents are deleted first: the page holds their children,
        whole. With `keep_only`, rows whose `_sync_id` differs are deleted in the same transaction:
        they were not seen by the full read that just completed, so they are gone upstream.
        """
        def work() -> list[PageResult]:
            results = [self._write(w) for w in writes]
            self._save_states({w.state.stream: w.state for w in writes}.values())
            return results

        return self._transaction(work)

    def _write(self, w: PageWrite) -> PageResult:
        inserted = updated = removed = 0
        if w.count or w.replace:
            inserted, updated, removed = self._upsert(w.plan, w.page_file, w.count, w.keys, w.sync_id,
                                                      w.replace, w.largest, w.new)
        if w.keep_only is not None:
            removed += self._one(
                f"DELETE FROM {quote(w.plan.stream)} WHERE _sync_id IS DISTINCT FROM ?", [w.keep_only]
            )[0]
        return PageResult(inserted, updated, int(removed))

    def _save_states(self, states: Collection[SavedState]) -> None:
        """Replace the streams' rows of `_state`: two statements for all of them."""
        text = "CAST(? AS VARCHAR[])"
        self.con.execute(f"DELETE FROM _state WHERE list_contains({text}, stream)", [[s.stream for s in states]])
        self.con.execute(
            f"INSERT INTO _state SELECT s, m, CAST(j AS JSON), p, ? FROM (SELECT UNNEST({text}) AS s,"
            f" UNNEST({text}) AS m, UNNEST({text}) AS j, UNNEST(CAST(? AS BIGINT[])) AS p)",
            [_now(), [s.stream for s in states], [s.mode for s in states],
             [None if s.state is None else orjson.dumps(s.state).decode() for s in states],
             [s.pending_sync_id for s in states]])

    def interrupt(self) -> None:
        """Stop the statement running in another thread (its transaction rolls back)."""
        self.con.interrupt()

    def _upsert(self, plan: TablePlan, page_file: str | None, count: int, keys: Sequence[Hashable], sync_id: int,
                replace: Replace | None, largest: int | None = None, new: bool = False) -> tuple[int, int, int]:
        """(inserted, updated, removed). Existing rows with a key of the page (and, with `replace`,
        the children of its parents) are set aside in `_old` and deleted, then the page is inserted
        straight from its file; where nothing matches that costs one probe, and none when the caller
        knows the table holds none of them (`new`)."""
        table = quote(plan.stream)
        where, params = ("", []) if new else self._matching(plan, keys, replace)
        matched = 0
        if where and self._one(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {where})", params)[0]:
            picks = ", ".join(quote(c.name) for c in key_columns(plan))
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _old AS SELECT rowid AS _row, {picks}{', ' * bool(picks)}"
                             f"_record_hash AS _hash FROM {table} WHERE {where}", params)
            matched = int(self._one(f"DELETE FROM {table} WHERE rowid IN (SELECT _row FROM _old)")[0])
        total = 0
        if count and page_file:
            reader = _reader(plan, page_file, largest)
            total = int(self._one(f"INSERT INTO {table} ({', '.join(quote(n) for n in plan.column_names())})"
                                  f" SELECT {', '.join(_values(plan, sync_id))} FROM {reader}")[0])
        if not matched:
            return total, 0, 0
        # "updated" counts rows whose content changed: the inclusive cursor re-sends boundary rows.
        on = " AND ".join(f"{table}.{quote(c.name)} = _old.{quote(c.name)}" for c in key_columns(plan)) or "FALSE"
        again, changed = self._one(
            f"SELECT count({table}._record_hash), count(*) FILTER (WHERE {table}._record_hash IS NOT NULL AND"
            f" {table}._record_hash IS DISTINCT FROM _old._hash) FROM _old LEFT JOIN {table} ON {on}")
        return total - int(again), int(changed), matched - int(again)

    def _matching(self, plan: TablePlan, keys: Sequence[Hashable],
                  replace: Replace | None) -> tuple[str, list[list[str]]]:
        """The WHERE clause picking the rows a page replaces, and its parameters: the page's keys as
        text lists (DuckDB casts them to the key columns' types, a value that does not fit matches
        nothing, as its record's key becomes NULL), and the parents whose children it holds."""
        conditions, params = [], []
        columns = key_columns(plan)
        if len(columns) == 1 and keys:
            conditions.append(f"{quote(columns[0].name)} IN (SELECT {_unnest_as(columns[0])})")
            params.append([_text(k) for k in keys])
        elif columns and keys:
            picks = ", ".join(f"{_unnest_as(c)} AS k{i}" for i, c in enumerate(columns))
            on = " AND ".join(f"n.k{i} = {quote(plan.stream)}.{quote(c.name)}" for i, c in enumerate(columns))
            conditions.append(f"EXISTS (SELECT 1 FROM (SELECT {picks}) n WHERE {on})")
            tuples = cast("Sequence[tuple[Any, ...]]", keys)
            params.extend([_text(k[i]) for k in tuples] for i in range(len(columns)))
        if replace is not None and replace.parent_ids:
            link = link_column(plan, replace.link)
            conditions.append(f"{quote(link.name)} IN (SELECT {_unnest_as(link)})")
            params.append([_text(p) for p in replace.parent_ids])
        return " OR ".join(conditions), params

def page_json(rows: Iterable[tuple[Any, int]]) -> bytes:
    """Records (data, emitted_at ms) as one JSON array of {"t": emitted_at, "d": data}: one orjson call
    for the whole page (a call per record costs four times as much), no Arrow."""
    return orjson.dumps([{"t": emitted_at, "d": data} for data, emitted_at in rows])


def _reader(plan: TablePlan, page_file: str, largest: int | None = None) -> str:
    """DuckDB's JSON reader with the page's types given: each record is parsed once, straight into
    typed values; `ignore_errors` turns a value of the wrong shape into NULL instead of failing the
    page (as json_transform does)."""
    structure = _struct_type(plan.structure()) if plan.columns else "JSON"
    columns = f"{{'t': 'BIGINT', 'd': {_literal(structure)}}}"
    # No record is larger than the page that brought it (`largest`: the largest page in the file, else
    # the file). DuckDB sets twice this much aside for its buffer, so a fixed 1 GB would fail on a
    # machine with less than 2 GB for DuckDB, and a file of many pages would take more than it needs.
    size = (os.path.getsize(page_file) if largest is None else largest) + 1024
    return (f"read_json({_literal(page_file)}, format = 'array', columns = {columns},"
            f" ignore_errors = true, maximum_object_size = {max(1 << 20, size)})")


@dataclass(frozen=True)
class PageWrite:
    """One stream's part of a transaction (Warehouse.commit_pages): `count` records from `page_file`, a
    JSON array of {"t": emitted_at ms, "d": record} (page_json), their primary `keys` (a tuple each for
    a composite key; records without one left out, none twice), and the state that covers them;
    `keep_only` and `replace` as Warehouse.commit_pages says."""

    plan: TablePlan
    page_file: str | None
    count: int
    keys: Sequence[Hashable]
    state: SavedState
    sync_id: int
    keep_only: int | None = None
    replace: Replace | None = None
    largest: int | None = None  # bytes of the largest page in the file (no record is larger); None: the file's
    # The table holds no row with one of `keys` nor a child of `replace`'s parents (loader.Fresh knows):
    # the rows are inserted without looking for rows they replace.
    new: bool = False


@dataclass(frozen=True)
class Replace:
    """A page holds the whole current children of these parents (events.ParentsRead): the rows whose
    `link` column holds one of `parent_ids` are replaced by it."""

    link: str
    parent_ids: Collection[Any]


def key_columns(plan: TablePlan) -> list[Column]:
    return [c for name in plan.primary_key for c in plan.columns if c.name == name]


def link_column(plan: TablePlan, link: str) -> Column:
    for col in plan.columns:
        if col.path == (link,):
            return col
    raise LoadError(f"stream '{plan.stream}' reports its children by '{link}', which is no column of its table")


def _text(value: Any) -> str:
    """A key as text for DuckDB to cast back to its column's type (the keys of a page go as one list)."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    return orjson.dumps(value).decode()


def _unnest_as(col: Column) -> str:
    return f"TRY_CAST(UNNEST(CAST(? AS VARCHAR[])) AS {col.sql_type})"


def _struct_type(node: Mapping[str, Any]) -> str:
    """plan.structure() as a DuckDB type: {"id": "BIGINT", "owner": {"id": "BIGINT"}} ->
    STRUCT("id" BIGINT, "owner" STRUCT("id" BIGINT))."""
    parts = [f"{quote(name)} {_struct_type(sub) if isinstance(sub, Mapping) else sub}" for name, sub in node.items()]
    return f"STRUCT({', '.join(parts)})"


def _values(plan: TablePlan, sync_id: int) -> list[str]:
    """What goes into each column, in plan.column_names() order. `_record_hash` is DuckDB's hash of the
    record's typed values: it changes when a stored value does."""
    return [*(_value(c) for c in plan.columns), str(int(sync_id)), "CAST(epoch_ms(t) AS TIMESTAMPTZ)", "hash(d)"]


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        data = data.get(step) if isinstance(data, dict) else None
    return data


def _value(col: Column) -> str:
    value = "d" + "".join(f"[{_literal(step)}]" for step in col.path)
    if col.split:  # a v1 set's "12,34"; an item that is no option id becomes NULL, never a failed page
        return (f"TRY_CAST(CASE WHEN trim({value}) = '' THEN NULL ELSE string_split(replace({value}, ' ', ''), ',')"
                f" END AS {col.sql_type})")
    return value


def _now() -> datetime:
    return datetime.now(timezone.utc)
