"""Exit codes and signal handling, shared by every subcommand."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

OK = 0
FAILED = 1  # the work failed: a sync that did not complete, a protocol command that reported an error
USAGE = 2  # a bad call: unknown option, bad config value, unknown stream, a database that cannot be opened
INTERRUPTED = 130  # Ctrl-C or SIGTERM: what was committed stays


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (docker stop, systemd) ends a command like Ctrl-C: the open page is rolled back."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def error_line(message: str, prefix: str = "error: ") -> None:
    """One plain line on stderr, never wrapped, so cron mail and log greps see it whole."""
    sys.stderr.write(prefix + " ".join(str(message).split()) + "\n")
    sys.stderr.flush()


__all__ = ["OK", "FAILED", "USAGE", "INTERRUPTED", "sigterm_as_interrupt", "error_line"]
