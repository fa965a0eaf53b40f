"""A `source-pipedrive sync` killed with SIGKILL at random moments, then rerun, ends with exactly
the tables of an uninterrupted sync: no half-written page, no lost or doubled row."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.kit.cli import cli_command
from tests.kit.warehouse import table_rows, user_tables, write_config

# Incremental streams with several parts (deals, leads: uuid keys, archived endpoints), v2 and v1
# paging, full-refresh-only streams; the rest behave like one of these and would only add time.
STREAMS = "deals,leads,activities,activity_fields,persons,organizations,stages,users,currencies"


# The writer process, taking over after the first page (warehouse/worker.py).
WRITER_PROCESS = {"SOURCE_PIPEDRIVE_WRITER": "process", "SOURCE_PIPEDRIVE_OFFLOAD_AFTER": "1"}


def run_cli(config: Path, db: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(cli_command() + ["sync", "--config", str(config), "--db", str(db), "--quiet",
                                             "--streams", STREAMS],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def snapshot(db: Path) -> dict:
    tables = {t: table_rows(db, t) for t in user_tables(db)}
    with duckdb.connect(str(db), read_only=True) as con:
        tables["_custom_fields"] = sorted(con.execute("SELECT * FROM _custom_fields").fetchall())
        tables["_custom_field_options"] = sorted(con.execute("SELECT * FROM _custom_field_options").fetchall())
        tables["_state"] = sorted(con.execute("SELECT stream, mode, state, pending_sync_id FROM _state").fetchall())
    return tables


def differences(got: dict, expected: dict) -> str:
    """What differs between two snapshots, table by table: the rows only one of them has (empty when equal)."""
    lines = []
    for table in sorted(set(got) | set(expected)):
        mine, theirs = Counter(map(repr, got.get(table, []))), Counter(map(repr, expected.get(table, [])))
        if mine != theirs:  # counted: a doubled row is a difference too
            lines.append(f"{table}: only after the resume {sorted((mine - theirs).elements())[:5]}; "
                         f"only in the uninterrupted sync {sorted((theirs - mine).elements())[:5]}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def reference(sandbox, tmp_path_factory) -> tuple[Path, float, dict]:
    """One uninterrupted sync of the (unchanging) sandbox, and how long it took."""
    where = tmp_path_factory.mktemp("reference")
    config = write_config(sandbox, where)
    began = time.monotonic()
    proc = run_cli(config, where / "reference.duckdb")
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    return config, time.monotonic() - began, snapshot(where / "reference.duckdb")


def kill_and_resume(config: Path, db: Path, duration: float, rng: random.Random, kills: int,
                    env: dict | None = None) -> int:
    """Start the sync `kills` times and SIGKILL it at a random moment, then let one run finish; returns how
    many runs the kill stopped. The first run is always stopped: one that finished before its kill is done
    again on an empty file, killed earlier."""
    killed = attempts = restarts = 0
    reach = 1.0  # the share of the uninterrupted run a kill moment is drawn from
    while attempts < kills:
        proc = run_cli(config, db, env)
        time.sleep(rng.uniform(0.05, duration * reach))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        if proc.wait(timeout=300) == -signal.SIGKILL:
            killed += 1
        elif killed == 0 and restarts < 6:  # nothing was interrupted yet: start over, killing earlier
            restarts += 1
            reach /= 2
            for leftover in db.parent.glob(db.name + "*"):
                leftover.unlink()
            continue
        attempts += 1
    final = run_cli(config, db, env)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    return killed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_sync_resumes_to_the_uninterrupted_tables(reference, tmp_path, seed):
    config, duration, expected = reference
    assert kill_and_resume(config, tmp_path / "killed.duckdb", duration, random.Random(seed), kills=2) >= 1
    diff = differences(snapshot(tmp_path / "killed.duckdb"), expected)
    assert not diff, diff


def test_killed_sync_with_the_writer_process_resumes_to_the_same_tables(reference, tmp_path):
    config, duration, expected = reference
    db = tmp_path / "killed.duckdb"
    assert kill_and_resume(config, db, duration, random.Random(7), kills=2, env=WRITER_PROCESS) >= 1
    diff = differences(snapshot(db), expected)
    assert not diff, diff


@pytest.mark.long
@pytest.mark.parametrize("seed", range(4, 16))
def test_killed_sync_resumes_to_the_uninterrupted_tables_many_times(reference, tmp_path, seed):
    config, duration, expected = reference
    assert kill_and_resume(config, tmp_path / "killed.duckdb", duration, random.Random(seed), kills=4) >= 1
    diff = differences(snapshot(tmp_path / "killed.duckdb"), expected)
    assert not diff, diff


def started(proc: subprocess.Popen, db: Path, timeout: float = 60.0) -> None:
    """Wait until the sync has opened its DuckDB file (its signal handling is in place by then) or ended."""
    deadline = time.monotonic() + timeout
    while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("env", [None, WRITER_PROCESS], ids=["writer thread", "writer process"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_cleanly_and_the_rerun_completes(reference, tmp_path, sig, env):
    config, duration, expected = reference
    db = tmp_path / "stopped.duckdb"
    delay = duration * 0.3
    for _ in range(6):
        proc = run_cli(config, db, env)
        started(proc, db)
        time.sleep(delay)
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
        err = proc.stderr.read().decode().strip()
        # Killed by the signal itself, silently: it came while the interpreter was shutting down (its
        # handlers are gone by then), i.e. the sync had finished.
        finished = code == 0 or (code == -sig and not err)
        if not finished:
            break
        # It finished before the signal, so nothing was stopped: start over on an empty file, signalling earlier.
        delay /= 2
        for leftover in tmp_path.glob("stopped.duckdb*"):
            leftover.unlink()
    assert code == 130 and err.splitlines()[-1:] == [
        "interrupted: what was committed stays; run the same command to resume."], (code, err[-2000:])
    final = run_cli(config, db, env)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    diff = differences(snapshot(db), expected)
    assert not diff, diff
