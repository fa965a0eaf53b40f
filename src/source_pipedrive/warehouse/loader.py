"""The loader of `sync`: Airbyte messages and events in, committed pages out, one stream table each.

Two threads, so loading never stops the reading: the caller's thread iterates the source, buffers
records per stream and appends each page (the records a STATE covers, serialized as JSON) to its
stream's group file; a writer thread commits the groups, each with the last STATE appended to it,
while the read goes on (Handoff). Pages wait in files, not in memory, and at most MAX_IN_FLIGHT
records are read and not committed, so memory stays flat whichever side is slower: a slow disk
slows the read, never the other way.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

import duckdb

from ..events import ConfigUpdated, Cost, Event, Notice, ParentsRead, RateLimitWait
from ..http.usage import UsageReport
from ..http.wire import JsonObject
from .columns import TablePlan
from .report import StreamStats, Waits
from .store import (
    LoadError,
    PageResult,
    PageWrite,
    Replace,
    SavedState,
    Warehouse,
    dig,
    key_columns,
    link_column,
    page_json,
)
from .worker import WarehouseProcess

# Group commit: each stream's part of a transaction ends at one of its STATEs and holds exactly the
# records that STATE covers, but the pages read within COMMIT_INTERVAL of the first one waiting are
# appended to one file per stream and committed together, every stream in one transaction (sealed
# early at GROUP_ROWS records or GROUP_BYTES in all, or when a page would replace rows a group
# holds). Each DuckDB INSERT and COMMIT has a fixed cost (several ms for a wide table, more while
# the reading threads hold the GIL): pages of 500 records one transaction each took twice as long
# to load as groups of 5,000. A kill loses at most the pages not committed yet, which the next run
# reads again. SOURCE_PIPEDRIVE_COMMIT_INTERVAL=0 commits every STATE on its own.
COMMIT_INTERVAL = float(os.environ.get("SOURCE_PIPEDRIVE_COMMIT_INTERVAL", "1.0"))
GROUP_ROWS = 20_000
GROUP_BYTES = 32 << 20
# Buffer of a group file: a few pages per write call.
FILE_BUFFER = 1 << 20
# Records read and not yet committed, in files (Handoff): one batch being committed and one waiting.
MAX_IN_FLIGHT = 2 * GROUP_ROWS
# With the writer process on (sync.WRITER_PROCESS), commits move to it after this many records
# (worker.py says why); starting it costs about half a second, which a small sync does not pay.
OFFLOAD_AFTER = int(os.environ.get("SOURCE_PIPEDRIVE_OFFLOAD_AFTER", "2000"))
# Keys of a table Fresh remembers before it lets the table be probed again (about 60 bytes each).
FRESH_KEYS = 500_000
# Key and link column types whose values are one to one with the Python values the records hold.
EXACT_TYPES: dict[str, type] = {"BIGINT": int, "VARCHAR": str}

KeyOf = Callable[[JsonObject], Hashable]  # record data -> its primary key value
Rows = dict[Hashable, tuple[JsonObject, int]]  # records by primary key: (data, emitted_at ms)


class PageStore(Protocol):
    """Where the writer thread puts pages: the Warehouse itself, or worker.WarehouseProcess."""

    def prepare_all(self, tables: list[tuple[str, Any, Any]]) -> list[TablePlan]: ...

    def commit_pages(self, writes: list[PageWrite]) -> list[PageResult]: ...

    def interrupt(self) -> None: ...


class NoKey:
    """The key of a record whose primary key is missing: equal only to itself, so it is kept."""

    __slots__ = ()


@dataclass
class StreamRun:
    """How one stream is read this time, and what is buffered until its next STATE."""

    name: str
    entry: JsonObject  # the stream's entry in the discovered catalog
    incremental: bool
    start_state: JsonObject | None
    pending: int | None  # a full read under way: rows are tagged with it, the rest dropped at the end
    row_sync_id: int
    key: KeyOf
    plan: TablePlan | None = None  # the table, once the writer has created or widened it
    # The reading side's: records since the last STATE by key, the parents whose children they
    # replace (events.ParentsRead), the latest STATE handed over, whether COMPLETE has arrived.
    buffer: Rows = field(default_factory=dict)
    parents: set[Any] = field(default_factory=set)
    link: str | None = None
    last_state: JsonObject | None = None
    finished: bool = False
    committed_at: float = 0.0  # the writer's: when it last committed this stream

    def saved(self, state: JsonObject | None, pending: int | None) -> SavedState:
        return SavedState(self.name, "incremental" if self.incremental else "full_refresh", state, pending)


@dataclass
class Page:
    """Records of one stream up to a STATE, serialized by the reading side: what it hands to the writer."""

    run: StreamRun
    body: bytes  # the records as one JSON array (store.page_json); b"" when there are none
    count: int
    keys: list[Hashable]  # their primary keys (records without one left out)
    links: frozenset[Any] | None  # their values of `run.link` (a child stream's parent); None: not known
    state: JsonObject | None
    parents: frozenset[Any] = frozenset()  # parents whose children are these records, whole
    states: int = 1  # STATE messages it covers (0: a COMPLETE with nothing after the last STATE)
    final: bool = False  # the stream is complete: unseen rows of a full read go, the state is final

    @classmethod
    def close(cls, run: StreamRun, state: JsonObject | None, *, states: int = 1, final: bool = False) -> Page:
        """The page of `run`'s buffered records; the buffer starts over. One orjson call here, in the
        reading thread, leaves a compact bytes object in flight instead of thousands of dicts."""
        rows = run.buffer
        links: frozenset[Any] | None = frozenset()
        if rows:
            link = run.link
            links = frozenset(row[0].get(link) for row in rows.values()) if link else None
        page = cls(run, page_json(rows.values()) if rows else b"", len(rows),
                   [k for k in rows if type(k) is not NoKey], links, state, frozenset(run.parents),
                   states=states, final=final)
        run.buffer, run.parents = {}, set()
        return page


class Loader:
    """Feeds one sync's messages into the warehouse: records are buffered per stream, each STATE
    hands the page it closes to the writer thread (see COMMIT_INTERVAL), a COMPLETE status finishes
    the stream.

    Events arrive through `on_event` (the source calls it in order with the messages): waits are
    counted, warnings go to `on_notice`, refreshed configs to `on_config`, ParentsRead marks the
    parents whose children the next records replace.
    """

    def __init__(self, warehouse: Warehouse, runs: dict[str, StreamRun], *,
                 on_config: Callable[[dict[str, Any]], None] | None = None,
                 on_notice: Callable[[str, str], None] | None = None) -> None:
        self.warehouse, self.runs = warehouse, runs
        self.stats = {name: StreamStats(name, mode=mode_label(run)) for name, run in runs.items()}
        self.waits = Waits()
        self.usage: UsageReport | None = None  # what the read has cost so far
        self.on_config, self.on_notice = on_config, on_notice

    def feed(self, messages: Iterable[dict[str, Any]], *, offload: bool = False) -> None:
        """Read `messages` to the end while the writer commits them (in a process of its own once the
        read is large, with `offload`); return once all is committed and the warehouse's connection
        is back. On an error or Ctrl-C, the source is closed, the pages handed over are committed,
        and it is raised."""
        writer = Writer(self.warehouse, self.runs, self.stats, offload=offload)
        try:
            writer.start()
            self._read(messages, writer.handoff)
        except BaseException:
            close = getattr(messages, "close", None)
            if close is not None:
                close()
            writer.finish()
            raise
        writer.finish()
        if writer.handoff.error is not None:
            raise writer.handoff.error

    def _read(self, messages: Iterable[dict[str, Any]], handoff: Handoff) -> None:
        """The hot loop over the source's messages."""
        runs, stats = self.runs, self.stats
        for message in messages:
            kind = message.get("type")
            if kind == "RECORD":
                rec = message["record"]
                run = runs.get(rec.get("stream"))
                if run is not None:
                    data = rec["data"]
                    run.buffer[run.key(data)] = (data, rec.get("emitted_at") or 0)  # last version of a key wins
                    stats[run.name].records += 1
            elif kind == "STATE":
                self._on_state(message["state"], handoff)
            elif kind == "TRACE":
                self._on_trace(message["trace"], handoff)

    def _on_state(self, state: JsonObject, handoff: Handoff) -> None:
        if state.get("type", "STREAM") != "STREAM":
            return
        stream = state.get("stream") or {}
        run = self.runs.get((stream.get("stream_descriptor") or {}).get("name") or "")
        if run is None or run.finished:
            return
        run.last_state = stream.get("stream_state")
        page = Page.close(run, run.last_state)
        st = self.stats[run.name]
        st.begin()
        st.pages += 1
        handoff.put(page)

    def _on_trace(self, trace: JsonObject, handoff: Handoff) -> None:
        if trace.get("type") == "STREAM_STATUS":
            payload = trace.get("stream_status") or {}
            run = self.runs.get((payload.get("stream_descriptor") or {}).get("name") or "")
            if run is None:
                return
            st, status = self.stats[run.name], payload.get("status")
            if status in ("STARTED", "RUNNING"):
                st.begin()
            elif status == "COMPLETE" and not run.finished:
                # Records after the last STATE (none, from our source) are covered by COMPLETE.
                state = run.last_state if run.last_state is not None else run.start_state
                page = Page.close(run, state, states=0, final=True)
                run.finished = True
                handoff.put(page)
            elif status == "INCOMPLETE":
                run.buffer, run.parents = {}, set()  # no STATE covers them: read again next time
                if st.status != "failed":
                    st.status, st.ended = "incomplete", time.monotonic()
        elif trace.get("type") == "ERROR":
            payload = trace.get("error") or {}
            name = (payload.get("stream_descriptor") or {}).get("name")
            if name in self.stats:
                self.stats[name].status, self.stats[name].error = "failed", str(payload.get("message", "failed"))
                self.stats[name].ended = time.monotonic()

    def on_event(self, event: Event) -> None:
        if isinstance(event, ParentsRead):
            self._on_parents(event)
        elif isinstance(event, RateLimitWait):
            self.waits.add(event)
        elif isinstance(event, Cost):
            self.usage = event.usage
        elif isinstance(event, ConfigUpdated):
            if self.on_config is not None:
                self.on_config(event.config)  # refreshed OAuth tokens, to persist
        elif isinstance(event, Notice) and event.level in ("WARN", "ERROR"):
            self.waits.notes.append(f"{event.level}: {event.message}")
            if self.on_notice is not None:  # errors also come back as the run's own one-line error
                self.on_notice(event.level, event.message)

    def _on_parents(self, event: ParentsRead) -> None:
        """The records that follow are the whole current children of these parents: their rows are
        replaced in the transaction of the STATE that covers those records. Children of the same
        parents buffered before this event are superseded too."""
        run = self.runs.get(event.stream)
        if run is None or run.finished:
            return
        if run.link is not None and run.link != event.link:
            raise LoadError(f"stream '{run.name}' reports its children by '{event.link}', earlier by '{run.link}'")
        run.link = event.link
        ids = set(event.parent_ids)
        if run.buffer:
            run.buffer = {k: v for k, v in run.buffer.items() if v[0].get(event.link) not in ids}
        run.parents |= ids


class Handoff:
    """Pages from the reading thread to the writer, through files. The reading side appends each page
    to its stream's open group file (`put`); the groups open are sealed together into a batch, one
    transaction, once the first of them is COMMIT_INTERVAL old (the writer seals them then), the
    batch is full (GROUP_ROWS, GROUP_BYTES), or a page would replace rows one holds. At most `limit`
    records are in batches sealed and not yet committed (a batch is never split, so a larger one
    passes alone): the files, not memory, hold them, and the reading side waits for room only when
    the writer is that far behind.
    `error` is the writer's failure: the reading side raises it at its next page."""

    def __init__(self, limit: int, folder: str) -> None:
        self.cond = threading.Condition()
        self.folder, self.files = folder, 0
        self.open: dict[str, Group] = {}  # by stream, in the order their first page came
        self.opened = 0.0  # when the oldest open group got its first page
        self.rows, self.bytes = 0, 0  # in the open groups
        self.queue: deque[list[Group]] = deque()  # sealed batches, oldest first
        self.limit, self.in_flight = limit, 0
        self.closed = False  # no more pages will come
        self.error: BaseException | None = None

    def put(self, page: Page) -> None:
        with self.cond:
            if self.error is not None:
                raise self.error
            name = page.run.name
            group = self.open.get(name)
            if group is not None and group.clashes(page):
                self._seal()
                group = None
            if group is None:
                if not self.open:
                    self.opened = time.monotonic()
                self.files += 1
                group = self.open[name] = Group(page.run, os.path.join(self.folder, f"group-{self.files}.json"))
            group.add(page)
            self.rows += page.count
            self.bytes += len(page.body)
            if COMMIT_INTERVAL <= 0 or self.rows >= GROUP_ROWS or self.bytes >= GROUP_BYTES:
                self._seal()

    def _seal(self) -> None:
        """The open groups become the next batch, once there is room for it (the writer's timer no
        longer sees them meanwhile)."""
        batch, count = list(self.open.values()), self.rows
        self.open, self.rows, self.bytes = {}, 0, 0
        while self.error is None and self.in_flight and self.in_flight + count > self.limit:
            self.cond.wait(0.1)
        self.queue.append(batch)
        self.in_flight += count
        self.cond.notify_all()
        if self.error is not None:
            raise self.error

    def take(self, timeout: float) -> list[Group] | None:
        """The next batch to commit (the open groups once they are due), waiting up to `timeout` for
        one: [] when none is ready yet, None when the reading side has closed and all is taken."""
        with self.cond:
            if not self.queue and not self.closed:
                due = self.opened + COMMIT_INTERVAL - time.monotonic() if self.open else timeout
                if due > 0:
                    self.cond.wait(min(timeout, due))
            if self.queue:
                return self.queue.popleft()
            if self.open and (self.closed or time.monotonic() - self.opened >= COMMIT_INTERVAL):
                batch, self.open, self.rows, self.bytes = list(self.open.values()), {}, 0, 0
                self.in_flight += sum(group.count for group in batch)
                return batch
            return None if self.closed else []

    def done(self, batch: list[Group]) -> None:
        with self.cond:
            self.in_flight -= sum(group.count for group in batch)
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def fail(self, error: BaseException) -> None:
        with self.cond:
            self.error = error
            self.cond.notify_all()

    def discard(self) -> None:
        """The files of groups never to be committed (the writer stopped)."""
        with self.cond:
            for batch in [*self.queue, list(self.open.values())]:
                for group in batch:
                    group.discard()
            self.queue.clear()
            self.open, self.rows, self.bytes = {}, 0, 0


class Group:
    """Pages of one stream appended to a file as one JSON array, waiting for the transaction that
    commits them with the last one's STATE."""

    def __init__(self, run: StreamRun, path: str) -> None:
        self.run, self.path = run, path
        self.file: BinaryIO | None = None  # opened at the first record
        self.count, self.bytes, self.largest = 0, 0, 0
        self.keys: list[Hashable] = []
        self.seen: set[Hashable] = set()
        self.links: set[Any] | None = set()
        self.parents: set[Any] = set()
        self.state: JsonObject | None = None
        self.states, self.final = 0, False

    def clashes(self, page: Page) -> bool:
        """Whether `page` replaces rows this group holds (a key sent again, children of a parent listed
        again): the group is committed before it, so the later version wins as it would in the table."""
        if page.keys and self.seen and not self.seen.isdisjoint(page.keys):
            return True
        return bool(page.parents) and self.count > 0 and (self.links is None or not self.links.isdisjoint(page.parents))

    def add(self, page: Page) -> None:
        if page.count:
            # Through a 1 MB buffer, several pages per write call: each call gives up the GIL, and taking
            # it back from the reading threads costs up to sys.getswitchinterval() (this is the thread
            # the read waits on).
            body = memoryview(page.body)[:-1]  # the page's array without its "]"
            if self.file is None:
                self.file = open(self.path, "wb", buffering=FILE_BUFFER)  # noqa: SIM115 - closed by finish() or discard()
                self.file.write(body)
            else:
                self.file.write(b"," + body[1:])
            self.count += page.count
            self.bytes += len(page.body)
            self.largest = max(self.largest, len(page.body))
            self.keys += page.keys
            self.seen.update(page.keys)
            if self.links is not None:
                self.links = None if page.links is None else self.links | page.links
        self.parents |= page.parents
        self.state, self.states, self.final = page.state, self.states + page.states, page.final

    def finish(self) -> str | None:
        """The file, complete (None without records)."""
        if self.file is None:
            return None
        self.file.write(b"]")
        self.file.close()
        return self.path

    def discard(self) -> None:
        """Close and remove the file (committed, or never to be: the next run reads its pages again)."""
        if self.file is not None:
            self.file.close()
        with contextlib.suppress(OSError):  # a temporary file: a failure to remove it is no sync's failure
            os.remove(self.path)


class Fresh:
    """What this sync has committed to a table that was empty when it began: the primary keys, and the
    parents of a child stream's rows. A group holding none of them replaces no row, so it is inserted
    without the probe for rows to replace (PageWrite.new): on a first sync, every group but those
    that repeat a key. Only values one to one with the column's are remembered (an int for BIGINT, a
    str for VARCHAR: "05" and "5" are one BIGINT); any other, a group whose parents are not known, or
    more than FRESH_KEYS keys, and the table is probed like any other from then on (`lost`)."""

    def __init__(self, run: StreamRun) -> None:
        assert run.plan is not None
        self.plan = run.plan
        self.types = tuple(EXACT_TYPES.get(c.sql_type) for c in key_columns(run.plan))
        self.keys: set[Hashable] = set()
        self.links: set[Any] = set()
        self.links_known = True  # every committed row's parent is in `links`
        self.lost = None in self.types

    def new(self, group: Group) -> bool:
        """Whether no row of the table has one of `group`'s keys or is a child of one of its parents.
        Called once for each group before it is committed (`add` after)."""
        if self.lost:
            return False
        if not self._exact(group.keys):
            self.lost, self.keys, self.links = True, set(), set()
            return False
        if not self.keys.isdisjoint(group.keys):
            return False
        if group.parents:
            wanted = self._link_type(group.run.link)
            if not self.links_known or wanted is None or any(type(p) is not wanted for p in group.parents):
                return False
            return self.links.isdisjoint(group.parents)
        return True

    def add(self, group: Group) -> None:
        """`group` is committed (its keys were checked by `new`)."""
        if self.lost:
            return
        if len(self.keys) + len(group.keys) > FRESH_KEYS:
            self.lost, self.keys, self.links = True, set(), set()
            return
        self.keys.update(group.keys)
        if not self.links_known or not group.count:
            return
        wanted = self._link_type(group.run.link)
        if group.links is None or wanted is None or any(
                v is not None and type(v) is not wanted for v in group.links):  # NULL matches no parent
            self.links_known, self.links = False, set()
        else:
            self.links |= group.links

    def _link_type(self, link: str | None) -> type | None:
        """The Python type one to one with the link column's values; None when there is none."""
        return None if link is None else EXACT_TYPES.get(link_column(self.plan, link).sql_type)

    def _exact(self, keys: list[Hashable]) -> bool:
        if len(self.types) == 1:
            wanted = self.types[0]
            return all(type(k) is wanted for k in keys)
        return all(type(k) is tuple and len(k) == len(self.types)
                   and all(type(v) is t for v, t in zip(k, self.types, strict=True)) for k in keys)


class Writer:
    """The thread that owns the DuckDB connection while a read runs: it creates or widens the tables
    (while the first pages are on their way), then appends pages to their stream's group file and
    commits the groups (see COMMIT_INTERVAL), each stream's pages in the order it sent them, to the
    warehouse or, once OFFLOAD_AFTER records have come and a writer process has started, to that
    process (the connection is open again when the writer ends)."""

    def __init__(self, warehouse: Warehouse, runs: dict[str, StreamRun], stats: dict[str, StreamStats], *,
                 offload: bool = False) -> None:
        self.warehouse, self.runs, self.stats = warehouse, runs, stats
        self.store: PageStore = warehouse
        self.offload, self.committed = offload, 0
        self.spare: WarehouseProcess | None = None
        self.handoff = Handoff(MAX_IN_FLIGHT, warehouse.page_dir)
        self.fresh: dict[str, Fresh] = {}  # by stream: the tables empty when the sync began
        self.abort = threading.Event()
        self.done = threading.Event()  # the writer has ended and no longer uses the connection
        self.thread = threading.Thread(target=self._run, name="sync-writer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        """Wait until every page handed over is committed. A Ctrl-C meanwhile stops the writer at once
        (the open transaction rolls back) and is raised once the writer has let go of the database.
        (`done`, not Thread.join: a join interrupted by a signal may later claim a live thread ended.)"""
        if self.thread.ident is None:  # never started
            return
        try:
            self.handoff.close()
            while not self.done.wait(0.1):
                pass
        except BaseException:
            self.abort.set()
            while not self.done.is_set():
                try:
                    self._interrupt()
                    self.done.wait(0.1)
                except KeyboardInterrupt:  # pressed again: the writer is stopping already
                    pass
            raise

    def _interrupt(self) -> None:
        try:
            self.store.interrupt()
        except duckdb.Error:  # the connection is being handed to the writer process right now
            pass

    def _run(self) -> None:
        try:
            todo = [run for run in self.runs.values() if run.plan is None]
            plans = self.store.prepare_all([(run.name, run.entry.get("json_schema") or {},
                                             run.entry.get("source_defined_primary_key") or []) for run in todo])
            for run, plan in zip(todo, plans, strict=True):
                run.plan = plan
            empty = [name for name, rows in self.warehouse.counts(self.runs).items() if rows == 0]
            self.fresh = {name: Fresh(self.runs[name]) for name in empty}
            while not self.abort.is_set():
                batch = self.handoff.take(0.5)
                if batch is None:
                    return
                if batch:
                    self._commit(batch)
                    self.handoff.done(batch)
        except BaseException as exc:  # surfaces in the reading thread, which stops the read
            self.handoff.fail(exc)
        finally:
            try:
                self.handoff.discard()
                self._give_back()
            except BaseException as exc:
                if self.handoff.error is None:
                    self.handoff.fail(exc)
            finally:
                self.done.set()

    def _offload(self, records: int) -> None:
        """Start the writer process once the read is large; switch to it once it has started."""
        if not self.offload or self.store is not self.warehouse:
            return
        self.committed += records
        if self.spare is None:
            if self.committed >= OFFLOAD_AFTER:
                self.spare = WarehouseProcess(self.warehouse.path)
        elif self.spare.ready():
            self.warehouse.con.close()
            self.store = self.spare

    def _give_back(self) -> None:
        """The writer process checkpoints and ends (is killed, after an abort); the connection reopens."""
        spare, self.spare = self.spare, None
        if spare is None:
            return
        try:
            if self.abort.is_set():
                spare.interrupt()
            spare.close()
        finally:
            if self.store is spare:
                self.store = self.warehouse
                self.warehouse.reconnect()

    def _commit(self, groups: list[Group]) -> None:
        """One transaction: each group's records and the state that covers them (the final state, and
        the removal of rows a full read did not see, for a completed stream)."""
        if self.abort.is_set():
            for group in groups:
                group.discard()
            return
        writes: list[tuple[Group, PageWrite]] = []
        for group in groups:
            run = group.run
            assert run.plan is not None
            fresh = self.fresh.get(run.name)
            if group.count or group.parents or group.states or (group.final and run.pending is not None):
                writes.append((group, PageWrite(
                    run.plan, group.finish(), group.count, group.keys,
                    run.saved(group.state, None if group.final else run.pending), run.row_sync_id,
                    # In a table empty when the sync began, every row is this read's: none to delete.
                    keep_only=run.pending if group.final and fresh is None else None,
                    replace=Replace(run.link, frozenset(group.parents)) if group.parents and run.link else None,
                    largest=group.largest, new=fresh is not None and fresh.new(group))))
        try:
            results = self.store.commit_pages([write for _, write in writes]) if writes else []
        finally:
            for group in groups:
                group.discard()
        for group, _ in writes:
            if group.run.name in self.fresh:
                self.fresh[group.run.name].add(group)
        for (group, _), result in zip(writes, results, strict=True):
            st = self.stats[group.run.name]
            st.inserted += result.inserted
            st.updated += result.updated
            st.removed += result.removed
        for group in groups:
            if group.final:
                st = self.stats[group.run.name]
                st.begin()
                st.status, st.ended = "complete", time.monotonic()
        self._offload(sum(group.count for group in groups))


def plan_stream(entry: JsonObject, saved: SavedState | None, sync_id: int, full_refresh: bool) -> StreamRun:
    """Decide how a stream is read, from what the database remembers of it."""
    name = entry["name"]
    pk_paths = entry.get("source_defined_primary_key") or []
    can_increment = "incremental" in (entry.get("supported_sync_modes") or [])
    if saved is not None and saved.pending_sync_id is not None:
        # A full read was interrupted: continue it from its last committed page, same tag.
        incremental = saved.mode == "incremental" and can_increment
        if incremental or entry.get("is_resumable"):
            start, pending = saved.state, saved.pending_sync_id
        else:
            start, pending = None, sync_id
    elif can_increment and not full_refresh and saved is not None and saved.mode == "incremental" and saved.state:
        incremental, start, pending = True, saved.state, None
    else:
        # A first read, or --full-refresh: read everything; what is not seen is gone upstream.
        incremental, start, pending = can_increment, None, sync_id
        if not can_increment and saved is not None and saved.state and saved.state.get("complete"):
            start = saved.state  # read whole again; it tells the source when this stream last completed
    row_sync_id = pending if pending is not None else sync_id
    return StreamRun(name, entry, incremental, start, pending, row_sync_id, _key_function(pk_paths))


def _key_function(pk_paths: list[list[str]]) -> KeyOf:
    paths = [tuple(p) for p in pk_paths if p]
    if len(paths) == 1 and len(paths[0]) == 1:
        field_name = paths[0][0]

        def single(data: JsonObject) -> Hashable:
            value = data.get(field_name)
            return NoKey() if value is None else value

        return single

    def composite(data: JsonObject) -> Hashable:
        values = tuple(dig(data, p) for p in paths)
        return NoKey() if not paths or None in values else values

    return composite


def mode_label(run: StreamRun) -> str:
    if not run.incremental:
        return "full refresh"
    if run.pending is None:
        return "incremental"
    return "full read" if run.start_state is None else "full read (resumed)"


def configured_catalog(runs: Iterable[StreamRun]) -> JsonObject:
    streams = []
    for run in runs:
        entry = run.entry
        configured = {
            "stream": entry,
            "sync_mode": "incremental" if run.incremental else "full_refresh",
            "destination_sync_mode": "append_dedup" if entry.get("source_defined_primary_key") else "append",
            "primary_key": entry.get("source_defined_primary_key") or [],
        }
        if run.incremental and entry.get("default_cursor_field"):
            configured["cursor_field"] = entry["default_cursor_field"]
        streams.append(configured)
    return {"streams": streams}


def state_messages(runs: Iterable[StreamRun]) -> list[JsonObject]:
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": r.name}, "stream_state": r.start_state}}
        for r in runs if r.start_state is not None
    ]
