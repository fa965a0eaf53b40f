"""Schemas of the contact streams: persons, organizations, activities ([SPEC-v2])."""

from __future__ import annotations

from .dsl import (
    ADDRESS,
    BOOL_N,
    DATE_N,
    DT_N,
    INT,
    INT_N,
    STR_N,
    TIME_N,
    arr,
    described,
    obj,
    record,
)
from .sales import CUSTOM_FIELDS

VISIBLE_TO = described(INT_N, "1 owner, 3 owner's group, 5 group and sub-groups, 7 company")
CONTACT = obj(value=STR_N, primary=BOOL_N, label=STR_N)  # one email / phone / im entry

# Left out on purpose: the counts, activity ids, mail times and smart_bcc_email that persons and
# organizations return only when named in include_fields ([SPEC-v2]); the connector does not ask for
# them (marketing_status and doi_status would also need the Campaigns app). Also `labels`, which only
# include_labels=true returns. Declared, they would be columns that are always null.

PERSONS = record(
    id=INT,
    name=STR_N,
    first_name=STR_N,
    last_name=STR_N,
    owner_id=INT_N,
    org_id=INT_N,
    add_time=DT_N,
    update_time=described(DT_N, "For a deleted person this is the delete time ([RD-V2MIG])"),
    emails=arr(CONTACT),
    phones=arr(CONTACT),
    is_deleted=BOOL_N,
    visible_to=VISIBLE_TO,
    label_ids=arr(INT_N),
    picture_id=INT_N,
    # Contact Sync fields, present only when contact sync is enabled ([SPEC-v2], [RD-CF]): nullable.
    postal_address=ADDRESS,
    notes=STR_N,
    im=arr(CONTACT),
    birthday=described(STR_N, "Usually YYYY-MM-DD; not declared as a date by the spec"),
    job_title=STR_N,
    custom_fields=CUSTOM_FIELDS,
)

ORGANIZATIONS = record(
    id=INT,
    name=STR_N,
    owner_id=INT_N,
    org_id=described(INT_N, "Shown in the spec's example item only"),
    add_time=DT_N,
    update_time=DT_N,
    is_deleted=BOOL_N,
    visible_to=VISIBLE_TO,
    address=ADDRESS,
    label_ids=arr(INT_N),
    website=STR_N,
    linkedin=STR_N,
    industry=INT_N,
    annual_revenue=INT_N,
    employee_count=INT_N,
    custom_fields=CUSTOM_FIELDS,
)

ACTIVITIES = record(
    id=INT,
    subject=STR_N,
    type=described(STR_N, "key_string of an activity type (/v1/activityTypes)"),
    owner_id=INT_N,
    creator_user_id=INT_N,
    is_deleted=BOOL_N,
    add_time=DT_N,
    update_time=DT_N,
    deal_id=INT_N,
    lead_id=described(STR_N, "Lead UUID"),
    person_id=INT_N,
    org_id=INT_N,
    project_id=INT_N,
    due_date=DATE_N,
    due_time=TIME_N,
    duration=TIME_N,
    busy=BOOL_N,
    done=BOOL_N,
    marked_as_done_time=DT_N,
    location=ADDRESS,
    participants=arr(obj(person_id=INT_N, primary=BOOL_N)),
    # Returned only when named in include_fields ([SPEC-v2] GET /activities); the connector asks for it.
    attendees=arr(
        obj(
            email=STR_N,
            name=STR_N,
            status=STR_N,
            is_organizer=BOOL_N,
            person_id=INT_N,
            user_id=INT_N,
        )
    ),
    conference_meeting_client=STR_N,
    conference_meeting_url=STR_N,
    conference_meeting_id=STR_N,
    public_description=STR_N,
    priority=described(INT_N, "An option id of the activityFields `priority` field"),
    note=STR_N,
    # No custom_fields: the [SPEC-v2] activity item has none, and the stream reads no *Fields endpoint.
)

SCHEMAS = {"persons": PERSONS, "organizations": ORGANIZATIONS, "activities": ACTIVITIES}
