"""`source-pipedrive sync`: arguments in, a DuckDB file kept up to date, a summary out."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import orjson
from rich.console import Console

from ..errors import ConfigError, SourceError
from ..sync import SyncError, SyncResult, Watch, first_line, interrupted, run
from ..warehouse.loader import Loader
from .display import Display, make_console, summary_table
from .exits import FAILED, INTERRUPTED, OK, USAGE, error_line, sigterm_as_interrupt
from .protocol_commands import load_json

RESUME_HINT = "interrupted: what was committed stays; run the same command to resume."


def sync_command(args: argparse.Namespace) -> int:
    """One-line errors; exit 0, 1 (the sync failed), 2 (a bad call), 130 (interrupted)."""
    console = make_console(stderr=True)
    quiet = bool(getattr(args, "quiet", False))
    with sigterm_as_interrupt():
        try:
            config = _load_config(args.config)
            streams = [s.strip() for s in args.streams.split(",") if s.strip()] if args.streams else None
            result = run(config, args.db, streams=streams, full_refresh=bool(args.full_refresh),
                         config_path=args.config, watch=watcher(console, quiet))
        except SyncError as error:
            return _early_failure(args, str(error), USAGE)
        except SourceError as error:  # before any stream started: config, credentials, discover
            return _early_failure(args, error.message, FAILED)
        except (KeyboardInterrupt, Exception) as error:  # a Ctrl-C may arrive as either
            if interrupted(error):
                error_line(RESUME_HINT, prefix="")
                return INTERRUPTED
            if os.environ.get("SOURCE_PIPEDRIVE_TRACEBACK"):
                raise
            # A bug: one line, like every other error (SOURCE_PIPEDRIVE_TRACEBACK=1 shows the traceback).
            error_line(f"unexpected {type(error).__name__}: {first_line(error)}")
            return FAILED
    return report(result, args, console, quiet)


def watcher(console: Console, quiet: bool) -> Watch:
    """The live display around a sync's read: warnings printed above it, counters inside."""
    def watch(loader: Loader) -> Display:
        display = Display(loader.stats, loader.waits, console, quiet, usage=lambda: loader.usage)
        loader.on_notice = display.note
        return display

    return watch


def report(result: SyncResult, args: argparse.Namespace, console: Console, quiet: bool) -> int:
    if args.json:
        sys.stdout.write(orjson.dumps(result.to_json()).decode() + "\n")
        sys.stdout.flush()
    if not quiet:
        console.print(summary_table(result.streams))
        if result.waits.count:
            console.print(f"rate-limit waits: {result.waits.count} ({result.waits.seconds:.1f} s), "
                          f"last: {result.waits.last}", highlight=False, markup=False)
        if result.usage is not None:
            console.print(result.usage.text(), highlight=False, markup=False)
        console.print(f"{result.db}: sync {result.sync_id} {result.status} in {result.seconds:.1f} s", highlight=False)
    if result.status == "interrupted":
        error_line(RESUME_HINT, prefix="")
        return INTERRUPTED
    if result.error:
        error_line(result.error)
        return FAILED
    return OK


def _load_config(path: str) -> dict[str, Any]:
    try:
        config = load_json(path, "config", ConfigError)
    except ConfigError as error:
        raise SyncError(error.message) from None
    if not isinstance(config, dict):
        raise SyncError(f"The config file {path} must hold a JSON object.")
    return config


def _early_failure(args: argparse.Namespace, message: str, code: int) -> int:
    """--json promises a summary on stdout even when the sync could not start."""
    if getattr(args, "json", False):
        summary: dict[str, Any] = {
            "db": str(args.db), "sync_id": None, "status": "failed", "error": message, "streams": [],
        }
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
        sys.stdout.flush()
    error_line(message)
    return code


__all__ = ["sync_command", "watcher", "report"]
