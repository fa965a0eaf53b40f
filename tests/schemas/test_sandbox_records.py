"""Every record the sandbox serves, for every stream and endpoint part, validates against stream_schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from source_pipedrive.children import request_part, shape
from source_pipedrive.fields import parse_fields, stream_schema
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME, Part, Stream
from tests.kit.schemas import (
    fetch,
    fetch_stream,
    include_enum,
    operation,
    operation_key,
    requested_include_fields,
    validator,
)

# Keys left undeclared on purpose: option ids are integers for custom fields and strings for built-in
# ones ([SPEC-v2] *Fields), and no single type fits (schemas.account.OPTION_ID_NOTE).
UNDECLARED_ON_PURPOSE = re.compile(r".*\.(options|options_deleted)\[\]\.id")


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


def part_query(stream: Stream, part: Part) -> dict[str, str]:
    """The part's fixed query as the connector sends it, with the include_fields the stream requests
    (asked for on every part whose operation accepts them, so their declared types are exercised)."""
    query = stream.query(part)
    wanted = requested_include_fields(stream) & include_enum(operation(operation_key(part)))
    if wanted and "include_fields" not in query:
        query["include_fields"] = ",".join(sorted(wanted))
    return query


# A child stream is checked on the records of its first parents, shaped as the connector delivers them.
CHILD_SAMPLE = 60


def child_records(client: httpx.Client, stream: Stream) -> Iterator[tuple[str, dict[str, Any]]]:
    assert stream.parent is not None
    parents = STREAMS_BY_NAME[stream.parent.stream]
    ids = [r[stream.parent.key] for r in fetch_stream(client, parents)][:CHILD_SAMPLE]
    step = stream.parent.batch
    for group in (ids[i:i + step] for i in range(0, len(ids), step)):
        part = request_part(stream, group)
        got = fetch(client, part.path, stream.paging, stream.query(part), stream.page_size)
        yield from ((part.path, r) for r in shape(stream, got, group, {}))


def served_records(client: httpx.Client, stream: Stream) -> Iterator[tuple[str, dict[str, Any]]]:
    if stream.parent is not None:
        yield from child_records(client, stream)
        return
    for part in stream.parts(incremental=True):
        for rec in fetch(client, part.path, stream.paging_of(part), part_query(stream, part), stream.page_size):
            yield part.path, rec


@pytest.fixture(scope="module")
def client(sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.token}, timeout=30) as c:
        yield c


def schema_for(client: httpx.Client, stream: Stream) -> dict[str, Any]:
    fields = stream.field_list
    custom = parse_fields(fields.api_version, fetch_stream(client, fields)) if fields is not None else []
    return stream_schema(stream.name, custom)


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_every_sandbox_record_validates(client: httpx.Client, stream: Stream) -> None:
    schema = schema_for(client, stream)
    check = validator(schema)
    seen = 0
    problems: list[str] = []
    extra: set[str] = set()
    for path, rec in served_records(client, stream):
        seen += 1
        problems += [f"{path} id={rec.get('id')} {list(e.absolute_path)}: {e.message}"
                     for e in check.iter_errors(rec)]
        extra.update(f"{path}: {key}" for key in undeclared(rec, schema, stream.name)
                     if not UNDECLARED_ON_PURPOSE.fullmatch(key))
    assert seen > 0, f"{stream.name}: the sandbox served no records"
    assert problems[:20] == []
    assert sorted(extra) == []  # every key served is declared, so destinations get typed columns


@pytest.mark.parametrize("stream", [s for s in STREAMS if s.field_list], ids=lambda s: s.name)
def test_sandbox_custom_values_are_typed_by_our_schema(client: httpx.Client, stream: Stream) -> None:
    """The custom values are declared, not just let through by additionalProperties."""
    schema = schema_for(client, stream)
    top_level = stream.api_version == "v1"  # v1 records carry custom values at the top level
    props = schema["properties"] if top_level else schema["properties"]["custom_fields"]["properties"]
    assert props, f"{stream.name}: no custom fields parsed from {stream.fields_path}"
    main = stream.parts(incremental=False)[0]
    records = fetch(client, stream.path, stream.paging_of(main), part_query(stream, main), stream.page_size)
    values = [rec if top_level else rec.get("custom_fields") or {} for rec in records]
    hashes = {k for v in values for k in v if len(k) >= 40}
    assert hashes, f"{stream.name}: records carry no custom values"
    assert hashes <= set(props), f"{stream.name}: undeclared custom keys {sorted(hashes - set(props))[:5]}"
