"""Reading a handler's query (parameters the gate admitted) as typed values, and ApiError for a refusal."""
from __future__ import annotations

from ..data.clock import parse_date, parse_rfc3339

Query = dict[str, str]          # parameter name -> value (a repeated parameter joined by commas)


class ApiError(Exception):
    """An error answered as Pipedrive's JSON error shape [RD-RESP]."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def q_int(q: Query, name: str, default: int | None = None) -> int | None:
    v = q.get(name)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected an integer.") from None


def q_bool(q: Query, name: str) -> bool | None:
    v = q.get(name)
    if v is None or v == "":
        return None
    if v.lower() in ("true", "1"):
        return True
    if v.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"Invalid value for parameter '{name}'. Expected a boolean.")


def q_time(q: Query, name: str) -> float | None:
    """An RFC 3339 parameter (the gate checked the format; this parse is as strict)."""
    v = q.get(name)
    if not v:
        return None
    try:
        return parse_rfc3339(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected RFC3339 date-time format.") from None


def q_date(q: Query, name: str) -> int | None:
    v = q.get(name)
    if not v:
        return None
    try:
        return parse_date(v)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'. Expected YYYY-MM-DD.") from None


def q_ids(q: Query) -> frozenset[int] | None:
    """`ids`: comma-separated integer ids; the gate already enforced the documented maximum count."""
    v = q.get("ids")
    if not v:
        return None
    try:
        return frozenset(int(x) for x in v.split(",") if x.strip())
    except ValueError:
        raise ApiError(400, "Invalid value for parameter 'ids'.") from None


def q_limit(q: Query) -> int:
    """`limit`, default 100. Over a documented maximum the gate answered 400 already; v1 operations without
    one are capped at 500, the generic maximum of the pagination docs [RD-PAG]."""
    n = q_int(q, "limit", 100)
    if n is None or n < 1:
        raise ApiError(400, "Invalid value for parameter 'limit'. Must be a positive integer.")
    return min(n, 500)


def q_list(q: Query, name: str) -> tuple[str, ...]:
    """A comma-list parameter's non-empty items, stripped, in order ((), when absent)."""
    return tuple(x.strip() for x in q.get(name, "").split(",") if x.strip())
