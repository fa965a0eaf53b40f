"""API v2 list endpoints: cursor pagination, filters, sort_by / sort_direction, custom field options [SPEC-v2]."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import render
from .fieldmeta import v2_items
from .generate import ARCHIVED, DELETED, LIVE, RECENT
from .paging import (ApiError, decode_cursor, encode_cursor, q_bool, q_ids, q_int, q_limit, q_time, scan, take)
from .respond import cached, dumps, page
from .store import Store


@dataclass(frozen=True)
class V2List:
    entity: str
    sorts: tuple[str, ...] = ("id", "update_time", "add_time")
    filters: tuple[str, ...] = ()          # equality filters on record keys (query name == record key)
    coll: int = LIVE
    until: bool = True                     # products have updated_since but no updated_until [SPEC-v2]
    statuses: bool = False                 # deals: status=open,won,lost,deleted


V2_LISTS: dict[str, V2List] = {
    "/api/v2/deals": V2List("deals", filters=("owner_id", "person_id", "org_id", "pipeline_id", "stage_id"),
                            statuses=True),
    "/api/v2/deals/archived": V2List("deals", filters=("owner_id", "person_id", "org_id", "pipeline_id", "stage_id"),
                                     coll=ARCHIVED, statuses=True),
    "/api/v2/persons": V2List("persons", filters=("owner_id", "org_id")),
    "/api/v2/organizations": V2List("organizations", filters=("owner_id",)),
    "/api/v2/activities": V2List("activities", sorts=("id", "update_time", "add_time", "due_date"),
                                 filters=("owner_id", "deal_id", "lead_id", "person_id", "org_id")),
    "/api/v2/products": V2List("products", sorts=("id", "name", "add_time", "update_time"), filters=("owner_id",),
                               until=False),
    "/api/v2/pipelines": V2List("pipelines"),
    "/api/v2/stages": V2List("stages", sorts=("id", "update_time", "add_time", "order_nr"), filters=("pipeline_id",)),
}
_STATUSES = ("open", "won", "lost", "deleted")


def _sort_params(q: dict[str, str], sorts: tuple[str, ...]) -> tuple[str, str]:
    sort_by = q.get("sort_by") or "id"
    if sort_by not in sorts:
        raise ApiError(400, f"Invalid value for parameter 'sort_by'. Supported values: {', '.join(sorts)}.")
    direction = q.get("sort_direction") or "asc"
    if direction not in ("asc", "desc"):
        raise ApiError(400, "Invalid value for parameter 'sort_direction'. Supported values: asc, desc.")
    return sort_by, direction


def v2_list(spec: V2List, store: Store, q: dict[str, str]) -> bytes:
    t = store.table(spec.entity)
    now = store.clock.now()
    sort_by, direction = _sort_params(q, spec.sorts)
    limit = q_limit(q, strict=True)
    since = q_time(q, "updated_since")
    until = q_time(q, "updated_until") if spec.until else None
    preds: list[Callable[[int], bool]] = []

    colls = [spec.coll]
    if spec.statuses and q.get("status"):
        wanted = {s.strip() for s in q["status"].split(",") if s.strip()}
        if not wanted or wanted - set(_STATUSES):
            raise ApiError(400, "Invalid value for parameter 'status'. Supported values: open, won, lost, deleted.")
        live = wanted - {"deleted"}
        colls = ([spec.coll] if live else []) + ([DELETED] if "deleted" in wanted and spec.coll == LIVE else [])
        if live and live != {"open", "won", "lost"}:
            preds.append(lambda i: t.state[i] == DELETED or t.get(i)["status"] in live)
    if DELETED in colls:
        # status=deleted lists deals deleted within the last 30 days only [SPEC-v1-JAN26], [CL-PERMDEL]
        cutoff = now - RECENT
        preds.append(lambda i: t.state[i] != DELETED or t.stime[i] >= cutoff)

    ids = q_ids(q)
    if ids is not None:
        preds.append(lambda i: i in ids)
    for name in spec.filters:
        if name == "lead_id":
            v = q.get(name) or None
        else:
            v = q_int(q, name)
        if v is not None:
            preds.append(lambda i, k=name, v=v: t.get(i).get(k) == v)
    done = q_bool(q, "done") if spec.entity == "activities" else None
    if done is not None:
        preds.append(lambda i: t.get(i)["done"] == done)
    if spec.entity == "persons":
        deal_id = q_int(q, "deal_id")
        if deal_id is not None:
            deal = store.table("deals").get(deal_id)
            pid = deal["person_id"] if deal else None
            preds.append(lambda i: i == pid)

    lo = hi = None
    if sort_by == "update_time":
        lo, hi = since, until     # bisect on the update_time index: since inclusive, until exclusive
    else:
        if since is not None:
            preds.append(lambda i: t.upd[i] >= since)
        if until is not None:
            preds.append(lambda i: t.upd[i] < until)

    start = None
    if q.get("cursor"):
        value, rid = decode_cursor(q["cursor"], sort_by, direction)
        start = (value, rid)
    with store.lock:
        indexes = [t.index(c, sort_by) for c in colls]
    pred = None
    if len(preds) == 1:
        pred = preds[0]
    elif preds:
        pred = lambda i: all(p(i) for p in preds)  # noqa: E731
    try:
        items, nxt = take(scan(indexes, direction, start, lo, hi), pred, limit)
    except TypeError:
        raise ApiError(400, "Invalid cursor. The cursor is malformed or does not match the sort parameters.") from None

    labels = q_bool(q, "include_option_labels") or False
    only = frozenset(x.strip() for x in q["custom_fields"].split(",") if x.strip()) if q.get("custom_fields") else None
    if only is not None and len(only) > 15:     # "at most 15 keys" [SPEC-v2]
        raise ApiError(400, "Parameter 'custom_fields' accepts at most 15 field keys.")
    include = tuple(x.strip() for x in q.get("include_fields", "").split(",") if x.strip())
    bad = [x for x in include if x not in render.INCLUDE_FIELDS.get(spec.entity, ())]
    if bad:
        raise ApiError(400, f"Invalid value for parameter 'include_fields': {', '.join(bad)}")
    labels_on = bool(q_bool(q, "include_labels")) and spec.entity in ("deals", "persons", "organizations")
    if labels or only is not None or include or labels_on:
        cf = store.cf
        data = [dumps(render.v2(spec.entity, t.get(i), cf, labels=labels, only=only, include=include,
                                labels_on=labels_on)) for _, i in items]
    else:
        cf = store.cf
        gen = store.gen
        rnd = lambda rec: render.v2_bytes(spec.entity, rec, cf, gen)  # noqa: E731
        data = [cached(t, i, "v2", rnd) for _, i in items]
    cursor = encode_cursor(sort_by, nxt[0], direction, nxt[1]) if nxt else None
    return page(data, {"next_cursor": cursor})


FIELD_KINDS = {"/api/v2/dealFields": "deal", "/api/v2/personFields": "person",
               "/api/v2/organizationFields": "organization", "/api/v2/productFields": "product",
               "/api/v2/activityFields": "activity"}


def v2_fields(kind: str, store: Store, q: dict[str, str]) -> bytes:
    """v2 *Fields are cursor-paginated too [SPEC-v2]; the cursor holds the position."""
    include = frozenset(x.strip() for x in q.get("include_fields", "").split(",") if x.strip())
    limit = q_limit(q, strict=True)
    items = v2_items(kind, store.cf.get(kind, ()), store.gen.now0 - 4 * 365 * 86400, include)
    pos = 0
    if q.get("cursor"):
        value, rid = decode_cursor(q["cursor"], "position", "asc")
        pos = rid
    chunk = items[pos:pos + limit]
    nxt = encode_cursor("position", pos + limit, "asc", pos + limit) if pos + limit < len(items) else None
    return page([dumps(x) for x in chunk], {"next_cursor": nxt})
