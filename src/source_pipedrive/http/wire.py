"""What crosses the wire: query parameters out, JSON objects back (Pipedrive answers every API call,
and its OAuth token endpoint, with one JSON object)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

QueryValue = str | int | float | bool
Params = Mapping[str, QueryValue | None]  # None: the parameter is left out
JsonObject = dict[str, Any]


class BadBody(Exception):
    """A 2xx whose body is not the JSON object Pipedrive always sends (cut short, garbled)."""


def parse_object(content: bytes) -> JsonObject:
    """The JSON object in a body; BadBody says why there is none."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise BadBody(f"invalid JSON ({len(content)} bytes): {exc}") from None
    if not isinstance(body, dict):
        raise BadBody(f"expected a JSON object, got {type(body).__name__}")
    return body


def object_or_none(content: bytes) -> JsonObject | None:
    """The JSON object in a body, or None (an HTML page, an empty or garbled body, a list)."""
    try:
        return parse_object(content)
    except BadBody:
        return None
