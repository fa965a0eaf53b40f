"""The daily API budget: what a pass with nothing to do costs, and how many days a tight budget needs.

    python bench/bench_budget.py [--only noop,days] [--option NAME=VALUE ...]

noop: medium sandbox; an incremental read of every stream, then another with nothing changed:
      requests, tokens and records re-sent per stream (targets: <= 50 requests, <= 800 tokens).
days: small sandbox with a daily budget of 120 tokens; daily incremental runs from the last state
      until every stream has completed; records lost against the sandbox's truth (must be 0).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from pipedrive_sandbox import Sandbox
from source_pipedrive.streams import STREAMS as ALL_STREAMS

# What `sync` reads by default; the per-record children (one request per parent) are measured by
# bench/bench_children.py.
STREAMS = [s for s in ALL_STREAMS if not s.optional]


def catalog() -> dict:
    entries = []
    for s in STREAMS:
        entry = {"stream": {"name": s.name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                 "sync_mode": "incremental" if s.incremental else "full_refresh",
                 "destination_sync_mode": "append", "primary_key": [[s.primary_key]]}
        if s.incremental:
            entry["cursor_field"] = [s.cursor]
        entries.append(entry)
    return {"streams": entries}


def read(sb: Sandbox, tmp: Path, state: list | None) -> tuple[int, list[dict]]:
    files = {"config": {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url},
             "catalog": catalog(), "state": state or []}
    args = []
    for name, content in files.items():
        (tmp / f"{name}.json").write_text(json.dumps(content))
        args += [f"--{name}", str(tmp / f"{name}.json")]
    proc = subprocess.run([sys.executable, "-m", "source_pipedrive", "read", *args], capture_output=True, text=True,
                          timeout=1800)
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def last_states(messages: list[dict], previous: list | None = None) -> list:
    out = {s["stream"]["stream_descriptor"]["name"]: s for s in previous or []}
    for m in messages:
        if m["type"] == "STATE":
            out[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
    return list(out.values())


def bench_noop(options: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp, Sandbox(scale="medium", seed=1, subprocess=True, options=options) as sb:
        code, first = read(sb, Path(tmp), None)
        assert code == 0, [m for m in first if m["type"] == "TRACE"][-1:]
        sb.reset_stats()
        code, again = read(sb, Path(tmp), last_states(first))
        assert code == 0
        stats = sb.stats()
        records = Counter(m["record"]["stream"] for m in again if m["type"] == "RECORD")
        print(f"no-op incremental read, medium, options={options}")
        print(f"  {'endpoint':44} {'requests':>8} {'tokens':>7}")
        for key in sorted(stats["requests"]):
            print(f"  {key:44} {stats['requests'][key]:>8} {stats['tokens'].get(key, 0):>7}")
        resent = ", ".join(f"{n} {c}" for n, c in records.most_common())
        print(f"  records re-sent: {sum(records.values())} ({resent})")
        print(f"RESULT noop: {stats['total_requests']} requests, {stats['total_tokens']} tokens "
              f"(targets <= 50, <= 800); {sum(records.values())} records re-sent")


def bench_days(options: dict, budget: int = 120) -> None:
    with tempfile.TemporaryDirectory() as tmp, Sandbox(scale="small", seed=1, daily_tokens=budget,
                                                       options=options) as sb:
        truth_streams = sb.truth()["streams"]
        delivered: dict[str, set] = {}
        completed: set[str] = set()
        state: list | None = None
        keys = {s.name: s.primary_key for s in STREAMS}
        runs = 0
        while runs < 60:
            runs += 1
            _code, messages = read(sb, Path(tmp), state)
            state = last_states(messages, state)
            for m in messages:
                if m["type"] == "RECORD":
                    r = m["record"]
                    delivered.setdefault(r["stream"], set()).add(r["data"].get(keys[r["stream"]]))
                elif m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS":
                    if m["trace"]["stream_status"]["status"] == "COMPLETE":
                        completed.add(m["trace"]["stream_status"]["stream_descriptor"]["name"])
            if len(completed) == len(STREAMS):
                break
            sb.advance(86400)
        lost: dict[str, int] = {}
        for name, t in truth_streams.items():
            if name in keys:
                missing = len((set(t["live"]) | set(t.get("archived", []))) - delivered.get(name, set()))
                if missing:
                    lost[name] = missing
        never = sorted({s.name for s in STREAMS} - completed)
        print(f"RESULT days: budget {budget} tokens/day, small sandbox, options={options}: every stream completed "
              f"after {runs} daily runs; records lost {sum(lost.values())} {lost or ''}; "
              f"never completed: {never or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="noop,days")
    parser.add_argument("--option", action="append", default=[], help="sandbox option NAME=VALUE")
    args = parser.parse_args()
    options = dict(item.split("=", 1) for item in args.option)
    for name in args.only.split(","):
        {"noop": bench_noop, "days": bench_days}[name](options)


if __name__ == "__main__":
    main()
