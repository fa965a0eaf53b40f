"""What a sync tells people: live per-stream progress on stderr, then a summary table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..http.usage import UsageReport
from ..warehouse.report import StreamStats, Waits

STATUS_STYLE = {"running": "cyan", "complete": "green", "failed": "red", "incomplete": "yellow"}


def make_console(stderr: bool = True) -> Console:
    """A terminal gets its own width; a pipe or a log file gets 120 columns instead of rich's 80,
    so the summary's columns are never cut."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=120)


class Display:
    """A rich Live view on stderr; does nothing at all when quiet (cron)."""

    def __init__(self, stats: dict[str, StreamStats], waits: Waits, console: Console | None, quiet: bool,
                 usage: Callable[[], UsageReport | None] = lambda: None):
        self.stats, self.waits, self.quiet, self.usage = stats, waits, quiet, usage
        self.console = console or Console(stderr=True)
        self._live: Live | None = None

    def __enter__(self) -> Display:
        if not self.quiet:
            self._live = Live(get_renderable=self._render, console=self.console, refresh_per_second=8,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def note(self, level: str, message: str) -> None:
        """Warnings from the source, printed above the live view."""
        if not self.quiet:
            self.console.print(Text(f"{level.lower()}: {message}", style="yellow"))

    def _render(self) -> Group:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        for head in ("stream", "status", "records", "pages", "time"):
            table.add_column(head, justify="left" if head in ("stream", "status") else "right")
        for s in self.stats.values():
            style = STATUS_STYLE.get(s.status, "dim")
            table.add_row(s.name, Text(s.status, style=style), f"{s.records:,}", f"{s.pages:,}", f"{s.seconds:.1f}s")
        parts: list[Any] = [table]
        usage = self.usage()
        if usage is not None:
            parts.append(Text(usage.text(), style="dim"))
        if self.waits.count:
            parts.append(Text(f"rate-limit waits: {self.waits.count} ({self.waits.seconds:.1f} s), "
                              f"last: {self.waits.last}", style="yellow"))
        return Group(*parts)


# incr: only changes since the saved cursor; full: everything (rows not seen are removed at the end).
SHORT_MODE = {"incremental": "incr", "full read": "full", "full read (resumed)": "resume", "full refresh": "full"}
SHORT_STATUS = {"complete": "ok", "incomplete": "partial", "waiting": "not run"}


def summary_table(stats: Iterable[StreamStats], title: str = "sync summary") -> Table:
    """Stream, mode, rows inserted / updated / removed, rows in the table, time, status (fits 80 columns)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("stream", no_wrap=True)
    table.add_column("mode", no_wrap=True)
    for head in ("inserted", "updated", "removed", "rows", "time"):
        table.add_column(head, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for s in stats:
        style = {"complete": "green", "failed": "red"}.get(s.status, "yellow")
        table.add_row(s.name, SHORT_MODE.get(s.mode, s.mode), f"{s.inserted:,}", f"{s.updated:,}", f"{s.removed:,}",
                      f"{s.rows:,}", f"{s.seconds:.1f}s", Text(SHORT_STATUS.get(s.status, s.status), style=style))
    return table
