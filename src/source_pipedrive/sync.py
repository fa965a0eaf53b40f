"""`source-pipedrive sync`: run the source in-process and keep a DuckDB file up to date with it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import duckdb
import orjson
from rich.console import Console

from .errors import SourceError
from .warehouse import Warehouse
from .warehouse.loop import (
    StreamRun, configured_catalog, consume, flush_all, mode_label, plan_stream, state_messages,
)
from .warehouse.progress import Display, StreamStats, Waits, make_console, summary_table


class SyncError(Exception):
    """A problem with how sync was called (bad stream name, database locked): exit code 2."""


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
    console = make_console(stderr=True)
    quiet = bool(getattr(args, "quiet", False))
    previous = _sigterm_as_interrupt()
    try:
        config = _load_config(args.config)
        streams = [s.strip() for s in args.streams.split(",") if s.strip()] if args.streams else None
        result = run(config, args.db, streams=streams, full_refresh=bool(args.full_refresh),
                     console=console, quiet=quiet, config_path=args.config)
    except SyncError as error:
        _early_json(args, str(error))
        _error(str(error))
        return 2
    except SourceError as error:  # before any stream started: config, credentials, discover
        _early_json(args, error.message)
        _error(error.message)
        return 1
    except (KeyboardInterrupt, Exception) as error:  # noqa: B014 - a Ctrl-C may arrive as either
        if _interrupted(error):
            _error("interrupted: what was committed stays; run the same command to resume.", prefix="")
            return 130
        if os.environ.get("SOURCE_PIPEDRIVE_TRACEBACK"):
            raise
        # A bug: one line, like every other error (SOURCE_PIPEDRIVE_TRACEBACK=1 shows the traceback).
        _error(f"unexpected {type(error).__name__}: {_first_line(error)}")
        return 1
    finally:
        _restore_sigterm(previous)
    if args.json:
        sys.stdout.write(orjson.dumps(result.to_json()).decode() + "\n")
        sys.stdout.flush()
    if not quiet:
        console.print(summary_table(result.streams))
        if result.waits.count:
            console.print(f"rate-limit waits: {result.waits.count} ({result.waits.seconds:.1f} s), "
                          f"last: {result.waits.last}", highlight=False, markup=False)
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
        runs = {name: plan_stream(warehouse, entries[name], saved.get(name), sync_id, full_refresh) for name in names}
        stats = {name: StreamStats(name, mode=mode_label(r)) for name, r in runs.items()}
        waits = Waits()
        status, error = "succeeded", None
        messages = source.read(config, configured_catalog(runs.values()), state_messages(runs.values()))
        try:
            with Display(stats, waits, console, quiet) as display:
                consume(messages, runs, stats, waits, display, warehouse,
                        (lambda new: _save_config(config_path, new)) if config_path else None)
                flush_all(runs, stats, warehouse)
        except SourceError as exc:
            status, error = "failed", exc.message
        except Exception as exc:
            if _interrupted(exc):  # Ctrl-C inside a DuckDB query: the open transaction was rolled back
                status = "interrupted"
            elif isinstance(exc, duckdb.Error):  # disk full, file damaged: the open page was rolled back
                status, error = "failed", f"DuckDB: {_first_line(exc)}"
            else:  # a bug; still a one-line message, and what was committed stays
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


def _flush_after_error(runs: dict[str, StreamRun], stats: dict[str, StreamStats], warehouse: Warehouse,
                       status: str, error: str | None) -> tuple[str, str | None]:
    """Pages fully received before a failure or Ctrl-C are kept; records after the last STATE are not."""
    try:
        flush_all(runs, stats, warehouse)
    except Exception as exc:
        if _interrupted(exc):
            return "interrupted", error
        if isinstance(exc, duckdb.Error):
            return "failed", error or f"DuckDB: {_first_line(exc)}"
        raise
    except KeyboardInterrupt:
        return "interrupted", error
    return status, error


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


def _interrupted(error: BaseException) -> bool:
    """DuckDB turns a Ctrl-C that lands inside a query into its own exception."""
    return isinstance(error, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(error, RuntimeError) and "interrupted" in str(error).lower())


def _early_json(args: argparse.Namespace, message: str) -> None:
    """--json promises a summary on stdout even when the sync could not start."""
    if getattr(args, "json", False):
        summary = {"db": str(args.db), "sync_id": None, "status": "failed", "error": message, "streams": []}
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
        sys.stdout.flush()


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
