"""Credentials: the API token header, or an OAuth access token kept fresh with the refresh token."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypedDict

import httpx

from source_pipedrive.errors import AuthError, ServerError
from source_pipedrive.http.redact import Redactor
from source_pipedrive.http.urls import check_url, user_agent
from source_pipedrive.http.wire import object_or_none

TOKEN_URL = "https://oauth.pipedrive.com/oauth/token"  # [RD-OAUTH]
# Refresh this long before the announced expiry so a request never leaves with a dying token.
EXPIRY_MARGIN = timedelta(seconds=60)


class RefreshedTokens(TypedDict):
    """What a refresh hands to `on_refresh`: the config's credential fields, ready to persist."""

    access_token: str
    refresh_token: str
    token_expiry_date: str | None  # RFC 3339, whole seconds


class ApiTokenAuth:
    """The personal API token, sent in the `x-api-token` header and never in a URL [RD-AUTH]."""

    def __init__(self, token: str):
        if not token:
            raise AuthError("an API token is required")
        self._token = token
        self.redactor = Redactor([token])

    api_domain: str | None = None  # only OAuth token responses name one

    def headers(self) -> dict[str, str]:
        return {"x-api-token": self._token}

    def refresh(self, rejected: dict[str, str]) -> bool:
        """An API token cannot be renewed: a 401 is final."""
        return False

    def close(self) -> None:
        pass


class OAuth2Auth:
    """A Bearer access token, refreshed before it expires and once after a 401 [RD-OAUTH].

    Pipedrive's refresh is `POST /oauth/token` with `grant_type=refresh_token`, form-encoded, with the
    client credentials in HTTP Basic auth; it returns the same refresh token with a new access token
    that lives about an hour. One refresh runs at a time; a thread that finds the token already
    renewed by another simply uses the new one.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        access_token: str | None = None,
        token_expiry: datetime | None = None,
        token_url: str = TOKEN_URL,
        on_refresh: Callable[[RefreshedTokens], None] | None = None,
        *,
        timeout: float = 30.0,
        now: Callable[[], datetime] | None = None,
    ):
        if not (client_id and client_secret and refresh_token):
            raise AuthError("OAuth needs client_id, client_secret and refresh_token")
        if token_expiry is not None and token_expiry.tzinfo is None:
            raise ValueError("token_expiry must be timezone-aware")
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._access = access_token
        self._expiry = token_expiry
        self._token_url = check_url(token_url)
        self._on_refresh = on_refresh
        self._timeout = timeout
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        # The company's API URL from the token response ([RD-OAUTH]: `api_domain`, added 2020-06-01
        # [CL-APIDOMAIN]); the client sends API calls there unless the config sets base_url.
        self.api_domain: str | None = None
        self.redactor = Redactor([client_secret, refresh_token, access_token])

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._access is None or (
                self._expiry is not None and self._now() >= self._expiry - EXPIRY_MARGIN
            ):
                self._refresh_locked()
            return {"Authorization": f"Bearer {self._access}"}

    def refresh(self, rejected: dict[str, str]) -> bool:
        """After a 401: renew the token unless another thread already has since `rejected` was sent."""
        with self._lock:
            if rejected.get("Authorization") == f"Bearer {self._access}":
                self._refresh_locked()
            return True

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def _refresh_locked(self) -> None:
        if self._http is None:
            self._http = httpx.Client(
                timeout=self._timeout, headers={"User-Agent": user_agent()}, verify=True
            )
        try:
            resp = self._http.post(
                self._token_url,
                data={"grant_type": "refresh_token", "refresh_token": self._refresh_token},
                auth=(self._client_id, self._client_secret),
            )
        except httpx.TransportError as exc:
            raise ServerError(
                self.redactor(f"OAuth token refresh failed: {type(exc).__name__}")
            ) from None
        body = object_or_none(resp.content)
        if resp.status_code >= 500 or resp.status_code == 429:
            raise ServerError(f"OAuth token refresh failed: HTTP {resp.status_code}")
        if resp.status_code != 200 or body is None or not body.get("access_token"):
            detail = ""
            if body is not None:
                detail = str(body.get("error_description") or body.get("message") or body.get("error") or "")
            raise AuthError(
                self.redactor(
                    f"OAuth token refresh was refused (HTTP {resp.status_code})"
                    + (f": {detail}" if detail else "")
                    + "; re-authorize the Pipedrive app"
                )
            )
        self._access = str(body["access_token"])
        # Pipedrive returns the same refresh token, with its 60-day life extended [RD-OAUTH].
        self._refresh_token = str(body.get("refresh_token") or self._refresh_token)
        domain = body.get("api_domain")
        if isinstance(domain, str) and domain:
            try:
                self.api_domain = check_url(domain.rstrip("/"))
            except Exception:  # an unusable domain: keep the configured base URL
                self.api_domain = None
        expires_in = body.get("expires_in")
        self._expiry = (
            self._now() + timedelta(seconds=float(expires_in)) if expires_in is not None else None
        )
        self.redactor.add(self._access, self._refresh_token)
        if self._on_refresh is not None:
            self._on_refresh(
                {
                    "access_token": self._access,
                    "refresh_token": self._refresh_token,
                    "token_expiry_date": (
                        self._expiry.replace(microsecond=0).isoformat() if self._expiry else None
                    ),
                }
            )
