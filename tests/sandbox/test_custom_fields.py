"""Custom fields: *Fields metadata and the exact v1 / v2 value shapes on records [RD-CF], [RD-V2MIG]."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.kit.sandbox import HEX40, client, get, streams, v1_time, walk, walk_cursor, walk_offset

# [RD-CF] the 16 user-creatable custom field types
USER_TYPES = {"varchar", "varchar_auto", "text", "double", "monetary", "set", "enum", "user", "org",
              "people", "phone", "time", "timerange", "date", "daterange", "address"}
ENTITIES = {"deals": "deal", "persons": "person", "organizations": "organization", "products": "product"}
ADDRESS_PARTS = ("subpremise", "street_number", "route", "sublocality", "locality", "admin_area_level_1",
                 "admin_area_level_2", "country", "postal_code", "formatted_address")
V2_ADDRESS_KEYS = {"value", *ADDRESS_PARTS[1:]}  # v2 has no subpremise [RD-V2MIG]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def _v2_fields(sb, single: str) -> list[dict]:
    with client(sb) as c:
        return walk_cursor(c, f"/api/v2/{single}Fields", {}, limit=500)


def _v1_fields(sb, single: str) -> list[dict]:
    with client(sb) as c:  # paging per operation: offset-flat (deal, person, ...), none (productFields)
        return walk(c, f"/v1/{single}Fields", {}, limit=500)


@pytest.mark.parametrize("single", ENTITIES.values())
def test_v2_fields_list_every_custom_type_with_hex_keys(sandbox, single: str) -> None:
    fields = _v2_fields(sandbox, single)
    custom = [f for f in fields if f["is_custom_field"]]
    assert USER_TYPES <= {f["field_type"] for f in custom}
    assert all(HEX40.match(f["field_code"]) for f in custom), [f["field_code"] for f in custom][:5]
    assert any(not f["is_custom_field"] for f in fields)  # built-in fields are listed too
    for f in custom:
        if f["field_type"] in ("enum", "set"):
            assert f["options"] and all(isinstance(o["id"], int) and o["label"] for o in f["options"])
        if f["field_type"] in ("address", "monetary"):
            assert f["subfields"], f  # [SPEC-v2] subfields for address and monetary


@pytest.mark.parametrize("single", ENTITIES.values())
def test_v1_fields_list_every_custom_type_with_hex_keys(sandbox, single: str) -> None:
    fields = _v1_fields(sandbox, single)
    custom = [f for f in fields if f["edit_flag"]]  # [SPEC-v1] edit_flag true = custom field
    assert USER_TYPES <= {f["field_type"] for f in custom}
    assert all(HEX40.match(f["key"]) for f in custom)
    for f in custom:  # [SPEC-v1] options for enum/set, otherwise null
        if f["field_type"] in ("enum", "set"):
            assert f["options"] and all({"id", "label"} <= set(o) for o in f["options"])
        else:
            assert f.get("options") is None, f
    v2_keys = {f["field_code"] for f in _v2_fields(sandbox, single) if f["is_custom_field"]}
    assert {f["key"] for f in custom} == v2_keys  # same account, same hashes in both versions


def test_lead_fields_inherit_the_deal_custom_fields(sandbox) -> None:
    # [SPEC-v1], [RD-CF] leads have no fields of their own; they inherit deal custom fields
    deal = {f["key"] for f in _v1_fields(sandbox, "deal") if f["edit_flag"]}
    lead = {f["key"] for f in _v1_fields(sandbox, "lead") if HEX40.match(f["key"])}
    assert deal and deal == lead


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_v2(ftype: str, v: Any, option_ids: set) -> bool:
    if ftype in ("varchar", "varchar_auto", "text", "phone"):
        return isinstance(v, str)
    if ftype == "double":
        return _is_num(v)
    if ftype == "monetary":
        return set(v) == {"value", "currency"} and _is_num(v["value"]) and isinstance(v["currency"], str)
    if ftype == "enum":
        return _is_int(v) and v in option_ids
    if ftype == "set":
        return isinstance(v, list) and all(_is_int(x) and x in option_ids for x in v)
    if ftype in ("user", "org", "people"):
        return _is_int(v)
    if ftype == "date":
        return bool(DATE.match(v))
    if ftype == "daterange":
        return set(v) == {"value", "until"} and DATE.match(v["value"]) and DATE.match(v["until"])
    if ftype == "time":
        return {"value", "timezone_id", "timezone_name"} <= set(v) and TIME.match(v["value"])
    if ftype == "timerange":
        return {"value", "until", "timezone_id", "timezone_name"} <= set(v) and TIME.match(v["until"])
    if ftype == "address":
        return V2_ADDRESS_KEYS <= set(v) and isinstance(v["value"], str)
    return True


@pytest.mark.parametrize("entity", ENTITIES)
def test_v2_records_have_documented_custom_field_shapes(sandbox, entity: str) -> None:
    fields = {f["field_code"]: f for f in _v2_fields(sandbox, ENTITIES[entity]) if f["is_custom_field"]}
    with client(sandbox) as c:
        recs = walk_cursor(c, f"/api/v2/{entity}", {}, limit=500)
    seen: set[str] = set()
    for rec in recs:
        cf = rec["custom_fields"]
        assert isinstance(cf, dict)
        assert not any(HEX40.match(k) for k in rec), "v2 custom fields belong in custom_fields"  # [RD-V2MIG]
        assert set(cf) <= set(fields), set(cf) - set(fields)
        for key, v in cf.items():
            if v is None:
                continue
            f = fields[key]
            opts = {o["id"] for o in f["options"] or []}
            assert _check_v2(f["field_type"], v, opts), (f["field_type"], v)
            seen.add(f["field_type"])
    assert USER_TYPES <= seen, f"types never set on any record: {USER_TYPES - seen}"


def test_v2_include_option_labels_turns_enum_ids_into_objects(sandbox) -> None:
    # [SPEC-v2] include_option_labels=true: {id, label} instead of the plain id
    fields = {f["field_code"]: f for f in _v2_fields(sandbox, "deal") if f["field_type"] == "enum"
              and f["is_custom_field"]}
    recs = get(sandbox, "/api/v2/deals", limit=200, include_option_labels="true").json()["data"]
    vals = [r["custom_fields"][k] for r in recs for k in fields if r["custom_fields"].get(k) is not None]
    assert vals and all(isinstance(v, dict) and _is_int(v["id"]) and isinstance(v["label"], str) for v in vals)


def _check_v1(ftype: str, key: str, rec: dict, v2: Any) -> None:
    """v1 keeps custom fields at top level with companion keys [RD-V2MIG], [SPEC-v1]."""
    v = rec[key]
    if ftype == "monetary":
        assert _is_num(v) and rec[f"{key}_currency"] == v2["currency"] and v == v2["value"]
    elif ftype == "enum":
        assert v == str(v2), (v, v2)  # option id as a string
    elif ftype == "set":
        assert isinstance(v, str) and [int(x) for x in v.split(",")] == v2
    elif ftype in ("daterange", "timerange"):
        assert v == v2["value"] and rec[f"{key}_until"] == v2["until"]
    elif ftype == "time":
        assert v == v2["value"]
    elif ftype == "address":
        assert v == v2["value"]
        for part in ADDRESS_PARTS:
            assert f"{key}_{part}" in rec, f"{key}_{part}"
        assert rec[f"{key}_subpremise"] is None
        for part in ADDRESS_PARTS[1:]:
            assert rec[f"{key}_{part}"] == v2.get(part), part
    elif ftype in ("user", "org", "people"):
        # documented as the id; accept Pipedrive's richer {"value": id, ...} object too
        assert v == v2 or (isinstance(v, dict) and v.get("value") == v2)
    else:
        assert v == v2, (ftype, v, v2)


@pytest.mark.parametrize("entity", ENTITIES)
def test_v1_recents_payloads_have_top_level_custom_fields_with_companions(make_sandbox, entity: str) -> None:
    sb = make_sandbox()
    touch = {"deals": "title", "persons": "name", "organizations": "name", "products": "name"}[entity]
    touched = sorted(streams(sb)[entity]["live"])[:60]
    for rid in touched:
        sb.update(entity, rid, **{touch: f"touched {rid}"})
    fields = {f["field_code"]: f["field_type"] for f in _v2_fields(sb, ENTITIES[entity]) if f["is_custom_field"]}
    since = v1_time(sb.now() - timedelta(days=1))
    with client(sb) as c:
        items = walk_offset(c, "/v1/recents", {"since_timestamp": since, "items": ENTITIES[entity]}, limit=100)
        v2 = {r["id"]: r for r in walk_cursor(c, f"/api/v2/{entity}", {}, limit=500)}
    assert {i["id"] for i in items} >= set(touched)
    seen: set[str] = set()
    for item in items:
        rec = item["data"]
        assert "custom_fields" not in rec
        for key, ftype in fields.items():
            assert key in rec, f"v1 record lacks custom field key {key}"
            want = v2[item["id"]]["custom_fields"].get(key)
            if want is None:
                assert rec[key] in (None, ""), (ftype, rec[key])
                continue
            _check_v1(ftype, key, rec, want)
            seen.add(ftype)
    assert USER_TYPES <= seen, USER_TYPES - seen
