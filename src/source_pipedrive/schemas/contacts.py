"""Schemas of the contact streams: persons, organizations, activities ([SPEC-v2])."""

from __future__ import annotations

from .dsl import (
    ADDRESS,
    BOOL_N,
    COUNT,
    DATE_N,
    DT_N,
    ID_LABEL,
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

# Counts and times both persons and organizations return only via include_fields ([SPEC-v2]).
_CONTACT_EXTRAS = dict(
    next_activity_id=INT_N,
    last_activity_id=INT_N,
    open_deals_count=COUNT,
    related_open_deals_count=COUNT,
    closed_deals_count=COUNT,
    related_closed_deals_count=COUNT,
    won_deals_count=COUNT,
    related_won_deals_count=COUNT,
    lost_deals_count=COUNT,
    related_lost_deals_count=COUNT,
    email_messages_count=COUNT,
    activities_count=COUNT,
    done_activities_count=COUNT,
    undone_activities_count=COUNT,
    files_count=COUNT,
    notes_count=COUNT,
    followers_count=COUNT,
    smart_bcc_email=STR_N,
)

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
    labels=arr(ID_LABEL),
    picture_id=INT_N,
    # Contact Sync fields, present only when contact sync is enabled ([SPEC-v2], [RD-CF]).
    postal_address=ADDRESS,
    notes=STR_N,
    im=arr(CONTACT),
    birthday=described(STR_N, "Usually YYYY-MM-DD; not declared as a date by the spec"),
    job_title=STR_N,
    participant_open_deals_count=COUNT,
    participant_closed_deals_count=COUNT,
    last_incoming_mail_time=DT_N,
    last_outgoing_mail_time=DT_N,
    marketing_status=described(STR_N, "Only with the Campaigns (marketing) app"),
    doi_status=described(STR_N, "Double opt-in status; only with the Campaigns (marketing) app"),
    **_CONTACT_EXTRAS,
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
    labels=arr(ID_LABEL),
    website=STR_N,
    linkedin=STR_N,
    industry=INT_N,
    annual_revenue=INT_N,
    employee_count=INT_N,
    people_count=COUNT,
    **_CONTACT_EXTRAS,
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
    # Activities have custom fields too (v2 activityFields with is_custom_field); not in the item schema.
    custom_fields=CUSTOM_FIELDS,
)

SCHEMAS = {"persons": PERSONS, "organizations": ORGANIZATIONS, "activities": ACTIVITIES}
