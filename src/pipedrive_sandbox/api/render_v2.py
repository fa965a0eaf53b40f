"""v2 record shapes [SPEC-v2]: RFC 3339 times, a `custom_fields` object, optional include_fields and labels."""
from __future__ import annotations

from typing import Any

from ..data.clock import v2_dt
from ..data.custom_fields import CF_KIND, CustomFields
from ..data.derived import deal_extra
from ..data.generator import Gen
from ..data.record import Record
from .custom_values import v2_values
from .respond import dumps

_ADDRESS = ("value", "country", "admin_area_level_1", "admin_area_level_2", "locality", "sublocality", "route",
            "street_number", "subpremise", "postal_code")
_DEAL_EXTRA = ("next_activity_id", "last_activity_id", "first_won_time", "products_count", "files_count",
               "notes_count", "followers_count", "email_messages_count", "activities_count",
               "done_activities_count", "undone_activities_count", "participants_count",
               "last_incoming_mail_time", "last_outgoing_mail_time", "smart_bcc_email", "source_lead_id")
# v2 drops these v1-era or internal keys [RD-V2MIG]
_DROP = {"delete_time", "is_selected", "url_title"}
# include_labels=true adds [{id, label}] for label_ids [SPEC-v2]; deals use 1-4, persons 5-7.
LABEL_NAMES = {1: "Hot", 2: "Warm", 3: "Cold", 4: "VIP", 5: "Customer", 6: "Prospect", 7: "Partner"}


def _address(a: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if a is None else {k: a.get(k) for k in _ADDRESS}


def _deal(r: Record) -> dict[str, Any]:
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


def _person(r: Record) -> dict[str, Any]:
    f = v2_dt
    return {"id": r["id"], "name": r["name"], "first_name": r["first_name"], "last_name": r["last_name"],
            "owner_id": r["owner_id"], "org_id": r["org_id"], "add_time": f(r["add_time"]),
            "update_time": f(r["update_time"]), "emails": r["emails"], "phones": r["phones"],
            "is_deleted": r["is_deleted"], "visible_to": r["visible_to"], "label_ids": r["label_ids"],
            "picture_id": r["picture_id"], "postal_address": _address(r["postal_address"]), "notes": r["notes"],
            "im": r["im"], "birthday": r["birthday"], "job_title": r["job_title"]}


def _activity(r: Record) -> dict[str, Any]:
    f = v2_dt
    return {"id": r["id"], "subject": r["subject"], "type": r["type"], "owner_id": r["owner_id"],
            "creator_user_id": r["creator_user_id"], "is_deleted": r["is_deleted"], "add_time": f(r["add_time"]),
            "update_time": f(r["update_time"]), "deal_id": r["deal_id"], "lead_id": r["lead_id"],
            "person_id": r["person_id"], "org_id": r["org_id"], "project_id": r["project_id"],
            "due_date": r["due_date"], "due_time": r["due_time"], "duration": r["duration"], "busy": r["busy"],
            "done": r["done"], "marked_as_done_time": f(r["marked_as_done_time"]),
            "location": _address(r["location"]), "participants": r["participants"], "attendees": r["attendees"],
            "conference_meeting_client": r["conference_meeting_client"],
            "conference_meeting_url": r["conference_meeting_url"],
            "conference_meeting_id": r["conference_meeting_id"], "public_description": r["public_description"],
            "priority": r["priority"], "note": r["note"]}


def _any(r: Record) -> dict[str, Any]:
    """Organizations, products, pipelines, stages: the record's own keys, times and addresses in v2 form."""
    out: dict[str, Any] = {}
    for k, v in r.items():
        if k[0] == "_" or k in _DROP:
            continue
        if k in ("add_time", "update_time"):
            v = v2_dt(v)
        elif k in ("address", "postal_address", "location"):
            v = _address(v)
        out[k] = v
    return out


def _project(r: Record) -> dict[str, Any]:
    """Projects [SPEC-v2]: archived ones carry archive_time (the item has no is_archived)."""
    f = v2_dt
    return {"id": r["id"], "title": r["title"], "board_id": r["board_id"], "phase_id": r["phase_id"],
            "owner_id": r["owner_id"], "status": r["status"], "description": r["description"],
            "start_date": r["start_date"], "end_date": r["end_date"], "deal_ids": r["deal_ids"],
            "person_ids": r["person_ids"], "org_ids": r["org_ids"], "label_ids": r["label_ids"],
            "health_status": r["health_status"], "status_change_time": f(r["status_change_time"]),
            "archive_time": f(r["archive_time"]), "add_time": f(r["add_time"]), "update_time": f(r["update_time"]),
            "custom_fields": r["custom_fields"]}


def _task(r: Record) -> dict[str, Any]:
    f = v2_dt
    return {"id": r["id"], "title": r["title"], "project_id": r["project_id"], "creator_id": r["creator_id"],
            "description": r["description"], "parent_task_id": r["parent_task_id"], "assignee_ids": r["assignee_ids"],
            "is_done": r["is_done"], "is_milestone": r["is_milestone"], "priority": r["priority"],
            "start_date": r["start_date"], "due_date": r["due_date"],
            "marked_as_done_time": f(r["marked_as_done_time"]), "add_time": f(r["add_time"]),
            "update_time": f(r["update_time"])}


_SHAPES = {"deals": _deal, "persons": _person, "activities": _activity, "projects": _project, "tasks": _task}


def v2(entity: str, rec: Record, cf: CustomFields, *, labels: bool = False, only: frozenset[str] | None = None,
       include: tuple[str, ...] = (), skip_custom: bool = False, labels_on: bool = False) -> dict[str, Any]:
    """The v2 list item of the spec's response schema; optional include_fields appended at the end.

    source_lead_id (deals) and attendees (activities) are described as include_fields-only, but the spec's
    item schema lists them; they are always returned (null / []) so every schema property is present.
    """
    out = _SHAPES.get(entity, _any)(rec)
    kind = CF_KIND.get(entity)
    if kind and not skip_custom:
        out["custom_fields"] = v2_values(cf[kind], rec["_cf"], labels, only)
    if include:
        _add_included(entity, rec, include, out)
    if labels_on and "label_ids" in rec:
        out["labels"] = [{"id": x, "label": LABEL_NAMES.get(x, f"Label {x}")} for x in rec["label_ids"]]
    return out


def _add_included(entity: str, rec: Record, include: tuple[str, ...], out: dict[str, Any]) -> None:
    """include_fields: deals' counters and ids (derived from the id); for persons and organizations counters
    are not tracked: 0, ids and mail times null [SPEC-v2 include_fields]."""
    if entity == "deals":
        extra = deal_extra(rec)
        for k in include:
            if k == "source_lead_id":
                out[k] = rec.get("source_lead_id")
            elif k in _DEAL_EXTRA:
                v = extra.get(k)
                out[k] = v2_dt(v) if k.endswith("_time") and isinstance(v, int) else v
    elif entity in ("persons", "organizations"):
        for k in include:
            if k == "smart_bcc_email":
                out[k] = f"company+{entity[:-1]}{rec['id']}@pipedrivemail.example"
            else:
                out[k] = 0 if k.endswith("_count") else None


def v2_bytes(entity: str, rec: Record, cf: CustomFields, gen: Gen) -> bytes:
    """v2 JSON of a record; a pooled custom_fields object is serialized once and spliced in."""
    kind = CF_KIND.get(entity)
    if kind is None:
        return dumps(v2(entity, rec, cf))
    vals = rec["_cf"]
    key = gen.pool_index.get(id(vals))
    if key is None:                     # values edited through the control interface: not pooled
        return dumps(v2(entity, rec, cf))
    body = dumps(v2(entity, rec, cf, skip_custom=True))
    cfb = gen.pool_bytes.get(key)
    if cfb is None:
        cfb = gen.pool_bytes[key] = dumps(v2_values(cf[kind], vals))
    return body[:-1] + b',"custom_fields":' + cfb + b"}"
