"""Custom field values, in their v1 and v2 shapes ([RD-CF], [RD-V2MIG] value table), validate against the typed
schemas."""

from __future__ import annotations

from typing import Any

import pytest

from source_pipedrive.fields import (
    CustomField,
    parse_fields,
    stream_schema,
    v1_value_properties,
    v2_value_schema,
)
from source_pipedrive.streams import STREAMS
from tests.kit.schemas import ALL_TYPES, FIELD_BY_TYPE, FIELDS, validator

ADDRESS_V2 = {
    "value": "Main St 1, Tallinn", "street_number": "1", "route": "Main St", "subpremise": None,
    "sublocality": "Kesklinn", "locality": "Tallinn", "admin_area_level_1": "Harju",
    "admin_area_level_2": None, "country": "Estonia", "postal_code": "10111",
    "formatted_address": "Main St 1, 10111 Tallinn, Estonia",
}
# v2 `custom_fields.<key>` values, one per user-creatable field type (hand-written from the [RD-V2MIG] value table).
V2_SAMPLES: dict[str, Any] = {
    "varchar": "text", "varchar_auto": "auto", "text": "long\ntext", "phone": "+372 555 1234",
    "double": 500.25, "monetary": {"value": 500, "currency": "USD"}, "enum": 12, "set": [11, 13],
    "user": 1234, "org": 77, "people": 1092, "date": "2024-01-01",
    "daterange": {"value": "2024-01-01", "until": "2024-02-01"},
    "time": {"value": "09:00:00", "timezone_id": 318, "timezone_name": "Europe/London"},
    "timerange": {"value": "09:00:00", "until": "17:30:00", "timezone_id": 318, "timezone_name": "Europe/London"},
    "address": ADDRESS_V2,
}
# v1 top-level keys per field type; "{k}" is the field key.
V1_SAMPLES: dict[str, dict[str, Any]] = {
    "varchar": {"{k}": "text"}, "varchar_auto": {"{k}": "auto"}, "text": {"{k}": "long"},
    "phone": {"{k}": "+372 555 1234"}, "double": {"{k}": 500},
    "monetary": {"{k}": 500, "{k}_currency": "USD"}, "enum": {"{k}": "12"}, "set": {"{k}": "11,13"},
    "user": {"{k}": 1234}, "org": {"{k}": 77}, "people": {"{k}": 1092}, "date": {"{k}": "2024-01-01"},
    "daterange": {"{k}": "2024-01-01", "{k}_until": "2024-02-01"}, "time": {"{k}": "09:00:00"},
    "timerange": {"{k}": "09:00:00", "{k}_until": "17:30:00"},
    "address": {"{k}": ADDRESS_V2["formatted_address"], "{k}_subpremise": None,
                **{f"{{k}}_{p}": v for p, v in ADDRESS_V2.items() if p not in ("value", "subpremise")}},
}
USER_TYPES = tuple(V2_SAMPLES)  # the field types a user can create ([RD-CF])
# The streams whose custom values sit under v2 `custom_fields`, and the one with top-level v1 values.
V2_CUSTOM_STREAMS = [s.name for s in STREAMS if s.field_list and s.api_version == "v2"]


def v2_errors(stream: str, field: CustomField, value: Any) -> list[str]:
    record = {"id": 1, "custom_fields": {field.key: value}}
    return [e.message for e in validator(stream_schema(stream, FIELDS)).iter_errors(record)]


def v1_errors(values: dict[str, Any]) -> list[str]:
    record = {"id": "adf21080-0e10-11eb-879b-05d71fb426ec", **values}
    return [e.message for e in validator(stream_schema("leads", FIELDS)).iter_errors(record)]


def v1_record(field: CustomField, template: dict[str, Any]) -> dict[str, Any]:
    return {k.replace("{k}", field.key): v for k, v in template.items()}


@pytest.mark.parametrize("stream", V2_CUSTOM_STREAMS)
@pytest.mark.parametrize("field_type", USER_TYPES)
def test_v2_value_of_every_user_type_validates(stream: str, field_type: str) -> None:
    assert v2_errors(stream, FIELD_BY_TYPE[field_type], V2_SAMPLES[field_type]) == []


@pytest.mark.parametrize("field_type", USER_TYPES)
def test_v1_lead_values_of_every_user_type_validate(field_type: str) -> None:
    field = FIELD_BY_TYPE[field_type]
    values = v1_record(field, V1_SAMPLES[field_type])
    assert set(values) <= set(stream_schema("leads", FIELDS)["properties"])  # companions are declared
    assert v1_errors(values) == []


@pytest.mark.parametrize("field_type", ALL_TYPES)
def test_null_is_always_accepted(field_type: str) -> None:
    field = FIELD_BY_TYPE[field_type]
    assert v2_errors("deals", field, None) == []
    assert v1_errors({k: None for k in v1_value_properties(field)}) == []


@pytest.mark.parametrize(
    ("field_type", "wrong"),
    [
        ("double", "500"),  # v2 no longer coerces strings to numbers ([RD-V2MIG])
        ("enum", "12"),
        ("set", "11,13"),
        ("monetary", {"value": "500", "currency": "USD"}),
        ("date", "2024-13-45"),
        ("daterange", {"value": "2024-01-01", "until": "soon"}),
        ("time", {"value": "09:00:00", "timezone_id": "318"}),
        ("user", {"id": 1234}),
    ],
)
def test_v2_values_of_the_wrong_shape_are_rejected(field_type: str, wrong: Any) -> None:
    assert v2_errors("deals", FIELD_BY_TYPE[field_type], wrong) != []


def test_v1_values_of_the_wrong_shape_are_rejected() -> None:
    monetary, enum = FIELD_BY_TYPE["monetary"], FIELD_BY_TYPE["enum"]
    assert v1_errors({monetary.key: "500 USD"}) != []
    assert v1_errors({f"{monetary.key}_currency": 840}) != []
    assert v1_errors({enum.key: 12}) != []  # v1 sends the option id as a string


def test_v2_value_schema_carries_name_type_and_options() -> None:
    schema = v2_value_schema(FIELD_BY_TYPE["enum"])
    assert schema["title"] == "My enum"
    assert schema["description"] == "Custom field 'My enum' (enum); options: 11=Red, 12=Green, 13=Blue"
    assert schema["type"] == ["integer", "null"]
    assert v2_value_schema(FIELD_BY_TYPE["set"])["items"] == {"type": ["integer", "null"]}


def test_unknown_types_are_declared_string_and_described() -> None:
    """Never untyped: PyAirbyte logs every untyped property on each read ([PYAIRBYTE-TYPES])."""
    for field_type in ("json", "some_future_type"):
        field = FIELD_BY_TYPE[field_type]
        for schema in (v2_value_schema(field), v1_value_properties(field)[field.key]):
            assert schema["type"] == ["string", "null"] and schema["title"] == f"My {field_type}"
            assert schema["description"] == f"Custom field 'My {field_type}' ({field_type})"
        assert v2_errors("deals", field, "anything") == []


ENTITY_TYPES = ("user", "org", "people")


@pytest.mark.parametrize("field_type", ENTITY_TYPES)
def test_lead_entity_fields_are_typed_exactly_like_the_deal_ones(field_type: str) -> None:
    """Leads inherit the deal custom fields, v1-shaped ([RD-CF], [SPEC-v1] GET /leads): a user, org or
    people value is the linked record's integer id, as in the deals' v2 custom_fields."""
    field = FIELD_BY_TYPE[field_type]
    deal = stream_schema("deals", FIELDS)["properties"]["custom_fields"]["properties"][field.key]
    lead = stream_schema("leads", FIELDS)["properties"][field.key]
    assert lead["type"] == deal["type"] == ["integer", "null"]
    assert {k: v for k, v in lead.items() if k != "type"} == {k: v for k, v in deal.items() if k != "type"}
    assert v1_errors({field.key: 1092}) == [] and v1_errors({field.key: None}) == []
    assert v1_errors({field.key: {"value": 1092, "name": "Jane"}}) != []


def test_lead_entity_fields_from_a_v1_field_list_are_typed() -> None:
    items = [{"id": i, "key": f"{i:040x}", "name": f"My {t}", "field_type": t, "edit_flag": True}
             for i, t in enumerate(ENTITY_TYPES, start=1)]
    props = stream_schema("leads", parse_fields("v1", items))["properties"]
    assert [props[i["key"]]["type"] for i in items] == [["integer", "null"]] * len(ENTITY_TYPES)


def test_long_option_lists_are_truncated() -> None:
    field = CustomField("c" * 40, "Country", "enum", tuple((i, f"Country number {i}") for i in range(10_000)))
    text = v2_value_schema(field)["description"]
    assert len(text) < 600 and text.endswith(", …") and "0=Country number 0" in text


def test_v1_companions_are_titled_with_the_part() -> None:
    props = v1_value_properties(CustomField("d" * 40, "Office", "address"))
    assert props["d" * 40]["title"] == "Office"
    assert props["d" * 40 + "_postal_code"]["title"] == "Office (postal_code)"
    assert "d" * 40 + "_subpremise" in props and "d" * 40 + "_value" not in props
    assert set(v1_value_properties(CustomField("e" * 40, "Span", "timerange"))) == {"e" * 40, "e" * 40 + "_until"}


V2_ITEMS = [
    {"field_name": "Deal Title", "field_code": "title", "field_type": "varchar", "options": None,
     "is_custom_field": False},
    {"field_name": "Customer Type", "field_code": "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e",
     "field_type": "enum", "options": [{"id": 190, "label": "Private person"}, {"id": 191, "label": "Company"}],
     "subfields": None, "is_custom_field": True},
    {"field_name": "Budget", "field_code": "a" * 40, "field_type": "monetary", "options": None,
     "subfields": [{"field_code": "currency", "field_name": "Currency of Budget", "field_type": "varchar"}],
     "is_custom_field": True},
]
V1_ITEMS = [
    {"id": 1, "key": "title", "name": "Title", "field_type": "varchar", "edit_flag": False, "options": None},
    {"id": 2, "key": "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e", "name": "Customer Type", "field_type": "enum",
     "edit_flag": True, "options": [{"id": 190, "label": "Private person"}]},
    {"id": 3, "key": "job_title", "name": "Job title", "field_type": "varchar", "edit_flag": True},  # contact sync
    {"id": 4, "key": "b" * 40, "name": "Due", "field_type": "daterange", "edit_flag": True, "options": None},
]


def test_v2_parsing_keeps_only_custom_fields() -> None:
    fields = parse_fields("v2", V2_ITEMS)
    assert [f.key for f in fields] == ["9dc80c50d78a15643bfc4ca79d76156a73a1ca0e", "a" * 40]
    assert fields[0] == CustomField(
        "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e", "Customer Type", "enum",
        ((190, "Private person"), (191, "Company")),
    )
    assert fields[1].options == ()


def test_v1_parsing_keeps_only_editable_hash_keys() -> None:
    fields = parse_fields("v1", V1_ITEMS)
    assert [(f.key, f.field_type) for f in fields] == [
        ("9dc80c50d78a15643bfc4ca79d76156a73a1ca0e", "enum"), ("b" * 40, "daterange")]
    assert fields[0].options == ((190, "Private person"),)


def test_each_version_reads_only_its_own_items() -> None:
    assert parse_fields("v2", V1_ITEMS) == []  # v1 items have no is_custom_field
    assert parse_fields("v1", V2_ITEMS) == []  # v2 items have no edit_flag


def test_custom_values_are_shaped_like_the_field_list_that_describes_them() -> None:
    """A stream's fields are parsed in its field list's version and its values placed by its records'
    version: the two agree for every stream with custom fields (leads: v1 and /v1/leadFields)."""
    with_fields = [s for s in STREAMS if s.field_list]
    assert with_fields and all(s.field_list.api_version == s.api_version for s in with_fields)
    assert [s.name for s in with_fields if s.api_version == "v1"] == ["leads"]


def test_machine_readable_keys_keep_every_option() -> None:
    """Loaders map option ids to labels from x-pipedrive-options, which is never truncated."""
    options = tuple((i, f"Country number {i}") for i in range(2_000))
    schema = v2_value_schema(CustomField("c" * 40, "Country", "set", options))
    assert schema["x-pipedrive-field-type"] == "set"
    assert len(schema["x-pipedrive-options"]) == 2_000
    assert schema["x-pipedrive-options"][1999] == {"id": 1999, "label": "Country number 1999"}
    part = v1_value_properties(CustomField("f" * 40, "Budget", "monetary"))["f" * 40 + "_currency"]
    assert part["x-pipedrive-field-part"] == "currency" and "x-pipedrive-options" not in part
