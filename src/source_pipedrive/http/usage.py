"""What a read costs: requests, API tokens, 429s, and what the company has left of its daily budget.

Pipedrive charges each request the `x-token-cost` of its operation ([SPEC-v1], [SPEC-v2]; [RD-RATE]):
v1 lists 20 tokens and single records 2, v2 lists 10 and single records 1, with the exceptions below.
The company's whole daily budget and what is left of it come in the x-daily-ratelimit-token-*
headers, when the server sends them ([RD-RATE]; third-party clients rely on them, Pipedrive's docs
do not promise them).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

# Operations whose cost differs from their API version's list or single cost ([SPEC-v1], [SPEC-v2];
# a test checks every path the connector reads against the official facts).
EXCEPTIONS: dict[str, int] = {
    "/v1/leads/archived": 40,
    "/v1/leadLabels": 10,
    "/v1/leadSources": 2,
    "/v1/users/me": 2,
    "/api/v2/deals/archived": 20,
    "/api/v2/pipelines": 5,
    "/api/v2/stages": 5,
    "/v1/webhooks": 10,
    # One record's sub-resources, by their spec path ({id}: any id in a real request).
    "/v1/deals/{id}/flow": 40,
    "/v1/deals/{id}/participants": 10,
    "/v1/roles/{id}/assignments": 10,
}
_SINGLE = re.compile(r"/\d+$")
_TEMPLATES = [(re.compile("^" + re.escape(t).replace(r"\{id\}", "[^/]+") + "$"), cost)
              for t, cost in EXCEPTIONS.items() if "{id}" in t]


def token_cost(path: str) -> int:
    """The tokens one GET of `path` (a request's path, or a spec path with {id}) costs."""
    path = path[4:] if path.startswith("/api/v1/") else path
    if path in EXCEPTIONS:
        return EXCEPTIONS[path]
    for template, cost in _TEMPLATES:
        if template.match(path):
            return cost
    v2 = path.startswith("/api/v2/")
    if _SINGLE.search(path):
        return 1 if v2 else 2
    return 10 if v2 else 20


@dataclass(frozen=True)
class UsageReport:
    """A snapshot of what a read has cost so far."""

    requests: int
    tokens: int
    rate_limited: int  # 429 answers
    daily_remaining: int | None  # the company's tokens left today, from the last response's headers
    daily_limit: int | None

    def text(self) -> str:
        budget = (f"; the company has {self.daily_remaining:,} of {self.daily_limit:,} daily tokens left"
                  if self.daily_remaining is not None and self.daily_limit else
                  f"; the company has {self.daily_remaining:,} daily tokens left"
                  if self.daily_remaining is not None else "; the daily budget was not announced")
        return (f"cost: {self.requests:,} requests, {self.tokens:,} API tokens, "
                f"{self.rate_limited:,} x 429{budget}")

    def to_json(self) -> dict[str, int | None]:
        return {"requests": self.requests, "tokens": self.tokens, "rate_limited": self.rate_limited,
                "daily_tokens_remaining": self.daily_remaining, "daily_tokens_limit": self.daily_limit}


class Usage:
    """Counters shared by every thread of one client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = self.tokens = self.rate_limited = 0
        self.daily_remaining: int | None = None
        self.daily_limit: int | None = None

    def count(self, path: str, status: int | None, remaining: float | None, limit: float | None) -> None:
        """One answered request: a 429 costs nothing; anything else its operation's cost."""
        with self._lock:
            self.requests += 1
            if status == 429:
                self.rate_limited += 1
            elif status is not None:
                self.tokens += token_cost(path)
            if remaining is not None:
                # Answers of several threads arrive in any order: the lowest figure is the latest.
                left = int(remaining)
                self.daily_remaining = left if self.daily_remaining is None else min(self.daily_remaining, left)
            if limit is not None:
                self.daily_limit = int(limit)

    def report(self) -> UsageReport:
        with self._lock:
            return UsageReport(self.requests, self.tokens, self.rate_limited, self.daily_remaining,
                               self.daily_limit)


__all__ = ["EXCEPTIONS", "Usage", "UsageReport", "token_cost"]
