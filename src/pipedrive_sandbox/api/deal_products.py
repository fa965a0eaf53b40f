"""GET /api/v2/deals/products?deal_ids=... and /api/v2/deals/{id}/products: products attached to deals
[SPEC-v2], derived from the deals (data.derived)."""
from __future__ import annotations

from ..data.clock import v2_dt
from ..data.derived import attached_products
from ..data.record import Record
from ..data.store import Store
from .paging import Listing, decode_cursor, encode_cursor, page_size, scan, take
from .query import ApiError, Query
from .respond import dumps


def deal_products(store: Store, q: Query, one_deal: int | None) -> Listing:
    """deal_ids is required, integers, at most 100 and sort_by is an enum: the gate checked all of it."""
    ids = [int(x) for x in q["deal_ids"].split(",") if x.strip()] if one_deal is None else [one_deal]
    sort_by = q.get("sort_by") or "id"
    direction = q.get("sort_direction") or "asc"
    limit = page_size(q, store.options.limit_cap)
    rows: dict[int, Record] = {}
    for d in dict.fromkeys(ids):
        for item in attached_products(store, d):
            rows[item["id"]] = item
    idx = sorted((item[sort_by], rid) for rid, item in rows.items())
    start = decode_cursor(q["cursor"], sort_by, direction) if q.get("cursor") else None
    try:
        items, nxt = take(scan([idx], direction, start), None, limit)
    except TypeError:
        raise ApiError(400, "Invalid cursor.") from None
    data = []
    for _, rid in items:
        rec = dict(rows[rid])
        rec["add_time"], rec["update_time"] = v2_dt(rec["add_time"]), v2_dt(rec["update_time"])
        data.append(dumps(rec))
    return Listing(data, next_cursor=encode_cursor(sort_by, nxt[0], direction, nxt[1]) if nxt else None)
