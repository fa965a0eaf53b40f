"""How one stream is read: pages of records from its parts, each page followed by its state.

Knows the stream table and the cursor rules; the HTTP engine below knows nothing of streams. The
pager of each part is looked up by its `Paging` style. What the server may get wrong is checked
here: a time filter it ignores (older records come back: filtered on our side, with a WARN), a
record that is not an object, the same record twice in a multi-part listing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .events import Event
from .http import Client, Paging, cursor_pages, keyset_pages, offset_pages, single_page
from .http.pagination import newest
from .http.wire import JsonObject
from .slices import SlicedRead, first_cut
from .state import StreamState, TimeSlice
from .streams import Part, Stream
from .timeutil import format_rfc3339, format_v1, parse_datetime

# /v1/recents serves only about the last 30 days whatever since_timestamp asks ([PEER-RECENTS]);
# keep a day of margin so a window at the edge never loses its oldest changes.
RECENTS_WINDOW = timedelta(days=29)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Batch:
    """Records of one page and the state that covers them (emitted after them); `events` go before the
    records (a child stream's ParentsRead). `part` names the part the records come from."""

    records: list[JsonObject]
    state: JsonObject
    events: tuple[Event, ...] = ()
    part: str = "main"


def read_stream(client: Client, stream: Stream, state: StreamState, start_date: datetime | None,
                should_stop: Callable[[], bool] = lambda: False, warn: Warn | None = None) -> Iterator[Batch]:
    """Yield Batches for every part of the stream; state advances page by page.

    Parts furthest behind go first (no cursor yet, then the oldest), so a daily budget that runs
    out mid-stream does not starve the same part every day; a read skips the parts a
    previous, interrupted read already finished.
    """
    warn = _once(warn)
    if stream.parent is not None:
        from .children import read_children  # children lists its parents with read_stream

        yield from read_children(client, stream, state, start_date, should_stop, warn)
        return
    if stream.recents_item and state.incremental:
        yield from _read_recents_or_list(client, stream, state, start_date, warn)
    else:
        all_parts = stream.parts(state.incremental)
        # A round ends when every part is caught up: parts an interrupted read finished wait for the next round.
        parts = [p for p in all_parts if p.name not in state.done]
        parts.sort(key=lambda p: (state.cursor_for(p.name) is not None, state.cursor_for(p.name) or _EPOCH))
        # Parts that list one endpoint (mail folders, goal kinds) may overlap: each record once per read.
        seen: set[Any] | None = set() if len(all_parts) > 1 and len({p.path for p in all_parts}) == 1 else None
        for part in parts:
            for batch in _read_part(client, stream, part, state, start_date, seen, warn):
                yield batch
                if should_stop():
                    return
            if len(parts) > 1:
                state.done.add(part.name)
                # A stop before the next part's first page keeps this part (and its cursor: a part
                # filtered on our side advances only once read whole).
                yield Batch([], state.to_json())
    state.finish(client.server_now())
    yield Batch([], state.to_json())


def _read_part(client: Client, stream: Stream, part: Part, state: StreamState, start_date: datetime | None,
               seen: set[Any] | None, warn: Warn) -> Iterator[Batch]:
    since = state.cursor_for(part.name) or start_date
    state.parts.setdefault(part.name, None)
    if stream.until_param_of(part) and client.limiter.max_in_flight > 1:
        yield from _read_sliced(client, stream, part, state, since, warn)
        return
    tracker = _CursorTracker(stream, part, client)
    for records in _pages(client, stream, part, since, warn, state):
        if seen is not None:  # a listing whose parts overlap (a mail thread in two folders)
            records = _first_time(stream, records, seen)
        state.advance(part.name, tracker.page(records))
        yield Batch(records, state.to_json(), part=part.name)
    state.advance(part.name, tracker.held)


def _read_sliced(client: Client, stream: Stream, part: Part, state: StreamState, since: datetime | None,
                 warn: Warn) -> Iterator[Batch]:
    """A part with a server-side time range: its first page as usual, the rest in time slices read side
    by side (slices.py); a read that stopped mid-way resumes its slices from the state."""
    cursor_of = _cursor_of(stream)
    slices, density, first = state.slices.get(part.name), None, []
    if not slices:
        listing = _Listing(client, stream, part, stream.query(part), since, stream.since_param_of(part), warn)
        pages = cursor_pages(client, part.path, _filtered(listing), limit=stream.page_size)
        for page in pages:
            records = _objects(stream, page.records, part, warn)
            if since is not None:
                records = _server_filtered(stream, part, records, since, listing.since_param, warn)
            state.advance(part.name, _max_cursor(stream, records))
            yield Batch(records, state.to_json(), part=part.name)
            cut = first_cut(records, cursor_of, since) if page.next is not None else None
            if cut is not None:  # more to read, and a time to cut at: the rest goes to the slices
                slices, density, first = [TimeSlice(cut[0], None, None)], cut[1], records
                break
        if not slices:
            return
    def batch(records: list[JsonObject], state_now: JsonObject) -> Batch:
        return Batch(records, state_now, part=part.name)

    reader = SlicedRead(client, stream, part, state, stream.query(part), cursor_of, batch, warn)
    yield from reader.run(slices, density, first)


class _CursorTracker:
    """How far a part's cursor may advance after each page.

    With a server-side filter: to the newest cursor delivered (the next read asks updated_since
    from there, inclusive). Filtered on our side, the list is read whole every time, so the cursor
    marks the last instant known to be fully read: never past the server's time at the part's start
    (a record updated behind us mid-read has a later time than that), and, for a list not sorted by
    the cursor (archived leads, in creation order), only once the whole list has been read.
    """

    def __init__(self, stream: Stream, part: Part, client: Client) -> None:
        self.stream, self.client = stream, client
        self.client_side = stream.since_param_of(part) is None
        self.ordered = stream.sorted_by_cursor(part) and stream.newest_first is None
        self.cap: datetime | None = None
        self.held: datetime | None = None

    def page(self, records: list[JsonObject]) -> datetime | None:
        newest = _max_cursor(self.stream, records)
        if not self.client_side or newest is None:
            return newest
        if self.cap is None:
            now = self.client.server_now()
            self.cap = now - timedelta(microseconds=1) if now is not None else newest
        newest = min(newest, self.cap)
        if self.ordered:
            return newest
        self.held = newest if self.held is None else max(self.held, newest)
        return None


@dataclass(frozen=True)
class _Listing:
    """One part's listing as the pagers need it: where, which query, which time filter."""

    client: Client
    stream: Stream
    part: Part
    params: dict[str, Any]
    since: datetime | None
    since_param: str | None
    warn: Warn


def _keyset(ls: _Listing) -> Iterator[list[JsonObject]]:
    if ls.since_param is None:  # no filter on this endpoint: plain offsets
        return _offset(ls)
    return (p.records for p in keyset_pages(
        ls.client, ls.part.path, ls.params, since_param=ls.since_param, since=ls.since,
        cursor_of=_cursor_of(ls.stream), key_of=_key_of(ls.stream), limit=ls.stream.page_size, warn=ls.warn))


def _cursor(ls: _Listing) -> Iterator[list[JsonObject]]:
    return (p.records for p in cursor_pages(ls.client, ls.part.path, _filtered(ls), limit=ls.stream.page_size))


def _offset(ls: _Listing) -> Iterator[list[JsonObject]]:
    return (p.records for p in offset_pages(ls.client, ls.part.path, _filtered(ls), limit=ls.stream.page_size,
                                            overlap=ls.part.overlap, key_of=_key_of(ls.stream), warn=ls.warn))


def _single(ls: _Listing) -> Iterator[list[JsonObject]]:
    return (_unwrap(ls.stream, p.body, p.records) for p in single_page(ls.client, ls.part.path, _filtered(ls)))


def _filtered(ls: _Listing) -> dict[str, Any]:
    if ls.since_param and ls.since is not None:
        return {**ls.params, ls.since_param: format_rfc3339(ls.since)}
    return ls.params


# Each paging style's pager, looked up by the stream table's Paging value.
PAGERS: dict[Paging, Callable[[_Listing], Iterator[list[JsonObject]]]] = {
    Paging.CURSOR: _cursor, Paging.OFFSET: _offset, Paging.KEYSET: _keyset, Paging.NONE: _single,
}


def _pages(client: Client, stream: Stream, part: Part, since: datetime | None, warn: Warn,
           state: StreamState) -> Iterator[list[JsonObject]]:
    """The part's records page by page, already filtered to cursor >= since (strictly after it
    when filtered on our side), stopping early where the list comes newest first."""
    since_param = stream.since_param_of(part)
    paging = stream.paging_of(part)
    newest_first = stream.newest_first_query(part) if since is not None else None
    server_order = stream.newest_first == () and since_param is None
    tail = state.tails.get(part.name) if server_order and since is not None else None
    if tail is not None and tail > TAIL_OVERLAP and since is not None:
        listing = _Listing(client, stream, part, stream.query(part), since, since_param, warn)
        kept = yield from _from_tail(listing, since, tail, state)
        if kept:
            return
        warn(f"GET {part.path}: the list changed more than expected since the last read; reading it whole")
    query = newest_first if newest_first is not None else stream.query(part)
    pages = PAGERS[paging](_Listing(client, stream, part, query, since, since_param, warn))
    order = _NewestFirst(stream) if newest_first is not None else None
    total, rising = 0, _Rising(stream)
    for records in pages:
        records = _objects(stream, records, part, warn)
        total += len(records)
        rising.see(records)
        if since is None or not stream.cursor:
            yield records
            continue
        # Filtered on our side, the cursor is an instant fully read (see _CursorTracker): strictly after it.
        if since_param and paging is not Paging.KEYSET:
            yield _server_filtered(stream, part, records, since, since_param, warn)
        else:
            yield _since(stream, records, since, strict=since_param is None)
        if order is not None and order.reached(records, since, warn, part.path):
            return  # newest first and past the cursor: everything after is older
    if server_order and rising.ok:
        state.tails[part.name] = total  # oldest first, read to its end: the next read starts near here


# How many records a read from the tail re-reads before where the last one ended (deleted records
# shift the list left; up to this many are absorbed).
TAIL_OVERLAP = 5


def _from_tail(ls: _Listing, since: datetime, tail: int, state: StreamState) -> Generator[list[JsonObject], None, bool]:
    """An oldest-first list that only grows at its end (call logs): read from a little before where
    the last read ended. Sound only if the first record there is one already read (cursor <= since)
    and the pages come oldest first; returns False, having yielded nothing, when that does not hold."""
    start = tail - TAIL_OVERLAP
    cursor_of = _cursor_of(ls.stream)
    total, rising, first = start, _Rising(ls.stream), True
    for page in offset_pages(ls.client, ls.part.path, ls.params, start=start, limit=ls.stream.page_size):
        records = _objects(ls.stream, page.records, ls.part, ls.warn)
        if first:
            head = cursor_of(records[0]) if records else None
            if head is None or head > since or not _Rising(ls.stream).see(records):
                return False
            first = False
        total += len(records)
        if not rising.see(records):
            return False  # not oldest first after all (nothing of this page was yielded)
        yield _since(ls.stream, records, since, strict=True)
    if first:
        return False
    state.tails[ls.part.name] = total
    return True


class _Rising:
    """Whether the cursors seen so far never go down (an oldest-first list)."""

    def __init__(self, stream: Stream) -> None:
        self.cursor_of = _cursor_of(stream)
        self.last: datetime | None = None
        self.ok = True

    def see(self, records: list[JsonObject]) -> bool:
        for value in (self.cursor_of(r) for r in records):
            if value is None:
                continue
            if self.last is not None and value < self.last:
                self.ok = False
            self.last = value
        return self.ok


class _NewestFirst:
    """Checks, page by page, that a list read newest first really comes newest first; says when the
    cursor has been reached. A list in another order is read to its end (correct, only dearer)."""

    def __init__(self, stream: Stream) -> None:
        self.cursor_of = _cursor_of(stream)
        self.last: datetime | None = None
        self.sorted = True

    def reached(self, records: list[JsonObject], since: datetime, warn: Warn, path: str) -> bool:
        for value in (self.cursor_of(r) for r in records):
            if value is None:
                continue
            if self.last is not None and value > self.last:
                if self.sorted:
                    warn(f"GET {path}: the list is not newest first; reading it to the end")
                self.sorted = False
            self.last = value
        return self.sorted and self.last is not None and self.last <= since


def _unwrap(stream: Stream, body: JsonObject, records: list[JsonObject]) -> list[JsonObject]:
    """A list one level down (data.goals), or the records as they came."""
    if not stream.records_key:
        return records
    data = body.get("data")
    inner = data.get(stream.records_key) if isinstance(data, dict) else None
    return inner if isinstance(inner, list) else []


def _objects(stream: Stream, records: list[Any], part: Part, warn: Warn) -> list[JsonObject]:
    """Only JSON objects are records; anything else is reported, never emitted."""
    if all(isinstance(r, dict) for r in records):
        return records
    warn(f"GET {part.path}: skipped items that are not JSON objects in stream '{stream.name}'")
    return [r for r in records if isinstance(r, dict)]


def _first_time(stream: Stream, records: list[JsonObject], seen: set[Any]) -> list[JsonObject]:
    out = []
    for r in records:
        key = r.get(stream.primary_key)
        if key is None or key not in seen:
            if key is not None:
                seen.add(key)
            out.append(r)
    return out


def _read_recents_or_list(client: Client, stream: Stream, state: StreamState, start_date: datetime | None,
                          warn: Warn) -> Iterator[Batch]:
    """Users: /v1/recents while the cursor is inside its 30-day window, else the full list.

    Both cost 20 tokens a page ([SPEC-v1] x-token-cost); recents sends only what changed. The
    window is judged on the server's clock (Date header), which may differ from ours.
    """
    since = state.cursor_for("main") or start_date
    server_now = client.server_now()
    records: list[JsonObject] | None = None
    if since is not None and (server_now is None or server_now - since < RECENTS_WINDOW):
        params = {"since_timestamp": format_v1(since), "items": stream.recents_item}
        records = []
        for page in offset_pages(client, "/v1/recents", params, limit=stream.page_size):
            records.extend(_recent_records(stream, page.records, warn))
        checked_now = client.server_now()
        if checked_now is not None and checked_now - since >= RECENTS_WINDOW:
            records = None  # the window check failed on the server's clock: do it the long way
    if records is None:
        records = [r for page in single_page(client, stream.path, {}) for r in page.records]
    records = _objects(stream, records, Part("main", stream.path), warn)
    if since is not None:
        records = _since(stream, records, since)
    state.advance("main", _max_cursor(stream, records))
    yield Batch(records, state.to_json())


def _recent_records(stream: Stream, items: list[Any], warn: Warn) -> Iterator[JsonObject]:
    """The records inside /v1/recents items: `data` is an object per the spec, but servers also
    send a one-element list ([PEER-RECENTS-LIST]); anything else is skipped."""
    for item in items:
        if not isinstance(item, dict) or item.get("item") != stream.recents_item:
            continue
        data = item.get("data")
        if isinstance(data, dict):
            yield data
        elif isinstance(data, list):
            yield from (d for d in data if isinstance(d, dict))
        elif data is not None:
            warn(f"GET /v1/recents: skipped a '{stream.recents_item}' item whose data is a {type(data).__name__}")


def _cursor_of(stream: Stream) -> Callable[[JsonObject], datetime | None]:
    key, fallback = stream.cursor, stream.cursor_fallback
    # The ignores: a stream without a cursor (key None) is looked up as None, which no record holds,
    # so every value is None; its callers never rely on a cursor there.
    if fallback is None:
        return lambda r: parse_datetime(r.get(key))  # type: ignore[arg-type]
    return lambda r: parse_datetime(r.get(key) or r.get(fallback))  # type: ignore[arg-type]


def _key_of(stream: Stream) -> Callable[[JsonObject], Any]:
    key = stream.primary_key
    return lambda r: r.get(key)


def _since(stream: Stream, records: list[JsonObject], since: datetime, *, strict: bool = False) -> list[JsonObject]:
    """Client-side cursor filter, inclusive like the API's updated_since (or strictly after); a record
    without any cursor value is kept (nothing proves it unchanged)."""
    cursor_of = _cursor_of(stream)
    out = []
    for r in records:
        value = cursor_of(r)
        if value is None or value > since or (value == since and not strict):
            out.append(r)
    return out


def _server_filtered(stream: Stream, part: Part, records: list[JsonObject], since: datetime, since_param: str | None,
                     warn: Warn) -> list[JsonObject]:
    """Records of a list the server filtered by `since_param`: any older one proves it ignored the filter
    (WARN), and is dropped here."""
    kept = _since(stream, records, since)
    if len(kept) < len(records):
        warn(f"GET {part.path}: the server ignored {since_param} (it sent records older than "
             "the value sent); filtering on our side")
    return kept


def _max_cursor(stream: Stream, records: list[JsonObject]) -> datetime | None:
    if not stream.cursor or not records:
        return None
    return newest(records, _cursor_of(stream))


def _once(warn: Warn | None) -> Warn:
    """Each distinct warning once per stream read."""
    said: set[str] = set()

    def say(message: str) -> None:
        if warn is not None and message not in said:
            said.add(message)
            warn(message)

    return say
