"""Fixtures for the DuckDB sync tests: a config file pointing at a sandbox, and ways to run `sync`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from source_pipedrive import sync

REPO = Path(__file__).resolve().parents[2]


def write_config(sb: Any, directory: Path, token: str | None = None) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps({"credentials": {"auth_type": "api_token", "api_token": token or sb.token},
                                "base_url": sb.url}))
    return path


def sync_args(config: Path, db: Path, *, streams: str | None = None, full_refresh: bool = False,
              quiet: bool = True, as_json: bool = False) -> list[str]:
    """The command line of `source-pipedrive sync` (run in-process with source_pipedrive.cli.main)."""
    argv = ["sync", "--config", str(config), "--db", str(db)]
    if streams is not None:
        argv += ["--streams", streams]
    return argv + ["--full-refresh"] * full_refresh + ["--quiet"] * quiet + ["--json"] * as_json


def cli_command() -> list[str]:
    """The installed console script if present, else the module: both are the real CLI."""
    script = Path(sys.executable).parent / "source-pipedrive"
    return [str(script)] if script.exists() else [sys.executable, "-m", "source_pipedrive"]


@pytest.fixture
def config_file(sandbox: Any, tmp_path: Path) -> Path:
    return write_config(sandbox, tmp_path)


@pytest.fixture
def run_sync():
    """Run `sync` in-process like the CLI does; returns (exit code, stdout, stderr)."""

    def run(args: argparse.Namespace, capsys: Any) -> tuple[int, str, str]:
        code = sync.main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run
