"""Reading one part in time slices, side by side: a large backfill bound by the rate limit, not by latency.

Pipedrive's burst window allows 20 to 120 requests per 2 s ([RD-RATE]), but a cursor list gives one page
at a time: at 300 ms a page, one list alone uses a sixth of a Growth token's window. Where the server
filters by a time range (v2 lists: `updated_since` inclusive, `updated_until` "earlier than", [SPEC-v2]),
what is left to read is cut into slices read concurrently, each slice's pages in cursor order.

Slices are cut from what the API reveals. The first page is read as usual; the rest, [its newest
update_time, no bound), is one open slice. Whenever a thread is idle and fewer slices run than the
limiter wants requests in flight, the running slice with the most pages left (estimated from the records
per second it, or the first page, has shown) is cut at the middle of what it has left: the new slice asks
for [middle, its bound), the running one stops at the middle on our side (its query keeps its bound, so at
most one page is partly read twice). A slice with fewer than SPLIT_MIN_PAGES pages left is not cut:
each cut costs about one page.

The part's cursor only covers the contiguous prefix of finished slices plus the progress of the first
unfinished one (state.TimeSlice), so a crash at any moment loses nothing, and the slices saved in the
state let the next read skip what later slices delivered. Records of the stream arrive out of cursor
order; a consumer relies on the primary key and the cursor value, not on arrival order (docs/reading.md).
A server that ignores the time range shows it (a record outside its slice): those records are dropped
(their own slice reads them), a WARN says so and no more slices are cut.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .http import Client, cursor_pages
from .http.wire import JsonObject
from .state import StreamState, TimeSlice
from .streams import Part, Stream
from .timeutil import format_rfc3339

if TYPE_CHECKING:
    from .extract import Batch

SPLIT_MIN_PAGES = 6
CursorOf = Callable[[JsonObject], "datetime | None"]
Warn = Callable[[str], None]


class _Plan:
    """The slices of one part and who reads which; every method runs with `lock` held."""

    def __init__(self, slices: list[TimeSlice], page_size: int, horizon: datetime | None,
                 density: float | None, target: Callable[[], int]) -> None:
        self.items = slices
        self.page_size, self.horizon, self.target = page_size, horizon, target
        self.density: dict[int, float | None] = {id(s): density for s in slices}  # records per second
        self.read: dict[int, int] = {id(s): 0 for s in slices}  # records delivered this time
        self.pages: dict[int, int] = {id(s): 0 for s in slices}  # pages received this time
        self.running: set[int] = set()
        self.splittable = True
        self.lock = threading.Condition()

    def take(self) -> TimeSlice | None:
        for s in self.items:
            if not s.done and id(s) not in self.running:
                self.running.add(id(s))
                return s
        if not self.splittable or len(self.running) >= self.target():
            return None
        # Only a slice whose first page came back is cut: that page shows the server honours the range.
        candidates = [(self._pages_left(s), s) for s in self.items if id(s) in self.running and self.pages[id(s)]]
        best = max(candidates, key=lambda c: c[0], default=None)
        if best is None or best[0] < SPLIT_MIN_PAGES:
            return None
        new = self._split(best[1])
        if new is not None:
            self.running.add(id(new))
        return new

    def finished(self) -> bool:
        return all(s.done for s in self.items)

    def _span(self, s: TimeSlice) -> tuple[datetime, datetime | None]:
        start = max(s.lo, s.at) if s.at is not None else s.lo
        return start, s.stop if s.stop is not None else self.horizon

    def _pages_left(self, s: TimeSlice) -> float:
        start, end = self._span(s)
        if end is None or end <= start:
            return 0.0
        elapsed = (start - s.lo).total_seconds()
        read = self.read[id(s)]
        density = read / elapsed if read >= self.page_size and elapsed > 0 else self.density[id(s)]
        if density is None:
            return 0.0
        return (end - start).total_seconds() * density / self.page_size

    def _split(self, s: TimeSlice) -> TimeSlice | None:
        start, end = self._span(s)
        assert end is not None
        middle = (start + (end - start) / 2).replace(microsecond=0)
        if not start < middle < end:
            return None
        new = TimeSlice(middle, s.stop, s.stop)  # asks the server for exactly its range
        s.stop = middle
        self.items.insert(self.items.index(s) + 1, new)
        self.density[id(new)] = self.density[id(s)]
        self.read[id(new)] = self.pages[id(new)] = 0
        return new

    def prefix(self) -> datetime | None:
        """The part's cursor: everything before it has been delivered."""
        for s in self.items:
            if not s.done:
                return max(s.lo, s.at) if s.at is not None else s.lo
        return max((s.at for s in self.items if s.at is not None), default=None)


class SlicedRead:
    """One part read in time slices by up to `threads` threads; iterate for its Batches in delivery order."""

    def __init__(self, client: Client, stream: Stream, part: Part, state: StreamState, query: dict[str, Any],
                 cursor_of: CursorOf, make_batch: Callable[[list[JsonObject], JsonObject], Batch],
                 warn: Warn) -> None:
        self.client, self.stream, self.part, self.state = client, stream, part, state
        self.query, self.cursor_of, self.make_batch, self.warn = query, cursor_of, make_batch, warn
        self.since_param = stream.since_param_of(part) or ""
        self.until_param = stream.until_param_of(part) or ""
        self.out: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=1)
        self.stop = threading.Event()  # every thread ends after its page
        self.abandoned = threading.Event()  # the consumer stopped reading: nothing more is handed over

    def run(self, slices: list[TimeSlice], density: float | None,
            delivered: Sequence[JsonObject] = ()) -> Iterator[Batch]:
        """`delivered`: the first page, already sent; its records at the first slice's start are not sent again."""
        limiter = self.client.limiter
        key = self.stream.primary_key
        self.repeat_at = slices[0].lo
        self.repeats = {r.get(key) for r in delivered if self.cursor_of(r) == self.repeat_at}
        horizon = self.client.server_now() or datetime.now(timezone.utc)
        # Pages may hold fewer records than asked (a server capping `limit`): estimates use what came.
        fill = len(delivered) or self.stream.page_size
        self.plan = _Plan(slices, fill, horizon, density, limiter.in_flight_target)
        self.state.slices[self.part.name] = self.plan.items
        threads = [threading.Thread(target=self._work, daemon=True, name=f"{self.stream.name}-slice-{i}")
                   for i in range(max(1, limiter.max_in_flight))]
        for t in threads:
            t.start()
        alive = len(threads)
        try:
            while alive:
                item = self.out.get()
                if item is None:
                    alive -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            self.stop.set()
            self.abandoned.set()
            with self.plan.lock:
                self.plan.lock.notify_all()
            for t in threads:
                t.join(timeout=5)
        del self.state.slices[self.part.name]
        self.state.advance(self.part.name, self.plan.prefix())

    def _work(self) -> None:
        try:
            while not self.stop.is_set():
                with self.plan.lock:
                    s = self.plan.take()
                    if s is None:
                        if self.plan.finished():
                            self.plan.lock.notify_all()
                            return
                        self.plan.lock.wait(0.1)  # a slice may become worth cutting, or finish
                        continue
                self._read(s)
        except BaseException as error:  # handed to the consumer, who raises it
            self.stop.set()
            self._put(error)
        finally:
            self._put(None)

    def _read(self, s: TimeSlice) -> None:
        start = max(s.lo, s.at) if s.at is not None else s.lo
        params = {**self.query, self.since_param: format_rfc3339(start)}
        if s.hi is not None:
            params[self.until_param] = format_rfc3339(s.hi)
        for page in cursor_pages(self.client, self.part.path, params, limit=self.stream.page_size):
            if self.stop.is_set():
                return
            with self.plan.lock:
                kept, ended = self._keep(s, [r for r in page.records if isinstance(r, dict)], start)
                ended = ended or page.next is None
                newest = max((c for c in map(self.cursor_of, kept) if c is not None), default=None)
                if newest is not None:
                    s.at = newest if s.at is None else max(s.at, newest)
                self.plan.read[id(s)] += len(kept)
                self.plan.pages[id(s)] += 1
                self.plan.page_size = max(self.plan.page_size, len(page.records))
                if ended:
                    s.done = True
                    self.plan.running.discard(id(s))
                self.state.advance(self.part.name, self.plan.prefix())
                self._put(self.make_batch(kept, self.state.to_json()))
                self.plan.lock.notify_all()
            if ended:
                return
            del page, kept  # not held while the next page is fetched

    def _keep(self, s: TimeSlice, records: list[JsonObject], start: datetime) -> tuple[list[JsonObject], bool]:
        """The records of the page inside the slice; whether the slice has reached its stop."""
        kept, ended = [], False
        for r in records:
            value = self.cursor_of(r)
            if value is not None and value < start:
                self._ignored(self.since_param)
            elif value == self.repeat_at and r.get(self.stream.primary_key) in self.repeats:
                continue  # the boundary of the first page, delivered with it
            elif value is not None and s.stop is not None and value >= s.stop:
                if s.hi is not None and value >= s.hi:
                    self._ignored(self.until_param)
                ended = True
            else:
                kept.append(r)
        return kept, ended

    def _ignored(self, param: str) -> None:
        self.plan.splittable = False
        self.warn(f"GET {self.part.path}: the server ignored {param} (it sent records outside the time range "
                  "asked); filtering on our side and reading the rest without cutting more time slices")

    def _put(self, item: Batch | BaseException | None) -> None:
        while True:
            try:
                self.out.put(item, timeout=0.1)
                return
            except queue.Full:
                if self.abandoned.is_set():
                    return


def first_cut(records: list[JsonObject], cursor_of: CursorOf, since: datetime | None) -> tuple[datetime, float] | None:
    """From the first page: where the rest starts (its newest cursor) and the records per second it shows."""
    values = [c for c in map(cursor_of, records) if c is not None]
    if not values:
        return None
    newest, oldest = max(values), min(values)
    if since is not None:
        oldest = min(oldest, since)
    seconds = max((newest - oldest).total_seconds(), 1.0)
    return newest, len(values) / seconds

