"""Parse and validate the connector config once; the Airbyte spec lives beside it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .http.auth import TOKEN_URL
from .http.urls import is_loopback
from .streams import STREAMS
from .timeutil import parse_datetime

DEFAULT_BASE_URL = "https://api.pipedrive.com"
OAUTH_TOKEN_URL = TOKEN_URL  # Pipedrive's OAuth token endpoint [RD-OAUTH]
DEFAULT_WORKERS = 8
MAX_WORKERS = 16
# Requests in flight at once, across streams and the time slices of one stream: the limiter keeps fewer
# when the burst limit and the latency need fewer (see http.ratelimit.RateLimiter.in_flight_target).
DEFAULT_IN_FLIGHT = 16
MAX_IN_FLIGHT = 64
LEGACY_FIELD = "Accepted for configs written for Airbyte's Pipedrive connector; migrated to {}."


# Child streams `sync` reads only when named (one request per parent record): Stream.optional.
OPTIONAL_STREAMS: tuple[str, ...] = tuple(s.name for s in STREAMS if s.optional)


def _secret(title: str, order: int) -> dict[str, Any]:
    """A secret string field of the OAuth credentials."""
    return {"title": title, "type": "string", "airbyte_secret": True, "order": order}


SPEC: dict[str, Any] = {
    "documentationUrl": "https://github.com/source-pipedrive/source-pipedrive#readme",
    "protocol_version": "0.5.2",
    "supportsIncremental": True,
    "supported_destination_sync_modes": ["overwrite", "append", "append_dedup"],
    "connectionSpecification": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Pipedrive Spec",
        "type": "object",
        # `credentials` is this connector's shape; Airbyte's connector wrote a top-level `api_token`
        # or an `authorization` object: accepted and migrated (migrate_legacy_config). None is
        # `required` here (the acceptance lint forbids anyOf), so tools that validate a config
        # against this spec (PyAirbyte) accept every shape `check` accepts; `check` then names
        # whatever is missing.
        "required": [],
        "additionalProperties": True,
        "properties": {
            "credentials": {
                "title": "Authentication",
                "description": "An API token (Settings > Personal preferences > API) or an OAuth app's credentials.",
                "type": "object",
                "order": 0,
                "oneOf": [
                    {
                        "title": "API token",
                        "type": "object",
                        "required": ["auth_type", "api_token"],
                        "properties": {
                            "auth_type": {"type": "string", "const": "api_token", "order": 0},
                            "api_token": {
                                "title": "API token",
                                "description": "The Pipedrive API token of a user of the company to sync.",
                                "type": "string",
                                "airbyte_secret": True,
                                "order": 1,
                            },
                        },
                    },
                    {
                        "title": "OAuth2.0",
                        "type": "object",
                        "required": ["auth_type", "client_id", "client_secret", "refresh_token"],
                        "properties": {
                            "auth_type": {"type": "string", "const": "oauth2", "order": 0},
                            "client_id": _secret("Client ID", 1),
                            "client_secret": _secret("Client secret", 2),
                            "refresh_token": _secret("Refresh token", 3),
                            "access_token": _secret("Access token", 4),
                            "token_expiry_date": {
                                "title": "Access token expiry",
                                "description": "When the access token expires (RFC 3339). "
                                "Kept up to date by the connector.",
                                "type": "string",
                                "format": "date-time",
                                "order": 5,
                            },
                        },
                    },
                ],
            },
            "start_date": {
                "title": "Start date",
                "description": "Only records updated at or after this instant (RFC 3339, UTC). "
                "Leave empty for all history.",
                "type": "string",
                "format": "date-time",
                "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$",
                "examples": ["2023-01-01T00:00:00Z"],
                "order": 1,
            },
            "base_url": {
                "title": "API base URL",
                "description": "https://api.pipedrive.com or your company domain, e.g. https://acme.pipedrive.com "
                "(Pipedrive advises the company domain for faster routing). Plain http:// only for loopback hosts.",
                "type": "string",
                "default": DEFAULT_BASE_URL,
                "order": 2,
            },
            "api_token": {
                "title": "API token (Airbyte connector shape)",
                "description": LEGACY_FIELD.format("credentials"),
                "type": "string",
                "airbyte_secret": True,
                "airbyte_hidden": True,
                "order": 10,
            },
            "replication_start_date": {
                "title": "Start date (Airbyte connector shape)",
                "description": LEGACY_FIELD.format("start_date"),
                "type": "string",
                "airbyte_hidden": True,
                "order": 11,
            },
            "authorization": {
                "title": "Authorization (Airbyte connector shape)",
                "description": LEGACY_FIELD.format("credentials"),
                "type": "object",
                "airbyte_hidden": True,
                "order": 12,
                "properties": {
                    "auth_type": {"type": "string", "enum": ["Token", "Client"]},
                    "api_token": {"type": "string", "airbyte_secret": True},
                    "client_id": {"type": "string", "airbyte_secret": True},
                    "client_secret": {"type": "string", "airbyte_secret": True},
                    "refresh_token": {"type": "string", "airbyte_secret": True},
                    "access_token": {"type": "string", "airbyte_secret": True},
                },
            },
            "num_workers": {
                "title": "Concurrent streams",
                "description": "How many streams are read at the same time, within the rate limit.",
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_WORKERS,
                "default": DEFAULT_WORKERS,
                "order": 3,
            },
            "max_in_flight": {
                "title": "Requests in flight",
                "description": "At most this many requests wait for an answer at once. Fewer are used when the "
                "rate limit and the latency need fewer; large streams are read in time slices in parallel.",
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_IN_FLIGHT,
                "default": DEFAULT_IN_FLIGHT,
                "order": 5,
            },
            "max_daily_token_share": {
                "title": "Share of the daily API budget",
                "description": "The company's daily API token budget is shared by all its integrations. With a "
                "value x (0 < x <= 1), a read stops cleanly, to resume after the daily refill, once the tokens "
                "left today would fall below (1 - x) of the company's limit. Empty: no cap.",
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 1,
                "examples": [0.5],
                "order": 4,
            },
            "child_streams": {
                "title": "Per-record child streams for sync",
                "description": "For `source-pipedrive sync` only: the child streams that cost one request per "
                "parent record (deal_flow, deal_participants, the followers and changelogs...) that it reads "
                "without being named in --streams. An incremental sync reads them only for the parents changed "
                "since the last one. In Airbyte, select streams in the catalog instead.",
                "type": "array",
                "items": {"type": "string", "enum": list(OPTIONAL_STREAMS)},
                "uniqueItems": True,
                "examples": [["deal_participants", "deal_followers"]],
                "order": 5,
            },
        },
    },
    "advanced_auth": {
        "auth_flow_type": "oauth2.0",
        "predicate_key": ["credentials", "auth_type"],
        "predicate_value": "oauth2",
        "oauth_config_specification": {
            "complete_oauth_output_specification": {
                "type": "object",
                "properties": {
                    "refresh_token": {"type": "string", "path_in_connector_config": ["credentials", "refresh_token"]},
                    "access_token": {"type": "string", "path_in_connector_config": ["credentials", "access_token"]},
                    "token_expiry_date": {
                        "type": "string",
                        "format": "date-time",
                        "path_in_connector_config": ["credentials", "token_expiry_date"],
                    },
                },
            },
            "complete_oauth_server_input_specification": {
                "type": "object",
                "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}},
            },
            "complete_oauth_server_output_specification": {
                "type": "object",
                "properties": {
                    "client_id": {"type": "string", "path_in_connector_config": ["credentials", "client_id"]},
                    "client_secret": {"type": "string", "path_in_connector_config": ["credentials", "client_secret"]},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class ApiToken:
    token: str


@dataclass(frozen=True)
class OAuth:
    client_id: str
    client_secret: str
    refresh_token: str
    access_token: str | None
    token_expiry: datetime | None
    token_url: str


@dataclass(frozen=True)
class Config:
    credentials: ApiToken | OAuth
    base_url: str
    start_date: datetime | None
    num_workers: int
    raw: Mapping[str, Any]  # the migrated config, for CONTROL messages; holds secrets, never log it
    migrated: bool = False  # written for Airbyte's connector: `read` hands the new shape to the platform
    max_token_share: float | None = None  # max_daily_token_share
    max_in_flight: int = DEFAULT_IN_FLIGHT
    child_streams: tuple[str, ...] = ()  # opt-in child streams `sync` reads by default


def parse_config(raw: Any, *, now: datetime | None = None) -> Config:
    """Validate `raw` and return a Config; every problem is a ConfigError naming the field."""
    if not isinstance(raw, dict):
        raise ConfigError(f"The config must be a JSON object, got {type(raw).__name__}.")
    original = raw
    raw = migrate_legacy_config(raw)
    base_url = _parse_base_url(raw.get("base_url"))
    credentials = _parse_credentials(raw.get("credentials"), base_url)
    start_date = _parse_start_date(raw.get("start_date"), now or datetime.now(timezone.utc))
    workers = raw.get("num_workers", DEFAULT_WORKERS)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise ConfigError(f"Config field 'num_workers' must be an integer from 1 to {MAX_WORKERS}.")
    share = _parse_share(raw.get("max_daily_token_share"))
    in_flight = raw.get("max_in_flight", DEFAULT_IN_FLIGHT)
    if isinstance(in_flight, bool) or not isinstance(in_flight, int) or not 1 <= in_flight <= MAX_IN_FLIGHT:
        raise ConfigError(f"Config field 'max_in_flight' must be an integer from 1 to {MAX_IN_FLIGHT}, "
                          f"got {str(in_flight)[:20]!r}.")
    children = _parse_child_streams(raw.get("child_streams"))
    return Config(credentials, base_url, start_date, workers, raw, migrated=raw != original, max_token_share=share,
                  max_in_flight=in_flight, child_streams=children)


def _parse_child_streams(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("Config field 'child_streams' must be a list of stream names, e.g. [\"deal_flow\"].")
    unknown = [v for v in value if v not in OPTIONAL_STREAMS]
    if unknown:
        raise ConfigError(
            f"Config field 'child_streams' names {', '.join(repr(v[:60]) for v in unknown[:5])}, not a per-record "
            f"child stream; these are: {', '.join(OPTIONAL_STREAMS)} (other streams are always synced)."
        )
    return tuple(dict.fromkeys(value))


def _parse_share(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ConfigError(
            f"Config field 'max_daily_token_share' must be a number above 0 and at most 1 (e.g. 0.5), "
            f"got {str(value)[:20]!r}."
        )
    return float(value)


def migrate_legacy_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accept configs written for Airbyte's connector: top-level `api_token` and
    `replication_start_date`, or its `authorization` object (auth_type "Token" or "Client")."""
    raw = dict(raw)
    if "credentials" not in raw:
        if "api_token" in raw:
            raw["credentials"] = {"auth_type": "api_token", "api_token": raw.pop("api_token")}
        elif isinstance(raw.get("authorization"), dict):
            old = dict(raw.pop("authorization"))
            kind = old.pop("auth_type", None)
            if kind == "Token":
                raw["credentials"] = {"auth_type": "api_token", "api_token": old.get("api_token")}
            elif kind == "Client":
                raw["credentials"] = {"auth_type": "oauth2", **old}
            else:
                raise ConfigError(
                    f"Config field 'authorization.auth_type' must be 'Token' or 'Client', got {kind!r}."
                )
    if "replication_start_date" in raw and "start_date" not in raw:
        raw["start_date"] = raw.pop("replication_start_date")
    return raw


def oauth_token_url(base_url: str) -> str:
    """Pipedrive's token endpoint; a loopback base URL (the sandbox) serves its own."""
    return f"{base_url}/oauth/token" if is_loopback(base_url) else OAUTH_TOKEN_URL


def _parse_base_url(value: Any) -> str:
    if value in (None, ""):
        return DEFAULT_BASE_URL
    if not isinstance(value, str):
        raise ConfigError("Config field 'base_url' must be a string URL such as https://acme.pipedrive.com.")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"Config field 'base_url' is not an http(s) URL: {value[:60]!r}.")
    if parts.scheme == "http" and not is_loopback(value.strip()):
        raise ConfigError(
            f"Config field 'base_url' uses plain http:// for {parts.hostname!r}; "
            "tokens only travel over https, except to loopback hosts."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("Config field 'base_url' must not carry a query, fragment or credentials.")
    path = parts.path.rstrip("/")
    for suffix in ("/api/v1", "/api/v2", "/v1"):  # people paste the spec's server URL
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _require_str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"Config field '{where}.{key}' is required and must be a non-empty string.")
    return value.strip()


def _parse_credentials(value: Any, base_url: str) -> ApiToken | OAuth:
    if not isinstance(value, dict):
        raise ConfigError("Config field 'credentials' is required: an object with auth_type 'api_token' or 'oauth2'.")
    kind = value.get("auth_type")
    if kind == "api_token":
        return ApiToken(_require_str(value, "api_token", "credentials"))
    if kind == "oauth2":
        expiry = value.get("token_expiry_date")
        parsed_expiry = None
        if expiry not in (None, ""):
            parsed_expiry = parse_datetime(expiry) if isinstance(expiry, str) else None
            if parsed_expiry is None:
                raise ConfigError("Config field 'credentials.token_expiry_date' is not an RFC 3339 datetime.")
        access = value.get("access_token")
        if access is not None and not isinstance(access, str):
            raise ConfigError("Config field 'credentials.access_token' must be a string.")
        return OAuth(
            client_id=_require_str(value, "client_id", "credentials"),
            client_secret=_require_str(value, "client_secret", "credentials"),
            refresh_token=_require_str(value, "refresh_token", "credentials"),
            access_token=access or None,
            token_expiry=parsed_expiry,
            token_url=oauth_token_url(base_url),
        )
    raise ConfigError(
        f"Config field 'credentials.auth_type' must be 'api_token' or 'oauth2', got {kind!r}."
    )


def _parse_start_date(value: Any, now: datetime) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ConfigError("Config field 'start_date' must be an RFC 3339 string such as 2023-01-01T00:00:00Z.")
    parsed = parse_datetime(value)
    if parsed is None:
        raise ConfigError(
            f"Config field 'start_date' is not a date or RFC 3339 datetime: {value[:40]!r} "
            "(expected e.g. 2023-01-01T00:00:00Z)."
        )
    if parsed > now:
        raise ConfigError(
            f"Config field 'start_date' ({value[:40]}) is in the future: nothing could be synced. "
            "Leave it empty to sync all history."
        )
    return parsed
