"""The connector against a spec-true sandbox.

Every request it can make is one the official spec defines (parameters, enums, maxima, datetime
formats), checked statically from the stream table and dynamically by the sandbox's gate; and it
reads every stream completely whichever way the sandbox answers where the spec leaves behaviour open
(pipedrive_sandbox.OPTIONS).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pipedrive_sandbox import OPTIONS, Sandbox
from pipedrive_sandbox.spec import operation
from source_pipedrive.http import Paging
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME
from source_pipedrive.timeutil import format_rfc3339, format_v1, parse_datetime
from tests.kit.cli import catalog_for, config_for
from tests.kit.faults import Outcome, compare_with_truth

SOME_INSTANT = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)


def _queries():
    """(stream, part, query) for every request shape the stream table produces: first and later pages,
    with and without a time filter."""
    for stream in STREAMS:
        for part in stream.parts(incremental=True):
            base = {k: str(v) for k, v in stream.query(part).items()}
            parent = stream.parent
            if parent is not None and not parent.in_path:  # the parent ids in a query parameter
                base[parent.param] = ",".join(str(i) for i in range(1, parent.batch + 1))
            paging = stream.paging_of(part)
            limit = str(stream.page_size)
            pages = [{}]
            if paging is Paging.CURSOR:
                pages = [{"limit": limit}, {"limit": limit, "cursor": "eyJpZCI6MX0"}]
            elif paging in (Paging.OFFSET, Paging.KEYSET):
                pages = [{"start": "0", "limit": limit}, {"start": "995", "limit": limit}]
            since = stream.since_param_of(part)
            instants = (SOME_INSTANT, SOME_INSTANT.replace(microsecond=0))
            filters = [{}] + ([{since: format_rfc3339(t)} for t in instants] if since else [])
            for page in pages:
                for time_filter in filters:
                    yield stream.name, part.path, {**base, **page, **time_filter}
        if stream.recents_item:
            yield stream.name, "/v1/recents", {"since_timestamp": format_v1(SOME_INSTANT), "items": stream.recents_item,
                                               "start": "0", "limit": str(stream.page_size)}


QUERIES = list(_queries())
QUERY_IDS = [f"{s}:{p}:{i}" for i, (s, p, _) in enumerate(QUERIES)]


@pytest.mark.parametrize(("stream", "path", "query"), QUERIES, ids=QUERY_IDS)
def test_every_request_shape_is_one_the_spec_defines(stream, path, query):
    op = operation(f"GET {path}")
    accepted, ignored = op.admit(query)  # raises for a bad value: enum, maximum, format
    assert not ignored, f"{stream}: {path} does not define {ignored}"


@pytest.fixture(scope="module")
def strict_sandbox():
    # Pages capped at 40 records: every stream pages, so later-page requests are exercised too.
    with Sandbox(scale="small", seed=1, options={"limit_cap": 40, "tie_order": "shuffled"}) as sb:
        yield sb


def test_every_request_a_read_sends_is_accepted_and_honoured(cli, strict_sandbox):
    """Full, incremental from nothing, incremental from state after changes: no parameter the spec
    lacks, no 400."""
    sb = strict_sandbox
    sb.reset_stats()
    full = cli("read", config_for(sb), catalog_for())
    first = cli("read", config_for(sb), catalog_for(mode="incremental"))
    sb.advance(60)
    sb.update("deals", 3, title="changed")
    sb.update("notes", 4, content="changed")
    sb.advance(60)
    again = cli("read", config_for(sb), catalog_for(mode="incremental"), first.final_state())
    assert (full.code, first.code, again.code) == (0, 0, 0), (full.errors() + first.errors() + again.errors())[:2]
    stats = sb.stats()
    assert stats.get("ignored_params") == {}, stats.get("ignored_params")
    assert "400" not in stats["status"], stats["status"]


def test_a_catalog_asking_incremental_for_every_stream_reads_all_of_them(cli, sandbox):
    """As PyAirbyte's default read does: streams without a cursor are read in full refresh."""
    catalog = catalog_for()
    for entry in catalog["streams"]:
        entry["sync_mode"] = "incremental"
    run = cli("read", config_for(sandbox), catalog)
    assert run.code == 0, run.errors()[:1]
    assert {s.name for s in STREAMS} == {n for n in STREAMS_BY_NAME if run.statuses(n)[-1:] == ["COMPLETE"]}
    notes = [m["log"]["message"] for m in run.of("LOG") if "full refresh" in m["log"]["message"]]
    assert len(notes) == 1 and "activity_fields" in notes[0] and "goals" in notes[0]
    outcome = Outcome()
    outcome.add(run)
    compare_with_truth(outcome, sandbox.truth(), catalog_for(mode="incremental"))


def test_every_goal_arrives_once(cli, sandbox):
    run = cli("read", config_for(sandbox), catalog_for(["goals"]))
    got = run.ids("goals")
    truth = sandbox.truth()["streams"]["goals"]["live"]
    assert sorted(got) == sorted(truth)
    kinds = {g["assignee"]["type"] for g in run.records("goals")}
    assert kinds == {"person", "team", "company"}
    assert {g["is_active"] for g in run.records("goals")} == {True, False}


# -- every spec-open behaviour, each choice -------------------------------------------------------

CHOICES = [(name, 60 if isinstance(value, type) else value)  # limit_cap: any int; 60 pages everything
           for name, option in OPTIONS.items() for value in option.choices if value != option.default]


@pytest.mark.parametrize(("name", "value"), CHOICES, ids=[f"{n}={v}" for n, v in CHOICES])
def test_full_then_incremental_read_is_complete_under_each_choice(cli, name, value):
    options = {name: value, "limit_cap": 60} if name != "limit_cap" else {name: value}
    with Sandbox(scale="small", seed=1, options=options) as sb:
        catalog = catalog_for(mode="incremental")
        first = cli("read", config_for(sb), catalog)
        assert first.code == 0, first.errors()[:1]
        outcome = Outcome()
        outcome.add(first)
        compare_with_truth(outcome, sb.truth(), catalog)
        assert outcome.duplicates("leads") == 0 and outcome.duplicates("goals") == 0
        changed = _mutate(sb)
        again = cli("read", config_for(sb), catalog, first.final_state())
        assert again.code == 0, again.errors()[:1]
        for stream, ids in changed.items():
            assert ids <= set(again.ids(stream)), (stream, ids - set(again.ids(stream)))
        archived_leads = set(sb.truth()["streams"]["leads"]["archived"])
        resent = archived_leads & set(again.ids("leads")) - changed["leads"]
        assert len(resent) <= 2, f"unchanged archived leads re-sent: {len(resent)}"


def _mutate(sb) -> dict[str, set]:
    sb.advance(120)
    truth = sb.truth()["streams"]
    live_lead, archived_lead = truth["leads"]["live"][5], truth["leads"]["archived"][1]
    sb.update("deals", truth["deals"]["live"][7], title="changed")
    sb.update("leads", live_lead, title="changed")
    sb.update("leads", archived_lead, title="changed while archived")
    sb.update("persons", truth["persons"]["live"][2], name="changed")
    sb.update("users", 2, name="Changed User")
    sb.advance(120)
    return {"deals": {truth["deals"]["live"][7]}, "leads": {live_lead, archived_lead},
            "persons": {truth["persons"]["live"][2]}, "users": {2}}


def test_users_with_list_shaped_recents_data_are_read_incrementally(cli):
    with Sandbox(scale="small", seed=1, options={"recents_user_data": "list"}) as sb:
        first = cli("read", config_for(sb), catalog_for(["users"], mode="incremental"))
        sb.advance(3600)
        sb.update("users", 3, name="Renamed")
        sb.advance(60)
        sb.reset_stats()
        again = cli("read", config_for(sb), catalog_for(["users"], mode="incremental"), first.final_state())
        assert again.code == 0, again.errors()[:1]
        cursor = first.final_state()[0]["stream"]["stream_state"]["modified"]
        changed = [u for u in again.records("users") if u["id"] == 3]
        assert [u["name"] for u in changed] == ["Renamed"]
        boundary = [u for u in again.records("users") if u["id"] != 3]
        assert all(parse_datetime(u["modified"] or u["created"]) == parse_datetime(cursor) for u in boundary)
        assert any("/v1/recents" in key for key in sb.stats()["requests"])


def test_an_ignored_time_filter_is_caught_and_nothing_is_lost_or_repeated(cli):
    with Sandbox(scale="small", seed=1, options={"time_filter": "ignored", "limit_cap": 50}) as sb:
        catalog = catalog_for(["leads", "notes", "deals", "activities"], mode="incremental")
        first = cli("read", config_for(sb), catalog)
        assert first.code == 0
        changed = _mutate(sb)
        again = cli("read", config_for(sb), catalog, first.final_state())
        assert again.code == 0, again.errors()[:1]
        warnings = [m["log"]["message"] for m in again.of("LOG") if m["log"]["level"] == "WARN"]
        assert any("ignored updated_since" in w for w in warnings), warnings
        assert set(again.ids("deals")) >= changed["deals"] and set(again.ids("leads")) >= changed["leads"]
        for stream in ("leads", "notes", "deals", "activities"):
            assert len(again.ids(stream)) == len(set(again.ids(stream))), f"{stream} repeated records"
        cursor = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in first.final_state()}
        boundaries = {parse_datetime(v) for v in cursor["deals"]["parts"].values()}  # live, archived, deleted
        resent = [d for d in again.records("deals") if d["id"] not in changed["deals"]]
        assert all(parse_datetime(d["update_time"]) in boundaries for d in resent), "deals before their cursor re-sent"


def test_oauth_calls_go_to_the_api_domain_the_token_response_names(make_sandbox):
    from source_pipedrive.http import Client, OAuth2Auth

    sb = make_sandbox()
    o = sb.oauth
    auth = OAuth2Auth(o["client_id"], o["client_secret"], o["refresh_token"], token_url=f"{sb.url}/oauth/token")
    # The configured base URL is a closed port: only the api_domain can answer.
    with Client("http://127.0.0.1:9", auth, follow_api_domain=True, max_retries=0) as client:
        body = client.get("/v1/users/me")
    assert body["data"]["id"] == 1 and auth.api_domain == sb.url
