"""How one stream is read: pages of records from its parts, each page followed by its state.

Knows the stream table and the cursor rules; the HTTP engine below knows nothing of streams. The
pager of each part is looked up by its `Paging` style. What the server may get wrong is checked
here: a time filter it ignores (older records come back: filtered on our side, with a WARN), a
record that is not an object, the same record twice in a multi-part listing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .http import Client, Paging, cursor_pages, keyset_pages, offset_pages, single_page
from .state import StreamState
from .streams import Part, Stream
from .timeutil import format_rfc3339, format_v1, parse_datetime

# /v1/recents serves only about the last 30 days whatever since_timestamp asks ([PEER-RECENTS]);
# keep a day of margin so a window at the edge never loses its oldest changes.
RECENTS_WINDOW = timedelta(days=29)

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Batch:
    """Records of one page and the state that covers them (emitted after them)."""

    records: list[dict]
    state: dict


def read_stream(client: Client, stream: Stream, state: StreamState, start_date: datetime | None,
                should_stop: Callable[[], bool] = lambda: False, warn: Warn | None = None) -> Iterator[Batch]:
    """Yield Batches for every part of the stream, in order; state advances page by page."""
    warn = _once(warn)
    if stream.recents_item and state.incremental:
        yield from _read_recents_or_list(client, stream, state, start_date, warn)
    else:
        seen: set[Any] | None = set() if len(stream.parts(state.incremental)) > 1 and not stream.incremental else None
        for part in stream.parts(state.incremental):
            since = state.cursor_for(part.name) or start_date
            state.parts.setdefault(part.name, None)
            cap: datetime | None = None
            for records in _pages(client, stream, part, since, warn):
                if seen is not None:  # a listing whose parts overlap (a mail thread in two folders)
                    records = _first_time(stream, records, seen)
                newest = _max_cursor(stream, records)
                if stream.since_param_of(part) is None and newest is not None:
                    # Filtered on our side: a record updated behind us mid-read may be older than the
                    # newest seen, so the cursor never passes the server's time at the read's start.
                    cap = cap or client.server_now()
                    newest = min(newest, cap) if cap is not None else newest
                state.advance(part.name, newest)
                yield Batch(records, state.to_json())
                if should_stop():
                    return
    state.complete = True
    yield Batch([], state.to_json())


def _pages(client: Client, stream: Stream, part: Part, since: datetime | None, warn: Warn) -> Iterator[list[dict]]:
    """The part's records page by page, already filtered to cursor >= since."""
    params: dict[str, Any] = stream.query(part)
    since_param = stream.since_param_of(part)
    paging = stream.paging_of(part)
    key_of = _key_of(stream)
    if paging is Paging.KEYSET and since_param:
        pages = (p.records for p in keyset_pages(
            client, part.path, params, since_param=since_param, since=since, cursor_of=_cursor_of(stream),
            key_of=key_of, limit=stream.page_size, warn=warn))
    else:
        if since_param and since is not None:
            params[since_param] = format_rfc3339(since)
        if paging is Paging.CURSOR:
            pages = (p.records for p in cursor_pages(client, part.path, params, limit=stream.page_size))
        elif paging is Paging.OFFSET:
            pages = (p.records for p in offset_pages(client, part.path, params, limit=stream.page_size,
                                                     overlap=part.overlap, key_of=key_of, warn=warn))
        else:
            pages = (_unwrap(stream, p.body, p.records) for p in single_page(client, part.path, params))
    for records in pages:
        records = _objects(stream, records, part, warn)
        if since is not None and stream.cursor:
            kept = _since(stream, records, since)
            if since_param and len(kept) < len(records) and paging is not Paging.KEYSET:
                warn(f"GET {part.path}: the server ignored {since_param} (it sent records older than "
                     "the value sent); filtering on our side")
            records = kept
        yield records


def _unwrap(stream: Stream, body: dict, records: list[dict]) -> list[dict]:
    """A list one level down (data.goals), or the records as they came."""
    if not stream.records_key:
        return records
    data = body.get("data")
    inner = data.get(stream.records_key) if isinstance(data, dict) else None
    return inner if isinstance(inner, list) else []


def _objects(stream: Stream, records: list, part: Part, warn: Warn) -> list[dict]:
    """Only JSON objects are records; anything else is reported, never emitted."""
    if all(isinstance(r, dict) for r in records):
        return records
    warn(f"GET {part.path}: skipped items that are not JSON objects in stream '{stream.name}'")
    return [r for r in records if isinstance(r, dict)]


def _first_time(stream: Stream, records: list[dict], seen: set[Any]) -> list[dict]:
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
    records: list[dict] | None = None
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


def _recent_records(stream: Stream, items: list, warn: Warn) -> Iterator[dict]:
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


def _cursor_of(stream: Stream) -> Callable[[dict], datetime | None]:
    key, fallback = stream.cursor, stream.cursor_fallback
    if fallback is None:
        return lambda r: parse_datetime(r.get(key))  # type: ignore[arg-type]
    return lambda r: parse_datetime(r.get(key) or r.get(fallback))  # type: ignore[arg-type]


def _key_of(stream: Stream) -> Callable[[dict], Any]:
    key = stream.primary_key
    return lambda r: r.get(key)


def _since(stream: Stream, records: list[dict], since: datetime) -> list[dict]:
    """Client-side cursor filter, inclusive like the API's updated_since; a record without any
    cursor value is kept (nothing proves it unchanged)."""
    cursor_of = _cursor_of(stream)
    out = []
    for r in records:
        value = cursor_of(r)
        if value is None or value >= since:
            out.append(r)
    return out


def _max_cursor(stream: Stream, records: list[dict]) -> datetime | None:
    if not stream.cursor or not records:
        return None
    cursor_of = _cursor_of(stream)
    best = None
    for r in records:
        value = cursor_of(r)
        if value is not None and (best is None or value > best):
            best = value
    return best


def _once(warn: Warn | None) -> Warn:
    """Each distinct warning once per stream read."""
    said: set[str] = set()

    def say(message: str) -> None:
        if warn is not None and message not in said:
            said.add(message)
            warn(message)

    return say
