"""The child endpoints (issue 12): one parent's children, or those of a batch of deals (deal_ids), in the
operation's record shape and paged as its facts say [SPEC-v1], [SPEC-v2]. The records and their truth are
data.children; a parent the API does not show is a 404, a deleted one a 404 or an empty list (option
deleted_parent_children)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data.children import ChildTable, ParentGone
from ..data.clock import lead_dt, v1_dt, v2_dt
from ..data.record import DELETED, Record
from ..data.store import Store
from ..spec import operation
from .paging import Listing, decode_cursor, encode_cursor, offset_slice, page_size, scan, take
from .query import ApiError, Query, q_list
from .respond import dumps
from .v1_listing import v1_record

Render = Callable[[Store, int, Record], dict[str, Any]]
Row = tuple[object, int, Record]          # (sort value, child number, record)


def _public(rec: Record) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k[0] != "_"}


def _times(rec: Record, keys: tuple[str, ...], fmt: Callable[[int | None], str | None]) -> dict[str, Any]:
    out = _public(rec)
    for k in keys:
        out[k] = fmt(out[k])
    return out


# ---- record shapes ------------------------------------------------------------------------------------
def _deal_product(store: Store, row: int, rec: Record) -> dict[str, Any]:
    return _times(rec, ("add_time", "update_time"), v2_dt)


def _plain(store: Store, row: int, rec: Record) -> dict[str, Any]:
    return _public(rec)


def _follower(store: Store, row: int, rec: Record) -> dict[str, Any]:
    return {"user_id": rec["user_id"], "add_time": v2_dt(rec["add_time"])}


def _changelog(store: Store, row: int, rec: Record) -> dict[str, Any]:
    return _times(rec, ("time",), v1_dt)


def _ms(ts: int | None) -> str | None:
    return None if ts is None else lead_dt(ts * 1000)


def _mail_message(store: Store, row: int, rec: Record) -> dict[str, Any]:
    """Times in ISO 8601 with milliseconds, as the spec's example ("2019-08-07T21:34:35.000Z") [SPEC-v1]."""
    return _times(rec, ("message_time", "add_time", "update_time"), _ms)


def _discount(store: Store, row: int, rec: Record) -> dict[str, Any]:
    return _times(rec, ("created_at", "updated_at"), v2_dt)      # "in the ISO 8601 format" [SPEC-v2]


def _comment(store: Store, row: int, rec: Record) -> dict[str, Any]:
    """Times in ISO 8601 with milliseconds, as the spec's example [SPEC-v1]."""
    out = _public(rec)
    out["add_time"] = lead_dt(rec["add_time"] * 1000 + rec["_ms"])
    out["update_time"] = lead_dt(rec["update_time"] * 1000 + rec["_ms"])
    return out


def _user_ref(store: Store, uid: int | None) -> dict[str, Any] | None:
    """A user as v1 nests it (the spec's example: id, name, email, has_pic, pic_hash, active_flag, value)."""
    t = store.table("users")
    i = None if uid is None else t.row_of(uid)
    if i is None:
        return None
    u = t.get(i)
    return {"id": u["id"], "name": u["name"], "email": u["email"], "has_pic": 0, "pic_hash": None,
            "active_flag": u["active_flag"], "value": u["id"]}


def _org_ref(store: Store, oid: int | None) -> dict[str, Any] | None:
    """An organization as v1 nests it [SPEC-v1]."""
    t = store.table("organizations")
    i = None if oid is None else t.row_of(oid)
    if i is None:
        return None
    o = t.get(i)
    address = o["address"]["value"] if o["address"] else None
    return {"name": o["name"], "people_count": 0, "owner_id": o["owner_id"], "address": address,
            "active_flag": not o["is_deleted"], "cc_email": f"company+organization{oid}@pipedrivemail.example",
            "label_ids": o["label_ids"], "value": oid}


_PERSON_KEYS = tuple(operation("GET /v1/deals/{id}/participants").item["properties"]["person"]["properties"])


def _participant(store: Store, row: int, rec: Record) -> dict[str, Any]:
    """A deal participant: the person in full and as a reference, who added it, the deal [SPEC-v1]."""
    persons = store.table("persons")
    p = persons.get(persons.row_of(rec["person_id"]) or rec["person_id"])
    full = v1_record(store, "persons", p)
    person = {k: full.get(k) for k in _PERSON_KEYS}
    person.update(org_id=_org_ref(store, p["org_id"]), owner_id=_user_ref(store, p["owner_id"]), picture_id=None)
    deal = store.table("deals").get(row)
    return {"id": rec["id"], "person_id": {"active_flag": not p["is_deleted"], "name": p["name"],
                                           "email": full["email"], "phone": full["phone"], "value": p["id"],
                                           "owner_id": p["owner_id"], "company_id": 1000 + store.gen.seed},
            "person": person, "added_by_user_id": _user_ref(store, rec["added_by_user_id"]),
            "add_time": v1_dt(rec["add_time"]), "active_flag": rec["active_flag"],
            "related_item_data": {"deal_id": row, "title": deal["title"]}, "related_item_id": row,
            "related_item_type": "deal"}


def _flow_item(rec: Record, deal: int) -> dict[str, Any]:
    """A changelog entry as the flow's dealChange item [SPEC-v1]."""
    t = v1_dt(rec["time"])
    return {"object": "dealChange", "timestamp": t, "data": {
        "id": rec["_n"], "item_id": deal, "user_id": rec["actor_user_id"], "field_key": rec["field_key"],
        "old_value": rec["old_value"], "new_value": rec["new_value"],
        "is_bulk_update_flag": rec["is_bulk_update_flag"], "log_time": t, "change_source": rec["change_source"],
        "change_source_user_agent": rec["change_source_user_agent"], "additional_data": []}}


RENDER: dict[str, Render] = {
    "deal_products": _deal_product, "deal_installments": _plain, "deal_participants": _participant,
    "deal_changelog": _changelog, "person_changelog": _changelog, "organization_changelog": _changelog,
    "deal_followers": _follower, "person_followers": _follower, "organization_followers": _follower,
    "product_followers": _follower, "user_followers": _follower, "mail_messages": _mail_message,
    "product_variations": _plain, "deal_discounts": _discount, "note_comments": _comment,
}
_NOUN = {"deals": "Deal", "persons": "Person", "organizations": "Organization", "products": "Product",
         "users": "User", "notes": "Note", "mail_threads": "Mail thread"}


# ---- reading one parent's children --------------------------------------------------------------------
def _of(store: Store, name: str, ext: str) -> tuple[int, list[Record]]:
    """(parent row, children); (0, []) for a deleted parent under deleted_parent_children=empty; else 404."""
    t = store.children.tables[name]
    try:
        row = t.parent(ext)
    except ParentGone as e:
        if e.deleted and store.options.deleted_parent_children == "empty":
            return 0, []
        raise ApiError(404, f"{_NOUN[t.kind.parent]} not found") from None
    return row, t.of(row)


def _cursor(store: Store, q: Query, rows: list[Row], field: str, direction: str) -> Listing:
    """A cursor page over (sort value, number) [SPEC-v2]: the cursor names the next page's first item."""
    idx = sorted((v, n) for v, n, _ in rows)
    by_n = {n: rec for _, n, rec in rows}
    start = decode_cursor(q["cursor"], field, direction) if q.get("cursor") else None
    try:
        items, nxt = take(scan([idx], direction, start), None, page_size(q, store.options.limit_cap))
    except TypeError:
        raise ApiError(400, "Invalid cursor. The cursor is malformed or does not match the sort parameters.") from None
    return Listing([dumps(by_n[n]) for _, n in items],
                   next_cursor=encode_cursor(field, nxt[0], direction, nxt[1]) if nxt else None)


def _rendered(store: Store, name: str, row: int, recs: list[Record], key: str) -> list[Row]:
    render = RENDER[name]
    return [(rec[key], rec["_n"], render(store, row, rec)) for rec in recs]


def per_parent(name: str, key: str, direction: str = "asc") -> Callable[[Store, Query, str], Listing]:
    """A v2 cursor list of one parent's children ordered by `key` (followers, variations)."""
    def handler(store: Store, q: Query, ext: str) -> Listing:
        row, recs = _of(store, name, ext)
        return _cursor(store, q, _rendered(store, name, row, recs, key), key, direction)
    return handler


def changelog(name: str) -> Callable[[Store, Query, str], Listing]:
    """GET /v1/{deals,persons,organizations}/{id}/changelog: newest first, cursor paged [SPEC-v1]."""
    return per_parent(name, "time", "desc")


def offset_list(name: str, key: str) -> Callable[[Store, Query, str], Listing]:
    """A v1 start/limit list of one parent's children (participants, comments); envelope per the facts."""
    def handler(store: Store, q: Query, ext: str) -> Listing:
        row, recs = _of(store, name, ext)
        render = RENDER[name]
        ordered = sorted(recs, key=lambda r: (r[key], r["_n"]))
        return offset_slice([dumps(render(store, row, r)) for r in ordered], q, store.options.limit_cap)
    return handler


def whole(name: str, key: str) -> Callable[[Store, Query, str], Listing]:
    """Every child of the parent in one response (mail messages, discounts: no paging in the spec)."""
    def handler(store: Store, q: Query, ext: str) -> Listing:
        row, recs = _of(store, name, ext)
        render = RENDER[name]
        return Listing([dumps(render(store, row, r)) for r in sorted(recs, key=lambda r: (r[key], r["_n"]))])
    return handler


def deal_flow(store: Store, q: Query, ext: str) -> Listing:
    """GET /v1/deals/{id}/flow: the deal's field changes as dealChange items, newest first; custom field
    changes only with all_changes=1; `items` without dealChange (or change) filters them all out [SPEC-v1]."""
    row, recs = _of(store, "deal_changelog", ext)
    items = q_list(q, "items")
    if items and not {"dealChange", "change"} & set(items):
        recs = []
    if q.get("all_changes") != "1":
        recs = [r for r in recs if len(r["field_key"]) != 40]
    ordered = sorted(recs, key=lambda r: (r["time"], r["_n"]), reverse=True)
    return offset_slice([dumps(_flow_item(r, row)) for r in ordered], q, store.options.limit_cap)


# ---- batched: deal_ids -----------------------------------------------------------------------------------
def _batch(store: Store, name: str, q: Query) -> list[Row]:
    """Children of the listed deals the API shows (deal_ids: required, integers, at most 100: the gate)."""
    t: ChildTable = store.children.tables[name]
    sort_by = q.get("sort_by") or "id"
    rows: dict[int, Row] = {}
    for d in dict.fromkeys(int(x) for x in q["deal_ids"].split(",") if x.strip()):
        try:
            row = t.parent(d)
        except ParentGone:
            continue
        for item in _rendered(store, name, row, t.of(row), sort_by):
            rows[item[1]] = item
    return list(rows.values())


def deal_products(store: Store, q: Query, one_deal: str | None) -> Listing:
    """GET /api/v2/deals/products?deal_ids= and /api/v2/deals/{id}/products [SPEC-v2]."""
    sort_by, direction = q.get("sort_by") or "id", q.get("sort_direction") or "asc"
    if one_deal is None:
        rows = _batch(store, "deal_products", q)
    else:
        row, recs = _of(store, "deal_products", one_deal)
        rows = _rendered(store, "deal_products", row, recs, sort_by)
    return _cursor(store, q, rows, sort_by, direction)


def installments(store: Store, q: Query) -> Listing:
    """GET /api/v2/deals/installments?deal_ids= [SPEC-v2]: at most `limit` records; next_cursor only under
    option installments_paging=cursor (the 200 schema has no additional_data)."""
    sort_by, direction = q.get("sort_by") or "id", q.get("sort_direction") or "asc"
    page = _cursor(store, q, _batch(store, "deal_installments", q), sort_by, direction)
    if store.options.installments_paging == "cursor":
        page.paging = "cursor"
    return page


# ---- relations ------------------------------------------------------------------------------------------
def _org_side(store: Store, org: int) -> dict[str, Any]:
    ref = _org_ref(store, org) or {}
    return {k: ref.get(k) for k in ("name", "people_count", "owner_id", "address", "active_flag", "cc_email",
                                    "value")}


def relationship(store: Store, org: int, r: Record) -> dict[str, Any]:
    """A relationship as organization `org` sees it: calculated_type and the other organization [SPEC-v1]."""
    other = r["linked"] if org == r["owner"] else r["owner"]
    if r["type"] == "related":
        seen = "related"
    else:
        seen = "daughter" if org == r["owner"] else "parent"
    name = (_org_ref(store, other) or {}).get("name")
    return {"id": r["id"], "type": r["type"], "rel_owner_org_id": _org_side(store, r["owner"]),
            "rel_linked_org_id": _org_side(store, r["linked"]), "add_time": v1_dt(r["add_time"]),
            "update_time": v1_dt(r["update_time"]), "active_flag": "true", "calculated_type": seen,
            "calculated_related_org_id": other, "related_organization_name": name}


def org_relationships(store: Store, q: Query) -> Listing:
    """GET /v1/organizationRelationships?org_id= (required) [SPEC-v1]: all in one page (no start/limit)."""
    orgs = store.table("organizations")
    org = int(q["org_id"])
    shown = orgs.visible(org, store.clock.now()) if 0 < org <= orgs.n else None
    if shown is None or shown == DELETED and store.options.deleted_parent_children == "not_found":
        raise ApiError(404, "Organization not found")
    rels = [] if shown == DELETED else store.children.relations.of(org)
    data = [dumps(relationship(store, org, r)) for r in rels]
    return Listing(data, 0, len(data), False)


def assignment(store: Store, name: str, sid: object, user: Record) -> dict[str, Any]:
    src = store.children.assignments[name]
    s = src.setting(sid)
    if name == "permission_set_assignments":
        return {"user_id": user["id"], "permission_set_id": s["id"], "name": s["name"]}
    return {"user_id": user["id"], "role_id": s["id"], "parent_role_id": s["parent_role_id"], "name": s["name"],
            "type": "1", "active_flag": user["active_flag"]}


def assignments(name: str) -> Callable[[Store, Query, str], Listing]:
    """GET /v1/permissionSets/{id}/assignments (404 for an unknown set [SPEC-v1]) and /v1/roles/{id}/assignments:
    the users by id, start/limit paged."""
    def handler(store: Store, q: Query, ext: str) -> Listing:
        src = store.children.assignments[name]
        try:
            s = src.setting(ext)
        except KeyError:
            raise ApiError(404, "Permission set not found" if src.parent == "permission_sets" else
                           "Role not found") from None
        data = [dumps(assignment(store, name, s["id"], u)) for u in src.users(s["id"])]
        return offset_slice(data, q, store.options.limit_cap)
    return handler


# ---- the control interface's view of one child ------------------------------------------------------------
def render_child(store: Store, name: str, cid: str) -> dict[str, Any]:
    """A child as the API shows it, by its control id; KeyError when there is none."""
    ch = store.children
    if name in ch.tables:
        row, pos = ch.tables[name].find(cid)
        return RENDER[name](store, row, ch.tables[name].of(row)[pos])
    if name == "organization_relationships":
        r = ch.relations.rows().get(int(cid)) if cid.isdigit() else None
        if r is None:
            raise KeyError(f"{name} {cid} not found")
        return relationship(store, r["owner"], r)
    if name in ch.assignments:
        sid, _, uid = cid.rpartition(":")
        users = store.table("users")
        i = users.row_of(uid)
        if i is None or not ch.assignments[name].member(ch.assignments[name].setting(sid)["id"], users.get(i)):
            raise KeyError(f"{name} {cid} not found")
        return assignment(store, name, sid, users.get(i))
    raise KeyError(f"{name} {cid} not found")


__all__ = ["RENDER", "assignments", "changelog", "deal_flow", "deal_products", "installments",
           "offset_list", "org_relationships", "per_parent", "render_child", "whole"]
