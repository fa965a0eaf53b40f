"""The bad inputs tried against check/discover/read: configs, catalogs and states, each with the
words its message must name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.kit.cli import catalog_for

INCREMENTAL_DEALS = catalog_for(["deals"], mode="incremental")

# Nothing listens on the discard port: a bad input must be refused before any request goes out.
NOWHERE = "http://127.0.0.1:9"
TOKEN = "sekret-TOKEN-7f3a9c"
CLIENT_SECRET = "sekret-CLIENT-5b1e2d"
REFRESH = "sekret-REFRESH-c0ffee"
GOOD_CREDS = {"auth_type": "api_token", "api_token": TOKEN}


@dataclass(frozen=True)
class Bad:
    id: str
    words: tuple[str, ...]  # the message must contain each (case-insensitive)
    config: Any = None
    catalog: Any = None
    state: Any = None
    raw_file: bytes | None = None  # written verbatim instead of JSON (for the `what` input)
    what: str = "config"

    def __post_init__(self) -> None:
        # A state is only read for incremental streams (a full refresh starts over), so states go with one.
        if (self.state is not None or self.what == "state") and self.catalog is None:
            object.__setattr__(self, "catalog", INCREMENTAL_DEALS)


def cfg(**fields: Any) -> dict:
    return {"credentials": GOOD_CREDS, "base_url": NOWHERE, **fields}


def api_token(value: Any) -> dict:
    """A config whose credentials are an api_token of `value`."""
    return cfg(credentials={"auth_type": "api_token", "api_token": value})


def oauth(**creds: Any) -> dict:
    base = {"auth_type": "oauth2", "client_id": "cid-123456", "client_secret": CLIENT_SECRET, "refresh_token": REFRESH}
    return {"credentials": {**base, **creds}, "base_url": NOWHERE}


BAD_CONFIGS: list[Bad] = [
    # wrong types
    Bad("config-is-a-list", ("json object",), config=[GOOD_CREDS]),
    Bad("config-is-a-string", ("json object",), config="token"),
    Bad("config-is-null", ("json object",), config=None, raw_file=b"null"),
    Bad("config-not-json", ("not valid json",), raw_file=b"{credentials: nope"),
    Bad("config-empty-file", ("not valid json",), raw_file=b""),
    Bad("credentials-a-string", ("credentials",), config={"credentials": TOKEN, "base_url": NOWHERE}),
    Bad("credentials-a-list", ("credentials",), config={"credentials": [GOOD_CREDS], "base_url": NOWHERE}),
    Bad("credentials-missing", ("credentials",), config={"base_url": NOWHERE}),
    Bad("api-token-an-int", ("credentials.api_token",), config=api_token(12345678)),
    Bad("api-token-a-list", ("credentials.api_token",), config=api_token([TOKEN])),
    Bad("start-date-an-int", ("start_date",), config=cfg(start_date=20230101)),
    Bad("start-date-a-bool", ("start_date",), config=cfg(start_date=True)),
    Bad("base-url-an-int", ("base_url",), config=cfg(base_url=8080)),
    Bad("num-workers-a-string", ("num_workers",), config=cfg(num_workers="3")),
    Bad("num-workers-a-bool", ("num_workers",), config=cfg(num_workers=True)),
    Bad("num-workers-zero", ("num_workers",), config=cfg(num_workers=0)),
    Bad("num-workers-too-many", ("num_workers",), config=cfg(num_workers=99)),
    Bad("num-workers-a-float", ("num_workers",), config=cfg(num_workers=2.5)),
    Bad("oauth-expiry-garbage", ("token_expiry_date",), config=oauth(token_expiry_date="soon")),
    Bad("oauth-access-token-an-int", ("access_token",), config=oauth(access_token=5)),
    # unknown auth_type
    Bad("auth-type-unknown", ("auth_type", "magic"),
        config=cfg(credentials={"auth_type": "magic", "api_token": TOKEN})),
    Bad("auth-type-missing", ("auth_type",), config=cfg(credentials={"api_token": TOKEN})),
    Bad("auth-type-wrong-case", ("auth_type",),
        config=cfg(credentials={"auth_type": "API_TOKEN", "api_token": TOKEN})),
    Bad("legacy-auth-type-unknown", ("authorization.auth_type",),
        config={"authorization": {"auth_type": "Other"}, "base_url": NOWHERE}),
    # unparseable start_date
    Bad("start-date-words", ("start_date", "yesterday"), config=cfg(start_date="yesterday")),
    Bad("start-date-bad-month", ("start_date",), config=cfg(start_date="2023-13-45T00:00:00Z")),
    Bad("start-date-us-style", ("start_date",), config=cfg(start_date="01/02/2023")),
    Bad("start-date-epoch-string", ("start_date",), config=cfg(start_date="1700000000")),
    # future start_date
    Bad("start-date-future", ("start_date", "future"), config=cfg(start_date="2999-01-01T00:00:00Z")),
    Bad("start-date-future-date-only", ("start_date", "future"), config=cfg(start_date="2999-12-31")),
    # plain http:// to a non-loopback host
    Bad("http-company-domain", ("base_url", "http"), config=cfg(base_url="http://acme.pipedrive.com")),
    Bad("http-private-ip", ("base_url", "http"), config=cfg(base_url="http://10.0.0.7:8080")),
    Bad("http-public-ipv6", ("base_url", "http"), config=cfg(base_url="http://[2001:db8::1]")),
    Bad("http-loopback-lookalike", ("base_url", "http"), config=cfg(base_url="http://localhost.evil.example")),
    Bad("base-url-ftp", ("base_url",), config=cfg(base_url="ftp://api.pipedrive.com")),
    Bad("base-url-with-credentials", ("base_url",), config=cfg(base_url="https://user:pw@api.pipedrive.com")),
    Bad("base-url-no-host", ("base_url",), config=cfg(base_url="https://")),
    # empty tokens
    Bad("api-token-empty", ("credentials.api_token",), config=api_token("")),
    Bad("api-token-blank", ("credentials.api_token",), config=api_token("   ")),
    Bad("api-token-null", ("credentials.api_token",), config=api_token(None)),
    Bad("legacy-api-token-empty", ("api_token",), config={"api_token": "", "base_url": NOWHERE}),
    Bad("oauth-refresh-token-empty", ("credentials.refresh_token",), config=oauth(refresh_token="")),
    Bad("oauth-client-secret-missing", ("credentials.client_secret",),
        config={"credentials": {"auth_type": "oauth2", "client_id": "cid-123456", "refresh_token": REFRESH},
                "base_url": NOWHERE}),
]


def entry(name: str, mode: str = "full_refresh", cursor: list | None = None) -> dict:
    e = {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": mode, "destination_sync_mode": "append"}
    if cursor is not None:
        e["cursor_field"] = cursor
    return e


BAD_CATALOGS: list[Bad] = [
    Bad("catalog-unknown-stream", ("nope", "unknown stream"), catalog={"streams": [entry("nope")]}),
    Bad("catalog-unknown-among-known", ("dealz",), catalog={"streams": [entry("deals"), entry("dealz")]}),
    Bad("catalog-sync-mode-cdc", ("sync_mode", "cdc"), catalog={"streams": [entry("deals", "cdc")]}),
    Bad("catalog-sync-mode-null", ("sync_mode",), catalog={"streams": [entry("deals", None)]}),
    Bad("catalog-cursor-id", ("cursor_field", "update_time"),
        catalog={"streams": [entry("deals", "incremental", ["id"])]}),
    Bad("catalog-cursor-nested", ("cursor_field",),
        catalog={"streams": [entry("persons", "incremental", ["owner", "update_time"])]}),
    Bad("catalog-users-cursor-update-time", ("cursor_field", "modified"),
        catalog={"streams": [entry("users", "incremental", ["update_time"])]}),
    Bad("catalog-not-an-object", ("catalog",), catalog=["deals"]),
    Bad("catalog-streams-not-a-list", ("streams",), catalog={"streams": {"deals": {}}}),
    Bad("catalog-no-streams", ("no stream",), catalog={"streams": []}),
    Bad("catalog-duplicate-stream", ("twice",), catalog={"streams": [entry("deals"), entry("deals")]}),
    Bad("catalog-entry-without-name", ("stream.name",),
        catalog={"streams": [{"stream": {}, "sync_mode": "full_refresh"}]}),
    Bad("catalog-entry-a-string", ("stream.name",), catalog={"streams": ["deals"]}),
    Bad("catalog-not-json", ("not valid json",), raw_file=b"[streams", what="catalog"),
]

def stream_msg(name: str, state: Any) -> dict:
    return {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": state}}


BAD_STATES: list[Bad] = [
    Bad("state-not-json", ("not valid json",), raw_file=b"\x00\x01garbage", what="state"),
    Bad("state-a-number", ("state",), state=42),
    Bad("state-a-string", ("state",), state="deals"),
    Bad("state-list-of-numbers", ("state",), state=[1, 2, 3]),
    Bad("state-global", ("global",), state=[{"type": "GLOBAL", "global": {"shared_state": {}, "stream_states": []}}]),
    Bad("state-unknown-type", ("unknown state message type",), state=[{"type": "PER_STREAM_PLEASE"}]),
    Bad("state-stream-without-name", ("stream_descriptor",),
        state=[{"type": "STREAM", "stream": {"stream_state": {}}}]),
    Bad("state-stream-an-int", ("stream",), state=[{"type": "STREAM", "stream": 1}]),
    Bad("state-descriptor-a-string", ("stream_descriptor",),
        state=[{"type": "STREAM", "stream": {"stream_descriptor": "deals"}}]),
    Bad("state-legacy-data-a-list", ("legacy",), state=[{"type": "LEGACY", "data": [1]}]),
    Bad("state-stream-state-a-string", ("deals",), state=[stream_msg("deals", "2024-01-01")]),
    Bad("state-cursor-garbage", ("deals", "unreadable"), state=[stream_msg("deals", {
        "version": 1, "mode": "incremental", "update_time": "last tuesday"})]),
    Bad("state-part-cursor-garbage", ("deals", "unreadable"), state=[stream_msg("deals", {
        "version": 1, "mode": "incremental", "parts": {"main": 1234}})]),
    Bad("state-parts-a-list", ("deals", "parts"), state=[stream_msg("deals", {
        "version": 1, "mode": "incremental", "parts": ["x"]})]),
    Bad("state-unknown-mode", ("deals", "mode"), state=[stream_msg("deals", {"version": 1, "mode": "sideways"})]),
    Bad("state-newer-version", ("deals", "version"), state=[stream_msg("deals", {
        "version": 7, "update_time": "2024-01-01T00:00:00Z"})]),
    # Another connector's state for a stream of the same name (HubSpot-like keys): not ours, say so.
    Bad("state-other-connector-hubspot", ("deals", "not a state this connector wrote"),
        state=[stream_msg("deals", {"hs_lastmodifieddate": 1700000000000})]),
    Bad("state-other-connector-legacy-blob", ("deals", "not a state this connector wrote"),
        state={"deals": {"lastModifiedDate": "2024-01-01"}}),
    Bad("state-legacy-cursor-garbage", ("deals", "unreadable"), state={"deals": {"update_time": "yesterday"}}),
]


def cli_inputs(bad: Bad) -> dict:
    """The CLI inputs of one case: a good config and catalog, with the bad part swapped in
    (raw_file replaces the JSON of the input it names)."""
    args: dict[str, Any] = {"config": cfg(), "catalog": catalog_for(["deals"]), "state": None}
    if bad.config is not None:
        args["config"] = bad.config
    if bad.catalog is not None:
        args["catalog"] = bad.catalog
    if bad.state is not None:
        args["state"] = bad.state
    if bad.raw_file is not None:
        args[bad.what] = bad.raw_file
    return args


def count() -> int:
    """Each config case runs through check, discover and read; catalogs and states through read."""
    return 3 * len(BAD_CONFIGS) + len(BAD_CATALOGS) + len(BAD_STATES)
