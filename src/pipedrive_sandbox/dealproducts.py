"""GET /api/v2/deals/products?deal_ids=... and /api/v2/deals/{id}/products: products attached to deals [SPEC-v2]."""
from __future__ import annotations

from . import company as co
from .clock import DAY, v2_dt
from .makers import deal_extra
from .paging import (
    ApiError,
    Listing,
    decode_cursor,
    encode_cursor,
    q_limit,
    scan,
    take,
    taken,
)
from .respond import dumps
from .store import Store


def attached(store: Store, deal_id: int) -> list[dict]:
    """A deal's attached products, derived from the deal (products_count items, ids deal_id*10+k)."""
    t = store.table("deals")
    i = t.row_of(deal_id)
    if i is None or t.visible(i, store.clock.now()) is None:
        return []
    deal = t.get(i)
    n_products = store.gen.sizes["products"]
    out = []
    for k in range(deal_extra(deal)["products_count"]):
        r = co.rng(store.gen.seed, 4242, deal_id, k)
        pid = r.randint(1, n_products)
        qty = r.randint(1, 10)
        price = r.choice((9, 49, 99.5, 500))
        added = deal["add_time"] + k * 60
        out.append({"id": deal_id * 10 + k, "sum": qty * price, "tax": 0, "deal_id": deal_id,
                    "name": f"Product {pid}", "product_id": pid, "product_variation_id": None, "order_nr": k + 1,
                    "add_time": added, "update_time": max(added, deal["update_time"] - r.randint(0, 5) * DAY),
                    "comments": None, "currency": deal["currency"], "discount": 0, "discount_type": "percentage",
                    "quantity": qty, "item_price": price, "tax_method": "inclusive", "is_enabled": True,
                    "billing_frequency": "one-time", "billing_frequency_cycles": None, "billing_start_date": None})
    return out


def deal_products(store: Store, q: dict[str, str], one_deal: int | None) -> Listing:
    """deal_ids is required, integers, at most 100 and sort_by is an enum: the gate checked all of it."""
    ids = [int(x) for x in q["deal_ids"].split(",") if x.strip()] if one_deal is None else [one_deal]
    sort_by = q.get("sort_by") or "id"
    direction = q.get("sort_direction") or "asc"
    limit = taken(q_limit(q), store.options.limit_cap)
    rows = {}
    for d in dict.fromkeys(ids):
        for item in attached(store, d):
            rows[item["id"]] = item
    idx = sorted((item[sort_by], rid) for rid, item in rows.items())
    start = decode_cursor(q["cursor"], sort_by, direction) if q.get("cursor") else None
    try:
        items, nxt = take(scan([idx], direction, tuple(start) if start else None), None, limit)
    except TypeError:
        raise ApiError(400, "Invalid cursor.") from None
    data = []
    for _, rid in items:
        rec = dict(rows[rid])
        rec["add_time"], rec["update_time"] = v2_dt(rec["add_time"]), v2_dt(rec["update_time"])
        data.append(dumps(rec))
    return Listing(data, next_cursor=encode_cursor(sort_by, nxt[0], direction, nxt[1]) if nxt else None)
