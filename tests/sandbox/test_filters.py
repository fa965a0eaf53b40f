"""Incremental filters, sorting with ties, deal status (incl. deleted), archived records and /v1/recents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.kit.sandbox import (
    client,
    get,
    ids,
    parse_time,
    rfc3339,
    streams,
    v1_time,
    walk,
    walk_cursor,
    walk_offset,
)

DAY = 86_400
TOUCH = {  # a harmless field to update per entity, so update_time becomes the simulated now
    "deals": {"title": "touched deal"},
    "persons": {"name": "Touched Person"},
    "organizations": {"name": "Touched Org"},
    "activities": {"subject": "touched activity"},
    "products": {"name": "touched product"},
    "notes": {"content": "touched note"},
    "leads": {"title": "touched lead"},
    "files": {"name": "touched file"},
}
V2_INCREMENTAL = ["deals", "persons", "organizations", "activities", "products"]
UNTIL_SUPPORTED = {"deals", "persons", "organizations", "activities"}  # products: updated_since only [SPEC-v2]


def _touch(sb, entity: str, n: int, offset: int = 0) -> list:
    picked = sorted(streams(sb)[entity]["live"], key=str)[offset:offset + n]
    assert len(picked) == n, f"not enough {entity}"
    for rid in picked:
        sb.update(entity, rid, **TOUCH[entity])
    return picked


@pytest.fixture(scope="module")
def tied():
    """A sandbox where 3 records per entity share update_time T and one more has T + 60 s (read-only use)."""
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale="small", seed=1) as sb:
        t = sb.now()
        tied_ids = {e: _touch(sb, e, 3) for e in [*V2_INCREMENTAL, "notes", "leads", "files"]}
        sb.advance(60)
        later = {e: _touch(sb, e, 1, offset=3)[0] for e in [*V2_INCREMENTAL, "notes", "leads", "files"]}
        yield sb, t, tied_ids, later


@pytest.mark.parametrize("entity", V2_INCREMENTAL)
def test_updated_since_is_inclusive_and_updated_until_exclusive(tied, entity: str) -> None:
    # [SPEC-v2] updated_since: "later than or equal to"; updated_until: "earlier than"
    sb, t, tied_ids, later = tied
    path = f"/api/v2/{entity}"
    with client(sb) as c:
        since = walk_cursor(c, path, {"updated_since": rfc3339(t)}, limit=500)
        assert set(tied_ids[entity]) | {later[entity]} <= set(ids(since))
        assert all(parse_time(r["update_time"]) >= t for r in since)
        if entity not in UNTIL_SUPPORTED:
            return
        until = walk_cursor(c, path, {"updated_until": rfc3339(t)}, limit=500)
        assert not (set(tied_ids[entity]) | {later[entity]}) & set(ids(until))
        assert all(parse_time(r["update_time"]) < t for r in until)
        window = walk_cursor(c, path, {"updated_since": rfc3339(t),
                                       "updated_until": rfc3339(t + timedelta(seconds=60))}, limit=500)
        assert set(ids(window)) == set(tied_ids[entity])
        everything = walk_cursor(c, path, {}, limit=500)
        assert len(since) + len(until) == len(everything)  # the two halves partition the stream


@pytest.mark.parametrize(("path", "entity"), [("/v1/notes", "notes"), ("/v1/leads", "leads")])
def test_v1_updated_since_is_inclusive(tied, path: str, entity: str) -> None:
    # [SPEC-v1] notes and leads: updated_since "later than or equal to", RFC 3339 / ISO 8601
    sb, t, tied_ids, later = tied
    with client(sb) as c:
        recs = walk(c, path, {"updated_since": rfc3339(t)}, limit=500)
    assert set(ids(recs)) == set(tied_ids[entity]) | {later[entity]}


@pytest.mark.parametrize("entity", V2_INCREMENTAL)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_by_update_time_pages_through_ties_exactly_once(tied, entity: str, direction: str) -> None:
    sb, t, tied_ids, later = tied
    params = {"sort_by": "update_time", "sort_direction": direction}
    with client(sb) as c:
        # pages of 2 over the 3 tied records + 1 later: page boundaries fall inside the tie
        recent = walk_cursor(c, f"/api/v2/{entity}", {**params, "updated_since": rfc3339(t)}, limit=2)
        assert sorted(ids(recent)) == sorted([*tied_ids[entity], later[entity]])
        ordered = walk_cursor(c, f"/api/v2/{entity}", params, limit=97)
        full = walk_cursor(c, f"/api/v2/{entity}", {}, limit=500)
    keys = ids(ordered)
    assert len(keys) == len(set(keys)) and set(keys) == set(ids(full))
    for recs in (recent, ordered):
        times = [parse_time(r["update_time"]) for r in recs]
        assert times == sorted(times, reverse=(direction == "desc"))


@pytest.mark.parametrize("sort_by", ["id", "add_time"])
def test_sort_by_other_fields_and_desc(sandbox, sort_by: str) -> None:
    with client(sandbox) as c:
        recs = walk_cursor(c, "/api/v2/deals", {"sort_by": sort_by, "sort_direction": "desc"}, limit=37)
    vals = [r[sort_by] if sort_by == "id" else parse_time(r[sort_by]) for r in recs]
    assert vals == sorted(vals, reverse=True)
    assert len(set(ids(recs))) == len(recs)


@pytest.mark.parametrize(("path", "sort", "field", "desc"), [
    ("/v1/notes", "update_time ASC", "update_time", False),
    ("/v1/notes", "id DESC", "id", True),
    ("/v1/notes", "update_time", "update_time", False),  # a bare field sorts ascending
    ("/v1/leads", "update_time", "update_time", False),  # [SPEC-v1] leads: sort is an enum of bare names
    ("/v1/leads", "title", "title", False),
    ("/v1/files", "update_time DESC", "update_time", True),
])
def test_v1_sort_orders_records(tied, path: str, sort: str, field: str, desc: bool) -> None:
    # [SPEC-v1] notes, files: sort=`field_name_1 ASC, field_name_2 DESC`
    sb = tied[0]
    with client(sb) as c:
        recs = walk(c, path, {"sort": sort}, limit=3 if "notes" in path else 100)
    vals = [parse_time(r[field]) if field.endswith("_time") else r[field] for r in recs]
    assert vals == sorted(vals, reverse=desc)
    assert len(set(ids(recs))) == len(recs)


def test_deleted_deals_only_via_status_deleted_and_only_for_30_days(make_sandbox) -> None:
    # [SPEC-v2] status omitted = all not deleted; status=deleted = deleted up to 30 days ago [CL-PERMDEL]
    sb = make_sandbox()
    victim = sorted(streams(sb)["deals"]["live"])[0]
    sb.delete("deals", victim)
    with client(sb) as c:
        assert victim not in ids(walk_cursor(c, "/api/v2/deals", {}, limit=500))
        assert victim not in ids(walk_cursor(c, "/api/v2/deals", {"status": "open,won,lost"}, limit=500))
        deleted = walk_cursor(c, "/api/v2/deals", {"status": "deleted"}, limit=500)
        assert victim in ids(deleted)
        assert all(r["is_deleted"] is True for r in deleted)
        # a delete is a change: it stamps update_time, so updated_since windows see it ([RD-V2MIG] says so for
        # persons: "for a deleted person, update_time is the delete time")
        gone = next(r for r in deleted if r["id"] == victim)
        assert parse_time(gone["update_time"]) == sb.now().replace(microsecond=0)
        since = walk_cursor(c, "/api/v2/deals", {"status": "deleted", "updated_since": rfc3339(sb.now())}, limit=500)
        assert ids(since) == [victim]
        mixed = walk_cursor(c, "/api/v2/deals", {"status": "open,deleted"}, limit=500)
        assert victim in ids(mixed)
        assert {r["status"] for r in mixed if not r["is_deleted"]} <= {"open"}
        assert victim in streams(sb)["deals"]["deleted"]
        sb.advance(29 * DAY)
        assert victim in ids(walk_cursor(c, "/api/v2/deals", {"status": "deleted"}, limit=500))
        sb.advance(2 * DAY)
        assert victim not in ids(walk_cursor(c, "/api/v2/deals", {"status": "deleted"}, limit=500))
        assert victim not in streams(sb)["deals"]["deleted"]


@pytest.mark.parametrize("status", ["open", "won", "lost"])
def test_status_filter_returns_only_that_status(sandbox, status: str) -> None:
    with client(sandbox) as c:
        recs = walk_cursor(c, "/api/v2/deals", {"status": status}, limit=500)
    assert recs, f"no {status} deals in the small sandbox"
    assert {r["status"] for r in recs} == {status}


@pytest.mark.parametrize(("entity", "live", "archived"), [
    ("deals", "/api/v2/deals", "/api/v2/deals/archived"),
    ("leads", "/v1/leads", "/v1/leads/archived"),
])
def test_archived_records_live_only_on_archived_endpoints(make_sandbox, entity, live, archived) -> None:
    # [CL-ARCH] archived deals and leads are excluded from the normal lists since 2025-07-15
    sb = make_sandbox()
    rid = sorted(streams(sb)[entity]["live"], key=str)[0]
    sb.archive(entity, rid)
    with client(sb) as c:
        assert rid not in ids(walk(c, live, {}, limit=500))
        arch = walk(c, archived, {}, limit=500)
    assert rid in ids(arch)
    assert all(r["is_archived"] is True for r in arch)
    assert rid in streams(sb)[entity]["archived"] and rid not in streams(sb)[entity]["live"]


def test_recents_requires_since_timestamp(sandbox) -> None:
    r = get(sandbox, "/v1/recents")
    assert r.status_code == 400
    assert r.json()["success"] is False


def _recent_time(item: dict):
    data = item["data"] or {}
    return parse_time(data.get("update_time") or data.get("modified"))


def test_recents_filters_by_items(make_sandbox) -> None:
    sb = make_sandbox()
    _touch(sb, "deals", 2)
    _touch(sb, "persons", 2)
    since = v1_time(sb.now() - timedelta(days=1))
    with client(sb) as c:
        recs = walk_offset(c, "/v1/recents", {"since_timestamp": since, "items": "deal"}, limit=100)
    assert recs and {r["item"] for r in recs} == {"deal"}
    with client(sb) as c:  # [SPEC-v1] items is a multiple selection
        both = c.get("/v1/recents", params={"since_timestamp": since, "items": "deal,person", "limit": 500}).json()
    assert {r["item"] for r in both["data"]} == {"deal", "person"}


def test_recents_returns_only_the_last_30_days(make_sandbox) -> None:
    # since Dec 2024 /v1/recents returns at most one month, whatever since_timestamp asks [PEER-RECENTS]
    sb = make_sandbox()
    old = _touch(sb, "deals", 1)[0]
    sb.advance(40 * DAY)
    fresh = _touch(sb, "deals", 1, offset=1)[0]
    now = sb.now()
    with client(sb) as c:
        body = c.get("/v1/recents", params={"since_timestamp": v1_time(now - timedelta(days=800)),
                                            "limit": 10}).json()
        assert {"since_timestamp", "last_timestamp_on_page", "pagination"} <= set(body["additional_data"])
        # the effective since_timestamp, after the 30-day cap, is what additional_data reports
        assert body["additional_data"]["since_timestamp"] == v1_time(now - timedelta(days=30))
        recs = walk_offset(c, "/v1/recents", {"since_timestamp": v1_time(now - timedelta(days=800)),
                                              "items": "deal"}, limit=100)
    got = [r["id"] for r in recs]
    assert fresh in got and old not in got
    assert all(_recent_time(r) >= now - timedelta(days=30) for r in recs)
    # the v1 payload: deals carry v1 fields, not v2 ones [SPEC-v1]
    d = next(r["data"] for r in recs if r["id"] == fresh)
    assert " " in d["update_time"], d["update_time"]  # "YYYY-MM-DD HH:MM:SS" [RD-DATE]
    assert "user_id" in d and "owner_id" not in d  # v1 deal, not v2 [RD-V2MIG]


def test_recents_reports_a_since_timestamp_inside_the_cap_unchanged(sandbox) -> None:
    since = v1_time(sandbox.now() - timedelta(days=3))
    body = get(sandbox, "/v1/recents", since_timestamp=since, limit=1).json()
    assert body["additional_data"]["since_timestamp"] == since


@pytest.mark.parametrize(("path", "params"), [
    ("/api/v2/deals", {"updated_since": "yesterday"}),
    ("/api/v2/deals", {"updated_since": "2026-01-01"}),  # a date is not an RFC 3339 date-time
    ("/api/v2/activities", {"include_fields": "nonsense"}),
    ("/api/v2/deals", {"ids": ",".join(map(str, range(101)))}),  # [SPEC-v2] up to 100 ids
    ("/api/v2/deals", {"custom_fields": ",".join(f"k{i}" for i in range(16))}),  # [SPEC-v2] at most 15 keys
    ("/v1/leads", {"sort": "update_time ASC"}),  # [SPEC-v1] leads: sort is an enum of bare field names
    ("/v1/notes", {"sort": "colour ASC"}),  # notes: the description lists the supported fields
    ("/v1/notes", {"start_date": "01.02.2026"}),
    ("/v1/filters", {"type": "dogs"}),
    ("/api/v2/deals", {"sort_by": "title"}),  # [SPEC-v2] sort_by enum: id, update_time, add_time
    ("/api/v2/deals", {"sort_direction": "sideways"}),
    ("/api/v2/persons", {"limit": "many"}),
    ("/api/v2/deals", {"status": "sleeping"}),
])
def test_invalid_parameters_are_400(sandbox, path: str, params: dict) -> None:
    r = get(sandbox, path, **params)
    assert r.status_code == 400, (params, r.status_code)
    assert r.json()["success"] is False
