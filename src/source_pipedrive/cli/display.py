"""What a sync tells people: live per-stream progress on stderr, then a summary table.

The live view puts what is moving on top: a header (streams running, done and waiting, elapsed time,
requests and API tokens spent), a rate-limit wait while one lasts, then the running streams. Finished
and waiting streams follow, one row each while the terminal has room, collapsed to counts when it has
not (28 streams do not fit a 20-row terminal).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..http.usage import UsageReport
from ..warehouse.report import StreamStats, Waits
from .common import DEFAULT_LOG_LEVEL, shown

# Live labels and summary labels of a stream's status. A stream that never started is "not started",
# one that stopped midway "partial": the first needs nothing but a rerun, the second resumes.
LIVE_LABEL = {"running": "running", "complete": "done", "failed": "failed", "incomplete": "partial",
              "waiting": "waiting"}
SUMMARY_LABEL = {"complete": "ok", "failed": "failed", "incomplete": "partial", "waiting": "not started",
                 "running": "partial"}
STYLE = {"running": "cyan", "done": "green", "ok": "green", "failed": "red", "partial": "yellow",
         "waiting": "dim", "not started": "dim"}
NOTICE_STYLE = {"ERROR": "red", "FATAL": "red", "WARN": "yellow", "INFO": "default", "DEBUG": "dim"}
FINISHED = ("complete", "failed", "incomplete")


def make_console(stderr: bool = True) -> Console:
    """A terminal gets its own width; a pipe or a log file gets 120 columns instead of rich's 80,
    so the summary's columns are never cut."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=120)


def never_started(s: StreamStats) -> bool:
    return s.started is None and s.records == 0 and s.pages == 0


def live_label(s: StreamStats) -> str:
    if s.status in ("incomplete", "waiting") and never_started(s):
        return "not started" if s.status == "incomplete" else "waiting"
    return LIVE_LABEL.get(s.status, s.status)


def summary_label(s: StreamStats) -> str:
    if s.status in ("incomplete", "waiting", "running") and never_started(s):
        return "not started"
    return SUMMARY_LABEL.get(s.status, s.status)


def clock_text(seconds: float) -> str:
    """12s, 3m 05s, 1h 02m."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def print_notice(console: Console, level: str, message: str) -> None:
    """A notice from the source (a retry, a warning) as one line above the live view."""
    console.print(Text(f"{level.lower()}: {message}", style=NOTICE_STYLE.get(level.upper(), "yellow")),
                  soft_wrap=True)


class Display:
    """A rich Live view on stderr; does nothing at all when quiet (cron)."""

    def __init__(self, stats: dict[str, StreamStats], waits: Waits, console: Console | None, quiet: bool,
                 usage: Callable[[], UsageReport | None] = lambda: None, *, log_level: str = DEFAULT_LOG_LEVEL,
                 began: float | None = None, clock: Callable[[], float] = time.monotonic):
        """`began`: when the sync started (clock time), for the elapsed time; default: when shown."""
        self.stats, self.waits, self.quiet, self.usage = stats, waits, quiet, usage
        self.console = console or Console(stderr=True)
        self.log_level = log_level
        self._clock = clock
        self._began_given = began is not None
        self.began = clock() if began is None else began
        self._live: Live | None = None
        self._waits_seen, self._wait_seconds_seen = waits.count, waits.seconds
        self._wait_until = 0.0

    def __enter__(self) -> Display:
        if not self._began_given:
            self.began = self._clock()
        if not self.quiet:
            self._live = Live(get_renderable=self.renderable, console=self.console, refresh_per_second=8,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def note(self, level: str, message: str) -> None:
        """Warnings from the source, printed above the live view as they happen."""
        if not self.quiet and shown(level, self.log_level):
            print_notice(self.console, level, message)

    # -- the live view --------------------------------------------------------------------------

    def renderable(self) -> Group:
        """The live view for the console's current size."""
        now = self._clock()
        streams = list(self.stats.values())
        running = [s for s in streams if s.status == "running"]
        finished = [s for s in streams if s.status in FINISHED]
        waiting = [s for s in streams if s not in running and s not in finished]
        top: list[Any] = [self._header(now, running, finished, waiting)]
        wait = self._wait_line(now)
        if wait is not None:
            top.append(wait)
        bottom: list[Any] = []
        height = self.console.size.height
        # header lines + the table's header + one row per stream must leave the cursor a line.
        if len(top) + 1 + len(streams) <= height - 1:
            rows = running + finished + waiting
        else:
            room = max(1, height - 1 - len(top) - 1 - 2)  # two count lines below the table
            rows = running[:room]
            if len(running) > room:
                bottom.append(Text(f"… and {len(running) - room} more running", style="cyan"))
            bottom.extend(self._collapsed(finished, waiting))
        return Group(*top, self._table(rows, now), *bottom)

    def _header(self, now: float, running: list[StreamStats], finished: list[StreamStats],
                waiting: list[StreamStats]) -> Text:
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{clock_text(now - self.began)} ", style="bold")
        head.append(f"{len(running)} running", style="cyan")
        head.append(f" · {len(finished)} done · {len(waiting)} waiting")
        usage = self.usage()
        if usage is not None:
            head.append(f" · {usage.requests:,} requests · {usage.tokens:,} tokens")
        return head

    def _wait_line(self, now: float) -> Text | None:
        """While a rate-limit wait (or a retry's backoff) lasts: its reason and the time left."""
        if self.waits.count != self._waits_seen:
            lasted = max(0.0, self.waits.seconds - self._wait_seconds_seen)
            self._waits_seen, self._wait_seconds_seen = self.waits.count, self.waits.seconds
            self._wait_until = now + lasted
        left = self._wait_until - now
        if left <= 0:
            return None
        reason = self.waits.last.rsplit(", ", 1)[0] if self.waits.last else "rate limit"
        return Text(f"paused: {reason}, {left:.1f} s left ({self.waits.count} pauses so far)", style="yellow",
                    no_wrap=True, overflow="ellipsis")

    def _table(self, rows: list[StreamStats], now: float) -> Table:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", padding=(0, 1))
        table.add_column("stream", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for head in ("records", "pages", "time"):
            table.add_column(head, justify="right", no_wrap=True)
        for s in rows:
            label = live_label(s)
            seconds = f"{s.seconds:.1f}s" if s.started is not None else ""
            table.add_row(s.name, Text(label, style=STYLE.get(label, "")), f"{s.records:,}", f"{s.pages:,}",
                          seconds)
        return table

    @staticmethod
    def _collapsed(finished: list[StreamStats], waiting: list[StreamStats]) -> list[Text]:
        lines = []
        if finished:
            labels = [live_label(s) for s in finished]
            counts = ", ".join(f"{labels.count(k)} {k}" for k in ("done", "partial", "not started", "failed")
                               if labels.count(k))
            line = Text(f"finished: {len(finished)} streams ({counts})", style="green")
            failed = [s.name for s in finished if s.status == "failed"]
            if failed:
                line.append(f"; failed: {', '.join(failed)}", style="red")
            lines.append(line)
        if waiting:
            lines.append(Text(f"queued: {len(waiting)} streams, not started yet", style="dim"))
        return lines


# incr: only changes since the saved cursor; full: everything (rows not seen are removed at the end).
SHORT_MODE = {"incremental": "incr", "full read": "full", "full read (resumed)": "resume", "full refresh": "full"}


def summary_table(stats: Iterable[StreamStats], title: str = "sync summary") -> Table:
    """Stream, mode, rows inserted / updated / removed, rows in the table, time, status (fits 80 columns)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("stream", no_wrap=True)
    table.add_column("mode", no_wrap=True)
    for head in ("inserted", "updated", "removed", "rows", "time"):
        table.add_column(head, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for s in stats:
        label = summary_label(s)
        seconds = "-" if label == "not started" else f"{s.seconds:.1f}s"
        table.add_row(s.name, SHORT_MODE.get(s.mode, s.mode), f"{s.inserted:,}", f"{s.updated:,}", f"{s.removed:,}",
                      f"{s.rows:,}", seconds, Text(label, style=STYLE.get(label, "yellow")))
    return table


__all__ = ["Display", "make_console", "print_notice", "summary_table", "summary_label", "live_label", "clock_text"]
