"""Query parsing, v2 cursor pagination over sorted indexes, and v1 offset pagination [RD-PAG]."""
from __future__ import annotations

import base64
import heapq
from bisect import bisect_left, bisect_right
from itertools import islice
from typing import Callable, Iterable, Iterator

import orjson

from .clock import parse_rfc3339


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
    v = q.get(name)
    if v is None or v == "":
        return None
    try:
        return parse_rfc3339(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected RFC3339 date-time format.") from None


def q_ids(q: dict[str, str], name: str = "ids") -> frozenset[int] | None:
    v = q.get(name)
    if not v:
        return None
    try:
        ids = frozenset(int(x) for x in v.split(",") if x.strip())
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'.") from None
    if len(ids) > 100:
        raise ApiError(400, f"Parameter '{name}' accepts up to 100 ids.")
    return ids


def q_limit(q: dict[str, str], default: int = 100, maximum: int = 500, strict: bool = False) -> int:
    """v2 rejects limits over 500 (strict); v1 caps them at the documented maximum."""
    n = q_int(q, "limit", default)
    if n is None or n < 1:
        raise ApiError(400, "Invalid value for parameter 'limit'. Must be a positive integer.")
    if n > maximum:
        if strict:
            raise ApiError(400, f"Invalid value for parameter 'limit'. Maximum is {maximum}.")
        n = maximum
    return n


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


def v1_pagination(start: int, limit: int, total: int) -> dict:
    """additional_data.pagination; next_start only when more items exist [RD-PAG]."""
    more = start + limit < total
    p = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        p["next_start"] = start + limit
    return p
