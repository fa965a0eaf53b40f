"""`source-pipedrive export`: a sync's tables as Parquet or CSV files, one per table."""

from __future__ import annotations

import argparse
import os
import sys

import duckdb

from ..sync import first_line, interrupted
from ..warehouse.inspect import WarehouseFileError, export
from .exits import FAILED, INTERRUPTED, OK, USAGE, error_line, sigterm_as_interrupt


def export_command(args: argparse.Namespace) -> int:
    """Exit 0 done; 2 a bad call (missing or locked file, a folder that cannot be written, a bad
    format); 1 the export failed on the way (disk full); 130 interrupted."""
    with sigterm_as_interrupt():
        try:
            done = export(args.db, args.format, args.out, include_meta=bool(args.include_meta))
        except WarehouseFileError as error:
            error_line(str(error))
            return USAGE
        except (KeyboardInterrupt, Exception) as error:
            if interrupted(error):
                error_line("interrupted: the files written so far are complete; run it again for the rest",
                           prefix="")
                return INTERRUPTED
            if os.environ.get("SOURCE_PIPEDRIVE_TRACEBACK"):
                raise
            failed = isinstance(error, (duckdb.Error, OSError))
            error_line(f"{'export failed' if failed else 'unexpected ' + type(error).__name__}: {first_line(error)}")
            return FAILED
    width = max((len(d.table) for d in done), default=0)
    for d in done:
        sys.stdout.write(f"{d.table:<{width}}  {d.rows:>10,} rows  {d.path}\n")
    sys.stdout.write(f"{len(done)} table(s) exported as {args.format} to {args.out}\n")
    sys.stdout.flush()
    return OK


__all__ = ["export_command"]
