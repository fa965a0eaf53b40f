"""GET /v1/recents [SPEC-v1]: every change since since_timestamp, oldest first, across the item types."""
from __future__ import annotations

from typing import Any

from ..data.clock import DAY, parse_v1_dt, v1_dt
from ..data.store import Store
from .paging import Listing, offset_params
from .query import Query, q_list
from .respond import dumps
from .v1_listing import v1_record
from .v1_lists import v1_setting

# /v1/recents item names -> store entity [SPEC-v1]
RECENT_ITEMS = {"activity": "activities", "activityType": "activity_types", "deal": "deals", "file": "files",
                "filter": "filters", "note": "notes", "person": "persons", "organization": "organizations",
                "pipeline": "pipelines", "product": "products", "stage": "stages", "user": "users"}
_FROM_SETTINGS = ("activity_types", "filters")
# (update_time, item order, id, item, source): the source is the entity of a table row, or the settings row
Change = tuple[int, int, Any, str, str | dict[str, Any]]


def _changes(store: Store, wanted: tuple[str, ...], cutoff: int) -> list[Change]:
    """The changes of the wanted item types at or after `cutoff`, oldest first; cached per store version."""
    with store.lock:
        ckey = (wanted, cutoff, store.version)
        entries: list[Change] | None = store.recents_cache.get(ckey)
        if entries is not None:
            return entries
        entries = []
        for order, item in enumerate(wanted):
            name = RECENT_ITEMS[item]
            if name in _FROM_SETTINGS:
                for r in store.settings[name]:
                    if r.get("update_time") and r["update_time"] >= cutoff:
                        entries.append((r["update_time"], order, r["id"], item, r))
            else:
                for upd, i in store.recent_rows(name, cutoff):
                    entries.append((upd, order, i, item, name))
        entries.sort(key=lambda e: e[:3])
        if len(store.recents_cache) > 64:
            store.recents_cache.clear()
        store.recents_cache[ckey] = entries
    return entries


def recents(store: Store, q: Query) -> Listing:
    """Changes since since_timestamp (required, YYYY-MM-DD HH:MM:SS: the gate checked both), never older
    than 30 days before now (the feed's cap [PEER-RECENTS]); additional_data reports the clamped value."""
    since = parse_v1_dt(q["since_timestamp"])
    wanted = tuple(dict.fromkeys(q_list(q, "items"))) if "items" in q else tuple(RECENT_ITEMS)
    start, limit, n = offset_params(q, store.options.limit_cap)
    cutoff = max(since, store.clock.now() - 30 * DAY)
    entries = _changes(store, wanted, cutoff)
    chunk = entries[start:start + n]
    as_list = store.options.recents_user_data == "list"
    data = []
    for _, _, i, item, source in chunk:
        # not cached: v1 records embed names of related records (org_name, owner_name, ...)
        if isinstance(source, str):
            body = dumps(v1_record(store, source, store.table(source).get(i)))
        else:
            body = dumps(v1_setting(source))
        if item == "user" and as_list:
            body = b"[" + body + b"]"   # option recents_user_data=list: as peers read it [PEER-RECENTS-LIST]
        data.append(b'{"item":"' + item.encode() + b'","id":' + str(i).encode() + b',"data":' + body + b"}")
    extra = {"since_timestamp": v1_dt(cutoff), "last_timestamp_on_page": v1_dt(chunk[-1][0]) if chunk else None}
    return Listing(data, start, limit, start + len(chunk) < len(entries), extra=extra)
