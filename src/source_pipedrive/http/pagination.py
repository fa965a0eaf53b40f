"""Page iterators, one per pagination style Pipedrive uses; each refuses to go round in circles.

The styles form a closed set (`Paging`); the stream table names one per endpoint. `pages()` walks a
whole list in its style; a read filtered by time picks its pager itself (keyset_pages needs the
cursor). Every pager keeps a `PageGuard`: the same page (same path and query) is never requested
twice in one read, whatever the server answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from source_pipedrive.errors import ServerError
from source_pipedrive.http.wire import JsonObject, Params, QueryValue
from source_pipedrive.timeutil import format_rfc3339

if TYPE_CHECKING:
    from source_pipedrive.http.client import Client

MAX_LIMIT = 500  # [RD-PAG]: limit "maximum value of 500" for both styles

Warn = Callable[[str], None]
CursorOf = Callable[[JsonObject], "datetime | None"]
KeyOf = Callable[[JsonObject], Any]


class Paging(str, Enum):
    """How an endpoint pages ([RD-PAG], [SPEC-v1], [SPEC-v2])."""

    CURSOR = "cursor"  # v2: `cursor` in, `additional_data.next_cursor` out
    OFFSET = "offset"  # v1: `start`/`limit`; pagination data nested, flat, or absent
    KEYSET = "keyset"  # v1 with an `updated_since` filter: offsets re-anchored on the last cursor
    NONE = "none"  # one response holds everything


@dataclass(frozen=True)
class Page:
    """One response: its records, the token to resume after it (None at the end), the whole body."""

    records: list[JsonObject]
    next: str | None
    body: JsonObject


class PageGuard:
    """Remembers every query sent for one listing, so a server that points back never loops us."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._sent: set[tuple[tuple[str, str], ...]] = set()

    def admit(self, query: Mapping[str, object]) -> None:
        key = tuple(sorted((k, str(v)) for k, v in query.items()))
        if key in self._sent:
            raise ServerError(
                f"GET {self.path}: the API led back to a page already read in this sync "
                f"({', '.join(f'{k}={v}' for k, v in key if k in ('start', 'cursor', 'updated_since'))}); "
                "stopping instead of reading it again"
            )
        self._sent.add(key)


def cursor_pages(
    client: Client,
    path: str,
    params: Params | None = None,
    *,
    cursor: str | None = None,
    limit: int = MAX_LIMIT,
) -> Iterator[Page]:
    """v2 style: send `cursor`, follow `additional_data.next_cursor` until it is null [RD-PAG]."""
    guard = PageGuard(path)
    followed: set[str] = set()
    while True:
        query: dict[str, QueryValue | None] = {**(params or {}), "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
            followed.add(cursor)
        guard.admit(query)
        body = client.get(path, query)
        extra = body.get("additional_data")
        nxt = extra.get("next_cursor") if isinstance(extra, dict) else None
        nxt = str(nxt) if nxt else None
        if nxt is not None and nxt in followed:
            raise ServerError(f"GET {path}: the API led back to a page already read in this sync (a cursor "
                              "already followed); stopping instead of reading it again")
        yield Page(_records(body, path), nxt, body)
        if nxt is None:
            return
        del body, extra  # not held while the next page is fetched: memory stays at the pages in use
        cursor = nxt


def offset_pages(
    client: Client,
    path: str,
    params: Params | None = None,
    *,
    start: int = 0,
    limit: int = MAX_LIMIT,
    overlap: int = 0,
    key_of: KeyOf | None = None,
    warn: Warn | None = None,
) -> Iterator[Page]:
    """v1 style: `start`/`limit`, continuing after what was received while more items exist.

    Where the pagination block sits differs by endpoint ([SPEC-v1]: nested under
    `additional_data.pagination`, flat under `additional_data`, or absent). Without one, a short
    page proves nothing (a server may cap `limit`): the list ends on an empty page. With `overlap`,
    each page starts that many records before the end of the previous one and repeats are dropped,
    so records leaving the list mid-read (up to `overlap` per page) shift nothing past us.
    """
    guard = PageGuard(path)
    tail: list[Any] = []
    previous: list[JsonObject] | None = None
    while True:
        query: dict[str, QueryValue | None] = {**(params or {}), "start": start, "limit": limit}
        guard.admit(query)
        body = client.get(path, query)
        raw = _records(body, path)
        records = raw
        if overlap and tail:
            keys = {key_of(r) for r in raw} if key_of else set()
            if raw and warn is not None and not keys.intersection(tail):
                warn(f"GET {path}: the list shifted by more than {overlap} records between two pages; "
                     "records may have moved past this read (the next full read picks them up)")
            records = [r for r in raw if key_of(r) not in tail] if key_of else raw
        more = _more(body, raw)
        step_back = overlap if overlap and len(raw) > overlap else 0
        nxt = _next_start(path, body, start, len(raw)) - step_back if more else None
        if raw and raw == previous:
            raise ServerError(f"GET {path}: the API sent the same page for start={start} as before; it ignores "
                              "`start`, so reading on would never end")
        previous = raw
        if more and not raw:
            raise ServerError(f"GET {path}: the API reports more items but sent an empty page at start={start}")
        yield Page(records, str(nxt) if nxt is not None else None, body)
        if nxt is None:
            return
        if overlap and key_of:
            tail = [key_of(r) for r in raw[-overlap:]]
        start = nxt


def keyset_pages(
    client: Client,
    path: str,
    params: Params,
    *,
    since_param: str,
    since: datetime | None,
    cursor_of: CursorOf,
    key_of: KeyOf,
    limit: int = MAX_LIMIT,
    warn: Warn | None = None,
) -> Iterator[Page]:
    """Offset paging that cannot skip: after each page, filter again from the greatest cursor seen.

    Plain start/limit over a list sorted by update_time skips a record whenever another one is
    updated mid-read (it moves to the end and the rest shift left). Re-anchoring on
    `updated_since` = the last cursor keeps every page stable ([RD-PAG]: offsets are positions, not
    keys). Records already delivered at the anchor instant are dropped by id, so the server's order
    among equal update_times does not matter. If the server answers with records older than the
    `updated_since` sent, it ignored the filter: continue with plain offsets, filtering on our side.
    """
    guard = PageGuard(path)
    anchor, start = since, 0
    delivered: set[Any] = set()  # ids delivered with a cursor at or after the anchor
    while True:
        query: dict[str, QueryValue | None] = {**params, "start": start, "limit": limit}
        if anchor is not None:
            query[since_param] = format_rfc3339(anchor)
        guard.admit(query)
        body = client.get(path, query)
        raw = _records(body, path)
        if anchor is not None and _older_than(raw, anchor, cursor_of):
            if warn is not None:
                warn(f"GET {path}: the server ignored {since_param} (it sent older records); "
                     "reading on with offsets and filtering on our side")
            yield from _unfiltered(client, path, params, raw, body, start, limit, anchor, cursor_of, key_of, delivered)
            return
        fresh = [r for r in raw if key_of(r) not in delivered]
        more = _more(body, raw)
        yield Page(fresh, None, body)
        if not more or not raw:
            return
        latest = newest(raw, cursor_of)
        if latest is None or (anchor is not None and latest == anchor):
            start += len(raw)  # no cursors, or a whole page at one instant: move on within it
            delivered.update(key_of(r) for r in raw)
        else:
            anchor, start = latest, 0
            delivered = {key_of(r) for r in raw if cursor_of(r) == latest}


def _unfiltered(client: Client, path: str, params: Params, raw: list[JsonObject], body: JsonObject, start: int,
                limit: int, since: datetime, cursor_of: CursorOf, key_of: KeyOf, delivered: set[Any]) -> Iterator[Page]:
    """The rest of a keyset read whose filter the server ignores: offsets, our own cursor filter."""
    def keep(records: list[JsonObject]) -> list[JsonObject]:
        out = []
        for r in records:
            value = cursor_of(r)
            if (value is None or value >= since) and key_of(r) not in delivered:
                delivered.add(key_of(r))
                out.append(r)
        return out

    yield Page(keep(raw), None, body)
    if not raw or not _more(body, raw):
        return
    for page in offset_pages(client, path, params, start=start + len(raw), limit=limit):
        yield Page(keep(page.records), page.next, page.body)


def single_page(client: Client, path: str, params: Params | None = None) -> Iterator[Page]:
    """An unpaginated endpoint (e.g. /v1/users, /v1/currencies): one response holds everything."""
    body = client.get(path, params)
    yield Page(_records(body, path), None, body)


def pages(client: Client, path: str, paging: Paging, params: Params | None = None, *,
          limit: int = MAX_LIMIT) -> Iterator[Page]:
    """Every page of a whole list, unfiltered, in the endpoint's paging style (a keyset list read
    without a time filter is plain offsets)."""
    if paging is Paging.CURSOR:
        return cursor_pages(client, path, params, limit=limit)
    if paging is Paging.NONE:
        return single_page(client, path, params)
    return offset_pages(client, path, params, limit=limit)


def _more(body: JsonObject, raw: list[JsonObject]) -> bool:
    """Whether another page exists: the pagination block says so, or (without one) the page was not empty."""
    info = _pagination(body)
    flag = info.get("more_items_in_collection")
    if isinstance(flag, bool):
        return flag
    return len(raw) > 0


def _next_start(path: str, body: JsonObject, start: int, received: int) -> int:
    """Where the next page starts: the server's next_start when it gives one, else after what came."""
    given = _pagination(body).get("next_start")
    if given is None:
        return start + received
    try:
        nxt = int(given)
    except (TypeError, ValueError):
        raise ServerError(f"GET {path}: the API returned a non-numeric next_start") from None
    if nxt <= start:
        raise ServerError(
            f"GET {path}: the API returned next_start {nxt} after start {start}; stopping to avoid a loop"
        )
    return nxt


def _pagination(body: JsonObject) -> JsonObject:
    # The docs nest these under additional_data.pagination; some operations' schemas put them
    # directly under additional_data [RD-PAG], [SPEC-v1]. Accept both.
    extra = body.get("additional_data")
    if not isinstance(extra, dict):
        return {}
    inner = extra.get("pagination")
    return inner if isinstance(inner, dict) else extra


def _older_than(records: list[JsonObject], since: datetime, cursor_of: CursorOf) -> bool:
    for r in records:
        value = cursor_of(r)
        if value is not None and value < since:
            return True
    return False


def newest(records: list[JsonObject], cursor_of: CursorOf) -> datetime | None:
    best = None
    for r in records:
        value = cursor_of(r)
        if value is not None and (best is None or value > best):
            best = value
    return best


def _records(body: JsonObject, path: str) -> list[JsonObject]:
    data = body.get("data")
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise ServerError(f"GET {path}: 'data' is a {type(data).__name__}, expected a list or an object")
