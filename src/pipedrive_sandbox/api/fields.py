"""The *Fields endpoints, v1 and v2 [SPEC-v1], [SPEC-v2]: each entity's built-in fields, then its custom
fields (data.custom_fields)."""
from __future__ import annotations

from typing import Any

from ..data.clock import DAY, v1_dt, v2_dt
from ..data.custom_fields import Field
from ..data.store import Store
from .custom_values import ADDRESS_PARTS
from .paging import Listing, decode_cursor, encode_cursor, offset_slice, page_size
from .query import Query, q_list
from .respond import dumps

# (v2 field_code, v1 key, name, v1 field_type, v2 field_type). Built-in fields only; custom ones come from
# data.custom_fields. v2 has no "pipeline" type, so pipeline_id is an int there [SPEC-v2 field_type enum].
_B = tuple[str, str, str, str, str]
BUILTIN: dict[str, tuple[_B, ...]] = {
    "deal": (
        ("id", "id", "ID", "int", "int"), ("title", "title", "Title", "varchar", "varchar"),
        ("creator_user_id", "creator_user_id", "Creator", "user", "user"),
        ("owner_id", "user_id", "Owner", "user", "user"), ("value", "value", "Value", "monetary", "monetary"),
        ("person_id", "person_id", "Contact person", "people", "people"),
        ("org_id", "org_id", "Organization", "org", "org"), ("pipeline_id", "pipeline", "Pipeline", "pipeline", "int"),
        ("stage_id", "stage_id", "Stage", "stage", "stage"), ("status", "status", "Status", "status", "status"),
        ("probability", "probability", "Probability", "double", "double"),
        ("add_time", "add_time", "Deal created", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
        ("stage_change_time", "stage_change_time", "Last stage change", "date", "date"),
        ("close_time", "close_time", "Deal closed on", "date", "date"),
        ("won_time", "won_time", "Won time", "date", "date"),
        ("lost_time", "lost_time", "Lost time", "date", "date"),
        ("expected_close_date", "expected_close_date", "Expected close date", "date", "date"),
        ("lost_reason", "lost_reason", "Lost reason", "varchar_options", "varchar_options"),
        ("visible_to", "visible_to", "Visible to", "visible_to", "visible_to"),
        ("label_ids", "label", "Label", "set", "set"), ("origin", "origin", "Source origin", "varchar", "varchar"),
        ("channel", "channel", "Source channel", "enum", "enum"),
        ("is_archived", "is_archived", "Archive status", "boolean", "boolean"),
        ("archive_time", "archive_time", "Archive time", "date", "date"),
    ),
    "person": (
        ("id", "id", "ID", "int", "int"), ("name", "name", "Name", "varchar", "varchar"),
        ("first_name", "first_name", "First name", "varchar", "varchar"),
        ("last_name", "last_name", "Last name", "varchar", "varchar"),
        ("owner_id", "owner_id", "Owner", "user", "user"), ("org_id", "org_id", "Organization", "org", "org"),
        ("emails", "email", "Email", "varchar", "varchar"), ("phones", "phone", "Phone", "phone", "phone"),
        ("label_ids", "label", "Label", "set", "set"),
        ("visible_to", "visible_to", "Visible to", "visible_to", "visible_to"),
        ("picture_id", "picture_id", "Profile picture", "picture", "picture"),
        ("postal_address", "postal_address", "Postal address", "address", "address"),
        ("job_title", "job_title", "Job title", "varchar", "varchar"),
        ("birthday", "birthday", "Birthday", "date", "date"),
        ("notes", "notes", "Notes", "text", "text"), ("im", "im", "Instant messenger", "varchar", "varchar"),
        ("add_time", "add_time", "Person created", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
    ),
    "organization": (
        ("id", "id", "ID", "int", "int"), ("name", "name", "Name", "varchar", "varchar"),
        ("owner_id", "owner_id", "Owner", "user", "user"), ("address", "address", "Address", "address", "address"),
        ("label_ids", "label", "Label", "set", "set"),
        ("visible_to", "visible_to", "Visible to", "visible_to", "visible_to"),
        ("website", "website", "Website", "varchar", "varchar"),
        ("linkedin", "linkedin", "LinkedIn profile", "varchar", "varchar"),
        ("industry", "industry", "Industry", "enum", "enum"),
        ("annual_revenue", "annual_revenue", "Annual revenue", "monetary", "monetary"),
        ("employee_count", "employee_count", "Number of employees", "int", "int"),
        ("add_time", "add_time", "Organization created", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
    ),
    "product": (
        ("id", "id", "ID", "int", "int"), ("name", "name", "Name", "varchar", "varchar"),
        ("code", "code", "Product code", "varchar", "varchar"), ("unit", "unit", "Unit", "varchar", "varchar"),
        ("tax", "tax", "Tax", "double", "double"), ("description", "description", "Description", "text", "text"),
        ("category", "category", "Category", "enum", "enum"),
        ("is_linkable", "active_flag", "Active", "boolean", "boolean"),
        ("visible_to", "visible_to", "Visible to", "visible_to", "visible_to"),
        ("owner_id", "owner_id", "Owner", "user", "user"), ("prices", "prices", "Price", "price_list", "price_list"),
        ("billing_frequency", "billing_frequency", "Billing frequency", "billing_frequency", "billing_frequency"),
        ("add_time", "add_time", "Product created", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
    ),
    "activity": (
        ("id", "id", "ID", "int", "int"), ("subject", "subject", "Subject", "varchar", "varchar"),
        ("type", "type", "Type", "varchar_options", "varchar_options"),
        ("owner_id", "user_id", "Assigned to user", "user", "user"),
        ("due_date", "due_date", "Due date", "date", "date"), ("due_time", "due_time", "Due time", "time", "time"),
        ("duration", "duration", "Duration", "time", "time"), ("deal_id", "deal_id", "Deal", "deal", "deal"),
        ("lead_id", "lead_id", "Lead", "lead", "lead"),
        ("person_id", "person_id", "Contact person", "people", "people"),
        ("org_id", "org_id", "Organization", "org", "org"),
        ("project_id", "project_id", "Project", "project", "project"),
        ("done", "done", "Done", "boolean", "boolean"), ("busy", "busy_flag", "Free/busy", "boolean", "boolean"),
        ("location", "location", "Location", "address", "address"), ("note", "note", "Note", "text", "text"),
        ("public_description", "public_description", "Public description", "text", "text"),
        ("priority", "priority", "Priority", "enum", "enum"), ("add_time", "add_time", "Add time", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
        ("marked_as_done_time", "marked_as_done_time", "Marked as done time", "date", "date"),
    ),
    "lead": (
        ("title", "title", "Title", "varchar", "varchar"), ("owner_id", "owner_id", "Owner", "user", "user"),
        ("person_id", "person_id", "Person", "people", "people"),
        ("organization_id", "organization_id", "Organization", "org", "org"),
        ("value", "value", "Value", "monetary", "monetary"),
        ("expected_close_date", "expected_close_date", "Expected close date", "date", "date"),
        ("label_ids", "label_ids", "Labels", "set", "set"),
        ("source_name", "source_name", "Source", "varchar", "varchar"),
        ("visible_to", "visible_to", "Visible to", "visible_to", "visible_to"),
        ("add_time", "add_time", "Lead created", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
    ),
    "note": (
        ("content", "content", "Content", "text", "text"), ("deal_id", "deal_id", "Deal", "deal", "deal"),
        ("lead_id", "lead_id", "Lead", "lead", "lead"), ("person_id", "person_id", "Person", "people", "people"),
        ("org_id", "org_id", "Organization", "org", "org"), ("user_id", "user_id", "User", "user", "user"),
        ("add_time", "add_time", "Add time", "date", "date"),
        ("update_time", "update_time", "Update time", "date", "date"),
        ("pinned_to_deal_flag", "pinned_to_deal_flag", "Pinned to deal", "boolean", "boolean"),
    ),
}
_STATUS_OPTIONS = (("open", "Open"), ("won", "Won"), ("lost", "Lost"), ("deleted", "Deleted"))
# v2 subfields of a custom field: (suffix, name, type)
_SUB = {"monetary": (("value", "Amount", "double"), ("currency", "Currency", "varchar")),
        "address": tuple((p, p.replace("_", " ").capitalize(), "varchar") for p in ADDRESS_PARTS)}
_V2_OPTIONAL = {
    "ui_visibility": {"add_visible_flag": True, "details_visible_flag": True, "projects_detail_visible_flag": False,
                      "show_in_pipelines": {"show_in_all": True, "pipeline_ids": []}},
    "important_fields": {"enabled": False, "stage_ids": []},
    "required_fields": {"enabled": False, "stage_ids": [], "statuses": {}},
}
# v1 ids of the built-in fields count up from these; lead fields have no id (null)
_V1_BASE_ID = {"deal": 12400, "person": 9100, "organization": 4100, "product": 15100, "activity": 1, "lead": None}

V2_FIELD_KINDS = {"/api/v2/dealFields": "deal", "/api/v2/personFields": "person",
                  "/api/v2/organizationFields": "organization", "/api/v2/productFields": "product",
                  "/api/v2/activityFields": "activity"}
V1_FIELD_KINDS = {"/v1/dealFields": "deal", "/v1/personFields": "person", "/v1/organizationFields": "organization",
                  "/v1/productFields": "product", "/v1/leadFields": "lead", "/v1/activityFields": "activity"}


def _builtin_options(code: str) -> list[tuple[Any, str]] | None:
    return list(_STATUS_OPTIONS) if code == "status" else None


# ---- v2 --------------------------------------------------------------------------------------------

def v2_items(kind: str, custom: tuple[Field, ...], t_add: int, include: frozenset[str]) -> list[dict[str, Any]]:
    """Items of GET /api/v2/{entity}Fields: built-ins (string option ids) then custom (int option ids)."""
    rows = [(b[0], b[2], b[4], False, _builtin_options(b[0])) for b in BUILTIN[kind]]
    rows += [(f.key, f.name, f.type, True, list(f.options) or None) for f in custom]
    out = []
    for code, name, ftype, is_custom, options in rows:
        sub = _SUB.get(ftype)
        item: dict[str, Any] = {
            "field_name": name, "field_code": code, "description": None, "field_type": ftype,
            "options": None if options is None else [
                {"id": oid, "label": label, "color": None, "add_time": v2_dt(t_add), "update_time": v2_dt(t_add)}
                for oid, label in options],
            "subfields": None if sub is None else [
                {"field_code": f"{code}_{s}" if is_custom and s != "value" else (code if s == "value" else s),
                 "field_name": f"{sname} of {name}", "field_type": st} for s, sname, st in sub],
            "is_custom_field": is_custom, "is_optional_response_field": False,
        }
        for part, value in _V2_OPTIONAL.items():      # include_fields, in the spec's order
            if part in include:
                item[part] = value
        out.append(item)
    return out


def v2_fields(kind: str, store: Store, q: Query) -> Listing:
    """v2 *Fields are cursor-paginated too [SPEC-v2]; the cursor holds the position."""
    include = frozenset(q_list(q, "include_fields"))
    limit = page_size(q, store.options.limit_cap)
    items = v2_items(kind, store.cf.get(kind, ()), store.gen.now0 - 4 * 365 * DAY, include)
    pos = decode_cursor(q["cursor"], "position", "asc")[1] if q.get("cursor") else 0
    chunk = items[pos:pos + limit]
    nxt = encode_cursor("position", pos + limit, "asc", pos + limit) if pos + limit < len(items) else None
    return Listing([dumps(x) for x in chunk], next_cursor=nxt)


# ---- v1 --------------------------------------------------------------------------------------------

def v1_items(kind: str, custom: tuple[Field, ...], t_add: int, t_upd: int) -> list[dict[str, Any]]:
    """Items of GET /v1/{entity}Fields; edit_flag true marks custom fields [SPEC-v1]."""
    out = []
    base = _V1_BASE_ID[kind]
    for n, b in enumerate(BUILTIN[kind], start=1):
        opts = _builtin_options(b[0])
        out.append(_v1_item(None if base is None else base + n, b[1], b[2], b[3], n, False,
                            None if opts is None else [{"id": o, "label": lab} for o, lab in opts], t_add, None))
    for f in custom:
        out.append(_v1_item(f.id, f.key, f.name, f.type, f.order_nr, True,
                            [{"id": o, "label": lab} for o, lab in f.options] or None, t_add, t_upd))
    return out


def _v1_item(fid: int | None, key: str, name: str, ftype: str, order: int, custom: bool,
             options: list[dict[str, Any]] | None, t_add: int, t_upd: int | None) -> dict[str, Any]:
    return {
        "id": fid, "key": key, "name": name, "order_nr": order, "field_type": ftype, "add_time": v1_dt(t_add),
        "update_time": v1_dt(t_upd), "last_updated_by_user_id": 1 if custom else None,
        "created_by_user_id": 1 if custom else None, "active_flag": True, "edit_flag": custom,
        "index_visible_flag": True, "details_visible_flag": True, "add_visible_flag": True, "important_flag": False,
        "bulk_edit_allowed": True, "searchable_flag": custom and ftype in ("varchar", "text", "phone"),
        "filtering_allowed": True, "sortable_flag": True, "mandatory_flag": False, "options": options,
    }


def v1_fields(kind: str, store: Store, q: Query) -> Listing:
    t0 = store.gen.now0 - 4 * 365 * DAY
    items = [dumps(x) for x in v1_items(kind, store.cf.get(kind, ()), t0, t0 + 30 * DAY)]
    if kind == "activity":              # /v1/activityFields takes no start/limit [SPEC-v1]: all in one page
        return Listing(items, 0, len(items))
    return offset_slice(items, q, store.options.limit_cap)


def note_fields() -> Listing:
    """GET /v1/noteFields has a reduced item shape and no start/limit [SPEC-v1]: all in one page."""
    items = [dumps({"id": n, "key": b[1], "name": b[2], "field_type": b[3], "active_flag": True, "edit_flag": False,
                    "bulk_edit_allowed": False, "mandatory_flag": b[1] == "content", "options": None})
             for n, b in enumerate(BUILTIN["note"], start=1)]
    return Listing(items, 0, len(items))


# ---- project fields ----------------------------------------------------------------------------------

# (field_code, name, field_type) of GET /api/v2/projectFields; the sandbox company has no custom project fields.
_PROJECT_BUILTIN = (
    ("id", "ID", "int"), ("title", "Project name", "varchar"), ("description", "Description", "text"),
    ("status", "Status", "status"), ("owner_id", "Owner", "user"), ("board_id", "Board", "projects_board"),
    ("phase_id", "Phase", "projects_phase"), ("start_date", "Start date", "date"), ("end_date", "End date", "date"),
    ("deal_ids", "Deals", "deals"), ("person_ids", "Contact persons", "people"), ("org_ids", "Organizations", "org"),
    ("label_ids", "Labels", "set"), ("health_status", "Health status", "enum"),
    ("add_time", "Project created", "date"), ("update_time", "Update time", "date"),
    ("archive_time", "Archive time", "date"),
)
_PROJECT_STATUS = (("open", "Open"), ("completed", "Completed"), ("canceled", "Canceled"), ("deleted", "Deleted"))
_HEALTH = ((10, "On track"), (20, "At risk"), (30, "Off track"))


def project_field_items(t_add: int) -> list[dict[str, Any]]:
    """Items of GET /api/v2/projectFields: the spec's item shape, every property present (the operation takes no
    include_fields, so ui_visibility, important_fields and required_fields always come) [SPEC-v2]."""
    out = []
    for code, name, ftype in _PROJECT_BUILTIN:
        opts = _PROJECT_STATUS if code == "status" else _HEALTH if code == "health_status" else None
        out.append({
            "field_code": code, "field_name": name, "field_type": ftype,
            "options": None if opts is None else [
                {"id": oid, "label": label, "color": None, "add_time": v2_dt(t_add), "update_time": v2_dt(t_add)}
                for oid, label in opts],
            "subfields": None, "is_custom_field": False, "is_optional_response_field": False,
            "ui_visibility": {"add_visible_flag": code not in ("id", "add_time", "update_time", "archive_time"),
                              "details_visible_flag": True},
            "important_fields": {"enabled": False, "stage_ids": []},
            "required_fields": {"enabled": code == "title"},
        })
    return out


def project_fields(store: Store, q: Query) -> Listing:
    """GET /api/v2/projectFields: cursor-paginated like the other v2 *Fields [SPEC-v2]."""
    limit = page_size(q, store.options.limit_cap)
    items = project_field_items(store.gen.now0 - 4 * 365 * DAY)
    pos = decode_cursor(q["cursor"], "position", "asc")[1] if q.get("cursor") else 0
    chunk = items[pos:pos + limit]
    nxt = encode_cursor("position", pos + limit, "asc", pos + limit) if pos + limit < len(items) else None
    return Listing([dumps(x) for x in chunk], next_cursor=nxt)
