"""`source-pipedrive status`: what a sync's DuckDB file holds, read without changing it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson
from rich import box
from rich.table import Table

from ..warehouse.inspect import WarehouseFileError, status
from .display import make_console
from .exits import OK, USAGE, error_line

MODES = {"incremental": "incr", "full_refresh": "full"}


def status_command(args: argparse.Namespace) -> int:
    """Exit 0 with the status; 2 when the file is missing, locked or no sync's database."""
    try:
        report = status(args.db)
    except WarehouseFileError as error:
        error_line(str(error))
        return USAGE
    if args.json:
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
        sys.stdout.flush()
        return OK
    console = make_console(stderr=False)
    company = report["company"]
    who = f"Pipedrive company {company['name'] or '?'} (id {company['id']})" if company else "no company recorded"
    console.print(f"{report['db']}: {who}; readable by DuckDB {report['storage_version'] or '(version unknown)'}",
                  highlight=False, markup=False)
    console.print(streams_table(report["streams"]))
    console.print(syncs_table(report["syncs"]))
    return OK


def streams_table(streams: list[dict[str, Any]]) -> Table:
    table = Table(title="streams", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for head in ("stream", "mode", "cursor", "last synced (UTC)", "rows"):
        table.add_column(head, justify="right" if head == "rows" else "left", no_wrap=head != "cursor")
    for s in streams:
        mode = MODES.get(s["mode"], s["mode"] or "never synced")
        if s["full_read_in_progress"]:
            mode += " (full read under way)"
        cursor = f"{s['cursor_field']} = {s['cursor']}" if s["cursor_field"] else "—"
        rows = "—" if s["rows"] is None else f"{s['rows']:,}"
        table.add_row(s["stream"], mode, cursor, _short_time(s["last_synced_at"]), rows)
    return table


def syncs_table(syncs: list[dict[str, Any]]) -> Table:
    table = Table(title=f"last {len(syncs)} sync(s)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  padding=(0, 1))
    for head in ("sync", "started (UTC)", "status", "duration", "requests", "API tokens"):
        table.add_column(head, justify="left" if head in ("started (UTC)", "status") else "right", no_wrap=True)
    for s in syncs:
        style = {"succeeded": "green", "failed": "red"}.get(s["status"], "yellow")
        seconds = "—" if s["seconds"] is None else f"{s['seconds']:.1f} s"
        table.add_row(str(s["sync_id"]), _short_time(s["started_at"]), f"[{style}]{s['status']}[/]", seconds,
                      _count(s["requests"]), _count(s["api_tokens"]))
    return table


def _short_time(iso: str | None) -> str:
    return "—" if not iso else iso.replace("T", " ")[:19]


def _count(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


__all__ = ["status_command"]
