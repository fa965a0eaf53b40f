"""Shared test helpers: read a table back in a comparable form."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def table_rows(db: str | os.PathLike, table: str) -> list[tuple]:
    """All rows of `table`, sorted, without the loader's own `_` columns (sync ids, extraction times)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall() if not r[0].startswith("_")]
        rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"').fetchall()
    finally:
        con.close()
    return sorted(rows, key=repr)


def user_tables(db: str | os.PathLike) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SHOW TABLES").fetchall() if not r[0].startswith("_"))
    finally:
        con.close()


REPO = Path(__file__).resolve().parents[2]
