"""The connector run the way Python users run Airbyte sources: through PyAirbyte, with its defaults.

PyAirbyte (in its own venv, see tests/kit/pyairbyte.py) starts our console script as a `local_executable`, calls
spec/check/discover/read, asks `incremental` for every stream (its default), keeps the state in its DuckDB
cache and merges records by primary key. The sandbox runs in a process of its own; its truth() is the
expected content of the cache, before and after changes read incrementally with the same cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME
from tests.kit.children import TRUTH_FIELDS, truth_key
from tests.kit.pyairbyte import PyAirbyte

pytestmark = [pytest.mark.long, pytest.mark.timeout(1200)]  # the first run installs PyAirbyte (~1.5 min)

START_DATE = "2020-01-01T00:00:00Z"
TOMBSTONES = "deals"  # incremental deals carry the deals deleted within 30 days, flagged is_deleted


def our_config(sb: Any) -> dict:
    return {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url,
            "start_date": START_DATE}


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Any]:
    """A sandbox in its own process for the tests that do not change its data."""
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale="small", seed=1, subprocess=True) as sb:
        yield sb


# ---- expectations -----------------------------------------------------------------------------------
def expected_keys(sb: Any) -> dict[str, set[str] | None]:
    """The primary keys each stream should deliver: the sandbox truth (live + archived), and for the
    field lists, which truth() does not cover, what their endpoint lists. None: nothing known."""
    truth = sb.truth()["streams"]
    out: dict[str, set[str] | None] = {}
    with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}, timeout=30) as client:
        for stream in STREAMS:
            if stream.name in truth:
                t = truth[stream.name]
                keys = {str(k) for k in t["live"]} | {str(k) for k in t["archived"]}
                assert len(keys) == t["count"], (stream.name, t["count"])
                out[stream.name] = keys
            elif stream.name.endswith("_fields"):
                body = client.get(stream.path, params={"limit": 500}).json()
                assert not (body.get("additional_data") or {}).get("next_cursor"), stream.name  # one page
                out[stream.name] = {str(f[stream.primary_key]) for f in body["data"]}
            else:
                out[stream.name] = None
    return out


def as_truth_key(stream: str, row: dict) -> str:
    """A cached row's key as expected_keys spells the truth's: the id, or for a child record without one
    the fields the sandbox's truth keys it by (tests/kit/children.TRUTH_FIELDS), as a list."""
    if stream not in TRUTH_FIELDS:
        return str(row.get(STREAMS_BY_NAME[stream].primary_key))
    row = {k: orjson.loads(v) if isinstance(v, str) and v[:1] in "{[" else v for k, v in row.items()}
    key = truth_key(stream, row)
    return str(list(key)) if isinstance(key, tuple) else str(key)


def rows_of(read: dict, stream: str) -> list[dict]:
    return read["cache"][stream]["rows"]


def live_rows(read: dict, stream: str) -> list[dict]:
    """The rows of records that exist upstream (deal tombstones left out)."""
    rows = rows_of(read, stream)
    if stream == TOMBSTONES:
        rows = [r for r in rows if not r.get("is_deleted")]
    return rows


def by_key(read: dict, stream: str) -> dict[str, dict]:
    pk = STREAMS_BY_NAME[stream].primary_key
    return {str(r[pk]): r for r in rows_of(read, stream)}


def require_ok(res: dict, what: str) -> dict:
    """Fail with PyAirbyte's and the connector's own words when an op failed: the phase it reached,
    PyAirbyte's error, the connector's TRACE errors and the end of its log."""
    if res["ok"]:
        return res
    err = res.get("error") or {}
    lines = [f"{what} failed in PyAirbyte phase {res['phase']!r}: {err.get('type')}: {err.get('message')}"]
    if err.get("context"):
        lines.append(f"PyAirbyte context: {err['context']}")
    for message in dict.fromkeys(err.get("connector_errors") or []):
        lines.append(f"connector error: {message}")
    if res.get("sync_modes"):
        lines.append(f"sync modes PyAirbyte asked: {sorted(set(res['sync_modes'].values()))}")
    if "cache" in res:
        lines.append(f"streams in the cache when it failed: {sorted(res['cache']) or 'none'}")
    if err.get("log_tail") and not err.get("connector_errors"):
        lines.append(f"connector log (tail, {err.get('log_file')}):\n{err['log_tail']}")
    elif err.get("log_file"):
        lines.append(f"connector log: {err['log_file']}")
    pytest.fail("\n".join(lines), pytrace=False)


def mismatches_with_truth(read: dict, expected: dict[str, set[str] | None], truth: dict) -> list[str]:
    """Every way the cache differs from the truth, one line per stream (empty: it matches)."""
    problems = []
    cached = set(read["cache"])
    for name in sorted(set(expected) - cached):
        problems.append(f"{name}: missing from the cache")
    for name in sorted(cached - set(expected)):
        problems.append(f"{name}: in the cache but not one of the connector's streams")
    for name in sorted(cached & set(expected)):
        want = expected[name]
        pk = STREAMS_BY_NAME[name].primary_key
        rows = live_rows(read, name)
        keys = [str(r.get(pk)) for r in rows]
        if want is None:
            problems.append(f"{name}: {len(keys)} rows, but the test knows no truth for it")
            continue
        if len(keys) != len(set(keys)):
            problems.append(f"{name}: {len(keys) - len(set(keys))} duplicate {pk}s in the cache")
        got = {as_truth_key(name, r) for r in rows}
        if len(got) != len(want) or got != want:
            missing, extra = sorted(want - got), sorted(got - want)
            problems.append(f"{name}: {len(set(got))} rows, truth {len(want)}; missing {missing[:5]}"
                            f"{'...' if len(missing) > 5 else ''} extra {extra[:5]}{'...' if len(extra) > 5 else ''}")
    if TOMBSTONES in cached:
        deleted = {str(r["id"]) for r in rows_of(read, TOMBSTONES) if r.get("is_deleted")}
        if deleted != {str(i) for i in truth[TOMBSTONES]["deleted"]}:
            problems.append(f"deals: tombstones {sorted(deleted)} != deleted in the sandbox "
                            f"{sorted(truth[TOMBSTONES]['deleted'])}")
    for name in ("deals", "leads"):
        if name in cached:
            archived = {str(r["id"]) for r in rows_of(read, name) if r.get("is_archived")}
            if archived != {str(i) for i in truth[name]["archived"]}:
                problems.append(f"{name}: is_archived rows {len(archived)} != archived in the sandbox "
                                f"{len(truth[name]['archived'])}")
    return problems


# ---- the tests ----------------------------------------------------------------------------------------
def test_default_read_matches_the_truth_then_reads_changes_incrementally(pyairbyte: PyAirbyte, tmp_path: Path):
    from pipedrive_sandbox import Sandbox

    cache = {"cache_dir": str(tmp_path / "duckdb"), "cache_name": "pipedrive"}
    with Sandbox(scale="small", seed=1, subprocess=True) as sb:
        # 1. A first read with PyAirbyte's defaults into a fresh DuckDB cache.
        run = pyairbyte.run([{"op": "read", "config": our_config(sb), **cache}], tmp_path / "pyairbyte")
        first = require_ok(run.op(0), "The first read (check, select_all_streams, read with defaults)")
        assert set(first["sync_modes"]) == {s.name for s in STREAMS}, "PyAirbyte discovered other streams"
        supporting = {n for n, modes in first["supported_sync_modes"].items() if "incremental" in modes}
        assert {n for n in supporting if first["sync_modes"][n] != "incremental"} == set(), first["sync_modes"]
        truth = sb.truth()["streams"]
        problems = mismatches_with_truth(first, expected_keys(sb), truth)
        assert not problems, "After the first read the cache differs from the sandbox:\n" + "\n".join(problems)
        stateful = supporting - set(first["state_after"]["known_streams"])
        assert not stateful, f"PyAirbyte's cache keeps no state for incremental streams {sorted(stateful)}"

        # 2. Changes upstream, a little later.
        sb.advance(60)
        deal_ids = sorted(truth["deals"]["live"])
        person_ids = sorted(truth["persons"]["live"])
        renamed_deals = {str(d): sb.update("deals", d, title=f"E2E deal {d}", value=1000 + d) for d in deal_ids[10:13]}
        archived_deal = str(deal_ids[13])
        sb.archive("deals", deal_ids[13])
        renamed_persons = {str(p): sb.update("persons", p, name=f"E2E Person {p}") for p in person_ids[5:7]}
        new_lead = sb.create("leads", title="E2E new lead")
        sb.advance(60)

        # 3. A second read with the same cache: PyAirbyte hands the connector the state it kept.
        run = pyairbyte.run([{"op": "read", "config": our_config(sb), **cache}], tmp_path / "pyairbyte")
        second = require_ok(run.op(0), "The second (incremental) read")
        assert second["state_before"]["known_streams"], "the second read found no state in the cache"
        deals, persons, leads = by_key(second, "deals"), by_key(second, "persons"), by_key(second, "leads")
        for key, rec in renamed_deals.items():
            assert (deals[key]["title"], float(deals[key]["value"])) == (rec["title"], float(rec["value"])), key
        assert deals[archived_deal]["is_archived"] is True, deals[archived_deal]
        for key, rec in renamed_persons.items():
            assert persons[key]["name"] == rec["name"], key
        assert str(new_lead["id"]) in leads, "the lead created after the first read is not in the cache"
        assert leads[str(new_lead["id"])]["title"] == "E2E new lead"
        truth = sb.truth()["streams"]
        problems = mismatches_with_truth(second, expected_keys(sb), truth)
        assert not problems, "After the second read the cache differs from the sandbox:\n" + "\n".join(problems)
        # An increment, not everything again: PyAirbyte counted the records each read delivered.
        for name in ("deals", "persons"):
            assert second["read_counts"].get(name, 0) < first["read_counts"][name] / 2, (
                name, first["read_counts"][name], second["read_counts"].get(name))


AIRBYTE_SHAPES = {
    "ours": lambda sb: our_config(sb),
    # Airbyte's own Pipedrive connector: a top-level api_token ...
    "airbyte-api_token": lambda sb: {"api_token": sb.token, "replication_start_date": START_DATE,
                                     "base_url": sb.url},
    # ... or, in older versions, an `authorization` object.
    "airbyte-authorization": lambda sb: {"authorization": {"auth_type": "Token", "api_token": sb.token},
                                         "replication_start_date": START_DATE, "base_url": sb.url},
}
SHAPES = sorted(AIRBYTE_SHAPES)


@pytest.fixture(scope="module")
def quick_ops(pyairbyte: PyAirbyte, shared_sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """One driver run (PyAirbyte takes seconds to import) for the checks of every config shape and
    get_records("goals"); each test below judges its own op."""
    ops = [{"op": "check", "config": AIRBYTE_SHAPES[shape](shared_sandbox)} for shape in SHAPES]
    ops.append({"op": "get_records", "config": our_config(shared_sandbox), "stream": "goals"})
    return pyairbyte.run(ops, tmp_path_factory.mktemp("pyairbyte-quick")).ops


def test_get_records_goals(quick_ops: list[dict], shared_sandbox: Any):
    res = require_ok(quick_ops[-1], "source.get_records('goals')")
    truth = shared_sandbox.truth()["streams"]["goals"]
    got = sorted(str(r.get("id")) for r in res["records"])
    assert got == sorted(str(i) for i in truth["live"]), f"goals: got ids {got}, truth {truth['live']}"


@pytest.mark.parametrize("shape", SHAPES)
def test_config_shapes_pass_pyairbyte_validation_and_check(quick_ops: list[dict], shared_sandbox: Any, shape: str):
    config = AIRBYTE_SHAPES[shape](shared_sandbox)
    require_ok(quick_ops[SHAPES.index(shape)], f"A config shaped {shape!r} ({sorted(config)})")
