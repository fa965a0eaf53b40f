"""Leads on a large account against the spec-true sandbox: a full read ends with every lead once, its
lead requests near the page floor; an incremental read after changes sends the changed leads and
not the unchanged archived ones.

    python bench/bench_leads.py [--scale large] [--option NAME=VALUE ...]

Prints requests, tokens and records per read, and the floor: ceil(live/500) + ceil(archived/500).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pipedrive_sandbox import Sandbox


def catalog(mode: str) -> dict:
    stream = {"name": "leads", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
    return {"streams": [{"stream": stream, "sync_mode": mode, "destination_sync_mode": "append_dedup",
                         "cursor_field": ["update_time"], "primary_key": [["id"]]}]}


def read(sb: Sandbox, tmp: Path, mode: str, state: list | None = None) -> tuple[list[dict], float]:
    files = {"config": {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url},
             "catalog": catalog(mode)}
    if state is not None:
        files["state"] = state
    args = []
    for name, content in files.items():
        path = tmp / f"{name}.json"
        path.write_text(json.dumps(content))
        args += [f"--{name}", str(path)]
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "source_pipedrive", "read", *args], capture_output=True, text=True,
                          timeout=1800)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"read failed ({proc.returncode}): {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines()], elapsed


def summary(label: str, sb: Sandbox, messages: list[dict], elapsed: float) -> Counter:
    ids = Counter(m["record"]["data"]["id"] for m in messages if m["type"] == "RECORD")
    stats = sb.stats()
    lead_requests = sum(n for key, n in stats["requests"].items() if "/leads" in key)
    print(f"{label}: {sum(ids.values())} records, {len(ids)} distinct leads, {lead_requests} lead requests, "
          f"{stats['total_tokens']} tokens, {elapsed:.1f} s")
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="large")
    parser.add_argument("--option", action="append", default=[], help="sandbox option NAME=VALUE")
    parser.add_argument("--archived", type=int, default=2500,
                        help="archive live leads until at least this many are archived (default 2500)")
    args = parser.parse_args()
    options = {}
    for item in args.option:
        name, _, value = item.partition("=")
        options[name] = json.loads(value) if value[:1].isdigit() or value in ("true", "false", "null") else value
    with (tempfile.TemporaryDirectory() as tmp,
          Sandbox(scale=args.scale, seed=1, subprocess=True, options=options) as sb):
        truth = sb.truth()["streams"]["leads"]
        for lead in truth["live"][: max(0, args.archived - len(truth["archived"]))]:
            sb.archive("leads", lead)
        sb.advance(3600)
        truth = sb.truth()["streams"]["leads"]
        live, archived = truth["live"], truth["archived"]
        floor = math.ceil(len(live) / 500) + math.ceil(len(archived) / 500)
        print(f"scale={args.scale} options={options}: {len(live)} live + {len(archived)} archived leads; "
              f"page floor {floor}")
        sb.reset_stats()
        messages, elapsed = read(sb, Path(tmp), "incremental")
        ids = summary("full read", sb, messages, elapsed)
        lead_requests = sum(n for key, n in sb.stats()["requests"].items() if "/leads" in key)
        lost = set(live) | set(archived)
        lost -= set(ids)
        print(f"RESULT leads full read: lost {len(lost)}, repeated {sum(ids.values()) - len(ids)}, "
              f"requests {lead_requests} = {lead_requests / floor:.2f}x the floor of {floor}")
        state = [m["state"] for m in messages if m["type"] == "STATE"][-1:]
        sb.advance(600)
        changed = {live[10], live[200], archived[3], archived[50]}
        for lead in changed:
            sb.update("leads", lead, title="changed by bench_leads")
        sb.advance(60)
        sb.reset_stats()
        messages, elapsed = read(sb, Path(tmp), "incremental", state)
        again = summary("incremental after 4 changes", sb, messages, elapsed)
        resent = (set(again) & set(archived)) - changed
        print(f"RESULT leads incremental: changed delivered {len(changed & set(again))}/{len(changed)}, "
              f"unchanged archived re-sent {len(resent)}, tokens {sb.stats()['total_tokens']}")


if __name__ == "__main__":
    main()
