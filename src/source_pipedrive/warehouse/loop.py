"""The read loop of `sync`: Airbyte messages in, committed pages out, one stream table each."""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .columns import TablePlan
from .progress import Display, StreamStats, Waits
from .store import SavedState, Warehouse

RATE_LIMIT_PREFIX = "rate-limit wait:"
# Group commit: a transaction always ends at a STATE and holds exactly the records that STATE
# covers, but pages of one stream that arrive within COMMIT_INTERVAL of its last commit share one
# transaction (up to GROUP_ROWS rows). Each DuckDB commit of a wide table costs tens of ms, so one
# commit per 500-record page would cap a local sync near 10k rows/s; over the real API, where a
# page takes longer than the interval to arrive, every STATE gets its own transaction.
# SOURCE_PIPEDRIVE_COMMIT_INTERVAL=0 commits every STATE on its own.
COMMIT_INTERVAL = float(os.environ.get("SOURCE_PIPEDRIVE_COMMIT_INTERVAL", "0.5"))
GROUP_ROWS = 20_000


@dataclass
class StreamRun:
    """How one stream is read this time, and what is buffered until its next STATE."""

    name: str
    plan: TablePlan
    entry: dict
    incremental: bool
    start_state: dict | None
    pending: int | None  # a full read under way: rows are tagged with it, the rest dropped at the end
    row_sync_id: int
    key: Any  # record -> primary key value
    buffer: dict = field(default_factory=dict)  # records since the last STATE, by primary key
    # Pages received but not committed: (records by key, the STATE covering them). Replaced in one
    # assignment, never mutated, so a Ctrl-C between two bytecodes cannot pair a state with rows
    # it does not cover.
    ready: tuple[dict, dict | None] | None = None
    last_state: dict | None = None  # the latest STATE committed
    committed_at: float = 0.0
    finished: bool = False

    def saved(self, state: dict | None, pending: int | None) -> SavedState:
        return SavedState(self.name, "incremental" if self.incremental else "full_refresh", state, pending)


def consume(messages: Iterator[dict], runs: dict[str, StreamRun], stats: dict[str, StreamStats], waits: Waits,
            display: Display, warehouse: Warehouse, on_config: Callable[[dict], None] | None) -> None:
    """The hot loop: buffer records per stream; STATEs commit their pages (see COMMIT_INTERVAL)."""
    clock = time.monotonic
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
            _on_state(message["state"], runs, stats, warehouse, now)
        _flush_due(runs, stats, warehouse, now)
        if kind == "TRACE":
            _on_trace(message["trace"], runs, stats, warehouse)
        elif kind == "LOG":
            log = message.get("log") or {}
            text = str(log.get("message", ""))
            if text.startswith(RATE_LIMIT_PREFIX):
                waits.add(text)
            elif log.get("level") == "WARN":  # errors come back as the run's own one-line error
                display.note(log["level"], text)
        elif kind == "CONTROL" and on_config is not None:
            control = message.get("control") or {}
            new_config = (control.get("connectorConfig") or {}).get("config")
            if control.get("type") == "CONNECTOR_CONFIG" and isinstance(new_config, dict):
                on_config(new_config)  # refreshed OAuth tokens, to persist


def _on_state(state: dict, runs: dict[str, StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse,
              now: float) -> None:
    if state.get("type", "STREAM") != "STREAM":
        return
    stream = state.get("stream") or {}
    run = runs.get((stream.get("stream_descriptor") or {}).get("name"))
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


def flush_all(runs: dict[str, StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse) -> None:
    for run in runs.values():
        if not run.finished:
            _flush(run, stats[run.name], warehouse)


def _on_trace(trace: dict, runs: dict[str, StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse) -> None:
    if trace.get("type") == "STREAM_STATUS":
        payload = trace.get("stream_status") or {}
        run = runs.get((payload.get("stream_descriptor") or {}).get("name"))
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


def plan_stream(warehouse: Warehouse, entry: dict, saved: SavedState | None, sync_id: int,
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
    row_sync_id = pending if pending is not None else sync_id
    return StreamRun(name, plan, entry, incremental, start, pending, row_sync_id, _key_function(pk_paths))


def _key_function(pk_paths: list) -> Any:
    counter = itertools.count()
    paths = [tuple(p) for p in pk_paths if p]
    if len(paths) == 1 and len(paths[0]) == 1:
        field_name = paths[0][0]

        def single(data: dict) -> Any:
            value = data.get(field_name)
            return ("#", next(counter)) if value is None else value

        return single

    def composite(data: dict) -> Any:
        values = tuple(_dig(data, p) for p in paths)
        return ("#", next(counter)) if not paths or None in values else values

    return composite


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        data = data.get(step) if isinstance(data, dict) else None
    return data


def mode_label(run: StreamRun) -> str:
    if not run.incremental:
        return "full refresh"
    if run.pending is None:
        return "incremental"
    return "full read" if run.start_state is None else "full read (resumed)"


def configured_catalog(runs: Iterable[StreamRun]) -> dict:
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


def state_messages(runs: Iterable[StreamRun]) -> list[dict]:
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": r.name}, "stream_state": r.start_state}}
        for r in runs if r.start_state is not None
    ]
