"""How one stream is read: pages of records from its parts, each page followed by its state.

Knows the stream table and the cursor rules; the HTTP engine below knows nothing of streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

from .http import Client, cursor_pages, offset_pages, single_page
from .state import StreamState
from .streams import Part, Stream
from .timeutil import format_rfc3339, format_v1, parse_datetime

# /v1/recents serves only about the last 30 days whatever since_timestamp asks (peers.md pain #1);
# keep a day of margin so a window at the edge never loses its oldest changes.
RECENTS_WINDOW = timedelta(days=29)


@dataclass(frozen=True)
class Batch:
    """Records of one page and the state that covers them (emitted after them)."""

    records: list[dict]
    state: dict


def read_stream(client: Client, stream: Stream, state: StreamState, start_date: datetime | None,
                should_stop: Callable[[], bool] = lambda: False) -> Iterator[Batch]:
    """Yield Batches for every part of the stream, in order; state advances page by page."""
    if stream.recents_item and state.incremental:
        yield from _read_recents_or_list(client, stream, state, start_date)
    else:
        for part in stream.parts(state.incremental):
            since = state.cursor_for(part.name) or start_date
            state.parts.setdefault(part.name, None)
            for records in _pages(client, stream, part, since):
                state.advance(part.name, _max_cursor(stream, records))
                yield Batch(records, state.to_json())
                if should_stop():
                    return
    state.complete = True
    yield Batch([], state.to_json())


def _pages(client: Client, stream: Stream, part: Part, since: datetime | None) -> Iterator[list[dict]]:
    params = {**dict(part.params), **dict(stream.sort)}
    if stream.since_param and since is not None:
        params[stream.since_param] = format_rfc3339(since)
    if stream.paging == "cursor":
        pages = (p.records for p in cursor_pages(client, part.path, params, limit=stream.page_size))
    elif stream.paging == "offset" and stream.since_param:
        pages = _keyset_pages(client, stream, part.path, params, since)
    elif stream.paging == "offset":
        pages = (p.records for p in offset_pages(client, part.path, params, limit=stream.page_size))
    elif stream.records_key:
        pages = ((p.body.get("data") or {}).get(stream.records_key) or [] for p in single_page(client, part.path, params))
    else:
        pages = (p.records for p in single_page(client, part.path, params))
    for records in pages:
        if since is not None and (stream.since_param is None or stream.paging == "none"):
            records = _since(stream, records, since)
        yield records


def _keyset_pages(client: Client, stream: Stream, path: str, params: dict, since: datetime | None) -> Iterator[list[dict]]:
    """Offset paging that cannot skip: after each page, filter again from the greatest cursor seen.

    Plain start/limit over a list sorted by update_time skips a record whenever another one is
    updated mid-read (it moves to the end and the rest shift left). Re-anchoring on
    `updated_since` = the last cursor, skipping only the records already delivered at exactly
    that instant, keeps every page stable ([RD-PAG]: offsets are positions, not keys).
    """
    skip = 0
    while True:
        query = dict(params, start=skip, limit=stream.page_size)
        if since is not None:
            query[stream.since_param] = format_rfc3339(since)
        body = client.get(path, query)
        records = body.get("data") or []
        yield records
        pagination = (body.get("additional_data") or {}).get("pagination") or {}
        more = pagination.get("more_items_in_collection")
        if more is None:  # the leads spec example has no pagination block: a full page means more
            more = len(records) >= stream.page_size
        if not records or not more:
            return
        newest = _max_cursor(stream, records)
        if newest is None:  # no cursor values at all: plain offsets are all we have
            skip += len(records)
        elif since is not None and newest == since:
            skip += len(records)  # a whole page at one instant: move on within it
        else:
            since = newest
            skip = sum(1 for r in records if parse_datetime(r.get(stream.cursor)) == newest)


def _read_recents_or_list(client: Client, stream: Stream, state: StreamState, start_date: datetime | None) -> Iterator[Batch]:
    """Users: /v1/recents while the cursor is inside its 30-day window, else the full list.

    Both cost 20 tokens a page ([SPEC-v1] x-token-cost); recents sends only what changed. The
    window is judged on the server's clock (Date header), which may differ from ours.
    """
    since = state.cursor_for("main") or start_date
    server_now = client.server_now()
    records: list[dict] | None = None
    if since is not None and (server_now is None or server_now - since < RECENTS_WINDOW):
        records = []
        params = {"since_timestamp": format_v1(since), "items": stream.recents_item}
        for page in offset_pages(client, "/v1/recents", params, limit=stream.page_size):
            records.extend(i["data"] for i in page.records if i.get("item") == stream.recents_item and i.get("data"))
        checked_now = client.server_now()
        if checked_now is not None and checked_now - since >= RECENTS_WINDOW:
            records = None  # the window check failed on the server's clock: do it the long way
    if records is None:
        records = [r for page in single_page(client, stream.path, {}) for r in page.records]
    if since is not None:
        records = _since(stream, records, since)
    state.advance("main", _max_cursor(stream, records))
    yield Batch(records, state.to_json())


def _since(stream: Stream, records: list[dict], since: datetime) -> list[dict]:
    """Client-side cursor filter, inclusive like the API's updated_since."""
    key = stream.cursor
    out = []
    for r in records:
        value = parse_datetime(r.get(key))
        if value is None or value >= since:
            out.append(r)
    return out


def _max_cursor(stream: Stream, records: list[dict]) -> datetime | None:
    if not stream.cursor or not records:
        return None
    key = stream.cursor
    best = None
    for r in records:
        value = parse_datetime(r.get(key))
        if value is not None and (best is None or value > best):
            best = value
    return best
