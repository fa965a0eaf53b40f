"""GET /v1/goals/find [SPEC-v1]: your goals by default; the "everyone's goals" parameters widen and filter."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data.store import Store
from ..data.v1_records import TOKEN_USER
from .paging import Listing
from .query import ApiError, Query
from .respond import dumps

Goal = dict[str, Any]

# The parameters documented with "If provided, everyone's goals will be returned" [SPEC-v1], and where a
# goal holds the value each one filters on.
_EVERYONE: dict[str, Callable[[Goal], object]] = {
    "type.name": lambda g: g["type"]["name"],
    "assignee.type": lambda g: g["assignee"]["type"],
    "expected_outcome.target": lambda g: g["expected_outcome"]["target"],
    "expected_outcome.tracking_metric": lambda g: g["expected_outcome"]["tracking_metric"],
    "expected_outcome.currency_id": lambda g: g["expected_outcome"].get("currency_id"),
    "type.params.pipeline_id": lambda g: g["type"]["params"].get("pipeline_id"),
    "type.params.stage_id": lambda g: g["type"]["params"].get("stage_id"),
    "type.params.activity_type_id": lambda g: g["type"]["params"].get("activity_type_id"),
}


def _goal_has(g: Goal, name: str, raw: str) -> bool:
    have = _EVERYONE[name](g)
    if isinstance(have, list):           # array parameters: the goal names any of the given ids
        return bool({int(x) for x in raw.split(",")} & set(have))
    if isinstance(have, (int, float)) and not isinstance(have, bool):
        return float(raw) == have
    return have == raw


def goals(store: Store, q: Query) -> Listing:
    """Only your goals ("When omitted, only your goals will be returned"), or assignee.id's; any "everyone's
    goals" parameter widens to everyone's, filtered by it. is_active defaults to true. Period: goals whose
    duration overlaps [period.start, period.end]."""
    if ("period.start" in q) != ("period.end" in q):
        raise ApiError(400, "When 'period.start' is provided, 'period.end' must be provided too (and vice versa).")
    rows = store.settings["goals"]
    everyone = [n for n in _EVERYONE if n in q]
    who = int(q["assignee.id"]) if "assignee.id" in q else None
    if everyone:
        rows = [g for g in rows if all(_goal_has(g, n, q[n]) for n in everyone)
                and (who is None or g["assignee"]["id"] == who)]
    else:
        me = TOKEN_USER if who is None else who
        rows = [g for g in rows if g["assignee"]["type"] == "person" and g["assignee"]["id"] == me]
    active = q.get("is_active", "true") in ("true", "1")
    rows = [g for g in rows if g["is_active"] == active and q.get("title", g["title"]) == g["title"]]
    if "period.start" in q:
        lo, hi = q["period.start"], q["period.end"]
        rows = [g for g in rows if g["duration"]["start"] <= hi and (g["duration"].get("end") or hi) >= lo]
    return Listing([dumps(g) for g in rows])
