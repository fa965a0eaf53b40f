"""API token and OAuth: 401 handling, refresh before expiry and after a 401, refused refresh, scopes."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from source_pipedrive.errors import AuthError, ScopeError, ServerError, StreamError
from source_pipedrive.http import ApiTokenAuth, OAuth2Auth


def oauth(sb, **kwargs) -> OAuth2Auth:
    return OAuth2Auth(token_url=sb.url + "/oauth/token", **sb.oauth, **kwargs)


def test_a_wrong_api_token_is_an_auth_error(sb, client_for):
    client = client_for(sb, ApiTokenAuth("not-the-right-token"))
    with pytest.raises(AuthError, match="401"):
        client.get("/api/v2/deals")
    assert sb.stats()["status"]["401"] == 1, "a 401 on an API token is final: no retry"


def test_a_revoked_token_is_an_auth_error(sb, client_for):
    client = client_for(sb)
    assert client.get("/api/v2/pipelines")["success"]
    sb.revoke(sb.token)
    with pytest.raises(AuthError):
        client.get("/api/v2/pipelines")


def test_oauth_fetches_an_access_token_and_reports_it(sb, client_for):
    refreshed: list[dict] = []
    auth = oauth(sb, on_refresh=refreshed.append)
    client = client_for(sb, auth)
    assert client.get("/api/v2/pipelines")["success"]
    assert len(refreshed) == 1
    (update,) = refreshed
    assert update["access_token"] and update["refresh_token"] == sb.oauth["refresh_token"]
    expiry = datetime.fromisoformat(update["token_expiry_date"])
    assert expiry.tzinfo is not None and expiry > datetime.now(timezone.utc) + timedelta(minutes=50)


def test_oauth_refreshes_once_after_a_401(sb, client_for):
    refreshed: list[dict] = []
    auth = oauth(sb, on_refresh=refreshed.append)
    client = client_for(sb, auth)
    client.get("/api/v2/pipelines")
    sb.expire_oauth_tokens()
    # Several workers meet the 401 together; one refresh serves them all.
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(client.get("/api/v2/pipelines"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert len(refreshed) == 2 and refreshed[0]["access_token"] != refreshed[1]["access_token"]
    assert sb.stats()["status"]["401"] >= 1


def test_oauth_refreshes_before_the_token_expires(sb, client_for):
    now = [datetime.now(timezone.utc)]
    refreshed: list[dict] = []
    auth = oauth(sb, on_refresh=refreshed.append, now=lambda: now[0])
    client = client_for(sb, auth)
    client.get("/api/v2/pipelines")
    expiry = datetime.fromisoformat(refreshed[0]["token_expiry_date"])
    now[0] = expiry - timedelta(seconds=30)  # inside the 60-second margin
    client.get("/api/v2/pipelines")
    assert len(refreshed) == 2
    assert sb.stats()["status"].get("401", 0) == 0, "the refresh happened before any request failed"


def test_a_given_access_token_is_used_until_near_its_expiry(sb, client_for):
    first = oauth(sb)
    first.headers()  # obtain a real access token from the sandbox
    access = first.headers()["Authorization"].split()[1]
    refreshed: list[dict] = []
    auth = oauth(
        sb,
        access_token=access,
        token_expiry=datetime.now(timezone.utc) + timedelta(minutes=30),
        on_refresh=refreshed.append,
    )
    client = client_for(sb, auth)
    assert client.get("/api/v2/pipelines")["success"]
    assert refreshed == []


def test_a_refused_refresh_is_an_auth_error(sb, client_for, rec):
    creds = dict(sb.oauth, client_secret="wrong-secret-value")
    auth = OAuth2Auth(token_url=sb.url + "/oauth/token", **creds)
    client = client_for(sb, auth)
    with pytest.raises(AuthError, match="refused") as info:
        client.get("/api/v2/pipelines")
    assert "wrong-secret-value" not in str(info.value)


def test_a_scope_mismatch_is_a_scope_error_with_the_api_message(sb, client_for):
    sb.deny("/api/v2/deals")
    client = client_for(sb)
    with pytest.raises(ScopeError, match="Scope and URL mismatch") as info:
        client.get("/api/v2/deals", {"limit": 5})
    assert isinstance(info.value, StreamError) and info.value.failure_type == "config_error"
    assert client.get("/api/v2/pipelines")["success"], "other paths still work"


def test_an_unreachable_token_endpoint_is_retried_then_a_server_error(sb, client_for, rec):
    creds = dict(sb.oauth)
    auth = OAuth2Auth(token_url="http://127.0.0.1:9/oauth/token", **creds)  # nothing listens on port 9
    client = client_for(sb, auth, max_retries=2)
    with pytest.raises(ServerError, match="OAuth token endpoint unavailable - after 2 retries"):
        client.get("/api/v2/pipelines")
    assert len(rec.waits) == 2
    assert sb.stats()["total_requests"] == 0, "no API request without a token"
