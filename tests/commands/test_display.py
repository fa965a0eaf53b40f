"""The live progress view and the summary, rendered on a fixed-size console and read back as text."""

from __future__ import annotations

import re
import time

from rich.console import Console

from source_pipedrive.cli.display import Display, clock_text, summary_table
from source_pipedrive.events import RateLimitWait
from source_pipedrive.http.usage import UsageReport
from source_pipedrive.warehouse.report import StreamStats, Waits

NOW = time.monotonic()  # StreamStats times running streams with the real clock


def stream(name: str, status: str = "waiting", records: int = 0, pages: int = 0, started: float | None = None,
           ended: float | None = None) -> StreamStats:
    return StreamStats(name, mode="full read", status=status, records=records, pages=pages, started=started,
                       ended=ended)


def streams(running: int, done: int, waiting: int, failed: int = 0) -> dict[str, StreamStats]:
    out: list[StreamStats] = []
    out += [stream(f"done_{i}", "complete", 100 + i, 1, NOW - 60, NOW - 30) for i in range(done)]
    out += [stream(f"failed_{i}", "failed", 5, 1, NOW - 50, NOW - 40) for i in range(failed)]
    out += [stream(f"running_{i}", "running", 1_000 * (i + 1), 2 + i, NOW - 20) for i in range(running)]
    out += [stream(f"waiting_{i}") for i in range(waiting)]
    return {s.name: s for s in out}


def render(display: Display, width: int = 80, height: int = 20) -> str:
    console = Console(width=width, height=height, record=True, color_system=None, force_terminal=True)
    display.console = console
    console.print(display.renderable())
    return console.export_text()


def make(stats: dict[str, StreamStats], waits: Waits | None = None, usage: UsageReport | None = None,
         clock: list[float] | None = None) -> Display:
    now = clock or [NOW]
    return Display(stats, waits or Waits(), Console(width=80, height=20), quiet=True, usage=lambda: usage,
                   began=NOW - 125, clock=lambda: now[0])


USAGE = UsageReport(requests=1_234, tokens=24_680, rate_limited=2, daily_remaining=None, daily_limit=None)


def test_a_short_terminal_shows_running_streams_and_collapses_the_rest_to_counts():
    text = render(make(streams(running=3, done=12, waiting=13, failed=1), usage=USAGE))
    lines = text.rstrip("\n").splitlines()
    assert len(lines) <= 19, text  # fits 20 rows, a line left for the cursor
    header = lines[0]
    assert "2m 05s" in header and "3 running" in header and "13 done" in header and "13 waiting" in header
    assert "1,234 requests" in header and "24,680 tokens" in header
    assert lines[1].split() == ["stream", "status", "records", "pages", "time"]
    assert [line.split()[0] for line in lines[2:5]] == ["running_0", "running_1", "running_2"]
    assert all(line.split()[1] == "running" for line in lines[2:5])
    assert not any(re.match(r"\s*(done|waiting)_\d", line) for line in lines), text
    assert "finished: 13 streams (12 done, 1 failed); failed: failed_0" in text
    assert "queued: 13 streams, not started yet" in text


def test_a_tall_terminal_shows_every_stream_running_first():
    text = render(make(streams(running=2, done=3, waiting=4)), height=40)
    names = [line.split()[0] for line in text.splitlines()[2:] if line.strip()]
    assert names == ["running_0", "running_1", "done_0", "done_1", "done_2",
                     "waiting_0", "waiting_1", "waiting_2", "waiting_3"]
    assert "finished:" not in text and "queued:" not in text


def test_a_rate_limit_wait_shows_on_top_while_it_lasts():
    clock = [NOW]
    waits = Waits()
    display = make(streams(running=2, done=20, waiting=10), waits=waits, clock=clock)
    assert "paused" not in render(display)
    waits.add(RateLimitWait("burst limit: 100 requests in 2 s", 4.0))
    lines = render(display).splitlines()
    assert lines[1].startswith("paused: burst limit: 100 requests in 2 s, 4.0 s left (1 pauses so far)")
    assert lines[2].split()[0] == "stream"
    clock[0] += 1.5
    assert "paused: burst limit: 100 requests in 2 s, 2.5 s left" in render(display)
    clock[0] += 3.0
    assert "paused" not in render(display)


def test_the_live_view_says_not_started_and_partial_apart():
    stats = {s.name: s for s in (stream("never", "incomplete"),
                                 stream("midway", "incomplete", 500, 1, NOW - 10, NOW - 5))}
    text = render(make(stats), height=30)
    assert re.search(r"never\s+not started", text) and re.search(r"midway\s+partial", text)


def test_the_summary_says_not_started_and_partial_apart():
    rows = [stream("deals", "complete", 10, 1, NOW - 5, NOW), stream("leads", "incomplete", 7, 1, NOW - 5, NOW),
            stream("notes", "incomplete"), stream("files", "waiting"), stream("users", "failed", 0, 0, NOW - 1, NOW)]
    console = Console(width=80, height=20, record=True, color_system=None)
    console.print(summary_table(rows))
    text = console.export_text()
    status = {line.split()[0]: re.search(r"(?:\d\.\ds|-)\s+(\S.*?)\s*$", line).group(1) for line in text.splitlines()
              if line.strip() and line.split()[0] in ("deals", "leads", "notes", "files", "users")}
    assert status == {"deals": "ok", "leads": "partial", "notes": "not started", "files": "not started",
                      "users": "failed"}, text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80


def test_elapsed_time_reads_well():
    assert [clock_text(s) for s in (0, 9.6, 65, 3_725)] == ["0s", "9s", "1m 05s", "1h 02m"]


def test_notices_are_filtered_by_log_level():
    console = Console(width=120, record=True, color_system=None)
    display = Display({}, Waits(), console, quiet=False, log_level="warn")
    display.note("INFO", "renewed the OAuth token")
    display.note("WARN", "GET /v1/deals: HTTP 503; retry 1/5 in 0.50 s")
    display.note("ERROR", "something broke")
    assert console.export_text().splitlines() == ["warn: GET /v1/deals: HTTP 503; retry 1/5 in 0.50 s",
                                                  "error: something broke"]
