"""`source-pipedrive demo`: sync the bundled sandbox into DuckDB and answer a few sales questions."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import duckdb
from rich.table import Table

from .. import sync
from ..children import sync_default
from ..errors import SourceError
from .display import make_console, summary_table
from .sync_command import watcher

# Each question is one SQL query over the synced tables; deleted and archived deals are kept in
# `deals` with their flags, so the questions filter them out explicitly.
LIVE = "NOT coalesce(d.is_deleted, false) AND NOT coalesce(d.is_archived, false)"
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("Open deal value by stage", f"""
        SELECT p.name AS pipeline, s.name AS stage, count(*) AS deals,
               string_agg(DISTINCT d.currency, ', ') AS currencies, round(sum(d.value), 0) AS value
        FROM deals d JOIN stages s ON s.id = d.stage_id JOIN pipelines p ON p.id = d.pipeline_id
        WHERE d.status = 'open' AND {LIVE}
        GROUP BY ALL ORDER BY pipeline, min(s.order_nr)"""),
    ("Won deals per month, last 12 months", f"""
        SELECT strftime(date_trunc('month', d.won_time), '%Y-%m') AS month, count(*) AS won,
               round(sum(d.value), 0) AS value
        FROM deals d
        WHERE d.status = 'won' AND {LIVE}
          AND d.won_time >= date_trunc('month', (SELECT max(won_time) FROM deals)) - INTERVAL 11 MONTH
        GROUP BY ALL ORDER BY month"""),
    ("Top owners by won value", f"""
        SELECT u.name AS owner, count(*) AS won, round(sum(d.value), 0) AS value,
               round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS share_pct
        FROM deals d JOIN users u ON u.id = d.owner_id
        WHERE d.status = 'won' AND {LIVE}
        GROUP BY ALL ORDER BY value DESC LIMIT 5"""),
    ("Deals by the custom field 'Customer type'", f"""
        SELECT coalesce(custom_label('deals', 'customer_type', d.customer_type), '(not set)') AS customer_type,
               count(*) AS deals, count(*) FILTER (WHERE d.status = 'won') AS won
        FROM deals d WHERE {LIVE}
        GROUP BY ALL ORDER BY deals DESC"""),
    ("Activities by type: done and not done", """
        SELECT type, count(*) FILTER (WHERE done) AS done, count(*) FILTER (WHERE NOT done) AS not_done
        FROM activities WHERE NOT coalesce(is_deleted, false)
        GROUP BY ALL ORDER BY count(*) DESC"""),
)


def demo_command(args: argparse.Namespace) -> int:
    from pipedrive_sandbox import Sandbox

    out, err = make_console(stderr=False), make_console(stderr=True)
    db = Path(args.db)
    for stale in (db, Path(f"{db}.wal")):  # the demo starts from an empty database every time
        if stale.exists():
            stale.unlink()
    out.rule("source-pipedrive demo")
    out.print(f"Starting the bundled Pipedrive sandbox (scale={args.scale}, seed={args.seed}) ...")
    try:
        with Sandbox(scale=args.scale, seed=args.seed, subprocess=args.scale != "small") as sb:
            config = {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}
            out.print(f"Sandbox at {sb.url}; first sync into {db} (every stream `sync` reads by default, "
                      "from scratch):")
            streams = sync_default()  # as `source-pipedrive sync` without --streams
            first = sync.run(config, db, streams=streams, watch=watcher(err, quiet=False))
            out.print(summary_table(first.streams, title="first sync"))
            if first.error:
                out.print(f"[red]error:[/] {first.error}")
                return 1
            changes = _change_some_data(sb)
            out.print(f"\nMeanwhile in Pipedrive: {changes}. Second sync (incremental, state from the database):")
            second = sync.run(config, db, streams=streams, watch=watcher(err, quiet=False))
            out.print(summary_table(second.streams, title="second sync"))
            if second.error:
                out.print(f"[red]error:[/] {second.error}")
                return 1
    except SourceError as error:
        err.print(f"error: {error.message}", markup=False)
        return 1
    with duckdb.connect(str(db), read_only=True) as con:
        for title, sql in QUESTIONS:
            out.print(_answer(con, title, sql))
    out.print(_next_steps(db))
    return 0


def _change_some_data(sb: Any) -> str:
    """A day passes: a deal is won, one is created, one deleted, a lead archived."""
    sb.advance(24 * 3600)
    truth = sb.truth()["streams"]
    deals, leads = sorted(truth["deals"]["live"]), sorted(truth["leads"]["live"], key=str)
    sb.update("deals", deals[0], status="won")
    sb.create("deals", title="Demo deal created after the first sync", value=4200, currency="EUR")
    sb.delete("deals", deals[1])
    if leads:
        sb.archive("leads", leads[0])
    return f"deal {deals[0]} won, one deal created, deal {deals[1]} deleted, one lead archived"


def _answer(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> Table:
    cursor = con.execute(sql)
    table = Table(title=title, title_justify="left", title_style="bold", min_width=len(title) + 1)
    for name, *_ in cursor.description:
        table.add_column(name, justify="left" if name in ("pipeline", "stage", "owner", "month", "type",
                                                          "currencies", "customer_type") else "right")
    for row in cursor.fetchall():
        table.add_row(*(f"{v:,.0f}" if isinstance(v, float) and abs(v) >= 1000 else str(v) for v in row))
    return table


def _next_steps(db: Path) -> str:
    shown = os.path.relpath(db)
    return f"""
[bold]Explore it:[/] .venv/bin/duckdb {shown}   (or duckdb {shown} with the venv active)
  One table per stream, plus _custom_fields (column -> Pipedrive field),
  _custom_field_options, _state (cursors) and _syncs (one row per run).
  custom_label('deals', 'customer_type', customer_type) resolves option labels.

[bold]Run it against your own Pipedrive account:[/]
  1. Pipedrive > Settings > Personal preferences > API: copy your API token.
  2. Write config.json:
     {{"credentials": {{"auth_type": "api_token", "api_token": "<your token>"}}}}
  3. source-pipedrive sync --config config.json --db pipedrive.duckdb
  Run it again (from cron: add --quiet) and only the changes are fetched.
"""
