"""Custom fields: read the *Fields endpoints and type each custom field's values in the stream schemas."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .schemas import base_schema
from .schemas.dsl import ADDRESS_PARTS, BOOL_N, DATE_N, INT_N, NUM_N, STR_N, TIME_N, Schema, arr, obj
from .streams import STREAMS_BY_NAME, ApiVersion

_HASH = re.compile(r"[0-9a-f]{40}")  # custom field keys are 40-character hex hashes ([RD-CF])
_MAX_OPTIONS_TEXT = 500  # enum/set may have 10,000 options ([RD-CF]); keep descriptions readable

# An option's id: an integer for custom fields, a string for some built-in ones ([SPEC-v2] *Fields);
# None only if an option came without one (kept as sent).
OptionId = int | str | None


@dataclass(frozen=True)
class CustomField:
    key: str
    name: str
    field_type: str
    options: tuple[tuple[OptionId, str], ...] = ()


@dataclass(frozen=True)
class _FieldKeys:
    """How one API version's *Fields items name a field, and which items are custom fields."""

    key: str
    name: str
    is_custom: Callable[[Mapping[str, Any]], bool]


def _is_v2_custom(item: Mapping[str, Any]) -> bool:
    """v2 items (field_code/field_name): is_custom_field marks the custom ones ([SPEC-v2])."""
    return item.get("is_custom_field") is True and bool(item.get("field_code"))


def _is_v1_custom(item: Mapping[str, Any]) -> bool:
    """v1 items (key/name): custom fields are editable ([SPEC-v1] edit_flag) with a 40-hex key.

    The hash test drops editable built-ins and Contact Sync fields with readable keys ([RD-CF]),
    which the base schemas already declare.
    """
    return item.get("edit_flag") is True and bool(_HASH.fullmatch(str(item.get("key") or "")))


_FIELD_KEYS: Mapping[ApiVersion, _FieldKeys] = {
    "v2": _FieldKeys("field_code", "field_name", _is_v2_custom),
    "v1": _FieldKeys("key", "name", _is_v1_custom),
}


def _options(raw: Any) -> tuple[tuple[OptionId, str], ...]:
    return tuple((o.get("id"), str(o.get("label") or "")) for o in raw or () if isinstance(o, dict))


def parse_fields(api_version: ApiVersion, items: Iterable[Mapping[str, Any]]) -> list[CustomField]:
    """The custom fields in the records of a *Fields list that speaks `api_version` (a stream's
    `field_list.api_version`)."""
    keys = _FIELD_KEYS[api_version]
    return [
        CustomField(
            str(i[keys.key]),
            str(i.get(keys.name) or i[keys.key]),
            str(i.get("field_type") or ""),
            _options(i.get("options")),
        )
        for i in items
        if keys.is_custom(i)
    ]


def _values_at_top_level(stream: str) -> bool:
    """Whether the stream's custom values sit at the top level of its records, v1-shaped ([SPEC-v1]
    GET /leads), rather than under v2 `custom_fields`: a stream with a field list whose records are v1."""
    row = STREAMS_BY_NAME.get(stream)
    return row is not None and row.field_list is not None and row.api_version == "v1"


def _describe(field: CustomField, part: str = "") -> dict[str, Any]:
    """Human title/description plus machine-readable x-pipedrive-* keys (Draft-7 ignores them).

    The description's option list is truncated; `x-pipedrive-options` keeps all of them for loaders
    that map option ids to labels (the DuckDB warehouse does).
    """
    title = f"{field.name} ({part})" if part else field.name
    text = f"Custom field '{field.name}' ({field.field_type})"
    if part:
        text += f", part '{part}'"
    out: dict[str, Any] = {"title": title, "x-pipedrive-field-type": field.field_type}
    if part:
        out["x-pipedrive-field-part"] = part
    if field.options:
        listed = ", ".join(f"{oid}={label}" for oid, label in field.options)
        if len(listed) > _MAX_OPTIONS_TEXT:
            listed = listed[: _MAX_OPTIONS_TEXT - 1].rsplit(", ", 1)[0] + ", …"
        text += f"; options: {listed}"
        out["x-pipedrive-options"] = [{"id": oid, "label": label} for oid, label in field.options]
    return {"description": text, **out}


# A field type this table does not know (a built-in-only type such as json or picture, or one added
# later): declared string, never untyped, so PyAirbyte and Airbyte get a column type ([AB-TYPES]).
# A value of another shape is still delivered as sent. The description keeps its usual form:
# loaders parse it (source_pipedrive.warehouse.columns).
_UNKNOWN: Schema = STR_N

# The value inside v2 `custom_fields` per field_type ([RD-V2MIG] value table, [RD-CF]).
_V2_ENTITY_ID = INT_N  # user/org/people/...: the linked record's id, a plain int in v2
_ENTITY_TYPES = ("user", "org", "people", "deal", "stage", "pipeline", "product", "project", "activity")
_V2_VALUES: Mapping[str, Schema] = {
    **dict.fromkeys(("varchar", "varchar_auto", "varchar_options", "text", "phone"), STR_N),
    "double": NUM_N,
    "int": INT_N,
    "boolean": BOOL_N,
    "monetary": obj(value=NUM_N, currency=STR_N),
    # Without include_option_labels (which the connector never sends) enum is the option id
    # and set a list of option ids.
    "enum": INT_N,
    "set": arr(INT_N),
    **dict.fromkeys(_ENTITY_TYPES, _V2_ENTITY_ID),
    "lead": STR_N,  # lead ids are UUIDs
    "date": DATE_N,
    "daterange": obj(value=DATE_N, until=DATE_N),
    "time": obj(value=TIME_N, timezone_id=INT_N, timezone_name=STR_N),
    "timerange": obj(value=TIME_N, until=TIME_N, timezone_id=INT_N, timezone_name=STR_N),
    "address": obj(**{p: STR_N for p in ADDRESS_PARTS}),
}


def _typed(table: Mapping[str, Schema], field: CustomField) -> Schema:
    """The value schema of `field` from `table`, described; an unknown type is declared string."""
    return {**copy.deepcopy(table.get(field.field_type, _UNKNOWN)), **_describe(field)}


def v2_value_schema(field: CustomField) -> Schema:
    """Schema of one custom field's value in v2 `custom_fields`; every type gets a JSON type."""
    return _typed(_V2_VALUES, field)


# v1 keeps custom values at the top level; some types add companion keys ([SPEC-v1] LeadFields tag).
_V1_VALUES: Mapping[str, Schema] = {
    **dict.fromkeys(("varchar", "varchar_auto", "varchar_options", "text", "phone", "address"), STR_N),
    "double": NUM_N,
    "monetary": NUM_N,
    "int": INT_N,
    "boolean": BOOL_N,
    "enum": STR_N,  # the option id as a string, "123"
    "set": STR_N,  # comma-separated option ids, "123,456"
    "date": DATE_N,
    "daterange": DATE_N,
    "time": TIME_N,
    "timerange": TIME_N,
    "lead": STR_N,
    # Leads carry the deal custom fields "in the same format as with the Deals endpoints" ([SPEC-v1]
    # GET /leads): a user/org/people (or other linked record) value is the record's integer id, typed
    # exactly like the deal ones in v2 `custom_fields`.
    **dict.fromkeys(_ENTITY_TYPES, _V2_ENTITY_ID),
}
_V1_COMPANIONS: Mapping[str, tuple[tuple[str, Schema], ...]] = {
    "monetary": (("currency", STR_N),),
    "daterange": (("until", DATE_N),),
    "timerange": (("until", TIME_N),),
    "address": tuple((p, STR_N) for p in ADDRESS_PARTS if p != "value"),
}


def v1_value_properties(field: CustomField) -> dict[str, Schema]:
    """Top-level properties for one v1 custom field: its key plus companions like `<key>_currency`."""
    out = {field.key: _typed(_V1_VALUES, field)}
    for part, schema in _V1_COMPANIONS.get(field.field_type, ()):
        out[f"{field.key}_{part}"] = {**schema, **_describe(field, part)}
    return out


def stream_schema(stream: str, fields: Iterable[CustomField]) -> Schema:
    """A stream's full schema: base_schema plus the account's custom fields, typed."""
    schema = base_schema(stream)
    fields = list(fields)
    props = schema["properties"]
    if _values_at_top_level(stream):
        for f in fields:
            for key, sub in v1_value_properties(f).items():
                props.setdefault(key, sub)  # never shadow a documented property
    elif fields or "custom_fields" in props:
        custom = props.setdefault("custom_fields", obj())
        custom.setdefault("properties", {}).update({f.key: v2_value_schema(f) for f in fields})
    return schema


__all__ = [
    "CustomField",
    "OptionId",
    "parse_fields",
    "stream_schema",
    "v1_value_properties",
    "v2_value_schema",
]
