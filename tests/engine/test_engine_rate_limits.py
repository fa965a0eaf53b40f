"""Burst window, 429 cooldown and the daily budget, against the sandbox's real limits."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from source_pipedrive.errors import BlockedError, RateLimitExhausted
from source_pipedrive.http import RateLimiter, cursor_pages


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


def test_the_block_page_raises_blocked_error(sb, client_for):
    sb.configure(burst=2)
    # Misbehave on purpose from outside our client: keep sending after the 429.
    with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.token}) as raw:
        statuses = [raw.get("/api/v2/pipelines").status_code for _ in range(8)]
    assert 429 in statuses and 403 in statuses
    client = client_for(sb)
    with pytest.raises(BlockedError, match="HTML"):
        client.get("/api/v2/pipelines")


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
    # No rolling 2-second window ever holds more than the limit less its margin.
    assert max(sum(1 for t in sends if s <= t < s + 2.0) for s in sends) == limiter.allowed == 9
    assert waits and {r for r, _ in waits} == {"burst limit"}


def test_limiter_cooldown_holds_every_caller():
    now = [0.0]
    limiter = RateLimiter(limit=100)
    limiter.cooldown(2.0, now[0])
    waits: list[tuple[str, float]] = []
    limiter.acquire(lambda: now[0], lambda s: now.__setitem__(0, now[0] + s), lambda r, s: waits.append((r, s)))
    assert waits[0][0] == "429 cooldown" and now[0] >= 2.0
