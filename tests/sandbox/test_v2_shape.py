"""v2 record shape and filters: v1-only fields gone, include_fields / custom_fields / ids and entity filters."""

from __future__ import annotations

import pytest

from tests.kit.sandbox import HEX40, client, get, ids, walk_cursor

# [RD-V2MIG] fields renamed or removed in v2; seeing them means a v1 shape leaked into v2
V1_ONLY = {
    "deals": {"user_id", "deleted", "active", "weighted_value", "formatted_value", "label", "cc_email",
              "person_name", "org_name", "owner_name", "stage_order_nr", "related_objects"},
    "persons": {"active_flag", "phone", "email", "company_id", "first_char", "delete_time", "owner_name",
                "org_name"},
    "organizations": {"active_flag", "owner_name", "company_id", "first_char"},
    "activities": {"user_id", "busy_flag", "created_by_user_id", "active_flag", "person_name", "org_name",
                   "deal_title", "owner_name", "recurrence_rule"},
    "pipelines": {"active", "deal_probability", "selected", "url_title"},
    "stages": {"active_flag", "rotten_flag", "rotten_days", "pipeline_name"},
}
# [RD-V2MIG] returned only via include_fields
DEAL_INCLUDE_ONLY = {"next_activity_id", "last_activity_id", "first_won_time", "activities_count",
                     "smart_bcc_email", "products_count", "notes_count"}


@pytest.mark.parametrize("entity", V1_ONLY)
def test_v2_records_drop_v1_only_fields(sandbox, entity: str) -> None:
    rows = get(sandbox, f"/api/v2/{entity}", limit=200).json()["data"]
    assert rows
    leaked = {k for r in rows for k in r} & V1_ONLY[entity]
    assert not leaked, leaked
    assert all(isinstance(r["is_deleted"], bool) for r in rows)  # booleans, never 0/1 [RD-V2MIG]


def test_v2_deal_counts_only_via_include_fields(sandbox) -> None:
    plain = get(sandbox, "/api/v2/deals", limit=50).json()["data"]
    assert not ({k for r in plain for k in r} & DEAL_INCLUDE_ONLY)
    rich = get(sandbox, "/api/v2/deals", limit=50, include_fields="next_activity_id,activities_count").json()["data"]
    assert all({"next_activity_id", "activities_count"} <= set(r) for r in rich)
    assert not ({k for r in rich for k in r} & (DEAL_INCLUDE_ONLY - {"next_activity_id", "activities_count"}))


def test_custom_fields_param_limits_the_custom_fields_object(sandbox) -> None:
    # [SPEC-v2] custom_fields: comma separated keys to include, at most 15
    rows = get(sandbox, "/api/v2/deals", limit=20).json()["data"]
    keys = sorted({k for r in rows for k in r["custom_fields"]})
    assert len(keys) >= 3 and all(HEX40.match(k) for k in keys)
    picked = keys[:2]
    narrow = get(sandbox, "/api/v2/deals", limit=20, custom_fields=",".join(picked)).json()["data"]
    assert all(set(r["custom_fields"]) <= set(picked) for r in narrow)
    assert {k for r in narrow for k in r["custom_fields"]} == set(picked)  # limited to them, not emptied
    if len(keys) > 15:  # more than the allowed 15: rejected, or at least never more than 15 returned
        r = get(sandbox, "/api/v2/deals", limit=20, custom_fields=",".join(keys[:16]))
        assert r.status_code == 400 or all(len(x["custom_fields"]) <= 15 for x in r.json()["data"])


def test_ids_filter_returns_exactly_those_records(sandbox) -> None:
    # [SPEC-v2] ids: up to 100; ids that do not exist are simply not included
    with client(sandbox) as c:
        all_ids = ids(walk_cursor(c, "/api/v2/persons", {}, limit=500))
    want = all_ids[:5] + all_ids[-3:]
    got = get(sandbox, "/api/v2/persons", ids=",".join(map(str, want + [10**9]))).json()["data"]
    assert sorted(ids(got)) == sorted(want)


@pytest.mark.parametrize(("path", "param", "field"), [
    ("/api/v2/deals", "pipeline_id", "pipeline_id"),
    ("/api/v2/deals", "stage_id", "stage_id"),
    ("/api/v2/deals", "owner_id", "owner_id"),
    ("/api/v2/persons", "org_id", "org_id"),
    ("/api/v2/activities", "deal_id", "deal_id"),
    ("/api/v2/stages", "pipeline_id", "pipeline_id"),
])
def test_entity_filters_keep_only_matching_records(sandbox, path: str, param: str, field: str) -> None:
    with client(sandbox) as c:
        rows = walk_cursor(c, path, {}, limit=500)
        values = [r[field] for r in rows if r.get(field) is not None]
        assert values, f"no {field} values to filter on"
        value = max(set(values), key=values.count)
        got = walk_cursor(c, path, {param: value}, limit=500)
    assert got and all(r[field] == value for r in got)
    assert len(got) == values.count(value)


def test_activities_done_filter(sandbox) -> None:
    with client(sandbox) as c:
        done = walk_cursor(c, "/api/v2/activities", {"done": "true"}, limit=500)
        todo = walk_cursor(c, "/api/v2/activities", {"done": "false"}, limit=500)
        every = walk_cursor(c, "/api/v2/activities", {}, limit=500)
    assert done and todo
    assert all(r["done"] is True for r in done) and all(r["done"] is False for r in todo)
    assert len(done) + len(todo) == len(every)
