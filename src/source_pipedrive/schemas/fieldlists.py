"""Schemas of the field-definition streams: v2 deal/person/organization/product fields, v1 lead and note fields."""

from __future__ import annotations

from .account import ACTIVITY_FIELDS
from .dsl import ANY, BOOL_N, DT_N, INT_N, STR, STR_N, arr, described, obj, record

_V2_OPTION = obj(
    id=described(ANY, "Option id: integer (custom fields) or string (built-in fields)"),
    label=STR_N,
    color=STR_N,
    add_time=DT_N,
    update_time=DT_N,
)
_SHOW = obj(show=BOOL_N, order=INT_N)
_STAGES = obj(enabled=BOOL_N, stage_ids=arr(INT_N))

# GET /api/v2/{deal,person,organization,product}Fields share one item shape ([SPEC-v2]); only
# ui_visibility differs per entity, so it declares the union. There is no id: field_code is the key.
V2_FIELDS = record(
    field_code=described(STR, "built-in key, or the 40-hex key of a custom field ([RD-CF])"),
    field_name=STR_N,
    description=STR_N,
    field_type=STR_N,
    options=arr(_V2_OPTION),
    subfields=arr(obj(field_code=STR_N, field_name=STR_N, field_type=STR_N)),
    is_custom_field=BOOL_N,
    is_optional_response_field=BOOL_N,
    ui_visibility=obj(
        add_visible_flag=BOOL_N,
        details_visible_flag=BOOL_N,
        projects_detail_visible_flag=BOOL_N,
        org_detail_visible_flag=BOOL_N,
        person_detail_visible_flag=BOOL_N,
        deal_detail_visible_flag=BOOL_N,
        show_in_pipelines=obj(show_in_all=BOOL_N, pipeline_ids=arr(INT_N)),
        show_in_add_deal_dialog=_SHOW,
        show_in_add_person_dialog=_SHOW,
    ),
    important_fields=_STAGES,
    required_fields=obj(enabled=BOOL_N, stage_ids=arr(INT_N), statuses=obj()),
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
