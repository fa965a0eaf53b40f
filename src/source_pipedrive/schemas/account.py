"""Schemas of the account streams read from API v1: users and activity_fields ([SPEC-v1])."""

from __future__ import annotations

from .dsl import BOOL_N, DT_N, INT, INT_N, STR_N, V1_DT_N, arr, described, obj, record

# GET /v1/users: times are "YYYY-MM-DD HH:MM:SS" UTC, so no date-time format ([SPEC-v1], [RD-DATE]).
USERS = record(
    id=INT,
    name=STR_N,
    default_currency=STR_N,
    locale=STR_N,
    lang=INT_N,
    email=STR_N,
    phone=STR_N,
    activated=BOOL_N,
    last_login=V1_DT_N,
    created=V1_DT_N,
    modified=V1_DT_N,
    has_created_company=BOOL_N,
    access=arr(
        obj(
            app=described(STR_N, "global, sales, campaigns, projects, account_settings, partnership or nova"),
            admin=BOOL_N,
            permission_set_id=STR_N,
        )
    ),
    active_flag=BOOL_N,
    timezone_name=STR_N,
    timezone_offset=described(STR_N, "e.g. +03:00"),
    role_id=INT_N,
    icon_url=STR_N,
    is_you=BOOL_N,
    is_deleted=BOOL_N,
)

# Option ids are integers for custom fields and strings for built-in ones ([SPEC-v2] *Fields). No
# ["integer", "string"] union is allowed ([AB-CAT]) and an untyped property is not understood by
# PyAirbyte ([PYAIRBYTE-TYPES]), so `id` is left undeclared: it passes through as sent
# (additionalProperties), and the options array is one JSON column in destinations anyway.
OPTION_ID_NOTE = "Each option also has an `id`: an integer for custom fields, a string for built-in ones."
_OPTION = obj(
    label=STR_N,
    color=STR_N,
    add_time=DT_N,
    update_time=DT_N,
)

# GET /v1/activityFields. The spec says format date-time for add_time/update_time, but its example
# (and v1 in general) sends "2019-02-04 13:58:03", which is not RFC 3339.
ACTIVITY_FIELDS = record(
    id=described(INT, "Top-level fields have an id; only nested subfields have null ids"),
    key=STR_N,
    name=STR_N,
    order_nr=INT_N,
    field_type=STR_N,
    add_time=V1_DT_N,
    update_time=V1_DT_N,
    last_updated_by_user_id=INT_N,
    created_by_user_id=INT_N,
    active_flag=BOOL_N,
    edit_flag=described(BOOL_N, "true for custom fields ([SPEC-v1])"),
    index_visible_flag=BOOL_N,
    details_visible_flag=BOOL_N,
    add_visible_flag=BOOL_N,
    important_flag=BOOL_N,
    bulk_edit_allowed=BOOL_N,
    searchable_flag=BOOL_N,
    filtering_allowed=BOOL_N,
    sortable_flag=BOOL_N,
    mandatory_flag=BOOL_N,
    options=described(arr(_OPTION), OPTION_ID_NOTE),
    options_deleted=described(arr(_OPTION), OPTION_ID_NOTE),
    is_subfield=BOOL_N,
    subfields=arr(obj(id=INT_N, key=STR_N, name=STR_N, field_type=STR_N)),
)

SCHEMAS = {"users": USERS, "activity_fields": ACTIVITY_FIELDS}
