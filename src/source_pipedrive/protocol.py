"""Airbyte messages as plain dicts, and the writer that puts one per stdout line (orjson)."""

from __future__ import annotations

import sys
import time
import traceback
from typing import IO, Any

import orjson

from .errors import SourceError

Message = dict[str, Any]  # one Airbyte message, or the payload inside one
Data = dict[str, Any]  # a record's data, a stream state or a config: JSON objects passed through as they are


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def record(stream: str, data: Data, emitted_at: int) -> Message:
    return {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": emitted_at}}


def stream_state(stream: str, state: Data, record_count: int) -> Message:
    return {
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": stream}, "stream_state": state},
            "sourceStats": {"recordCount": float(record_count)},
        },
    }


LEVELS = {"warning": "WARN", "warn": "WARN", "info": "INFO", "error": "ERROR", "debug": "DEBUG",
          "fatal": "FATAL", "trace": "TRACE", "critical": "FATAL"}


def log(level: str, message: str) -> Message:
    return {"type": "LOG", "log": {"level": LEVELS.get(level.lower(), "INFO"), "message": message}}


def stream_status(stream: str, status: str, *, rate_limited_until_ms: int | None = None) -> Message:
    payload: Message = {"stream_descriptor": {"name": stream}, "status": status}
    if rate_limited_until_ms is not None:
        payload["reasons"] = [{"type": "RATE_LIMITED", "rate_limited": {"quota_reset": rate_limited_until_ms}}]
    trace = {"type": "STREAM_STATUS", "emitted_at": float(now_ms()), "stream_status": payload}
    return {"type": "TRACE", "trace": trace}


def error_trace(error: BaseException, *, stream: str | None = None) -> Message:
    """One TRACE ERROR; a SourceError carries its failure_type, anything else is a system_error."""
    if isinstance(error, SourceError):
        message, failure_type, internal = error.message, error.failure_type, error.internal
        stream = stream or error.stream
    else:
        message = f"Unexpected error: {type(error).__name__}. This is a bug in source-pipedrive; please report it."
        failure_type, internal = "system_error", repr(error)
    payload: Message = {"message": message, "failure_type": failure_type}
    if internal:
        payload["internal_message"] = internal
    if not isinstance(error, SourceError) or error.failure_type == "system_error":
        payload["stack_trace"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    if stream:
        payload["stream_descriptor"] = {"name": stream}
    return {"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": float(now_ms()), "error": payload}}


def control_config(config: Data) -> Message:
    """CONTROL CONNECTOR_CONFIG: the platform persists the refreshed OAuth tokens it carries."""
    at = float(now_ms())
    return {
        "type": "CONTROL",
        "control": {"type": "CONNECTOR_CONFIG", "emitted_at": at, "connectorConfig": {"config": config}},
    }


class Writer:
    """Writes messages as JSON lines, each in one write and flushed, so a killed process loses no
    line it has reported and never leaves half a line."""

    def __init__(self, out: IO[bytes] | None = None):
        self.out = out if out is not None else sys.stdout.buffer

    def write(self, message: Message) -> None:
        self.out.write(orjson.dumps(message) + b"\n")
        self.out.flush()
