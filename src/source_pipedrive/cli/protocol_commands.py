"""spec, check, discover and read: Airbyte messages on stdout, one JSON object per line."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from .. import protocol
from ..errors import CatalogError, ConfigError, SourceError, StateError
from .common import shown
from .exits import BUDGET_SPENT, FAILED, OK, budget_spent


def protocol_command(args: argparse.Namespace, out: IO[bytes] | None = None) -> int:
    """Run one protocol command; any failure is one TRACE ERROR message and exit code 1 (75 when the
    daily API budget is spent). LOG messages below --log-level are left out."""
    from .. import source

    writer = protocol.Writer(out)
    level = getattr(args, "log_level", None)

    def log(severity: str, message: str) -> None:
        if shown(severity, level):
            writer.write(protocol.log(severity, message))

    try:
        if args.command == "spec":
            writer.write({"type": "SPEC", "spec": source.spec()})
        elif args.command == "check":
            config = load_json(args.config, "config", ConfigError)
            writer.write({"type": "CONNECTION_STATUS", "connectionStatus": source.check(config, log=log)})
        elif args.command == "discover":
            config = load_json(args.config, "config", ConfigError)
            writer.write({"type": "CATALOG", "catalog": source.discover(config, log=log)})
        else:
            config = load_json(args.config, "config", ConfigError)
            catalog = load_json(args.catalog, "catalog", CatalogError)
            state = load_json(args.state, "state", StateError) if args.state else None
            write_messages(writer.out, source.read(config, catalog, state), level)
    except SourceError as error:
        writer.write(protocol.error_trace(error))
        return BUDGET_SPENT if budget_spent(error) else FAILED
    except Exception as error:  # a bug: still one TRACE, never a bare stack trace on stdout
        writer.write(protocol.error_trace(error))
        return FAILED
    return OK


def write_messages(out: IO[bytes], messages: Iterable[dict[str, Any]], log_level: str | None = None) -> None:
    """Buffer records; flush at every STATE, TRACE and CONTROL, so no state is ever reported
    before the records it covers are out, and throughput stays high. LOG messages below
    `log_level` (default info) are dropped."""
    dumps = orjson.dumps
    pending: list[bytes] = []
    for message in messages:
        kind = message["type"]
        if kind == "LOG" and not shown(message["log"]["level"], log_level):
            continue
        pending.append(dumps(message))
        if kind != "RECORD":
            pending.append(b"")
            out.write(b"\n".join(pending))
            out.flush()
            pending = []
    if pending:
        pending.append(b"")
        out.write(b"\n".join(pending))
        out.flush()


def load_json(path: str, what: str, error: type[SourceError]) -> Any:
    """A JSON input file, or `error` naming the file and what is wrong with it."""
    try:
        return orjson.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise error(f"The {what} file {path} does not exist.") from None
    except OSError as exc:
        raise error(f"The {what} file {path} cannot be read: {exc.strerror}.") from None
    except orjson.JSONDecodeError as exc:
        raise error(f"The {what} file {path} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None


__all__ = ["protocol_command", "write_messages", "load_json"]
