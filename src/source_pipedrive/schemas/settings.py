"""Schemas of the small v1 settings streams: activity types, currencies, lead labels and sources, ... ([SPEC-v1])."""

from __future__ import annotations

from .dsl import BOOL_N, DATE_N, INT, INT_N, NUM_N, STR, STR_N, V1_DT_N, arr, described, obj, record
from .engagement import TS_N

ACTIVITY_TYPES = record(
    id=INT,
    name=STR_N,
    icon_key=STR_N,
    color=described(STR_N, "hex RGB without #, e.g. FFFFFF"),
    order_nr=INT_N,
    key_string=STR_N,
    active_flag=BOOL_N,
    is_custom_flag=BOOL_N,
    add_time=TS_N,
    update_time=TS_N,
)

CURRENCIES = record(
    id=INT,
    code=described(STR_N, "ISO 4217, or a custom code when is_custom_flag"),
    name=STR_N,
    decimal_points=INT_N,
    symbol=STR_N,
    active_flag=BOOL_N,
    is_custom_flag=BOOL_N,
)

# Lead labels have UUID ids and ISO 8601 times like leads ([SPEC-v1] example).
LEAD_LABELS = record(
    id=described(STR, "UUID"),
    name=STR_N,
    color=described(STR_N, "blue, brown, dark-gray, gray, green, orange, pink, purple, red or yellow"),
    add_time=TS_N,
    update_time=TS_N,
)

# GET /v1/leadSources items carry only a name ([SPEC-v1]); the name is the key.
LEAD_SOURCES = record(name=STR)

FILTERS = record(
    id=INT,
    name=STR_N,
    filter_code=STR_N,
    is_editable=BOOL_N,
    active_flag=BOOL_N,
    type=described(STR_N, "deals, leads, org, people, products, activity or projects"),
    temporary_flag=BOOL_N,
    user_id=INT_N,
    add_time=V1_DT_N,
    update_time=V1_DT_N,
    visible_to=described(STR_N, "1, 3, 5 or 7"),
    last_used_time=V1_DT_N,
    custom_view_id=INT_N,
)

PERMISSION_SETS = record(
    id=described(STR, "UUID"),
    name=STR_N,
    description=STR_N,
    app=described(STR_N, "sales, projects, campaigns, global, account_settings, partnership or nova"),
    type=described(STR_N, "admin, manager, regular or custom"),
    assignment_count=INT_N,
)

# GET /v1/roles: the counts are strings in the spec ([SPEC-v1]).
ROLES = record(
    id=INT,
    parent_role_id=INT_N,
    name=STR_N,
    active_flag=BOOL_N,
    assignment_count=described(STR_N, "a number, sent as a string"),
    sub_role_count=described(STR_N, "a number, sent as a string"),
    level=INT_N,
)

# GET /v1/goals/find items: the list sits under data.goals ([SPEC-v1]; Stream.records_key).
GOALS = record(
    id=STR,
    owner_id=INT_N,
    title=STR_N,
    type=obj(name=STR_N, params=obj(pipeline_id=arr(INT_N), activity_type_id=arr(INT_N), stage_id=INT_N)),
    assignee=obj(id=INT_N, type=described(STR_N, "person, company or team")),
    interval=described(STR_N, "weekly, monthly, quarterly or yearly"),
    duration=obj(start=DATE_N, end=DATE_N),
    expected_outcome=obj(target=NUM_N, tracking_metric=described(STR_N, "quantity or sum"), currency_id=INT_N),
    is_active=BOOL_N,
    report_ids=arr(STR_N),
)

SCHEMAS = {
    "activity_types": ACTIVITY_TYPES,
    "currencies": CURRENCIES,
    "lead_labels": LEAD_LABELS,
    "lead_sources": LEAD_SOURCES,
    "filters": FILTERS,
    "permission_sets": PERMISSION_SETS,
    "roles": ROLES,
    "goals": GOALS,
}
