"""The command line, one place for every subcommand, its exit code and its signals.

spec/check/discover/read speak the Airbyte protocol on stdout; sync, demo and sandbox are for people.
Exit codes (README, "Exit codes"; cli/exits.py): 0 done; 1 the work failed; 2 a bad call (usage,
config, stream names, a missing extra); 75 the daily API budget is spent (run again after the refill);
130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO, Any

from ..malloc import return_freed_memory
from .common import LOG_LEVELS, VersionAction, add_log_level, missing_extra
from .exits import USAGE

PROTOCOL_COMMANDS = ("spec", "check", "discover", "read")


def build_parser(sandbox_options: bool = True) -> argparse.ArgumentParser:
    """The whole command line. `sandbox_options=False` leaves the sandbox's options out, so the
    protocol commands never import the sandbox (main passes it unless the command is `sandbox`)."""
    parser = argparse.ArgumentParser(
        prog="source-pipedrive",
        description="Pipedrive source: the Airbyte protocol (spec/check/discover/read), a DuckDB sync, a demo "
        "and a local sandbox.",
    )
    parser.add_argument("--version", action=VersionAction, help="print the version and exit")
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
    sync.add_argument("--streams", help="comma-separated stream names (default: all but the child streams that "
                      "cost one request per parent, unless the config's child_streams names them)")
    sync.add_argument("--full-refresh", action="store_true", help="re-read everything, ignoring saved state")
    sync.add_argument("--quiet", action="store_true", help="no progress output (for cron)")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    sync.add_argument("--max-token-share", type=float, metavar="X",
                      help="stop once the company's daily API tokens left would fall below (1 - X) of its limit "
                      "(0 < X <= 1; overrides max_daily_token_share in the config)")

    demo = sub.add_parser("demo", help="sync the bundled sandbox into ./pipedrive-demo.duckdb and show it")
    demo.add_argument("--db", default="./pipedrive-demo.duckdb", help="DuckDB file (default: ./pipedrive-demo.duckdb)")
    demo.add_argument("--scale", default="small", choices=("small", "medium", "large"), help="sandbox size")
    demo.add_argument("--seed", type=int, default=1, help="sandbox data seed")

    export = sub.add_parser("export", help="write a sync's tables to Parquet or CSV files, one per table")
    export.add_argument("--db", default="pipedrive.duckdb", help="DuckDB file (default: pipedrive.duckdb)")
    export.add_argument("--format", required=True, choices=("parquet", "csv"), help="file format")
    export.add_argument("--out", required=True, help="folder for the files (created if missing)")
    export.add_argument("--include-meta", action="store_true", help="also the _state, _syncs, ... tables")
    status = sub.add_parser("status", help="per stream: mode, cursor, last sync, rows; then the last syncs")
    status.add_argument("--db", default="pipedrive.duckdb", help="DuckDB file (default: pipedrive.duckdb)")
    status.add_argument("--json", action="store_true", help="print it as JSON on stdout")

    # The sandbox's own options, so `source-pipedrive sandbox --help` and usage errors work as for
    # every other subcommand.
    sandbox_parents: list[argparse.ArgumentParser] = []
    if sandbox_options:
        from pipedrive_sandbox import cli as sandbox_cli

        sandbox_parents = [sandbox_cli.parser()]
    sub.add_parser("sandbox", help="run the local Pipedrive sandbox (a fake Pipedrive API)",
                   description="A local, deterministic Pipedrive API: try the connector and test pipelines "
                   "without an account.", parents=sandbox_parents, conflict_handler="resolve")
    for name in (*PROTOCOL_COMMANDS, "sync"):
        add_log_level(sub.choices[name])
    return parser


def main(argv: Sequence[str] | None = None, out: IO[bytes] | None = None) -> int:
    return_freed_memory()  # before the read's threads start (malloc.py)
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        command = next((a for a in args_list if not a.startswith("-")), None)
        args = build_parser(sandbox_options=command == "sandbox").parse_args(args_list)
    except SystemExit as exit_:  # argparse: --help is 0, a usage error 2
        return int(exit_.code or 0) if isinstance(exit_.code, int) else USAGE
    return dispatch(args, out, args_list)


def dispatch(args: argparse.Namespace, out: Any = None, argv: Sequence[str] = ()) -> int:
    if args.command in ("sync", "demo") and missing_extra(args.command):
        return USAGE
    if args.command == "sync":
        from .sync_command import sync_command

        return sync_command(args)
    if args.command == "demo":
        from .demo import demo_command

        return demo_command(args)
    if args.command in ("export", "status"):  # read a sync's file; need the `sync` extra too
        if missing_extra(args.command):
            return USAGE
        from .export_command import export_command
        from .status_command import status_command

        return export_command(args) if args.command == "export" else status_command(args)
    if args.command == "sandbox":
        from pipedrive_sandbox.cli import main as serve

        return serve(list(argv)[1:])  # already validated by the parser above
    from .protocol_commands import protocol_command

    return protocol_command(args, out)


def run() -> None:
    sys.exit(main())


__all__ = ["build_parser", "main", "run", "PROTOCOL_COMMANDS", "LOG_LEVELS"]
