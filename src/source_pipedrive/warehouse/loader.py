"""The loader of `sync`: Airbyte messages and events in, committed pages out, one stream table each."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..events import ConfigUpdated, Cost, Event, Notice, RateLimitWait
from ..http.usage import UsageReport
from ..http.wire import JsonObject
from .columns import TablePlan
from .report import StreamStats, Waits
from .store import SavedState, Warehouse, dig

# Group commit: a transaction always ends at a STATE and holds exactly the records that STATE
# covers, but pages of one stream that arrive within COMMIT_INTERVAL of its last commit share one
# transaction (up to GROUP_ROWS rows). Each DuckDB commit of a wide table costs tens of ms, so one
# commit per 500-record page would cap a local sync near 10k rows/s; over the real API, where a
# page takes longer than the interval to arrive, every STATE gets its own transaction.
# SOURCE_PIPEDRIVE_COMMIT_INTERVAL=0 commits every STATE on its own.
COMMIT_INTERVAL = float(os.environ.get("SOURCE_PIPEDRIVE_COMMIT_INTERVAL", "0.5"))
GROUP_ROWS = 20_000

KeyOf = Callable[[JsonObject], Hashable]  # record data -> its primary key value
Rows = dict[Hashable, tuple[JsonObject, int]]  # records by primary key: (data, emitted_at ms)


@dataclass
class StreamRun:
    """How one stream is read this time, and what is buffered until its next STATE."""

    name: str
    plan: TablePlan
    entry: JsonObject  # the stream's entry in the discovered catalog
    incremental: bool
    start_state: JsonObject | None
    pending: int | None  # a full read under way: rows are tagged with it, the rest dropped at the end
    row_sync_id: int
    key: KeyOf
    buffer: Rows = field(default_factory=dict)  # records since the last STATE, by primary key
    # Pages received but not committed: (records by key, the STATE covering them). Replaced in one
    # assignment, never mutated, so a Ctrl-C between two bytecodes cannot pair a state with rows
    # it does not cover.
    ready: tuple[Rows, JsonObject | None] | None = None
    last_state: JsonObject | None = None  # the latest STATE committed
    committed_at: float = 0.0
    finished: bool = False

    def saved(self, state: JsonObject | None, pending: int | None) -> SavedState:
        return SavedState(self.name, "incremental" if self.incremental else "full_refresh", state, pending)


class Loader:
    """Feeds one sync's messages into the warehouse: records are buffered per stream, each STATE
    commits the pages it covers (see COMMIT_INTERVAL), a COMPLETE status finishes the stream.

    Events arrive through `on_event` (the source calls it in order with the messages): waits are
    counted, warnings go to `on_notice`, refreshed configs to `on_config`.
    """

    def __init__(self, warehouse: Warehouse, runs: dict[str, StreamRun], *,
                 on_config: Callable[[dict[str, Any]], None] | None = None,
                 on_notice: Callable[[str, str], None] | None = None) -> None:
        self.warehouse, self.runs = warehouse, runs
        self.stats = {name: StreamStats(name, mode=mode_label(run)) for name, run in runs.items()}
        self.waits = Waits()
        self.usage: UsageReport | None = None  # what the read has cost so far
        self.on_config, self.on_notice = on_config, on_notice

    def feed(self, messages: Iterable[dict[str, Any]]) -> None:
        """The hot loop over the source's messages."""
        runs, stats, clock = self.runs, self.stats, time.monotonic
        for message in messages:
            kind = message.get("type")
            if kind == "RECORD":
                rec = message["record"]
                run = runs.get(rec.get("stream"))
                if run is not None:
                    data = rec["data"]
                    run.buffer[run.key(data)] = (data, rec.get("emitted_at") or 0)  # last version of a key wins
                    stats[run.name].records += 1
                continue
            now = clock()
            if kind == "STATE":
                _on_state(message["state"], runs, stats, self.warehouse, now)
            _flush_due(runs, stats, self.warehouse, now)
            if kind == "TRACE":
                _on_trace(message["trace"], runs, stats, self.warehouse)

    def on_event(self, event: Event) -> None:
        if isinstance(event, RateLimitWait):
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

    def flush(self) -> None:
        """Commit every page received so far (before a stop, or at the end)."""
        for run in self.runs.values():
            if not run.finished:
                _flush(run, self.stats[run.name], self.warehouse)


def _on_state(state: JsonObject, runs: dict[str, StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse,
              now: float) -> None:
    if state.get("type", "STREAM") != "STREAM":
        return
    stream = state.get("stream") or {}
    name = (stream.get("stream_descriptor") or {}).get("name")
    run = runs.get(name) if name is not None else None
    if run is None or run.finished:
        return
    rows = run.buffer if run.ready is None else {**run.ready[0], **run.buffer}
    run.ready = (rows, stream.get("stream_state"))
    run.buffer = {}
    st = stats[run.name]
    st.begin()
    st.pages += 1
    if len(rows) >= GROUP_ROWS or now - run.committed_at >= COMMIT_INTERVAL:
        _flush(run, st, warehouse)


def _flush(run: StreamRun, st: StreamStats, warehouse: Warehouse) -> None:
    """Commit the pages received so far with the STATE that covers them, in one transaction."""
    ready = run.ready
    if ready is None:
        return
    rows, state = ready
    page = warehouse.commit(run.plan, list(rows.values()), run.saved(state, run.pending), run.row_sync_id)
    if run.ready is ready:  # a repeat after an interrupt right here would rewrite the same rows: harmless
        run.ready, run.last_state, run.committed_at = None, state, time.monotonic()
        st.inserted += page.inserted
        st.updated += page.updated


def _flush_due(runs: dict[str, StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse, now: float) -> None:
    """Pages waiting for a group commit do not wait longer than COMMIT_INTERVAL once others move on."""
    for run in runs.values():
        if run.ready is not None and now - run.committed_at >= COMMIT_INTERVAL:
            _flush(run, stats[run.name], warehouse)


def _on_trace(trace: JsonObject, runs: dict[str, StreamRun], stats: dict[str, StreamStats],
              warehouse: Warehouse) -> None:
    if trace.get("type") == "STREAM_STATUS":
        payload = trace.get("stream_status") or {}
        name = (payload.get("stream_descriptor") or {}).get("name")
        run = runs.get(name) if name is not None else None
        if run is None:
            return
        st, status = stats[run.name], payload.get("status")
        if status in ("STARTED", "RUNNING"):
            st.begin()
        elif status == "COMPLETE" and not run.finished:
            _finish(run, st, warehouse)
        elif status == "INCOMPLETE":
            _flush(run, st, warehouse)
            if st.status != "failed":
                st.status, st.ended = "incomplete", time.monotonic()
    elif trace.get("type") == "ERROR":
        payload = trace.get("error") or {}
        name = (payload.get("stream_descriptor") or {}).get("name")
        if name in stats:
            stats[name].status, stats[name].error = "failed", str(payload.get("message", "failed"))
            stats[name].ended = time.monotonic()


def _finish(run: StreamRun, st: StreamStats, warehouse: Warehouse) -> None:
    """The stream is complete: after a full read, rows it did not see are deleted with its final state."""
    ready = run.ready
    rows = {**(ready[0] if ready else {}), **run.buffer}
    state = ready[1] if ready else run.last_state if run.last_state is not None else run.start_state
    if rows or run.pending is not None or ready is not None:
        page = warehouse.commit(run.plan, list(rows.values()), run.saved(state, None), run.row_sync_id,
                                keep_only=run.pending)
        st.inserted += page.inserted
        st.updated += page.updated
        st.removed += page.removed
    run.finished = True  # first: after this commit, no flush may write a non-final state again
    run.ready, run.buffer, run.last_state = None, {}, state
    st.begin()
    st.status, st.ended = "complete", time.monotonic()


def plan_stream(warehouse: Warehouse, entry: JsonObject, saved: SavedState | None, sync_id: int,
                 full_refresh: bool) -> StreamRun:
    """Decide how a stream is read, from what the database remembers of it."""
    name = entry["name"]
    pk_paths = entry.get("source_defined_primary_key") or []
    plan = warehouse.prepare(name, entry.get("json_schema") or {}, pk_paths)
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
    return StreamRun(name, plan, entry, incremental, start, pending, row_sync_id, _key_function(pk_paths))


def _key_function(pk_paths: list[list[str]]) -> KeyOf:
    counter = itertools.count()
    paths = [tuple(p) for p in pk_paths if p]
    if len(paths) == 1 and len(paths[0]) == 1:
        field_name = paths[0][0]

        def single(data: JsonObject) -> Hashable:
            value = data.get(field_name)
            return ("#", next(counter)) if value is None else value

        return single

    def composite(data: JsonObject) -> Hashable:
        values = tuple(dig(data, p) for p in paths)
        return ("#", next(counter)) if not paths or None in values else values

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
            "destination_sync_mode": "append_dedup" if run.plan.primary_key else "append",
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
