"""Schemas of the v1 engagement streams: notes, files, call_logs, mail_threads ([SPEC-v1])."""

from __future__ import annotations

from .dsl import BOOL_N, INT, INT_N, NUM_N, STR, STR_N, V1_DT_N, arr, described, obj, record

# Some v1 endpoints send "YYYY-MM-DD HH:MM:SS", others ISO 8601 with ms (the spec examples of
# callLogs and mailThreads do, [SPEC-v1]); no `format`, so neither style fails validation.
TS_N = described(STR_N, "UTC timestamp: YYYY-MM-DD HH:MM:SS or ISO 8601, as the endpoint sends it")
FLAG01 = described(INT_N, "0 or 1")  # mailbox flags are numbers, not booleans ([SPEC-v1])
NAME = obj(name=STR_N)
TITLE = obj(title=STR_N)

# GET /v1/notes: the linked deal/person/org/project/task come nested by name or title.
NOTES = record(
    id=INT,
    user_id=INT_N,
    deal_id=INT_N,
    person_id=INT_N,
    org_id=INT_N,
    lead_id=described(STR_N, "UUID"),
    project_id=INT_N,
    task_id=INT_N,
    content=described(STR_N, "HTML"),
    add_time=V1_DT_N,
    update_time=V1_DT_N,
    active_flag=BOOL_N,
    last_update_user_id=INT_N,
    pinned_to_deal_flag=BOOL_N,
    pinned_to_organization_flag=BOOL_N,
    pinned_to_person_flag=BOOL_N,
    pinned_to_lead_flag=BOOL_N,
    pinned_to_project_flag=BOOL_N,
    pinned_to_task_flag=BOOL_N,
    deal=TITLE,
    organization=NAME,
    person=NAME,
    project=TITLE,
    task=TITLE,
    user=obj(email=STR_N, icon_url=STR_N, is_you=BOOL_N, name=STR_N),
)

# GET /v1/files (metadata only; the content is behind `url`).
FILES = record(
    id=INT,
    user_id=INT_N,
    deal_id=INT_N,
    person_id=INT_N,
    org_id=INT_N,
    product_id=INT_N,
    activity_id=INT_N,
    lead_id=described(STR_N, "UUID"),
    project_id=INT_N,
    log_id=INT_N,
    add_time=V1_DT_N,
    update_time=V1_DT_N,
    file_name=STR_N,
    file_type=STR_N,
    file_size=INT_N,
    active_flag=BOOL_N,
    inline_flag=BOOL_N,
    remote_location=STR_N,
    remote_id=STR_N,
    cid=STR_N,
    s3_bucket=STR_N,
    mail_message_id=STR_N,
    mail_template_id=STR_N,
    deal_name=STR_N,
    person_name=STR_N,
    org_name=STR_N,
    product_name=STR_N,
    lead_name=STR_N,
    project_name=STR_N,
    url=STR_N,
    name=STR_N,
    description=STR_N,
)

# GET /v1/callLogs: string ids ("CAd92b..."), duration in seconds as a string ([SPEC-v1]).
CALL_LOGS = record(
    id=STR,
    user_id=INT_N,
    activity_id=INT_N,
    subject=STR_N,
    duration=described(STR_N, "seconds, as a string"),
    outcome=described(STR_N, "connected, no_answer, left_message, left_voicemail, wrong_number or busy"),
    from_phone_number=STR_N,
    to_phone_number=STR_N,
    start_time=TS_N,
    end_time=TS_N,
    person_id=INT_N,
    org_id=INT_N,
    deal_id=INT_N,
    lead_id=described(STR_N, "UUID"),
    note=STR_N,
    has_recording=BOOL_N,
    company_id=INT_N,
)

MAIL_PARTY = obj(
    id=INT_N,
    name=STR_N,
    latest_sent=BOOL_N,
    email_address=STR_N,
    message_time=described(NUM_N, "epoch milliseconds"),
    linked_person_id=INT_N,
    linked_person_name=STR_N,
    linked_organization_id=INT_N,
    mail_message_party_id=INT_N,
)

# GET /v1/mailbox/mailThreads?folder=…: one part per folder; `folders` says where a thread lives.
MAIL_THREADS = record(
    id=INT,
    account_id=STR_N,
    user_id=INT_N,
    subject=STR_N,
    snippet=STR_N,
    read_flag=FLAG01,
    mail_tracking_status=STR_N,
    has_attachments_flag=FLAG01,
    has_inline_attachments_flag=FLAG01,
    has_real_attachments_flag=FLAG01,
    deleted_flag=FLAG01,
    synced_flag=FLAG01,
    smart_bcc_flag=FLAG01,
    mail_link_tracking_enabled_flag=FLAG01,
    parties=obj(to=arr(MAIL_PARTY), **{"from": arr(MAIL_PARTY)}),
    drafts_parties=arr(obj()),
    folders=arr(described(STR_N, "inbox, drafts, sent or archive")),
    version=NUM_N,
    snippet_draft=STR_N,
    snippet_sent=STR_N,
    message_count=INT_N,
    has_draft_flag=FLAG01,
    has_sent_flag=FLAG01,
    archived_flag=FLAG01,
    shared_flag=FLAG01,
    external_deleted_flag=FLAG01,
    first_message_to_me_flag=FLAG01,
    last_message_timestamp=TS_N,
    first_message_timestamp=TS_N,
    last_message_sent_timestamp=TS_N,
    last_message_received_timestamp=TS_N,
    add_time=TS_N,
    update_time=TS_N,
    deal_id=INT_N,
    deal_status=STR_N,
    lead_id=described(STR_N, "UUID"),
    all_messages_sent_flag=FLAG01,
)

SCHEMAS = {"notes": NOTES, "files": FILES, "call_logs": CALL_LOGS, "mail_threads": MAIL_THREADS}
