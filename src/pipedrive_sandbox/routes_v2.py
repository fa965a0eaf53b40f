"""API v2 list endpoints: cursor pagination, filters, sort_by / sort_direction, custom field options [SPEC-v2].

The gate (spec.Operation.admit) hands these handlers only the parameters the operation defines, with values
already checked against the spec (enums, maxima, RFC 3339 times, list sizes): a parameter read here but
absent from an operation's facts simply never arrives (pipelines get no updated_since, products no
updated_until, deals/archived no include_option_labels).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import render
from .fieldmeta import v2_items
from .generate import ARCHIVED, DELETED, LIVE, RECENT
from .paging import (
    ApiError,
    Listing,
    decode_cursor,
    encode_cursor,
    q_bool,
    q_ids,
    q_int,
    q_limit,
    q_time,
    scan,
    take,
    taken,
)
from .respond import cached, dumps, one
from .store import Store


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
}


def _collections(spec: V2List, q: dict[str, str], t, now: int, preds: list) -> list[int]:
    """Which collections to scan for `status` (deals: open,won,lost,deleted; default all but deleted)."""
    if not q.get("status"):
        return [spec.coll]
    wanted = {s.strip() for s in q["status"].split(",") if s.strip()}
    live = wanted - {"deleted"}
    colls = ([spec.coll] if live else []) + ([DELETED] if "deleted" in wanted and spec.coll == LIVE else [])
    if live and live != {"open", "won", "lost"}:
        preds.append(lambda i: t.state[i] == DELETED or t.get(i)["status"] in live)
    if DELETED in colls:
        # status=deleted lists deals deleted within the last 30 days only [SPEC-v1-JAN26], [CL-PERMDEL]
        cutoff = now - RECENT
        preds.append(lambda i: t.state[i] != DELETED or t.stime[i] >= cutoff)
    return colls


def _filters(spec: V2List, store: Store, q: dict[str, str], t, preds: list) -> None:
    ids = q_ids(q)
    if ids is not None:
        preds.append(lambda i: i in ids)
    for name in spec.filters:
        v = (q.get(name) or None) if name == "lead_id" else q_int(q, name)
        if v is not None:
            preds.append(lambda i, k=name, v=v: t.get(i).get(k) == v)
    done = q_bool(q, "done")
    if done is not None:
        preds.append(lambda i: t.get(i)["done"] == done)
    if spec.entity == "persons" and q.get("deal_id"):
        deal = store.table("deals").get(int(q["deal_id"]))
        pid = deal["person_id"] if deal else None
        preds.append(lambda i: i == pid)


def render_opts(q: dict[str, str]) -> dict | None:
    """The record-shaping parameters (include_option_labels, custom_fields, include_fields, include_labels);
    None when there are none, so the cached bytes serve the request."""
    labels = bool(q_bool(q, "include_option_labels"))
    only = frozenset(x.strip() for x in q["custom_fields"].split(",") if x.strip()) if q.get("custom_fields") else None
    include = tuple(x.strip() for x in q.get("include_fields", "").split(",") if x.strip())
    labels_on = bool(q_bool(q, "include_labels"))
    if not (labels or only is not None or include or labels_on):
        return None
    return {"labels": labels, "only": only, "include": include, "labels_on": labels_on}


def v2_list(spec: V2List, store: Store, q: dict[str, str]) -> Listing:
    t = store.table(spec.entity)
    sort_by, direction = q.get("sort_by") or "id", q.get("sort_direction") or "asc"
    limit = taken(q_limit(q), store.options.limit_cap)
    since, until = q_time(q, "updated_since"), q_time(q, "updated_until")
    preds: list[Callable[[int], bool]] = []
    colls = _collections(spec, q, t, store.clock.now(), preds)
    _filters(spec, store, q, t, preds)
    lo = hi = None
    if sort_by == "update_time":
        lo, hi = since, until     # bisect on the update_time index: since inclusive, until exclusive
    else:
        if since is not None:
            preds.append(lambda i: t.upd[i] >= since)
        if until is not None:
            preds.append(lambda i: t.upd[i] < until)
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
        data = [dumps(render.v2(spec.entity, t.get(i), cf, **opts)) for _, i in items]
    else:
        gen = store.gen
        rnd = lambda rec: render.v2_bytes(spec.entity, rec, cf, gen)
        data = [cached(t, i, "v2", rnd) for _, i in items]
    return Listing(data, next_cursor=encode_cursor(sort_by, nxt[0], direction, nxt[1]) if nxt else None)


def v2_one(entity: str, store: Store, q: dict[str, str], rid: str) -> bytes:
    """GET /api/v2/{entity}/{id}: one record, shaped by the same parameters as the list where defined."""
    t = store.table(entity)
    i = t.row_of(rid)
    if i is None or t.visible(i, store.clock.now()) is None:
        raise ApiError(404, f"{entity[:-1].capitalize()} not found")
    return one(render.v2(entity, t.get(i), store.cf, **(render_opts(q) or {})))


FIELD_KINDS = {"/api/v2/dealFields": "deal", "/api/v2/personFields": "person",
               "/api/v2/organizationFields": "organization", "/api/v2/productFields": "product",
               "/api/v2/activityFields": "activity"}


def v2_fields(kind: str, store: Store, q: dict[str, str]) -> Listing:
    """v2 *Fields are cursor-paginated too [SPEC-v2]; the cursor holds the position."""
    include = frozenset(x.strip() for x in q.get("include_fields", "").split(",") if x.strip())
    limit = taken(q_limit(q), store.options.limit_cap)
    items = v2_items(kind, store.cf.get(kind, ()), store.gen.now0 - 4 * 365 * 86400, include)
    pos = decode_cursor(q["cursor"], "position", "asc")[1] if q.get("cursor") else 0
    chunk = items[pos:pos + limit]
    nxt = encode_cursor("position", pos + limit, "asc", pos + limit) if pos + limit < len(items) else None
    return Listing([dumps(x) for x in chunk], next_cursor=nxt)
