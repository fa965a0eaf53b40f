"""API v1 endpoints still in the current spec: leads, notes, files, users, recents, settings and *Fields [SPEC-v1]."""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from itertools import groupby

from . import company as co
from . import extras, render
from .clock import DAY, parse_v1_dt, v1_dt
from .extras import TOKEN_USER
from .fieldmeta import note_items, v1_items
from .generate import ARCHIVED, LIVE
from .paging import (
    ApiError,
    Listing,
    offset_params,
    offset_slice,
    q_date,
    q_int,
    q_time,
)
from .respond import cached, dumps, one
from .store import Store, Table


def _parse_sort(q: dict[str, str], allowed: tuple[str, ...], default: str,
                default_desc: bool = False) -> tuple[str, bool]:
    """v1 `sort=field ASC, other DESC` (a bare field sorts ascending); the first key decides, id breaks ties.

    Where the spec gives `sort` an enum (leads: bare field names), the gate has already refused the rest."""
    raw = (q.get("sort") or "").strip()
    if not raw:
        return default, default_desc
    first = raw.split(",")[0].split()
    key = first[0] if first else ""
    if key not in allowed or len(first) > 2 or (len(first) == 2 and first[1].upper() not in ("ASC", "DESC")):
        raise ApiError(400, f"Invalid sort field or direction: {raw}")
    return key, len(first) == 2 and first[1].upper() == "DESC"


def _window(seq: Iterable[tuple], start: int, n: int) -> tuple[list[int], bool]:
    """Rows start..start+n of an ordered (value, row) sequence, and whether more follow."""
    rows: list[int] = []
    for k, (_, i) in enumerate(seq):
        if k >= start:
            if len(rows) == n:
                return rows, True
            rows.append(i)
    return rows, False


def _shuffled(store: Store, seq: Iterable[tuple]) -> list[tuple]:
    """Option tie_order=shuffled: records with an equal sort value in an order that changes per request
    (deterministic from the seed and a request counter); the order of distinct values stays."""
    rnd = random.Random(co.mix(store.gen.seed, 0x71E, next(store.list_requests)))
    out: list[tuple] = []
    for _, group in groupby(seq, key=lambda e: e[0]):
        tie = list(group)
        rnd.shuffle(tie)
        out.extend(tie)
    return out


def table_list(store: Store, name: str, q: dict[str, str], *, coll: int = LIVE, sorts: tuple[str, ...] = ("id",),
               default_sort: str = "id", default_desc: bool = False,
               preds: list[Callable[[int], bool]] | None = None, shape: str = "v1") -> Listing:
    """A v1 start/limit list over a table's rows; the envelope comes from the operation's facts [RD-PAG]."""
    t = store.table(name)
    start, limit, n = offset_params(q, store.options.limit_cap)
    key, desc = _parse_sort(q, sorts, default_sort, default_desc)
    with store.lock:
        idx = t.index(coll, key)
    seq: Iterable[tuple] = reversed(idx) if desc else idx
    if preds:
        seq = (e for e in seq if all(p(e[1]) for p in preds))
    if key != "id" and store.options.tie_order == "shuffled":
        seq = _shuffled(store, seq)
    rows, more = _window(seq, start, n)
    rnd = (lambda rec: v1_record(store, name, rec))
    if name == "notes":     # nested deal/person/org names change with those records: never cached
        data = [dumps(rnd(t.get(i))) for i in rows]
    else:
        data = [cached(t, i, shape, rnd) for i in rows]
    return Listing(data, start, limit, more)


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


_LEAD_SORTS = ("id", "title", "owner_id", "creator_id", "was_seen", "expected_close_date", "next_activity_id",
               "add_time", "update_time")


def leads(store: Store, q: dict[str, str], archived: bool = False) -> Listing:
    """GET /v1/leads and /v1/leads/archived: oldest first by creation time; archived ones only on /archived
    [CL-ARCH]. updated_since exists only on /v1/leads [SPEC-v1]: the gate never passes it for /archived."""
    t = store.table("leads")
    preds = [p for p in (_eq(t, q, "owner_id"), _eq(t, q, "person_id"), _eq(t, q, "organization_id")) if p]
    since = q_time(q, "updated_since")
    if since is not None:
        since_ms = since * 1000
        preds.append(lambda i: t.get(i)["update_time"] * 1000 + t.get(i)["_upd_ms"] >= since_ms)
    return table_list(store, "leads", q, coll=ARCHIVED if archived else LIVE, sorts=_LEAD_SORTS,
                      default_sort="add_time", preds=preds, shape="v1lead")


_PINS = ("pinned_to_lead_flag", "pinned_to_deal_flag", "pinned_to_organization_flag", "pinned_to_person_flag",
         "pinned_to_project_flag", "pinned_to_task_flag")


def notes(store: Store, q: dict[str, str]) -> Listing:
    t = store.table("notes")
    preds = [p for p in (_eq(t, q, "user_id"), _eq(t, q, "deal_id"), _eq(t, q, "person_id"), _eq(t, q, "org_id"),
                         _eq(t, q, "project_id"), _eq(t, q, "task_id"), _eq(t, q, "lead_id", as_str=True)) if p]
    for flag in _PINS:
        if flag in q:
            preds.append(lambda i, f=flag, want=q[flag] == "1": bool(t.get(i)[f]) == want)
    since = q_time(q, "updated_since")
    if since is not None:
        preds.append(lambda i: t.upd[i] >= since)
    first, last = q_date(q, "start_date"), q_date(q, "end_date")
    if first is not None:
        preds.append(lambda i: t.add[i] >= first)
    if last is not None:
        preds.append(lambda i: t.add[i] < last + DAY)
    sorts = ("id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time")
    return table_list(store, "notes", q, sorts=sorts, preds=preds)


def files(store: Store, q: dict[str, str]) -> Listing:
    return table_list(store, "files", q, sorts=("id", "update_time"))    # sort: id, update_time [SPEC-v1]


def _mine(t: Table) -> Callable[[int], bool]:
    return lambda i: t.get(i)["user_id"] == TOKEN_USER


def call_logs(store: Store, q: dict[str, str]) -> Listing:
    """"Returns all call logs assigned to a particular user" [SPEC-v1]: the token user's."""
    return table_list(store, "call_logs", q, preds=[_mine(store.table("call_logs"))])


def mail_threads(store: Store, q: dict[str, str]) -> Listing:
    """The token user's threads in one folder, "ordered by the most recent message within" [SPEC-v1]
    (option mail_thread_order=id: by id)."""
    folder = q["folder"]                 # required, enum-checked by the gate
    t = store.table("mail_threads")
    newest = store.options.mail_thread_order == "newest"
    return table_list(store, "mail_threads", q, default_sort="update_time" if newest else "id",
                      default_desc=newest, preds=[_mine(t), lambda i: folder in t.get(i)["folders"]])


def mail_messages(store: Store, q: dict[str, str], thread_id: str) -> Listing:
    t = store.table("mail_threads")
    i = t.row_of(thread_id)
    if i is None or t.visible(i, store.clock.now()) is None or t.get(i)["user_id"] != TOKEN_USER:
        raise ApiError(404, "Mail thread not found")     # another user's mailbox is not yours to read
    return Listing([dumps(m) for m in extras.mail_messages(store.gen, t.get(i))])


def users(store: Store, q: dict[str, str]) -> Listing:
    """GET /v1/users is not paginated: the whole list, no additional_data [SPEC-v1]."""
    t = store.table("users")
    cf = store.cf
    return Listing([cached(t, i, "v1", lambda rec: render.v1("users", rec, cf)) for i in range(1, t.n + 1)])


def users_me(store: Store, q: dict[str, str]) -> bytes:
    me = dict(render.v1("users", store.table("users").get(TOKEN_USER), store.cf))
    me.update(company_id=1000 + store.gen.seed, company_name="Sandbox Company", company_domain="sandbox",
              company_country="EE", company_industry="IT Services",
              language={"language_code": "en", "country_code": "US"})
    return one(me)


def settings(store: Store, name: str, q: dict[str, str], paginate: bool = False) -> Listing:
    rows = store.settings[name]
    if name == "filters" and q.get("type"):
        rows = [r for r in rows if r["type"] == q["type"]]
    if name == "currencies" and q.get("term"):
        term = q["term"].lower()
        rows = [r for r in rows if term in r["code"].lower() or term in r["name"].lower()]
    if name == "permission_sets" and q.get("app"):
        rows = [r for r in rows if r["app"] == q["app"]]
    data = [dumps(_v1_setting(r)) for r in rows]
    return offset_slice(data, q, store.options.limit_cap) if paginate else Listing(data)


def _v1_setting(r: dict) -> dict:
    out = dict(r)
    for k in ("add_time", "update_time"):
        if isinstance(out.get(k), int):
            out[k] = v1_dt(out[k])
    return out


# The parameters documented with "If provided, everyone's goals will be returned" [SPEC-v1], and where a
# goal holds the value each one filters on.
_EVERYONE: dict[str, Callable[[dict], object]] = {
    "type.name": lambda g: g["type"]["name"],
    "assignee.type": lambda g: g["assignee"]["type"],
    "expected_outcome.target": lambda g: g["expected_outcome"]["target"],
    "expected_outcome.tracking_metric": lambda g: g["expected_outcome"]["tracking_metric"],
    "expected_outcome.currency_id": lambda g: g["expected_outcome"].get("currency_id"),
    "type.params.pipeline_id": lambda g: g["type"]["params"].get("pipeline_id"),
    "type.params.stage_id": lambda g: g["type"]["params"].get("stage_id"),
    "type.params.activity_type_id": lambda g: g["type"]["params"].get("activity_type_id"),
}


def _goal_has(g: dict, name: str, raw: str) -> bool:
    have = _EVERYONE[name](g)
    if isinstance(have, list):           # array parameters: the goal names any of the given ids
        return bool({int(x) for x in raw.split(",")} & set(have))
    if isinstance(have, (int, float)) and not isinstance(have, bool):
        return float(raw) == have
    return have == raw


def goals(store: Store, q: dict[str, str]) -> Listing:
    """GET /v1/goals/find [SPEC-v1]: only your goals ("When omitted, only your goals will be returned"),
    or assignee.id's; any "everyone's goals" parameter widens to everyone's, filtered by it. is_active
    defaults to true. Period: goals whose duration overlaps [period.start, period.end]."""
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


V1_FIELD_KINDS = {"dealFields": "deal", "personFields": "person", "organizationFields": "organization",
                  "productFields": "product", "leadFields": "lead", "activityFields": "activity"}


def v1_fields(store: Store, kind: str, q: dict[str, str]) -> Listing:
    t0 = store.gen.now0 - 4 * 365 * DAY
    items = [dumps(x) for x in v1_items(kind, store.cf.get(kind, ()), t0, t0 + 30 * DAY)]
    if kind == "activity":              # /v1/activityFields takes no start/limit [SPEC-v1]: all in one page
        return Listing(items, 0, len(items))
    return offset_slice(items, q, store.options.limit_cap)


def note_fields(store: Store, q: dict[str, str]) -> Listing:
    items = [dumps(x) for x in note_items(store.gen.now0)]
    return Listing(items, 0, len(items))  # no start/limit in the spec: all in one page


# /v1/recents item names -> store entity [SPEC-v1]
RECENT_ITEMS = {"activity": "activities", "activityType": "activity_types", "deal": "deals", "file": "files",
                "filter": "filters", "note": "notes", "person": "persons", "organization": "organizations",
                "pipeline": "pipelines", "product": "products", "stage": "stages", "user": "users"}


def _recent_entries(store: Store, wanted: list[str], cutoff: int) -> list[tuple]:
    """(update_time, item order, id, item, entity or None, settings row) oldest first; cached per version."""
    with store.lock:
        ckey = (tuple(wanted), cutoff, store.version)
        entries = store.recents_cache.get(ckey)
        if entries is not None:
            return entries
        entries = []
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
    return entries


def recents(store: Store, q: dict[str, str]) -> Listing:
    """Changes since since_timestamp (required, YYYY-MM-DD HH:MM:SS: the gate checked both), never older
    than 30 days before now (sandbox model of the feed's cap); additional_data reports the clamped value."""
    since = parse_v1_dt(q["since_timestamp"])
    wanted = list(dict.fromkeys(x.strip() for x in q["items"].split(",") if x.strip())) if "items" in q \
        else list(RECENT_ITEMS)
    start, limit, n = offset_params(q, store.options.limit_cap)
    cutoff = max(since, store.clock.now() - 30 * DAY)
    entries = _recent_entries(store, wanted, cutoff)
    chunk = entries[start:start + n]
    as_list = store.options.recents_user_data == "list"
    data = []
    for upd, _, i, item, name, raw_rec in chunk:
        # not cached: v1 records embed names of related records (org_name, owner_name, ...)
        body = dumps(_v1_setting(raw_rec)) if name is None else dumps(v1_record(store, name, store.table(name).get(i)))
        if item == "user" and as_list:
            body = b"[" + body + b"]"   # option recents_user_data=list: as peers observe (data[0])
        data.append(b'{"item":"' + item.encode() + b'","id":' + str(i).encode() + b',"data":' + body + b"}")
    extra = {"since_timestamp": v1_dt(cutoff), "last_timestamp_on_page": v1_dt(chunk[-1][0]) if chunk else None}
    return Listing(data, start, limit, start + len(chunk) < len(entries), extra=extra)


__all__ = [
    "RECENT_ITEMS",
    "V1_FIELD_KINDS",
    "call_logs",
    "files",
    "goals",
    "leads",
    "mail_messages",
    "mail_threads",
    "note_fields",
    "notes",
    "recents",
    "settings",
    "table_list",
    "users",
    "users_me",
    "v1_fields",
]
