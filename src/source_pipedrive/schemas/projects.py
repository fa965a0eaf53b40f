"""Schemas of Pipedrive Projects (projects, tasks, project templates, boards, project fields) and webhooks
([SPEC-v2], [SPEC-v1])."""

from __future__ import annotations

from .dsl import BOOL_N, DATE_N, DT_N, INT, INT_N, NUM_N, STR, STR_N, arr, described, obj, record
from .fieldlists import _V2_OPTION
from .sales import CUSTOM_FIELDS

# GET /api/v2/projects and /api/v2/projects/archived: archived projects carry archive_time (the item has
# no is_archived flag).
PROJECTS = record(
    id=INT,
    title=STR_N,
    board_id=INT_N,
    phase_id=INT_N,
    owner_id=INT_N,
    status=described(STR_N, "open, completed, canceled or deleted"),
    description=STR_N,
    start_date=DATE_N,
    end_date=DATE_N,
    deal_ids=arr(INT_N),
    person_ids=arr(INT_N),
    org_ids=arr(INT_N),
    label_ids=arr(INT_N),
    health_status=INT_N,
    status_change_time=DT_N,
    archive_time=described(DT_N, "set on archived projects (read from /api/v2/projects/archived)"),
    add_time=DT_N,
    update_time=DT_N,
    custom_fields=CUSTOM_FIELDS,
)

TASKS = record(
    id=INT,
    title=STR_N,
    project_id=INT_N,
    creator_id=INT_N,
    description=STR_N,
    parent_task_id=INT_N,
    assignee_ids=arr(INT_N),
    is_done=BOOL_N,
    is_milestone=BOOL_N,
    priority=INT_N,
    start_date=DATE_N,
    due_date=DATE_N,
    marked_as_done_time=DT_N,
    add_time=DT_N,
    update_time=DT_N,
)

PROJECT_TEMPLATES = record(
    id=INT,
    title=STR_N,
    description=STR_N,
    projects_board_id=INT_N,
    owner_id=INT_N,
    add_time=DT_N,
    update_time=DT_N,
)

BOARDS = record(id=INT, name=STR_N, order_nr=INT_N, add_time=DT_N, update_time=DT_N)

# GET /api/v2/projectFields: like the other v2 *Fields, field_code is the key; this operation takes no
# include_fields, so ui_visibility, important_fields and required_fields always come ([SPEC-v2]).
PROJECT_FIELDS = record(
    field_code=described(STR, "built-in key, or the 40-hex key of a custom field ([RD-CF])"),
    field_name=STR_N,
    field_type=STR_N,
    options=arr(_V2_OPTION),
    subfields=arr(obj(field_code=STR_N, field_name=STR_N, field_type=STR_N)),
    is_custom_field=BOOL_N,
    is_optional_response_field=BOOL_N,
    ui_visibility=obj(add_visible_flag=BOOL_N, details_visible_flag=BOOL_N),
    important_fields=obj(enabled=BOOL_N, stage_ids=arr(INT_N)),
    required_fields=obj(enabled=BOOL_N),
)

# GET /v1/webhooks: is_active is 0 or 1 (a number in the spec); times ISO 8601 as in the spec's example.
WEBHOOKS = record(
    id=INT,
    company_id=INT_N,
    owner_id=INT_N,
    user_id=INT_N,
    admin_id=INT_N,
    name=STR_N,
    type=described(STR_N, "general, application or automation"),
    event_action=STR_N,
    event_object=STR_N,
    subscription_url=STR_N,
    version=STR_N,
    is_active=described(NUM_N, "1 active, 0 inactive"),
    add_time=DT_N,
    remove_time=DT_N,
    remove_reason=STR_N,
    http_auth_user=STR_N,
    http_auth_password=described(STR_N, "as sent by the API"),
    last_delivery_time=DT_N,
    last_http_status=INT_N,
)

PHASES = record(
    id=INT,
    name=STR_N,
    board_id=described(INT_N, "the board this phase belongs to (boards.id)"),
    order_nr=INT_N,
    add_time=DT_N,
    update_time=DT_N,
)

SCHEMAS = {
    "projects": PROJECTS,
    "tasks": TASKS,
    "project_templates": PROJECT_TEMPLATES,
    "boards": BOARDS,
    "phases": PHASES,
    "project_fields": PROJECT_FIELDS,
    "webhooks": WEBHOOKS,
}
