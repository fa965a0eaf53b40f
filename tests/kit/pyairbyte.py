"""PyAirbyte in a virtualenv of its own, installed once and reused, and a runner for the driver script
tests/e2e/pyairbyte_driver.py.

PyAirbyte (the PyPI package `airbyte`) is large (~800 MB with its SQL backends), so it does not go into the
project's venv: it lives in REPO_ROOT/.pyairbyte-venv (git-ignored), built by the first test that needs it
from the interpreter running pytest, and kept while its marker names the pinned version and it imports.
The build is serialized by a lock file, so pytest-xdist workers wait for one install instead of racing.
A failed install FAILS the tests that need it, with pip's output: it is never a skip.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.kit.repo import REPO_ROOT

# The newest PyAirbyte on PyPI when this was written; it needs Python >= 3.10, < 3.13.
PYAIRBYTE_VERSION = "0.71.3"
PYAIRBYTE_REQUIREMENT = f"airbyte=={PYAIRBYTE_VERSION}"
VENV_DIR = REPO_ROOT / ".pyairbyte-venv"
LOCK_FILE = REPO_ROOT / ".pyairbyte-venv.lock"
MARKER = VENV_DIR / ".pyairbyte-installed"
DRIVER = REPO_ROOT / "tests" / "e2e" / "pyairbyte_driver.py"
INSTALL_TIMEOUT = 900  # seconds; a cold install takes ~1.5 min here
RUN_TIMEOUT = 600

# Our connector as PyAirbyte's `local_executable`: the console script beside the interpreter running pytest.
CONNECTOR_EXECUTABLE = Path(sys.executable).parent / "source-pipedrive"


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _import_error(python: Path) -> str | None:
    """None when `import airbyte` works with this python, else why not."""
    if not python.exists():
        return f"{python} does not exist"
    with tempfile.TemporaryDirectory() as logs:  # importing PyAirbyte creates its log folder
        env = _quiet_env(os.environ.copy())
        env["AIRBYTE_LOGGING_ROOT"] = logs
        probe = subprocess.run([str(python), "-c", "import airbyte"], capture_output=True, text=True,
                               timeout=300, env=env, check=False)
    return None if probe.returncode == 0 else _tail(probe.stderr)


def _ready(python: Path) -> bool:
    return MARKER.exists() and MARKER.read_text().strip() == PYAIRBYTE_REQUIREMENT and _import_error(python) is None


def _quiet_env(env: dict[str, str]) -> dict[str, str]:
    """No telemetry and no connector-registry look-ups: the sandbox is the only network the tests use."""
    env["DO_NOT_TRACK"] = "1"
    env["AIRBYTE_OFFLINE_MODE"] = "1"
    env.pop("VIRTUAL_ENV", None)
    return env


def _tail(text: str, n: int = 4000) -> str:
    return text if len(text) <= n else "...\n" + text[-n:]


def _install() -> tuple[Path | None, str | None, float]:
    """(python, None, seconds) once PyAirbyte imports in VENV_DIR, else (None, why, seconds)."""
    started = time.monotonic()
    python = _venv_python(VENV_DIR)
    if _ready(python):  # the usual case, checked without the lock so that xdist workers do not queue
        return python, None, time.monotonic() - started
    LOCK_FILE.touch(exist_ok=True)
    with LOCK_FILE.open("r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another xdist worker may be installing: wait for it
        try:
            if _ready(python):
                return python, None, time.monotonic() - started
            shutil.rmtree(VENV_DIR, ignore_errors=True)  # a partial venv or another pin: start over
            steps = [
                [sys.executable, "-m", "venv", str(VENV_DIR)],
                [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
                 PYAIRBYTE_REQUIREMENT],
            ]
            for cmd in steps:
                try:
                    done = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                                          check=False)
                except subprocess.TimeoutExpired as ex:
                    why = f"`{' '.join(cmd)}` did not finish in {INSTALL_TIMEOUT}s:\n{_tail(str(ex.output or ''))}"
                    return None, why, time.monotonic() - started
                if done.returncode != 0:
                    return None, (f"`{' '.join(cmd)}` exited {done.returncode}:\n"
                                  f"{_tail(done.stdout + done.stderr)}"), time.monotonic() - started
            error = _import_error(python)
            if error is not None:
                return None, f"{PYAIRBYTE_REQUIREMENT} installed but does not import:\n{error}", \
                    time.monotonic() - started
            MARKER.write_text(PYAIRBYTE_REQUIREMENT + "\n")
            return python, None, time.monotonic() - started
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass
class DriverRun:
    """One run of pyairbyte_driver.py: its per-op results, and its output for failure messages."""

    ops: list[dict[str, Any]]
    airbyte_version: str
    output: str
    seconds: float

    def op(self, i: int) -> dict[str, Any]:
        return self.ops[i]


@dataclass
class PyAirbyte:
    python: Path | None
    install_error: str | None
    install_seconds: float
    runs: list[float] = field(default_factory=list)

    def require(self) -> Path:
        """The venv's python; FAILS the test (never skips) when PyAirbyte could not be installed."""
        if self.python is None:
            pytest.fail(f"Could not install PyAirbyte ({PYAIRBYTE_REQUIREMENT}) into {VENV_DIR}: "
                        f"{self.install_error}", pytrace=False)
        return self.python

    def run(self, ops: list[dict[str, Any]], workdir: Path) -> DriverRun:
        """Run the driver with these ops; PyAirbyte's files (install dir, temp files, logs) stay in workdir."""
        python = self.require()
        workdir.mkdir(parents=True, exist_ok=True)
        n = len(list(workdir.glob("request-*.json")))
        request, result = workdir / f"request-{n}.json", workdir / f"result-{n}.json"
        request.write_text(json.dumps({"executable": str(CONNECTOR_EXECUTABLE), "ops": ops}))
        env = _quiet_env(os.environ.copy())
        for var, sub in (("AIRBYTE_PROJECT_DIR", "project"), ("AIRBYTE_CACHE_ROOT", "cache-root"),
                         ("AIRBYTE_TEMP_DIR", "tmp"), ("AIRBYTE_LOGGING_ROOT", "logs")):
            (workdir / sub).mkdir(exist_ok=True)
            env[var] = str(workdir / sub)
        env["NO_COLOR"] = "1"
        started = time.monotonic()
        try:
            done = subprocess.run([str(python), str(DRIVER), str(request), str(result)], cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as ex:
            pytest.fail(f"PyAirbyte driver did not finish in {RUN_TIMEOUT}s; output:\n"
                        f"{_tail(str(ex.stdout or '') + str(ex.stderr or ''))}", pytrace=False)
        seconds = time.monotonic() - started
        self.runs.append(seconds)
        output = done.stdout + done.stderr
        if not result.exists():
            pytest.fail(f"PyAirbyte driver exited {done.returncode} without a result; output:\n{_tail(output)}",
                        pytrace=False)
        data = json.loads(result.read_text())
        if len(data["ops"]) != len(ops) or done.returncode != 0:
            pytest.fail(f"PyAirbyte driver stopped after {len(data['ops'])} of {len(ops)} ops "
                        f"(exit {done.returncode}); output:\n{_tail(output)}", pytrace=False)
        return DriverRun(data["ops"], data["airbyte_version"], output, seconds)


def provision() -> PyAirbyte:
    """PyAirbyte's python, installed once per checkout (see the module docstring); an install failure is
    kept in the result, to fail each test that needs it."""
    assert CONNECTOR_EXECUTABLE.exists(), f"the connector's console script is not at {CONNECTOR_EXECUTABLE}"
    python, error, seconds = _install()
    return PyAirbyte(python, error, seconds)
