"""v1 record shapes [SPEC-v1]: v1 names and flags, UTC "YYYY-MM-DD HH:MM:SS" times, top-level custom keys.

One shape function per entity (all called as shape(rec, cf)); notes, files and anything else without one
keep their keys with v1 times.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data.clock import lead_dt, v1_dt
from ..data.custom_fields import CustomFields
from ..data.derived import deal_extra
from ..data.record import Record
from .custom_values import ADDRESS_PARTS, v1_values

V1 = dict[str, Any]
_TIMES = ("add_time", "update_time")
_COUNTS = ("activities_count", "done_activities_count", "undone_activities_count", "email_messages_count",
           "files_count", "notes_count", "followers_count")
_DEAL_COUNTS = ("open_deals_count", "related_open_deals_count", "closed_deals_count", "related_closed_deals_count",
                "won_deals_count", "related_won_deals_count", "lost_deals_count", "related_lost_deals_count")
# v1-only keys with fixed values in the sandbox (present so every v1 schema property is there) [SPEC-v1]
_DEFAULTS: dict[str, V1] = {
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
_DEAL_V1_COUNTS = ("products_count", "files_count", "notes_count", "followers_count", "email_messages_count",
                   "activities_count", "done_activities_count", "undone_activities_count", "participants_count")
_USER_KEYS = ("id", "name", "default_currency", "locale", "lang", "email", "phone", "activated", "last_login",
              "created", "modified", "has_created_company", "access", "active_flag", "timezone_name",
              "timezone_offset", "role_id", "icon_url", "is_you", "is_deleted")


def v1(entity: str, rec: Record, cf: CustomFields) -> V1:
    """v1 shape (as in /v1/recents `data` payloads) [SPEC-v1]: v1 names, flags and UTC times."""
    return _SHAPES.get(entity, _plain)(rec, cf)


def _times(rec: Record, keys: tuple[str, ...]) -> V1:
    """The record's public keys (not "_..."), `keys` as v1 times."""
    out = {k: v for k, v in rec.items() if k[0] != "_"}
    for k in keys:
        if k in out:
            out[k] = v1_dt(out[k])
    return out


def _address(prefix: str, a: dict[str, Any] | None) -> V1:
    out = {prefix: None if a is None else a.get("value")}
    for part in ADDRESS_PARTS:
        out[f"{prefix}_{part}"] = None if a is None else a.get(part)
    return out


def _cc_email(entity: str, rec: Record) -> str:
    return f"company+{entity[:-1]}{rec['id']}@pipedrivemail.example"


def _lead(rec: Record, cf: CustomFields) -> V1:
    """v1 lead: UUID id, ISO ms timestamps, value {amount, currency}, custom fields only when set [SPEC-v1]."""
    out = {k: v for k, v in rec.items() if k[0] != "_" and k not in ("archive_time",)}
    out["add_time"] = lead_dt(rec["add_time"] * 1000 + rec["_add_ms"])
    out["update_time"] = lead_dt(rec["update_time"] * 1000 + rec["_upd_ms"])
    out.update(v1_values(cf["lead"], rec["_cf"], omit_unset=True))
    return out


def _deal(rec: Record, cf: CustomFields) -> V1:
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
    for k in _DEAL_V1_COUNTS:
        out[k] = e.get(k, 0)
    out.update(_DEFAULTS["deals"])
    out.update(v1_values(cf["deal"], rec["_cf"]))
    return out


def _listed(rec: Record) -> V1:
    """The common part of persons, organizations and products: active_flag instead of is_deleted."""
    out = _times(rec, _TIMES)
    out.pop("is_deleted", None)
    out.pop("delete_time", None)
    out["active_flag"] = not rec["is_deleted"]
    out["visible_to"] = str(rec["visible_to"])
    return out


def _person(rec: Record, cf: CustomFields) -> V1:
    out = _listed(rec)
    out["phone"] = out.pop("phones") or [{"value": "", "primary": True}]
    out["email"] = out.pop("emails") or [{"value": "", "primary": True}]
    out["im"] = out.get("im") or []
    out["first_char"] = (rec["name"] or " ")[0].lower()
    out.update(_address("postal_address", out.pop("postal_address")))
    out["label"] = rec["label_ids"][0] if rec["label_ids"] else None
    out.update(_DEFAULTS["persons"])
    out["cc_email"] = _cc_email("persons", rec)
    out.update(v1_values(cf["person"], rec["_cf"]))
    return out


def _organization(rec: Record, cf: CustomFields) -> V1:
    out = _listed(rec)
    out.update(_address("address", out.pop("address")))
    out["first_char"] = rec["name"][0].lower()
    out.update(_DEFAULTS["organizations"])
    out["cc_email"] = _cc_email("organizations", rec)
    out.update(v1_values(cf["organization"], rec["_cf"]))
    return out


def _product(rec: Record, cf: CustomFields) -> V1:
    out = _listed(rec)
    out.update(_DEFAULTS["products"])
    out["first_char"] = (rec["name"] or " ")[0].lower()
    out.update(v1_values(cf["product"], rec["_cf"]))
    return out


def _activity(rec: Record, cf: CustomFields) -> V1:
    out = _times(rec, ("add_time", "update_time", "marked_as_done_time"))
    out["user_id"] = out.pop("owner_id")
    out["created_by_user_id"] = out.pop("creator_user_id")
    out["busy_flag"] = out.pop("busy")
    out["active_flag"] = not out.pop("is_deleted")
    out.pop("delete_time", None)
    out.pop("priority", None)
    out.update(_address("location", out.pop("location")))
    out["person_id"] = rec["person_id"]
    out["update_user_id"] = rec["owner_id"]
    out["assigned_to_user_id"] = rec["owner_id"]
    out.update(_DEFAULTS["activities"])
    return out


def _pipeline(rec: Record, cf: CustomFields) -> V1:
    return {"id": rec["id"], "name": rec["name"], "url_title": rec["url_title"], "order_nr": rec["order_nr"],
            "active": not rec["is_deleted"], "deal_probability": rec["is_deal_probability_enabled"],
            "add_time": v1_dt(rec["add_time"]), "update_time": v1_dt(rec["update_time"]),
            "selected": rec["is_selected"]}


def _stage(rec: Record, cf: CustomFields) -> V1:
    return {"id": rec["id"], "order_nr": rec["order_nr"], "name": rec["name"], "active_flag": not rec["is_deleted"],
            "deal_probability": rec["deal_probability"], "pipeline_id": rec["pipeline_id"],
            "rotten_flag": rec["is_deal_rot_enabled"], "rotten_days": rec["days_to_rotten"],
            "add_time": v1_dt(rec["add_time"]), "update_time": v1_dt(rec["update_time"])}


def _user(rec: Record, cf: CustomFields) -> V1:
    out = _times(rec, ())
    out["last_login"] = v1_dt(rec["last_login"])
    out["created"] = v1_dt(out.pop("add_time"))
    out["modified"] = v1_dt(out.pop("update_time"))
    return {k: out.get(k) for k in _USER_KEYS}


def _mail_thread(rec: Record, cf: CustomFields) -> V1:
    return _times(rec, _TIMES)


def _call_log(rec: Record, cf: CustomFields) -> V1:
    out = _times(rec, ("start_time", "end_time"))
    out.pop("add_time", None)
    out.pop("update_time", None)
    return out


def _plain(rec: Record, cf: CustomFields) -> V1:
    out = _times(rec, _TIMES)
    out.pop("delete_time", None)
    return out


_SHAPES: dict[str, Callable[[Record, CustomFields], V1]] = {
    "leads": _lead, "deals": _deal, "persons": _person, "organizations": _organization, "products": _product,
    "activities": _activity, "pipelines": _pipeline, "stages": _stage, "users": _user,
    "mail_threads": _mail_thread, "call_logs": _call_log,
}
