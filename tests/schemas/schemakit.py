"""Shared checks for the schema tests: Airbyte catalog lint, a strict format checker, custom-field samples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema

from source_pipedrive.fields import CustomField

# Keywords Airbyte's CAT rejects in catalogs/specs ([airbyte-protocol.md] TestSpec/TestDiscovery).
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


# One custom field per §6 type plus the extra spec types; keys are 40-hex like real accounts.
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
