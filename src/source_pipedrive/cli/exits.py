"""Exit codes and signal handling, shared by every subcommand."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# The one table of exit codes; README "Exit codes" shows the same, and a test keeps them equal.
OK = 0
FAILED = 1  # the work failed: a sync that did not complete, a protocol command that reported an error
USAGE = 2  # a bad call: unknown option, bad config value, unknown stream, a database that cannot be opened
BUDGET_SPENT = 75  # EX_TEMPFAIL: Pipedrive's daily API token budget is used up; run again after the refill
INTERRUPTED = 130  # Ctrl-C or SIGTERM: what was committed stays

# How the source words a spent daily budget (http/client.py `_exhaust`), for a run that ended with it.
BUDGET_MESSAGE = "daily API token budget is used up"


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


def budget_spent(error: BaseException | str | None) -> bool:
    """Did the work stop because the daily API budget is spent (RateLimitExhausted, or its message)?"""
    from ..errors import RateLimitExhausted

    if isinstance(error, RateLimitExhausted):
        return True
    return error is not None and BUDGET_MESSAGE in str(error)


__all__ = ["OK", "FAILED", "USAGE", "BUDGET_SPENT", "INTERRUPTED", "BUDGET_MESSAGE", "budget_spent",
           "sigterm_as_interrupt", "error_line"]
