"""The library face of the connector: spec, check, discover, read (the CLI is a thin shell over it)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .children import description
from .config import SPEC, Config, parse_config
from .errors import AuthError, ScopeError, ServerError, SourceError, StreamError
from .fields import CustomField, parse_fields, stream_schema
from .http import Client, pages
from .http.usage import Usage
from .protocol import Message
from .read import read
from .session import open_client
from .streams import STREAMS, Stream

__all__ = ["spec", "check", "discover", "read", "catalog_entry"]

Log = Callable[[str, str], None]


def spec() -> Message:
    return copy.deepcopy(SPEC)


def check(config: dict[str, Any], *, log: Log | None = None) -> Message:
    """CONNECTION_STATUS payload. A bad token or config is FAILED with a clear message, never a crash.

    `GET /v1/users/me` costs 2 tokens ([SPEC-v1] x-token-cost) and proves the token and base URL.
    """
    try:
        cfg = parse_config(config)
        # A wrong host should fail in seconds, not after a sync's worth of backoff.
        client = open_client(cfg, log=log, max_retries=1)
        try:
            me = client.get("/v1/users/me").get("data") or {}
        finally:
            client.close()
    except AuthError as error:
        return {"status": "FAILED", "message": f"Pipedrive rejected the credentials: {error.message}"}
    except ServerError as error:
        return {"status": "FAILED", "message": f"Could not reach Pipedrive at {cfg.base_url}: {error.message}"}
    except SourceError as error:
        return {"status": "FAILED", "message": error.message}
    company = me.get("company_name") or me.get("company_domain") or "the company"
    return {"status": "SUCCEEDED", "message": f"Connected to {company} as user {me.get('id')}."}


def discover(config: dict[str, Any] | Config, *, log: Log | None = None, usage: Usage | None = None) -> Message:
    """The catalog, with each entity's custom fields typed from its *Fields endpoint; what the field
    lists cost is counted into `usage` when given (sync adds it to the read's cost)."""
    cfg = config if isinstance(config, Config) else parse_config(config)
    client = open_client(cfg, log=log)
    if usage is not None:
        client.usage = usage
    try:
        return {"streams": [catalog_entry(s, _custom_fields(client, s, log)) for s in STREAMS]}
    finally:
        client.close()


def catalog_entry(stream: Stream, fields: list[CustomField] | None = None) -> Message:
    schema = stream_schema(stream.name, fields or [])
    about = description(stream)  # a child stream: its parents and what it costs
    if stream.until_param:
        about = (f"Read in time slices side by side: records arrive out of {stream.cursor} order, and a record "
                 f"updated during the read may come twice; deduplicate by {stream.primary_key}, keeping the "
                 f"greatest {stream.cursor} (docs/reading.md).")
    if about:
        schema["description"] = about
    entry: Message = {
        "name": stream.name,
        "json_schema": schema,
        "supported_sync_modes": ["full_refresh", "incremental"] if stream.incremental else ["full_refresh"],
        "source_defined_primary_key": [[stream.primary_key]],
        "is_resumable": stream.resumable,
    }
    if stream.incremental:
        entry["source_defined_cursor"] = True
        entry["default_cursor_field"] = [stream.cursor]
    if about:
        entry["description"] = about
    return entry


def _custom_fields(client: Client, stream: Stream, log: Log | None) -> list[CustomField]:
    """The stream's custom fields, read from its field list in the paging and version that list's row names."""
    fields = stream.field_list
    if fields is None:
        return []
    try:
        items = [f for page in pages(client, fields.path, fields.paging, limit=fields.page_size) for f in page.records]
        return parse_fields(fields.api_version, items)
    except (ScopeError, StreamError) as error:
        # The stream stays discoverable; its custom fields are then untyped extras.
        if log:
            log("WARN", f"Custom fields of '{stream.name}' not typed: {error.message}")
        return []
