"""API v2 lists and single records: cursor pagination, filters, sort_by / sort_direction, record shaping
[SPEC-v2].

The gate (spec.Operation.admit) hands these handlers only the parameters the operation defines, with values
already checked against the spec (enums, maxima, RFC 3339 times, list sizes): a parameter read here but
absent from an operation's facts simply never arrives (pipelines get no updated_since, products no
updated_until, deals/archived no include_option_labels).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..data.clock import iso
from ..data.record import ARCHIVED, DELETED, LIVE, RECENT, Record
from ..data.store import Store
from ..data.table import Table
from .paging import Listing, decode_cursor, encode_cursor, page_size, scan, take
from .query import ApiError, Query, q_bool, q_ids, q_int, q_list, q_time
from .render_v2 import v2, v2_bytes
from .respond import cached, dumps, one

Pred = Callable[[int], bool]


@dataclass(frozen=True)
class V2List:
    entity: str
    filters: tuple[str, ...] = ()          # equality filters on record keys (query name == record key)
    coll: int = LIVE


_DEAL_FILTERS = ("owner_id", "person_id", "org_id", "pipeline_id", "stage_id")
V2_LISTS: dict[str, V2List] = {
    "/api/v2/deals": V2List("deals", _DEAL_FILTERS),
    "/api/v2/deals/archived": V2List("deals", _DEAL_FILTERS, coll=ARCHIVED),
    "/api/v2/persons": V2List("persons", ("owner_id", "org_id")),
    "/api/v2/organizations": V2List("organizations", ("owner_id",)),
    "/api/v2/activities": V2List("activities", ("owner_id", "deal_id", "lead_id", "person_id", "org_id")),
    "/api/v2/products": V2List("products", ("owner_id",)),
    "/api/v2/pipelines": V2List("pipelines"),
    "/api/v2/stages": V2List("stages", ("pipeline_id",)),
    # Pipedrive Projects: no sort and no time filter in the spec, listed by id [SPEC-v2]
    "/api/v2/projects": V2List("projects", ("phase_id",)),
    "/api/v2/projects/archived": V2List("projects", ("phase_id",), coll=ARCHIVED),
    "/api/v2/tasks": V2List("tasks", ("project_id",)),
    "/api/v2/projectTemplates": V2List("project_templates"),
}
SINGLE = ("deals", "persons", "organizations", "activities", "products", "pipelines", "stages", "projects", "tasks",
          "projectTemplates", "boards")
# The path segment of a single-record route -> its table (camelCase in the API)
TABLE_OF = {"projectTemplates": "project_templates"}
V2_TABLES = frozenset(TABLE_OF.get(e, e) for e in SINGLE)    # tables whose records the API shows v2-shaped


def _collections(spec: V2List, q: Query, t: Table, now: int, preds: list[Pred]) -> list[int]:
    """Which collections to scan for `status` (deals: open,won,lost,deleted; default all but deleted)."""
    if not q.get("status"):
        return [spec.coll]
    wanted = set(q_list(q, "status"))
    live = wanted - {"deleted"}
    colls = ([spec.coll] if live else []) + ([DELETED] if "deleted" in wanted and spec.coll == LIVE else [])
    if live and live != {"open", "won", "lost"}:
        preds.append(lambda i: t.state[i] == DELETED or t.get(i)["status"] in live)
    if DELETED in colls:
        # status=deleted lists deals deleted within the last 30 days only [SPEC-v1-JAN26], [CL-PERMDEL]
        cutoff = now - RECENT
        preds.append(lambda i: t.state[i] != DELETED or t.stime[i] >= cutoff)
    return colls


def _filters(spec: V2List, store: Store, q: Query, t: Table, preds: list[Pred]) -> None:
    ids = q_ids(q)
    if ids is not None:
        preds.append(lambda i: i in ids)
    for name in spec.filters:
        v = (q.get(name) or None) if name == "lead_id" else q_int(q, name)
        if v is not None:
            preds.append(_equals(t, name, v))
    done = q_bool(q, "done")
    if done is not None:
        preds.append(lambda i: t.get(i)["done"] == done)
    if spec.entity == "persons" and q.get("deal_id"):
        deals = store.table("deals")
        row = deals.row_of(q["deal_id"])
        pid = deals.get(row)["person_id"] if row is not None else None
        preds.append(lambda i: i == pid)


def _equals(t: Table, key: str, value: object) -> Pred:
    return lambda i: t.get(i).get(key) == value


def _time_window(sort_by: str, t: Table, q: Query, preds: list[Pred]) -> tuple[float | None, float | None]:
    """updated_since (inclusive) / updated_until (exclusive): a bisect range on the update_time index when
    sorting by it, else filters; returns the (lo, hi) range to scan."""
    since, until = q_time(q, "updated_since"), q_time(q, "updated_until")
    if sort_by == "update_time":
        return since, until
    if since is not None:
        preds.append(lambda i: t.upd[i] >= since)
    if until is not None:
        preds.append(lambda i: t.upd[i] < until)
    return None, None


def render_opts(q: Query) -> dict[str, Any] | None:
    """The record-shaping parameters (include_option_labels, custom_fields, include_fields, include_labels);
    None when there are none, so the cached bytes serve the request."""
    labels = bool(q_bool(q, "include_option_labels"))
    only = frozenset(q_list(q, "custom_fields")) if q.get("custom_fields") else None
    include = q_list(q, "include_fields")
    labels_on = bool(q_bool(q, "include_labels"))
    if not (labels or only is not None or include or labels_on):
        return None
    return {"labels": labels, "only": only, "include": include, "labels_on": labels_on}


def v2_list(spec: V2List, store: Store, q: Query) -> Listing:
    t = store.table(spec.entity)
    sort_by, direction = q.get("sort_by") or "id", q.get("sort_direction") or "asc"
    limit = page_size(q, store.options.limit_cap)
    preds: list[Pred] = []
    colls = _collections(spec, q, t, store.clock.now(), preds)
    _filters(spec, store, q, t, preds)
    lo, hi = _time_window(sort_by, t, q, preds)
    start = decode_cursor(q["cursor"], sort_by, direction) if q.get("cursor") else None
    with store.lock:
        indexes = [t.index(c, sort_by) for c in colls]
    pred = preds[0] if len(preds) == 1 else (lambda i: all(p(i) for p in preds)) if preds else None
    try:
        items, nxt = take(scan(indexes, direction, start, lo, hi), pred, limit)
    except TypeError:
        raise ApiError(400, "Invalid cursor. The cursor is malformed or does not match the sort parameters.") from None
    opts = render_opts(q)
    cf = store.cf
    if opts is not None:
        data = [dumps(v2(spec.entity, t.get(i), cf, **opts)) for _, i in items]
    else:
        gen = store.gen

        def render(rec: Record) -> bytes:
            return v2_bytes(spec.entity, rec, cf, gen)
        data = [cached(t, i, "v2", render) for _, i in items]
    return Listing(data, next_cursor=encode_cursor(sort_by, nxt[0], direction, nxt[1]) if nxt else None)


def v2_one(entity: str, store: Store, q: Query, rid: str) -> bytes:
    """GET /api/v2/{entity}/{id}: one record, shaped by the same parameters as the list where defined."""
    t = store.table(TABLE_OF.get(entity, entity))
    i = t.row_of(rid)
    if i is None or t.visible(i, store.clock.now()) is None:
        raise ApiError(404, f"{entity[:-1].capitalize()} not found")
    return one(v2(t.name, t.get(i), store.cf, **(render_opts(q) or {})))


def v2_all(entity: str, store: Store) -> Listing:
    """An unpaginated v2 list (GET /api/v2/boards): every live record by id, in one response [SPEC-v2]."""
    t = store.table(entity)
    with store.lock:
        rows = [i for _, i in t.index(LIVE, "id")]
    cf, gen = store.cf, store.gen

    def render(rec: Record) -> bytes:
        return v2_bytes(entity, rec, cf, gen)
    return Listing([cached(t, i, "v2", render) for i in rows])


def phases(store: Store, q: Query) -> Listing:
    """GET /api/v2/phases?board_id= (required): one board's phases, in one response [SPEC-v2]."""
    board = q_int(q, "board_id")
    out = []
    for r in store.settings["phases"]:
        if r["board_id"] == board:
            out.append(dumps({**r, "add_time": iso(r["add_time"]), "update_time": iso(r["update_time"])}))
    return Listing(out)
