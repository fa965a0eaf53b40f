"""Pagination: what a list handler returns (Listing), v1 start/limit pages, v2 cursors over sorted indexes
[RD-PAG]. The envelope around a Listing is `respond.envelope`."""
from __future__ import annotations

import base64
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson

from ..data.table import Index
from .query import ApiError, Query, q_int, q_limit

Entry = tuple[object, int]     # (sort value, row) of an Index


@dataclass(slots=True)
class Listing:
    """What a list handler returns: records as JSON bytes plus neutral paging facts. The envelope
    (respond.envelope) is rendered from the operation's `paging` fact, in one place."""
    items: list[bytes]
    start: int = 0
    limit: int = 0
    more: bool = False
    next_cursor: str | None = None
    extra: dict[str, Any] | None = None      # additional_data beside the paging block (recents' timestamps)
    paging: str | None = None                # overrides the operation's paging fact (option installments_paging)


def taken(limit: int, cap: int | None) -> int:
    """How many records a page really holds: the `limit_cap` option may cut it short."""
    return limit if cap is None or cap >= limit else cap


def page_size(q: Query, cap: int | None) -> int:
    """Records on one page: the request's `limit`, cut to the `limit_cap` option."""
    return taken(q_limit(q), cap)


def offset_params(q: Query, cap: int | None) -> tuple[int, int, int]:
    """(start, limit as reported, records to return) of a v1 start/limit request."""
    start = q_int(q, "start", 0) or 0
    if start < 0:
        raise ApiError(400, "Invalid value for parameter 'start'.")
    limit = q_limit(q)
    return start, limit, taken(limit, cap)


def offset_slice(items: list[bytes], q: Query, cap: int | None) -> Listing:
    """A start/limit page of an in-memory list."""
    start, limit, n = offset_params(q, cap)
    chunk = items[start:start + n]
    return Listing(chunk, start, limit, more=start + len(chunk) < len(items))


# ---- v2 cursors ----------------------------------------------------------------------------------
# The cursor is base64url JSON like Pipedrive's ({"field","fieldValue","sortDirection","id"} [SPEC-v2]);
# it names the first item of the next page, so a page resumes at its (sort value, id) position.

def encode_cursor(field: str, value: object, direction: str, rid: int) -> str:
    raw = orjson.dumps({"field": field, "fieldValue": value, "sortDirection": direction, "id": rid})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(text: str, field: str, direction: str) -> Entry:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        c = orjson.loads(raw)
        value, rid = c["fieldValue"], c["id"]
        ok = c["field"] == field and c["sortDirection"] == direction and isinstance(rid, int)
    except Exception:
        ok = False
    if not ok:
        raise ApiError(400, "Invalid cursor. The cursor is malformed or does not match the sort parameters.")
    return value, rid


def scan(indexes: list[Index], direction: str, start: Entry | None, lo: object = None,
         hi: object = None) -> Iterator[Entry]:
    """(sort value, row) in order from `start` (inclusive) within [lo, hi) on the sort value."""
    its: list[Iterable[Entry]] = []
    for idx in indexes:
        a = 0 if lo is None else bisect_left(idx, (lo,))
        b = len(idx) if hi is None else bisect_left(idx, (hi,))
        if direction == "asc":
            if start is not None:
                a = max(a, bisect_left(idx, start))
            its.append(islice(idx, a, b))
        else:
            if start is not None:
                b = min(b, bisect_right(idx, start))
            its.append(_backwards(idx, a, b))
    if len(its) == 1:
        return iter(its[0])
    return heapq.merge(*its, reverse=direction == "desc")


def _backwards(idx: Index, a: int, b: int) -> Iterator[Entry]:
    for k in range(b - 1, a - 1, -1):
        yield idx[k]


def take(items: Iterator[Entry], pred: Callable[[int], bool] | None, limit: int) -> tuple[list[Entry], Entry | None]:
    """Up to `limit` matching items, plus the next match (for the next cursor) if any."""
    out: list[Entry] = []
    for item in items:
        if pred is None or pred(item[1]):
            if len(out) == limit:
                return out, item
            out.append(item)
    return out, None
