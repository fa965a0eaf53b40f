"""JSON schemas of every stream: base_schema(stream) gives a fresh Draft-7 schema per call."""

from __future__ import annotations

import copy
from typing import Any

from . import account, children, contacts, engagement, fieldlists, projects, sales, settings

_SCHEMAS: dict[str, dict[str, Any]] = {
    **sales.SCHEMAS,
    **contacts.SCHEMAS,
    **account.SCHEMAS,
    **engagement.SCHEMAS,
    **settings.SCHEMAS,
    **fieldlists.SCHEMAS,
    **projects.SCHEMAS,
    **children.SCHEMAS,
}
STREAM_NAMES: tuple[str, ...] = tuple(sorted(_SCHEMAS))


def base_schema(stream: str) -> dict[str, Any]:
    """The schema a stream has before per-account custom fields are added (a deep copy: callers may mutate)."""
    try:
        return copy.deepcopy(_SCHEMAS[stream])
    except KeyError:
        raise KeyError(f"no schema for stream {stream!r}; known: {', '.join(STREAM_NAMES)}") from None


__all__ = ["STREAM_NAMES", "base_schema"]
