"""--version on the top-level command; --log-level for the protocol commands and sync."""

from __future__ import annotations

import io
import json
import re
from importlib import metadata

import pytest

import source_pipedrive
from source_pipedrive.cli import main
from tests.kit.commands import config_for, run_cli, write_json


def test_version_prints_the_package_metadata_version():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"source-pipedrive {metadata.version('source-pipedrive')}\n"
    assert re.fullmatch(r"source-pipedrive \d+\.\d+\.\d+\S*\n", done.stdout)
    assert metadata.version("source-pipedrive") == source_pipedrive.__version__


def test_version_in_process(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"source-pipedrive {source_pipedrive.__version__}"


def log_levels(argv: list[str]) -> list[str]:
    out = io.BytesIO()
    main(argv, out=out)
    messages = [json.loads(line) for line in out.getvalue().splitlines()]
    return [m["log"]["level"] for m in messages if m["type"] == "LOG"]


@pytest.mark.parametrize(("level", "expected"), [
    (None, ["WARN"]), ("info", ["WARN"]), ("debug", ["WARN", "DEBUG"]), ("warn", ["WARN"]), ("error", []),
    ("DEBUG", ["WARN", "DEBUG"]),
])
def test_protocol_log_messages_below_the_level_are_left_out(level, expected, tmp_path, closed_port):
    # check against a closed port: one retry (WARN), then the final failure (DEBUG), then FAILED.
    config = write_json(tmp_path / "c.json", {"credentials": {"auth_type": "api_token", "api_token": "t"},
                                              "base_url": f"http://127.0.0.1:{closed_port}"})
    argv = ["check", "--config", str(config)] + (["--log-level", level] if level else [])
    assert log_levels(argv) == expected


def test_read_filters_its_log_messages_too(sandbox, tmp_path):
    config = write_json(tmp_path / "c.json", config_for(sandbox))
    catalog = write_json(tmp_path / "cat.json", {"streams": [
        {"stream": {"name": "stages", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]})
    assert "INFO" in log_levels(["read", "--config", str(config), "--catalog", str(catalog)])  # the cost line
    assert log_levels(["read", "--config", str(config), "--catalog", str(catalog), "--log-level", "warn"]) == []


def test_an_unknown_level_is_a_usage_error(capsys):
    assert main(["spec", "--log-level", "loud"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_sync_log_level_decides_which_notices_are_printed(tmp_path, closed_port):
    config = write_json(tmp_path / "c.json", {"credentials": {"auth_type": "api_token", "api_token": "t"},
                                              "base_url": f"http://127.0.0.1:{closed_port}"})
    db = str(tmp_path / "p.duckdb")
    shown = {}
    for level in ("debug", "info", "error"):
        done = run_cli("sync", "--config", str(config), "--db", db, "--log-level", level, timeout=60)
        assert done.returncode == 1
        shown[level] = [line.split(":", 1)[0] for line in done.stderr.splitlines()]
    assert shown["debug"] == ["warn", "debug", "error"]
    assert shown["info"] == ["warn", "error"]
    assert shown["error"] == ["error"]  # the run's own error line always
