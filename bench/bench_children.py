"""Requests per stream against their floor on a full read, and child-stream requests against the issue's
bound on an incremental read after changes (docs/children.md).

    python bench/bench_children.py [--scale medium] [--only full,incremental] [--seed 1]

full: one full-refresh read of every list stream and one of every child stream (so the parent listings
the children make do not count for the lists), against the sandbox: requests per stream vs its floor,
ceil(records / page size) per endpoint for a list, ceil(parents / 100) for a batched child, parents for a
per-record one. incremental: an incremental read of every child stream, then changes to about 1% of the
deals (their products, followers, installments, discounts, participants), some persons, organizations,
notes and products, then a second incremental read: requests per child endpoint vs ceil(changed/100) + 1
(batched) or changed + 1 (per record).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pipedrive_sandbox import Sandbox
from source_pipedrive.children import cost_class
from source_pipedrive.streams import STREAMS, Stream

WARM = "deals,persons,organizations,activities,products"
CHILDREN = [s for s in STREAMS if s.parent is not None]
LISTS = [s for s in STREAMS if s.parent is None]


def catalog(streams: list[Stream], mode: str) -> dict[str, Any]:
    return {"streams": [
        {"stream": {"name": s.name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": mode if s.incremental else "full_refresh",
         "destination_sync_mode": "overwrite", "primary_key": [[s.primary_key]]}
        for s in streams
    ]}


def read(sb: Sandbox, tmp: Path, cat: dict[str, Any], state: list | None = None) -> tuple[float, list]:
    """`source-pipedrive read` in a child process; (seconds, the last STATE per stream)."""
    config = tmp / "config.json"
    config.write_text(json.dumps({"credentials": {"auth_type": "api_token", "api_token": sb.token},
                                  "base_url": sb.url}))
    (tmp / "catalog.json").write_text(json.dumps(cat))
    args = [sys.executable, "-m", "source_pipedrive", "read", "--config", str(config),
            "--catalog", str(tmp / "catalog.json")]
    if state:
        (tmp / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp / "state.json")]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"read failed ({proc.returncode}): {proc.stderr[-2000:]}")
    last: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        if line.startswith('{"type":"STATE"'):
            message = json.loads(line)
            last[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
    return elapsed, list(last.values())


def endpoint(stream: Stream) -> re.Pattern[str]:
    return re.compile("^GET " + re.escape(stream.path).replace(re.escape("{id}"), "[^/]+") + "$")


def requests_to(stats: dict[str, Any], pattern: re.Pattern[str]) -> int:
    return sum(n for key, n in stats["requests"].items() if pattern.match(key))


def parents_of(stream: Stream, truth: dict[str, Any]) -> int:
    """How many parents a full read asks about: the parent stream's live and archived records."""
    assert stream.parent is not None
    t = truth[stream.parent.stream]
    return len(t.get("live", [])) + len(t.get("archived", []))


def list_floor(stream: Stream, truth: dict[str, Any]) -> int:
    t = truth.get(stream.name, {})
    floor = 0
    for part in stream.parts(incremental=False):
        listed = {"main": "live", "archived": "archived"}.get(part.name)
        floor += max(1, math.ceil(len(t.get(listed, [])) / stream.page_size) if listed else 1)
    return floor


def child_floor(stream: Stream, truth: dict[str, Any]) -> int:
    assert stream.parent is not None
    return math.ceil(parents_of(stream, truth) / stream.parent.batch)


def row(name: str, kind: str, used: int, floor: int) -> str:
    ratio = f"{used / floor:.2f}" if floor else "-"
    return f"  {name:28} {kind:32} {used:>8,} {floor:>8,} {ratio:>6}"


def bench_full(args: argparse.Namespace, tmp: Path) -> None:
    with Sandbox(scale=args.scale, seed=args.seed, subprocess=True, prewarm=WARM) as sb:
        truth = sb.truth()["streams"]
        print(f"full read, scale={args.scale}: requests per stream vs floor")
        print(f"  {'stream':28} {'cost class':32} {'requests':>8} {'floor':>8} {'ratio':>6}")
        sb.reset_stats()
        seconds, _ = read(sb, tmp, catalog(LISTS, "full_refresh"))
        stats = sb.stats()
        total_used = total_floor = 0
        for s in LISTS:
            paths = {p.path for p in s.parts(incremental=False)}
            used = sum(stats["requests"].get(f"GET {p}", 0) for p in paths)
            total_used, total_floor = total_used + used, total_floor + list_floor(s, truth)
            print(row(s.name, "list", used, list_floor(s, truth)))
        print(f"  lists: {total_used:,} requests, floor {total_floor:,}, {seconds:.1f} s")
        sb.reset_stats()
        seconds, _ = read(sb, tmp, catalog(CHILDREN, "full_refresh"))
        stats = sb.stats()
        child_total = child_floor_total = 0
        for s in CHILDREN:
            used, floor = requests_to(stats, endpoint(s)), child_floor(s, truth)
            child_total, child_floor_total = child_total + used, child_floor_total + floor
            print(row(s.name, cost_class(s), used, floor))
        listing = stats["total_requests"] - child_total
        print(f"  children: {child_total:,} child requests, floor {child_floor_total:,}; plus {listing:,} requests "
              f"listing their parents (each child lists its own); {stats['total_tokens']:,} tokens, {seconds:.1f} s")
        print(f"RESULT full read ({args.scale}): lists {total_used:,} requests / floor {total_floor:,}; children "
              f"{child_total:,} / floor {child_floor_total:,} (+{listing:,} parent listings)")


def mutate(sb: Sandbox, share: float = 0.01) -> dict[str, set]:
    """Changes to about `share` of the deals' children, and to persons, organizations, notes, products.
    Returns the parents each change touches (child_change_touches_parent is true by default)."""
    sb.advance(600)
    t = sb.truth(streams=["deals", "persons", "organizations", "products", "notes", "deal_products",
                          "deal_followers"])["streams"]
    n = max(5, int(len(t["deals"]["live"]) * share))
    changed = {"deals": _mutate_deals(sb, t, n), "persons": set(), "organizations": set(), "notes": set(),
               "products": set()}
    for person in t["persons"]["live"][:n]:
        sb.update("persons", person, name="Renamed by bench_children")
        changed["persons"].add(person)
    for org in t["organizations"]["live"][: max(5, n // 2)]:
        sb.update("organizations", org, name="Renamed by bench_children")
        changed["organizations"].add(org)
    for note in t["notes"]["live"][: max(5, n // 2)]:
        sb.create("note_comments", parent_id=note, content="from bench_children")
        changed["notes"].add(note)
    for product in t["products"]["live"][:5]:
        sb.create("product_variations", product_id=product, name="bench")
        changed["products"].add(product)
    sb.advance(600)
    return changed


def _mutate_deals(sb: Sandbox, t: dict[str, Any], n: int) -> set:
    """Products added, changed, removed; followers removed; installments and discounts added; deals
    renamed and deleted: `n` deals each. Returns the deals touched."""
    changed: set = set()
    with_products = [int(p) for p in sorted(t["deal_products"]["by_parent"], key=int)][: 3 * n]
    for i, deal in enumerate(with_products):
        first = t["deal_products"]["by_parent"][str(deal)][0]
        if i % 3 == 0:
            sb.create("deal_products", deal_id=deal, product_id=1 + i % 40)
        elif i % 3 == 1:
            sb.update("deal_products", first, quantity=7)
        else:
            sb.delete("deal_products", first)
        changed.add(deal)
    followed = [int(p) for p in sorted(t["deal_followers"]["by_parent"], key=int) if int(p) not in changed][:n]
    for deal in followed:
        sb.delete("deal_followers", f"{deal}:{t['deal_followers']['by_parent'][str(deal)][0][1]}")
        changed.add(deal)
    others = [d for d in t["deals"]["live"] if d not in changed]
    for deal in others[:n]:
        sb.create("deal_installments", deal_id=deal, amount=10, billing_date="2026-12-01")
    for deal in others[n:2 * n]:
        sb.create("deal_discounts", deal_id=deal, type="amount", amount=5, description="bench")
    for deal in others[2 * n:3 * n]:
        sb.update("deals", deal, title="renamed by bench_children")
    for deal in others[3 * n:3 * n + 3]:
        sb.delete("deals", deal)  # announced without a request: not counted as a changed parent
    return changed | set(others[:3 * n])


def bench_incremental(args: argparse.Namespace, tmp: Path) -> None:
    with Sandbox(scale=args.scale, seed=args.seed, subprocess=True, prewarm=WARM) as sb:
        incremental = [s for s in CHILDREN if s.incremental]
        seconds, state = read(sb, tmp, catalog(incremental, "incremental"))
        print(f"incremental read, scale={args.scale}: a first read of the {len(incremental)} incremental child "
              f"streams ({seconds:.1f} s), then changes, then again")
        changed = mutate(sb)
        sb.reset_stats()
        seconds, _ = read(sb, tmp, catalog(incremental, "incremental"), state)
        stats = sb.stats()
        print(f"  {'stream':28} {'changed parents':>16} {'requests':>9} {'bound':>6}")
        over = 0
        for s in incremental:
            assert s.parent is not None
            touched = len(changed.get(s.parent.stream, set()))
            used = requests_to(stats, endpoint(s))
            bound = math.ceil(touched / s.parent.batch) + 1 if s.parent.batch > 1 else touched + 1
            over += used > bound
            print(f"  {s.name:28} {touched:>16,} {used:>9,} {bound:>6,}{'  OVER' if used > bound else ''}")
        child = sum(requests_to(stats, endpoint(s)) for s in incremental)
        print(f"  {child:,} child requests, {stats['total_requests'] - child:,} parent listings, "
              f"{stats['total_tokens']:,} tokens, {seconds:.1f} s")
        print(f"RESULT incremental ({args.scale}): {child:,} child requests after changes to "
              f"{sum(map(len, changed.values())):,} parents; {over} stream(s) over the bound")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="full,incremental")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            {"full": bench_full, "incremental": bench_incremental}[name](args, Path(tmp))


if __name__ == "__main__":
    main()
