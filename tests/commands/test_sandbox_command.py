"""`source-pipedrive sandbox` prints, after its URL line, a config and the exact sync command for it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import duckdb

from tests.kit.commands import cli_command


def start_sandbox(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """The sandbox as a child process, and the lines it printed before serving."""
    proc = subprocess.Popen([*cli_command(), "sandbox", "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops"):
            break
    return proc, lines


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_printed(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a printed `source-pipedrive ...` command line as a user would, with this venv's script."""
    argv = shlex.split(command)
    assert argv[0] == "source-pipedrive"
    return subprocess.run([*cli_command(), *argv[1:]], capture_output=True, text=True, cwd=cwd, timeout=180,
                          env={**os.environ, "COLUMNS": "100"})


def test_printed_config_and_sync_command_work_as_printed(tmp_path):
    proc, lines = start_sandbox(cwd=tmp_path)
    try:
        assert re.fullmatch(r"Pipedrive sandbox listening on http://127\.0\.0\.1:\d+", lines[0]), lines
        url = lines[0].rsplit(" ", 1)[1]
        config_line = next(line for line in lines if line.startswith("config: "))
        config = json.loads(config_line.removeprefix("config: "))
        assert config == {"credentials": {"auth_type": "api_token", "api_token": "sandbox-token"}, "base_url": url}
        command = next(line.strip() for line in lines if line.strip().startswith("source-pipedrive sync "))
        config_name = shlex.split(command)[shlex.split(command).index("--config") + 1]
        (tmp_path / config_name).write_text(json.dumps(config))  # "save that line's JSON as ..."
        done = run_printed(command, tmp_path)
    finally:
        stop(proc)
    assert done.returncode == 0, done.stderr[-3000:]
    db = tmp_path / shlex.split(command)[shlex.split(command).index("--db") + 1]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM deals").fetchone()[0] > 0


def test_write_config_writes_a_private_file_and_prints_the_command_using_it(tmp_path):
    target = tmp_path / "sub dir" / "my config.json"
    target.parent.mkdir()
    proc, lines = start_sandbox("--write-config", str(target), cwd=tmp_path)
    try:
        assert lines[0].startswith("Pipedrive sandbox listening on http://127.0.0.1:")
        assert target.stat().st_mode & 0o777 == 0o600
        written = json.loads(target.read_text())
        assert written["base_url"] == lines[0].rsplit(" ", 1)[1]
        assert written["credentials"]["api_token"] == "sandbox-token"
        command = next(line.strip() for line in lines if line.strip().startswith("source-pipedrive sync "))
        assert shlex.split(command)[:4] == ["source-pipedrive", "sync", "--config", str(target)]
        assert not any(line.startswith("config: ") for line in lines)  # the file has it
        done = run_printed(command + " --streams stages,pipelines", tmp_path)
    finally:
        stop(proc)
    assert done.returncode == 0, done.stderr[-3000:]


def test_write_config_to_an_impossible_path_is_a_usage_error(tmp_path):
    proc, lines = start_sandbox("--write-config", str(tmp_path / "missing" / "c.json"), cwd=tmp_path)
    try:
        code = proc.wait(timeout=30)
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        stop(proc)
    assert code == 2 and lines == [] and "cannot write the config" in err
