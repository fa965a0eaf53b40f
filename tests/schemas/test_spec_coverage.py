"""Our hand-written schemas cover every property of the official item schemas, with compatible types.

The official facts are checked in (src/pipedrive_sandbox/spec/facts.json, generated from [SPEC-v1] and
[SPEC-v2] by scripts/spec_facts.py), and the endpoints come from the stream table: every part of every
stream is compared with the operation "GET <part path>", so a new stream is covered without a list here,
and a stream whose path the facts do not know fails.
"""

from __future__ import annotations

import pytest

from source_pipedrive.schemas import base_schema
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME, Part, Stream
from tests.kit.schemas import (
    STREAM_PARTS,
    default_properties,
    mismatches,
    operation,
    operation_key,
    operations,
    requested_include_fields,
    stream_operations,
)

# One case per distinct (stream, operation): deals' deleted part reads /api/v2/deals again.
CASES = sorted({(s.name, operation_key(p)) for s, p in STREAM_PARTS})

# The v2 *Fields lists (one shared item schema in [SPEC-v2]); project_fields is no entity's field list yet.
V2_FIELD_LISTS = sorted({s.field_list.name for s in STREAMS if s.field_list and s.field_list.api_version == "v2"}
                        | {"project_fields"})

# Deliberate differences from the official item schemas: (stream, property path) -> why.
DEVIATIONS: dict[tuple[str, str], str] = {
    ("activity_fields", "activity_fields.id"): (
        "primary key, kept non-null: [SPEC-v1] marks it nullable for subfields, which arrive nested "
        "under `subfields`, never as records"),
    **{(name, f"{name}.options[].id"): (
        "an integer (custom fields) or a string (built-in fields): no single type fits and Airbyte allows no "
        "union, so it is left undeclared and passes through as sent (schemas.account.OPTION_ID_NOTE)")
       for name in V2_FIELD_LISTS},
}


def compared_properties(stream: Stream, key: str) -> set[str]:
    """What the stream receives from the operation: the default item plus what it asks for."""
    return default_properties(operation(key)) | requested_include_fields(stream)


def found(stream: str, key: str) -> list[str]:
    item = operation(key).item
    problems = mismatches(item, base_schema(stream), stream, compared_properties(STREAMS_BY_NAME[stream], key))
    return [p for p in problems if (stream, p.split(":")[0]) not in DEVIATIONS]


@pytest.mark.parametrize(("stream", "part"), STREAM_PARTS,
                         ids=[f"{s.name}-{p.name}" for s, p in STREAM_PARTS])
def test_every_stream_part_is_an_official_operation(stream, part) -> None:
    """A stream reading a path the official files do not define (a typo, an invented endpoint) fails."""
    key = operation_key(part)
    assert key in operations(), f"{stream.name}/{part.name}: {key} is not in the official facts"


@pytest.mark.parametrize(("stream", "key"), CASES, ids=[f"{s}-{k[4:]}" for s, k in CASES])
def test_every_spec_property_is_declared_with_a_compatible_type(stream: str, key: str) -> None:
    item = operation(key).item
    assert item.get("properties"), f"{key}: the facts give no item properties"
    assert found(stream, key) == []


def test_every_deviation_is_still_needed() -> None:
    """An allowlisted difference that no longer occurs is removed from DEVIATIONS."""
    raw = {(s, p.split(":")[0]) for s, k in CASES
           for p in mismatches(operation(k).item, base_schema(s), s, compared_properties(STREAMS_BY_NAME[s], k))}
    assert set(DEVIATIONS) - raw == set()


def test_records_key_agrees_with_the_facts() -> None:
    """Where the facts put the list one level down (data.goals), the stream table says so too."""
    wrong = [(s.name, p.name) for s, p in STREAM_PARTS
             if operation(operation_key(p)).records_key != s.records_key]
    assert wrong == []


def test_the_comparison_can_fail() -> None:
    """A schema missing a property or with a wrong type is reported."""
    item = operation("GET /api/v2/deals").item
    broken = base_schema("deals")
    del broken["properties"]["title"]
    broken["properties"]["value"] = {"type": ["integer", "null"]}
    broken["properties"]["probability"] = {"type": "number"}
    broken["properties"]["expected_close_date"] = {"type": ["string", "null"]}
    broken["properties"]["pipeline_id"] = {}
    text = "\n".join(mismatches(item, broken, "deals"))
    assert "deals.title: not declared" in text
    assert "deals.value: spec number, ours integer" in text
    assert "deals.probability: spec nullable, ours not" in text
    assert "deals.expected_close_date: spec format date, ours None" in text
    assert "deals.pipeline_id: spec integer, ours untyped" in text


def test_a_path_missing_from_the_facts_would_fail() -> None:
    invented = Stream("imaginary", "/api/v2/imaginary", extra_parts=(Part("old", "/v1/deals"),))
    assert operation_key(invented.parts(True)[0]) not in operations()
    with pytest.raises(KeyError, match="GET /api/v2/imaginary"):
        stream_operations(invented)


FIELD_LISTS = sorted({s.field_list for s in STREAMS if s.field_list}, key=lambda s: s.name)
# The keys of the *Fields items parse_fields reads, per API version.
FIELD_KEYS = {"v2": {"field_code", "field_name", "field_type", "options", "is_custom_field"},
              "v1": {"key", "name", "field_type", "options", "edit_flag"}}


@pytest.mark.parametrize("fields", FIELD_LISTS, ids=lambda s: s.name)
def test_field_parsers_read_properties_the_spec_defines(fields: Stream) -> None:
    props = set(operation(operation_key(fields.parts(False)[0])).item.get("properties") or {})
    assert FIELD_KEYS[fields.api_version] <= props
