"""Build the shared HTTP client from a parsed config: the one place config meets the engine."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

from .config import ApiToken, Config
from .errors import ConfigError
from .http import ApiTokenAuth, Client, OAuth2Auth
from .http.auth import RefreshedTokens
from .http.client import Auth


def open_client(
    cfg: Config,
    *,
    log: Callable[[str, str], None] | None = None,
    on_wait: Callable[[str, float], None] | None = None,
    on_config: Callable[[dict[str, Any]], None] | None = None,
    max_retries: int = 5,
) -> Client:
    """`on_config(new_config)` receives the whole config with refreshed OAuth tokens, for a
    CONTROL message: the platform persists it, so the next sync starts with the new tokens."""
    timeout = request_timeout()
    creds = cfg.credentials
    auth: Auth
    if isinstance(creds, ApiToken):
        auth = ApiTokenAuth(creds.token)
    else:
        def refreshed(tokens: RefreshedTokens) -> None:
            if on_config is not None:
                new_config = copy.deepcopy(dict(cfg.raw))
                new_config.setdefault("credentials", {}).update(tokens)
                on_config(new_config)

        auth = OAuth2Auth(
            creds.client_id,
            creds.client_secret,
            creds.refresh_token,
            access_token=creds.access_token,
            token_expiry=creds.token_expiry,
            token_url=creds.token_url,
            on_refresh=refreshed,
            timeout=timeout,
        )
    # With OAuth, API calls go to the api_domain the token response names ([RD-OAUTH]), unless the
    # config sets base_url explicitly.
    follow = not isinstance(creds, ApiToken) and not cfg.raw.get("base_url")
    return Client(cfg.base_url, auth, log=log, on_wait=on_wait, timeout=timeout, max_retries=max_retries,
                  follow_api_domain=follow, max_token_share=cfg.max_token_share,
                  max_in_flight=cfg.max_in_flight)


def request_timeout() -> float:
    """Seconds one HTTP request may take (SOURCE_PIPEDRIVE_TIMEOUT, default 30): an operator knob,
    not a config field, so the spec stays what Airbyte users know."""
    raw = os.environ.get("SOURCE_PIPEDRIVE_TIMEOUT", "30")
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if not 0 < value <= 600:
        raise ConfigError(f"SOURCE_PIPEDRIVE_TIMEOUT must be a number of seconds from 0 to 600, got {raw[:20]!r}.")
    return value
