"""The extra streams' hand-written schemas cover the official OpenAPI item schemas and accept their examples."""

from __future__ import annotations

import pytest

from source_pipedrive.schemas import base_schema
from source_pipedrive.streams import STREAMS_BY_NAME
from tests.schemas.schemakit import lint, validator
from tests.schemas.test_schema_spec import item_schema, mismatches, resolve, specs  # noqa: F401 (fixture)

# (spec file, path, stream) per [pipedrive-api.md] §8.
ENDPOINTS = (
    ("v1", "/notes", "notes"),
    ("v1", "/files", "files"),
    ("v1", "/callLogs", "call_logs"),
    ("v1", "/mailbox/mailThreads", "mail_threads"),
    ("v1", "/activityTypes", "activity_types"),
    ("v1", "/currencies", "currencies"),
    ("v1", "/leadLabels", "lead_labels"),
    ("v1", "/leadSources", "lead_sources"),
    ("v1", "/filters", "filters"),
    ("v1", "/permissionSets", "permission_sets"),
    ("v1", "/roles", "roles"),
    ("v2", "/dealFields", "deal_fields"),
    ("v2", "/personFields", "person_fields"),
    ("v2", "/organizationFields", "organization_fields"),
    ("v2", "/productFields", "product_fields"),
    ("v1", "/leadFields", "lead_fields"),
    ("v1", "/noteFields", "note_fields"),
)
IDS = [f"{v}{p}" for v, p, _ in ENDPOINTS]


@pytest.mark.parametrize(("version", "path", "stream"), ENDPOINTS, ids=IDS)
def test_every_spec_property_is_declared_with_a_compatible_type(specs, version, path, stream) -> None:
    item, _ = item_schema(specs[version], path)
    assert item.get("properties"), f"{version}{path}: the spec item has no properties"
    ours = base_schema(stream)
    assert mismatches(specs[version], item, ours, stream) == []
    # The primary key is declared, typed and never null.
    key = ours["properties"][STREAMS_BY_NAME[stream].primary_key]
    assert key["type"] in ("integer", "string")


@pytest.mark.parametrize(("version", "path", "stream"), ENDPOINTS, ids=IDS)
def test_spec_example_items_validate_and_use_only_declared_keys(specs, version, path, stream) -> None:
    _, examples = item_schema(specs[version], path)
    assert examples, f"{version}{path}: no example items"
    schema = base_schema(stream)
    for example in examples:
        assert [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(example)] == []
        assert set(example) - set(schema["properties"]) == set()


def test_goals_schema_covers_the_nested_goal_items(specs) -> None:
    """/v1/goals/find answers data: {goals: [...]} ([SPEC-v1]); the schema describes one goal."""
    content = specs["v1"]["paths"]["/goals/find"]["get"]["responses"]["200"]["content"]["application/json"]
    data = resolve(specs["v1"], resolve(specs["v1"], content["schema"])["properties"]["data"])
    item = resolve(specs["v1"], resolve(specs["v1"], data["properties"]["goals"])["items"])
    assert mismatches(specs["v1"], item, base_schema("goals"), "goals") == []
    for goal in content["example"]["data"]["goals"]:
        assert list(validator(base_schema("goals")).iter_errors(goal)) == []


@pytest.mark.parametrize("stream", [s for _, _, s in ENDPOINTS] + ["goals"])
def test_schema_is_airbyte_safe(stream) -> None:
    assert list(lint(base_schema(stream))) == []


def test_the_comparison_notices_a_missing_property(specs) -> None:
    item, _ = item_schema(specs["v1"], "/notes")
    broken = base_schema("notes")
    del broken["properties"]["content"]
    broken["properties"]["deal_id"] = {"type": ["string", "null"]}
    found = "\n".join(mismatches(specs["v1"], item, broken, "notes"))
    assert "notes.content: not declared" in found and "notes.deal_id: spec integer, ours string" in found
