"""Authentication: x-api-token header, legacy ?api_token=, OAuth bearer tokens and the /oauth/token endpoint."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Mapping
from email.message import Message
from typing import Any
from urllib.parse import parse_qs


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Auth:
    def __init__(self, token: str, seed: int, oauth_ttl: float = 3599) -> None:
        self.api_tokens = {token}
        self.revoked: set[str] = set()
        h = hashlib.sha1(f"oauth:{seed}".encode()).hexdigest()
        self.client_id = f"sandbox-client-{h[:12]}"
        self.client_secret = h[12:40]
        self.refresh_token = f"1:1:{hashlib.sha1(f'refresh:{seed}'.encode()).hexdigest()}"
        self.auth_code = "sandbox-auth-code"
        self.oauth_ttl = oauth_ttl
        self._access: dict[str, float] = {}        # access token -> monotonic expiry
        self._lock = threading.Lock()

    def oauth(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret, "refresh_token": self.refresh_token}

    def principal(self, headers: Message, query: Mapping[str, str]) -> str:
        """Who is calling (used as the burst-limit key); raises AuthError 401 otherwise.

        x-api-token is the documented header [RD-AUTH]; ?api_token= is the legacy form [RD-AUTH-OLD];
        Bearer access tokens come from /oauth/token [RD-OAUTH-API].
        """
        tok = headers.get("x-api-token")
        if tok is None and "api_token" in query:
            tok = query["api_token"]
        if tok is not None:
            if tok in self.api_tokens and tok not in self.revoked:
                return "api:" + tok
            raise AuthError(401, "unauthorized access")
        authz = headers.get("authorization")
        if authz and authz[:7].lower() == "bearer ":
            access = authz[7:].strip()
            with self._lock:
                exp = self._access.get(access)
            if exp is not None and time.monotonic() < exp and access not in self.revoked:
                return "oauth:" + access[-12:]
        raise AuthError(401, "unauthorized access")

    def token_endpoint(self, headers: Message, body: bytes, api_domain: str) -> tuple[int, dict[str, Any]]:
        """POST /oauth/token: form-encoded, client credentials by HTTP Basic (or in the body) [RD-OAUTH]."""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        cid, secret = form.get("client_id"), form.get("client_secret")
        authz = headers.get("authorization") or ""
        if authz[:6].lower() == "basic ":
            try:
                cid, _, secret = base64.b64decode(authz[6:].strip()).decode().partition(":")
            except Exception:
                return 400, {"success": False, "error": "Invalid request: malformed authorization header"}
        if cid != self.client_id or secret != self.client_secret:
            return 400, {"success": False, "error": "Invalid client: client is invalid"}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("refresh_token") != self.refresh_token or self.refresh_token in self.revoked:
                return 400, {"success": False, "error": "Invalid grant: refresh_token is invalid"}
        elif grant == "authorization_code":
            if form.get("code") != self.auth_code:
                return 400, {"success": False, "error": "Invalid grant: authorization code is invalid"}
        else:
            return 400, {"success": False, "error": "Unsupported grant type"}
        access = "v1u:" + secrets.token_urlsafe(48)
        with self._lock:
            self._access[access] = time.monotonic() + self.oauth_ttl
        # The same refresh token comes back on refresh [RD-OAUTH].
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": int(self.oauth_ttl),
                     "refresh_token": self.refresh_token, "scope": "base,deals:read,contacts:read,activities:read,"
                     "products:read,leads:read,users:read,recents:read,mail:read,goals:read,admin",
                     "api_domain": api_domain}

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def expire_all(self) -> None:
        with self._lock:
            for k in self._access:
                self._access[k] = 0.0
