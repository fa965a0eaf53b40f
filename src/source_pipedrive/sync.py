"""`source-pipedrive sync`: run the source in-process and keep a DuckDB file up to date with it."""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import duckdb
import orjson
from rich.console import Console

from .errors import SourceError
from .warehouse import SavedState, TablePlan, Warehouse
from .warehouse.progress import Display, StreamStats, Waits, summary_table

RATE_LIMIT_PREFIX = "rate-limit wait:"
# Group commit: a transaction always ends at a STATE and holds exactly the records that STATE
# covers, but pages of one stream that arrive within COMMIT_INTERVAL of its last commit share one
# transaction (up to GROUP_ROWS rows). Each DuckDB commit of a wide table costs tens of ms, so one
# commit per 500-record page would cap a local sync near 10k rows/s; over the real API, where a
# page takes longer than the interval to arrive, every STATE gets its own transaction.
# SOURCE_PIPEDRIVE_COMMIT_INTERVAL=0 commits every STATE on its own.
COMMIT_INTERVAL = float(os.environ.get("SOURCE_PIPEDRIVE_COMMIT_INTERVAL", "0.5"))
GROUP_ROWS = 20_000


class SyncError(Exception):
    """A problem with how sync was called (bad stream name, database locked): exit code 2."""


@dataclass
class _StreamRun:
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
    ready: dict = field(default_factory=dict)  # records covered by `last_state`, not yet committed
    ready_pages: int = 0
    last_state: dict | None = None
    committed_at: float = 0.0
    finished: bool = False

    def saved(self, state: dict | None, pending: int | None) -> SavedState:
        return SavedState(self.name, "incremental" if self.incremental else "full_refresh", state, pending)


@dataclass(frozen=True)
class SyncResult:
    db: str
    sync_id: int | None
    status: str  # succeeded, failed, interrupted
    streams: tuple[StreamStats, ...]
    seconds: float
    waits: Waits
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "db": self.db, "sync_id": self.sync_id, "status": self.status, "error": self.error,
            "seconds": round(self.seconds, 3), "rate_limit_waits": self.waits.count,
            "rate_limit_wait_seconds": round(self.waits.seconds, 1),
            "streams": [s.to_json() for s in self.streams],
        }


def main(args: argparse.Namespace) -> int:
    """The CLI face: one-line errors, exit 0 / 1 (sync failed) / 2 (bad call) / 130 (interrupted)."""
    console = Console(stderr=True)
    quiet = bool(getattr(args, "quiet", False))
    previous = _sigterm_as_interrupt()
    try:
        config = _load_config(args.config)
        streams = [s.strip() for s in args.streams.split(",") if s.strip()] if args.streams else None
        result = run(config, args.db, streams=streams, full_refresh=bool(args.full_refresh),
                     console=console, quiet=quiet, config_path=args.config)
    except SyncError as error:
        _error(str(error))
        return 2
    except SourceError as error:  # before any stream started: config, credentials, discover
        _error(error.message)
        return 1
    except KeyboardInterrupt:
        _error("interrupted before the sync started; nothing was written.", prefix="")
        return 130
    finally:
        _restore_sigterm(previous)
    if args.json:
        sys.stdout.write(orjson.dumps(result.to_json()).decode() + "\n")
        sys.stdout.flush()
    if not quiet:
        console.print(summary_table(result.streams))
        console.print(f"{result.db}: sync {result.sync_id} {result.status} in {result.seconds:.1f} s", highlight=False)
    if result.status == "interrupted":
        _error("interrupted: what was committed stays; run the same command to resume.", prefix="")
        return 130
    if result.error:
        _error(result.error)
        return 1
    return 0


def run(config: dict, db: str | os.PathLike, *, streams: Iterable[str] | None = None, full_refresh: bool = False,
        console: Console | None = None, quiet: bool = True, config_path: str | None = None,
        source: Any = None) -> SyncResult:
    """Sync `streams` (default all) into `db`; the library entry point behind the CLI and the demo.

    `source` is anything with discover(config) and read(config, catalog, state); the real one by default.
    """
    if source is None:
        from . import source as source_module

        source = source_module
    began = time.monotonic()
    catalog = source.discover(config)
    entries = {s["name"]: s for s in catalog["streams"]}
    names = _select(entries, streams)
    try:
        warehouse = Warehouse(db)
    except duckdb.IOException as error:
        raise SyncError(f"cannot open {db}: {_first_line(error)} (is another sync running on it?)") from None
    with warehouse:
        sync_id = warehouse.start_sync(names, full_refresh)
        saved = warehouse.saved_states()
        runs = {name: _plan_stream(warehouse, entries[name], saved.get(name), sync_id, full_refresh) for name in names}
        stats = {name: StreamStats(name, mode=_mode_label(r)) for name, r in runs.items()}
        waits = Waits()
        status, error = "succeeded", None
        messages = source.read(config, _configured_catalog(runs.values()), _state_messages(runs.values()))
        try:
            with Display(stats, waits, console, quiet) as display:
                _consume(messages, runs, stats, waits, display, warehouse, config_path)
                _flush_all(runs, stats, warehouse)
        except SourceError as exc:
            status, error = "failed", exc.message
        except duckdb.Error as exc:  # disk full, file damaged: the open page was rolled back
            status, error = "failed", f"DuckDB: {_first_line(exc)}"
        except Exception as exc:  # a bug; still a one-line message, and what was committed stays
            status, error = "failed", f"unexpected {type(exc).__name__}: {_first_line(exc)}"
        except KeyboardInterrupt:
            status = "interrupted"
        finally:
            close = getattr(messages, "close", None)
            if close:
                close()
        if status != "succeeded":
            status, error = _flush_after_error(runs, stats, warehouse, status, error)
        for name, st in stats.items():
            st.rows = warehouse.count(name)
            if st.status == "running":
                st.status = "incomplete"
            st.ended = st.ended or (time.monotonic() if st.started else None)
        failed = [s for s in stats.values() if s.status == "failed"]
        if status == "succeeded" and failed:
            status = "failed"
            error = "; ".join(f"{s.name}: {s.error}" for s in failed)
        result = SyncResult(str(db), sync_id, status, tuple(stats.values()), time.monotonic() - began, waits, error)
        warehouse.finish_sync(sync_id, status, result.to_json())
        return result


def _consume(messages: Iterator[dict], runs: dict[str, _StreamRun], stats: dict[str, StreamStats], waits: Waits,
             display: Display, warehouse: Warehouse, config_path: str | None) -> None:
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
            elif log.get("level") in ("WARN", "ERROR", "FATAL"):
                display.note(log["level"], text)
        elif kind == "CONTROL" and config_path:
            control = message.get("control") or {}
            new_config = (control.get("connectorConfig") or {}).get("config")
            if control.get("type") == "CONNECTOR_CONFIG" and isinstance(new_config, dict):
                _save_config(config_path, new_config)


def _on_state(state: dict, runs: dict[str, _StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse,
              now: float) -> None:
    if state.get("type", "STREAM") != "STREAM":
        return
    stream = state.get("stream") or {}
    run = runs.get((stream.get("stream_descriptor") or {}).get("name"))
    if run is None or run.finished:
        return
    run.last_state = stream.get("stream_state")
    if run.ready:
        run.ready.update(run.buffer)
    else:
        run.ready = run.buffer
    run.buffer = {}
    run.ready_pages += 1
    stats[run.name].begin()
    stats[run.name].pages += 1
    if len(run.ready) >= GROUP_ROWS or now - run.committed_at >= COMMIT_INTERVAL:
        _flush(run, stats[run.name], warehouse)


def _flush(run: _StreamRun, st: StreamStats, warehouse: Warehouse) -> None:
    """Commit the pages received so far with the STATE that covers them, in one transaction."""
    if not run.ready_pages:
        return
    rows = list(run.ready.values())
    page = warehouse.commit(run.plan, rows, run.saved(run.last_state, run.pending), run.row_sync_id)
    run.ready, run.ready_pages, run.committed_at = {}, 0, time.monotonic()
    st.inserted += page.inserted
    st.updated += page.updated


def _flush_due(runs: dict[str, _StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse, now: float) -> None:
    """Pages waiting for a group commit do not wait longer than COMMIT_INTERVAL once others move on."""
    for run in runs.values():
        if run.ready_pages and now - run.committed_at >= COMMIT_INTERVAL:
            _flush(run, stats[run.name], warehouse)


def _flush_all(runs: dict[str, _StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse) -> None:
    for run in runs.values():
        if not run.finished:
            _flush(run, stats[run.name], warehouse)


def _flush_after_error(runs: dict[str, _StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse,
                       status: str, error: str | None) -> tuple[str, str | None]:
    """Pages fully received before a failure or Ctrl-C are kept; records after the last STATE are not."""
    try:
        _flush_all(runs, stats, warehouse)
    except KeyboardInterrupt:
        return "interrupted", error
    except duckdb.Error as exc:
        return "failed", error or f"DuckDB: {_first_line(exc)}"
    return status, error


def _on_trace(trace: dict, runs: dict[str, _StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse) -> None:
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


def _finish(run: _StreamRun, st: StreamStats, warehouse: Warehouse) -> None:
    """The stream is complete: after a full read, rows it did not see are deleted with its final state."""
    run.ready.update(run.buffer)
    rows, run.buffer, run.ready = list(run.ready.values()), {}, {}
    if rows or run.pending is not None or run.ready_pages:
        state = run.last_state if run.last_state is not None else run.start_state
        page = warehouse.commit(run.plan, rows, run.saved(state, None), run.row_sync_id, keep_only=run.pending)
        st.inserted += page.inserted
        st.updated += page.updated
        st.removed += page.removed
    run.ready_pages = 0
    run.finished = True
    st.begin()
    st.status, st.ended = "complete", time.monotonic()


def _plan_stream(warehouse: Warehouse, entry: dict, saved: SavedState | None, sync_id: int,
                 full_refresh: bool) -> _StreamRun:
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
    return _StreamRun(name, plan, entry, incremental, start, pending, row_sync_id, _key_function(pk_paths))


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


def _mode_label(run: _StreamRun) -> str:
    if not run.incremental:
        return "full refresh"
    if run.pending is None:
        return "incremental"
    return "full read" if run.start_state is None else "full read (resumed)"


def _configured_catalog(runs: Iterable[_StreamRun]) -> dict:
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


def _state_messages(runs: Iterable[_StreamRun]) -> list[dict]:
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": r.name}, "stream_state": r.start_state}}
        for r in runs if r.start_state is not None
    ]


def _select(entries: dict[str, dict], wanted: Iterable[str] | None) -> list[str]:
    if wanted is None:
        return list(entries)
    wanted = list(dict.fromkeys(wanted))
    unknown = [w for w in wanted if w not in entries]
    if unknown:
        raise SyncError(f"unknown stream(s): {', '.join(unknown)}; available: {', '.join(entries)}")
    if not wanted:
        raise SyncError("--streams names no stream")
    return wanted


def _load_config(path: str) -> dict:
    try:
        config = orjson.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise SyncError(f"config file not found: {path}") from None
    except OSError as error:
        raise SyncError(f"cannot read config file {path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise SyncError(f"config file {path} is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(config, dict):
        raise SyncError(f"config file {path} must hold a JSON object")
    return config


def _save_config(path: str, config: dict) -> None:
    """Persist refreshed OAuth tokens (CONTROL CONNECTOR_CONFIG) atomically, keeping the file's mode."""
    target = Path(path)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o600
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix=".config-", suffix=".json")
    try:
        os.fchmod(fd, mode)
        os.write(fd, orjson.dumps(config, option=orjson.OPT_INDENT_2) + b"\n")
        os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _error(message: str, prefix: str = "error: ") -> None:
    """One plain line on stderr, never wrapped, so cron mail and log greps see it whole."""
    sys.stderr.write(prefix + " ".join(str(message).split()) + "\n")
    sys.stderr.flush()


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _sigterm_as_interrupt() -> Any:
    """SIGTERM (docker stop, systemd) ends a sync like Ctrl-C: the open page is rolled back."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return None


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
