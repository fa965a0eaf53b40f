"""`source-pipedrive export`: one Parquet or CSV file per table, through DuckDB's COPY."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.kit.database import query

STREAMS = ["activities", "deals", "leads", "stages"]


def test_parquet_export_writes_every_stream_table_with_its_types(synced, tmp_path, cli):
    out = tmp_path / "out"
    code, stdout, err = cli("export", "--db", str(synced), "--format", "parquet", "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [f"{s}.parquet" for s in STREAMS]
    assert "4 table(s) exported as parquet" in stdout
    with duckdb.connect() as con:
        for stream in STREAMS:
            (rows,) = con.execute(f"SELECT count(*) FROM read_parquet('{out / stream}.parquet')").fetchone()
            assert rows == query(synced, f'SELECT count(*) FROM "{stream}"')[0][0]
            assert f"{stream} " in stdout and f"{rows:,} rows" in stdout
        kinds = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                                 f"read_parquet('{out / 'deals'}.parquet'))").fetchall())
    assert kinds["segments"] == "BIGINT[]" and kinds["preferred_call_time"] == "TIME"
    assert kinds["add_time"] == "TIMESTAMP WITH TIME ZONE" and kinds["value"] == "DOUBLE"


def test_csv_export_with_meta_tables(synced, tmp_path, cli):
    out = tmp_path / "csv"
    code, _, err = cli("export", "--db", str(synced), "--format", "csv", "--out", str(out), "--include-meta")
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert {"_state.csv", "_syncs.csv", "_custom_fields.csv", "_meta.csv", "deals.csv"} <= set(names)
    assert not [n for n in names if n.startswith(".")]  # no partial files left
    header = (out / "deals.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "id" and "value" in header and "_sync_id" in header
    with duckdb.connect() as con:
        (rows,) = con.execute(f"SELECT count(*) FROM read_csv('{out / 'deals.csv'}')").fetchone()
    assert rows == query(synced, "SELECT count(*) FROM deals")[0][0]


def test_export_errors_are_one_line_and_exit_2(synced, tmp_path, cli):
    code, _, err = cli("export", "--db", str(tmp_path / "missing.duckdb"), "--format", "csv", "--out",
                       str(tmp_path / "o"))
    assert code == 2 and "missing.duckdb does not exist" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("export", "--db", str(synced), "--format", "xlsx", "--out", str(tmp_path / "o"))
    assert code == 2 and "invalid choice: 'xlsx'" in err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    code, _, err = cli("export", "--db", str(synced), "--format", "csv", "--out", str(a_file))
    assert code == 2 and "exists and is not a folder" in err
    code, _, err = cli("export", "--db", str(synced), "--format", "csv", "--out", str(a_file / "sub"))
    assert code == 2 and "cannot create the folder" in err
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("not a database")
    code, _, err = cli("export", "--db", str(not_duckdb), "--format", "csv", "--out", str(tmp_path / "o"))
    assert code == 2 and err.startswith(f"error: cannot open {not_duckdb}")
    assert not Path(tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())
