"""Every record the sandbox serves, for every stream and endpoint part, validates against stream_schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from source_pipedrive.fields import FIELD_ENDPOINTS, parse_fields, stream_schema
from source_pipedrive.streams import STREAMS, Stream

from .schemakit import validator

# Optional v2 fields the connector may ask for ([SPEC-v2] include_fields enums); asked for here
# so their declared types are exercised too.
INCLUDE_FIELDS = {
    "deals": "next_activity_id,last_activity_id,first_won_time,products_count,files_count,notes_count,"
    "followers_count,email_messages_count,activities_count,done_activities_count,undone_activities_count,"
    "participants_count,last_incoming_mail_time,last_outgoing_mail_time,smart_bcc_email,source_lead_id",
    "persons": "next_activity_id,last_activity_id,open_deals_count,closed_deals_count,activities_count,"
    "files_count,notes_count,followers_count,won_deals_count,lost_deals_count,smart_bcc_email",
    "organizations": "next_activity_id,last_activity_id,open_deals_count,people_count,activities_count,"
    "files_count,notes_count,followers_count,smart_bcc_email",
    "activities": "attendees",
}


def pages(client: httpx.Client, path: str, paging: str, params: dict[str, str]) -> Iterator[list[dict[str, Any]]]:
    """Walk one list endpoint to the end the way Pipedrive paginates it ([pipedrive-api.md] §2, §3)."""
    cursor: str | None = None
    start = 0
    for _ in range(10_000):
        query = dict(params)
        if paging == "cursor":
            query.update(limit="500", **({"cursor": cursor} if cursor else {}))
        elif paging == "offset":
            query.update(limit="500", start=str(start))
        r = client.get(path, params=query)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
        body = r.json()
        data = body.get("data") or []
        yield (data.get("goals") or []) if isinstance(data, dict) else data  # /v1/goals/find nests its list
        extra = body.get("additional_data") or {}
        if paging == "cursor" and extra.get("next_cursor"):
            cursor = extra["next_cursor"]
        elif paging == "offset" and (extra.get("pagination") or {}).get("more_items_in_collection"):
            start = extra["pagination"]["next_start"]
        else:
            return
    raise AssertionError(f"{path}: pagination never ended")


def undeclared(value: Any, schema: dict[str, Any], where: str) -> Iterator[str]:
    """Keys the record carries that the schema does not declare (CAT's fail_on_extra_columns, nested)."""
    props = schema.get("properties")
    if isinstance(value, list):
        for item in value:
            yield from undeclared(item, schema.get("items") or {}, f"{where}[]")
    elif isinstance(value, dict) and props is not None:
        for key, sub in value.items():
            if key in props:
                yield from undeclared(sub, props[key], f"{where}.{key}")
            else:
                yield f"{where}.{key}"


def fetch(client: httpx.Client, path: str, paging: str, params: dict[str, str] | None = None) -> list[dict]:
    return [rec for page in pages(client, path, paging, params or {}) for rec in page]


@pytest.fixture(scope="module")
def client(sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.token}, timeout=30) as c:
        yield c


def schema_for(client: httpx.Client, stream: Stream) -> dict[str, Any]:
    path = FIELD_ENDPOINTS.get(stream.name)
    items = fetch(client, path, "cursor" if path.startswith("/api/v2/") else "offset") if path else []
    return stream_schema(stream.name, parse_fields(stream.name, items))


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_every_sandbox_record_validates(client: httpx.Client, stream: Stream) -> None:
    schema = schema_for(client, stream)
    check = validator(schema)
    parts = [(p.path, dict(p.params)) for p in stream.parts(incremental=True)]
    if stream.name in INCLUDE_FIELDS:
        parts.append((stream.path, {**dict(stream.params), "include_fields": INCLUDE_FIELDS[stream.name]}))
    seen = 0
    problems: list[str] = []
    extra: set[str] = set()
    for path, params in parts:
        for rec in fetch(client, path, stream.paging, params):
            seen += 1
            problems += [f"{path} id={rec.get('id')} {list(e.absolute_path)}: {e.message}"
                         for e in check.iter_errors(rec)]
            extra.update(f"{path}: {key}" for key in undeclared(rec, schema, stream.name))
    assert seen > 0, f"{stream.name}: the sandbox served no records"
    assert problems[:20] == []
    assert sorted(extra) == []  # every key served is declared, so destinations get typed columns


@pytest.mark.parametrize("stream", [s for s in STREAMS if s.name in FIELD_ENDPOINTS], ids=lambda s: s.name)
def test_sandbox_custom_values_are_typed_by_our_schema(client: httpx.Client, stream: Stream) -> None:
    """The custom values are declared, not just let through by additionalProperties."""
    schema = schema_for(client, stream)
    props = schema["properties"] if stream.name == "leads" else schema["properties"]["custom_fields"]["properties"]
    assert props, f"{stream.name}: no custom fields parsed from {FIELD_ENDPOINTS[stream.name]}"
    records = fetch(client, stream.path, stream.paging, dict(stream.params))
    values = [rec if stream.name == "leads" else rec.get("custom_fields") or {} for rec in records]
    hashes = {k for v in values for k in v if len(k) >= 40}
    assert hashes, f"{stream.name}: records carry no custom values"
    assert hashes <= set(props), f"{stream.name}: undeclared custom keys {sorted(hashes - set(props))[:5]}"
