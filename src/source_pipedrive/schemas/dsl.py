"""A tiny DSL for Airbyte-safe JSON schemas: scalar constants, obj(), arr(), described()."""

from __future__ import annotations

from typing import Any

# Airbyte's catalog lint ([AB-CAT] TestDiscovery) allows `type` only as one type or [type, "null"],
# forbids $ref/allOf/anyOf/oneOf/not and additionalProperties: false. Every property carries a type
# PyAirbyte can map to a column ([AB-TYPES], [PYAIRBYTE-TYPES]): an untyped one is logged as
# "Could not determine airbyte type" on every read, so there is no untyped `{}` constant here.
# Everything here is nullable except INT/STR (reserved for primary keys): a record must never
# fail validation because the API sent null.

Schema = dict[str, Any]

INT: Schema = {"type": "integer"}
STR: Schema = {"type": "string"}
INT_N: Schema = {"type": ["integer", "null"]}
NUM_N: Schema = {"type": ["number", "null"]}
STR_N: Schema = {"type": ["string", "null"]}
BOOL_N: Schema = {"type": ["boolean", "null"]}
# v2 timestamps are RFC 3339 ("2024-07-01T05:46:33Z", [RD-V2MIG]); v1 leads use ISO 8601 with ms.
DT_N: Schema = {"type": ["string", "null"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}
DATE_N: Schema = {"type": ["string", "null"], "format": "date"}
# v1 "YYYY-MM-DD HH:MM:SS" (UTC, [RD-DATE]) is not RFC 3339: a date-time format would fail validators.
V1_DT_N: Schema = {"type": ["string", "null"], "description": "UTC, format YYYY-MM-DD HH:MM:SS (API v1)"}
TIME_N: Schema = {"type": ["string", "null"], "description": "HH:MM or HH:MM:SS"}


def described(schema: Schema, description: str) -> Schema:
    """A copy of `schema` with a description (never mutates the shared constants)."""
    return {**schema, "description": description}


def obj(**properties: Schema) -> Schema:
    """A nullable object that admits unknown keys (Pipedrive adds fields without notice)."""
    return {"type": ["object", "null"], "properties": dict(properties), "additionalProperties": True}


def arr(items: Schema) -> Schema:
    return {"type": ["array", "null"], "items": items}


def record(**properties: Schema) -> Schema:
    """A stream's top-level Draft-7 schema."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": dict(properties),
        "additionalProperties": True,
    }


# Shapes shared by several entities.
ADDRESS_PARTS = (
    "value",
    "street_number",
    "route",
    "subpremise",
    "sublocality",
    "locality",
    "admin_area_level_1",
    "admin_area_level_2",
    "country",
    "postal_code",
    "formatted_address",
)
# v2 persons.postal_address, organizations.address, activities.location ([SPEC-v2]).
ADDRESS: Schema = obj(**{part: STR_N for part in ADDRESS_PARTS})
COUNT = INT_N  # *_count fields, returned only via include_fields ([SPEC-v2])
