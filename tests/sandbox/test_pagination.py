"""Cursor (v2) and offset (v1) pagination visit every record exactly once, with the documented limits [RD-PAG]."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from tests.kit.sandbox import (
    PAGED_LISTS,
    V2_LISTS,
    Endpoint,
    client,
    get,
    ids,
    streams,
    walk,
    walk_cursor,
    walk_offset,
)

V1_PAGED = [e for e in PAGED_LISTS if not e.v2]


def _expected_ids(sb, ep: Endpoint) -> set | None:
    if not ep.entity:
        return None
    s = streams(sb)[ep.entity]
    return set(s["archived"] if ep.archived else s["live"])


def _assert_once(records: list[dict], key: str) -> list:
    keys = ids(records, key)
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes, f"visited more than once: {dupes[:10]}"
    return keys


# /api/v2/boards: one response; installments: no additional_data in the 200 schema (option installments_paging)
@pytest.mark.parametrize("ep", [e for e in V2_LISTS if e.paged and e.paging == "cursor"], ids=str)
def test_cursor_pagination_visits_every_record_once(sandbox, ep: Endpoint) -> None:
    with client(sandbox) as c:
        full = walk_cursor(c, ep.path, ep.params, limit=500)
        step = max(1, math.ceil(len(full) / 3))  # at least three pages
        paged = walk_cursor(c, ep.path, ep.params, limit=step)
    keys = _assert_once(paged, ep.key)
    assert keys == ids(full, ep.key)
    want = _expected_ids(sandbox, ep)
    if want is not None:
        assert set(keys) == want


@pytest.mark.parametrize("ep", V1_PAGED, ids=str)
def test_offset_pagination_visits_every_record_once(sandbox, ep: Endpoint) -> None:
    # each walker checks the operation's own envelope: nested pagination, flat, or none (until empty)
    with client(sandbox) as c:
        full = walk(c, ep, limit=ep.max_limit)
        step = max(1, math.ceil(len(full) / 3))
        paged = walk(c, ep, limit=step)
    keys = _assert_once(paged, ep.key)
    assert keys == ids(full, ep.key)
    want = _expected_ids(sandbox, ep)
    if want is not None:
        assert set(keys) == want


def test_last_cursor_page_has_null_next_cursor(sandbox) -> None:
    body = get(sandbox, "/api/v2/pipelines", limit=500).json()
    assert "next_cursor" in body["additional_data"]
    assert body["additional_data"]["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJmaWVsZCI6", "%%%"])
def test_bad_cursor_is_400(sandbox, cursor: str) -> None:
    r = get(sandbox, "/api/v2/deals", cursor=cursor)
    assert r.status_code == 400, r.text[:200]
    assert r.json()["success"] is False


def test_offset_past_the_end_is_an_empty_last_page(sandbox) -> None:
    body = get(sandbox, "/v1/notes", start=10**6, limit=10).json()
    assert body["data"] == []
    pag = body["additional_data"]["pagination"]
    assert pag["more_items_in_collection"] is False
    assert pag.get("next_start") is None


def _ensure(sb, entity: str, n: int, **fields) -> None:
    have = len(streams(sb)[entity]["live"])
    for i in range(n - have):
        sb.create(entity, **{k: f"{v} {i}" if isinstance(v, str) else v for k, v in fields.items()})


def test_v2_default_limit_is_100_and_above_500_is_400(make_sandbox) -> None:
    # [SPEC-v2] "If not provided, 100 items will be returned ... a maximum value of 500 is allowed"
    sb = make_sandbox()
    _ensure(sb, "deals", 520, title="bulk deal")
    assert len(get(sb, "/api/v2/deals").json()["data"]) == 100
    assert len(get(sb, "/api/v2/deals", limit=500).json()["data"]) == 500
    r = get(sb, "/api/v2/deals", limit=501)
    assert r.status_code == 400 and r.json()["success"] is False


@pytest.mark.parametrize(("path", "entity", "cap", "fields"), [
    ("/v1/files", "files", 100, {"name": "bulk file"}),
    ("/v1/callLogs", "call_logs", 50, {"subject": "bulk call", "user_id": 1}),
])
def test_v1_documented_limit_maximum_is_400_above(make_sandbox, path: str, entity: str, cap: int,
                                                  fields: dict) -> None:
    # [SPEC-v1] files: "a maximum value of 100"; callLogs: "The upper limit is 50"
    sb = make_sandbox()
    _ensure(sb, entity, cap + 5, **fields)
    assert len(get(sb, path, limit=cap).json()["data"]) == cap
    r = get(sb, path, limit=cap + 1)
    assert r.status_code == 400 and r.json()["success"] is False


def test_v1_limit_without_a_documented_maximum_is_capped_at_500(make_sandbox) -> None:
    # notes document no maximum; the pagination docs give 500 [RD-PAG]: a clamped page still paginates
    sb = make_sandbox()
    _ensure(sb, "notes", 505, content="bulk note")
    body = get(sb, "/v1/notes", limit=501).json()
    assert len(body["data"]) == 500 and body["additional_data"]["pagination"]["next_start"] == 500
    with client(sb) as c:
        recs = walk_offset(c, "/v1/notes", limit=501)
    _assert_once(recs, "id")
    assert set(ids(recs)) == set(streams(sb)["notes"]["live"])


def test_v1_default_limit_is_100(make_sandbox) -> None:
    sb = make_sandbox()
    _ensure(sb, "notes", 130, content="bulk note")
    body = get(sb, "/v1/notes").json()
    assert len(body["data"]) == 100
    assert body["additional_data"]["pagination"]["next_start"] == 100


def test_deal_products_need_deal_ids_and_take_at_most_100(sandbox) -> None:
    # [SPEC-v2] GET /deals/products: deal_ids is required; "A maximum of 100 deal IDs can be provided"
    r = get(sandbox, "/api/v2/deals/products")
    assert r.status_code == 400 and r.json()["success"] is False
    r = get(sandbox, "/api/v2/deals/products", deal_ids=",".join(map(str, range(1, 102))))
    assert r.status_code == 400 and r.json()["success"] is False


def test_deal_products_belong_to_the_requested_deals(sandbox) -> None:
    wanted = set(range(1, 51))
    with client(sandbox) as c:
        rows = walk_cursor(c, "/api/v2/deals/products", {"deal_ids": ",".join(map(str, sorted(wanted)))}, limit=7)
        assert rows and {r["deal_id"] for r in rows} <= wanted
        _assert_once(rows, "id")
        one = walk_cursor(c, f"/api/v2/deals/{rows[0]['deal_id']}/products", {}, limit=500)
    assert {r["id"] for r in one} == {r["id"] for r in rows if r["deal_id"] == rows[0]["deal_id"]}


@pytest.mark.parametrize("params", [
    {"status": "open,deleted", "sort_direction": "desc"},
    {"status": "won,lost,deleted", "sort_by": "update_time", "sort_direction": "desc"},
    {"status": "deleted", "sort_by": "add_time"},
    {"sort_by": "update_time", "sort_direction": "desc", "updated_since": "2026-01-01T00:00:00Z"},
    {"owner_id": "1", "sort_by": "add_time", "sort_direction": "desc"},
], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("path", ["/api/v2/deals", "/api/v2/deals/archived"])
def test_cursor_pages_with_filters_and_sorts_visit_each_record_once(sandbox, path: str, params: dict) -> None:
    if path.endswith("/archived") and "deleted" in params.get("status", ""):
        params = {**params, "status": params["status"].replace(",deleted", "").replace("deleted", "open")}
    with client(sandbox) as c:
        full = walk_cursor(c, path, params, limit=500)
        small = walk_cursor(c, path, params, limit=7)
    _assert_once(small, "id")
    assert ids(small) == ids(full)
    if "status" in params:
        assert {r["status"] if not r["is_deleted"] else "deleted" for r in full} <= set(params["status"].split(","))


def test_cursor_is_keyset_so_deleting_a_seen_record_skips_nothing(make_sandbox) -> None:
    # [SPEC-v2] the cursor marks "the first item on the next page" (keyset, e.g. {"field":"id","id":7}),
    # unlike v1 offsets: removing an already-read record must not shift the next page
    sb = make_sandbox()
    with client(sb) as c:
        want = ids(walk_cursor(c, "/api/v2/deals", {}, limit=500))
        first = c.get("/api/v2/deals", params={"limit": 50}).json()
        sb.delete("deals", first["data"][0]["id"])
        sb.archive("deals", first["data"][1]["id"])
        created = sb.create("deals", title="created mid-walk")
        rest = walk_cursor(c, "/api/v2/deals", {"cursor": first["additional_data"]["next_cursor"]}, limit=50)
    got = ids(first["data"]) + ids(rest)
    assert got == want + [created["id"]]  # nothing skipped or repeated; the new id comes last
