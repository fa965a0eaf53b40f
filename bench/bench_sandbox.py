"""Benchmark: how fast the sandbox serves GET /api/v2/deals?limit=500 pages to one httpx client."""

from __future__ import annotations

import argparse
import os
import sys
import time

import httpx
import orjson

TARGET_PAGES_PER_S = 150  # the sandbox must not be the bottleneck of a connector benchmark
CURSOR_KEY = b'"next_cursor":'


def walk(client: httpx.Client, parse: bool) -> tuple[int, int]:
    """Follow next_cursor over every deal; return (pages, records).

    parse=True decodes every page with orjson, as a connector does. parse=False only reads the bytes and
    finds next_cursor near the end of the body, so the figure is the sandbox's serving rate, not the client's
    JSON decoding (orjson.loads of a ~1 MB page costs ~10-20 ms on this machine).
    """
    pages = records = 0
    cursor: str | None = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        r = client.get("/api/v2/deals", params=params)
        r.raise_for_status()
        pages += 1
        if parse:
            body = orjson.loads(r.content)
            records += len(body["data"])
            cursor = body["additional_data"]["next_cursor"]
        else:
            raw = r.content
            tail = raw[raw.rindex(CURSOR_KEY) + len(CURSOR_KEY):].lstrip()
            cursor = None if tail.startswith(b"null") else tail[1:tail.index(b'"', 1)].decode()
        if cursor is None:
            return pages, records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", choices=("small", "medium", "large"), default="large")
    ap.add_argument("--passes", type=int, default=3, help="full walks over all deals per mode (best is reported)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from pipedrive_sandbox import Sandbox

    print(f"command: {sys.executable} bench/bench_sandbox.py --scale {args.scale} --passes {args.passes}")
    # figures from a busy 2-core machine are not comparable; say how busy it was
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} at start")
    t0 = time.perf_counter()
    with Sandbox(scale=args.scale, seed=args.seed, subprocess=True) as sb:
        startup = time.perf_counter() - t0
        total = len(sb.truth()["streams"]["deals"]["live"])
        print(f"sandbox: scale={args.scale} seed={args.seed} subprocess=True, {total} live deals, "
              f"started in {startup:.2f} s")
        best: dict[str, tuple[float, float]] = {}
        with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}, timeout=60) as client:
            for mode, parse in (("raw bytes", False), ("orjson parse", True)):
                for i in range(args.passes):
                    t = time.perf_counter()
                    pages, records = walk(client, parse)
                    dt = time.perf_counter() - t
                    records = records if parse else total
                    assert records == total, (records, total)
                    rate = (pages / dt, records / dt)
                    best[mode] = max(best.get(mode, (0.0, 0.0)), rate)
                    print(f"  {mode:12s} pass {i + 1}: {pages} pages, {records} deals in {dt:.2f} s "
                          f"-> {rate[0]:.1f} pages/s, {rate[1]:,.0f} records/s")
    raw, parsed = best["raw bytes"], best["orjson parse"]
    verdict = "OK" if raw[0] >= TARGET_PAGES_PER_S else "BELOW TARGET"
    print(f"RESULT bench_sandbox ({args.scale}): sandbox serving {raw[0]:.1f} pages/s ({raw[1]:,.0f} records/s) "
          f"[target >= {TARGET_PAGES_PER_S} pages/s of 500 deals: {verdict}]; with client orjson parse "
          f"{parsed[0]:.1f} pages/s ({parsed[1]:,.0f} records/s); load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
