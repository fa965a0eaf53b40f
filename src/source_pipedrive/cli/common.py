"""What several subcommands share: the version, --log-level, and the check for the `sync` extra.

Kept free of heavy imports: the protocol commands load this module on every run.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

from .exits import error_line

# --log-level: what a protocol command writes as LOG messages on stdout, and which notices `sync`
# prints on stderr. Airbyte's levels, from the least to the most severe.
LOG_LEVELS = ("debug", "info", "warn", "error")
SEVERITY = {"TRACE": 0, "DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "FATAL": 50, "CRITICAL": 50}
DEFAULT_LOG_LEVEL = "info"

# What `sync` and `demo` need beyond the core install (the `sync` extra), by import name.
SYNC_EXTRA = ("duckdb", "rich")
INSTALL_SYNC = "pip install 'source-pipedrive[sync]'"


def package_version() -> str:
    """The installed distribution's version (package metadata), else the package's own."""
    from importlib import metadata

    try:
        return metadata.version("source-pipedrive")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        from .. import __version__

        return __version__


class VersionAction(argparse.Action):
    """`--version`: prints `source-pipedrive X.Y.Z`; reads the package metadata only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: Any = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        sys.stdout.write(f"source-pipedrive {package_version()}\n")
        sys.stdout.flush()
        parser.exit(0)


def add_log_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-level", choices=LOG_LEVELS, default=DEFAULT_LOG_LEVEL, type=str.lower,
                        help="the least severe messages shown (default: info; debug shows every request "
                        "that failed)")


def shown(level: str, threshold: str | None) -> bool:
    """Is a message of `level` (DEBUG, INFO, WARN, ERROR, any case) at or above `threshold`?"""
    floor = SEVERITY.get((threshold or DEFAULT_LOG_LEVEL).upper(), 20)
    return SEVERITY.get(level.upper(), 20) >= floor


def missing_extra(command: str) -> bool:
    """True, after a one-line error saying what to install, when the `sync` extra is not installed."""
    missing = [name for name in SYNC_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        error_line(f"`source-pipedrive {command}` needs {' and '.join(missing)}, which the lean install leaves "
                   f"out: {INSTALL_SYNC} (the protocol commands spec, check, discover and read work without them)")
    return bool(missing)


__all__ = ["DEFAULT_LOG_LEVEL", "INSTALL_SYNC", "LOG_LEVELS", "SYNC_EXTRA", "VersionAction", "add_log_level",
           "missing_extra", "package_version", "shown"]
