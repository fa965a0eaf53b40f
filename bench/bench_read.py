"""Benchmarks of `source-pipedrive read` against the sandbox: request count vs the floor,
records/s and peak memory, and wall time under latency and the Growth-plan burst limit.

    python bench/bench_read.py [--scale medium|large] [--only requests,throughput,latency]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from peak_rss import peak_rss_mb, wrapped_command
from pipedrive_sandbox import Sandbox
from source_pipedrive.streams import STREAMS

# Serialize the big v2 tables before timing, so the sandbox is not what is measured.
WARM = "deals,persons,organizations,activities,products"


# The streams `sync` reads by default: the per-record children (one request per parent) are measured
# by bench/bench_children.py.
READ = [s for s in STREAMS if not s.optional]


def full_refresh_catalog() -> dict[str, Any]:
    """Every stream sync reads by default, configured for a full refresh (the read looks only at names and modes)."""
    return {"streams": [
        {"stream": {"name": s.name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite", "primary_key": [[s.primary_key]]}
        for s in READ
    ]}


def write(tmp: Path, name: str, content) -> str:
    path = tmp / name
    path.write_text(json.dumps(content))
    return str(path)


def run_read(sb, tmp: Path, catalog: dict, *, workers: int | None = None, stdout=subprocess.DEVNULL,
             in_flight: int | None = None) -> tuple[float, int]:
    """Run read in a child process; return (seconds, peak RSS of that child in MB)."""
    settings: dict[str, Any] = {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}
    if workers is not None:  # else the config's default
        settings["num_workers"] = workers
    if in_flight is not None:
        settings["max_in_flight"] = in_flight
    config = write(tmp, "config.json", settings)
    cat = write(tmp, "catalog.json", catalog)
    start = time.perf_counter()
    proc = subprocess.run(wrapped_command("read", "--config", config, "--catalog", cat),
                          stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, peak_rss_mb(proc.stderr)


def request_floor(truth: dict) -> int:
    """sum over streams and their endpoints of ceil(records / page size), at least one call each."""
    floor = 0
    for stream in READ:
        if stream.parent is not None:  # a child: one request per `batch` parents
            parents = truth.get(stream.parent.stream, {})
            floor += math.ceil((len(parents.get("live", [])) + len(parents.get("archived", []))) / stream.parent.batch)
            continue
        t = truth.get(stream.name, {})
        for part in stream.parts(incremental=False):
            listed = {"main": "live", "archived": "archived"}.get(part.name)
            n = len(t.get(listed, [])) if listed else 0
            floor += max(1, math.ceil(n / stream.page_size))
    return floor


def bench_requests(scale: str, tmp: Path) -> None:
    with Sandbox(scale=scale, seed=1, subprocess=True, prewarm=WARM) as sb:
        floor = request_floor(sb.truth()["streams"])
        sb.reset_stats()
        run_read(sb, tmp, full_refresh_catalog())
        stats = sb.stats()
        used = stats["total_requests"]
        print(f"requests: a full refresh of all {len(READ)} streams used {used} requests; the floor "
              f"(sum of ceil(records/page size) per endpoint) is {floor}: {100 * (used / floor - 1):+.1f}% "
              f"(scale={scale})")
        print(f"          per endpoint: {json.dumps(stats['requests'], sort_keys=True)}")


def bench_throughput(scale: str, tmp: Path) -> None:
    with Sandbox(scale=scale, seed=1, subprocess=True, prewarm=WARM) as sb:
        total = sum(t["count"] for n, t in sb.truth()["streams"].items()
                    if n in {s["stream"]["name"] for s in full_refresh_catalog()["streams"]})
        elapsed, rss = run_read(sb, tmp, full_refresh_catalog())
        print(f"throughput: {total} records in {elapsed:.2f} s = {total / elapsed:,.0f} records/s "
              f"to /dev/null; peak RSS of read {rss} MB (scale={scale})")


# (latency ms, burst per 2 s): the case (Growth plan, a realistic page time), a slow network, and
# an Enterprise token on a fast one ([RD-RATE] burst limits by plan).
LATENCY_CASES = ((300, 40), (1000, 40), (100, 120))


def bench_latency(scale: str, tmp: Path, cases: tuple[tuple[int, int], ...] = LATENCY_CASES,
                  in_flight: int | None = None) -> None:
    """Wall time of a full read against what the burst limit allows for the same requests (and for the floor)."""
    for latency_ms, burst in cases:
        with Sandbox(scale=scale, seed=1, subprocess=True, latency_ms=latency_ms, burst=burst, prewarm=WARM) as sb:
            floor = request_floor(sb.truth()["streams"])
            sb.reset_stats()
            elapsed, _ = run_read(sb, tmp, full_refresh_catalog(), in_flight=in_flight)
            stats = sb.stats()
            n = stats["total_requests"]
            allowed = n / (burst / 2.0)
            print(f"latency: {latency_ms} ms, burst {burst}/2 s, {scale}: {n} requests (floor {floor}) in "
                  f"{elapsed:.1f} s; the burst limit allows {allowed:.1f} s for them: ratio {elapsed / allowed:.2f} "
                  f"(vs the floor's {floor / (burst / 2.0):.1f} s: {elapsed / (floor / (burst / 2.0)):.2f}); "
                  f"429s {stats['status'].get('429', 0)}, blocks {stats['blocks']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--only", default="requests,throughput,latency")
    parser.add_argument("--latency", help="one case, MS:BURST (e.g. 300:40); default: 300:40, 1000:40, 100:120")
    parser.add_argument("--in-flight", type=int, help="the config's max_in_flight (1: no time slices)")
    args = parser.parse_args()
    cases = LATENCY_CASES
    if args.latency:
        ms, burst = args.latency.split(":")
        cases = ((int(ms), int(burst)),)
    with tempfile.TemporaryDirectory() as tmp:
        benches = {"requests": bench_requests, "throughput": bench_throughput,
                   "latency": lambda scale, tmp: bench_latency(scale, tmp, cases, args.in_flight)}
        for name in args.only.split(","):
            benches[name](args.scale, Path(tmp))


if __name__ == "__main__":
    main()
