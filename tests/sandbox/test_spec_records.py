"""Records of every list endpoint carry each property the official OpenAPI 200 schema lists, type-compatibly.

The schemas are the checked-in facts (pipedrive_sandbox/spec/facts.json, generated from [SPEC-v1] and
[SPEC-v2] by scripts/spec_facts.py), so these tests run on a fresh clone and never skip for a missing file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.kit.sandbox import (
    ALL_LISTS,
    Endpoint,
    client,
    get,
    ids,
    parse_time,
    records,
    walk,
)

# Known, documented deviations: (endpoint path, property) -> why the sandbox may omit it.
INCLUDE_FIELDS_ONLY = "returned only when requested via include_fields [SPEC-v2]"
CONTACT_SYNC = "included only if contact sync is enabled for the company [SPEC-v2]; the sandbox company has it off"
ONLY_WHEN_RELEVANT = "present only when relevant (deleted options / subfields) [SPEC-v1]"
ALLOW: dict[tuple[str, str], str] = {
    ("/api/v2/deals", "source_lead_id"): INCLUDE_FIELDS_ONLY,
    ("/api/v2/deals/archived", "source_lead_id"): INCLUDE_FIELDS_ONLY,
    **{(f"/api/v2/{e}Fields", p): INCLUDE_FIELDS_ONLY
       for e in ("deal", "person", "organization")
       for p in ("ui_visibility", "important_fields", "required_fields")},
    ("/api/v2/productFields", "ui_visibility"): INCLUDE_FIELDS_ONLY,
    ("/api/v2/activityFields", "ui_visibility"): INCLUDE_FIELDS_ONLY,
    **{("/api/v2/persons", p): CONTACT_SYNC for p in ("postal_address", "notes", "im", "birthday", "job_title")},
    **{(f"/v1/{e}Fields", p): ONLY_WHEN_RELEVANT
       for e in ("deal", "person", "organization", "lead", "activity")
       for p in ("options_deleted", "is_subfield", "subfields")},
}
PY_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,),
    "array": (list,), "object": (dict,),
}


def _item_schema(ep: Endpoint) -> dict[str, dict]:
    """The properties of one record in the operation's 200 schema (allOf already merged in the facts)."""
    item = ep.op.item
    if item.get("any_of"):  # oneOf several shapes (/v1/recents items): no property is required
        return item.get("properties") or {}
    assert item.get("properties"), f"{ep}: no item schema in the facts"
    return item["properties"]


def _compatible(schema: dict, value: Any) -> bool:
    types = schema.get("type")
    if types is None:
        return True  # untyped / oneOf: anything goes
    allowed = PY_TYPES.get(types, (object,))
    if isinstance(value, bool) and types in ("integer", "number"):
        return False
    return isinstance(value, allowed)


@pytest.mark.parametrize("ep", ALL_LISTS, ids=str)
def test_records_match_the_official_openapi_schema(sandbox, ep: Endpoint) -> None:
    props = _item_schema(ep)
    r = get(sandbox, ep.path, **ep.params, **({"limit": ep.max_limit} if ep.paged else {}))
    assert r.status_code == 200, r.text[:200]
    rows = records(r.json(), ep)
    assert rows, f"{ep} has no records in the small sandbox"
    missing: dict[str, str] = {}
    wrong: dict[str, tuple[str, Any]] = {}
    for rec in rows:
        for key, schema in props.items():
            if (ep.path, key) in ALLOW:
                continue
            if key not in rec:
                missing[key] = f"id={rec.get(ep.key)}"
            elif rec[key] is not None and not _compatible(schema, rec[key]):
                wrong[key] = (schema.get("type"), rec[key])
    assert not missing, f"{ep}: spec properties missing: {missing}"
    assert not wrong, f"{ep}: type-incompatible values: {wrong}"


def test_allowlist_names_only_real_spec_properties() -> None:
    """An allowlist entry for a property the spec does not list is stale and hides nothing."""
    by_path = {e.path: e for e in ALL_LISTS}
    for (path, key), reason in ALLOW.items():
        assert reason
        assert path in by_path, f"{path}: not a list endpoint of the table, so the entry hides nothing"
        assert key in _item_schema(by_path[path]), (path, key)


def _sort_cases() -> list[tuple[Endpoint, str]]:
    """(endpoint, sort_by value) for every v2 list endpoint whose spec documents a sort_by enum."""
    return [(ep, value) for ep in ALL_LISTS if ep.v2
            for value in ep.op.params.get("sort_by", {}).get("enum", [])]


def test_sort_cases_are_found() -> None:
    assert len(_sort_cases()) >= 20  # the facts name sort_by enums for deals, persons, ... deal products


@pytest.mark.parametrize(("ep", "sort_by"), _sort_cases(), ids=lambda x: str(x))
def test_every_documented_sort_by_orders_records(sandbox, ep: Endpoint, sort_by: str) -> None:
    with client(sandbox) as c:
        asc = walk(c, ep, {"sort_by": sort_by}, limit=500)
        desc = walk(c, ep, {"sort_by": sort_by, "sort_direction": "desc"}, limit=500)
    assert asc, f"{ep} has no records"
    key = (lambda r: parse_time(r[sort_by])) if sort_by.endswith("_time") else (lambda r: r[sort_by])
    present = [r for r in asc if r.get(sort_by) is not None]
    assert len(present) >= 2, f"{ep}: fewer than two records with a {sort_by}, so no order to check"
    assert [key(r) for r in present] == sorted(key(r) for r in present)
    present = [r for r in desc if r.get(sort_by) is not None]
    assert [key(r) for r in present] == sorted((key(r) for r in present), reverse=True)
    assert sorted(ids(asc, ep.key)) == sorted(ids(desc, ep.key))
