"""Pace requests under Pipedrive's per-token burst window, shared by every thread that uses one token.

Pipedrive limits each token to `x-ratelimit-limit` requests in a rolling 2-second window and answers
429 beyond it; a token that keeps sending after a 429 gets an HTML 403 block page [RD-RATE]
(https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting). So we (1) count our own sends in
the window and stay a little under the announced limit, (2) also stop when the server says the window
is full (other processes may share the token), (3) after a 429 let no thread send until the announced
reset, with never more requests in flight than the server last said it would take, (4) once the
daily budget is spent or a block page came, refuse every further request without sending it, and
(5) let a failing sync cancel every wait at once.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime

from source_pipedrive.errors import BlockedError, RateLimitExhausted, TransientError

WINDOW = 2.0  # [RD-RATE]: "burst limit per token in a rolling 2-second window"
# Our send time is taken before the bytes leave; the server stamps arrival a little later. This slack
# keeps a request that we consider outside the window from landing inside the server's.
SLACK = 0.05


# Requests kept in flight for a server that announces no burst limit.
UNKNOWN_LIMIT_IN_FLIGHT = 2

# A wait for room in the server's count is re-checked this often: an answer may announce room sooner.
ROOM_POLL = 0.05

# Waits are slept in slices this long, so cancel() takes effect promptly even mid-cooldown.
SLICE = 0.25


class Cancelled(TransientError):
    """The sync is stopping (RateLimiter.cancel): the request was not sent."""


def header_number(headers: Mapping[str, str], name: str) -> float | None:
    """A numeric header as a float, or None when absent or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _cooldown_seconds(headers: Mapping[str, str]) -> float:
    """How long a 429 tells us to wait: x-ratelimit-reset, else Retry-After, else one window.

    [RD-RATE] documents x-ratelimit-reset; Retry-After only appears in older docs [OLD-RB].
    """
    for name in ("x-ratelimit-reset", "retry-after"):
        value = header_number(headers, name)
        if value is not None and value > 0:
            return value
    return WINDOW


class RateLimiter:
    """Thread-safe gate: `acquire` before each send, `observe` each response's headers.

    `clock` and `sleep` are passed per call by the Client so tests can inject fake ones.
    """

    def __init__(self, *, window: float = WINDOW, headroom: float = 0.025, limit: int | None = None,
                 max_in_flight: int = 16):
        self.window = window
        self.headroom = headroom
        self.limit = limit  # learned from x-ratelimit-limit; None until the first response says
        self.max_in_flight = max_in_flight  # the config's cap on requests awaiting an answer
        self.latency: float | None = None  # moving average of answer times, seconds
        self.jitter = 0.0  # moving average of how far an answer time strays from `latency`, seconds
        self._caution = 0.0  # added to the slack after each 429: arrivals strayed more than we allowed for
        self._exhausted_reason = ""
        self.daily_remaining: int | None = None
        self.daily_limit: int | None = None
        self._cond = threading.Condition()
        self._sent: deque[float] = deque()
        self._full_until = 0.0  # the server said "remaining 0" until then
        self._cooldown_until = 0.0  # after a 429: nobody sends before this [RD-RATE]
        self._probe = False  # one request is finding out the limit; the others wait for its headers
        self._learned = limit is not None
        self._exhausted: tuple[datetime | None, float] | None = None  # (resets_at, until on our clock)
        self._blocked_until = 0.0  # after an HTML 403 block page: refuse, do not send [RD-RATE]
        self._inflight = 0  # sent, answer not seen yet
        self._server_left: int | None = None  # x-ratelimit-remaining of the latest answer
        self._left_at = 0.0  # when that answer came
        self._shared_until = 0.0  # the server counted requests we did not send: cautious until then
        self._cancelled = False

    # -- sending ---------------------------------------------------------------------------------

    def acquire(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        """Block until a request may be sent.

        Raises Cancelled after cancel(), BlockedError while a block page is in force, and
        RateLimitExhausted once the daily budget is gone; none of these sends anything.
        """
        announced: tuple[str, float] | None = None
        while True:
            with self._cond:
                now = clock()
                self._raise_if_stopped(now)
                cautious = self._server_left is not None and (self._server_left <= 0 or now < self._shared_until)
                if (not self._learned and self._probe) or self._inflight >= self.max_in_flight or (
                    cautious and self._inflight >= max(1, self._server_left or 0)
                ):
                    # The first answer tells us the limit. When the server last said its window was full
                    # (a 429, remaining 0), or others spend this token too, never have more requests in
                    # flight than the server said it would take: requests under way when a 429 lands
                    # count as sending through the cooldown, which gets a token blocked [RD-RATE].
                    # Alone on the token, our window count paces the sends, with at most max_in_flight
                    # awaiting an answer (a full window's worth at 300 ms needs about seven), and never
                    # more than the room the server's last count leaves (_wait_needed, _room_wait).
                    self._cond.wait(0.05)
                    continue
                wait, reason = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    self._inflight += 1
                    if not self._learned:
                        self._probe = True
                    return
            # Announce each wait once, not each slice of it.
            target = now + wait
            if on_wait is not None and (announced is None or announced[0] != reason or target > announced[1] + 0.01):
                on_wait(reason, wait)
            announced = (reason, target)
            sleep(min(wait, SLICE))

    def pause(self, seconds: float, sleep: Callable[[float], None]) -> None:
        """Sleep `seconds` (a retry backoff) in slices, stopping early with Cancelled after cancel()."""
        left = seconds
        while left > 0:
            if self._cancelled:
                raise Cancelled("the sync is stopping; the request was not retried")
            step = min(left, SLICE)
            sleep(step)
            left -= step

    def cancel(self) -> None:
        """Stop: every waiting and future acquire() raises Cancelled. For a sync that has failed."""
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def block(self, seconds: float, now: float) -> None:
        """After an HTML 403 block page: refuse every request for `seconds` instead of sending it."""
        with self._cond:
            self._blocked_until = max(self._blocked_until, now + seconds)
            self._cond.notify_all()

    def _wait_needed(self, now: float) -> tuple[float, str]:
        if now < self._cooldown_until:
            return self._cooldown_until - now, "429 cooldown"
        if now < self._full_until:
            return self._full_until - now, "burst limit"
        room = self._room_wait(now)
        if room > 0:
            return min(room, ROOM_POLL), "burst limit"
        self._prune(now)
        if self.limit is not None:
            # Evenly spaced, not in bursts: a burst lands on the server as a crowd, and the spread of its
            # arrivals is what overflows the rolling window (and costs a 429, then a block).
            gap = self._sent[-1] + self.pace - now if self._sent else 0.0
            if gap > 0:
                return gap, "burst limit"
            recent = [t for t in self._sent if t > now - self.window]
            over = len(recent) - self.allowed
            if over >= 0:
                return recent[over] + self.window + self.slack - now, "burst limit"
        return 0.0, ""

    def _room_wait(self, now: float) -> float:
        """How long until the server's own count has room for one more request (0: it has). The room its
        latest answer announced (x-ratelimit-remaining), less what we sent since, plus our sends that have
        left its window since. Arrivals stray (a busy network or server), so our clock and the server's
        may disagree on what the window holds; this keeps it from overflowing when they do. After a window
        the count is stale, and our own window count alone paces the sends."""
        left, at = self._server_left, self._left_at
        if left is None or now - at >= self.window:
            return 0.0
        since = sum(1 for t in self._sent if t > at)
        held = [t for t in self._sent if t > at - self.window]  # in the server's window at its answer
        freed = sum(1 for t in held if t <= now - self.window)
        short = since - (left + freed)
        if short < 0:
            return 0.0
        waiting = held[freed:]  # oldest first: the next to leave the window
        opens = waiting[short] + self.window if short < len(waiting) else at + self.window
        return max(0.0, min(opens, at + self.window) - now)

    def _prune(self, now: float) -> None:
        """Forget sends older than two windows: one window paces us, the one before it is how far back
        an answer's count may reach (see _learn_burst)."""
        while self._sent and self._sent[0] <= now - 2 * self.window:
            self._sent.popleft()

    def note_latency(self, seconds: float) -> None:
        """An answer took `seconds`: the moving average steers how many requests are worth having in flight."""
        with self._cond:
            if self.latency is not None:
                self.jitter = 0.8 * self.jitter + 0.2 * abs(seconds - self.latency)
            self.latency = seconds if self.latency is None else 0.8 * self.latency + 0.2 * seconds

    @property
    def pace(self) -> float:
        """Seconds between two sends: the window shared by the sends it allows, stretched by the caution
        each 429 adds. Evenly spaced sends never fill our window, so the slot reuse slack alone would not
        slow them: a server that stamped a few arrivals close together (a stall on its side, a busy
        network; measured on the sandbox: one arrival in ~400 held back 70 to 95 ms) answered a 429
        again later in the same read, each time with the requests already under way striking the
        cooldown. After one, 5% slower for the rest of the read."""
        return (self.window + self._caution) / self.allowed

    @property
    def slack(self) -> float:
        """How long after a send leaves our window before its slot is reused: SLACK, plus twice the answer
        times' spread. The server counts a request when it arrives, and arrivals stray as answer times do:
        two sends 2 s apart on our clock may land 1.9 s apart on the server's."""
        return SLACK + min(self.window / 4, 2 * self.jitter) + self._caution

    def in_flight_target(self) -> int:
        """How many requests in flight keep the burst window busy (Little's law: rate x latency, plus a
        margin for jitter), within the cap. A server that announces no limit (Pipedrive always does,
        [RD-RATE]) gets a few: more would only hold pages in memory."""
        if self.limit is None:
            return min(self.max_in_flight, UNKNOWN_LIMIT_IN_FLIGHT)
        if self.latency is None:
            return self.max_in_flight
        rate = self.allowed / self.window
        return max(2, min(self.max_in_flight, math.ceil(rate * self.latency * 1.3) + 1))

    @property
    def allowed(self) -> int:
        """Requests we let ourselves send per window: the limit less a margin (at least one)."""
        if self.limit is None:
            return 1 << 30
        margin = max(1, math.ceil(self.limit * self.headroom))
        return max(1, self.limit - margin)

    # -- learning from responses ------------------------------------------------------------------

    def observe(self, headers: Mapping[str, str] | None, now: float, status: int | None = None) -> None:
        """Take x-ratelimit-* and x-daily-ratelimit-token-* from a response (any status), or None.

        A 429 starts the cooldown here, under the same lock, so no other thread slips a request in
        between seeing the response and honouring it.
        """
        with self._cond:
            self._inflight = max(0, self._inflight - 1)
            if status == 429:
                self._start_cooldown(_cooldown_seconds(headers or {}), now)
            if headers is not None:
                self._learn_burst(headers, now, status)
                daily = header_number(headers, "x-daily-ratelimit-token-remaining")
                if daily is not None:
                    self.daily_remaining = int(daily)
                daily_limit = header_number(headers, "x-daily-ratelimit-token-limit")
                if daily_limit is not None:
                    self.daily_limit = int(daily_limit)
            if self._probe or self.limit is not None:
                self._probe = False
                self._learned = True
            self._cond.notify_all()

    def _learn_burst(self, headers: Mapping[str, str], now: float, status: int | None) -> None:
        """The burst window as the server counts it (x-ratelimit-limit, -remaining, -reset); lock held."""
        limit = header_number(headers, "x-ratelimit-limit")
        remaining = header_number(headers, "x-ratelimit-remaining")
        reset = header_number(headers, "x-ratelimit-reset")
        if limit is not None and limit > 0:
            if self.limit is None:
                # Cautious for the first windows: another client on this token shows only in the
                # answers, and the requests under way when it does must not be many.
                self._shared_until = now + 2 * self.window
            self.limit = int(limit)
        if remaining is None:
            return
        self._server_left, self._left_at = int(remaining), now
        if status == 429:
            return  # the cooldown governs; after it, one request probes alone
        if self.limit is not None:
            # The server counts requests we did not send (another process on the same token): let
            # them occupy our window too, as if sent now (the safe side), and be cautious a while.
            # The server counted each request when it arrived, up to one answer time before now: our
            # sends that it may still hold in its window go back a window and that time. Counting only
            # the last window here took our own earlier sends for another client's (and slowed us down).
            self._prune(now)
            reach = now - self.window - min(self.window, self.latency or 0.0)
            ours = sum(1 for t in self._sent if t > reach)
            others = int(self.limit - remaining) - ours
            for _ in range(others):
                self._sent.append(now)
            if others > 0:
                self._shared_until = max(self._shared_until, now + 2 * self.window)
        if remaining <= 0:
            # The window is full on the server's side (maybe because of other clients): wait for its
            # announced reset. A reset of 0 means "under a second".
            hold = reset if reset is not None and reset > 0 else self.window / 2
            self._full_until = max(self._full_until, now + hold + SLACK)

    def cooldown(self, seconds: float, now: float) -> float:
        """Nobody sends until `seconds` from now. Returns the wait still ahead."""
        with self._cond:
            return self._start_cooldown(seconds, now)

    def cooldown_left(self, now: float) -> float:
        with self._cond:
            return max(0.0, self._cooldown_until - now)

    def _start_cooldown(self, seconds: float, now: float) -> float:
        self._caution = min(self.window / 4, self._caution + 0.1)
        self._cooldown_until = max(self._cooldown_until, now + seconds + SLACK)
        self._sent.clear()  # the server's window will be empty once the cooldown ends
        return self._cooldown_until - now

    # -- the daily budget -------------------------------------------------------------------------

    def exhaust(self, resets_at: datetime | None, until: float, reason: str = "") -> None:
        """The daily budget (or this connector's share of it) is spent: refuse every request until
        `until` (our clock)."""
        with self._cond:
            self._exhausted = (resets_at, until)
            self._exhausted_reason = reason
            self._cond.notify_all()

    def _raise_if_stopped(self, now: float) -> None:
        if self._cancelled:
            raise Cancelled("the sync is stopping; the request was not sent")
        if now < self._blocked_until:
            raise BlockedError(
                "Pipedrive's edge is blocking this token (HTML 403 after requests during a 429 cooldown); "
                f"not sending for another {self._blocked_until - now:.0f} s"
            )
        if self._exhausted is None:
            return
        resets_at, until = self._exhausted
        if now >= until:
            self._exhausted = None
            return
        when = resets_at.isoformat() if resets_at else "the next daily reset"
        why = f" ({self._exhausted_reason})" if self._exhausted_reason else ""
        raise RateLimitExhausted(
            f"Pipedrive's daily API token budget is used up{why}; it refills at {when}",
            resets_at=resets_at,
        )
