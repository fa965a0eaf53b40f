"""From a stream's JSON schema to a DuckDB table plan: typed columns, custom fields by human name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

# A Pipedrive custom field key is a 40-character hex hash, different per account ([RD-CF]); v1
# records add companions such as `<key>_currency` / `<key>_until` for composite types ([SPEC-v1]).
CUSTOM_KEY = re.compile(r"^([0-9a-f]{40})(?:_([a-z0-9_]+))?$")
# The source's description of a custom property: "Custom field 'Name' (enum)[, part 'p'][; options: 1=A, 2=B]".
DESCRIPTION = re.compile(
    r"^Custom field '(?P<name>.*)' \((?P<type>[a-z_]+)\)(?:, part '[^']*')?(?:; options: (?P<options>.*))?$", re.S)
OPTION = re.compile(r"(?:^|, )([^=,]+)=")
# The loader's own columns: the sync that last wrote the row, when it was read, a hash of the record.
META_COLUMNS = (("_sync_id", "BIGINT"), ("_extracted_at", "TIMESTAMPTZ"), ("_record_hash", "UBIGINT"))
MAX_NAME = 63
# Item types a list column may have; a list of anything else (objects, lists) stays JSON.
SCALAR_TYPES = ("BIGINT", "DOUBLE", "VARCHAR", "BOOLEAN", "DATE", "TIME", "TIMESTAMP", "TIMESTAMPTZ")
# The schemas describe a time of day as "HH:MM or HH:MM:SS" (schemas.dsl.TIME_N); a duration written
# the same way ("01:30") is no time of day and stays text.
TIME_OF_DAY = "HH:MM"
DURATIONS = frozenset({"duration"})
# One SQL type per Pipedrive field type where API v1 and v2 send the same value differently: v1
# (leads) sends an enum's option id as "12" and a set as "12,34"; v2 sends 12 and [12, 34]. Without
# this a custom field shared by deals (v2) and leads (v1) would be BIGINT in one table and VARCHAR
# in the other.
FIELD_TYPES = {"enum": "BIGINT", "set": "BIGINT[]"}
TIME_FIELD_TYPES = ("time", "timerange")  # their value and `until` parts are times of day
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH"})


@dataclass(frozen=True)
class Column:
    name: str  # the SQL column name
    sql_type: str  # DuckDB type; also the json_transform target, which never raises on a bad value
    path: tuple[str, ...]  # where the value sits in the record
    split: bool = False  # a v1 set field's "12,34" becomes a list ([RD-V2MIG] value table)
    part: str | None = None  # a part of a built-in object split into columns (money: amount, currency)


@dataclass(frozen=True)
class CustomColumn:
    """One row of `_custom_fields`: which column holds which custom field (or one of its parts)."""

    column: str
    key: str  # the 40-hex key; "key.part" for a part of a composite value (currency, until, ...)
    name: str  # Pipedrive's human name at the last sync
    field_type: str | None
    options: tuple[tuple[str, str], ...] = ()  # (option id, label) of enum / set fields


@dataclass(frozen=True)
class TablePlan:
    stream: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]  # column names
    custom: tuple[CustomColumn, ...] = ()

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns] + [name for name, _ in META_COLUMNS]

    def structure(self) -> dict[str, Any]:
        """The json_transform structure: one parse of each record yields every typed value."""
        root: dict[str, Any] = {}
        for col in self.columns:
            node = root
            for step in col.path[:-1]:
                node = node.setdefault(step, {})
            node[col.path[-1]] = "VARCHAR" if col.split else col.sql_type
        return root

    def renamed(self, names: Mapping[str, str]) -> TablePlan:
        """The plan with some columns written elsewhere (a changed type that old values cannot take:
        the values go to `<name>__<type>`, see Warehouse.prepare)."""
        if not names:
            return self
        cols = tuple(replace(c, name=names.get(c.name, c.name)) for c in self.columns)
        pk = tuple(names.get(k, k) for k in self.primary_key)
        custom = tuple(replace(cc, column=names.get(cc.column, cc.column)) for cc in self.custom)
        return replace(self, columns=cols, primary_key=pk, custom=custom)


def sql_type(schema: Any) -> str:
    """DuckDB type for one JSON-schema property; JSON when it could hold more than one shape."""
    if not isinstance(schema, dict):
        return "JSON"
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    types = [t for t in types if t != "null"]
    if not types:
        return "JSON"
    if len(types) > 1:
        return "DOUBLE" if set(types) <= {"integer", "number"} else "JSON"
    kind = types[0]
    if kind == "integer":
        return "BIGINT"
    if kind == "number":
        return "DOUBLE"  # money too: Pipedrive sends floats, DOUBLE keeps them exactly as sent
    if kind == "boolean":
        return "BOOLEAN"
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            naive = schema.get("airbyte_type") == "timestamp_without_timezone"
            return "TIMESTAMP" if naive else "TIMESTAMPTZ"
        if fmt == "time" or schema.get("airbyte_type") == "time_without_timezone" or str(
                schema.get("description") or "").startswith(TIME_OF_DAY):
            return "TIME"
        return "DATE" if fmt == "date" else "VARCHAR"
    if kind == "array":
        item = sql_type(schema.get("items"))
        return f"{item}[]" if item in SCALAR_TYPES else "JSON"
    return "JSON"


def money_parts(schema: Any) -> tuple[str, str] | None:
    """(amount key, currency key) when `schema` is a money object such as leads' `value`
    ({"amount", "currency"}) or a v2 {"value", "currency"}: it becomes two columns, not JSON."""
    if not isinstance(schema, dict) or sub_type(schema) != "object":
        return None
    sub = schema.get("properties")
    if not isinstance(sub, dict) or "currency" not in sub:
        return None
    amount = next((k for k in ("amount", "value") if k in sub), None)
    if amount is None or set(sub) != {amount, "currency"} or sql_type(sub[amount]) not in ("BIGINT", "DOUBLE"):
        return None
    return amount, "currency"


def custom_sql_type(field_type: str | None, part: str | None, schema: Any) -> tuple[str, bool]:
    """(SQL type, split) of one custom field (part): from the Pipedrive field type where v1 and v2
    differ, else from the schema. `split`: a v1 set's "12,34" text is split into a list."""
    kind = sql_type(schema)
    if part is None and field_type in FIELD_TYPES and kind in ("VARCHAR", "BIGINT", "VARCHAR[]", "BIGINT[]"):
        return FIELD_TYPES[field_type], kind == "VARCHAR" and field_type == "set"
    if field_type in TIME_FIELD_TYPES and part in (None, "until") and kind == "VARCHAR":
        return "TIME", False
    if field_type == "monetary" and part is None and kind == "BIGINT":
        return "DOUBLE", False
    return kind, False


def snake(name: str) -> str:
    """'Contract value (€)' -> 'contract_value'; accents folded, never empty, never a leading digit."""
    text = unicodedata.normalize("NFKD", str(name).translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:MAX_NAME].rstrip("_")
    if not text:
        return "custom_field"
    return f"f_{text}" if text[0].isdigit() else text


def _unique(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 2
    while name.lower() in taken:
        suffix = f"_{n}"
        name, n = wanted[: MAX_NAME - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def field_meta(prop: Mapping[str, Any]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """Pipedrive field_type and enum/set options as the source publishes them on a property."""
    ftype = None
    for key in ("x-pipedrive-field-type", "x_pipedrive_field_type", "x-field-type", "field_type"):
        if isinstance(prop.get(key), str):
            ftype = prop[key]
            break
    raw = None
    for key in ("x-pipedrive-options", "x_pipedrive_options", "x-options", "options"):
        if isinstance(prop.get(key), list):
            raw = prop[key]
            break
    described = DESCRIPTION.match(str(prop.get("description") or ""))
    if described:
        ftype = ftype or described.group("type")
        if raw is None and described.group("options"):
            raw = _parse_options(described.group("options"))
    options = []
    for opt in raw or []:
        if isinstance(opt, dict) and "id" in opt:
            options.append((str(opt["id"]), str(opt.get("label", ""))))
    return ftype, tuple(options)


def _parse_options(text: str) -> list[dict[str, str]]:
    """'101=Small, 102=Big, …' -> [{id, label}]; a trailing '…' means the list was cut short."""
    text = text.rstrip("…").rstrip().rstrip(",")
    marks = list(OPTION.finditer(text))
    out = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append({"id": mark.group(1).strip(), "label": text[mark.end():end]})
    return out


def plan_table(stream: str, schema: Mapping[str, Any], primary_key: Iterable[Iterable[str]],
               known: Mapping[str, str] | None = None, taken: Iterable[str] = ()) -> TablePlan:
    """Plan one stream's table.

    `known` maps custom keys already given a column (from `_custom_fields`) to that column, so a
    field renamed in Pipedrive keeps its first column (as dlt does) and adding a field never
    renames another. `taken` lists the table's existing column names.
    """
    known = dict(known or {})
    props: Mapping[str, Any] = schema.get("properties") or {}
    custom_cols = {c.lower() for c in known.values()}
    used: set[str] = {n for n, _ in META_COLUMNS} | custom_cols
    columns: list[Column] = []
    customs: list[tuple[str, str, Any]] = []  # (key, path prefix, prop)
    companions: dict[str, list[tuple[str, Any]]] = {}  # v1: hash -> [(part, prop)]
    for key, prop in props.items():
        if key == "custom_fields" and isinstance(prop, dict) and isinstance(prop.get("properties"), dict):
            customs.extend((k, "custom_fields", p) for k, p in prop["properties"].items() if isinstance(p, dict))
        elif isinstance(prop, dict) and (custom_key := CUSTOM_KEY.match(key)):
            hash_, part = custom_key.groups()
            if part and hash_ in props:
                companions.setdefault(hash_, []).append((part, prop))
            else:
                customs.append((key, "", prop))
    flat = {k for k, prefix, _ in customs if not prefix} | {f"{h}_{p}" for h, ps in companions.items() for p, _ in ps}
    nested = any(prefix for _, prefix, _ in customs)
    for key, prop in props.items():
        if (key == "custom_fields" and nested) or key in flat:
            continue
        name = key if key.lower() not in used else _unique(key, used)
        used.add(name.lower())
        money = money_parts(prop)
        if money is not None:  # leads.value {amount, currency} -> value DOUBLE + value_currency VARCHAR
            columns.append(Column(name, "DOUBLE", (key, money[0]), part=money[0]))
            columns.append(Column(_unique(f"{name}_currency", used), "VARCHAR", (key, money[1]), part=money[1]))
            continue
        kind = sql_type(prop)
        columns.append(Column(name, "VARCHAR" if kind == "TIME" and key in DURATIONS else kind, (key,)))
    used |= {t.lower() for t in taken}  # new custom columns never reuse an existing column
    custom_rows: list[CustomColumn] = []
    for key, prefix, prop in customs:
        title = str(prop.get("title") or key)
        ftype, options = field_meta(prop)
        parts: list[tuple[str | None, tuple[str | None, ...], Any]] = [
            (part, (prefix, key, step) if prefix else (key, step), sub) for part, step, sub in _parts(prop)]
        parts += [(part, (f"{key}_{part}",), sub) for part, sub in companions.get(key, [])]
        main = None
        for part, path, sub in parts:
            ckey = key if part is None else f"{key}.{part}"
            if ckey not in known:
                stem = snake(title) if main is None else main
                known[ckey] = _unique(stem if part is None else f"{stem}_{snake(part)}", used)
            col = known[ckey]
            main = main or (col if part is None else None)
            kind, split = custom_sql_type(ftype, part, sub)
            columns.append(Column(col, kind, tuple(p for p in path if p), split))
            label = title if part is None else f"{title} ({part})"
            custom_rows.append(CustomColumn(col, ckey, label, ftype, options if part is None else ()))
    pk = tuple(_pk_column(columns, path) for path in primary_key)
    return TablePlan(stream, tuple(columns), tuple(p for p in pk if p), tuple(custom_rows))


def _parts(prop: Mapping[str, Any]) -> list[tuple[str | None, str | None, Any]]:
    """A composite v2 value ({value, currency}, {value, until}, an address) becomes one column per
    part, the main one carrying `value` under the field's own name ([RD-V2MIG] value table)."""
    sub = prop.get("properties")
    if sub_type(prop) == "object" and isinstance(sub, dict) and sub:
        main: list[tuple[str | None, str | None, Any]] = [(None, "value", sub["value"])] if "value" in sub else []
        return main + [(k, k, v) for k, v in sub.items() if k != "value"]
    return [(None, None, prop)]


def sub_type(prop: Mapping[str, Any]) -> str | None:
    types = prop.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    types = [t for t in types if t != "null"]
    return types[0] if len(types) == 1 else None


def _pk_column(columns: list[Column], path: Iterable[str]) -> str | None:
    path = tuple(path)
    for col in columns:
        if col.path == path:
            return col.name
    return None
