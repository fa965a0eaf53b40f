"""`sync` as a library: run the source in-process and keep a DuckDB file up to date with it.

The command line (`source-pipedrive sync`, in cli/) and the demo call `run`; the terminal display
is theirs, handed in as `watch`.
"""

from __future__ import annotations

import copy
import gc
import inspect
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import orjson

from .errors import SourceError
from .http.usage import Usage, UsageReport
from .malloc import return_freed_memory
from .warehouse import Warehouse
from .warehouse.loader import Loader, StreamRun, configured_catalog, plan_stream, state_messages
from .warehouse.meta import AccountMismatch, Company
from .warehouse.report import StreamStats, Waits
from .warehouse.store import LoadError

Watch = Callable[[Loader], AbstractContextManager[Any]]
# SOURCE_PIPEDRIVE_WRITER=process: large reads are committed by a process of its own, beside the reading
# (warehouse/worker.py). Off by default: it costs about 70 MB more, and on a busy 2-core machine the
# CPU it adds outweighs the parallelism (docs/sync.md, "Speed").
WRITER_PROCESS = os.environ.get("SOURCE_PIPEDRIVE_WRITER", "thread") == "process"


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
    usage: UsageReport | None = None
    # What the user should know though nothing failed: a field whose type changed and whose old
    # values stay in their column while new ones go to `<name>__<type>`.
    warnings: tuple[str, ...] = ()
    company: Company | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "db": self.db, "sync_id": self.sync_id, "status": self.status, "error": self.error,
            "seconds": round(self.seconds, 3), "rate_limit_waits": self.waits.count,
            "rate_limit_wait_seconds": round(self.waits.seconds, 1),
            "cost": self.usage.to_json() if self.usage else None,
            "company": None if self.company is None else {
                "id": self.company.id, "name": self.company.name, "domain": self.company.domain},
            "warnings": list(self.warnings),
            "streams": [s.to_json() for s in self.streams],
        }


def run(config: dict[str, Any], db: str | os.PathLike[str], *, streams: Iterable[str] | None = None,
        full_refresh: bool = False, config_path: str | None = None, watch: Watch | None = None,
        source: Any = None) -> SyncResult:
    """Sync `streams` (default all) into `db`.

    `source` is anything with discover(config) and read(config, catalog, state, on_event=...); the
    real one by default. `watch(loader)` is entered around the read (a progress display).

    One file holds one Pipedrive company: the company of the credentials (GET /v1/users/me; a
    `source` may answer it with `account(config)`, else it is not checked) is recorded at the first
    sync, and a sync of another company into the file is a SyncError before anything is written.
    """
    began = time.monotonic()
    lookup: Any
    if source is None:
        from . import source as source_module

        source, lookup = source_module, account
    else:
        lookup = getattr(source, "account", None)
    company, asked = _company(lookup, config, config_path) if callable(lookup) else (None, None)
    discovered = Usage()
    if "usage" in inspect.signature(source.discover).parameters:  # the real source counts its cost
        catalog = source.discover(config, usage=discovered)
    else:
        catalog = source.discover(config)
    entries = {s["name"]: s for s in catalog["streams"]}
    names = _select(entries, streams)
    try:
        warehouse = Warehouse(db, company=company)
    except AccountMismatch as exc:
        raise SyncError(str(exc)) from None
    except duckdb.IOException as exc:
        raise SyncError(f"cannot open {db}: {first_line(exc)} (is another sync running on it?)") from None
    with warehouse:
        sync_id = warehouse.start_sync(names, full_refresh)
        saved = warehouse.saved_states()
        runs = {name: plan_stream(entries[name], saved.get(name), sync_id, full_refresh) for name in names}
        loader = Loader(warehouse, runs, on_config=(lambda new: save_config(config_path, new)) if config_path else None)
        status, error = _load(source, config, runs, loader, watch)
        result = _finish(warehouse, loader, sync_id, str(db), status, error, time.monotonic() - began)
        result = replace(result, warnings=tuple(warehouse.warnings), company=warehouse.company,
                         usage=_plus(_plus(asked, discovered.report() if discovered.requests else None),
                                     result.usage))
        warehouse.finish_sync(sync_id, result.status, result.to_json())
        return result


class Account(dict[str, Any]):
    """GET /v1/users/me's data, and what asking for it cost (`usage`, counted in the sync's cost)."""

    usage: UsageReport | None = None


def account(config: dict[str, Any], *, log: Callable[[str, str], None] | None = None) -> Account:
    """GET /v1/users/me for `config`: the user and company the credentials act as (company_id,
    company_name, company_domain, ...), printing nothing (the client's notices go to `log`, if
    given). Costs 2 API tokens. OAuth tokens refreshed on the way replace those in `config` (the
    dict is updated in place), so the read that follows uses them."""
    from .config import parse_config
    from .session import open_client

    def refreshed(new: dict[str, Any]) -> None:
        config.clear()
        config.update(new)

    client = open_client(parse_config(config), on_config=refreshed, log=log)
    try:
        data = client.get("/v1/users/me").get("data")
    finally:
        client.close()
    me = Account(data if isinstance(data, dict) else {})
    me.usage = client.usage.report()
    return me


def _load(source: Any, config: dict[str, Any], runs: dict[str, StreamRun], loader: Loader,
          watch: Watch | None) -> tuple[str, str | None]:
    """Read and load; every way it can end becomes (status, error). Whatever the end, the pages
    received whole before it are committed (Loader.feed) and stay."""
    status, error = "succeeded", None
    messages = source.read(config, configured_catalog(runs.values()), state_messages(runs.values()),
                           on_event=loader.on_event)
    # Millions of short-lived JSON objects go through a read, and Python's full collections would walk
    # every object alive before it (modules, schemas) each time: those are set aside until the end.
    # JSON holds no reference cycles. It cut the CPU time of a medium sync by a fifth.
    gc.freeze()
    return_freed_memory()
    try:
        with watch(loader) if watch is not None else nullcontext():
            loader.feed(messages, offload=WRITER_PROCESS)
    except SourceError as exc:
        status, error = "failed", exc.message
    except LoadError as exc:
        status, error = "failed", str(exc)
    except Exception as exc:
        if interrupted(exc):  # Ctrl-C inside a DuckDB query: the open transaction was rolled back
            status = "interrupted"
        elif isinstance(exc, duckdb.Error):  # disk full, file damaged: the open page was rolled back
            status, error = "failed", f"DuckDB: {first_line(exc)}"
        else:  # a bug; still a one-line message, and what was committed stays
            status, error = "failed", f"unexpected {type(exc).__name__}: {first_line(exc)}"
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        gc.unfreeze()
        close = getattr(messages, "close", None)
        if close:
            close()
    return status, error


def _finish(warehouse: Warehouse, loader: Loader, sync_id: int, db: str, status: str, error: str | None,
            seconds: float) -> SyncResult:
    counts = warehouse.counts(loader.stats)
    for name, st in loader.stats.items():
        st.rows = counts[name]
        if st.status == "running":
            st.status = "incomplete"
        st.ended = st.ended or (time.monotonic() if st.started else None)
    failed = [s for s in loader.stats.values() if s.status == "failed"]
    if status == "succeeded" and failed:
        status = "failed"
        error = "; ".join(f"{s.name}: {s.error}" for s in failed)
    return SyncResult(db, sync_id, status, tuple(loader.stats.values()), seconds, loader.waits, error,
                      loader.usage)


def _company(lookup: Callable[[dict[str, Any]], Any], config: dict[str, Any],
             config_path: str | None) -> tuple[Company | None, UsageReport | None]:
    """The company of the credentials and what asking cost; OAuth tokens refreshed by the lookup
    are saved like a read's."""
    before = copy.deepcopy(config)
    me = lookup(config)
    if config_path and config != before:
        save_config(config_path, config)
    usage = getattr(me, "usage", None)
    return Company.from_me(me), usage if isinstance(usage, UsageReport) else None


def _plus(first: UsageReport | None, then: UsageReport | None) -> UsageReport | None:
    """Two clients' costs as one; the daily budget left is the later one's."""
    if first is None or then is None:
        return then or first
    return UsageReport(first.requests + then.requests, first.tokens + then.tokens,
                       first.rate_limited + then.rate_limited,
                       then.daily_remaining if then.daily_remaining is not None else first.daily_remaining,
                       then.daily_limit if then.daily_limit is not None else first.daily_limit)


def _select(entries: dict[str, dict[str, Any]], wanted: Iterable[str] | None) -> list[str]:
    if wanted is None:
        return list(entries)
    wanted = list(dict.fromkeys(wanted))
    unknown = [w for w in wanted if w not in entries]
    if unknown:
        raise SyncError(f"unknown stream(s): {', '.join(unknown)}; available: {', '.join(entries)}")
    if not wanted:
        raise SyncError("--streams names no stream")
    return wanted


def save_config(path: str, config: dict[str, Any]) -> None:
    """Persist refreshed OAuth tokens atomically, keeping the file's mode."""
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


def interrupted(error: BaseException) -> bool:
    """DuckDB turns a Ctrl-C that lands inside a query into its own exception."""
    return isinstance(error, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(error, RuntimeError) and "interrupted" in str(error).lower())


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


__all__ = ["SyncError", "SyncResult", "Account", "run", "account", "save_config", "interrupted", "first_line"]
