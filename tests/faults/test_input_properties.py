"""Property-based tests of the state parser, plus config and datetime properties beyond
tests/protocol/test_config_and_time.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from source_pipedrive.config import parse_config
from source_pipedrive.errors import ConfigError, StateError
from source_pipedrive.state import StreamState, initial_state, parse_state
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME
from source_pipedrive.timeutil import format_rfc3339, format_v1, parse_datetime

UTC = timezone.utc
# Child streams keep their parents' state instead of parts (tests/protocol/test_child_state.py).
INCREMENTAL = [s for s in STREAMS if s.incremental and s.parent is None]
instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
seconds = instants.map(lambda d: d.replace(microsecond=0))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)
MAX_MESSAGE = 400  # an error message names the problem; it does not echo a whole input back


def as_message(name: str, stream_state: dict) -> dict:
    return {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": stream_state}}


ENVELOPES = {
    "stream-messages": lambda blobs: [as_message(n, s) for n, s in blobs.items()],
    "wrapped-in-STATE": lambda blobs: [{"type": "STATE", "state": as_message(n, s)} for n, s in blobs.items()],
    "legacy-message": lambda blobs: [{"type": "LEGACY", "data": blobs}],
    "legacy-blob": lambda blobs: dict(blobs),
}


@st.composite
def own_states(draw, incremental: bool | None = None):
    """A StreamState as the connector would have built it mid-read: some parts seen, some not yet."""
    stream = draw(st.sampled_from(INCREMENTAL))
    inc = draw(st.booleans()) if incremental is None else incremental
    state = StreamState(stream, inc)
    for part in stream.parts(inc):
        if draw(st.booleans()):
            state.parts[part.name] = draw(st.one_of(st.none(), instants))
    return state


@given(own_states(incremental=True), st.sampled_from(sorted(ENVELOPES)))
def test_own_incremental_state_round_trips_through_every_envelope(state, envelope):
    blobs = {state.stream.name: state.to_json()}
    parsed, warnings = parse_state(ENVELOPES[envelope](blobs))
    assert warnings == []
    restored = initial_state(state.stream, True, parsed[state.stream.name])
    for part in state.stream.parts(True):
        if part.name in state.parts:
            assert restored.parts[part.name] == state.parts[part.name]
        else:  # a part never reached is read from the start: another part's cursor would skip its records
            assert restored.parts.get(part.name) is None


@given(own_states(incremental=False))
def test_own_full_refresh_state_resumes_an_unfinished_read_and_restarts_a_finished_one(state):
    parsed, _ = parse_state([as_message(state.stream.name, state.to_json())])
    restored = initial_state(state.stream, False, parsed[state.stream.name])
    assert restored.parts == state.parts
    state.complete = True
    parsed, _ = parse_state([as_message(state.stream.name, state.to_json())])
    assert initial_state(state.stream, False, parsed[state.stream.name]).parts == {}


@given(own_states(incremental=False))
def test_a_full_refresh_state_never_becomes_an_incremental_cursor(state):
    parsed, _ = parse_state([as_message(state.stream.name, state.to_json())])
    restored = initial_state(state.stream, True, parsed[state.stream.name])
    assert all(v is None for v in restored.parts.values())


@given(st.sampled_from(INCREMENTAL), seconds, st.sampled_from(["v1", "rfc3339"]))
def test_airbytes_legacy_cursor_applies_to_every_part(stream, moment, form):
    """Airbyte's connector kept {"deals": {"update_time": "YYYY-MM-DD HH:MM:SS"}} (users: "modified")."""
    text = format_v1(moment) if form == "v1" else format_rfc3339(moment)
    for blob in ({stream.name: {stream.cursor: text}},
                 [{"type": "LEGACY", "data": {stream.name: {stream.cursor: text}}}]):
        parsed, warnings = parse_state(blob)
        assert not warnings
        restored = initial_state(stream, True, parsed[stream.name])
        assert {p.name for p in stream.parts(True)} == set(restored.parts)
        assert all(v == moment for v in restored.parts.values())


@settings(max_examples=50)
@given(st.dictionaries(st.text(min_size=1, max_size=80).filter(lambda n: n not in STREAMS_BY_NAME),
                       json_values, min_size=1, max_size=4))
def test_states_of_unknown_streams_are_ignored_with_a_short_warning(blobs):
    parsed, warnings = parse_state([as_message(n, s) for n, s in blobs.items()])
    assert parsed == {}
    assert len(warnings) == len(blobs)
    assert all(len(w) < MAX_MESSAGE for w in warnings)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    json_values,
    st.lists(json_values, max_size=3),
    st.dictionaries(st.sampled_from([s.name for s in STREAMS]), json_values, max_size=3),
    st.lists(st.fixed_dictionaries({"type": st.sampled_from(["STREAM", "LEGACY", "GLOBAL", "STATE", "x"])},
                                   optional={"stream": json_values, "data": json_values, "state": json_values}),
             max_size=3),
    st.lists(st.builds(as_message, st.sampled_from([s.name for s in STREAMS]), json_values), max_size=3),
))
def test_any_state_either_applies_or_is_a_short_state_error(raw):
    """Whatever the --state file holds, the read starts or stops with a StateError: never another exception."""
    try:
        parsed, warnings = parse_state(raw)
        for name, blob in parsed.items():
            stream = STREAMS_BY_NAME[name]
            for incremental in ((True, False) if stream.incremental else (False,)):
                initial_state(stream, incremental, blob)
    except StateError as error:
        assert error.message and len(error.message) < MAX_MESSAGE
        assert error.failure_type == "config_error"


@given(st.sampled_from(INCREMENTAL), st.text(min_size=1, max_size=2000))
def test_an_unreadable_cursor_is_named_briefly(stream, garbage):
    assume(parse_datetime(garbage) is None)
    with pytest.raises(StateError) as caught:
        parse_state({stream.name: {stream.cursor: garbage}})
    assert stream.name in caught.value.message and len(caught.value.message) < MAX_MESSAGE


@given(own_states(incremental=True), st.lists(st.one_of(st.none(), instants), max_size=6))
def test_cursors_only_move_forward(state, values):
    stream_part = state.stream.parts(True)[0].name
    before = state.parts.get(stream_part)
    for value in values:
        state.advance(stream_part, value)
    after = state.parts.get(stream_part)
    candidates = [v for v in [before, *values] if v is not None]
    assert after == (max(candidates) if candidates else None)


# -- datetimes: properties beyond tests/protocol/test_config_and_time.py ----------------------------


@given(instants, instants, st.sampled_from(["v1", "rfc3339", "offset"]), st.sampled_from(["v1", "rfc3339", "offset"]))
def test_parsed_datetimes_order_like_instants_whatever_the_format(a, b, fa, fb):
    def render(moment: datetime, form: str) -> str:
        if form == "v1":
            return format_v1(moment)
        if form == "offset":
            return moment.astimezone(timezone(timedelta(hours=-3, minutes=-30))).isoformat()
        return format_rfc3339(moment)

    pa, pb = parse_datetime(render(a, fa)), parse_datetime(render(b, fb))
    ta = a.replace(microsecond=0) if fa == "v1" else a
    tb = b.replace(microsecond=0) if fb == "v1" else b
    assert (pa < pb) == (ta < tb) and (pa == pb) == (ta == tb)


@given(seconds, st.integers(min_value=1, max_value=9).flatmap(
    lambda n: st.tuples(st.just(n), st.text(alphabet="0123456789", min_size=n, max_size=n))))
def test_any_number_of_fraction_digits_is_read_to_the_microsecond(moment, digits):
    _, frac = digits
    parsed = parse_datetime(moment.strftime("%Y-%m-%dT%H:%M:%S.") + frac + "Z")
    assert parsed == moment + timedelta(microseconds=int((frac + "000000")[:6]))


@given(st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.text()),
                 st.dictionaries(st.text(), st.text())))
def test_non_strings_are_no_datetime(value):
    assert parse_datetime(value) is None


@given(instants)
def test_formatting_a_parsed_instant_is_a_fixed_point(moment):
    once = format_rfc3339(parse_datetime(format_rfc3339(moment)))
    assert once == format_rfc3339(moment) and format_rfc3339(parse_datetime(once)) == once


@pytest.mark.parametrize("placeholder", ["0000-00-00 00:00:00", "0000-00-00", "0000-00-00T00:00:00Z", "", "   "])
def test_zero_and_empty_placeholders_are_no_datetime(placeholder):
    assert parse_datetime(placeholder) is None


# -- config: properties beyond tests/protocol/test_config_and_time.py ------------------------------

secrets = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=40)


@given(secrets, st.sampled_from([
    {"start_date": "not a date"}, {"start_date": "2999-01-01"}, {"base_url": "http://example.com"},
    {"num_workers": -1}, {"base_url": "ftp://x"}, {"credentials_kind": "magic"},
]))
def test_config_errors_never_carry_the_secrets(secret, bad):
    bad = dict(bad)
    creds = {"auth_type": bad.pop("credentials_kind", "api_token"), "api_token": secret,
             "client_secret": secret + "-c", "refresh_token": secret + "-r", "client_id": "cid"}
    with pytest.raises(ConfigError) as caught:
        parse_config({"credentials": creds, **bad})
    # A secret that is a piece of the message's own wording (e.g. of its example date) proves nothing.
    neutral = {**creds, "api_token": "~" * 12, "client_secret": "~" * 14, "refresh_token": "~" * 14}
    with pytest.raises(ConfigError) as reference:
        parse_config({"credentials": neutral, **bad})
    assume(secret not in reference.value.message)
    assert secret not in caught.value.message


@settings(max_examples=30)
@given(st.sampled_from(["start_date", "base_url"]), st.text(min_size=500, max_size=5000))
def test_config_errors_do_not_echo_huge_values(field, value):
    try:
        parse_config({"credentials": {"auth_type": "api_token", "api_token": "tok-123456"}, field: value})
    except ConfigError as error:
        assert len(error.message) < MAX_MESSAGE


@given(st.sampled_from(["127.0.0.1", "localhost", "[::1]", "127.8.9.10"]), st.integers(1, 65535),
       st.sampled_from(["", "/", "/api/v1", "/api/v2/", "/v1"]))
def test_plain_http_is_accepted_for_loopback_only_and_paths_are_normalised(host, port, suffix):
    cfg = parse_config({"credentials": {"auth_type": "api_token", "api_token": "tok-123456"},
                        "base_url": f"http://{host}:{port}{suffix}"})
    assert cfg.base_url == f"http://{host}:{port}"
    with pytest.raises(ConfigError):
        parse_config({"credentials": {"auth_type": "api_token", "api_token": "tok-123456"},
                      "base_url": f"http://pd-{port}.example.com{suffix}"})


@given(instants.filter(lambda d: d < datetime(2026, 1, 1, tzinfo=UTC)), st.sampled_from(["rfc3339", "date", "offset"]))
def test_a_past_start_date_parses_to_its_instant(moment, form):
    text = {"rfc3339": format_rfc3339(moment), "date": moment.strftime("%Y-%m-%d"),
            "offset": moment.astimezone(timezone(timedelta(hours=9))).isoformat()}[form]
    cfg = parse_config({"credentials": {"auth_type": "api_token", "api_token": "tok-123456"}, "start_date": text})
    want = moment.replace(hour=0, minute=0, second=0, microsecond=0) if form == "date" else moment
    assert cfg.start_date == want
