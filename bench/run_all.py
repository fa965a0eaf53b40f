"""Run every bench/bench_*.py script in turn and print their figures, then a summary.

Then the runs the speed issue's figures need beyond the scripts' defaults: the large sandbox's requests
and memory, the sync ratio over three rounds, and the peers table at small and medium scale (the peers'
virtualenvs are made from PyPI on first use). `--quick` leaves those out.
A script's lines starting with "RESULT" (else its last line) are repeated in the summary.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# (script, arguments) run after every bench_*.py with its defaults.
EXTRA_RUNS = (
    ("bench_read.py", ("--scale", "large", "--only", "requests,throughput")),
    ("bench_sync.py", ("--sandbox-only", "--repeat", "3")),
    ("peers.py", ("--latency-ms", "100", "--burst", "40")),
    ("peers.py", ("--scale", "medium", "--latency-ms", "100", "--burst", "40")),
)


def main() -> int:
    runs = [(script, ()) for script in sorted(HERE.glob("bench_*.py"))]
    if "--quick" not in sys.argv[1:]:
        runs += [(HERE / name, args) for name, args in EXTRA_RUNS]
    summary: list[str] = []
    failed = 0
    for script, args in runs:
        rel = " ".join([str(script.relative_to(HERE.parent)), *args])
        print(f"\n=== {rel} ===  ({sys.executable} {rel})", flush=True)
        t = time.perf_counter()
        # stream the child's output as it comes; collect RESULT lines for the summary
        proc = subprocess.Popen([sys.executable, str(script), *args], cwd=HERE.parent, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        results: list[str] = []
        last = ""
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith("RESULT"):
                results.append(line.strip())
            if line.strip():
                last = line.strip()
        if not results and last:  # scripts without RESULT lines: their final line is the headline figure
            results.append(last)
        rc = proc.wait()
        failed += rc != 0
        status = "ok" if rc == 0 else f"exit {rc}"
        summary.append(f"{rel} ({status}, {time.perf_counter() - t:.1f} s)")
        summary.extend(f"    {r}" for r in results)
    print("\n=== summary ===")
    print("\n".join(summary) if summary else "no bench/bench_*.py scripts found")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
