"""Peak memory and throughput of a full `read`, at medium and large scale: memory must stay flat as the account grows.

    python bench/bench_memory.py [--scales medium,large] [--workers 3] [--json]

The sandbox runs in its own process (second core); the read runs as a child of this script, its stdout
counted and discarded here; peak RSS is that child's own (VmHWM, bench.PEAK_RSS_WRAPPER), so neither the
sandbox nor this script is counted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peak_rss import peak_rss_mb, wrapped_command
from pipedrive_sandbox import Sandbox
from source_pipedrive.streams import STREAMS as ALL_STREAMS

# What `sync` reads by default; the per-record children (one request per parent) are measured by
# bench/bench_children.py.
STREAMS = [s for s in ALL_STREAMS if not s.optional]


def full_refresh_catalog() -> dict[str, Any]:
    """Every stream, configured for a full refresh (the read looks only at names and modes)."""
    return {"streams": [
        {"stream": {"name": s.name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite", "primary_key": [[s.primary_key]]}
        for s in STREAMS
    ]}


def measure(scale: str, workers: int, tmp: Path) -> dict:
    with Sandbox(scale=scale, seed=1, subprocess=True) as sb:
        truth = sb.truth()["streams"]
        config = tmp / f"config-{scale}.json"
        config.write_text(json.dumps({"credentials": {"auth_type": "api_token", "api_token": sb.token},
                                      "base_url": sb.url, "num_workers": workers}))
        catalog = tmp / "catalog.json"
        catalog.write_text(json.dumps(full_refresh_catalog()))
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped_command("read", "--config", str(config), "--catalog", str(catalog)),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        records = lines = 0
        out_bytes = 0
        rest = b""
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(1 << 20):
            out_bytes += len(chunk)
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            whole, rest = data[:cut], data[cut:]
            lines += whole.count(b"\n")
            records += whole.count(b'{"type":"RECORD"')
        assert proc.stderr is not None
        peak = peak_rss_mb(proc.stderr.read())
        proc.wait()
        seconds = time.perf_counter() - start
        read_streams = {e["stream"]["name"] for e in json.loads(catalog.read_text())["streams"]}
        expected = sum(t["count"] for name, t in truth.items() if name in read_streams)
    return {
        "scale": scale,
        "exit_code": proc.returncode,
        "records": records,
        "records_in_truth": expected,
        "seconds": round(seconds, 2),
        "records_per_s": round(records / seconds) if seconds else None,
        "peak_rss_mb": peak,
        "stdout_mb": round(out_bytes / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="medium,large")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales.split(","):
            results.append(measure(scale.strip(), args.workers, Path(tmp)))
            if not args.json:
                r = results[-1]
                print(f"{r['scale']:>7}: {r['records']:>8} records ({r['records_in_truth']} in the sandbox) in "
                      f"{r['seconds']:>7.1f} s = {r['records_per_s']:>6} rec/s, peak RSS {r['peak_rss_mb']:>6.1f} MB, "
                      f"exit {r['exit_code']}", flush=True)
    if len(results) >= 2 and not args.json:
        lo, hi = results[0], results[-1]
        growth = hi["records"] / max(1, lo["records"])
        print(f"records x{growth:.1f}, peak RSS x{hi['peak_rss_mb'] / max(0.1, lo['peak_rss_mb']):.2f}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(r["exit_code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
