"""Authentication: API token (header and legacy query), OAuth refresh flow, revocation, scopes
[RD-AUTH], [RD-OAUTH], [GH-PHP-14]."""

from __future__ import annotations

import httpx
import pytest

from tests.kit.sandbox import HTTP

UNAUTHORIZED = {"success": False, "error": "unauthorized access", "errorCode": 401}  # [SPEC-v1]
PATHS = ["/api/v2/deals", "/v1/notes", "/api/v1/users"]


def _get(sb, path: str, headers: dict | None = None, params: dict | None = None) -> httpx.Response:
    return HTTP.get(sb.url + path, headers=headers or {}, params=params or {}, timeout=10)


def _refresh(sb, client_id: str | None = None, client_secret: str | None = None,
             refresh_token: str | None = None) -> httpx.Response:
    o = sb.oauth
    return HTTP.post(
        sb.url + "/oauth/token",
        auth=(client_id or o["client_id"], client_secret or o["client_secret"]),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token or o["refresh_token"]},
        timeout=10,
    )


@pytest.mark.parametrize("path", PATHS)
def test_api_token_header_is_accepted(sandbox, path: str) -> None:
    assert _get(sandbox, path, {"x-api-token": sandbox.token}).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_legacy_api_token_query_is_accepted(sandbox, path: str) -> None:
    # [RD-AUTH-OLD] ?api_token= (the old documented way; peers still send it)
    assert _get(sandbox, path, params={"api_token": sandbox.token}).status_code == 200


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("how", ["missing", "wrong-header", "wrong-query", "wrong-bearer"])
def test_bad_or_missing_token_is_401_with_pipedrive_body(sandbox, path: str, how: str) -> None:
    headers, params = {}, {}
    if how == "wrong-header":
        headers = {"x-api-token": "nope"}
    elif how == "wrong-query":
        params = {"api_token": "nope"}
    elif how == "wrong-bearer":
        headers = {"Authorization": "Bearer v1u:nope"}
    r = _get(sandbox, path, headers, params)
    assert r.status_code == 401
    body = r.json()
    assert body["success"] is False and body.get("errorCode", 401) == 401
    if how != "wrong-bearer":
        assert {k: body[k] for k in UNAUTHORIZED} == UNAUTHORIZED


def test_oauth_refresh_returns_a_working_bearer_and_the_same_refresh_token(make_sandbox) -> None:
    # [RD-OAUTH] refresh_token grant with HTTP Basic client creds; the same refresh token comes back
    sb = make_sandbox()
    r = _refresh(sb)
    assert r.status_code == 200, r.text[:200]
    tok = r.json()
    assert tok["token_type"] == "Bearer"
    assert tok["refresh_token"] == sb.oauth["refresh_token"]
    assert tok["expires_in"] == 3599
    assert tok["access_token"] and tok["access_token"] != sb.token
    assert tok["api_domain"] == sb.url and "scope" in tok  # [RD-OAUTH] the company's API domain: the sandbox
    for path in PATHS:
        assert _get(sb, path, {"Authorization": f"Bearer {tok['access_token']}"}).status_code == 200
    second = _refresh(sb).json()
    assert second["refresh_token"] == sb.oauth["refresh_token"]


def test_oauth_ttl_is_reported_in_expires_in(make_sandbox) -> None:
    sb = make_sandbox(oauth_ttl=120)
    assert _refresh(sb).json()["expires_in"] == 120


def test_oauth_client_secret_in_body_is_also_accepted(make_sandbox) -> None:
    # [RD-OAUTH] client id and secret in the body are accepted, though "not recommended"
    sb = make_sandbox()
    o = sb.oauth
    r = HTTP.post(sb.url + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": o["refresh_token"],
        "client_id": o["client_id"], "client_secret": o["client_secret"]}, timeout=10)
    assert r.status_code == 200, r.text[:200]


@pytest.mark.parametrize("bad", ["client_secret", "client_id"])
def test_oauth_bad_client_credentials_are_rejected(make_sandbox, bad: str) -> None:
    # [RD-OAUTH-CODES] "Invalid client: client is invalid" (400); some OAuth servers answer 401
    sb = make_sandbox()
    r = _refresh(sb, **{bad: "wrong"})
    assert r.status_code in (400, 401)
    assert "access_token" not in r.text


def test_oauth_bad_refresh_token_is_400_invalid_grant(make_sandbox) -> None:
    # [RD-OAUTH-CODES] "Invalid grant: refresh_token is invalid" with status 400
    sb = make_sandbox()
    r = _refresh(sb, refresh_token="1:1:wrong")
    assert r.status_code == 400
    assert "access_token" not in r.text


def test_expired_oauth_tokens_are_401_until_refreshed(make_sandbox) -> None:
    sb = make_sandbox()
    old = _refresh(sb).json()["access_token"]
    assert _get(sb, "/api/v2/deals", {"Authorization": f"Bearer {old}"}).status_code == 200
    sb.expire_oauth_tokens()
    r = _get(sb, "/api/v2/deals", {"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and r.json()["success"] is False
    new = _refresh(sb).json()["access_token"]
    assert _get(sb, "/api/v2/deals", {"Authorization": f"Bearer {new}"}).status_code == 200
    assert _get(sb, "/api/v2/deals", {"x-api-token": sb.token}).status_code == 200  # API token unaffected


def test_revoked_api_token_is_401(make_sandbox) -> None:
    sb = make_sandbox()
    assert _get(sb, "/api/v2/deals", {"x-api-token": sb.token}).status_code == 200
    sb.revoke(sb.token)
    r = _get(sb, "/api/v2/deals", {"x-api-token": sb.token})
    assert r.status_code == 401 and r.json()["success"] is False
    assert _get(sb, "/v1/notes", params={"api_token": sb.token}).status_code == 401


def test_revoked_oauth_access_token_is_401(make_sandbox) -> None:
    sb = make_sandbox()
    access = _refresh(sb).json()["access_token"]
    sb.revoke(access)
    assert _get(sb, "/api/v2/deals", {"Authorization": f"Bearer {access}"}).status_code == 401
    assert _get(sb, "/api/v2/deals", {"x-api-token": sb.token}).status_code == 200


def test_denied_scope_is_403_scope_and_url_mismatch(make_sandbox) -> None:
    # [GH-PHP-14] 403 {"success":false,"error":"Scope and URL mismatch","errorCode":403}
    sb = make_sandbox()
    sb.deny("/api/v2/persons")
    r = _get(sb, "/api/v2/persons", {"x-api-token": sb.token})
    assert r.status_code == 403
    body = r.json()
    assert (body["success"], body["error"], body["errorCode"]) == (False, "Scope and URL mismatch", 403)
    assert _get(sb, "/api/v2/deals", {"x-api-token": sb.token}).status_code == 200


def test_secrets_never_echoed_in_error_bodies(sandbox) -> None:
    r = _get(sandbox, "/api/v2/deals", {"x-api-token": "secret-looking-token-123"})
    assert r.status_code == 401 and r.json()["success"] is False  # an error body
    assert "secret-looking-token-123" not in r.text
