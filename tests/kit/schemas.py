"""Schema checks: Airbyte catalog lint, a strict format checker, custom-field samples,
the official operation facts per stream part, and the include_fields the connector requests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema

from pipedrive_sandbox.spec import Operation, operation, operations
from source_pipedrive.fields import CustomField
from source_pipedrive.http import Paging
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
# pipedrive_sandbox.spec serves the checked-in facts of every GET operation of [SPEC-v1]/[SPEC-v2]: its query
# parameters and the simplified schema of one record (`item`: type, format, enum, nullable, properties,
# items, any_of). A part's operation is "GET " + its path.

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


def requested_include_fields(stream: Stream) -> set[str]:
    """The include_fields the stream table names for any part of `stream` (Stream.params / Part.params)."""
    return {name.strip() for params in [stream.params] + [p.params for p in stream.parts(True)]
            for key, value in params if key == "include_fields"
            for name in value.split(",") if name.strip()}


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


OFFSETS = (Paging.OFFSET, Paging.KEYSET)  # keyset: offsets the connector re-anchors; a plain walk is the same


def pages(client: httpx.Client, path: str, paging: Paging, params: dict[str, str],
          page_size: int = 500) -> Iterator[list[dict[str, Any]]]:
    """Walk one list endpoint to the end the way Pipedrive paginates it ([RD-PAG]): v2 by cursor, v1 by
    start/limit (pagination data nested under `pagination` or flat), some v1 lists in one response.
    Where the official facts put the list one level down (/v1/goals/find: data.goals), it is read there."""
    records_key = operations().get(f"GET {path}", {}).get("records_key")
    cursor: str | None = None
    start = 0
    for _ in range(10_000):
        query = dict(params)
        if paging is Paging.CURSOR:
            query.update(limit=str(page_size), **({"cursor": cursor} if cursor else {}))
        elif paging in OFFSETS:
            query.update(limit=str(page_size), start=str(start))
        r = client.get(path, params=query)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
        body = r.json()
        data = body.get("data") or []
        if isinstance(data, dict):
            data = (data.get(records_key) or []) if records_key else []
        yield data
        extra = body.get("additional_data") or {}
        more = extra.get("pagination") or extra
        if paging is Paging.CURSOR and extra.get("next_cursor"):
            cursor = extra["next_cursor"]
        elif paging in OFFSETS and more.get("more_items_in_collection"):
            start = more["next_start"]
        else:
            return
    raise AssertionError(f"{path}: pagination never ended")


def fetch(client: httpx.Client, path: str, paging: Paging, params: dict[str, str] | None = None,
          page_size: int = 500) -> list[dict[str, Any]]:
    return [rec for page in pages(client, path, paging, params or {}, page_size) for rec in page]


def fetch_stream(client: httpx.Client, stream: Stream) -> list[dict[str, Any]]:
    """Every record of a stream's main list, unfiltered, as its row says to page it (field lists)."""
    return fetch(client, stream.path, stream.paging, stream.query(stream.parts(False)[0]), stream.page_size)
