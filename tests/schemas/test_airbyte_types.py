"""Every property of every discovered schema, at every depth, has a type PyAirbyte and Airbyte understand.

PyAirbyte prints "Could not determine airbyte type" for each property it cannot map ([PYAIRBYTE-TYPES]):
an untyped `{}`, an anyOf/oneOf without a type, or a list of two non-null types. Understood are
string (optionally format date or date-time), integer, number, boolean, object, array with typed
`items`, each alone or with "null" ([AB-TYPES]). An object without properties is fine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from source_pipedrive import source
from source_pipedrive.fields import parse_fields, stream_schema
from source_pipedrive.schemas import STREAM_NAMES, base_schema
from source_pipedrive.streams import STREAMS, Stream
from tests.kit.cli import config_for
from tests.kit.schemas import FIELDS, fetch_stream

SIMPLE = {"string", "integer", "number", "boolean", "object", "array"}
# String formats with a meaning to Airbyte are date and date-time; PyAirbyte maps any other format to a
# plain string, so uuid (deals.source_lead_id, as [SPEC-v2] types it) is understood as a string.
FORMATS = {None, "date", "date-time", "uuid"}
# PyAirbyte's CONVERSION_MAP keys that an `airbyte_type` annotation may name ([PYAIRBYTE-TYPES]).
AIRBYTE_TYPES = {"string", "integer", "number", "boolean", "date", "timestamp_with_timezone",
                 "timestamp_without_timezone", "time_with_timezone", "time_without_timezone", "object", "array"}
COMPOSITION = ("anyOf", "oneOf", "allOf", "not", "$ref")


def pyairbyte_type(prop: dict[str, Any]) -> tuple[str, str | None]:
    """PyAirbyte's reading of one property (its _get_airbyte_type): (type, array item type).
    Raises ValueError where PyAirbyte logs "Could not determine airbyte type"."""
    if prop.get("airbyte_type"):
        return str(prop["airbyte_type"]), None
    kind = prop.get("type")
    if isinstance(kind, list):
        non_null = [t for t in kind if t != "null"]
        kind = non_null[0] if len(non_null) == 1 else kind
    fmt = prop.get("format")
    if kind == "string" and fmt == "date":
        return "date", None
    if kind == "string" and fmt == "date-time":
        return "timestamp_with_timezone", None
    if isinstance(kind, str) and kind in ("string", "number", "boolean", "integer", "object"):
        return kind, None
    if kind == "array":
        items = prop.get("items")
        return "array", pyairbyte_type(items)[0] if isinstance(items, dict) else None
    raise ValueError(f"Could not determine airbyte type from JSON schema type: {prop}")


def problems_of(prop: Any, where: str) -> list[str]:
    """What is wrong with one property's own declaration (not its children)."""
    if not isinstance(prop, dict):
        return [f"{where}: not a schema object"]
    out = [f"{where}: {key} without a plain type" for key in COMPOSITION if key in prop]
    kind = prop.get("type")
    if kind is None:
        return out + [f"{where}: no type"]
    non_null = [t for t in kind if t != "null"] if isinstance(kind, list) else [kind]
    if len(non_null) != 1 or non_null[0] not in SIMPLE or (isinstance(kind, list) and len(kind) > 2):
        return out + [f"{where}: type {kind!r} is not one type, alone or with null"]
    base = non_null[0]
    if prop.get("format") not in FORMATS or (prop.get("format") is not None and base != "string"):
        out.append(f"{where}: format {prop.get('format')!r} on {base}")
    if "airbyte_type" in prop:
        if prop["airbyte_type"] not in AIRBYTE_TYPES:
            out.append(f"{where}: airbyte_type {prop['airbyte_type']!r} unknown to PyAirbyte")
        elif prop["airbyte_type"].startswith("timestamp") and (base, prop.get("format")) != ("string", "date-time"):
            out.append(f"{where}: airbyte_type {prop['airbyte_type']} on a {base} without format date-time")
    if base == "array" and not isinstance(prop.get("items"), dict):
        out.append(f"{where}: array without an items schema")
    try:
        pyairbyte_type(prop)
    except ValueError as error:
        out.append(f"{where}: {error}")
    return out


def untyped(schema: dict[str, Any], where: str = "$") -> Iterator[str]:
    """Every property at every depth (object properties and array items) that is not understood."""
    for name, prop in (schema.get("properties") or {}).items():
        yield from problems_of(prop, f"{where}.{name}")
        if isinstance(prop, dict):
            yield from untyped(prop, f"{where}.{name}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from problems_of(items, f"{where}[]")
        yield from untyped(items, f"{where}[]")


def property_count(schema: dict[str, Any]) -> int:
    props = schema.get("properties") or {}
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    return len(props) + sum(property_count(p) for p in props.values() if isinstance(p, dict)) + (
        property_count(items) if items else 0)


@pytest.mark.parametrize("stream", STREAM_NAMES)
def test_every_base_schema_property_is_typed(stream: str) -> None:
    assert list(untyped(base_schema(stream))) == []


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_catalog_entries_with_every_field_type_are_typed(stream: Stream) -> None:
    """Every field_type of [SPEC-v1]/[SPEC-v2] plus an unknown one, for each stream with custom fields."""
    entry = source.catalog_entry(stream, list(FIELDS) if stream.field_list else [])
    assert list(untyped(entry["json_schema"])) == []


# --- Custom fields as a sandbox account has them, through catalog_entry and through discover ---


@pytest.fixture(scope="module")
def sandbox_fields(sandbox) -> dict[str, list]:
    """Each stream's custom fields, parsed from the sandbox's *Fields endpoint."""
    out: dict[str, list] = {}
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.token}, timeout=30) as client:
        for stream in STREAMS:
            fields = stream.field_list
            out[stream.name] = parse_fields(fields.api_version, fetch_stream(client, fields)) if fields else []
    return out


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_catalog_entries_with_sandbox_custom_fields_are_typed(sandbox_fields, stream: Stream) -> None:
    fields = sandbox_fields[stream.name]
    if stream.field_list:
        assert fields, f"{stream.name}: the sandbox account has no custom fields"
    schema = source.catalog_entry(stream, fields)["json_schema"]
    # A child stream's parents and cost (children.description); a sliced stream's record order.
    about = schema.pop("description", None)
    assert (about is not None) == (stream.parent is not None or stream.until_param is not None)
    if stream.until_param:
        assert about is not None and "out of update_time order" in about
    assert schema == stream_schema(stream.name, fields)
    assert list(untyped(schema)) == []


def test_discovered_catalog_is_typed_everywhere(sandbox) -> None:
    """The real discover path: the connector reads the *Fields endpoints itself."""
    catalog = source.discover(config_for(sandbox))
    assert [s["name"] for s in catalog["streams"]] == [s.name for s in STREAMS]
    problems = [f"{s['name']}{p[1:]}" for s in catalog["streams"] for p in untyped(s["json_schema"])]
    assert problems == []
    custom = {s["name"]: s["json_schema"]["properties"] for s in catalog["streams"]}
    assert len(custom["leads"]) > len(base_schema("leads")["properties"])  # lead custom fields were typed
    assert property_count(custom["deals"]["custom_fields"]) > 0


def test_the_check_can_fail() -> None:
    bad = {
        "type": "object",
        "properties": {
            "a": {},
            "b": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "c": {"type": ["integer", "string", "null"]},
            "d": {"type": ["array", "null"]},
            "e": {"type": ["array", "null"], "items": {"type": ["object", "null"], "properties": {"x": {}}}},
            "f": {"type": "integer", "format": "date-time"},
            "g": {"type": ["string", "null"], "format": "date-time", "airbyte_type": "timestamp_sometimes"},
            "h": {"type": ["null", "object"]},  # fine: an object with no properties, null first
            "i": {"type": "array", "items": {}},
        },
    }
    found = "\n".join(untyped(bad))
    for needle in ("$.a: no type", "$.b: anyOf", "$.c: type", "$.d: array without", "$.e[].x: no type",
                   "$.f: format 'date-time' on integer", "$.g: airbyte_type 'timestamp_sometimes'", "$.i[]: no type"):
        assert needle in found
    assert "$.h" not in found
    with pytest.raises(ValueError, match="Could not determine airbyte type"):
        pyairbyte_type({"type": ["integer", "string"]})
