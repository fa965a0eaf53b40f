"""Command line: argument parsing only. spec/check/discover/read speak the Airbyte protocol;
sync, demo and sandbox are for people."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

import orjson

from . import protocol
from .errors import CatalogError, ConfigError, SourceError, StateError

PROTOCOL_COMMANDS = ("spec", "check", "discover", "read")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="source-pipedrive",
        description="Pipedrive source: the Airbyte protocol (spec/check/discover/read), a DuckDB sync, a demo and a local sandbox.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("spec", help="print the connector specification")
    for name, text in (("check", "test the credentials"), ("discover", "print the catalog of streams")):
        sub.add_parser(name, help=text).add_argument("--config", required=True, help="config JSON file")
    read = sub.add_parser("read", help="read records as Airbyte messages")
    read.add_argument("--config", required=True, help="config JSON file")
    read.add_argument("--catalog", required=True, help="configured catalog JSON file")
    read.add_argument("--state", help="state JSON file (a list of per-stream state messages)")

    sync = sub.add_parser("sync", help="sync into a local DuckDB file (incremental after the first run)")
    sync.add_argument("--config", required=True, help="config JSON file")
    sync.add_argument("--db", default="pipedrive.duckdb", help="DuckDB file (default: pipedrive.duckdb)")
    sync.add_argument("--streams", help="comma-separated stream names (default: all)")
    sync.add_argument("--full-refresh", action="store_true", help="re-read everything, ignoring saved state")
    sync.add_argument("--quiet", action="store_true", help="no progress output (for cron)")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")

    demo = sub.add_parser("demo", help="sync the bundled sandbox into ./pipedrive-demo.duckdb and show it")
    demo.add_argument("--db", default="./pipedrive-demo.duckdb", help="DuckDB file (default: ./pipedrive-demo.duckdb)")
    demo.add_argument("--scale", default="small", choices=("small", "medium", "large"), help="sandbox size")
    demo.add_argument("--seed", type=int, default=1, help="sandbox data seed")

    sub.add_parser("sandbox", help="run the local Pipedrive sandbox (see `source-pipedrive sandbox --help`)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None, out: Any = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sandbox":
        from pipedrive_sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "sync":
        from .sync import main as sync_main

        return sync_main(args)
    if args.command == "demo":
        from .demo import main as demo_main

        return demo_main(args)
    return run_protocol_command(args, protocol.Writer(out))


def run_protocol_command(args: argparse.Namespace, writer: protocol.Writer) -> int:
    from . import source

    def log(level: str, message: str) -> None:
        writer.write(protocol.log(level, message))

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
            _write_stream(writer, source.read(config, catalog, state))
    except SourceError as error:
        writer.write(protocol.error_trace(error))
        return 1
    except Exception as error:  # a bug: still one TRACE, never a bare stack trace on stdout
        writer.write(protocol.error_trace(error))
        return 1
    return 0


def _write_stream(writer: protocol.Writer, messages) -> None:
    """Buffer records; flush at every STATE, TRACE and CONTROL, so no state is ever reported
    before the records it covers are out, and throughput stays high."""
    out, dumps = writer.out, orjson.dumps
    pending: list[bytes] = []
    for message in messages:
        pending.append(dumps(message))
        if message["type"] != "RECORD":
            pending.append(b"")
            out.write(b"\n".join(pending))
            out.flush()
            pending = []
    if pending:
        pending.append(b"")
        out.write(b"\n".join(pending))
        out.flush()


def load_json(path: str, what: str, error: type[SourceError]) -> Any:
    try:
        return orjson.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise error(f"The {what} file {path} does not exist.") from None
    except OSError as exc:
        raise error(f"The {what} file {path} cannot be read: {exc.strerror}.") from None
    except orjson.JSONDecodeError as exc:
        raise error(f"The {what} file {path} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
