"""The lean install: the protocol commands need httpx and orjson only, and never import the sandbox,
DuckDB or rich; `sync` without its extra says what to install.

The wheel is built from this tree and installed with its core dependencies only into a clean virtualenv
(pip's cache keeps reruns fast); spec, check, discover and read then run from it against a sandbox started
here from the main environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kit.commands import REPO, config_for, write_json

HEAVY = ("pipedrive_sandbox", "duckdb", "rich", "jsonschema")
PROBE = """
import io, json, sys
from source_pipedrive.cli import main
code = main(sys.argv[1:], out=io.BytesIO())
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy})
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def probe(python: str, *argv: str) -> dict:
    """Run a command in-process in a child interpreter and list the heavy modules it imported."""
    done = subprocess.run([python, "-c", PROBE.format(heavy=set(HEAVY)), *argv], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def inputs(sb, tmp_path: Path) -> tuple[str, str]:
    config = write_json(tmp_path / "config.json", config_for(sb))
    catalog = write_json(tmp_path / "catalog.json", {"streams": [
        {"stream": {"name": n, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for n in ("stages", "pipelines")]})
    return str(config), str(catalog)


def test_protocol_commands_import_no_sandbox_duckdb_or_rich(sandbox, tmp_path):
    config, catalog = inputs(sandbox, tmp_path)
    for argv in (["spec"], ["check", "--config", config], ["discover", "--config", config],
                 ["read", "--config", config, "--catalog", catalog]):
        result = probe(sys.executable, *argv)
        assert result == {"code": 0, "heavy": []}, argv


@pytest.fixture(scope="module")
def lean_venv(tmp_path_factory) -> Path:
    """A clean virtualenv with the wheel of this tree and its core dependencies only."""
    work = tmp_path_factory.mktemp("lean")
    started = time.monotonic()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work / "dist"), str(REPO)], check=True, env=env,
                   capture_output=True, timeout=300)
    wheel = next((work / "dist").glob("source_pipedrive-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")], check=True, timeout=120)
    python = work / "venv" / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", str(wheel)], check=True, env=env,
                   capture_output=True, timeout=300)
    print(f"lean venv ready in {time.monotonic() - started:.1f} s")
    return work / "venv"


def test_the_wheel_installs_lean(lean_venv):
    site = next((lean_venv / "lib").glob("python3*/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert {"source_pipedrive", "httpx", "orjson"} <= installed
    assert not installed & {"duckdb", "rich", "jsonschema", "pyyaml"}, installed
    assert (site / "pipedrive_sandbox").is_dir()  # the sandbox ships in the wheel


def test_spec_check_discover_read_run_from_the_lean_install(lean_venv, sandbox, tmp_path):
    config, catalog = inputs(sandbox, tmp_path)
    script = str(lean_venv / "bin" / "source-pipedrive")

    def run(*argv: str) -> list[dict]:
        done = subprocess.run([script, *argv], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (argv, done.stdout[-1000:], done.stderr[-1000:])
        return [json.loads(line) for line in done.stdout.splitlines()]

    assert run("spec")[0]["type"] == "SPEC"
    assert run("check", "--config", config)[-1]["connectionStatus"]["status"] == "SUCCEEDED"
    names = {s["name"] for s in run("discover", "--config", config)[-1]["catalog"]["streams"]}
    assert {"deals", "stages", "pipelines"} <= names
    messages = run("read", "--config", config, "--catalog", catalog)
    records = [m for m in messages if m["type"] == "RECORD"]
    assert {r["record"]["stream"] for r in records} == {"stages", "pipelines"}
    assert any(m["type"] == "STATE" for m in messages)
    assert probe(str(lean_venv / "bin" / "python"), "read", "--config", config, "--catalog", catalog) == {
        "code": 0, "heavy": []}


def test_sync_without_the_extra_says_what_to_install(lean_venv, tmp_path):
    for command in (["sync", "--config", "c.json"], ["demo"]):
        done = subprocess.run([str(lean_venv / "bin" / "source-pipedrive"), *command], capture_output=True,
                              text=True, timeout=60, cwd=tmp_path)
        assert done.returncode == 2 and done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "pip install 'source-pipedrive[sync]'" in lines[0], done.stderr
        assert "Traceback" not in done.stderr
