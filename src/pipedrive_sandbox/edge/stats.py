"""What was served: requests, tokens and statuses per "METHOD /path", faults, blocks and ignored parameters."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from .faults import KINDS


def stats_key(method: str, path: str) -> str:
    """The method and the path as requested, without query or trailing slash."""
    return f"{method} {path.rstrip('/') or '/'}"


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0  # API requests being served now (not reset: they are still under way)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total_requests = 0
            self.total_tokens = 0
            self.requests: Counter[str] = Counter()
            self.tokens: Counter[str] = Counter()
            self.status: Counter[str] = Counter()
            self.blocks = 0
            self.faults: Counter[str] = Counter({k: 0 for k in KINDS})
            # operation key -> name -> count: query parameters the operation does not define (ignored)
            self.ignored: dict[str, Counter[str]] = {}
            self.peak_in_flight = 0  # the most API requests being served at once

    def begin(self) -> None:
        """An API request arrived (its answer not sent yet): counts towards peak_in_flight."""
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def ignore(self, op_key: str, names: list[str]) -> None:
        with self._lock:
            self.ignored.setdefault(op_key, Counter()).update(names)

    def record(self, key: str, status: int | None, tokens: int = 0, fault: str | None = None) -> None:
        """One request: its status (None: dropped), the tokens charged, and the fault or "block" it met."""
        with self._lock:
            self.total_requests += 1
            self.requests[key] += 1
            if tokens:
                self.total_tokens += tokens
                self.tokens[key] += tokens
            if status is not None:
                self.status[str(status)] += 1
                if status == 403 and fault == "block":
                    self.blocks += 1
            if fault is not None and fault in KINDS:
                self.faults[fault] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total_requests": self.total_requests, "total_tokens": self.total_tokens,
                    "requests": dict(self.requests), "tokens": dict(self.tokens), "status": dict(self.status),
                    "blocks": self.blocks, "faults": dict(self.faults), "peak_in_flight": self.peak_in_flight,
                    "ignored_params": {k: dict(v) for k, v in self.ignored.items()}}
