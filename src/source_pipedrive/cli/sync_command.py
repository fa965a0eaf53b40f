"""`source-pipedrive sync`: arguments in, a DuckDB file kept up to date, a summary out."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from .. import protocol
from ..children import sync_default
from ..config import migrate_legacy_config, parse_config
from ..errors import ConfigError, SourceError
from ..events import Event, Notice
from ..http.usage import Usage
from ..session import request_timeout
from ..sync import SyncError, SyncResult, Watch, first_line, interrupted, run, save_config
from ..warehouse.loader import Loader
from .common import DEFAULT_LOG_LEVEL, shown
from .display import Display, make_console, print_notice, summary_table
from .exits import (
    BUDGET_SPENT,
    FAILED,
    INTERRUPTED,
    OK,
    USAGE,
    budget_spent,
    error_line,
    sigterm_as_interrupt,
)
from .protocol_commands import load_json

RESUME_HINT = "interrupted: what was committed stays; run the same command to resume."
Notify = Callable[[str, str], None]


def sync_command(args: argparse.Namespace) -> int:
    """One-line errors; exit 0, 1 (the sync failed), 2 (a bad call or config), 75 (the daily API
    budget is spent), 130 (interrupted). README "Exit codes"."""
    began = time.monotonic()
    console = make_console(stderr=True)
    quiet = bool(getattr(args, "quiet", False))
    level = getattr(args, "log_level", None) or DEFAULT_LOG_LEVEL
    notify = notifier(console, quiet, level)
    with sigterm_as_interrupt():
        try:
            config = _load_config(args.config, silent=not shown("WARN", level),
                                  share=getattr(args, "max_token_share", None))
            streams = _selected(args.streams, config)
            result = run(config, args.db, streams=streams, full_refresh=bool(args.full_refresh),
                         config_path=args.config, watch=watcher(console, quiet, level, began),
                         source=NoticeSource(notify))
            # Inside the handler: a SIGTERM while the summary prints is an interrupt like any other.
            return report(result, args, console, quiet)
        except SyncError as error:
            return _early_failure(args, explain_open_error(str(error)), USAGE)
        except SourceError as error:  # before any stream started: credentials, network, discover
            return _early_failure(args, error.message, BUDGET_SPENT if budget_spent(error) else FAILED)
        except (KeyboardInterrupt, Exception) as error:  # a Ctrl-C may arrive as either
            if interrupted(error):
                error_line(RESUME_HINT, prefix="")
                return INTERRUPTED
            if os.environ.get("SOURCE_PIPEDRIVE_TRACEBACK"):
                raise
            # A bug: one line, like every other error (SOURCE_PIPEDRIVE_TRACEBACK=1 shows the traceback).
            error_line(f"unexpected {type(error).__name__}: {first_line(error)}")
            return FAILED


def _selected(names: str | None, config: dict[str, Any]) -> list[str]:
    """--streams as given; without it every stream but the per-record children not in the config's
    child_streams (one request per parent record: opt-in)."""
    if names:
        return [s.strip() for s in names.split(",") if s.strip()]
    return sync_default(parse_config(config).child_streams)


def notifier(console: Console, quiet: bool, level: str = DEFAULT_LOG_LEVEL) -> Notify:
    """Prints the source's notices (retries, warnings) on stderr as they happen, at or above `level`;
    nothing when quiet."""
    def notify(severity: str, message: str) -> None:
        severity = protocol.LEVELS.get(severity.lower(), "INFO")
        if not quiet and shown(severity, level):
            print_notice(console, severity, message)

    return notify


class NoticeSource:
    """The real source for `sync.run`, with every notice shown as it happens: discover's too (its
    connection retries come before any stream starts), and INFO/DEBUG ones the loader does not pass
    on (it forwards only WARN and ERROR to the display)."""

    def __init__(self, notify: Notify) -> None:
        self.notify = notify

    def account(self, config: dict[str, Any]) -> dict[str, Any]:
        """GET /v1/users/me (sync.account) with the client's notices shown: this is the sync's first
        request, where a wrong host or a network that is down shows up."""
        from ..sync import account

        return account(config, log=self.notify)

    def discover(self, config: dict[str, Any], usage: Usage | None = None) -> Any:
        from .. import source

        return source.discover(config, log=self.notify, usage=usage)

    def read(self, config: dict[str, Any], catalog: Any, state: Any, *,
             on_event: Callable[[Event], None]) -> Iterator[dict[str, Any]]:
        from .. import source

        def forward(event: Event) -> None:
            if isinstance(event, Notice) and event.level not in ("WARN", "ERROR"):
                self.notify(event.level, event.message)
            on_event(event)

        return source.read(config, catalog, state, on_event=forward)


def watcher(console: Console, quiet: bool, level: str = DEFAULT_LOG_LEVEL, began: float | None = None) -> Watch:
    """The live display around a sync's read: warnings printed above it, counters inside."""
    def watch(loader: Loader) -> Display:
        display = Display(loader.stats, loader.waits, console, quiet, usage=lambda: loader.usage, log_level=level,
                          began=began)
        loader.on_notice = display.note
        return display

    return watch


def report(result: SyncResult, args: argparse.Namespace, console: Console, quiet: bool) -> int:
    if args.json:
        sys.stdout.write(orjson.dumps(result.to_json()).decode() + "\n")
        sys.stdout.flush()
    if not quiet:
        console.print(summary_table(result.streams))
        for warning in result.warnings:  # e.g. a field whose type changed: see warehouse/evolve.py
            console.print(f"warning: {warning}", style="yellow", highlight=False, markup=False)
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
        return BUDGET_SPENT if budget_spent(result.error) else FAILED
    return OK


def _load_config(path: str, silent: bool = False, share: float | None = None) -> dict[str, Any]:
    """The config, validated before anything else happens: a bad value is a bad call (exit 2).
    A config in Airbyte's connector shape is rewritten in this connector's shape, the original kept."""
    try:
        config = load_json(path, "config", ConfigError)
    except ConfigError as error:
        raise SyncError(error.message) from None
    if not isinstance(config, dict):
        raise SyncError(f"The config file {path} must hold a JSON object.")
    try:
        migrated = migrate_legacy_config(config)
        # --max-token-share applies to this run; the file keeps its own value.
        parse_config(migrated if share is None else {**migrated, "max_daily_token_share": share})
        request_timeout()  # SOURCE_PIPEDRIVE_TIMEOUT, checked with the config
    except ConfigError as error:
        raise SyncError(f"{path}: {error.message}") from None
    if migrated != config:
        _rewrite_migrated(path, migrated, silent)
    return migrated if share is None else {**migrated, "max_daily_token_share": share}


def _rewrite_migrated(path: str, migrated: dict[str, Any], silent: bool) -> None:
    """Keep the original next to the file (config.json.bak, or .bak.2 ... if taken), then write the
    new shape atomically with the file's permissions. One line on stderr says so."""
    original = Path(path)
    backup = original.with_name(original.name + ".bak")
    n = 2
    while backup.exists():
        backup = original.with_name(f"{original.name}.bak.{n}")
        n += 1
    try:
        shutil.copy2(original, backup)
        save_config(path, migrated)
    except OSError as exc:
        if not silent:
            error_line(f"{path} is in Airbyte's connector shape and could not be rewritten ({exc.strerror}); "
                       "using the migrated config for this run", prefix="note: ")
        return
    if not silent:
        error_line(f"{path} was in Airbyte's connector shape (top-level api_token); rewrote it with "
                   f"'credentials', the original is kept in {backup}", prefix="note: ")


# What to do about each way DuckDB can refuse to open the file (duckdb's messages, version 1.x-2.x).
_OPEN_ERRORS: tuple[tuple[str, str], ...] = (
    (r"Could not set lock|Conflicting lock",
     "another process has it open (is another sync running on it?); DuckDB allows one writer per file: "
     "wait for it to finish, or close the other connection (a DuckDB shell or UI)"),
    (r"Permission denied",
     "permission denied: make the file and its folder writable by this user, or pass --db a path you can write"),
    (r"No such file or directory",
     "its folder does not exist: create it (mkdir -p {folder}) or pass --db a path in an existing folder"),
    (r"not a valid DuckDB database file",
     "the file exists but is not a DuckDB database: pass --db a new file name (or an existing sync's file); "
     "move this one away only if it is not something else you need"),
    (r"Is a directory",
     "it is a folder: pass --db a file inside it, e.g. --db {db}/pipedrive.duckdb"),
    (r"(database|storage) version|newer version|older version",
     "it was written by a different DuckDB version: sync into a new file, or upgrade duckdb "
     "(pip install -U duckdb)"),
)
_OPEN_MESSAGE = re.compile(r"^cannot open (?P<db>.+?): (?P<why>.*?)(?: \(is another sync running on it\?\))?$")


def explain_open_error(message: str) -> str:
    """sync.py's "cannot open DB: <duckdb message> (is another sync running on it?)", rewritten to
    say what went wrong and what to do; the lock hint stays only for lock errors."""
    match = _OPEN_MESSAGE.match(message)
    if match is None:
        return message
    db, why = match["db"], match["why"]
    for pattern, advice in _OPEN_ERRORS:
        if re.search(pattern, why, re.IGNORECASE):
            folder = os.path.dirname(os.path.abspath(db)) or "."
            return f"cannot open {db}: " + advice.format(db=db, folder=folder) + f" (DuckDB: {why})"
    return f"cannot open {db}: {why}"


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


__all__ = ["sync_command", "watcher", "report", "notifier", "NoticeSource", "explain_open_error"]
