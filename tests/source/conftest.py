"""Helpers to run the connector's CLI in-process against a sandbox and check every line it prints."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
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

    def __call__(self, command: str, config: Any = None, catalog: Any = None, state: Any = None) -> Run:
        argv = [command]
        if config is not None:
            argv += ["--config", self.file(config)]
        if catalog is not None:
            argv += ["--catalog", self.file(catalog)]
        if state is not None:
            argv += ["--state", self.file(state)]
        out = io.BytesIO()
        code = main(argv, out=out)
        raw = out.getvalue()
        messages = []
        for line in raw.splitlines():
            message = orjson.loads(line)  # one JSON message per line, nothing else on stdout
            AirbyteMessage.model_validate(message)  # and every one a valid protocol message
            messages.append(message)
        return Run(code, messages, raw)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def config_for(sb, **extra) -> dict:
    return {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url, **extra}


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
