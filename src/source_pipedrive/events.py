"""What a read reports besides records and states, as data.

In protocol mode (`source-pipedrive read`) each event becomes its Airbyte message (a LOG line, a
CONTROL message); an in-process consumer such as `sync` receives the objects themselves, so nothing
is ever parsed back out of log text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import protocol
from .http.usage import UsageReport


@dataclass(frozen=True)
class RateLimitWait:
    """No request goes out for `seconds`: the burst window is full, or a retry backs off."""

    reason: str
    seconds: float


@dataclass(frozen=True)
class ConfigUpdated:
    """The whole config with refreshed OAuth tokens (or migrated from an older shape), to persist."""

    config: dict[str, Any]


@dataclass(frozen=True)
class Notice:
    """A message for people: a warning about the server's answers, a retry, a mode fallback."""

    level: str  # DEBUG, INFO, WARN, ERROR
    message: str


@dataclass(frozen=True)
class Cost:
    """What the read has cost so far (after each page), or in all (`final`, once at the end)."""

    usage: UsageReport
    final: bool = False


@dataclass(frozen=True)
class ParentsRead:
    """A child stream (deal_products, deal_flow, ...) is about to deliver the current children of these
    parents, whole: a parent listed here with no child record after it has none any more. `link` is the
    child record field holding the parent's id. `sync` replaces those parents' children; in protocol
    mode nothing is sent (a destination sees the children as records, removals are not signalled)."""

    stream: str
    link: str
    parent_ids: tuple[Any, ...]


Event = RateLimitWait | ConfigUpdated | Notice | Cost | ParentsRead
Listener = Callable[[Event], None]


def to_message(event: Event) -> dict[str, Any] | None:
    """The Airbyte message that carries `event` in protocol mode (None: the event stays in-process)."""
    if isinstance(event, Cost):
        return protocol.log("INFO", event.usage.text()) if event.final else None
    if isinstance(event, RateLimitWait):
        return protocol.log("INFO", f"rate-limit wait: {event.reason}, {event.seconds:.1f} s")
    if isinstance(event, ConfigUpdated):
        return protocol.control_config(event.config)
    if isinstance(event, ParentsRead):
        return None
    return protocol.log(event.level, event.message)


__all__ = ["ConfigUpdated", "Cost", "Event", "Listener", "Notice", "ParentsRead", "RateLimitWait", "to_message"]
