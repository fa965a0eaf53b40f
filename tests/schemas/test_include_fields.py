"""Columns that only include_fields returns are requested or left out of the schemas ([SPEC-v2]).

On v2 lists some properties come back only when named in `include_fields`. A schema that declares one
the connector does not ask for gives a column that is always null; one the connector asks for must be
declared with its type. So, per v2 stream:
schema properties ⊆ default item properties ∪ requested include_fields ∪ custom fields.
"""

from __future__ import annotations

import re

import pytest

from source_pipedrive.children import added_fields
from source_pipedrive.schemas import base_schema
from source_pipedrive.streams import DEAL_INCLUDE_FIELDS, STREAMS, STREAMS_BY_NAME, Stream
from tests.kit.schemas import (
    default_properties,
    include_enum,
    mismatches,
    requested_include_fields,
    stream_operations,
)

V2_STREAMS = [s for s in STREAMS if s.api_version == "v2"]

# Keys the default response carries although the facts' item schema lacks them: stream -> {key: why}.
DEFAULT_BUT_UNDECLARED: dict[str, dict[str, str]] = {
    "deals": {k: "in [SPEC-v2]'s example deal items (GET /deals), not in its item schema"
              for k in ("creator_user_id", "archive_time", "local_won_date", "local_lost_date", "local_close_date")},
    "organizations": {"org_id": "in [SPEC-v2]'s example organization item, not in its item schema"},
    "pipelines": {"is_selected": "v1 `selected`, renamed in v2 ([RD-V2MIG]); not in the item schema"},
    **{name: {"description": "in the dealFields item and the personFields example of [SPEC-v2]; the four "
                             "v2 *Fields lists share one schema"}
       for name in ("person_fields", "organization_fields", "product_fields")},
}
CONTACT_SYNC = ("postal_address", "notes", "im", "birthday", "job_title")  # [SPEC-v2], [RD-CF]
MARKETING = ("marketing_status", "doi_status")  # need the Campaigns app ([SPEC-v2] include_fields)


def allowed(stream: Stream) -> set[str]:
    ops = stream_operations(stream)
    out = set().union(*(default_properties(op) for op in ops)) | requested_include_fields(stream)
    out |= set(DEFAULT_BUT_UNDECLARED.get(stream.name, {}))
    if stream.field_list:
        out.add("custom_fields")  # typed per account from the stream's *Fields endpoint
    return out | added_fields(stream)  # a child record's link, synthesized key, parent's time


def phantoms(stream: Stream, properties: set[str]) -> set[str]:
    return properties - allowed(stream)


@pytest.mark.parametrize("stream", V2_STREAMS, ids=lambda s: s.name)
def test_schema_declares_only_what_the_stream_receives(stream: Stream) -> None:
    assert phantoms(stream, set(base_schema(stream.name)["properties"])) == set()


@pytest.mark.parametrize("stream", V2_STREAMS, ids=lambda s: s.name)
def test_requested_include_fields_are_accepted_and_declared(stream: Stream) -> None:
    wanted = requested_include_fields(stream)
    accepted = set().union(*(include_enum(op) for op in stream_operations(stream)))
    assert wanted - accepted == set(), f"{stream.name}: include_fields the API does not accept"
    assert wanted - set(base_schema(stream.name)["properties"]) == set()


def name_type(name: str) -> tuple[str, str | None]:
    """The type of an include_fields property the item schema lacks, from its name: ids and counts are
    integers, *_time RFC 3339 timestamps, the Smart BCC address a string."""
    if re.fullmatch(r".+_(count|id)", name):
        return "integer", None
    if name.endswith("_time"):
        return "string", "date-time"
    if name == "smart_bcc_email":
        return "string", None
    raise AssertionError(f"no type rule for {name}")


@pytest.mark.parametrize("stream", [s for s in V2_STREAMS if requested_include_fields(s)], ids=lambda s: s.name)
def test_requested_include_fields_have_their_types(stream: Stream) -> None:
    schema = base_schema(stream.name)
    problems: list[str] = []
    for name in sorted(requested_include_fields(stream)):
        ours = schema["properties"][name]
        types = ours.get("type")
        assert isinstance(types, list) and "null" in types, f"{name}: include_fields values may be null"
        in_item = [op.item["properties"][name] for op in stream_operations(stream)
                   if name in (op.item.get("properties") or {})]
        if in_item:  # the facts type it (source_lead_id: uuid string, attendees: array of objects)
            problems += mismatches({"type": "object", "properties": {name: in_item[0]}},
                                   {"type": "object", "properties": {name: ours}}, stream.name)
            if in_item[0].get("format") == "uuid":
                assert ours.get("format") == "uuid", name
        else:
            kind, fmt = name_type(name)
            assert [t for t in types if t != "null"] == [kind], name
            assert ours.get("format") == fmt, name
    assert problems == []


def test_deals_request_all_their_include_fields_and_activities_attendees() -> None:
    deals = STREAMS_BY_NAME["deals"]
    enum = set().union(*(include_enum(op) for op in stream_operations(deals)))
    names = DEAL_INCLUDE_FIELDS.split(",")
    assert set(names) == enum and len(names) == 16
    assert requested_include_fields(deals) == enum
    activities = STREAMS_BY_NAME["activities"]
    assert requested_include_fields(activities) == {"attendees"}


def test_persons_leave_out_marketing_fields_and_keep_contact_sync_nullable() -> None:
    persons = STREAMS_BY_NAME["persons"]
    props = base_schema("persons")["properties"]
    default = set().union(*(default_properties(op) for op in stream_operations(persons)))
    for name in MARKETING:
        assert name in props if name in default | requested_include_fields(persons) else name not in props
    for name in CONTACT_SYNC:
        if name in props:
            assert "null" in props[name]["type"], f"{name}: only sent with contact sync on"


def test_every_allowance_is_still_needed() -> None:
    for name, keys in DEFAULT_BUT_UNDECLARED.items():
        stream = next(s for s in V2_STREAMS if s.name == name)
        default = set().union(*(default_properties(op) for op in stream_operations(stream)))
        assert set(keys) & default == set(), f"{name}: now in the item schema, drop the allowance"
        assert set(keys) <= set(base_schema(name)["properties"])


def test_the_check_can_fail() -> None:
    """Declaring an include-only property the connector does not request is reported."""
    persons = STREAMS_BY_NAME["persons"]
    organizations = STREAMS_BY_NAME["organizations"]
    assert phantoms(persons, {"id", "name", "marketing_status", "labels"}) == {"marketing_status", "labels"}
    assert phantoms(organizations, {"people_count", "custom_fields"}) == {"people_count"}
    assert {"ui_visibility"} == phantoms(STREAMS_BY_NAME["deal_fields"], {"ui_visibility"})
