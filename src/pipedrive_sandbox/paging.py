"""Query parsing, v2 cursor pagination over sorted indexes, and v1 offset pagination [RD-PAG]."""
from __future__ import annotations

import base64
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import orjson

from .clock import parse_date, parse_rfc3339


class ApiError(Exception):
    """An error answered as Pipedrive's JSON error shape [RD-RESP]."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def q_int(q: dict[str, str], name: str, default: int | None = None) -> int | None:
    v = q.get(name)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected an integer.") from None


def q_bool(q: dict[str, str], name: str) -> bool | None:
    v = q.get(name)
    if v is None or v == "":
        return None
    if v.lower() in ("true", "1"):
        return True
    if v.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"Invalid value for parameter '{name}'. Expected a boolean.")


def q_time(q: dict[str, str], name: str) -> float | None:
    """An RFC 3339 parameter (the gate checked the format; this parse is as strict)."""
    v = q.get(name)
    if not v:
        return None
    try:
        return parse_rfc3339(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected RFC3339 date-time format.") from None


def q_date(q: dict[str, str], name: str) -> int | None:
    v = q.get(name)
    if not v:
        return None
    try:
        return parse_date(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected YYYY-MM-DD.") from None


def q_ids(q: dict[str, str], name: str = "ids") -> frozenset[int] | None:
    """Comma-separated integer ids; the gate already enforced the documented maximum count."""
    v = q.get(name)
    if not v:
        return None
    try:
        return frozenset(int(x) for x in v.split(",") if x.strip())
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'.") from None


def q_limit(q: dict[str, str], default: int = 100, maximum: int = 500) -> int:
    """`limit`, default 100. Over a documented maximum the gate answered 400 already; v1 operations without
    one are capped at 500, the generic maximum of the pagination docs [RD-PAG]."""
    n = q_int(q, "limit", default)
    if n is None or n < 1:
        raise ApiError(400, "Invalid value for parameter 'limit'. Must be a positive integer.")
    return min(n, maximum)


@dataclass(slots=True)
class Listing:
    """What a list handler returns: records as JSON bytes plus neutral paging facts. The envelope
    (respond.envelope) is rendered from the operation's `paging` fact, in one place."""
    items: list[bytes]
    start: int = 0
    limit: int = 0
    more: bool = False
    next_cursor: str | None = None
    extra: dict | None = None      # additional_data beside the paging block (recents' timestamps)


def taken(limit: int, cap: int | None) -> int:
    """How many records a page really holds: the `limit_cap` option may cut it short."""
    return limit if cap is None or cap >= limit else cap


def offset_params(q: dict[str, str], cap: int | None) -> tuple[int, int, int]:
    """(start, limit as reported, records to return) of a v1 start/limit request."""
    start = q_int(q, "start", 0) or 0
    if start < 0:
        raise ApiError(400, "Invalid value for parameter 'start'.")
    limit = q_limit(q)
    return start, limit, taken(limit, cap)


def offset_slice(items: list[bytes], q: dict[str, str], cap: int | None) -> Listing:
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


def decode_cursor(text: str, field: str, direction: str) -> tuple[object, int]:
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


def scan(indexes: list[list[tuple]], direction: str, start: tuple | None, lo: object = None,
         hi: object = None) -> Iterator[tuple]:
    """(sort value, row) in order from `start` (inclusive) within [lo, hi) on the sort value."""
    its: list[Iterable[tuple]] = []
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


def _backwards(idx: list[tuple], a: int, b: int) -> Iterator[tuple]:
    for k in range(b - 1, a - 1, -1):
        yield idx[k]


def take(items: Iterator[tuple], pred: Callable[[int], bool] | None, limit: int) -> tuple[list[tuple], tuple | None]:
    """Up to `limit` matching items, plus the next match (for the next cursor) if any."""
    out: list[tuple] = []
    for item in items:
        if pred is None or pred(item[1]):
            if len(out) == limit:
                return out, item
            out.append(item)
    return out, None
