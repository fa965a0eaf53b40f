"""Response bodies: records serialized once to JSON bytes (orjson) and cached, pages joined from those bytes,
the list envelope shaped by the operation's paging fact, single records and Pipedrive's error shape."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ..data.record import Record
from ..data.table import Table
from ..spec import Operation
from .paging import Listing

Body = bytes | list[bytes]      # list: chunks the server writes with one sendmsg, never joined into one copy
_OPTS = orjson.OPT_NON_STR_KEYS


def dumps(obj: object) -> bytes:
    return orjson.dumps(obj, option=_OPTS)


def cached(t: Table, i: int, shape: str, render: Callable[[Record], dict[str, Any] | bytes]) -> bytes:
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


def _additional(paging: str, listing: Listing) -> dict[str, Any] | None:
    """additional_data per paging fact: cursor -> next_cursor; offset -> a pagination block {start, limit,
    more_items_in_collection, next_start}; offset-flat -> start, limit, more_items_in_collection directly;
    none -> no additional_data at all. next_start counts what was returned, so a page cut short
    (limit_cap) still resumes where it stopped."""
    if paging == "cursor":
        return {"next_cursor": listing.next_cursor}
    if paging == "offset":
        p: dict[str, Any] = {"start": listing.start, "limit": listing.limit,
                             "more_items_in_collection": listing.more}
        if listing.more:
            p["next_start"] = listing.start + len(listing.items)
        return {**listing.extra, "pagination": p} if listing.extra else {"pagination": p}
    if paging == "offset-flat":
        return {"start": listing.start, "limit": listing.limit, "more_items_in_collection": listing.more}
    return None


def envelope(op: Operation, listing: Listing) -> list[bytes]:
    """The 200 body of a list operation, shaped by its `paging` fact [SPEC-v1], [SPEC-v2], as byte chunks:
    the ~1 MB of a 500-deal page is joined once and never copied again."""
    add = _additional(listing.paging or op.paging, listing)
    tail = b"" if add is None else b',"additional_data":' + dumps(add)
    if op.records_key is not None:  # data: {"goals": [...]}
        head = b'{"success":true,"data":{"' + op.records_key.encode() + b'":['
        return [head, b",".join(listing.items), b"]}" + tail + b"}"]
    return [b'{"success":true,"data":[', b",".join(listing.items), b"]" + tail + b"}"]


def one(data: object) -> bytes:
    return dumps({"success": True, "data": data})


def error(status: int, message: str) -> bytes:
    """Pipedrive's error shape [RD-RESP], with errorCode like the 401/403 examples [SPEC-v1]."""
    return dumps({"success": False, "error": message, "errorCode": status, "error_info":
                  "Please check developers.pipedrive.com for more information about Pipedrive API.",
                  "data": None, "additional_data": None})
