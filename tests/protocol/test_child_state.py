"""A child stream's state (its parents' state, the parents done since) and the settings that choose
which child streams `sync` reads."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from source_pipedrive.children import added_fields, sync_default, synthesized_key
from source_pipedrive.config import OPTIONAL_STREAMS, parse_config
from source_pipedrive.errors import ConfigError, StateError
from source_pipedrive.state import StreamState, initial_state, parse_state
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME
from source_pipedrive.timeutil import format_rfc3339

CHILDREN = [s for s in STREAMS if s.parent is not None]
TOKEN = {"credentials": {"auth_type": "api_token", "api_token": "tok-123"}}
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))
ids = st.lists(st.integers(min_value=1, max_value=10**9), max_size=30, unique=True)


def message(name: str, blob: dict) -> list[dict]:
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": blob}}]


@st.composite
def child_states(draw, incremental: bool):
    """A child's state mid-read: the parent state of the last whole parent page, parents done since."""
    stream = draw(st.sampled_from([s for s in CHILDREN if s.incremental or not incremental]))
    parent = StreamState(STREAMS_BY_NAME[stream.parent.stream], incremental)
    for part in parent.stream.parts(incremental):
        if draw(st.booleans()):
            parent.parts[part.name] = draw(instants)
    state = StreamState(stream, incremental, parent=parent.to_json(), parents_done=draw(ids))
    state.done_since = draw(instants) if state.parents_done else None
    return state


@pytest.mark.parametrize("incremental", [True, False], ids=["incremental", "full_refresh"])
@given(data=st.data())
def test_an_unfinished_child_read_resumes_where_it_stopped(incremental, data):
    state = data.draw(child_states(incremental))
    parsed, warnings = parse_state(message(state.stream.name, state.to_json()))
    assert warnings == []
    restored = initial_state(state.stream, incremental, parsed[state.stream.name])
    assert restored.parent == state.parent
    assert restored.parents_done == state.parents_done
    assert restored.done_since == (state.done_since if state.parents_done else None)
    parent = initial_state(STREAMS_BY_NAME[state.stream.parent.stream], incremental, restored.parent)
    assert {k: v for k, v in parent.parts.items() if v} == \
        {k: v for k, v in initial_state(parent.stream, incremental, state.parent).parts.items() if v}


def test_a_finished_full_refresh_of_a_child_starts_over_and_modes_do_not_mix():
    stream = STREAMS_BY_NAME["deal_followers"]
    done = StreamState(stream, False, parent={"version": 1, "mode": "full_refresh", "complete": True})
    done.finish(datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert initial_state(stream, False, done.to_json()).parent is None
    running = StreamState(stream, False, parent={"version": 1, "mode": "full_refresh", "complete": False,
                                                 "parts": {"main": "2026-01-01T00:00:00Z"}}, parents_done=[4])
    assert initial_state(stream, True, running.to_json()).parent is None  # another mode's progress
    assert initial_state(stream, False, running.to_json()).parents_done == [4]


@pytest.mark.parametrize("blob, words", [
    ({"version": 1, "mode": "incremental", "parent": "deals"}, "malformed 'parent'"),
    ({"version": 1, "mode": "incremental", "parents_done": 7}, "malformed 'parent'"),
    ({"version": 1, "mode": "incremental", "parent": {"version": 1, "mode": "incremental",
                                                      "parts": {"main": "yesterday"}}}, "bad parent state"),
    ({"version": 1, "mode": "incremental", "parents_done": [1], "done_since": "soon"}, "done_since"),
])
def test_a_damaged_child_state_is_an_error_naming_the_stream(blob, words):
    parsed, _ = parse_state(message("deal_products", blob))
    with pytest.raises(StateError, match=words) as info:
        initial_state(STREAMS_BY_NAME["deal_products"], True, parsed["deal_products"])
    assert "deal_products" in info.value.message


def test_an_old_cursor_for_a_child_reads_every_parent_again():
    """Airbyte's connector kept a bare cursor; it says nothing about which parents were read."""
    parsed, warnings = parse_state({"deal_products": {"update_time": "2024-01-01 00:00:00"}})
    state = initial_state(STREAMS_BY_NAME["deal_products"], True, parsed["deal_products"])
    assert warnings == [] and state.parent is None and state.parents_done == []


def test_synthesized_keys_are_the_named_fields_and_stay_distinct():
    seen = __import__("collections").Counter()
    follower = {"deal_id": 5, "user_id": 7}
    assert synthesized_key(follower, ("deal_id", "user_id"), seen) == "5:7"
    flow = {"deal_id": 5, "object": "dealChange", "data": {"id": 12}}
    assert synthesized_key(flow, ("deal_id", "object", "data.id"), seen) == "5:dealChange:12"
    same = {"deal_id": 5, "field_key": "title", "time": "2024-01-01 00:00:00"}
    first = synthesized_key(dict(same), ("deal_id", "field_key", "time"), seen)
    second = synthesized_key(dict(same), ("deal_id", "field_key", "time"), seen)
    assert (first, second) == ("5:title:2024-01-01 00:00:00", "5:title:2024-01-01 00:00:00#2")
    unnamed = synthesized_key({"deal_id": 5, "object": "note"}, ("deal_id", "object", "data.id"), seen)
    assert unnamed.startswith("5:note:") and len(unnamed) == len("5:note:") + 16  # a digest stands in
    assert synthesized_key({"deal_id": 5, "object": "note"}, ("deal_id", "object", "data.id"), seen) != unnamed


def test_every_field_the_connector_adds_is_declared_in_the_schema():
    from source_pipedrive.schemas import base_schema

    for stream in CHILDREN:
        missing = added_fields(stream) - set(base_schema(stream.name)["properties"])
        assert not missing, (stream.name, missing)


def test_incremental_children_follow_incremental_parents():
    for stream in CHILDREN:
        if stream.incremental:
            assert STREAMS_BY_NAME[stream.parent.stream].incremental, stream.name


# -- which child streams `sync` reads ---------------------------------------------------------------


def test_sync_leaves_per_record_children_out_unless_the_config_names_them():
    default = sync_default()
    assert "deal_products" in default and "phases" in default and "deals" in default
    assert not set(OPTIONAL_STREAMS) & set(default)
    assert all(STREAMS_BY_NAME[n].parent.batch == 1 for n in OPTIONAL_STREAMS)
    chosen = parse_config({**TOKEN, "child_streams": ["deal_flow", "deal_followers"]}).child_streams
    assert set(sync_default(chosen)) - set(default) == {"deal_flow", "deal_followers"}


@pytest.mark.parametrize("value, words", [
    ("deal_flow", "must be a list of stream names"),
    (["deal_flow", 3], "must be a list of stream names"),
    (["deals"], "'deals', not a per-record child stream"),
    (["deal_flows"], "'deal_flows'"),
])
def test_a_bad_child_streams_setting_names_the_problem(value, words):
    with pytest.raises(ConfigError, match=words) as info:
        parse_config({**TOKEN, "child_streams": value})
    assert "child_streams" in info.value.message
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        assert "deal_participants" in info.value.message  # the valid names are listed


def test_done_since_is_written_only_with_parents_done():
    stream = STREAMS_BY_NAME["deal_flow"]
    moment = datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert "done_since" not in StreamState(stream, True, done_since=moment).to_json()
    blob = StreamState(stream, True, parents_done=[1], done_since=moment).to_json()
    assert blob["done_since"] == format_rfc3339(moment) and blob["parents_done"] == [1]
