"""Schemas of the sales streams: deals, leads, pipelines, stages, products ([SPEC-v2], v1 for leads)."""

from __future__ import annotations

from .dsl import (
    BOOL_N,
    COUNT,
    DATE_N,
    DT_N,
    INT,
    INT_N,
    NUM_N,
    STR,
    STR_N,
    arr,
    described,
    obj,
    record,
)

CUSTOM_FIELDS = described(
    obj(),
    "Custom field values keyed by the field's 40-character hash ([RD-CF]); typed per account at discover.",
)

# GET /api/v2/deals and /api/v2/deals/archived return the same item ([SPEC-v2]). The spec's example
# deals also carry creator_user_id, archive_time and the local_*_date keys, which its item schema lacks.
# `labels` is left out: only include_labels=true returns it, and the connector does not send that.
DEALS = record(
    id=INT,
    title=STR_N,
    creator_user_id=INT_N,
    owner_id=INT_N,
    person_id=INT_N,
    org_id=INT_N,
    pipeline_id=INT_N,
    stage_id=INT_N,
    value=NUM_N,
    currency=STR_N,
    add_time=DT_N,
    update_time=DT_N,
    stage_change_time=DT_N,
    is_deleted=BOOL_N,
    is_archived=described(BOOL_N, "Archived deals are read from /api/v2/deals/archived ([CL-ARCH])"),
    archive_time=DT_N,
    status=described(STR_N, "open, won, lost or deleted"),
    probability=NUM_N,
    lost_reason=STR_N,
    visible_to=described(INT_N, "1 owner, 3 owner's group, 5 group and sub-groups, 7 company"),
    close_time=DT_N,
    won_time=DT_N,
    lost_time=DT_N,
    local_won_date=DATE_N,
    local_lost_date=DATE_N,
    local_close_date=DATE_N,
    expected_close_date=DATE_N,
    label_ids=arr(INT_N),
    origin=STR_N,
    origin_id=STR_N,
    channel=INT_N,
    channel_id=STR_N,
    arr=NUM_N,
    mrr=NUM_N,
    acv=NUM_N,
    # Returned only when named in include_fields ([SPEC-v2] GET /deals parameters); the connector
    # asks for all 16. Only source_lead_id is in the item schema; the others are typed from their names:
    # ids and counts integers, *_time RFC 3339 timestamps, the Smart BCC address a string.
    source_lead_id={**STR_N, "format": "uuid", "description": "UUID of the lead this deal was converted from"},
    next_activity_id=INT_N,
    last_activity_id=INT_N,
    first_won_time=DT_N,
    products_count=COUNT,
    files_count=COUNT,
    notes_count=COUNT,
    followers_count=COUNT,
    email_messages_count=COUNT,
    activities_count=COUNT,
    done_activities_count=COUNT,
    undone_activities_count=COUNT,
    participants_count=COUNT,
    last_incoming_mail_time=DT_N,
    last_outgoing_mail_time=DT_N,
    smart_bcc_email=STR_N,
    custom_fields=CUSTOM_FIELDS,
)

# GET /v1/leads and /v1/leads/archived ([SPEC-v1]): UUID ids, ISO 8601 times with milliseconds,
# value {amount, currency}; custom fields sit at the top level, v1-shaped (added by fields.py).
LEADS = record(
    id=described(STR, "Lead UUID"),
    title=STR_N,
    owner_id=INT_N,
    creator_id=INT_N,
    label_ids=arr(STR_N),
    person_id=INT_N,
    organization_id=INT_N,
    source_name=STR_N,
    origin=STR_N,
    origin_id=STR_N,
    channel=INT_N,
    channel_id=STR_N,
    source_deal_id=INT_N,
    is_archived=described(BOOL_N, "Archived leads are read from /v1/leads/archived ([CL-ARCH])"),
    # Not in [SPEC-v1]; the sandbox sends it (ISO 8601) on archived leads. Untimed until the real format is known.
    archive_time=described(STR_N, "Undocumented; seen on archived leads, format unverified"),
    was_seen=BOOL_N,
    value=obj(amount=NUM_N, currency=STR_N),
    expected_close_date=DATE_N,
    next_activity_id=INT_N,
    add_time=DT_N,
    update_time=DT_N,
    visible_to=described(STR_N, "v1 sends the visibility as a string: 1, 3, 5 or 7"),
    cc_email=STR_N,
)

PIPELINES = record(
    id=INT,
    name=STR_N,
    order_nr=INT_N,
    is_deleted=BOOL_N,
    is_deal_probability_enabled=BOOL_N,
    is_selected=BOOL_N,  # v1 `selected` renamed ([RD-V2MIG]); absent from the item schema
    add_time=DT_N,
    update_time=DT_N,
)

STAGES = record(
    id=INT,
    order_nr=INT_N,
    name=STR_N,
    is_deleted=BOOL_N,
    deal_probability=INT_N,
    pipeline_id=INT_N,
    is_deal_rot_enabled=BOOL_N,
    days_to_rotten=INT_N,
    add_time=DT_N,
    update_time=DT_N,
)

PRODUCTS = record(
    id=INT,
    name=STR_N,
    code=STR_N,
    unit=STR_N,
    tax=NUM_N,
    is_deleted=BOOL_N,
    is_linkable=BOOL_N,
    # The spec declares `type: object` with enum [1, 3, 5, 7]; the values are integers.
    visible_to=described(INT_N, "1 owner, 3 owner's group, 5 group and sub-groups, 7 company"),
    owner_id=INT_N,
    add_time=DT_N,
    update_time=DT_N,
    description=STR_N,
    category=STR_N,
    billing_frequency=described(STR_N, "one-time, annually, semi-annually, quarterly, monthly or weekly"),
    billing_frequency_cycles=INT_N,
    prices=arr(
        obj(
            product_id=INT_N,
            price=NUM_N,
            currency=STR_N,
            cost=NUM_N,
            direct_cost=NUM_N,
            notes=STR_N,
        )
    ),
    custom_fields=CUSTOM_FIELDS,
)

SCHEMAS = {"deals": DEALS, "leads": LEADS, "pipelines": PIPELINES, "stages": STAGES, "products": PRODUCTS}
