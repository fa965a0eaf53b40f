"""Rate limits: rolling 2 s burst per token, Cloudflare-like block, daily token budget by x-token-cost [RD-RATE]."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from pipedrive_sandbox.spec import facts
from tests.kit.sandbox import ALL_LISTS, HTTP, Endpoint, client, op_key, served_lists

OVER_LIMIT = {"success": False, "error": "Request over limit", "errorCode": 429}  # [RD-OAUTH-CODES]


def _is_over_limit(r: httpx.Response) -> bool:
    if r.status_code != 429:
        return False
    body = r.json()
    return {k: body.get(k) for k in OVER_LIMIT} == OVER_LIMIT


def test_burst_headers_count_down_then_429(make_sandbox) -> None:
    sb = make_sandbox(burst=5)
    with client(sb) as c:
        rs = [c.get("/api/v2/pipelines") for _ in range(6)]
    assert [r.status_code for r in rs[:5]] == [200] * 5
    assert [int(r.headers["x-ratelimit-limit"]) for r in rs[:5]] == [5] * 5
    assert [int(r.headers["x-ratelimit-remaining"]) for r in rs[:5]] == [4, 3, 2, 1, 0]
    assert _is_over_limit(rs[5])
    assert int(rs[5].headers["x-ratelimit-remaining"]) == 0
    assert 0 <= int(rs[5].headers["x-ratelimit-reset"]) <= 2  # seconds, integer
    assert sb.stats()["status"].get("429", 0) >= 1


def test_burst_window_is_per_token(make_sandbox) -> None:
    sb = make_sandbox(burst=3)
    with client(sb) as c:
        for _ in range(3):
            c.get("/api/v2/pipelines")
        assert c.get("/api/v2/pipelines").status_code == 429
    o = sb.oauth
    tok = HTTP.post(sb.url + "/oauth/token", auth=(o["client_id"], o["client_secret"]),
                     data={"grant_type": "refresh_token", "refresh_token": o["refresh_token"]}).json()
    r = HTTP.get(sb.url + "/api/v2/pipelines", headers={"Authorization": f"Bearer {tok['access_token']}"})
    assert r.status_code == 200


def test_burst_window_rolls_after_two_seconds(make_sandbox) -> None:
    sb = make_sandbox(burst=3)
    with client(sb) as c:
        for _ in range(3):
            c.get("/api/v2/pipelines")
        r = c.get("/api/v2/pipelines")
        assert r.status_code == 429
        time.sleep(max(2.1, int(r.headers["x-ratelimit-reset"]) + 0.1))  # wait out the rolling window
        assert c.get("/api/v2/pipelines").status_code == 200


def test_sending_through_the_cooldown_gets_a_403_html_block(make_sandbox) -> None:
    # [RD-RATE] integrations that keep sending after 429s get 403 with a Cloudflare HTML page, not JSON
    sb = make_sandbox(burst=3)
    with client(sb) as c:
        codes = [c.get("/api/v2/pipelines") for _ in range(4)]
        assert codes[-1].status_code == 429
        more = [c.get("/api/v2/pipelines") for _ in range(5)]
    assert more[0].status_code == 429  # one retry too early is not yet abuse
    blocked = [r for r in more if r.status_code == 403]
    assert blocked, [r.status_code for r in more]
    first = more.index(blocked[0])
    assert all(r.status_code == 403 for r in more[first:])  # the block persists
    for r in blocked:
        assert r.headers["content-type"].startswith("text/html")
        assert "<html" in r.text.lower()
    assert sb.stats()["blocks"] >= 1


def test_daily_budget_is_charged_by_token_cost_and_resets_at_midnight(make_sandbox) -> None:
    sb = make_sandbox(daily_tokens=100)
    sb.reset_stats()
    with client(sb) as c:
        r = c.get("/api/v2/deals", params={"limit": 1})  # v2 list: 10 tokens [SPEC-v2]
        assert int(r.headers["x-daily-ratelimit-token-limit"]) == 100
        assert int(r.headers["x-daily-ratelimit-token-remaining"]) == 90
        r = c.get("/v1/notes", params={"limit": 1})  # v1 list: 20 tokens [SPEC-v1]
        assert int(r.headers["x-daily-ratelimit-token-remaining"]) == 70
        r = c.get("/api/v2/pipelines")  # 5 tokens
        assert int(r.headers["x-daily-ratelimit-token-remaining"]) == 65
        st = sb.stats()
        assert st["total_tokens"] == 35
        assert st["tokens"]["GET /api/v2/deals"] == 10 and st["tokens"]["GET /api/v2/pipelines"] == 5
        for _ in range(13):  # 65 tokens left = 13 pipelines calls
            assert c.get("/api/v2/pipelines").status_code == 200
        for path in ("/api/v2/pipelines", "/api/v2/deals", "/v1/users", "/api/v2/deals/1"):
            assert _is_over_limit(c.get(path)), path  # [RD-RATE] "all further API requests ... 429"
        now = sb.now()
        midnight = datetime(now.year, now.month, now.day, tzinfo=timezone.utc) + timedelta(days=1)
        sb.advance((midnight - now).total_seconds() + 1)
        r = c.get("/api/v2/pipelines")
        assert r.status_code == 200
        assert int(r.headers["x-daily-ratelimit-token-remaining"]) == 95


def test_daily_budget_is_shared_by_api_token_and_oauth(make_sandbox) -> None:
    # [RD-RATE] one company budget for all API-token and OAuth traffic
    sb = make_sandbox(daily_tokens=20)
    o = sb.oauth
    tok = HTTP.post(sb.url + "/oauth/token", auth=(o["client_id"], o["client_secret"]),
                     data={"grant_type": "refresh_token", "refresh_token": o["refresh_token"]}).json()
    with client(sb) as c:
        assert c.get("/api/v2/deals", params={"limit": 1}).status_code == 200
        assert c.get("/api/v2/deals", params={"limit": 1}).status_code == 200
    r = HTTP.get(sb.url + "/api/v2/pipelines", headers={"Authorization": f"Bearer {tok['access_token']}"})
    assert _is_over_limit(r)


@pytest.mark.parametrize("ep", ALL_LISTS, ids=str)
def test_each_endpoint_charges_its_spec_token_cost(sandbox, ep: Endpoint) -> None:
    # x-token-cost of the operation in the official files [SPEC-v1], [SPEC-v2], read from the facts
    cost = facts()["operations"][op_key(ep.spec or ep.path)]["cost"]
    sandbox.reset_stats()
    with client(sandbox) as c:
        assert c.get(ep.path, params={**ep.params, "limit": 1} if ep.paged else ep.params).status_code == 200
    assert sandbox.stats()["total_tokens"] == cost


def test_every_served_list_is_in_the_table_above() -> None:
    """The cost test covers the route table: a served list missing from ALL_LISTS would go unchecked."""
    listed = {op_key(e.spec or e.path) for e in ALL_LISTS}
    assert {key for key, _ in served_lists()} <= listed


def test_a_bad_parameter_still_costs_the_operations_tokens(make_sandbox) -> None:
    sb = make_sandbox(daily_tokens=100)
    with client(sb) as c:
        r = c.get("/api/v2/deals", params={"limit": 501})
    assert r.status_code == 400
    assert int(r.headers["x-daily-ratelimit-token-remaining"]) == 90
