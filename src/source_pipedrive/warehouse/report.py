"""What one sync did, per stream and in rate-limit waits: counters the loader bumps and the
summary, the `_syncs` table and `--json` read."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..events import RateLimitWait


@dataclass
class StreamStats:
    """Counters of one stream during one sync (mutable: the loader bumps them)."""

    name: str
    mode: str = ""
    status: str = "waiting"  # waiting, running, complete, incomplete, failed
    records: int = 0
    pages: int = 0
    inserted: int = 0
    updated: int = 0
    removed: int = 0
    rows: int = 0
    started: float | None = None
    ended: float | None = None
    error: str | None = None

    def begin(self) -> None:
        if self.started is None:
            self.started = time.monotonic()
            self.status = "running"

    @property
    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.name, "mode": self.mode, "status": self.status, "records": self.records,
            "pages": self.pages, "inserted": self.inserted, "updated": self.updated, "removed": self.removed,
            "rows": self.rows, "seconds": round(self.seconds, 3), "error": self.error,
        }


@dataclass
class Waits:
    """Rate-limit waits the source reported, and the warnings it gave."""

    count: int = 0
    seconds: float = 0.0
    last: str = ""
    notes: list[str] = field(default_factory=list)

    def add(self, wait: RateLimitWait) -> None:
        self.count += 1
        self.seconds += wait.seconds
        self.last = f"{wait.reason}, {wait.seconds:.1f} s"


__all__ = ["StreamStats", "Waits"]
