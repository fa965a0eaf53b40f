"""5xx, dropped connections, truncated bodies and timeouts are retried with backoff, then give up."""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable

import httpx
import pytest

from source_pipedrive.errors import ConfigError, ServerError, StreamError
from source_pipedrive.http import cursor_pages, offset_pages, retry


def count_reaching(read: Callable[[], int], expected: int, timeout: float = 5.0) -> int:
    """`read()` once it reaches `expected`, or at the timeout: the sandbox counts a request only after
    its latency, so attempts the client already gave up on are counted a little later."""
    deadline = time.monotonic() + timeout
    value = read()
    while value < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def test_faults_are_retried_and_every_deal_arrives_once(sb, client_for, rec):
    sb.configure(fault_rate=0.3, faults=["5xx", "drop", "truncate"])
    client = client_for(sb, max_retries=10)
    seen = [r["id"] for p in cursor_pages(client, "/api/v2/deals", {}, limit=5) for r in p.records]
    faults = sb.stats()["faults"]
    assert faults.get("5xx", 0) and faults.get("drop", 0) and faults.get("truncate", 0)
    assert sorted(seen) == sorted(sb.truth()["streams"]["deals"]["live"])
    assert len(seen) == len(set(seen))
    retries = [m for level, m in rec.logs if level == "warning" and "retry" in m]
    assert len(retries) == sum(faults.values())
    for kind in ("HTTP 5", "dropped connection", "truncated"):
        assert any(kind in m for m in retries), kind


def test_offset_pages_survive_faults_too(sb, client_for):
    sb.configure(fault_rate=0.3, faults=["5xx", "drop", "truncate"])
    client = client_for(sb, max_retries=10)
    seen = [r["id"] for p in offset_pages(client, "/v1/notes", {}, limit=7) for r in p.records]
    assert sorted(seen) == sorted(sb.truth()["streams"]["notes"]["live"])


class TopOfRange(random.Random):
    """Draws the top of every range it is asked for and remembers the ranges: the jitter made visible."""

    def __init__(self) -> None:
        super().__init__(0)
        self.ranges: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.ranges.append((a, b))
        return b


def test_backoff_grows_exponentially_with_full_jitter(sb, client_for, rec):
    sb.configure(fault_rate=1.0, faults=["5xx"])
    rng = TopOfRange()
    client = client_for(sb, max_retries=6, backoff_base=1.0, backoff_cap=8.0, rng=rng)
    with pytest.raises(ServerError, match="after 6 retries"):
        client.get("/api/v2/pipelines")
    caps = [min(8.0, 2.0**i) for i in range(6)]
    assert rng.ranges == [(0, cap) for cap in caps], "each delay is drawn from 0 up to a doubling, capped bound"
    assert [s for _, s in rec.waits] == caps, "the drawn delay is the wait: 1, 2, 4, 8, 8, 8 s at the top"
    assert all(r.startswith("retry after HTTP 5") for r, _ in rec.waits)
    assert sum(rec.slept) == pytest.approx(sum(caps)), "every announced wait is slept, no more"


def test_a_server_that_keeps_failing_gives_a_server_error_after_bounded_retries(sb, client_for):
    sb.configure(fault_rate=1.0, faults=["drop"])
    client = client_for(sb, max_retries=3)
    with pytest.raises(ServerError, match="dropped connection"):
        client.get("/api/v2/pipelines")
    assert sb.stats()["faults"]["drop"] == 4


def test_truncated_bodies_are_retried_then_reported(sb, client_for):
    sb.configure(fault_rate=1.0, faults=["truncate"])
    client = client_for(sb, max_retries=2)
    with pytest.raises(ServerError, match="truncated or unparseable JSON"):
        client.get("/api/v2/pipelines")
    assert sb.stats()["faults"]["truncate"] == 3


def test_timeouts_are_retried(sb, client_for, rec):
    sb.configure(latency_ms=400)
    client = client_for(sb, max_retries=2, timeout=0.1)
    with pytest.raises(ServerError, match="timeout - after 2 retries"):
        client.get("/api/v2/pipelines")
    retries = [m for level, m in rec.logs if level == "warning" and ": timeout; retry " in m]
    assert [m.split("; ")[1].split(" in ")[0] for m in retries] == ["retry 1/2", "retry 2/2"]
    assert [reason for reason, _ in rec.waits] == ["retry after timeout"] * 2
    # The server saw the first attempt and both retries.
    assert count_reaching(lambda: sb.stats()["requests"].get("GET /api/v2/pipelines", 0), 3) == 3


def test_not_found_names_the_path_and_is_not_retried(sb, client_for, rec):
    client = client_for(sb)
    with pytest.raises(StreamError, match=r"GET /api/v2/no-such-thing - HTTP 404") as info:
        client.get("/api/v2/no-such-thing")
    assert type(info.value) is StreamError
    assert rec.slept == []


def test_a_certificate_failure_is_final_and_named():
    try:
        try:
            raise ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate")
        except ssl.SSLError as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as exc:
        verdict = retry.for_exception(exc)
    assert verdict.action == retry.FAIL and verdict.error is ConfigError
    assert "certificate" in verdict.reason
    assert retry.for_exception(httpx.ConnectError("connection refused")).action == retry.RETRY
