"""Record shapes: v2 (RFC 3339, custom_fields object) and v1 (UTC "YYYY-MM-DD HH:MM:SS", top-level custom keys)."""
from __future__ import annotations

import orjson

from .clock import lead_dt, v1_dt, v2_dt
from .fields import Field, v1_values, v2_values
from .makers import deal_extra

# Canonical time keys per entity (epoch ints in the store).
TIME_KEYS = {
    "deals": ("add_time", "update_time", "stage_change_time", "close_time", "won_time", "lost_time", "archive_time"),
    "activities": ("add_time", "update_time", "marked_as_done_time"),
}
DEFAULT_TIME_KEYS = ("add_time", "update_time")
CF_KIND = {"deals": "deal", "persons": "person", "organizations": "organization", "products": "product",
           "leads": "lead"}
_V2_ADDRESS = ("value", "country", "admin_area_level_1", "admin_area_level_2", "locality", "sublocality", "route",
               "street_number", "subpremise", "postal_code")
_DEAL_V2_EXTRA = ("next_activity_id", "last_activity_id", "first_won_time", "products_count", "files_count",
                  "notes_count", "followers_count", "email_messages_count", "activities_count",
                  "done_activities_count", "undone_activities_count", "participants_count",
                  "last_incoming_mail_time", "last_outgoing_mail_time", "smart_bcc_email", "source_lead_id")
# v2 drops these v1-era or internal keys [RD-V2MIG]
_V2_DROP = {"delete_time", "is_selected", "url_title"}


def dumps(obj: object) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)


def _addr_v2(a: dict | None) -> dict | None:
    return None if a is None else {k: a.get(k) for k in _V2_ADDRESS}


def _deal_v2(r: dict) -> dict:
    """Deals are the hot path (the 150 pages/s target): built key by key, in the spec's order."""
    f = v2_dt
    return {"id": r["id"], "title": r["title"], "creator_user_id": r["creator_user_id"], "owner_id": r["owner_id"],
            "value": r["value"], "person_id": r["person_id"], "org_id": r["org_id"], "stage_id": r["stage_id"],
            "pipeline_id": r["pipeline_id"], "currency": r["currency"], "archive_time": f(r["archive_time"]),
            "add_time": f(r["add_time"]), "update_time": f(r["update_time"]),
            "stage_change_time": f(r["stage_change_time"]),
            # a deleted deal reports status "deleted", the value status=deleted filters on [SPEC-v2]
            "status": "deleted" if r["is_deleted"] else r["status"], "is_archived": r["is_archived"],
            "is_deleted": r["is_deleted"], "probability": r["probability"], "lost_reason": r["lost_reason"],
            "visible_to": r["visible_to"], "close_time": f(r["close_time"]), "won_time": f(r["won_time"]),
            "lost_time": f(r["lost_time"]), "expected_close_date": r["expected_close_date"],
            "label_ids": r["label_ids"], "origin": r["origin"], "origin_id": r["origin_id"], "channel": r["channel"],
            "channel_id": r["channel_id"], "source_lead_id": r["source_lead_id"], "acv": r["acv"], "arr": r["arr"],
            "mrr": r["mrr"]}


def _person_v2(r: dict) -> dict:
    f = v2_dt
    return {"id": r["id"], "name": r["name"], "first_name": r["first_name"], "last_name": r["last_name"],
            "owner_id": r["owner_id"], "org_id": r["org_id"], "add_time": f(r["add_time"]),
            "update_time": f(r["update_time"]), "emails": r["emails"], "phones": r["phones"],
            "is_deleted": r["is_deleted"], "visible_to": r["visible_to"], "label_ids": r["label_ids"],
            "picture_id": r["picture_id"], "postal_address": _addr_v2(r["postal_address"]), "notes": r["notes"],
            "im": r["im"], "birthday": r["birthday"], "job_title": r["job_title"]}


def _activity_v2(r: dict) -> dict:
    f = v2_dt
    return {"id": r["id"], "subject": r["subject"], "type": r["type"], "owner_id": r["owner_id"],
            "creator_user_id": r["creator_user_id"], "is_deleted": r["is_deleted"], "add_time": f(r["add_time"]),
            "update_time": f(r["update_time"]), "deal_id": r["deal_id"], "lead_id": r["lead_id"],
            "person_id": r["person_id"], "org_id": r["org_id"], "project_id": r["project_id"],
            "due_date": r["due_date"], "due_time": r["due_time"], "duration": r["duration"], "busy": r["busy"],
            "done": r["done"], "marked_as_done_time": f(r["marked_as_done_time"]),
            "location": _addr_v2(r["location"]), "participants": r["participants"], "attendees": r["attendees"],
            "conference_meeting_client": r["conference_meeting_client"],
            "conference_meeting_url": r["conference_meeting_url"],
            "conference_meeting_id": r["conference_meeting_id"], "public_description": r["public_description"],
            "priority": r["priority"], "note": r["note"]}


_FAST = {"deals": _deal_v2, "persons": _person_v2, "activities": _activity_v2}


def v2(entity: str, rec: dict, cf: dict[str, tuple[Field, ...]], *, labels: bool = False,
       only: frozenset[str] | None = None, include: tuple[str, ...] = (), skip_custom: bool = False,
       labels_on: bool = False) -> dict:
    """The v2 list item of the spec's response schema; optional include_fields appended at the end."""
    tkeys = TIME_KEYS.get(entity, DEFAULT_TIME_KEYS)
    fast = _FAST.get(entity)
    out: dict = fast(rec) if fast else {}
    for k, v in () if fast else rec.items():
        if k[0] == "_" or k in _V2_DROP:
            continue
        if k in tkeys:
            v = v2_dt(v)
        elif k in ("address", "postal_address", "location"):
            v = _addr_v2(v)
        out[k] = v
    # source_lead_id (deals) and attendees (activities) are described as include_fields-only, but the spec's
    # item schema lists them; we always return them (null / []) so every schema property is present.
    kind = CF_KIND.get(entity)
    if kind and not skip_custom:
        out["custom_fields"] = v2_values(cf[kind], rec["_cf"], labels, only)
    if include and entity == "deals":
        extra = deal_extra(rec)
        for k in include:
            if k == "source_lead_id":
                out[k] = rec.get("source_lead_id")
            elif k in _DEAL_V2_EXTRA:
                v = extra.get(k)
                out[k] = v2_dt(v) if k.endswith("_time") and isinstance(v, int) else v
    elif include and entity in ("persons", "organizations"):
        # counters are not tracked for contacts: 0, ids and mail times null [SPEC-v2 include_fields]
        for k in include:
            if k == "smart_bcc_email":
                out[k] = f"company+{entity[:-1]}{rec['id']}@pipedrivemail.example"
            else:
                out[k] = 0 if k.endswith("_count") else None
    if labels_on and "label_ids" in rec:
        out["labels"] = [{"id": x, "label": LABEL_NAMES.get(x, f"Label {x}")} for x in rec["label_ids"]]
    return out


# include_labels=true adds [{id, label}] for label_ids [SPEC-v2]; deals use 1-4, persons 5-7.
LABEL_NAMES = {1: "Hot", 2: "Warm", 3: "Cold", 4: "VIP", 5: "Customer", 6: "Prospect", 7: "Partner"}
def v2_bytes(entity: str, rec: dict, cf: dict[str, tuple[Field, ...]], gen) -> bytes:
    """v2 JSON of a record; a pooled custom_fields object is serialized once and spliced in."""
    kind = CF_KIND.get(entity)
    vals = rec.get("_cf")
    k = gen.pool_index.get(id(vals)) if kind else None
    if k is None:
        return dumps(v2(entity, rec, cf))
    body = dumps(v2(entity, rec, cf, skip_custom=True))
    key = k
    cfb = gen.pool_bytes.get(key)
    if cfb is None:
        cfb = gen.pool_bytes[key] = dumps(v2_values(cf[kind], vals))
    return body[:-1] + b',"custom_fields":' + cfb + b"}"


def lead_v1(rec: dict, cf: dict[str, tuple[Field, ...]]) -> dict:
    """v1 lead: UUID id, ISO ms timestamps, value {amount, currency}, custom fields only when set [SPEC-v1]."""
    out = {k: v for k, v in rec.items() if k[0] != "_" and k not in ("archive_time",)}
    out["add_time"] = lead_dt(rec["add_time"] * 1000 + rec["_add_ms"])
    out["update_time"] = lead_dt(rec["update_time"] * 1000 + rec["_upd_ms"])
    out.update(v1_values(cf["lead"], rec["_cf"], omit_unset=True))
    return out


def _v1_times(rec: dict, keys: tuple[str, ...]) -> dict:
    out = {k: v for k, v in rec.items() if k[0] != "_"}
    for k in keys:
        if k in out:
            out[k] = v1_dt(out[k])
    return out


def _addr_v1(prefix: str, a: dict | None) -> dict:
    out = {prefix: None if a is None else a.get("value")}
    for part in ("subpremise", "street_number", "route", "sublocality", "locality", "admin_area_level_1",
                 "admin_area_level_2", "country", "postal_code", "formatted_address"):
        out[f"{prefix}_{part}"] = None if a is None else a.get(part)
    return out


_COUNTS = ("activities_count", "done_activities_count", "undone_activities_count", "email_messages_count",
           "files_count", "notes_count", "followers_count")
_DEAL_COUNTS = ("open_deals_count", "related_open_deals_count", "closed_deals_count", "related_closed_deals_count",
                "won_deals_count", "related_won_deals_count", "lost_deals_count", "related_lost_deals_count")
# v1-only keys with fixed values in the sandbox (present so every v1 schema property is there) [SPEC-v1]
_V1_DEFAULTS: dict[str, dict] = {
    "deals": {"next_activity_subject": None, "next_activity_type": None, "next_activity_duration": None,
              "next_activity_note": None, "formatted_weighted_value": None, "last_incoming_mail_time": None,
              "last_outgoing_mail_time": None, "org_hidden": False, "person_hidden": False, "arr_currency": None,
              "mrr_currency": None, "acv_currency": None},
    "persons": {**{k: 0 for k in _COUNTS + _DEAL_COUNTS}, "participant_open_deals_count": 0,
                "participant_closed_deals_count": 0, "last_incoming_mail_time": None,
                "last_outgoing_mail_time": None, "next_activity_date": None, "next_activity_time": None,
                "next_activity_id": None, "last_activity_id": None, "last_activity_date": None,
                "merge_what_id": None},
    "organizations": {**{k: 0 for k in _COUNTS + _DEAL_COUNTS}, "people_count": 0, "country_code": None,
                      "picture_id": None, "label": None, "next_activity_date": None, "next_activity_time": None,
                      "next_activity_id": None, "last_activity_id": None, "last_activity_date": None},
    "activities": {"reference_type": "none", "reference_id": None, "last_notification_time": None,
                   "last_notification_user_id": None, "notification_language_id": 1, "gcal_event_id": None,
                   "google_calendar_id": None, "google_calendar_etag": None, "calendar_sync_include_context": None,
                   "source_timezone": None, "rec_rule": None, "rec_rule_extension": None,
                   "rec_master_activity_id": None, "series": [], "person_dropbox_bcc": None,
                   "deal_dropbox_bcc": None, "file": None},
    "products": {"files_count": 0, "selectable": True},
}


def v1(entity: str, rec: dict, cf: dict[str, tuple[Field, ...]]) -> dict:
    """v1 shape (as in /v1/recents `data` payloads) [SPEC-v1]: v1 names, flags and UTC times."""
    if entity == "leads":
        return lead_v1(rec, cf)
    if entity == "deals":
        e = deal_extra(rec)
        out = {"id": rec["id"], "creator_user_id": rec["creator_user_id"], "user_id": rec["owner_id"],
               "person_id": rec["person_id"], "org_id": rec["org_id"], "stage_id": rec["stage_id"],
               "title": rec["title"], "value": rec["value"], "currency": rec["currency"],
               "add_time": v1_dt(rec["add_time"]), "update_time": v1_dt(rec["update_time"]),
               "stage_change_time": v1_dt(rec["stage_change_time"]),
               "active": rec["status"] == "open" and not rec["is_deleted"], "deleted": rec["is_deleted"],
               "is_archived": rec["is_archived"], "archive_time": v1_dt(rec["archive_time"]),
               "status": "deleted" if rec["is_deleted"] else rec["status"], "probability": rec["probability"],
               "next_activity_date": None, "next_activity_time": None, "next_activity_id": None,
               "last_activity_id": None, "last_activity_date": None, "lost_reason": rec["lost_reason"],
               "visible_to": str(rec["visible_to"]), "close_time": v1_dt(rec["close_time"]),
               "pipeline_id": rec["pipeline_id"], "won_time": v1_dt(rec["won_time"]),
               "first_won_time": v1_dt(e.get("first_won_time")), "lost_time": v1_dt(rec["lost_time"]),
               "expected_close_date": rec["expected_close_date"],
               "label": ",".join(str(x) for x in rec["label_ids"]) or None,
               "formatted_value": f"{rec['value']} {rec['currency']}", "weighted_value": rec["value"],
               "weighted_value_currency": rec["currency"], "rotten_time": None, "cc_email": e.get("smart_bcc_email"),
               "origin": rec["origin"], "origin_id": rec["origin_id"], "channel": rec["channel"],
               "channel_id": rec["channel_id"], "arr": None, "mrr": None, "acv": None}
        for k in ("products_count", "files_count", "notes_count", "followers_count", "email_messages_count",
                  "activities_count", "done_activities_count", "undone_activities_count", "participants_count"):
            out[k] = e.get(k, 0)
        out.update(_V1_DEFAULTS["deals"])
        out.update(v1_values(cf["deal"], rec["_cf"]))
        return out
    if entity in ("persons", "organizations", "products"):
        out = _v1_times(rec, DEFAULT_TIME_KEYS)
        out.pop("is_deleted", None)
        out.pop("delete_time", None)
        out["active_flag"] = not rec["is_deleted"]
        out["visible_to"] = str(rec["visible_to"])
        if entity == "persons":
            out["phone"] = out.pop("phones") or [{"value": "", "primary": True}]
            out["email"] = out.pop("emails") or [{"value": "", "primary": True}]
            out["im"] = out.get("im") or []
            out["first_char"] = (rec["name"] or " ")[0].lower()
            pa = out.pop("postal_address")
            out.update(_addr_v1("postal_address", pa))
            out["label"] = rec["label_ids"][0] if rec["label_ids"] else None
        elif entity == "organizations":
            out.update(_addr_v1("address", out.pop("address")))
            out["first_char"] = rec["name"][0].lower()
        out.update(_V1_DEFAULTS[entity])
        if entity == "products":
            out["first_char"] = (rec["name"] or " ")[0].lower()
        else:
            out["cc_email"] = f"company+{entity[:-1]}{rec['id']}@pipedrivemail.example"
        out.update(v1_values(cf[CF_KIND[entity]], rec["_cf"]))
        return out
    if entity == "activities":
        out = _v1_times(rec, ("add_time", "update_time", "marked_as_done_time"))
        out["user_id"] = out.pop("owner_id")
        out["created_by_user_id"] = out.pop("creator_user_id")
        out["busy_flag"] = out.pop("busy")
        out["active_flag"] = not out.pop("is_deleted")
        out.pop("delete_time", None)
        out.pop("priority", None)
        loc = out.pop("location")
        out.update(_addr_v1("location", loc))
        out["person_id"] = rec["person_id"]
        out["update_user_id"] = rec["owner_id"]
        out["assigned_to_user_id"] = rec["owner_id"]
        out.update(_V1_DEFAULTS["activities"])
        return out
    if entity == "pipelines":
        return {"id": rec["id"], "name": rec["name"], "url_title": rec["url_title"], "order_nr": rec["order_nr"],
                "active": not rec["is_deleted"], "deal_probability": rec["is_deal_probability_enabled"],
                "add_time": v1_dt(rec["add_time"]), "update_time": v1_dt(rec["update_time"]),
                "selected": rec["is_selected"]}
    if entity == "stages":
        return {"id": rec["id"], "order_nr": rec["order_nr"], "name": rec["name"], "active_flag": not rec["is_deleted"],
                "deal_probability": rec["deal_probability"], "pipeline_id": rec["pipeline_id"],
                "rotten_flag": rec["is_deal_rot_enabled"], "rotten_days": rec["days_to_rotten"],
                "add_time": v1_dt(rec["add_time"]), "update_time": v1_dt(rec["update_time"])}
    if entity == "users":
        out = _v1_times(rec, ())
        out["last_login"] = v1_dt(rec["last_login"])
        out["created"] = v1_dt(out.pop("add_time"))
        out["modified"] = v1_dt(out.pop("update_time"))
        order = ("id", "name", "default_currency", "locale", "lang", "email", "phone", "activated", "last_login",
                 "created", "modified", "has_created_company", "access", "active_flag", "timezone_name",
                 "timezone_offset", "role_id", "icon_url", "is_you", "is_deleted")
        return {k: out.get(k) for k in order}
    if entity == "mail_threads":
        return _v1_times(rec, DEFAULT_TIME_KEYS)
    if entity == "call_logs":
        out = _v1_times(rec, ("start_time", "end_time"))
        out.pop("add_time", None)
        out.pop("update_time", None)
        return out
    out = _v1_times(rec, DEFAULT_TIME_KEYS)
    out.pop("delete_time", None)
    return out
