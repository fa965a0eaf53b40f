"""Our hand-written schemas cover every property of the official OpenAPI item schemas, with compatible types."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from source_pipedrive.fields import parse_v1_fields, parse_v2_fields, v2_value_schema
from source_pipedrive.schemas import base_schema

from .schemakit import validator

# (spec file, path, stream): the list endpoints each stream reads ([pipedrive-api.md] §8).
ENDPOINTS = (
    ("v2", "/deals", "deals"),
    ("v2", "/deals/archived", "deals"),
    ("v2", "/persons", "persons"),
    ("v2", "/organizations", "organizations"),
    ("v2", "/activities", "activities"),
    ("v2", "/pipelines", "pipelines"),
    ("v2", "/stages", "stages"),
    ("v2", "/products", "products"),
    ("v1", "/leads", "leads"),
    ("v1", "/leads/archived", "leads"),
    ("v1", "/users", "users"),
    ("v1", "/activityFields", "activity_fields"),
)
IDS = [f"{v}{p}" for v, p, _ in ENDPOINTS]


@pytest.fixture(scope="module")
def specs(shared_dir: Path) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    folder = shared_dir / "pipedrive-openapi"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    loaded = {}
    for version in ("v1", "v2"):
        with open(folder / f"{version}.yaml", encoding="utf-8") as fh:
            loaded[version] = yaml.load(fh, Loader=yaml.CSafeLoader)
    return loaded


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow $ref and merge allOf, the two ways the spec composes item schemas."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    if isinstance(node, dict) and "allOf" in node:
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        merged.setdefault("properties", {})
        for sub in node["allOf"]:
            sub = resolve(spec, sub)
            merged["properties"].update(sub.get("properties") or {})
            for k, v in sub.items():
                if k != "properties":
                    merged.setdefault(k, v)
        node = merged
    return node


def item_schema(spec: dict[str, Any], path: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The spec's schema of one list item, and the example items given for it."""
    content = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    body = resolve(spec, content["schema"])
    data = resolve(spec, body["properties"]["data"])
    named = (content.get("examples") or {}).values()
    examples = [content.get("example")] + [resolve(spec, e).get("value") for e in named]
    items = [i for ex in examples if ex for i in (ex.get("data") or []) if isinstance(i, dict)]
    return resolve(spec, data.get("items", data)), items


def spec_type(node: dict[str, Any]) -> str | None:
    """The JSON type a spec property really carries; the spec says `type: object` for integer/string enums."""
    values = node.get("enum") or []
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if values and all(isinstance(v, str) for v in values):
        return "string"
    return node.get("type")


def our_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    return t[0] if isinstance(t, list) else t


COMPATIBLE = {("integer", "integer"), ("number", "number"), ("integer", "number"), ("string", "string"),
              ("boolean", "boolean"), ("object", "object"), ("array", "array")}


def mismatches(spec: dict[str, Any], node: Any, ours: dict[str, Any], where: str) -> list[str]:
    node = resolve(spec, node)
    out: list[str] = []
    expected, got = spec_type(node), our_type(ours)
    if expected is None or got is None or "oneOf" in node or "anyOf" in node:
        return out  # untyped on either side accepts anything
    if (expected, got) not in COMPATIBLE:
        return [f"{where}: spec {expected}, ours {got}"]
    # Primary keys stay non-null on purpose: the spec marks activityFields `id` nullable only for
    # subfields, which arrive nested under `subfields`, never as top-level records.
    if node.get("nullable") and "null" not in (ours.get("type") or []) and where != "activity_fields.id":
        out.append(f"{where}: spec nullable, ours not")
    if node.get("format") == "date" and ours.get("format") != "date":
        out.append(f"{where}: spec format date, ours {ours.get('format')}")
    for name, sub in (node.get("properties") or {}).items():
        if name not in (ours.get("properties") or {}):
            out.append(f"{where}.{name}: not declared")
        else:
            out += mismatches(spec, sub, ours["properties"][name], f"{where}.{name}")
    if expected == "array" and "items" in node:
        out += mismatches(spec, node["items"], ours.get("items") or {}, f"{where}[]")
    return out


@pytest.mark.parametrize(("version", "path", "stream"), ENDPOINTS, ids=IDS)
def test_every_spec_property_is_declared_with_a_compatible_type(specs, version, path, stream) -> None:
    item, _ = item_schema(specs[version], path)
    assert item.get("properties"), f"{version}{path}: the spec item has no properties; check the resolver"
    assert mismatches(specs[version], item, base_schema(stream), stream) == []


@pytest.mark.parametrize(("version", "path", "stream"), ENDPOINTS, ids=IDS)
def test_spec_example_items_validate_and_use_only_declared_keys(specs, version, path, stream) -> None:
    """The spec's own example records (which show a few keys its schema lacks, e.g. deals.archive_time)."""
    _, examples = item_schema(specs[version], path)
    assert examples, f"{version}{path}: no example items"
    schema = base_schema(stream)
    for example in examples:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(example)]
        assert errors == []
        assert set(example) - set(schema["properties"]) == set()


def test_the_comparison_can_fail(specs) -> None:
    """A schema missing a property or with a wrong type is reported."""
    item, _ = item_schema(specs["v2"], "/deals")
    broken = base_schema("deals")
    del broken["properties"]["title"]
    broken["properties"]["value"] = {"type": ["integer", "null"]}
    broken["properties"]["probability"] = {"type": "number"}
    found = "\n".join(mismatches(specs["v2"], item, broken, "deals"))
    assert "deals.title: not declared" in found
    assert "deals.value: spec number, ours integer" in found
    assert "deals.probability: spec nullable, ours not" in found


FIELD_PATHS = [("v2", p) for p in ("/dealFields", "/personFields", "/organizationFields", "/productFields",
                                   "/activityFields")] + [("v1", "/leadFields"), ("v1", "/activityFields")]


@pytest.mark.parametrize(("version", "path"), FIELD_PATHS, ids=[f"{v}{p}" for v, p in FIELD_PATHS])
def test_field_parsers_read_the_properties_the_spec_defines(specs, version, path) -> None:
    item, examples = item_schema(specs[version], path)
    needed = {"field_code", "field_name", "field_type", "options", "is_custom_field"} if version == "v2" else {
        "key", "name", "field_type", "options", "edit_flag"}
    assert needed <= set(item["properties"])
    parsed = (parse_v2_fields if version == "v2" else parse_v1_fields)(examples)
    if version == "v2":
        expected = [e["field_code"] for e in examples if e.get("is_custom_field") is True]
    else:  # custom = editable with a 40-hex key ([RD-CF]); readable keys like "title" are built-ins
        expected = [e["key"] for e in examples
                    if e.get("edit_flag") is True and re.fullmatch("[0-9a-f]{40}", e["key"])]
    assert [f.key for f in parsed] == expected
    for field in parsed:
        assert v2_value_schema(field)["title"] == field.name
