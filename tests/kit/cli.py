"""The connector's CLI for tests: in-process against a sandbox with every printed line checked (Cli, Run),
its inputs (config_for, catalog_for), and as a child process (cli_command, spawn, complete_lines)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from airbyte_protocol.models import AirbyteMessage

from source_pipedrive.cli import main
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME


@dataclass
class Run:
    code: int
    messages: list[dict]
    raw: bytes = field(repr=False, default=b"")

    def of(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]

    def records(self, stream: str | None = None) -> list[dict]:
        return [m["record"]["data"] for m in self.of("RECORD") if stream is None or m["record"]["stream"] == stream]

    def ids(self, stream: str) -> list:
        key = STREAMS_BY_NAME[stream].primary_key
        return [r[key] for r in self.records(stream)]

    def states(self, stream: str | None = None) -> list[dict]:
        out = [m["state"] for m in self.of("STATE")]
        return [s for s in out if stream is None or s["stream"]["stream_descriptor"]["name"] == stream]

    def final_state(self) -> list[dict]:
        """The last STATE per stream, as a --state file would hold it."""
        last: dict[str, dict] = {}
        for s in self.states():
            last[s["stream"]["stream_descriptor"]["name"]] = s
        return list(last.values())

    def statuses(self, stream: str) -> list[str]:
        return [
            m["trace"]["stream_status"]["status"]
            for m in self.of("TRACE")
            if m["trace"]["type"] == "STREAM_STATUS"
            and m["trace"]["stream_status"]["stream_descriptor"]["name"] == stream
        ]

    def errors(self) -> list[dict]:
        return [m["trace"]["error"] for m in self.of("TRACE") if m["trace"]["type"] == "ERROR"]


class Cli:
    """Runs `source-pipedrive <command>` in-process, writing its input files to a temp dir."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.n = 0

    def file(self, content: Any) -> str:
        self.n += 1
        path = self.tmp / f"input-{self.n}.json"
        path.write_bytes(content if isinstance(content, bytes) else orjson.dumps(content))
        return str(path)

    def __call__(self, command: str, config: Any = None, catalog: Any = None, state: Any = None, *,
                 out: io.BytesIO | None = None) -> Run:
        """Run the command; `out` (a BytesIO, e.g. one that acts on what is written) receives stdout."""
        argv = [command]
        if config is not None:
            argv += ["--config", self.file(config)]
        if catalog is not None:
            argv += ["--catalog", self.file(catalog)]
        if state is not None:
            argv += ["--state", self.file(state)]
        out = io.BytesIO() if out is None else out
        code = main(argv, out=out)
        raw = out.getvalue()
        messages = []
        for line in raw.splitlines():
            message = orjson.loads(line)  # one JSON message per line, nothing else on stdout
            AirbyteMessage.model_validate(message)  # and every one a valid protocol message
            messages.append(message)
        return Run(code, messages, raw)


def config_for(sb, **extra) -> dict:
    """A config for the sandbox `sb` with its API token; `extra` adds top-level settings."""
    return {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url, **extra}


def oauth_config_for(sb, **extra) -> dict:
    """A config for the sandbox `sb` with its OAuth client and refresh token; `extra` adds top-level settings."""
    return {"credentials": {"auth_type": "oauth2", **sb.oauth}, "base_url": sb.url, **extra}


def catalog_for(names=None, mode: str = "full_refresh") -> dict:
    streams = []
    for s in STREAMS:
        if names is not None and s.name not in names:
            continue
        sync_mode = mode if (mode == "full_refresh" or s.incremental) else "full_refresh"
        entry = {
            "stream": {"name": s.name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
            "sync_mode": sync_mode,
            "destination_sync_mode": "append_dedup" if sync_mode == "incremental" else "overwrite",
            "primary_key": [[s.primary_key]],
        }
        if sync_mode == "incremental":
            entry["cursor_field"] = [s.cursor]
        streams.append(entry)
    return {"streams": streams}


# -- the CLI as a child process -------------------------------------------------------------------


def cli_command() -> list[str]:
    """The installed console script if present, else the module: both are the real CLI."""
    script = Path(sys.executable).parent / "source-pipedrive"
    return [str(script)] if script.exists() else [sys.executable, "-m", "source_pipedrive"]


def write_json(path: Path, content: Any) -> str:
    path.write_bytes(content if isinstance(content, bytes) else orjson.dumps(content))
    return str(path)


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update(extra)
    return env


def spawn(args: list[str], *, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """`python -m source_pipedrive ARGS` with stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "source_pipedrive", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env or child_env(),
    )


def complete_lines(raw: bytes) -> list[dict]:
    """The whole JSON lines of a (possibly killed) child's stdout; a cut last line is dropped."""
    lines = raw.split(b"\n")
    if lines and lines[-1] != b"":
        lines = lines[:-1]  # no newline yet: the kill cut it
    return [orjson.loads(line) for line in lines if line]


def last_states(messages: list[dict]) -> dict[str, dict]:
    """The last STATE message per stream among `messages`."""
    out: dict[str, dict] = {}
    for m in messages:
        if m["type"] == "STATE":
            out[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
    return out
