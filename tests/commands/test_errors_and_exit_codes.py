"""Errors say what happened and what to do; exit codes follow README "Exit codes"."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from source_pipedrive.cli import exits, main
from source_pipedrive.cli.sync_command import explain_open_error
from source_pipedrive.errors import ServerError
from source_pipedrive.http import ApiTokenAuth, Client
from tests.kit.commands import REPO, cli_command, config_for, run_cli, write_json

# --- connection failures --------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self.slept: list[float] = []

    def log(self, level: str, message: str) -> None:
        self.logs.append((level, message))

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_a_host_that_never_answered_gets_two_tries_naming_it(closed_port):
    rec = Recorder()
    with Client(f"http://127.0.0.1:{closed_port}", ApiTokenAuth("t"), log=rec.log, sleep=rec.sleep,
                max_retries=5) as client:
        with pytest.raises(ServerError) as info:
            client.get("/v1/users/me")
    host = f"127.0.0.1:{closed_port}"
    retries = [m for level, m in rec.logs if level == "warning"]
    assert len(retries) == 1 and "retry 1/1" in retries[0] and f"{host} has not answered yet" in retries[0]
    assert "Connection refused" in retries[0]
    assert f"{host} never answered" in info.value.message and "after 1 retries" in info.value.message
    assert sum(rec.slept) <= 2.0  # one short backoff


def test_a_host_that_answered_before_gets_the_whole_retry_schedule(make_sandbox):
    sb = make_sandbox()
    rec = Recorder()
    with Client(sb.url, ApiTokenAuth(sb.token), log=rec.log, sleep=rec.sleep) as client:
        client.get("/v1/users/me")
    sb.__exit__(None, None, None)  # the host goes away after answering (in this process)
    with Client(sb.url, ApiTokenAuth(sb.token), log=rec.log, sleep=rec.sleep, max_retries=4) as client:
        with pytest.raises(ServerError) as info:
            client.get("/v1/users/me")
    retries = [m for level, m in rec.logs if level == "warning"]
    host = sb.url.removeprefix("http://")
    assert [m.split("; ")[1].split(" in ")[0] for m in retries] == [f"retry {n}/4" for n in range(1, 5)]
    assert all(f"({host}: " in m for m in retries), retries
    assert "after 4 retries" in info.value.message and host in info.value.message


def test_sync_shows_each_retry_on_stderr_as_it_happens_with_the_host(tmp_path, closed_port):
    config = write_json(tmp_path / "c.json", {"credentials": {"auth_type": "api_token", "api_token": "t"},
                                              "base_url": f"http://127.0.0.1:{closed_port}"})
    started = time.monotonic()
    proc = subprocess.Popen([*cli_command(), "sync", "--config", str(config), "--db", str(tmp_path / "p.duckdb")],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    assert proc.stderr is not None
    arrivals = [(time.monotonic(), line.rstrip("\n")) for line in proc.stderr]
    code = proc.wait(timeout=60)
    assert code == exits.FAILED and time.monotonic() - started < 20
    lines = [line for _, line in arrivals]
    host = f"127.0.0.1:{closed_port}"
    retry = next(i for i, line in enumerate(lines) if line.startswith("warn: ") and "retry 1/1" in line)
    assert host in lines[retry] and "Connection refused" in lines[retry]
    assert lines[-1].startswith("error: ") and f"{host} never answered" in lines[-1]
    # Printed before the backoff it announces, not at the end.
    delay = float(re.search(r"retry 1/1 in ([\d.]+) s", lines[retry]).group(1))
    assert arrivals[-1][0] - arrivals[retry][0] >= delay - 0.15


# --- exit codes ----------------------------------------------------------------------------------


def sync_argv(config, db, *more: str) -> list[str]:
    return ["sync", "--config", str(config), "--db", str(db), "--quiet", *more]


@pytest.mark.parametrize("bad", [
    {"start_date": (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")},
    {"num_workers": 0},
    {"base_url": "http://pipedrive.example.com"},
])
def test_a_bad_config_value_is_a_usage_error_before_any_request(bad, sandbox, tmp_path, capsys):
    before = sandbox.stats()["total_requests"]
    config = write_json(tmp_path / "c.json", config_for(sandbox, **bad))
    assert main(sync_argv(config, tmp_path / "p.duckdb")) == exits.USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {config}: Config field '{next(iter(bad))}'") and len(err.splitlines()) == 1
    assert sandbox.stats()["total_requests"] == before


def test_a_spent_daily_budget_exits_75(make_sandbox, tmp_path, capsys):
    sb = make_sandbox(daily_tokens=90)
    config = write_json(tmp_path / "c.json", config_for(sb))
    assert main(sync_argv(config, tmp_path / "p.duckdb", "--streams", "deals,persons,organizations")) == 75
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "daily API token budget is used up" in err and len(err.splitlines()) == 1


def test_a_budget_spent_before_the_first_stream_exits_75_too(make_sandbox, tmp_path, capsys):
    sb = make_sandbox(daily_tokens=5)  # discover itself runs out
    config = write_json(tmp_path / "c.json", config_for(sb))
    assert main(sync_argv(config, tmp_path / "p.duckdb", "--json")) == exits.BUDGET_SPENT
    out, err = capsys.readouterr()
    assert json.loads(out)["status"] == "failed" and "daily API token budget" in err


def test_read_exits_75_when_the_budget_is_spent(make_sandbox, tmp_path):
    sb = make_sandbox(daily_tokens=60)
    config = write_json(tmp_path / "c.json", config_for(sb))
    catalog = {"streams": [{"stream": {"name": n, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                            "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                           for n in ("deals", "persons", "organizations", "activities", "notes")]}
    done = run_cli("read", "--config", str(config), "--catalog", str(write_json(tmp_path / "cat.json", catalog)))
    assert done.returncode == exits.BUDGET_SPENT, done.stdout[-2000:]
    errors = [json.loads(line) for line in done.stdout.splitlines() if '"ERROR"' in line and '"TRACE"' in line]
    assert errors and errors[-1]["trace"]["error"]["failure_type"] == "transient_error"


def test_rejected_credentials_exit_1(sandbox, tmp_path, capsys):
    config = write_json(tmp_path / "c.json", config_for(sandbox) | {
        "credentials": {"auth_type": "api_token", "api_token": "wrong-token-123"}})
    assert main(sync_argv(config, tmp_path / "p.duckdb")) == exits.FAILED
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "wrong-token-123" not in err


def test_an_interrupted_sync_exits_130(tmp_path, capsys, monkeypatch):
    from source_pipedrive.cli import sync_command as module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "run", interrupted)
    config = write_json(tmp_path / "c.json", {"credentials": {"auth_type": "api_token", "api_token": "t"}})
    assert main(sync_argv(config, tmp_path / "p.duckdb")) == exits.INTERRUPTED
    assert "run the same command to resume" in capsys.readouterr().err


def test_the_readme_exit_code_table_is_the_one_in_the_code():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"(?m)^\| `?(\d+)`? \| ([^|]+) \|", section))
    assert {int(k) for k in table} == {exits.OK, exits.FAILED, exits.USAGE, exits.BUDGET_SPENT, exits.INTERRUPTED}
    assert "budget" in table["75"].lower() and "interrupt" in table["130"].lower()
    assert readme.count("| 130 |") + readme.count("| `130` |") == 1, "exit codes are documented in one table"


def test_a_usage_error_exits_2():
    assert main(["sync", "--no-such-option"]) == exits.USAGE


# --- the DuckDB file -----------------------------------------------------------------------------


def sync_db(sandbox, tmp_path, db, capsys) -> tuple[int, str]:
    config = write_json(tmp_path / "c.json", config_for(sandbox))
    code = main(sync_argv(config, db, "--streams", "stages"))
    return code, capsys.readouterr().err.strip()


def test_a_missing_folder_says_to_create_it(sandbox, tmp_path, capsys):
    db = tmp_path / "no" / "such" / "p.duckdb"
    code, err = sync_db(sandbox, tmp_path, db, capsys)
    assert code == exits.USAGE and len(err.splitlines()) == 1
    assert f"mkdir -p {tmp_path / 'no' / 'such'}" in err and "another sync" not in err


def test_a_file_that_is_not_duckdb_says_so(sandbox, tmp_path, capsys):
    db = tmp_path / "notes.txt"
    db.write_text("not a database\n" * 100)
    code, err = sync_db(sandbox, tmp_path, db, capsys)
    assert code == exits.USAGE and "is not a DuckDB database" in err and "--db a new file" in err
    assert "another sync" not in err
    assert db.read_text().startswith("not a database")  # left alone


def test_a_folder_as_db_says_to_name_a_file(sandbox, tmp_path, capsys):
    code, err = sync_db(sandbox, tmp_path, tmp_path, capsys)
    assert code == exits.USAGE and f"--db {tmp_path}/pipedrive.duckdb" in err and "another sync" not in err


def test_a_locked_database_keeps_the_another_sync_hint(sandbox, tmp_path, capsys):
    db = tmp_path / "p.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('locked', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, err = sync_db(sandbox, tmp_path, db, capsys)
    finally:
        holder.kill()
        holder.wait()
    assert code == exits.USAGE and err.startswith(f"error: cannot open {db}") and len(err.splitlines()) == 1
    assert "is another sync running on it?" in err


def test_permission_denied_says_what_to_do():
    # Root ignores file modes, so this takes DuckDB's own message (as a non-root user gets it).
    message = ('cannot open /data/p.duckdb: IO Error: Cannot open file "/data/p.duckdb": Permission denied '
               "(is another sync running on it?)")
    explained = explain_open_error(message)
    assert explained.startswith("cannot open /data/p.duckdb: permission denied: make the file and its folder "
                                "writable")
    assert "another sync" not in explained


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv"), reason="needs root and setpriv")
def test_permission_denied_for_real_as_another_user(sandbox):
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="polish-perm-", dir="/tmp"))  # pytest's tmp_path is root-only
    try:
        base.chmod(0o755)
        folder = base / "ro"
        folder.mkdir(mode=0o555)
        config = write_json(base / "c.json", config_for(sandbox))
        config.chmod(0o644)
        done = subprocess.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               *cli_command(), "sync", "--config", str(config), "--db", str(folder / "p.duckdb"),
                               "--quiet"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "HOME": str(base)})
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if "Permission denied" in done.stderr and "cannot open" not in done.stderr:
        pytest.skip(f"the venv is not usable by another user here: {done.stderr[-300:]}")
    assert done.returncode == exits.USAGE, done.stderr
    assert "permission denied: make the file and its folder writable" in done.stderr
    assert "another sync" not in done.stderr


# --- a config in Airbyte's connector shape ---------------------------------------------------------


def test_a_legacy_config_is_rewritten_once_with_a_backup_and_one_line(sandbox, tmp_path, capsys):
    legacy = {"api_token": sandbox.token, "base_url": sandbox.url}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(legacy))
    config.chmod(0o640)
    assert main(sync_argv(config, tmp_path / "p.duckdb", "--streams", "stages")) == exits.OK
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"note: {config} was in Airbyte's connector shape")
    backup = tmp_path / "config.json.bak"
    assert str(backup) in err[0] and json.loads(backup.read_text()) == legacy
    rewritten = json.loads(config.read_text())
    assert rewritten["credentials"] == {"auth_type": "api_token", "api_token": sandbox.token}
    assert "api_token" not in rewritten and config.stat().st_mode & 0o777 == 0o640
    assert main(sync_argv(config, tmp_path / "p.duckdb", "--streams", "stages")) == exits.OK
    assert capsys.readouterr().err == ""  # already in the new shape: nothing to say
    assert sorted(p.name for p in tmp_path.glob("config.json*")) == ["config.json", "config.json.bak"]
