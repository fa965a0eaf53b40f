"""Every stream schema, with and without custom fields, passes Draft-7 and Airbyte's catalog lint."""

from __future__ import annotations

import jsonschema
import pytest

from source_pipedrive.fields import stream_schema
from source_pipedrive.schemas import STREAM_NAMES, base_schema
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME
from tests.kit.schemas import FIELDS, lint

EXPECTED_STREAMS = {
    "deals", "leads", "activities", "activity_fields", "persons", "organizations",
    "pipelines", "stages", "users", "products",
    "notes", "files", "call_logs", "mail_threads", "activity_types", "currencies", "lead_labels", "lead_sources",
    "filters", "permission_sets", "roles", "goals", "deal_fields", "person_fields", "organization_fields",
    "product_fields", "lead_fields", "note_fields",
    "projects", "tasks", "project_templates", "boards", "phases", "project_fields", "webhooks",
    # child streams (issue 12)
    "deal_products", "deal_installments", "deal_discounts", "deal_participants", "deal_flow", "deal_changelog",
    "person_changelog", "organization_changelog", "deal_followers", "person_followers", "organization_followers",
    "product_followers", "user_followers", "mail_messages", "product_variations", "note_comments",
    "organization_relationships", "permission_set_assignments", "role_assignments",
}
# Keys that are strings: UUIDs, call-log ids, lead-source names, field codes/keys ([SPEC-v1], [SPEC-v2]).
STRING_KEYS = {"leads", "call_logs", "lead_labels", "lead_sources", "permission_sets", "goals", "deal_fields",
               "person_fields", "organization_fields", "product_fields", "lead_fields", "note_fields",
               "project_fields", "deal_discounts", "note_comments"}
# Keys the connector synthesizes for child records without an id of their own (Parent.key_from): strings.
STRING_KEYS |= {s.name for s in STREAMS if s.parent is not None and s.parent.key_from}


def test_every_stream_in_the_stream_table_has_a_schema() -> None:
    assert set(STREAM_NAMES) == EXPECTED_STREAMS
    assert {s.name for s in STREAMS} <= set(STREAM_NAMES)


def test_unknown_stream_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no schema for stream 'nope'"):
        base_schema("nope")


@pytest.mark.parametrize("stream", STREAM_NAMES)
@pytest.mark.parametrize("with_fields", [False, True], ids=["base", "custom"])
def test_schema_is_draft7_and_airbyte_safe(stream: str, with_fields: bool) -> None:
    schema = stream_schema(stream, FIELDS) if with_fields else base_schema(stream)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["type"] == "object"
    assert list(lint(schema)) == []


@pytest.mark.parametrize("stream", STREAM_NAMES)
def test_primary_key_is_declared_and_never_null(stream: str) -> None:
    key = STREAMS_BY_NAME[stream].primary_key if stream in STREAMS_BY_NAME else "id"
    assert base_schema(stream)["properties"][key]["type"] == ("string" if stream in STRING_KEYS else "integer")


@pytest.mark.parametrize("stream", [s.name for s in STREAMS if s.field_list])
def test_custom_fields_land_where_the_api_puts_them(stream: str) -> None:
    schema = stream_schema(stream, FIELDS)
    props = schema["properties"]
    if STREAMS_BY_NAME[stream].api_version == "v1":  # leads: top-level keys with companions
        assert FIELDS[0].key in props and "custom_fields" not in props
        monetary = next(f for f in FIELDS if f.field_type == "monetary")
        assert props[f"{monetary.key}_currency"]["type"] == ["string", "null"]
    else:
        custom = props["custom_fields"]
        assert custom["type"] == ["object", "null"] and custom["additionalProperties"] is True
        assert set(custom["properties"]) == {f.key for f in FIELDS}
        assert not any(f.key in props for f in FIELDS)


def test_base_schema_is_a_fresh_copy_each_call() -> None:
    a = base_schema("deals")
    a["properties"]["custom_fields"]["properties"]["x"] = {}
    a["properties"].pop("title")
    b = base_schema("deals")
    assert "title" in b["properties"] and b["properties"]["custom_fields"]["properties"] == {}


def test_stream_schema_does_not_leak_fields_between_calls() -> None:
    stream_schema("persons", FIELDS)
    assert base_schema("persons")["properties"]["custom_fields"]["properties"] == {}
    assert stream_schema("persons", [])["properties"]["custom_fields"]["properties"] == {}


def test_lint_catches_what_it_should() -> None:
    """The lint itself can fail: each broken schema yields a complaint."""
    bad = {
        "type": "object",
        "additionalProperties": True,
        "properties": {
            "a": {"type": ["string", "integer"]},
            "b": {"anyOf": [{"type": "string"}]},
            "c": {"type": ["object", "null"], "properties": {}, "additionalProperties": False},
            "d": {"type": "array"},
        },
    }
    problems = "\n".join(lint(bad))
    for needle in ("$.a: type", "$.b: forbidden keyword anyOf", "$.c: additionalProperties false", "$.d: array"):
        assert needle in problems
