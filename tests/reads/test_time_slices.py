"""Time slices (slices.py): a large backfill read in parallel slices delivers exactly what a read page by
page does, its state resumes after a kill at any point without starting over, and max_in_flight holds.

The sandbox caps pages at 20 records (option limit_cap) so the small company's lists have dozens of pages,
and answers after a delay under a burst limit too high to bind, so the limiter wants several requests in
flight and slices are worth cutting.
"""

from __future__ import annotations

import random
import signal

import pytest

from tests.kit.cli import catalog_for, child_env, complete_lines, config_for, last_states, spawn, write_json
from tests.kit.faults import expected_ids

SLICED = ["deals", "activities", "persons", "organizations"]


@pytest.fixture(scope="module")
def sliced_sandbox():
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale="small", seed=2, latency_ms=50, burst=200, options={"limit_cap": 20}) as sb:
        yield sb


def expected(sb, name: str, mode: str = "full_refresh") -> set:
    return expected_ids(sb.truth(), name, mode == "incremental")


def slices_seen(run, name: str) -> int:
    """The most time slices any STATE of the stream listed (0: never read in slices)."""
    counts = [len(v) for st in run.states(name) for v in st["stream"]["stream_state"].get("slices", {}).values()]
    return max(counts, default=0)


@pytest.mark.parametrize("mode", ["full_refresh", "incremental"])
def test_a_sliced_read_delivers_exactly_the_ids_of_a_read_page_by_page(cli, sliced_sandbox, mode):
    sb = sliced_sandbox
    catalog = catalog_for(SLICED, mode=mode)
    one_by_one = cli("read", config_for(sb, max_in_flight=1), catalog)
    sliced = cli("read", config_for(sb, max_in_flight=8), catalog)
    assert one_by_one.code == 0 and sliced.code == 0, sliced.errors()
    for name in SLICED:
        assert slices_seen(one_by_one, name) == 0, "max_in_flight=1 reads page by page"
        ids = sliced.ids(name)
        assert len(ids) == len(set(ids)), f"{name}: a record delivered twice in one read"
        assert set(ids) == set(one_by_one.ids(name)) == expected(sb, name, mode), name
    assert max(slices_seen(sliced, n) for n in ("activities", "deals")) >= 3, "the big lists were not sliced"
    # Each state after the stream's last record says its cursor covers everything (no slices left).
    for name in SLICED:
        final = sliced.states(name)[-1]["stream"]["stream_state"]
        assert "slices" not in final and final["complete"] is True


def test_an_incremental_read_after_changes_finds_them_whatever_slice_they_moved_to(cli, make_sandbox):
    sb = make_sandbox(seed=2, options={"limit_cap": 20})
    catalog = catalog_for(["activities"], mode="incremental")
    first = cli("read", config_for(sb), catalog)
    assert first.code == 0 and slices_seen(first, "activities") >= 2
    changed = [first.ids("activities")[k] for k in (3, 50, 200)]
    sb.advance(60)
    for i in changed:
        sb.update("activities", i, subject="moved")
    second = cli("read", config_for(sb), catalog, first.final_state())
    got = {r["id"]: r for r in second.records("activities")}
    assert set(changed) <= set(got) and all(got[i]["subject"] == "moved" for i in changed)
    assert len(got) <= len(changed) + 2, "the incremental read re-sent unchanged activities"


def test_requests_in_flight_never_exceed_max_in_flight(cli, make_sandbox):
    # A burst limit so high it never binds, with latency: the limiter's target (rate x latency) is above
    # both caps tried, so only the cap can hold the requests in flight down.
    sb = make_sandbox(seed=2, latency_ms=150, burst=200, options={"limit_cap": 20})
    run = cli("read", config_for(sb, max_in_flight=3, num_workers=4), catalog_for(SLICED))
    assert run.code == 0
    peak = sb.stats()["peak_in_flight"]
    assert 2 <= peak <= 3, peak
    sb.reset_stats()
    run = cli("read", config_for(sb, max_in_flight=12, num_workers=4), catalog_for(SLICED))
    assert run.code == 0 and sb.stats()["peak_in_flight"] > 3, "the cap of 3 was not the reason"


def _read_killed(sb, tmp, catalog_path: str, state: dict, kill_after_lines: int) -> tuple[list[dict], bool]:
    config = write_json(tmp / "config.json", config_for(sb, max_in_flight=8))
    args = ["read", "--config", config, "--catalog", catalog_path]
    if state:
        args += ["--state", write_json(tmp / "state.json", list(state.values()))]
    proc = spawn(args, env=child_env())
    raw, lines = bytearray(), 0
    while chunk := proc.stdout.read1(65536):
        raw += chunk
        lines += chunk.count(b"\n")
        if lines >= kill_after_lines and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    proc.stderr.read()
    code = proc.wait()
    return complete_lines(bytes(raw)), code == -signal.SIGKILL


@pytest.mark.parametrize("seed", range(6))
def test_a_sliced_read_killed_at_random_points_resumes_without_loss_or_starting_over(sliced_sandbox, tmp_path, seed):
    sb = sliced_sandbox
    rng = random.Random(seed)
    mode = "incremental" if seed % 2 else "full_refresh"
    catalog = write_json(tmp_path / "catalog.json", catalog_for(["activities", "deals"], mode=mode))
    state: dict = {}
    seen: dict[str, set] = {"activities": set(), "deals": set()}
    per_run: list[int] = []
    kills = resumed_slices = 0
    for _attempt in range(8):
        messages, killed = _read_killed(sb, tmp_path, catalog, state, rng.randint(20, 160) if kills < 2 else 10**9)
        kills += killed
        records = [m["record"] for m in messages if m["type"] == "RECORD"]
        per_run.append(sum(r["stream"] == "activities" for r in records))
        for r in records:
            seen[r["stream"]].add(r["data"]["id"])
        state.update(last_states(messages))
        resumed_slices += bool(state.get("activities", {}).get("stream", {}).get("stream_state", {}).get("slices"))
        if not killed:
            break
    assert kills >= 1, "no kill happened: the kill point came after the read ended"
    print(f"seed {seed}: {kills} kill(s), {resumed_slices} resume(s) from time slices, activities per run {per_run}")
    for name, ids in seen.items():
        want = expected(sb, name, mode)
        assert ids == want, f"{name}: lost {len(want - ids)}, extra {len(ids - want)} after {kills} kill(s)"
    # Resumed, not restarted: the reads together deliver far fewer activities than a restart each time would.
    total = len(expected(sb, "activities"))
    assert sum(per_run) < total * 1.5, per_run
