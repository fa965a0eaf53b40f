"""`read` and `sync` killed with SIGKILL at random points, then resumed: the end result equals an uninterrupted run.

read: the child's stdout is read as it comes; after the kill only its whole lines count, and the resume starts
from the last STATE per stream among them (what the platform would have committed). sync: just rerun on the
same DuckDB file.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import duckdb
import orjson
import pytest
from airbyte_protocol.models import AirbyteMessage

from tests.kit.cli import catalog_for, child_env, complete_lines, config_for, last_states, spawn, write_json
from tests.kit.faults import pk
from tests.kit.warehouse import sync_args

READ_SEEDS = range(20)
SYNC_SEEDS_DEFAULT = range(3)
SYNC_SEEDS_LONG = range(3, 23)
MAX_KILLS = 2
# Enough streams to interleave (3 workers), small enough that 20 seeds stay within seconds.
READ_STREAMS = ["deals", "persons", "organizations", "leads", "users", "stages", "activity_fields"]


@pytest.fixture(scope="module")
def sb():
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale="small", seed=4, subprocess=False) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def files(sb, tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("kill")
    return {
        "config": write_json(tmp / "config.json", config_for(sb)),
        "incremental": write_json(tmp / "inc.json", catalog_for(READ_STREAMS, mode="incremental")),
        "full_refresh": write_json(tmp / "full.json", catalog_for(READ_STREAMS)),
        "dir": str(tmp),
    }


def run_read(files: dict, mode: str, state_path: str | None, *, kill_after_lines: int | None = None,
             kill_after_s: float | None = None, timing: dict | None = None) -> tuple[list[dict], int, bool]:
    """Run `read` as a child; optionally SIGKILL it. Returns (whole lines, exit code, killed?)."""
    args = ["read", "--config", files["config"], "--catalog", files[mode]]
    if state_path:
        args += ["--state", state_path]
    proc = spawn(args, env=child_env())
    def kill() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)

    timer = threading.Timer(kill_after_s, kill) if kill_after_s is not None else None
    if timer:
        timer.start()
    # stderr is drained by a thread so a chatty child never blocks on a full pipe.
    err = bytearray()
    drain = threading.Thread(target=lambda: err.extend(proc.stderr.read()), daemon=True)
    drain.start()
    raw = bytearray()
    lines = 0
    while True:
        chunk = proc.stdout.read1(65536)
        if not chunk:
            break
        if timing is not None and not raw:
            timing["first_s"] = time.monotonic() - timing["start"]
        raw += chunk
        lines += chunk.count(b"\n")
        if kill_after_lines is not None and lines >= kill_after_lines:
            kill()
    code = proc.wait()
    if timer:
        timer.cancel()
    drain.join(timeout=5)
    assert b"Traceback" not in raw and b"Traceback" not in err, err.decode(errors="replace")[-2000:]
    messages = complete_lines(bytes(raw))
    for m in messages:
        AirbyteMessage.model_validate(m)
    # The child may have exited on its own between the check and the signal: only its exit code tells.
    return messages, code, code == -signal.SIGKILL


def note(line: str) -> None:
    """KILL_REPORT=path collects one line per seed (what was killed where), for the suite's report."""
    path = os.environ.get("KILL_REPORT")
    if path:
        with open(path, "a") as fh:
            fh.write(line + "\n")


def records_by_id(messages_list: list[list[dict]]) -> dict[str, dict]:
    """Union by id over runs; a later version of a record replaces an earlier one."""
    out: dict[str, dict] = {}
    for messages in messages_list:
        for m in messages:
            if m["type"] == "RECORD":
                name = m["record"]["stream"]
                out.setdefault(name, {})[pk(name, m["record"]["data"])] = m["record"]["data"]
    return out


@pytest.fixture(scope="module")
def reference(files) -> dict:
    """Uninterrupted reads, one per mode: the records, how many lines and how long."""
    out = {}
    for mode in ("incremental", "full_refresh"):
        timing = {"start": time.monotonic()}
        messages, code, _ = run_read(files, mode, None, timing=timing)
        assert code == 0, [m for m in messages if m["type"] == "TRACE"][-3:]
        out[mode] = {"records": records_by_id([messages]), "lines": len(messages), "first_s": timing["first_s"],
                     "seconds": time.monotonic() - timing["start"]}
    return out


@pytest.mark.parametrize("seed", READ_SEEDS)
def test_read_killed_at_a_random_point_resumes_to_the_same_records(files, reference, seed, tmp_path):
    rng = random.Random(seed)
    mode = "incremental" if seed % 2 == 0 else "full_refresh"
    ref = reference[mode]
    outputs: list[list[dict]] = []
    states: dict[str, dict] = {}
    kills = 0
    reach = 0.9  # the share of the uninterrupted run a kill point is drawn from; shrinks if a kill came too late
    for attempt in range(MAX_KILLS + 6):
        state_path = write_json(tmp_path / f"state-{attempt}.json", list(states.values())) if states else None
        kill_lines = kill_s = None
        if kills < MAX_KILLS and (kills == 0 or rng.random() < 0.5):
            if rng.random() < 0.5:
                kill_lines = rng.randint(1, max(1, int(ref["lines"] * reach)))
            else:
                # from the first output on: a kill during interpreter start-up tests nothing new
                kill_s = rng.uniform(ref["first_s"] * reach, max(ref["first_s"], ref["seconds"]) * reach)
        messages, code, killed = run_read(files, mode, state_path, kill_after_lines=kill_lines, kill_after_s=kill_s)
        if killed:
            kills += 1
            outputs.append(messages)
            states.update(last_states(messages))
            continue
        assert code == 0, [m for m in messages if m["type"] == "TRACE"][-3:]
        if kills == 0:
            reach /= 2  # finished before the kill: nothing was tested yet, draw an earlier point
            continue
        outputs.append(messages)
        break
    else:
        pytest.fail("the read never completed after its kills")
    assert kills >= 1, "the first run was meant to be killed before it finished"
    got = records_by_id(outputs)
    note(f"read seed {seed} {mode}: {kills} kill(s), lines per run {[len(o) for o in outputs]} of {ref['lines']}")
    for stream, want in ref["records"].items():
        assert set(got.get(stream, {})) == set(want), f"{stream}: ids differ after {kills} kill(s)"
        changed = [i for i, r in want.items() if got[stream][i] != r]
        assert not changed, f"{stream}: records differ from the uninterrupted read: {changed[:5]}"


# -- sync ------------------------------------------------------------------------------------------


def run_sync(files: dict, db: Path, kill_after_s: float | None = None) -> tuple[int, bytes]:
    proc = spawn(sync_args(Path(files["config"]), db, streams=",".join(READ_STREAMS)))
    timer = None
    if kill_after_s is not None:
        timer = threading.Timer(kill_after_s, lambda: proc.poll() is None and proc.send_signal(signal.SIGKILL))
        timer.start()
    out, err = proc.communicate(timeout=300)
    if timer:
        timer.cancel()
    assert b"Traceback" not in err, err.decode(errors="replace")[-2000:]
    return proc.returncode, out + err


def tables(db: Path) -> dict[str, list]:
    """Every stream table's rows (without the per-sync columns) and the custom-field mapping, sorted."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            if name in ("_state", "_syncs"):
                continue
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?"
                " ORDER BY ordinal_position", [name]).fetchall() if r[0] not in ("_sync_id", "_extracted_at")]
            select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
            rows = con.execute(f'SELECT {select} FROM "{name}"').fetchall()
            out[name] = sorted(rows, key=lambda r: orjson.dumps(r, default=str))
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def sync_reference(files, tmp_path_factory) -> dict:
    db = tmp_path_factory.mktemp("sync-ref") / "ref.duckdb"
    start = time.monotonic()
    code, output = run_sync(files, db)
    assert code == 0, output.decode(errors="replace")[-2000:]
    return {"tables": tables(db), "seconds": time.monotonic() - start}


def _killed_sync_equals_reference(files, sync_reference, seed, tmp_path):
    rng = random.Random(1000 + seed)
    db = tmp_path / "pipedrive.duckdb"
    kills = 0
    reach = 1.0  # shrinks when a kill came after the sync had finished
    runs = []  # (kill moment, exit code) of each run, for the failure message
    for _ in range(MAX_KILLS + 6):
        kill_s = None
        if kills == 0 or (kills < MAX_KILLS and rng.random() < 0.5):
            # Both ends shrink with `reach`: a small sync ends in about half a second, so a fixed earliest
            # moment of 0.5 s came after its end run after run.
            kill_s = rng.uniform(0.5 * reach, max(0.6, sync_reference["seconds"]) * reach)
        code, output = run_sync(files, db, kill_s)
        runs.append((None if kill_s is None else round(kill_s, 2), code))
        if code == -signal.SIGKILL:
            kills += 1
            continue
        assert code == 0, output.decode(errors="replace")[-2000:]
        if kills == 0:  # finished before the kill: start again from an empty file with an earlier kill
            reach /= 2
            for leftover in tmp_path.glob("pipedrive.duckdb*"):
                leftover.unlink()
            continue
        break
    else:
        pytest.fail(f"the sync never completed after its kills: (kill after s, exit code) {runs}, "
                    f"reference {sync_reference['seconds']:.2f} s")
    got, want = tables(db), sync_reference["tables"]
    note(f"sync seed {seed}: {kills} kill(s), reference {sync_reference['seconds']:.1f} s")
    assert set(got) == set(want)
    for name in want:
        assert len(got[name]) == len(want[name]), (
            f"{name}: {len(got[name])} rows, want {len(want[name])} ({kills} kills)")
        assert got[name] == want[name], f"{name}: rows differ after {kills} kill(s)"


@pytest.mark.parametrize("seed", SYNC_SEEDS_DEFAULT)
def test_sync_killed_at_a_random_point_then_rerun_equals_an_uninterrupted_sync(files, sync_reference, seed, tmp_path):
    _killed_sync_equals_reference(files, sync_reference, seed, tmp_path)


@pytest.mark.long
@pytest.mark.parametrize("seed", SYNC_SEEDS_LONG)
def test_sync_killed_many_seeds(files, sync_reference, seed, tmp_path):
    _killed_sync_equals_reference(files, sync_reference, seed, tmp_path)
