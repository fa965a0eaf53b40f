"""API v1 endpoints still in the current spec: leads, notes, files, users, recents, settings and *Fields [SPEC-v1]."""
from __future__ import annotations

from typing import Callable

from . import extras, render
from .clock import DAY, parse_v1_dt, v1_dt
from .fieldmeta import note_items, v1_items
from .generate import ARCHIVED, LIVE
from .paging import ApiError, q_int, q_limit, q_time, v1_pagination
from .respond import cached, dumps, one, page
from .store import Store, Table

_SORTABLE_BY_INDEX = ("id", "update_time", "add_time")


def _parse_sort(q: dict[str, str], allowed: tuple[str, ...], default: str) -> tuple[str, bool]:
    """v1 `sort=field ASC, other DESC`; the first key decides, id breaks ties [SPEC-v1]."""
    raw = (q.get("sort") or "").strip()
    if not raw:
        return default, False
    first = raw.split(",")[0].split()
    key = first[0]
    desc = len(first) > 1 and first[1].upper() == "DESC"
    if key not in allowed or (len(first) > 1 and first[1].upper() not in ("ASC", "DESC")):
        raise ApiError(400, f"Invalid sort field or direction: {raw}")
    return key, desc


def table_list(store: Store, name: str, q: dict[str, str], *, coll: int = LIVE, sorts: tuple[str, ...] = ("id",),
               default_sort: str = "id", maximum: int = 500, preds: list[Callable[[int], bool]] | None = None,
               shape: str = "v1") -> bytes:
    """Offset-paginated v1 list over a table's rows (start/limit, max 500 or smaller) [RD-PAG]."""
    t = store.table(name)
    start = q_int(q, "start", 0) or 0
    if start < 0:
        raise ApiError(400, "Invalid value for parameter 'start'.")
    limit = q_limit(q, 100, maximum)
    key, desc = _parse_sort(q, sorts, default_sort)
    with store.lock:
        idx = t.index(coll, key)
    seq = reversed(idx) if desc else idx
    preds = preds or []
    matched = 0
    rows: list[int] = []
    more = False
    for _, i in seq:
        if preds and not all(p(i) for p in preds):
            continue
        if matched >= start:
            if len(rows) == limit:
                more = True
                break
            rows.append(i)
        matched += 1
    rnd = (lambda rec: v1_record(store, name, rec))
    if name == "notes":     # nested deal/person/org names change with those records: never cached
        data = [dumps(rnd(t.get(i))) for i in rows]
    else:
        data = [cached(t, i, shape, rnd) for i in rows]
    p = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        p["next_start"] = start + limit
    return page(data, {"pagination": p})


# v1 records carry denormalized names (org_name, owner_name, ...) [SPEC-v1]: key -> (table, id key, field)
_NAMED = {
    "deals": {"person_name": ("persons", "person_id", "name"), "org_name": ("organizations", "org_id", "name"),
              "owner_name": ("users", "owner_id", "name"), "stage_order_nr": ("stages", "stage_id", "order_nr")},
    "persons": {"org_name": ("organizations", "org_id", "name"), "owner_name": ("users", "owner_id", "name"),
                "company_id": ("users", "owner_id", "id")},
    "organizations": {"owner_name": ("users", "owner_id", "name"), "company_id": ("users", "owner_id", "id")},
    "activities": {"org_name": ("organizations", "org_id", "name"), "person_name": ("persons", "person_id", "name"),
                   "deal_title": ("deals", "deal_id", "title"), "owner_name": ("users", "owner_id", "name"),
                   "company_id": ("users", "owner_id", "id")},
}


def v1_record(store: Store, name: str, rec: dict) -> dict:
    """render.v1 plus the nested objects a v1 note carries (deal {title}, person {name}, ...) [SPEC-v1]."""
    out = render.v1(name, rec, store.cf)
    if name in _NAMED:
        for key, (table, ref, field) in _NAMED[name].items():
            rid = rec.get(ref)
            t = store.table(table)
            i = t.row_of(rid) if rid is not None else None
            row = t.get(i) if i is not None else None
            out[key] = row[field] if row else None
        if "company_id" in _NAMED[name]:
            out["company_id"] = 1000 + store.gen.seed
    if name == "notes":
        def named(table: str, rid: object, key: str) -> dict | None:
            if rid is None:
                return None
            t = store.table(table)
            i = t.row_of(rid)
            row = t.get(i) if i is not None else None
            return {key: row[key]} if row else None
        out["deal"] = named("deals", rec["deal_id"], "title")
        out["organization"] = named("organizations", rec["org_id"], "name")
        out["person"] = named("persons", rec["person_id"], "name")
        out["project"] = None
        out["task"] = None
        u = store.table("users").get(rec["user_id"])
        out["user"] = {"email": u["email"], "icon_url": u["icon_url"], "is_you": u["is_you"], "name": u["name"]}
    return out


def _eq(t: Table, q: dict[str, str], qname: str, key: str | None = None, as_str: bool = False):
    v = q.get(qname) if as_str else q_int(q, qname)
    if v in (None, ""):
        return None
    return lambda i, k=key or qname: t.get(i).get(k) == v


def leads(store: Store, q: dict[str, str], archived: bool = False) -> bytes:
    """GET /v1/leads and /v1/leads/archived: oldest first by creation time; archived ones only on /archived [CL-ARCH]."""
    t = store.table("leads")
    preds = [p for p in (_eq(t, q, "owner_id"), _eq(t, q, "person_id"), _eq(t, q, "organization_id")) if p]
    since = q_time(q, "updated_since")
    if since is not None:
        since_ms = since * 1000
        preds.append(lambda i: t.get(i)["update_time"] * 1000 + t.get(i)["_upd_ms"] >= since_ms)
    sorts = ("id", "title", "owner_id", "creator_id", "was_seen", "expected_close_date", "next_activity_id",
             "add_time", "update_time")
    return table_list(store, "leads", q, coll=ARCHIVED if archived else LIVE, sorts=sorts, default_sort="add_time",
                      preds=preds, shape="v1lead")


def notes(store: Store, q: dict[str, str]) -> bytes:
    t = store.table("notes")
    preds = [p for p in (_eq(t, q, "user_id"), _eq(t, q, "deal_id"), _eq(t, q, "person_id"), _eq(t, q, "org_id"),
                         _eq(t, q, "lead_id", as_str=True)) if p]
    since = q_time(q, "updated_since")
    if since is not None:
        preds.append(lambda i: t.upd[i] >= since)
    for qname, cmp in (("start_date", 1), ("end_date", -1)):
        v = q.get(qname)
        if v:
            try:
                bound = int(q_time({"x": v + "T00:00:00Z"}, "x"))
            except ApiError:
                raise ApiError(400, f"Invalid value for parameter '{qname}'. Expected YYYY-MM-DD.") from None
            if cmp == 1:
                preds.append(lambda i, b=bound: t.add[i] >= b)
            else:
                preds.append(lambda i, b=bound + DAY: t.add[i] < b)
    sorts = ("id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time")
    return table_list(store, "notes", q, sorts=sorts, preds=preds)


def files(store: Store, q: dict[str, str]) -> bytes:
    return table_list(store, "files", q, sorts=("id", "update_time"), maximum=100)  # files: limit <= 100 [SPEC-v1]


def call_logs(store: Store, q: dict[str, str]) -> bytes:
    return table_list(store, "call_logs", q, maximum=50)        # callLogs: upper limit 50 [SPEC-v1]


def mail_threads(store: Store, q: dict[str, str]) -> bytes:
    folder = q.get("folder")
    if folder not in ("inbox", "drafts", "sent", "archive"):
        raise ApiError(400, "Parameter 'folder' is required and must be one of inbox, drafts, sent, archive.")
    t = store.table("mail_threads")
    return table_list(store, "mail_threads", q, preds=[lambda i: folder in t.get(i)["folders"]])


def mail_messages(store: Store, q: dict[str, str], thread_id: str) -> bytes:
    t = store.table("mail_threads")
    i = t.row_of(thread_id)
    if i is None:
        raise ApiError(404, "Mail thread not found")
    return page([dumps(m) for m in extras.mail_messages(store.gen, t.get(i))])


def users(store: Store, q: dict[str, str]) -> bytes:
    """GET /v1/users is not paginated: the whole list, no additional_data [SPEC-v1]."""
    t = store.table("users")
    cf = store.cf
    return page([cached(t, i, "v1", lambda rec: render.v1("users", rec, cf)) for i in range(1, t.n + 1)])


def users_me(store: Store, q: dict[str, str]) -> bytes:
    me = dict(render.v1("users", store.table("users").get(1), store.cf))
    me.update(company_id=1000 + store.gen.seed, company_name="Sandbox Company", company_domain="sandbox",
              company_country="EE", company_industry="IT Services",
              language={"language_code": "en", "country_code": "US"})
    return one(me)


def settings(store: Store, name: str, q: dict[str, str], paginate: bool = False) -> bytes:
    rows = store.settings[name]
    if name == "filters" and q.get("type"):
        rows = [r for r in rows if r["type"] == q["type"]]
    if name == "currencies" and q.get("term"):
        term = q["term"].lower()
        rows = [r for r in rows if term in r["code"].lower() or term in r["name"].lower()]
    if name == "permission_sets" and q.get("app"):
        rows = [r for r in rows if r["app"] == q["app"]]
    data = [dumps(_v1_setting(r)) for r in rows]
    if not paginate:
        return page(data)
    start = q_int(q, "start", 0) or 0
    limit = q_limit(q)
    return page(data[start:start + limit], {"pagination": v1_pagination(start, limit, len(data))})


def _v1_setting(r: dict) -> dict:
    out = dict(r)
    for k in ("add_time", "update_time"):
        if isinstance(out.get(k), int):
            out[k] = v1_dt(out[k])
    return out


def goals(store: Store, q: dict[str, str]) -> bytes:
    rows = store.settings["goals"]
    if q.get("is_active") in ("true", "false"):
        rows = [g for g in rows if g["is_active"] == (q["is_active"] == "true")]
    if q.get("type.name"):
        rows = [g for g in rows if g["type"]["name"] == q["type.name"]]
    return dumps({"success": True, "data": {"goals": rows}})


V1_FIELD_KINDS = {"dealFields": "deal", "personFields": "person", "organizationFields": "organization",
                  "productFields": "product", "leadFields": "lead", "activityFields": "activity"}


def v1_fields(store: Store, kind: str, q: dict[str, str]) -> bytes:
    t0 = store.gen.now0 - 4 * 365 * DAY
    items = [dumps(x) for x in v1_items(kind, store.cf.get(kind, ()), t0, t0 + 30 * DAY)]
    if kind == "activity":              # /v1/activityFields takes no pagination params [SPEC-v1]
        return page(items)
    start = q_int(q, "start", 0) or 0
    limit = q_limit(q)
    return page(items[start:start + limit], {"pagination": v1_pagination(start, limit, len(items))})


def note_fields(store: Store, q: dict[str, str]) -> bytes:
    return page([dumps(x) for x in note_items(store.gen.now0)])


# /v1/recents item names -> store entity [SPEC-v1]
RECENT_ITEMS = {"activity": "activities", "activityType": "activity_types", "deal": "deals", "file": "files",
                "filter": "filters", "note": "notes", "person": "persons", "organization": "organizations",
                "pipeline": "pipelines", "product": "products", "stage": "stages", "user": "users"}


def recents(store: Store, q: dict[str, str]) -> bytes:
    """Changes since since_timestamp, but never older than 30 days before now (sandbox model of the feed's cap)."""
    raw = q.get("since_timestamp")
    if not raw:
        raise ApiError(400, "Parameter 'since_timestamp' is required. Format: YYYY-MM-DD HH:MM:SS")
    try:
        since = parse_v1_dt(raw)
    except ValueError:
        raise ApiError(400, "Invalid value for parameter 'since_timestamp'. Format: YYYY-MM-DD HH:MM:SS") from None
    wanted = [x.strip() for x in (q.get("items") or "").split(",") if x.strip()] or list(RECENT_ITEMS)
    bad = [x for x in wanted if x not in RECENT_ITEMS]
    if bad:
        raise ApiError(400, f"Invalid value for parameter 'items': {', '.join(bad)}")
    start = q_int(q, "start", 0) or 0
    limit = q_limit(q)
    cutoff = max(since, store.clock.now() - 30 * DAY)
    with store.lock:
        ckey = (tuple(wanted), cutoff, store.version)
        entries = store.recents_cache.get(ckey)
    if entries is None:
        entries = []
        with store.lock:
            for order, item in enumerate(wanted):
                name = RECENT_ITEMS[item]
                if name in ("activity_types", "filters"):
                    for r in store.settings[name]:
                        if r.get("update_time") and r["update_time"] >= cutoff:
                            entries.append((r["update_time"], order, r["id"], item, None, r))
                else:
                    for upd, i in store.recent_rows(name, cutoff):
                        entries.append((upd, order, i, item, name, None))
        entries.sort(key=lambda e: e[:3])
        if len(store.recents_cache) > 64:
            store.recents_cache.clear()
        store.recents_cache[ckey] = entries
    chunk = entries[start:start + limit]
    data = []
    for upd, _, i, item, name, raw_rec in chunk:
        if name is None:
            body = dumps(_v1_setting(raw_rec))
        else:
            t = store.table(name)
            # not cached: v1 records embed names of related records (org_name, owner_name, ...)
            body = dumps(v1_record(store, name, t.get(i)))
        data.append(b'{"item":"' + item.encode() + b'","id":' + str(i).encode() + b',"data":' + body + b"}")
    more = start + limit < len(entries)
    p = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        p["next_start"] = start + limit
    additional = {"since_timestamp": v1_dt(since), "last_timestamp_on_page": v1_dt(chunk[-1][0]) if chunk else None,
                  "pagination": p}
    return page(data, additional)


__all__ = ["leads", "notes", "files", "call_logs", "mail_threads", "mail_messages", "users", "users_me", "settings",
           "goals", "v1_fields", "note_fields", "recents", "V1_FIELD_KINDS", "RECENT_ITEMS", "table_list"]
