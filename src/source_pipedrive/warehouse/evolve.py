"""When a column's planned type differs from the type it already has in the file.

A field whose type changed (in Pipedrive, or because this connector now types it better) is converted
in place when every existing value converts: `VARCHAR '12'` -> `BIGINT 12`, `'16:30'` -> `TIME`, a
`{"amount", "currency"}` JSON -> its amount, the currency filling the new `<name>_currency` column.
When some existing value would become NULL, nothing is rewritten: the old column keeps the old values
and new values go to `<name>__<type>` (e.g. `customer_type__bigint`), with a warning in the sync
summary. Later syncs find that column and write there without a word. A row that is synced again is
replaced whole, like every upsert: it then holds only its new value, in the new column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb

from .columns import Column, TablePlan

Quote = Callable[[str], str]
REDIRECT = re.compile(r"__[a-z]+(?:_list)?$")  # the suffix of a `<name>__<type>` column


def type_suffix(sql_type: str) -> str:
    """'BIGINT' -> 'bigint', 'BIGINT[]' -> 'bigint_list', 'TIMESTAMP WITH TIME ZONE' -> 'timestamptz'."""
    base = sql_type.upper().replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")
    text = base.replace("[]", "_list").lower()
    return re.sub(r"[^a-z_]+", "", text) or "typed"


def is_redirect(column: str) -> bool:
    """A `<name>__<type>` column: names made from Pipedrive field names never hold a double `_`."""
    return bool(REDIRECT.search(column))


@dataclass
class Evolution:
    """What prepare must do to a table besides adding columns."""

    renames: dict[str, str] = field(default_factory=dict)  # planned name -> `<name>__<type>`
    convert: list[tuple[Column, str]] = field(default_factory=list)  # (column, USING expression)
    fill: list[tuple[Column, str]] = field(default_factory=list)  # new sibling column, value from old JSON
    warnings: list[str] = field(default_factory=list)


_CANONICAL: dict[str, str] = {}


def canonical(con: duckdb.DuckDBPyConnection, sql_type: str) -> str:
    """DuckDB's own spelling of a type, as information_schema shows it ('TIMESTAMPTZ' -> 'TIMESTAMP
    WITH TIME ZONE'); asked once per type and process."""
    if sql_type not in _CANONICAL:
        row = con.execute(f"SELECT typeof(CAST(NULL AS {sql_type}))").fetchone()
        _CANONICAL[sql_type] = str(row[0]) if row else sql_type
    return _CANONICAL[sql_type]


def plan_evolution(con: duckdb.DuckDBPyConnection, plan: TablePlan, existing: Mapping[str, str],
                   quote: Quote) -> Evolution:
    """Compare the plan with the table's `existing` types (lower-case name -> DuckDB type)."""
    evo = Evolution()
    table = quote(plan.stream)
    for col in plan.columns:
        old = existing.get(col.name.lower())
        new = canonical(con, col.sql_type)
        if old is None or old == new:
            continue
        redirect = f"{col.name}__{type_suffix(new)}"
        if existing.get(redirect.lower()) == new:  # decided by an earlier sync
            evo.renames[col.name] = redirect
            continue
        source = _source(col, old, quote)
        lost = _lost(con, table, source, old, new)
        if lost == 0:
            evo.convert.append((col, f"TRY_CAST({source} AS {col.sql_type})"))
            if old == "JSON" and col.part:  # an object now split into columns: its other parts too
                evo.fill += [(c, _source(c, old, quote, quote(col.name))) for c in plan.columns
                             if c is not col and c.part and c.path[:1] == col.path[:1]
                             and c.name.lower() not in existing]
        else:
            evo.renames[col.name] = redirect
            evo.warnings.append(
                f"{plan.stream}.{col.name}: the field is now {col.sql_type}, but {lost:,} existing value(s) of type "
                f"{old} would not convert; they stay in {col.name}, new values go to {redirect} (a row synced "
                f"again keeps only its new value)")
    return evo


def apply_evolution(con: duckdb.DuckDBPyConnection, plan: TablePlan, evo: Evolution, quote: Quote) -> None:
    """After new columns were added: fill split-off parts, then convert columns in place."""
    table = quote(plan.stream)
    for col, expr in evo.fill:
        con.execute(f"UPDATE {table} SET {quote(col.name)} = TRY_CAST({expr} AS {col.sql_type})")
    for col, expr in evo.convert:
        con.execute(f"ALTER TABLE {table} ALTER COLUMN {quote(col.name)} SET DATA TYPE {col.sql_type} USING {expr}")


def _source(col: Column, old: str, quote: Quote, holder: str | None = None) -> str:
    """The expression giving the column's value from what the file holds. A JSON column whose
    object is now split into parts (leads.value -> value + value_currency) gives each part by path."""
    name = holder or quote(col.name)
    if old != "JSON":
        return name
    if col.part:
        path = "'$.\"" + col.part.replace("'", "''").replace('"', '\\"') + "\"'"
        return f"json_extract_string({name}, {path})" if col.sql_type == "VARCHAR" else f"json_extract({name}, {path})"
    return f"json_extract_string({name}, '$')" if col.sql_type == "VARCHAR" else name


def _lost(con: duckdb.DuckDBPyConnection, table: str, source: str, old: str, new: str) -> int:
    """How many existing values would become NULL (or lose list items) if converted to `new`."""
    present = f"{source} IS NOT NULL"
    if old == "JSON" and not source.startswith("json_extract_string("):  # a JSON null is no value either
        present += f" AND json_type({source}) <> 'NULL'"
    gone = f"TRY_CAST({source} AS {new}) IS NULL"
    if new.endswith("[]"):
        gone += f" OR list_count(TRY_CAST({source} AS {new})) <> list_count(TRY_CAST({source} AS VARCHAR[]))"
    row = con.execute(f"SELECT count(*) FROM {table} WHERE {present} AND ({gone})").fetchone()
    return int(row[0]) if row else 0


__all__ = ["Evolution", "plan_evolution", "apply_evolution", "type_suffix", "is_redirect"]
