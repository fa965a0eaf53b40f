"""Shared checks for the schema tests: Airbyte catalog lint, a strict format checker, custom-field samples,
the official operation facts per stream part, and the include_fields the connector requests."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import orjson

from source_pipedrive.fields import CustomField
from source_pipedrive.streams import STREAMS, Part, Stream

# Keywords Airbyte's CAT rejects in catalogs/specs ([AB-CAT] TestSpec/TestDiscovery).
FORBIDDEN = ("$ref", "allOf", "anyOf", "oneOf", "not", "patternProperties", "prefixItems",
             "if", "then", "else", "dependentSchemas", "dependentRequired")
SIMPLE_TYPES = {"string", "integer", "number", "boolean", "object", "array"}

# jsonschema checks date-time only with an optional extra installed; check RFC 3339 ourselves.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time")
def _is_rfc3339(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.fullmatch(value))


def validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema, format_checker=FORMATS)


def lint(schema: Any, path: str = "$") -> Iterator[str]:
    """Every way `schema` breaks the Airbyte catalog rules, as readable strings."""
    if not isinstance(schema, dict):
        yield f"{path}: schema is not an object"
        return
    for key in FORBIDDEN:
        if key in schema:
            yield f"{path}: forbidden keyword {key}"
    if schema.get("additionalProperties") is False:
        yield f"{path}: additionalProperties false"
    t = schema.get("type")
    if t is not None:
        ok = (isinstance(t, str) and t in SIMPLE_TYPES) or (
            isinstance(t, list) and len(t) == 2 and t[1] == "null" and t[0] in SIMPLE_TYPES
        )
        if not ok:
            yield f"{path}: type {t!r} is neither a single type nor [type, 'null']"
    base = t if isinstance(t, str) else (t[0] if isinstance(t, list) and t else None)
    if base == "object" and schema.get("additionalProperties") is not True:
        yield f"{path}: objects must say additionalProperties: true"
    if base == "array" and "items" not in schema:
        yield f"{path}: array without items"
    for name, sub in (schema.get("properties") or {}).items():
        yield from lint(sub, f"{path}.{name}")
    if "items" in schema:
        yield from lint(schema["items"], f"{path}[]")


# One custom field per user-creatable type ([RD-CF]) plus the other field_type values of [SPEC-v2] and a
# made-up one; keys are 40-hex like real accounts.
def _key(i: int) -> str:
    return f"{i:040x}"


ALL_TYPES = (
    "varchar", "varchar_auto", "text", "double", "monetary", "set", "enum", "user", "org", "people",
    "phone", "time", "timerange", "date", "daterange", "address",
    "boolean", "int", "json", "varchar_options", "activity", "deal", "deals", "lead", "pipeline",
    "product", "project", "stage", "billing_frequency", "picture", "price_list", "projects_board",
    "projects_phase", "status", "visible_to", "some_future_type",
)
OPTIONS = ((11, "Red"), (12, "Green"), (13, "Blue"))
FIELDS = tuple(
    CustomField(_key(i + 1), f"My {t}", t, OPTIONS if t in ("enum", "set") else ())
    for i, t in enumerate(ALL_TYPES)
)
FIELD_BY_TYPE = {f.field_type: f for f in FIELDS}


# --- The official operation behind every stream part ---------------------------------------------
# src/pipedrive_sandbox/spec/facts.json holds, per GET operation of [SPEC-v1]/[SPEC-v2], its params and
# the simplified schema of one record (`item`: type, format, enum, nullable, properties, items, any_of).
# It is read as data here, without importing the sandbox package, so these tests do not depend on the
# sandbox's code. A part's operation is "GET " + its path.


def facts_file() -> Path:
    spec = importlib.util.find_spec("pipedrive_sandbox")  # locates the package without importing it
    assert spec is not None and spec.submodule_search_locations, "pipedrive_sandbox is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "spec" / "facts.json"


@functools.lru_cache(maxsize=1)
def operations() -> dict[str, dict[str, Any]]:
    return orjson.loads(facts_file().read_bytes())["operations"]


@dataclass(frozen=True)
class Operation:
    key: str  # "GET /v1/leads"
    records_key: str | None
    params: dict[str, dict[str, Any]] = field(repr=False)  # query parameters by name
    item: dict[str, Any] = field(repr=False)  # one record's simplified schema


@functools.lru_cache(maxsize=None)
def operation(key: str) -> Operation:
    """The operation named like "GET /v1/leads"; KeyError if the official files have none."""
    raw = operations()[key]
    return Operation(key, raw.get("records_key"),
                     {p["name"]: p for p in raw.get("params") or () if p.get("in", "query") == "query"},
                     raw.get("item") or {})


def operation_key(part: Part) -> str:
    return f"GET {part.path}"


# Every (stream, part) the connector reads, incremental parts included; derived, never hand-listed.
STREAM_PARTS: tuple[tuple[Stream, Part], ...] = tuple((s, p) for s in STREAMS for p in s.parts(True))


def stream_operations(stream: Stream) -> list[Operation]:
    """The distinct operations a stream reads (deals: /deals and /deals/archived); KeyError if one is
    missing from the facts."""
    keys = dict.fromkeys(operation_key(p) for p in stream.parts(True))
    missing = [k for k in keys if k not in operations()]
    if missing:
        raise KeyError(f"{stream.name}: {', '.join(missing)} not in the official facts")
    return [operation(k) for k in keys]


def include_enum(op: Operation) -> set[str]:
    """The names an operation's include_fields accepts. The *Fields endpoints list combinations
    ("ui_visibility,important_fields"), so values are split."""
    spec = op.params.get("include_fields") or {}
    values = spec.get("enum") or (spec.get("items") or {}).get("enum") or []
    return {name.strip() for v in values for name in str(v).split(",") if name.strip()}


def default_properties(op: Operation) -> set[str]:
    """Top-level keys of the item the operation returns without include_fields: the item schema's
    properties minus those include_fields adds ([SPEC-v2] lists some of those in the item too)."""
    return set(op.item.get("properties") or {}) - include_enum(op)


# What the connector asks for via include_fields, per v2 stream, until its stream table says so
# (Stream.params / Part.params "include_fields"); requested_include_fields prefers the stream table.
# deals: all 16 names GET /api/v2/deals accepts; activities: attendees. Nothing for persons (their
# marketing_status/doi_status need the Campaigns app) nor for organizations and the *Fields lists.
DEAL_INCLUDE_FIELDS = (
    "next_activity_id", "last_activity_id", "first_won_time", "products_count", "files_count", "notes_count",
    "followers_count", "email_messages_count", "activities_count", "done_activities_count",
    "undone_activities_count", "participants_count", "last_incoming_mail_time", "last_outgoing_mail_time",
    "smart_bcc_email", "source_lead_id",
)
ASSUMED_INCLUDE_FIELDS: dict[str, tuple[str, ...]] = {
    "deals": DEAL_INCLUDE_FIELDS,
    "activities": ("attendees",),
}


def table_include_fields(stream: Stream) -> set[str] | None:
    """include_fields named in the stream table for any part of `stream`; None if it names none."""
    found: set[str] | None = None
    for params in [stream.params] + [p.params for p in stream.parts(True)]:
        for name, value in params:
            if name == "include_fields":
                found = (found or set()) | {v.strip() for v in value.split(",") if v.strip()}
    return found


def requested_include_fields(stream: Stream) -> set[str]:
    from_table = table_include_fields(stream)
    return from_table if from_table is not None else set(ASSUMED_INCLUDE_FIELDS.get(stream.name, ()))


# --- Our schema against the facts' item schema -----------------------------------------------------


def spec_type(node: dict[str, Any]) -> str | None:
    """The JSON type a spec property really carries; the spec says `type: object` for integer/string enums."""
    values = node.get("enum") or []
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if values and all(isinstance(v, str) for v in values):
        return "string"
    return node.get("type")


def our_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    return next((x for x in t if x != "null"), None) if isinstance(t, list) else t


COMPATIBLE = {("integer", "integer"), ("number", "number"), ("integer", "number"), ("string", "string"),
              ("boolean", "boolean"), ("object", "object"), ("array", "array")}


def mismatches(node: dict[str, Any], ours: dict[str, Any], where: str,
               only: set[str] | None = None) -> list[str]:
    """How `ours` fails to cover the facts' `node`; `only` limits the top-level properties compared."""
    out: list[str] = []
    expected, got = spec_type(node), our_type(ours)
    if node.get("any_of") or expected is None:
        return out  # several shapes (or none stated): any declared type will do
    if got is None:
        return [f"{where}: spec {expected}, ours untyped"]
    if (expected, got) not in COMPATIBLE:
        return [f"{where}: spec {expected}, ours {got}"]
    declared = ours.get("type")
    if node.get("nullable") and not (isinstance(declared, list) and "null" in declared):
        out.append(f"{where}: spec nullable, ours not")
    if node.get("format") == "date" and ours.get("format") != "date":
        out.append(f"{where}: spec format date, ours {ours.get('format')}")
    for name, sub in (node.get("properties") or {}).items():
        if only is not None and name not in only:
            continue
        if name not in (ours.get("properties") or {}):
            out.append(f"{where}.{name}: not declared")
        else:
            out += mismatches(sub, ours["properties"][name], f"{where}.{name}")
    if expected == "array" and "items" in node:
        out += mismatches(node["items"], ours.get("items") or {}, f"{where}[]")
    return out


# --- Reading a sandbox the way Pipedrive paginates ---------------------------------------------------


def pages(client: httpx.Client, path: str, paging: str, params: dict[str, str],
          page_size: int = 500) -> Iterator[list[dict[str, Any]]]:
    """Walk one list endpoint to the end the way Pipedrive paginates it ([RD-PAG]): v2 by cursor, v1 by
    start/limit (pagination data nested under `pagination` or flat), some v1 lists in one response."""
    cursor: str | None = None
    start = 0
    for _ in range(10_000):
        query = dict(params)
        if paging == "cursor":
            query.update(limit=str(page_size), **({"cursor": cursor} if cursor else {}))
        elif paging in ("offset", "keyset"):  # keyset: offsets the connector re-anchors; a plain walk is the same
            query.update(limit=str(page_size), start=str(start))
        r = client.get(path, params=query)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
        body = r.json()
        data = body.get("data") or []
        yield (data.get("goals") or []) if isinstance(data, dict) else data  # /v1/goals/find nests its list
        extra = body.get("additional_data") or {}
        more = extra.get("pagination") or extra
        if paging == "cursor" and extra.get("next_cursor"):
            cursor = extra["next_cursor"]
        elif paging in ("offset", "keyset") and more.get("more_items_in_collection"):
            start = more["next_start"]
        else:
            return
    raise AssertionError(f"{path}: pagination never ended")


def fetch(client: httpx.Client, path: str, paging: str, params: dict[str, str] | None = None,
          page_size: int = 500) -> list[dict]:
    return [rec for page in pages(client, path, str(getattr(paging, "value", paging)), params or {}, page_size)
            for rec in page]
