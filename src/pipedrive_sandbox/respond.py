"""Building response bodies: pre-serialized record bytes joined into pages (orjson)."""
from __future__ import annotations

from collections.abc import Callable

import orjson

from .paging import Listing
from .spec import Operation
from .store import Table

_OPTS = orjson.OPT_NON_STR_KEYS


def dumps(obj: object) -> bytes:
    return orjson.dumps(obj, option=_OPTS)


def cached(t: Table, i: int, shape: str, render: Callable[[dict], dict | bytes]) -> bytes:
    """A record's JSON bytes per shape, cached until the record changes (Table.touch drops them)."""
    key = (i, shape)
    b = t.cache.get(key)
    if b is None:
        ver = t.ver
        out = render(t.get(i))
        b = out if isinstance(out, bytes) else dumps(out)
        if t.ver == ver:
            t.cache[key] = b
    return b


def page(items: list[bytes], additional: dict | None = None, related: dict | None = None) -> list[bytes]:
    """A list response as byte chunks: the server writes them with one sendmsg, so the ~1 MB of a
    500-deal page is joined once and never copied again."""
    tail = b"]"
    if additional is not None:
        tail += b',"additional_data":' + dumps(additional)
    if related is not None:
        tail += b',"related_objects":' + dumps(related)
    return [b'{"success":true,"data":[', b",".join(items), tail + b"}"]


def envelope(op: Operation, listing: Listing) -> list[bytes]:
    """The 200 body of a list operation, shaped by its `paging` fact [SPEC-v1], [SPEC-v2]:
    cursor -> additional_data.next_cursor; offset -> additional_data.pagination {start, limit,
    more_items_in_collection, next_start}; offset-flat -> start, limit, more_items_in_collection directly
    under additional_data; none -> no additional_data at all. next_start counts what was returned, so a
    page cut short (limit_cap) still resumes where it stopped."""
    paging = op.paging
    if paging == "cursor":
        add: dict | None = {"next_cursor": listing.next_cursor}
    elif paging == "offset":
        p = {"start": listing.start, "limit": listing.limit, "more_items_in_collection": listing.more}
        if listing.more:
            p["next_start"] = listing.start + len(listing.items)
        add = {**listing.extra, "pagination": p} if listing.extra else {"pagination": p}
    elif paging == "offset-flat":
        add = {"start": listing.start, "limit": listing.limit, "more_items_in_collection": listing.more}
    else:
        add = None
    if op.records_key is not None:  # data: {"goals": [...]}
        head = b'{"success":true,"data":{"' + op.records_key.encode() + b'":['
        tail = b"]}" + (b',"additional_data":' + dumps(add) if add is not None else b"") + b"}"
        return [head, b",".join(listing.items), tail]
    return page(listing.items, add)


def one(data: object) -> bytes:
    return dumps({"success": True, "data": data})


def error(status: int, message: str, code: str | None = None) -> bytes:
    """Pipedrive's error shape [RD-RESP], with errorCode like the 401/403 examples [SPEC-v1]."""
    body: dict = {"success": False, "error": message, "errorCode": status, "error_info":
                  "Please check developers.pipedrive.com for more information about Pipedrive API.",
                  "data": None, "additional_data": None}
    if code:
        body["code"] = code
    return dumps(body)
