"""Burst window, 429 cooldown and the daily budget, against the sandbox's real limits."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from source_pipedrive.errors import BlockedError, RateLimitExhausted
from source_pipedrive.http import ApiTokenAuth, Cancelled, Client, RateLimiter, cursor_pages
from tests.kit.engine import scripted_server


def fill_burst_window(sb, n: int) -> None:
    """Spend the token's burst window from outside our client, like another integration would."""
    with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}) as raw:
        for _ in range(n):
            raw.get("/api/v2/pipelines")


def test_workers_sharing_a_client_stay_under_the_burst_limit(sb, client_for, rec):
    sb.configure(burst=5)
    client = client_for(sb, real_sleep=True)
    expected = sorted(sb.truth()["streams"]["deals"]["live"])
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            # About 4 requests per worker: 16 requests at 4 per 2 s keeps the test near 8 s.
            limit = max(1, len(expected) // 3 + 1)
            results[n] = [r["id"] for p in cursor_pages(client, "/api/v2/deals", {}, limit=limit) for r in p.records]
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = sb.stats()
    assert not errors
    assert all(sorted(ids) == expected for ids in results.values()) and len(results) == 4
    assert stats["blocks"] == 0
    assert stats["status"].get("429", 0) <= 1, "pacing from the headers should all but avoid 429s"
    assert any(reason == "burst limit" for reason, _ in rec.waits)
    assert client.limiter.limit == 5


def test_a_429_waits_for_the_reset_and_never_triggers_the_block(sb, client_for, rec):
    sb.configure(burst=5)
    client = client_for(sb, real_sleep=True)
    fill_burst_window(sb, 5)
    sb.reset_stats()
    results: list[dict] = []

    def worker() -> None:
        results.append(client.get("/api/v2/pipelines"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = sb.stats()
    assert len(results) == 4 and all(r["success"] for r in results)
    assert stats["status"].get("429", 0) >= 1, "the window was full: the first request must meet a 429"
    assert stats["blocks"] == 0
    cooldowns = [s for reason, s in rec.waits if reason == "429 cooldown"]
    assert cooldowns and all(0 < s <= 3.5 for s in cooldowns)


def test_another_client_on_the_same_token_does_not_get_us_blocked(sb, client_for):
    # Six workers, and mid-run someone else spends the window: our in-flight requests must not add
    # up to "sending through the cooldown" (the sandbox blocks at three).
    sb.configure(burst=5)
    client = client_for(sb, real_sleep=True)
    client.get("/api/v2/pipelines")  # the limit is known from here on
    done: list[dict] = []
    start = threading.Barrier(7)

    def worker() -> None:
        start.wait()
        for _ in range(2):
            done.append(client.get("/api/v2/stages"))

    def intruder() -> None:
        start.wait()
        with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}) as raw:
            for _ in range(5):
                if raw.get("/api/v2/pipelines").status_code != 200:
                    break

    threads = [threading.Thread(target=worker) for _ in range(6)] + [threading.Thread(target=intruder)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 12
    assert sb.stats()["status"].get("429", 0) >= 1, "the other client and our workers never shared a full window"
    assert sb.stats()["blocks"] == 0


def test_the_block_page_raises_blocked_error(sb, client_for):
    sb.configure(burst=2)
    # Misbehave on purpose from outside our client: keep sending after the 429.
    with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}) as raw:
        statuses = [raw.get("/api/v2/pipelines").status_code for _ in range(8)]
    assert 429 in statuses and 403 in statuses
    client = client_for(sb)
    with pytest.raises(BlockedError, match="HTML"):
        client.get("/api/v2/pipelines")


def test_after_a_block_page_no_thread_sends_until_the_block_is_over(sb, client_for):
    sb.configure(burst=2)
    with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}) as raw:
        for _ in range(8):
            raw.get("/api/v2/pipelines")
    client = client_for(sb)
    with pytest.raises(BlockedError):
        client.get("/api/v2/pipelines")
    sent = sb.stats()["total_requests"]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            client.get("/api/v2/stages")
        except BlockedError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 3 and all("not sending" in str(e) for e in errors)
    assert sb.stats()["total_requests"] == sent, "nobody sent into the block"


def test_cancel_wakes_a_thread_waiting_out_a_cooldown(sb, client_for, rec):
    sb.configure(burst=5)
    client = client_for(sb, real_sleep=True)
    fill_burst_window(sb, 5)
    outcome: list[BaseException | dict] = []
    t = threading.Thread(target=lambda: outcome.append(_catch(client.get, "/api/v2/pipelines")))
    t.start()
    while not any(reason == "429 cooldown" for reason, _ in rec.waits):
        t.join(0.01)
    sent = sb.stats()["total_requests"]
    client.limiter.cancel()
    t.join()
    assert isinstance(outcome[0], Cancelled)
    assert sb.stats()["total_requests"] == sent, "a cancelled wait sends nothing more"
    with pytest.raises(Cancelled):
        client.get("/api/v2/pipelines")


def _catch(fn, *args):
    try:
        return fn(*args)
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        return exc


def test_daily_budget_exhaustion_raises_with_the_reset_time(sb, client_for, rec):
    # A v2 list costs 10 tokens [SPEC-v2]; 35 pays for three pages, the fourth gets a 429.
    sb.configure(daily_tokens=35)
    client = client_for(sb)
    pages = cursor_pages(client, "/api/v2/deals", {}, limit=1)
    with pytest.raises(RateLimitExhausted) as info:
        for _ in pages:
            pass
    server_now = sb.now()
    midnight = (server_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert info.value.resets_at == midnight
    assert "daily" in str(info.value)
    # Without hammering: later requests from any thread fail before anything is sent.
    sent = sb.stats()["total_requests"]
    with pytest.raises(RateLimitExhausted):
        client.get("/api/v2/pipelines")
    assert sb.stats()["total_requests"] == sent
    assert sb.stats()["status"].get("429", 0) == 1


def test_a_budget_spent_to_zero_stops_before_the_429(sb, client_for):
    sb.configure(daily_tokens=30)
    client = client_for(sb)
    with pytest.raises(RateLimitExhausted) as info:
        for _ in cursor_pages(client, "/api/v2/deals", {}, limit=1):
            pass
    assert info.value.resets_at is not None
    stats = sb.stats()
    assert stats["status"].get("429", 0) == 0
    assert stats["total_requests"] == 3


def test_a_429_with_room_in_the_window_is_the_daily_budget_only_if_it_repeats_after_a_cooldown():
    # No daily headers (they are undocumented [RD-RATE]): one 429 with room may be another client's
    # cooldown; the same answer after waiting the full reset means the budget is gone.
    over = (429, {"x-ratelimit-limit": "40", "x-ratelimit-remaining": "12", "x-ratelimit-reset": "1",
                  "Date": "Sun, 01 Nov 2026 12:00:00 GMT"},
            {"success": False, "error": "Request over limit", "errorCode": 429})
    now = [0.0]
    waits: list[tuple[str, float]] = []
    with scripted_server(lambda path, headers: over) as (url, seen):
        client = Client(url, ApiTokenAuth("scripted-token"), clock=lambda: now[0],
                        sleep=lambda s: now.__setitem__(0, now[0] + s), on_wait=lambda r, s: waits.append((r, s)))
        with pytest.raises(RateLimitExhausted) as info:
            client.get("/api/v2/deals")
        client.close()
    assert len(seen) == 2
    assert [r for r, _ in waits] == ["429 cooldown"] and waits[0][1] >= 1.0
    assert info.value.resets_at.isoformat() == "2026-11-02T00:00:00+00:00"


def test_limiter_keeps_each_window_under_the_limit_on_a_fake_clock():
    now = [100.0]
    limiter = RateLimiter()
    limiter.observe({"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9", "x-ratelimit-reset": "2"}, now[0])
    sends: list[float] = []
    waits: list[tuple[str, float]] = []

    def sleep(s: float) -> None:
        now[0] += s

    for _ in range(40):
        limiter.acquire(lambda: now[0], sleep, lambda r, s: waits.append((r, s)))
        sends.append(now[0])
        now[0] += 0.01
        limiter.observe(None, now[0])  # the answer (its headers do not matter here)
    # No rolling 2-second window ever holds more than the limit less its margin.
    assert max(sum(1 for t in sends if s <= t < s + 2.0) for s in sends) == limiter.allowed == 9
    assert waits and {r for r, _ in waits} == {"burst limit"}


def test_limiter_cooldown_holds_every_caller():
    limiter = RateLimiter(limit=100)
    limiter.cooldown(2.0, 0.0)
    for caller in range(3):  # each arrives inside the cooldown, on a clock of its own
        now = [0.5]
        waits: list[tuple[str, float]] = []
        limiter.acquire(lambda now=now: now[0], lambda s, now=now: now.__setitem__(0, now[0] + s),
                        lambda r, s, waits=waits: waits.append((r, s)))
        assert waits and waits[0][0] == "429 cooldown" and now[0] >= 2.0, caller


class FakeClock:
    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def learned(limit: int, clock: FakeClock, remaining: int | None = None) -> RateLimiter:
    limiter = RateLimiter()
    limiter.acquire(clock, clock.sleep)  # the probe that learns the limit
    limiter.observe({"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(remaining or limit - 1)},
                    clock())
    clock.sleep(2 * 2.0 + 0.1)  # past the first windows' caution
    return limiter


def test_sends_are_spaced_evenly_not_in_bursts():
    """A burst lands on the server as a crowd whose arrivals stray: requests go one window/allowed apart."""
    clock = FakeClock()
    limiter = learned(40, clock)
    sends = []
    for _ in range(20):
        limiter.acquire(clock, clock.sleep)
        sends.append(clock())
        limiter.observe(None, clock())
    gaps = [b - a for a, b in zip(sends, sends[1:], strict=False)]
    assert min(gaps) >= 2.0 / limiter.allowed - 1e-9
    assert max(gaps) < 2.0 / limiter.allowed + 0.01  # and no slower


def test_no_more_requests_than_the_room_the_server_last_announced():
    """Our window has room, the server's count (shifted by the answer time, or by strays) has less: the
    server's announced room, plus what has left its window since, is the bound."""
    clock = FakeClock()
    limiter = learned(40, clock)
    limiter.note_latency(0.3)
    sends = []
    for _ in range(38):  # a full window, each answered at once
        limiter.acquire(clock, clock.sleep)
        sends.append(clock())
        limiter.observe(None, clock())
    clock.sleep(0.3)  # the first sends left our window; the server, counting on arrival, still holds them
    limiter.observe({"x-ratelimit-limit": "40", "x-ratelimit-remaining": "2"}, clock())
    answered_at = clock()
    assert limiter._shared_until < answered_at, "taken for another client"
    after = []
    for _ in range(4):
        limiter.acquire(clock, clock.sleep)
        after.append(clock())
        limiter.observe(None, clock())
    # The first two fit the announced room; each further one waits for one of ours to leave the window
    # the server held at its answer (our own window alone would have let five go at once).
    held = [t for t in sends if t > answered_at - 2.0]
    assert after[1] - answered_at < 0.2
    assert after[2] >= held[0] + 2.0 - 1e-9 and after[3] >= held[1] + 2.0 - 1e-9


def test_our_own_earlier_sends_are_not_taken_for_another_client():
    """The server counts a request on arrival, an answer time after we sent it: a window it reports as
    fuller than ours counts sends we made up to a window and an answer time ago, not another client."""
    clock = FakeClock()
    limiter = learned(40, clock)
    limiter.note_latency(0.3)
    for _ in range(10):
        limiter.acquire(clock, clock.sleep)
        limiter.observe(None, clock())
    clock.sleep(1.8)  # the first sends have left our window, not yet the server's
    limiter.observe({"x-ratelimit-limit": "40", "x-ratelimit-remaining": "30"}, clock())
    assert limiter._shared_until < clock(), "cautious as if another client spent the token"


def test_slack_grows_with_straying_answer_times_and_after_a_429():
    clock = FakeClock()
    limiter = learned(40, clock)
    for seconds in (0.3, 0.3, 0.3):
        limiter.note_latency(seconds)
    steady = limiter.slack
    for seconds in (0.3, 0.6, 0.2, 0.5):
        limiter.note_latency(seconds)
    assert limiter.slack > steady
    strayed = limiter.slack
    limiter.observe({"x-ratelimit-limit": "40", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"},
                    clock(), status=429)
    assert limiter.slack > strayed


def test_after_a_429_sends_go_further_apart_for_the_rest_of_the_read():
    """Evenly spaced sends never fill our window, so only a wider spacing keeps a server whose arrivals
    strayed (the reason for the 429) from refusing again."""
    clock = FakeClock()
    limiter = learned(40, clock)

    def gaps(count: int) -> list[float]:
        sends = []
        for _ in range(count):
            limiter.acquire(clock, clock.sleep)
            sends.append(clock())
            limiter.observe(None, clock())
        return [b - a for a, b in zip(sends, sends[1:], strict=False)]

    before = gaps(10)
    limiter.acquire(clock, clock.sleep)
    limiter.observe({"x-ratelimit-limit": "40", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"},
                    clock(), status=429)
    clock.sleep(5.0)  # past the cooldown and the window after it
    after = gaps(10)
    assert max(before) < 2.0 / limiter.allowed + 0.01
    assert min(after) >= (2.0 + 0.1) / limiter.allowed - 1e-9  # 5% further apart
