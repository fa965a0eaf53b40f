"""The official OpenAPI facts the sandbox serves by: which query parameters each GET operation takes,
with their types, enums, maxima and datetime formats; its token cost; where its pagination block sits.

`facts.json` is generated from Pipedrive's OpenAPI files by `scripts/spec_facts.py` ([SPEC-v1],
[SPEC-v2] in docs/references.md) and checked in, so the sandbox and the tests need no file outside the
repository. The gate below makes the sandbox spec-true by construction: a parameter an operation does
not define is ignored (as Pipedrive ignores it) and reported in the stats, never honoured; a defined
one with a bad value gets the API's 400.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

FACTS_FILE = Path(__file__).with_name("facts.json")

# Consumed by the auth layer before the gate; not an operation parameter, never reported as ignored.
AUTH_PARAMS = frozenset({"api_token"})

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_V1_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_INT = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATETIME_FORMATS = {"rfc3339": (_RFC3339, "RFC3339 date-time, e.g. 2025-01-01T10:20:00Z"),
                     "v1": (_V1_DATETIME, "YYYY-MM-DD HH:MM:SS"), "date": (_DATE, "YYYY-MM-DD")}


class BadParameter(ValueError):
    """A defined parameter with a value the operation does not accept (the API answers 400)."""


@dataclass(frozen=True)
class Operation:
    key: str                                   # "GET /v1/leads", "GET /api/v2/deals/{id}"
    cost: int
    paging: str                                # cursor | offset | offset-flat | none
    data: str                                  # array | object | none
    records_key: str | None
    params: dict[str, dict[str, Any]] = field(repr=False)
    item: dict[str, Any] = field(repr=False)
    additional: tuple[str, ...] = ()           # the keys the 200 schema lists under additional_data
    # one precompiled check per query parameter: the gate runs on every request, so it is dict lookups
    checks: dict[str, Callable[[str], None]] = field(repr=False, default_factory=dict)
    required: tuple[str, ...] = ()

    @property
    def is_list(self) -> bool:
        """Returns several records: data is an array, or an object holding one (goals: data.goals)."""
        return self.data == "array" or self.records_key is not None

    def admit(self, query: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        """(the parameters the operation defines, valid; the names it does not define, ignored)."""
        accepted: dict[str, str] = {}
        ignored: list[str] = []
        checks = self.checks
        for name, value in query.items():
            check = checks.get(name)
            if check is None:
                if name not in AUTH_PARAMS:
                    ignored.append(name)
                continue
            if value == "":
                continue  # an empty parameter is an absent one
            check(value)
            accepted[name] = value
        for name in self.required:
            if name not in accepted:
                raise BadParameter(f"Parameter '{name}' is required.")
        return accepted, ignored


def check_value(spec: dict[str, Any], value: str) -> None:
    """Raise BadParameter when `value` is outside what the parameter's spec accepts."""
    name = spec["name"]
    kind = spec.get("type", "string")
    many = spec.get("list") or kind == "array"
    values = [v.strip() for v in value.split(",")] if many else [value]
    limit = spec.get("max_items")
    if limit is not None and len(values) > limit:
        raise BadParameter(f"Parameter '{name}' accepts at most {limit} values.")
    item_kind = (spec.get("items") or {}).get("type", "string") if kind == "array" else kind
    enum = spec.get("enum") if kind != "array" else (spec.get("items") or {}).get("enum")
    for v in values:
        _check_one(spec, name, item_kind, enum, v)


def _check_one(spec: dict[str, Any], name: str, kind: str, enum: list[Any] | None, v: str) -> None:
    if kind == "integer":
        if not _INT.match(v):  # int() would also take "1_0" and " 7"
            raise BadParameter(f"Invalid value for parameter '{name}'. Expected an integer.")
        number: float = int(v)
    elif kind == "number":
        if not _NUMBER.match(v):  # float() would also take "nan" and "inf"
            raise BadParameter(f"Invalid value for parameter '{name}'. Expected a number.")
        number = float(v)
    elif kind == "boolean":
        if v.lower() not in ("true", "false", "1", "0"):
            raise BadParameter(f"Invalid value for parameter '{name}'. Expected a boolean.")
        return
    else:
        _check_string(spec, name, enum, v)
        return
    if enum is not None and number not in enum:
        raise BadParameter(f"Invalid value for parameter '{name}'. Supported values: {', '.join(map(str, enum))}.")
    if "maximum" in spec and number > spec["maximum"]:
        raise BadParameter(f"Invalid value for parameter '{name}'. Maximum is {spec['maximum']}.")
    if "minimum" in spec and number < spec["minimum"]:
        raise BadParameter(f"Invalid value for parameter '{name}'. Minimum is {spec['minimum']}.")


def _check_string(spec: dict[str, Any], name: str, enum: list[Any] | None, v: str) -> None:
    """A string value: its enum, its datetime or date format, a UUID."""
    if enum is not None and v not in [str(e) for e in enum]:
        raise BadParameter(f"Invalid value for parameter '{name}'. Supported values: "
                           f"{', '.join(map(str, enum))}.")
    fmt = spec.get("datetime") or ("rfc3339" if spec.get("format") == "date-time" else
                                   "date" if spec.get("format") == "date" else None)
    if fmt is not None:
        rx, label = _DATETIME_FORMATS[fmt]
        if not rx.match(v):
            raise BadParameter(f"Invalid value for parameter '{name}'. Expected {label}.")
    if spec.get("format") == "uuid" and not _UUID.match(v):
        raise BadParameter(f"Invalid value for parameter '{name}'. Expected a UUID.")


@functools.lru_cache(maxsize=1)
def facts() -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(FACTS_FILE.read_bytes())
    return loaded


@functools.cache
def operation(key: str) -> Operation:
    """The operation named like "GET /v1/leads"; KeyError if the official files have none."""
    raw = facts()["operations"][key]
    params = {p["name"]: p for p in raw["params"] if p.get("in", "query") == "query"}
    return Operation(key=key, cost=int(raw["cost"] or 0), paging=raw["paging"], data=raw["data"],
                     records_key=raw.get("records_key"), params=params, item=raw.get("item") or {},
                     additional=tuple(raw.get("additional_data") or ()),
                     checks={name: functools.partial(check_value, spec) for name, spec in params.items()},
                     required=tuple(name for name, spec in params.items() if spec.get("required")))


def operations() -> dict[str, dict[str, Any]]:
    ops: dict[str, dict[str, Any]] = facts()["operations"]
    return ops


__all__ = ["FACTS_FILE", "BadParameter", "Operation", "check_value", "facts", "operation", "operations"]
