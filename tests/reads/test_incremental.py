"""Incremental reads after the sandbox's mutations: nothing missed, deletes and archives flagged."""

from __future__ import annotations

import pytest

from source_pipedrive.streams import STREAMS
from tests.kit.cli import catalog_for, config_for
from tests.kit.engine import scripted_server
from tests.kit.faults import expected_ids, truth_id

INCREMENTAL = [s.name for s in STREAMS if s.incremental]


def latest_by_id(*runs, stream):
    """The last version of each record, by the id the sandbox's truth knows it by."""
    out = {}
    for run in runs:
        for record in run.records(stream):
            out[truth_id(stream, record)] = record
    return out


def test_incremental_after_mutations_misses_nothing(cli, make_sandbox):
    sb = make_sandbox()
    first = cli("read", config_for(sb), catalog_for(mode="incremental"))
    assert first.code == 0, first.errors()
    sb.advance(3600)
    deal_ids = sorted(sb.truth()["streams"]["deals"]["live"])
    person_ids = sorted(sb.truth()["streams"]["persons"]["live"])
    lead_ids = sorted(sb.truth()["streams"]["leads"]["live"])
    new_deal = sb.create("deals", title="Brand new deal")
    sb.update("deals", deal_ids[0], title="Renamed deal")
    sb.delete("deals", deal_ids[1])
    sb.archive("deals", deal_ids[2])
    sb.update("persons", person_ids[0], name="Renamed Person")
    sb.archive("leads", lead_ids[0])
    second = cli("read", config_for(sb), catalog_for(mode="incremental"), first.final_state())
    assert second.code == 0, second.errors()
    deals = {r["id"]: r for r in second.records("deals")}
    assert new_deal["id"] in deals
    assert deals[deal_ids[0]]["title"] == "Renamed deal"
    assert deals[deal_ids[1]]["is_deleted"] is True
    assert deals[deal_ids[2]]["is_archived"] is True
    assert {r["id"]: r for r in second.records("persons")}[person_ids[0]]["name"] == "Renamed Person"
    assert {r["id"]: r for r in second.records("leads")}[lead_ids[0]]["is_archived"] is True
    # The second read is an increment, not everything again.
    assert len(second.records("deals")) < len(first.records("deals"))
    # Union of both reads equals the ground truth, deletes included.
    truth = sb.truth()["streams"]
    for stream in INCREMENTAL:
        if stream in truth:
            expected = expected_ids(sb.truth(), stream, incremental=False)
            got = set(latest_by_id(first, second, stream=stream))
            if stream == "deals":
                expected |= set(truth[stream].get("deleted", []))
            assert expected <= got, (stream, sorted(expected - got)[:5])


def test_same_second_updates_are_not_lost(cli, make_sandbox):
    sb = make_sandbox()
    ids = sorted(sb.truth()["streams"]["deals"]["live"])
    sb.advance(60)
    sb.update("deals", ids[0], title="first in this second")
    first = cli("read", config_for(sb), catalog_for(["deals"], mode="incremental"))
    sb.update("deals", ids[1], title="second in the same second")  # the clock has not moved
    second = cli("read", config_for(sb), catalog_for(["deals"], mode="incremental"), first.final_state())
    got = {r["id"]: r for r in second.records("deals")}
    assert got[ids[1]]["title"] == "second in the same second"
    # At most the boundary records come again: those at exactly a part's cursor (live, archived, deleted).
    from source_pipedrive.timeutil import parse_datetime
    cursors = {parse_datetime(v) for v in first.final_state()[0]["stream"]["stream_state"]["parts"].values() if v}
    again = {i for i, r in got.items() if i != ids[1]}
    assert all(parse_datetime(got[i]["update_time"]) in cursors for i in again), again
    assert len(again) <= 3


def test_users_increment_through_recents_and_after_the_window(cli, make_sandbox):
    sb = make_sandbox()
    first = cli("read", config_for(sb), catalog_for(["users"], mode="incremental"))
    user_ids = sorted(first.ids("users"))
    sb.advance(3600)
    sb.update("users", user_ids[0], name="Renamed User")
    sb.reset_stats()
    second = cli("read", config_for(sb), catalog_for(["users"], mode="incremental"), first.final_state())
    assert {r["id"]: r["name"] for r in second.records("users")}[user_ids[0]] == "Renamed User"
    assert any("recents" in k for k in sb.stats()["requests"])
    sb.advance(40 * 86400)  # the state is now older than /v1/recents remembers
    sb.update("users", user_ids[1], name="Renamed Later")
    third = cli("read", config_for(sb), catalog_for(["users"], mode="incremental"), second.final_state())
    assert {r["id"]: r["name"] for r in third.records("users")}[user_ids[1]] == "Renamed Later"


# Users never changed since creation have `modified` null (the sandbox has none: it stamps every user), so
# a scripted server plays /v1/users for this one.
NEVER_MODIFIED = [
    {"id": 1, "name": "Never modified, old", "created": "2019-01-01 00:00:00", "modified": None},
    {"id": 2, "name": "Changed", "created": "2019-01-01 00:00:00", "modified": "2021-01-01 00:00:00"},
    {"id": 3, "name": "Never modified, newer", "created": "2020-06-01 00:00:00", "modified": None},
]


def test_users_never_modified_are_not_resent(cli):
    def answer(path, headers):
        if path.startswith("/v1/recents"):  # nothing changed lately
            pagination = {"start": 0, "limit": 500, "more_items_in_collection": False}
            return {"success": True, "data": [], "additional_data": {"pagination": pagination}}
        if path.startswith("/v1/users"):
            return {"success": True, "data": NEVER_MODIFIED}
        return 404, {}, {"success": False, "error": "not scripted", "errorCode": 404}

    catalog = catalog_for(["users"], mode="incremental")
    with scripted_server(answer) as (url, seen):
        config = {"credentials": {"auth_type": "api_token", "api_token": "scripted-token"}, "base_url": url}
        first = cli("read", config, catalog)
        assert sorted(first.ids("users")) == [1, 2, 3]
        seen.clear()
        # The state is years old by the server's clock: past /v1/recents' window, the whole list is read again.
        again = cli("read", config, catalog, first.final_state())
    assert again.code == 0, again.errors()
    assert any(path == "/v1/users" for path, _ in seen), "the second read did not go through the user list"
    assert again.ids("users") == [2], "only the user at the cursor comes again; never-modified users are not resent"


def test_reads_resumed_from_each_checkpoint_deliver_the_rest(cli, sandbox):
    catalog = catalog_for(["deals", "leads", "activities"], mode="incremental")
    full = cli("read", config_for(sandbox), catalog)
    seen = {"deals": set(), "leads": set(), "activities": set()}
    checkpoints = 0
    for m in full.messages:
        if m["type"] == "RECORD":
            seen[m["record"]["stream"]].add(m["record"]["data"]["id"])
        elif m["type"] == "STATE":
            name = m["state"]["stream"]["stream_descriptor"]["name"]
            checkpoints += 1
            resumed = cli("read", config_for(sandbox), catalog_for([name], mode="incremental"), [m["state"]])
            assert resumed.code == 0
            assert seen[name] | set(resumed.ids(name)) == set(full.ids(name)), name
    assert checkpoints >= 6


def test_a_crashed_full_refresh_resumes_from_its_last_page(cli, sandbox):
    catalog = catalog_for(["activities"])
    full = cli("read", config_for(sandbox), catalog)
    states = full.states("activities")
    assert len(states) >= 2
    middle = states[0]
    assert middle["stream"]["stream_state"]["complete"] is False
    before = len(full.records("activities")) - sum(s["sourceStats"]["recordCount"] for s in states[1:])
    assert before > 0, "the first STATE covers no record: there is no page to resume after"
    resumed = cli("read", config_for(sandbox), catalog, [middle])
    assert set(full.ids("activities")[:int(before)]) | set(resumed.ids("activities")) == set(full.ids("activities"))
    assert len(resumed.records("activities")) < len(full.records("activities"))
    # After a complete full refresh, the next one starts over.
    again = cli("read", config_for(sandbox), catalog, full.final_state())
    assert sorted(again.ids("activities")) == sorted(full.ids("activities"))


@pytest.mark.parametrize("state", [
    "garbage",
    [{"type": "STREAM",
      "stream": {"stream_descriptor": {"name": "deals"}, "stream_state": {"update_time": "not a date"}}}],
    [{"type": "GLOBAL", "global": {"shared_state": {}}}],
    [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "deals"}, "stream_state": {"bookmarks": {"x": 1}}}}],
])
def test_unreadable_state_is_a_config_error_naming_the_problem(cli, sandbox, state):
    run = cli("read", config_for(sandbox), catalog_for(["deals"], mode="incremental"), state)
    assert run.code != 0
    (error,) = run.errors()
    assert error["failure_type"] == "config_error" and "state" in error["message"].lower()


def test_state_of_airbytes_connector_is_accepted(cli, sandbox):
    legacy = {"deals": {"update_time": "2026-10-01 00:00:00"}, "users": {"modified": "2026-10-01 00:00:00"}}
    run = cli("read", config_for(sandbox), catalog_for(["deals", "users"], mode="incremental"), legacy)
    assert run.code == 0, run.errors()
    from source_pipedrive.timeutil import parse_datetime
    for r in run.records("deals"):
        assert parse_datetime(r["update_time"]) >= parse_datetime("2026-10-01T00:00:00Z")
