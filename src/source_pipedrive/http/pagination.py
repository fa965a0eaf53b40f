"""Page iterators for Pipedrive's two pagination styles; each refuses to go round in circles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from source_pipedrive.errors import ServerError

if TYPE_CHECKING:
    from source_pipedrive.http.client import Client

MAX_LIMIT = 500  # [RD-PAG]: limit "maximum value of 500" for both styles


@dataclass(frozen=True)
class Page:
    """One response: its records, the token to resume after it (None at the end), the whole body."""

    records: list[dict]
    next: str | None
    body: dict


def cursor_pages(
    client: Client,
    path: str,
    params: Mapping[str, object] | None = None,
    *,
    cursor: str | None = None,
    limit: int = MAX_LIMIT,
) -> Iterator[Page]:
    """v2 style: send `cursor`, follow `additional_data.next_cursor` until it is null [RD-PAG]."""
    seen: set[str] = set()
    while True:
        if cursor is not None:
            seen.add(cursor)
        query = {**(params or {}), "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        body = client.get(path, query)
        extra = body.get("additional_data")
        nxt = extra.get("next_cursor") if isinstance(extra, dict) else None
        nxt = str(nxt) if nxt else None
        if nxt is not None and nxt in seen:
            # A cursor we already followed: the server would send us round the same pages forever.
            raise ServerError(f"GET {path}: the API returned an already used cursor; stopping to avoid a loop")
        yield Page(_records(body, path), nxt, body)
        if nxt is None:
            return
        cursor = nxt


def offset_pages(
    client: Client,
    path: str,
    params: Mapping[str, object] | None = None,
    *,
    start: int = 0,
    limit: int = MAX_LIMIT,
) -> Iterator[Page]:
    """v1 style: send `start`, follow `additional_data.pagination.next_start` while more items exist."""
    while True:
        body = client.get(path, {**(params or {}), "start": start, "limit": limit})
        records = _records(body, path)
        info = _pagination(body)
        nxt = info.get("next_start")
        more = info.get("more_items_in_collection")
        if more is None:
            # No pagination block at all (the spec's examples for /v1/leads and mail threads have
            # none): a full page may not be the last, so ask for the next one rather than lose it.
            more = nxt is not None if info else len(records) >= limit
        if more:
            # next_start is documented only when more items exist [RD-PAG]; some endpoints
            # (e.g. /v1/recents in the spec) omit it, so continue after what we received.
            try:
                nxt = int(nxt) if nxt is not None else start + len(records)
            except (TypeError, ValueError):
                raise ServerError(f"GET {path}: the API returned a non-numeric next_start") from None
            if nxt <= start:
                raise ServerError(
                    f"GET {path}: the API returned next_start {nxt} after start {start}; stopping to avoid a loop"
                )
        else:
            nxt = None
        yield Page(records, str(nxt) if nxt is not None else None, body)
        if nxt is None:
            return
        start = nxt


def single_page(client: Client, path: str, params: Mapping[str, object] | None = None) -> Iterator[Page]:
    """An unpaginated endpoint (e.g. /v1/users, /v1/currencies): one response holds everything."""
    body = client.get(path, params)
    yield Page(_records(body, path), None, body)


def _pagination(body: dict) -> dict:
    # The docs nest these under additional_data.pagination; some spec schemas put them directly
    # under additional_data [RD-PAG], [SPEC-v1]. Accept both.
    extra = body.get("additional_data")
    if not isinstance(extra, dict):
        return {}
    inner = extra.get("pagination")
    return inner if isinstance(inner, dict) else extra


def _records(body: dict, path: str) -> list[dict]:
    data = body.get("data")
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise ServerError(f"GET {path}: 'data' is a {type(data).__name__}, expected a list or an object")
