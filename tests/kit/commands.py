"""Helpers of the command-line tests: the CLI as a child process, config and JSON files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]  # the repository root
SCRIPT = Path(sys.executable).parent / "source-pipedrive"


def cli_command() -> list[str]:
    """The installed console script if present, else the module: both are the real CLI."""
    return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "source_pipedrive"]


def config_for(sb: Any, **extra: Any) -> dict[str, Any]:
    return {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url, **extra}


def write_json(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content))
    return path


def run_cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`source-pipedrive ARGS` as a child process; its output as text."""
    full_env = {**os.environ, "COLUMNS": "100", **(env or {})}
    return subprocess.run([*cli_command(), *args], capture_output=True, text=True, timeout=timeout, env=full_env,
                          cwd=cwd)
