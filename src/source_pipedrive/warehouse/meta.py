"""The DuckDB file itself: which DuckDB releases can read it, which Pipedrive company it belongs to
(`_meta`), and the migrations that bring a file written by an earlier version up to date."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

# New files are written in DuckDB's v1.3.0 storage format (header version 66): every DuckDB from 1.3
# (May 2025) on reads them, the Python package users still run as much as the newest CLI. A file
# written in the installed DuckDB's own format (2.0: storage version 69) is refused by every older
# release, the current `duckdb-cli` 1.5 included. The 1.0 format (header 64, read by DuckDB 1.0 and
# later), used until 2026-12, costs every checkpoint more: loading the medium sandbox's records, the
# commits and the closing checkpoint took 0.64 s in it and 0.39 s in this one, and a whole sync 0.4 s
# more (bench/bench_sync.py); its file was a fifth larger. Existing files keep the format they were
# created with.
STORAGE_COMPATIBILITY = "v1.3.0"
# What `_meta.format_version` says once the migrations below have run on a file.
FORMAT_VERSION = 2
META_TABLE = "CREATE TABLE IF NOT EXISTS _meta (key VARCHAR, value VARCHAR)"


def connect(path: str | os.PathLike[str], *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open `path`; a new file is created in the STORAGE_COMPATIBILITY format (the `sync` extra asks
    for a DuckDB that knows it)."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})


def storage_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The oldest DuckDB that reads the current database, as DuckDB reports it ('v1.0.0+'), or None
    on DuckDB releases whose duckdb_databases() has no such tag."""
    try:
        row = con.execute("SELECT tags['storage_version'] FROM duckdb_databases()"
                          " WHERE database_name = current_database()").fetchone()
    except duckdb.Error:
        return None
    if row is None or row[0] is None:
        return None
    value = row[0][0] if isinstance(row[0], list) else row[0]  # older MAP lookups answer a list
    return str(value) if value else None


def header_version(path: str | os.PathLike[str]) -> int:
    """The storage version number in a DuckDB file's main header (64: DuckDB 0.10 to 1.1 format, 66: 1.3)."""
    with open(path, "rb") as fh:
        head = fh.read(20)
    if len(head) < 20 or head[8:12] != b"DUCK":
        raise ValueError(f"{path} is not a DuckDB file")
    return int.from_bytes(head[12:20], "little")


# ---- one file, one Pipedrive company ----------------------------------------------------------


@dataclass(frozen=True)
class Company:
    id: str
    name: str | None = None
    domain: str | None = None

    @classmethod
    def from_me(cls, me: Mapping[str, Any] | None) -> Company | None:
        """From GET /v1/users/me's data (company_id, company_name, company_domain)."""
        if not me or me.get("company_id") is None:
            return None
        name, domain = me.get("company_name"), me.get("company_domain")
        return cls(str(me["company_id"]), str(name) if name else None, str(domain) if domain else None)

    def describe(self) -> str:
        where = f"{self.domain}.pipedrive.com, " if self.domain else ""
        return f"'{self.name or 'unnamed'}' ({where}company id {self.id})"


class AccountMismatch(Exception):
    """The file holds another Pipedrive company's data: a sync into it would mix two accounts."""


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not _has_table(con, "_meta"):
        return {}
    return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM _meta").fetchall() if v is not None}


def stored_company(con: duckdb.DuckDBPyConnection) -> Company | None:
    meta = read_meta(con)
    if "company_id" not in meta:
        return None
    return Company(meta["company_id"], meta.get("company_name"), meta.get("company_domain"))


def check_company(con: duckdb.DuckDBPyConnection, company: Company | None, path: str) -> None:
    """Raise AccountMismatch when the file belongs to another company than `company` (read only)."""
    stored = stored_company(con)
    if company is None or stored is None or stored.id == company.id:
        return
    raise AccountMismatch(
        f"{path} holds the data of Pipedrive company {stored.describe()}, but this config connects to company "
        f"{company.describe()}. One file holds one company: choose a new --db file for this account.")


def set_meta(con: duckdb.DuckDBPyConnection, values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        con.execute("DELETE FROM _meta WHERE key = ?", [key])
        if value is not None:
            con.execute("INSERT INTO _meta VALUES (?, ?)", [key, value])


def record_company(con: duckdb.DuckDBPyConnection, company: Company | None) -> None:
    """At the first sync that knows its company; later syncs keep the first one's record."""
    if company is None or stored_company(con) is not None:
        return
    set_meta(con, {"company_id": company.id, "company_name": company.name, "company_domain": company.domain})


# ---- migrations --------------------------------------------------------------------------------


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a file written by an earlier version up to date, in place; returns what changed. Each
    step looks at the file's actual shape, so running it twice changes nothing the second time."""
    done = []
    for table in ("_custom_fields", "_custom_field_options"):
        # `column` is a reserved word: `ORDER BY column` fails. The macros are re-created afterwards.
        cols = _columns(con, table)
        if "column" in cols and "column_name" not in cols:
            con.execute(f'ALTER TABLE {table} RENAME COLUMN "column" TO column_name')
            done.append(f'{table}."column" renamed to column_name')
    if _columns(con, "_syncs").get("streams") == "VARCHAR":
        con.execute("ALTER TABLE _syncs ALTER COLUMN streams SET DATA TYPE VARCHAR[] USING (CASE"
                    " WHEN streams IS NULL THEN NULL WHEN trim(streams) = '' THEN []::VARCHAR[]"
                    " ELSE string_split(streams, ',') END)")
        done.append("_syncs.streams converted to a VARCHAR[] list")
    return done


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns(con, table))


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns"
                       " WHERE table_schema = 'main' AND table_name = ?", [table]).fetchall()
    return {str(name): str(dtype) for name, dtype in rows}


__all__ = ["STORAGE_COMPATIBILITY", "FORMAT_VERSION", "META_TABLE", "connect", "storage_version", "header_version",
           "Company", "AccountMismatch", "read_meta", "stored_company", "check_company", "set_meta",
           "record_company", "migrate"]
