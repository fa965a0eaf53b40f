"""Records of every list endpoint carry each property the official OpenAPI 200 schema lists, type-compatibly."""

from __future__ import annotations

from typing import Any

import pytest

from sbkit import ALL_LISTS, Endpoint, get, ids, load_spec, records, spec_operation

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


def _resolve(spec: dict, node: Any) -> dict:
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        cur: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            cur = cur[part]
        node = cur
        seen += 1
        assert seen < 50, "ref loop"
    return node


def _properties(spec: dict, node: Any) -> dict[str, dict]:
    """Flatten properties over $ref and allOf (the spec composes most responses with allOf)."""
    node = _resolve(spec, node)
    out: dict[str, dict] = {}
    for sub in node.get("allOf", []):
        out.update(_properties(spec, sub))
    for key, val in (node.get("properties") or {}).items():
        out[key] = _resolve(spec, val)
    return out


def _item_schema(spec: dict, op: dict, ep: Endpoint) -> dict[str, dict]:
    content = op["responses"]["200"]["content"]["application/json"]
    data = _properties(spec, content["schema"]).get("data")
    assert data, "no data in the 200 schema"
    if ep.items_key:
        data = _properties(spec, data)[ep.items_key]
    assert data.get("type") == "array", data.get("type")
    return _properties(spec, data["items"])


def _spec_for(shared_dir, ep: Endpoint) -> tuple[dict, dict]:
    names = ["v2"] if ep.v2 else ["v1", "v1-2026-01-14"]  # the older v1 file still has deprecated paths
    for name in names:
        spec = load_spec(shared_dir, name)
        op = spec_operation(spec, ep.spec_path)
        if op is not None:
            return spec, op
    pytest.skip(f"{ep} is in no spec file")


def _compatible(schema: dict, value: Any) -> bool:
    types = schema.get("type")
    if types is None:
        return True  # untyped / oneOf: anything goes
    allowed = PY_TYPES.get(types, (object,))
    if isinstance(value, bool) and types in ("integer", "number"):
        return False
    return isinstance(value, allowed)


@pytest.mark.parametrize("ep", ALL_LISTS, ids=str)
def test_records_match_the_official_openapi_schema(sandbox, shared_dir, ep: Endpoint) -> None:
    spec, op = _spec_for(shared_dir, ep)
    props = _item_schema(spec, op, ep)
    r = get(sandbox, ep.path, **ep.params, **({"limit": ep.max_limit} if ep.paging != "none" else {}))
    assert r.status_code == 200, r.text[:200]
    rows = records(r.json(), ep)
    if not rows:
        pytest.skip(f"{ep} has no records")
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


def test_allowlist_names_only_real_spec_properties(shared_dir) -> None:
    """An allowlist entry for a property the spec does not list is stale and hides nothing."""
    by_path = {e.path: e for e in ALL_LISTS}
    for (path, key), reason in ALLOW.items():
        assert reason
        ep = by_path.get(path)
        if ep is None:
            continue
        spec, op = _spec_for(shared_dir, ep)
        assert key in _item_schema(spec, op, ep), (path, key)


def _sort_cases() -> list[tuple[Endpoint, str]]:
    """(endpoint, sort_by value) for every v2 list endpoint whose spec documents a sort_by enum."""
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared"
    if not (shared / "pipedrive-openapi" / "v2.yaml").exists():
        return []
    spec = load_spec(shared, "v2")
    cases = []
    for ep in ALL_LISTS:
        op = spec_operation(spec, ep.spec_path) if ep.v2 else None
        for prm in (op or {}).get("parameters", []):
            prm = _resolve(spec, prm)
            if prm.get("name") == "sort_by":
                cases += [(ep, value) for value in prm["schema"].get("enum", [])]
    return cases


@pytest.mark.parametrize(("ep", "sort_by"), _sort_cases(), ids=lambda x: str(x))
def test_every_documented_sort_by_orders_records(sandbox, ep: Endpoint, sort_by: str) -> None:
    from sbkit import client, parse_time, walk_cursor

    with client(sandbox) as c:
        asc = walk_cursor(c, ep.path, {**ep.params, "sort_by": sort_by}, limit=500)
        desc = walk_cursor(c, ep.path, {**ep.params, "sort_by": sort_by, "sort_direction": "desc"}, limit=500)
    assert asc, f"{ep} has no records"
    key = (lambda r: parse_time(r[sort_by])) if sort_by.endswith("_time") else (lambda r: r[sort_by])
    present = [r for r in asc if r.get(sort_by) is not None]
    assert [key(r) for r in present] == sorted(key(r) for r in present)
    present = [r for r in desc if r.get(sort_by) is not None]
    assert [key(r) for r in present] == sorted((key(r) for r in present), reverse=True)
    assert sorted(ids(asc, ep.key)) == sorted(ids(desc, ep.key))
