"""read: full refresh and incremental against the sandbox, with the acceptance rules re-checked."""

from __future__ import annotations

from collections import Counter

import jsonschema
import pytest

from source_pipedrive.streams import STREAMS
from tests.kit.children import freeze
from tests.kit.cli import catalog_for, config_for
from tests.kit.faults import truth_id

TRUTH_STREAMS = [s.name for s in STREAMS]


def truth_ids(sb, stream: str, *, deleted: bool = False) -> set:
    t = sb.truth()["streams"][stream]
    ids = {freeze(k) for k in t["live"] + t.get("archived", [])}
    return ids | set(t.get("deleted", [])) if deleted else ids


@pytest.fixture(scope="module")
def full_read(sandbox, tmp_path_factory):
    from tests.kit.cli import Cli

    cli = Cli(tmp_path_factory.mktemp("full"))
    catalog = cli("discover", config_for(sandbox)).of("CATALOG")[0]["catalog"]
    return cli("read", config_for(sandbox), catalog_for()), catalog


def test_full_refresh_reads_every_stream_completely(full_read, sandbox):
    run, _ = full_read
    assert run.code == 0, run.errors()
    for stream in TRUTH_STREAMS:
        if stream in sandbox.truth()["streams"]:
            assert {truth_id(stream, r) for r in run.records(stream)} == truth_ids(sandbox, stream), stream
        assert run.records(stream), f"{stream} returned no records"


def test_primary_keys_are_unique_and_never_null(full_read):
    run, _ = full_read
    for stream in TRUTH_STREAMS:
        counts = Counter(run.ids(stream))
        assert None not in counts
        assert not [k for k, n in counts.items() if n > 1], f"{stream} repeats ids"


def test_every_record_validates_against_its_discovered_schema(full_read):
    run, catalog = full_read
    schemas = {s["name"]: jsonschema.Draft7Validator(s["json_schema"], format_checker=jsonschema.FormatChecker())
               for s in catalog["streams"]}
    for message in run.of("RECORD"):
        record = message["record"]
        errors = list(schemas[record["stream"]].iter_errors(record["data"]))
        assert not errors, (record["stream"], record["data"].get("id"), errors[0].message, list(errors[0].path))


def test_state_after_every_page_with_record_counts(full_read):
    run, _ = full_read
    per_stream = Counter()
    last_stream_of_record = {}
    for m in run.messages:
        if m["type"] == "RECORD":
            per_stream[m["record"]["stream"]] += 1
        elif m["type"] == "STATE":
            name = m["state"]["stream"]["stream_descriptor"]["name"]
            assert m["state"]["type"] == "STREAM"
            assert m["state"]["sourceStats"]["recordCount"] == per_stream[name] - last_stream_of_record.get(name, 0)
            last_stream_of_record[name] = per_stream[name]
    for stream in TRUTH_STREAMS:
        assert run.states(stream), f"no STATE for {stream}"
        assert last_stream_of_record[stream] == per_stream[stream], f"records of {stream} after its last STATE"


def test_stream_statuses_start_run_and_complete(full_read):
    run, _ = full_read
    for stream in TRUTH_STREAMS:
        statuses = run.statuses(stream)
        assert statuses[0] == "STARTED" and statuses[-1] == "COMPLETE", (stream, statuses)
        assert "RUNNING" in statuses


def test_archived_deals_are_part_of_deals(full_read, sandbox):
    run, _ = full_read
    archived = set(sandbox.truth()["streams"]["deals"]["archived"])
    assert archived, "the sandbox should have archived deals"
    got = {r["id"]: r for r in run.records("deals")}
    assert archived <= set(got)
    assert all(got[i]["is_archived"] for i in archived)


def test_two_sequential_full_reads_have_later_emitted_at(cli, sandbox):
    first = cli("read", config_for(sandbox), catalog_for(["pipelines", "stages"]))
    second = cli("read", config_for(sandbox), catalog_for(["pipelines", "stages"]))
    assert min(m["record"]["emitted_at"] for m in second.of("RECORD")) > max(
        m["record"]["emitted_at"] for m in first.of("RECORD"))
    assert sorted(first.ids("stages")) == sorted(second.ids("stages"))


def test_far_future_state_yields_no_records_but_a_state(cli, sandbox):
    first = cli("read", config_for(sandbox), catalog_for(mode="incremental"))
    far = "2999-01-01T00:00:00Z"

    def far_away(state: dict) -> dict:
        """Every cursor in the far future (a child stream's: its parent state's)."""
        state = dict(state)
        for key in list(state):
            if key in ("parents_done", "done_since"):
                del state[key]
            elif key == "parent":
                state[key] = far_away(state[key])
            elif key not in ("version", "mode"):
                state[key] = far if key != "parts" else {p: far for p in state["parts"]}
        return state

    future = []
    for s in first.final_state():
        descriptor = s["stream"]["stream_descriptor"]
        future.append({"type": "STREAM", "stream": {"stream_descriptor": descriptor,
                                                     "stream_state": far_away(s["stream"]["stream_state"])}})
    run = cli("read", config_for(sandbox), catalog_for(mode="incremental"), future)
    assert run.code == 0, run.errors()
    incremental = [s.name for s in STREAMS if s.incremental]
    assert not [m for m in run.of("RECORD") if m["record"]["stream"] in incremental]
    for stream in incremental:
        assert run.states(stream)


@pytest.mark.parametrize("catalog, words", [
    ({"streams": [{"stream": {"name": "no_such_stream"}, "sync_mode": "full_refresh"}]}, "unknown stream"),
    ({"streams": [{"stream": {"name": "deals"}, "sync_mode": "sideways"}]}, "sync_mode"),
    ({"streams": [{"stream": {"name": "deals"}, "sync_mode": "incremental", "cursor_field": ["title"]}]},
     "cursor_field"),
    ({"nothing": []}, "streams"),
])
def test_bad_catalog_gives_a_trace_error(cli, sandbox, catalog, words):
    run = cli("read", config_for(sandbox), catalog)
    assert run.code != 0
    (error,) = run.errors()
    assert error["failure_type"] == "config_error" and words in error["message"]
    assert not run.of("RECORD")
