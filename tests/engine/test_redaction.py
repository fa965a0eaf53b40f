"""No token or secret ever appears in a log line, a wait reason or an exception text."""

from __future__ import annotations

import pytest

from source_pipedrive.errors import ConfigError, SourceError
from source_pipedrive.http import ApiTokenAuth, Client, OAuth2Auth, Redactor, cursor_pages


def test_no_secret_reaches_logs_or_errors(sb, client_for, rec):
    secrets = [sb.token, sb.oauth["client_secret"], sb.oauth["refresh_token"]]
    refreshed: list[dict] = []
    auth = OAuth2Auth(token_url=sb.url + "/oauth/token", on_refresh=refreshed.append, **sb.oauth)
    scenarios = [
        (ApiTokenAuth(sb.token), lambda c: c.get("/api/v2/nothing-here", {"term": sb.token})),
        (ApiTokenAuth(sb.token), lambda c: c.get("/api/v2/deals", {"api_token": sb.token})),
        (ApiTokenAuth(sb.token + "x"), lambda c: c.get("/api/v2/deals")),
        (auth, lambda c: c.get("/api/v2/deals")),
    ]
    sb.configure(fault_rate=0.5, faults=["5xx", "drop", "truncate"])
    for auth_, action in scenarios:
        client = client_for(sb, auth_, max_retries=8)
        try:
            action(client)
        except SourceError as exc:
            rec.caught(exc)
    sb.deny("/api/v2/deals")
    try:
        list(cursor_pages(client_for(sb, auth), "/api/v2/deals", {}))
    except SourceError as exc:
        rec.caught(exc)
    secrets += [r["access_token"] for r in refreshed]
    text = rec.text()
    assert len(rec.errors) >= 12 and rec.logs
    for secret in secrets:
        assert secret not in text
    assert "***" in text  # the token passed as a search term was masked, not dropped silently


@pytest.mark.parametrize(
    "line",
    [
        "GET https://x.pipedrive.com/v1/deals?api_token=abc123def456&start=0",
        "headers: {'x-api-token': 'abc123def456'}",
        "Authorization: Bearer abc123def456",
        '{"access_token": "abc123def456", "refresh_token": "zzz999yyy888"}',
        "grant_type=refresh_token&refresh_token=zzz999yyy888&client_secret=qqq777",
    ],
)
def test_redactor_masks_secret_shapes_it_was_never_told_about(line):
    out = Redactor()(line)
    assert "abc123def456" not in out and "zzz999yyy888" not in out and "qqq777" not in out
    assert "***" in out


def test_redactor_masks_known_values_anywhere():
    redact = Redactor(["s3cr3t-token-value"])
    assert redact("boom: s3cr3t-token-value!") == "boom: ***!"
    assert redact("errorCode: 401") == "errorCode: 401"


def test_plain_http_is_refused_except_on_loopback():
    with pytest.raises(ConfigError, match="https"):
        Client("http://example.pipedrive.com", ApiTokenAuth("t0ken-value"))
    with pytest.raises(ConfigError, match="https"):
        OAuth2Auth("id", "secret-value", "refresh-value", token_url="http://oauth.example.com/oauth/token")
    Client("https://example.pipedrive.com", ApiTokenAuth("t0ken-value")).close()
    Client("http://127.0.0.1:9", ApiTokenAuth("t0ken-value")).close()
    Client("http://localhost:9", ApiTokenAuth("t0ken-value")).close()


def test_api_token_in_query_params_is_refused(sb, client_for):
    client = client_for(sb)
    with pytest.raises(ConfigError, match="api_token") as info:
        client.get("/api/v2/deals", {"api_token": sb.token})
    assert sb.token not in str(info.value)
    assert sb.stats()["total_requests"] == 0
