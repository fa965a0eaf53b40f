"""Schemas of the field-definition streams: v2 deal/person/organization/product fields, v1 lead and note fields."""

from __future__ import annotations

from .account import ACTIVITY_FIELDS, OPTION_ID_NOTE
from .dsl import BOOL_N, DT_N, INT_N, STR, STR_N, arr, described, obj, record

# `id` left undeclared, as in account._OPTION: an integer or a string.
_V2_OPTION = obj(
    label=STR_N,
    color=STR_N,
    add_time=DT_N,
    update_time=DT_N,
)

# GET /api/v2/{deal,person,organization,product}Fields share one item shape ([SPEC-v2]). There is no
# id: field_code is the key. ui_visibility, important_fields and required_fields are left out: they
# come only when named in include_fields, which the connector does not send for these streams.
# `description` is in the dealFields item and in the personFields example, so it is declared for all.
V2_FIELDS = record(
    field_code=described(STR, "built-in key, or the 40-hex key of a custom field ([RD-CF])"),
    field_name=STR_N,
    description=STR_N,
    field_type=STR_N,
    options=described(arr(_V2_OPTION), OPTION_ID_NOTE),
    subfields=arr(obj(field_code=STR_N, field_name=STR_N, field_type=STR_N)),
    is_custom_field=BOOL_N,
    is_optional_response_field=BOOL_N,
)

# GET /v1/leadFields: the v1 *Fields item ([SPEC-v1]), where built-in fields have a null id, so
# `key` is the primary key.
LEAD_FIELDS = record(**{**ACTIVITY_FIELDS["properties"], "id": INT_N, "key": STR})

# GET /v1/noteFields: a short item (key, name, type, flags, options [{id, label}]).
NOTE_FIELDS = record(
    id=INT_N,
    key=STR,
    name=STR_N,
    field_type=STR_N,
    active_flag=BOOL_N,
    edit_flag=BOOL_N,
    bulk_edit_allowed=BOOL_N,
    mandatory_flag=BOOL_N,
    options=arr(obj(id=INT_N, label=STR_N)),
)

SCHEMAS = {
    "deal_fields": V2_FIELDS,
    "person_fields": V2_FIELDS,
    "organization_fields": V2_FIELDS,
    "product_fields": V2_FIELDS,
    "lead_fields": LEAD_FIELDS,
    "note_fields": NOTE_FIELDS,
}
