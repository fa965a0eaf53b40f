"""read(config, catalog, state) -> Airbyte messages; the concurrency lives here.

A few worker threads each read one stream at a time through one shared Client (and so one
rate limiter). Workers hand whole pages (records, then the STATE covering them) to a bounded
queue, so a stream's records keep their order, each STATE follows its records, and memory stays
flat however large the account. A stream-level failure (a 403 scope error, retries exhausted)
marks that stream INCOMPLETE and the others go on; a sync-level one (token revoked, daily budget
spent, blocked) stops every worker after its current page, and is raised once all that was
read has been yielded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import protocol
from .children import ParentFeed, read_children
from .config import Config, parse_config
from .errors import (
    AuthError,
    BlockedError,
    CatalogError,
    RateLimitExhausted,
    SourceError,
    StreamError,
    TransientError,
)
from .events import ConfigUpdated, Cost, Event, Listener, Notice, RateLimitWait, to_message
from .extract import read_stream
from .http import Cancelled, Client
from .http.wire import JsonObject
from .protocol import Message
from .session import open_client
from .state import StateBlob, StreamState, initial_state, parse_state, urgency
from .streams import STREAMS_BY_NAME, Stream

FATAL = (AuthError, RateLimitExhausted, BlockedError)
# Below this many daily tokens left, streams are read one at a time (about ten list pages).
TIGHT_TOKENS = 300
# Pages read and not yet handed to the consumer: enough to keep it busy, few enough for flat memory.
QUEUE_PAGES = 2


@dataclass(frozen=True)
class Job:
    stream: Stream
    incremental: bool
    saved: StateBlob | None


class _Abandoned(Exception):
    """The consumer stopped iterating; workers unwind quietly."""


def read(config: JsonObject | Config, catalog: Any, state: Any = None, *,
         on_event: Listener | None = None) -> Iterator[Message]:
    """Airbyte messages of a read. Events (rate-limit waits, config updates, notices) become LOG and
    CONTROL messages, or, with `on_event`, are handed to it as objects, in order with the messages."""
    for item in _read(config, catalog, state):
        if isinstance(item, dict):
            yield item
        elif on_event is not None:
            on_event(item)
        else:
            message = to_message(item)
            if message is not None:
                yield message


def _read(config: JsonObject | Config, catalog: Any, state: Any) -> Iterator[Message | Event]:
    cfg = config if isinstance(config, Config) else parse_config(config)
    states, warnings = parse_state(state)
    notes: list[str] = []
    jobs = plan(catalog, states, notes)
    for warning in warnings:
        yield Notice("WARN", warning)
    for note in notes:
        yield Notice("INFO", note)
    if cfg.migrated:  # as Airbyte's config migrations do: the platform stores the new shape once
        yield ConfigUpdated(dict(cfg.raw))
    yield from _Run(cfg, jobs).messages()


def plan(catalog: Any, states: dict[str, StateBlob], notes: list[str] | None = None) -> list[Job]:
    """Validate the configured catalog; every problem names the stream and what is wrong.

    A stream configured `incremental` that has no cursor is read in full refresh, as Airbyte's CDK
    does (PyAirbyte's default read asks incremental for every stream); `notes` says so once.
    """
    if not isinstance(catalog, dict) or not isinstance(catalog.get("streams"), list):
        raise CatalogError("The configured catalog must be an object with a 'streams' list.")
    jobs, seen, fallback = [], set(), []
    for entry in catalog["streams"]:
        stream_obj = entry.get("stream") if isinstance(entry, dict) else None
        name = stream_obj.get("name") if isinstance(stream_obj, dict) else None
        if not isinstance(name, str):
            raise CatalogError("Each configured stream needs 'stream.name'.")
        stream = STREAMS_BY_NAME.get(name)
        if stream is None:
            known = ", ".join(sorted(STREAMS_BY_NAME))
            raise CatalogError(f"The catalog names an unknown stream '{name[:80]}'. Known streams: {known}.",
                               stream=name)
        if name in seen:
            raise CatalogError(f"The catalog lists stream '{name}' twice.", stream=name)
        seen.add(name)
        mode = entry.get("sync_mode", "full_refresh")
        if mode not in ("full_refresh", "incremental"):
            raise CatalogError(f"Stream '{name}': unknown sync_mode {str(mode)[:40]!r}.", stream=name)
        if mode == "incremental" and not stream.incremental:
            fallback.append(name)
            mode = "full_refresh"
        cursor_field = entry.get("cursor_field") or []
        if mode == "incremental" and cursor_field and cursor_field != [stream.cursor]:
            raise CatalogError(
                f"Stream '{name}': cursor_field {cursor_field!r} is not supported; its cursor is "
                f"['{stream.cursor}'] (source-defined).",
                stream=name,
            )
        jobs.append(Job(stream, mode == "incremental", states.get(name)))
    if not jobs:
        raise CatalogError("The configured catalog selects no stream.")
    if fallback and notes is not None:
        notes.append(f"Read in full refresh, having no cursor for incremental: {', '.join(fallback)}.")
    # Under a daily budget smaller than one pass, the same order every run would starve the last
    # streams: those furthest behind go first (state.urgency); among equals, the longest reads first.
    return sorted(jobs, key=lambda job: (urgency(job.saved), length_rank(job.stream)))


def length_rank(stream: Stream) -> int:
    """How long a stream's read tends to be, longest first: child streams (a parent listing, then their
    own requests), entity lists, then reference data and settings (a request or two)."""
    if stream.parent is not None:
        return 0
    return 1 if stream.incremental else 2


class _Run:
    def __init__(self, cfg: Config, jobs: list[Job]):
        self.cfg, self.jobs = cfg, jobs
        self.out: queue.Queue[Sequence[Message | Event]] = queue.Queue(maxsize=QUEUE_PAGES)
        self.todo: queue.Queue[tuple[Job, StreamState]] = queue.Queue()
        self.stop = threading.Event()
        self.abandoned = threading.Event()
        self.started: set[str] = set()
        self.fatal: SourceError | None = None
        self.failed: list[SourceError] = []
        self.lock = threading.Lock()
        self.busy = 0  # workers reading a stream now
        self.feeds_of: dict[str, list[ParentFeed]] = {}  # parent stream -> the children it lists for
        self.feed_for: dict[str, ParentFeed] = {}  # child stream -> the feed it reads its parents from

    def messages(self) -> Iterator[Message | Event]:
        # States are parsed before any request, so a bad state fails before traffic.
        jobs = self._share_listings([(job, initial_state(job.stream, job.incremental, job.saved))
                                     for job in self.jobs])
        client = open_client(
            self.cfg,
            log=lambda level, msg: self._put([Notice(protocol.LEVELS.get(level.lower(), "INFO"), msg)]),
            on_wait=lambda reason, seconds: self._put([RateLimitWait(reason, seconds)]),
            on_config=lambda new_config: self._put([ConfigUpdated(new_config)]),
        )
        for item in jobs:
            self.todo.put(item)
        workers = [threading.Thread(target=self._work, args=(client,), daemon=True)
                   for _ in range(min(self.cfg.num_workers, len(jobs)))]
        for w in workers:
            w.start()
        try:
            while any(w.is_alive() for w in workers) or not self.out.empty():
                try:
                    batch = self.out.get(timeout=0.05)
                except queue.Empty:
                    continue
                yield from batch
        finally:
            self.abandoned.set()
            self._stop_all(client)
            for w in workers:
                w.join(timeout=5)
            client.close()
        yield from self._unstarted()
        yield Cost(client.usage.report(), final=True)
        if self.fatal is not None:
            if isinstance(self.fatal, RateLimitExhausted):
                self.fatal.message += (
                    ". Everything read so far was delivered with its state; run again after the refill to continue."
                )
            raise self.fatal
        if self.failed:
            names = ", ".join(f"{e.stream} ({e.message})" for e in self.failed)
            first = self.failed[0]
            error = (TransientError if isinstance(first, TransientError) else SourceError)(
                f"{len(self.failed)} stream(s) did not complete: {names}"
            )
            error.failure_type = first.failure_type
            raise error

    def _share_listings(self, jobs: list[tuple[Job, StreamState]]) -> list[tuple[Job, StreamState]]:
        """Feed each child stream from its parent stream's job when the child's listing of its parents
        would be the same one (same mode, same starting state: children.ParentFeed), and put each such
        parent just before its first child, so a worker reading a child never waits for a parent no
        worker has taken."""
        by_name = {job.stream.name: (job, state) for job, state in jobs}
        for job, state in jobs:
            parent = job.stream.parent
            if parent is None or parent.stream not in by_name:
                continue
            parent_job, parent_state = by_name[parent.stream]
            listing = initial_state(parent_job.stream, state.incremental, state.parent)
            if parent_job.incremental == state.incremental and listing.to_json() == parent_state.to_json():
                feed = ParentFeed(job.stream)
                self.feed_for[job.stream.name] = feed
                self.feeds_of.setdefault(parent.stream, []).append(feed)
        ordered: list[tuple[Job, StreamState]] = []
        placed: set[str] = set()
        for job, state in jobs:
            name = job.stream.name
            if name in self.feed_for and job.stream.parent is not None and job.stream.parent.stream not in placed:
                ordered.append(by_name[job.stream.parent.stream])
                placed.add(job.stream.parent.stream)
            if name not in placed:
                ordered.append((job, state))
                placed.add(name)
        return ordered

    def _put(self, batch: Sequence[Message | Event]) -> None:
        while True:
            try:
                self.out.put(batch, timeout=0.1)
                return
            except queue.Full:
                if self.abandoned.is_set():
                    raise _Abandoned() from None

    def _work(self, client: Client) -> None:
        try:
            while not self.stop.is_set():
                with self.lock:
                    if self.busy and _tight(client):
                        # Little of the daily budget left: streams one at a time, so the one furthest
                        # behind gets it whole instead of several ending half-read.
                        return
                    try:
                        job, state = self.todo.get_nowait()
                    except queue.Empty:
                        return
                    self.busy += 1
                try:
                    self._read_one(client, job, state)
                finally:
                    with self.lock:
                        self.busy -= 1
        except _Abandoned:
            return

    def _read_one(self, client: Client, job: Job, state: StreamState) -> None:
        name = job.stream.name
        with self.lock:
            self.started.add(name)
        self._put([protocol.stream_status(name, "STARTED")])
        running = False
        feeds = self.feeds_of.get(name, [])
        try:
            def warn(message: str) -> None:
                self._put([Notice("WARN", message)])

            feed = self.feed_for.get(name)
            batches = (read_children(client, job.stream, state, self.cfg.start_date, self.stop.is_set, warn, feed)
                       if feed is not None else
                       read_stream(client, job.stream, state, self.cfg.start_date, self.stop.is_set, warn))
            for batch in batches:
                emitted_at = protocol.now_ms()
                messages: list[Message | Event] = [] if running else [protocol.stream_status(name, "RUNNING")]
                running = True
                messages.extend(batch.events)  # a child stream's ParentsRead, before the records it announces
                messages.extend(protocol.record(name, r, emitted_at) for r in batch.records)
                messages.append(protocol.stream_state(name, batch.state, len(batch.records)))
                packed: dict[tuple[str, ...], bytes] = {}
                for child_feed in feeds:  # before the records leave: a consumer may change them
                    child_feed.put(batch, packed)
                self._put([*messages, Cost(client.usage.report())])
            if self.stop.is_set() and not state.complete:
                self._put([protocol.stream_status(name, "INCOMPLETE", **self._reason())])
            else:
                self._put([protocol.stream_status(name, "COMPLETE")])
        except _Abandoned:
            raise
        except Cancelled:  # another stream failed the sync while this one waited to send
            self._put([protocol.stream_status(name, "INCOMPLETE", **self._reason())])
        except FATAL as error:
            error.stream = error.stream or name
            with self.lock:
                if self.fatal is None:
                    self.fatal = error
            self._stop_all(client)
            self._put([protocol.stream_status(name, "INCOMPLETE", **self._reason())])
        except (StreamError, TransientError) as error:
            error.stream = name
            self.failed.append(error)
            self._put([protocol.error_trace(error, stream=name), protocol.stream_status(name, "INCOMPLETE")])
        except Exception as error:  # a bug: keep the other streams going, report it loudly
            wrapped = SourceError(f"Stream '{name}' failed: {type(error).__name__}: {error}", stream=name)
            wrapped.__cause__ = error
            self.failed.append(wrapped)
            self._put([protocol.error_trace(error, stream=name), protocol.stream_status(name, "INCOMPLETE")])
        finally:
            for child_feed in feeds:
                child_feed.close(state.complete)

    def _stop_all(self, client: Client) -> None:
        """Stop every worker after its page, and wake those waiting on the rate limiter: a sync
        that has failed sends nothing more (a blocked or exhausted token must stay quiet)."""
        self.stop.set()
        client.limiter.cancel()

    def _reason(self) -> dict[str, int]:
        if isinstance(self.fatal, RateLimitExhausted) and self.fatal.resets_at is not None:
            return {"rate_limited_until_ms": int(self.fatal.resets_at.timestamp() * 1000)}
        return {}

    def _unstarted(self) -> Iterator[Message]:
        for job in self.jobs:
            if job.stream.name not in self.started:
                yield protocol.stream_status(job.stream.name, "INCOMPLETE", **self._reason())


def _tight(client: Client) -> bool:
    """Whether the company's daily budget, as last announced, is nearly spent."""
    left = client.usage.daily_remaining
    return left is not None and left < TIGHT_TOKENS
