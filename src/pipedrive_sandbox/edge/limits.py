"""Rate limits: rolling 2 s burst window per token, daily token budget, abuse block [RD-RATE]."""
from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from ..data.clock import DAY

WINDOW = 2.0          # burst window, seconds (rolling) [RD-RATE]
STRIKES = 3           # requests sent during a 429 cooldown before the block page (docs/sandbox.md)
BLOCK_SECONDS = 30.0  # how long the Cloudflare-like 403 lasts (docs/sandbox.md), real time


@dataclass
class _TokenState:
    hits: deque[float] = field(default_factory=deque)
    cooldown_until: float = 0.0
    strikes: int = 0
    blocked_until: float = 0.0


@dataclass(frozen=True)
class Decision:
    status: int                  # 0 = allowed, 429 = over limit, 403 = blocked
    headers: tuple[tuple[str, str], ...]
    reason: str = ""             # "burst", "daily", "block"


class Limits:
    def __init__(self, burst: int | None = None, daily_tokens: int | None = None) -> None:
        self.burst = burst
        self.daily_tokens = daily_tokens
        self._tokens: dict[str, _TokenState] = {}
        self._day = -1
        self.used = 0
        self._lock = threading.Lock()

    def set_burst(self, burst: int | None) -> None:
        """A new burst limit (None: unlimited); every token's window starts empty."""
        with self._lock:
            self.burst = burst
            self._tokens.clear()

    def set_daily_tokens(self, daily_tokens: int | None) -> None:
        """A new daily budget (None: unlimited), starting from zero usage."""
        with self._lock:
            self.daily_tokens = daily_tokens
            self.used = 0

    def check(self, principal: str, cost: int, mono: float, sim_now: int) -> Decision:
        """Admit or refuse one request; on admission the daily budget is charged `cost` tokens."""
        with self._lock:
            st = self._tokens.setdefault(principal, _TokenState())
            if mono < st.blocked_until:
                return Decision(403, (), "block")
            day = sim_now // DAY
            if day != self._day:                  # the daily budget resets at (simulated) UTC midnight
                self._day, self.used = day, 0
            if self.burst is not None:
                refused = self._over_burst(st, mono, self.burst)
                if refused is not None:
                    return refused
            return self._charge(st, cost, mono, sim_now)

    def _over_burst(self, st: _TokenState, mono: float, burst: int) -> Decision | None:
        """The rolling window: a 429 when it is full, and the block page for a token that keeps sending during
        the announced cooldown; None when the request fits."""
        while st.hits and st.hits[0] <= mono - WINDOW:
            st.hits.popleft()
        if mono < st.cooldown_until:
            # still sending during the announced cooldown: strikes lead to the block page
            st.strikes += 1
            if st.strikes >= STRIKES:
                st.blocked_until = mono + BLOCK_SECONDS
                st.strikes = 0
                st.cooldown_until = 0.0
                return Decision(403, (), "block")
            return Decision(429, tuple(self._burst_headers(st, mono)), "burst")
        if len(st.hits) >= burst:
            reset = max(1, math.ceil(st.hits[0] + WINDOW - mono))
            st.cooldown_until = mono + reset
            st.strikes = 0
            return Decision(429, tuple(self._burst_headers(st, mono)), "burst")
        return None

    def _charge(self, st: _TokenState, cost: int, mono: float, sim_now: int) -> Decision:
        """The daily budget: admit and charge `cost` (with the headers of both limits), or the daily 429."""
        headers: list[tuple[str, str]] = []
        daily = self.daily_tokens
        if daily is not None and self.used + cost > daily:
            headers += self._daily_headers(sim_now)
            if self.burst is not None:
                headers += self._burst_headers(st, mono)
            return Decision(429, tuple(headers), "daily")
        if self.burst is not None:
            st.hits.append(mono)
            headers += self._burst_headers(st, mono)
        self.used += cost
        if daily is not None:
            headers += self._daily_headers(sim_now)
        return Decision(0, tuple(headers))

    def _burst_headers(self, st: _TokenState, mono: float) -> list[tuple[str, str]]:
        assert self.burst is not None
        remaining = max(0, self.burst - len(st.hits))
        if st.cooldown_until > mono:
            reset = math.ceil(st.cooldown_until - mono)
        else:
            reset = math.ceil(st.hits[0] + WINDOW - mono) if st.hits else int(WINDOW)
        return [("x-ratelimit-limit", str(self.burst)), ("x-ratelimit-remaining", str(remaining)),
                ("x-ratelimit-reset", str(max(0, reset)))]

    def _daily_headers(self, sim_now: int) -> list[tuple[str, str]]:
        assert self.daily_tokens is not None
        left = max(0, self.daily_tokens - self.used)
        # x-daily-ratelimit-reset is a sandbox addition: seconds until the simulated UTC midnight.
        return [("x-daily-ratelimit-token-limit", str(self.daily_tokens)),
                ("x-daily-ratelimit-token-remaining", str(left)),
                ("x-daily-ratelimit-reset", str(DAY - sim_now % DAY))]
