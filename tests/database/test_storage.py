"""Which DuckDB releases can open the file `sync` writes."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import duckdb
import pytest

from source_pipedrive import sync
from source_pipedrive.warehouse import Warehouse, meta
from tests.kit.database import config_for, query

# The header's storage version number of DuckDB's v1.3.0 format, which every DuckDB >= 1.3 reads.
V1_3_STORAGE = 66


def test_a_new_file_is_written_in_the_duckdb_1_3_storage_format(synced):
    assert meta.header_version(synced) == V1_3_STORAGE
    with duckdb.connect(str(synced), read_only=True) as con:
        tag = meta.storage_version(con)
    if tag is not None:  # DuckDB >= 1.2 tells it in duckdb_databases()
        assert tag == "v1.3.0+"


def test_an_existing_file_keeps_its_storage_format(tmp_path):
    db = tmp_path / "newer.duckdb"
    with duckdb.connect(str(db)) as con:  # the installed DuckDB's own format
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
        before = meta.storage_version(con)
    header = meta.header_version(db)
    with Warehouse(db) as wh:
        wh.con.execute("CHECKPOINT")
        assert meta.storage_version(wh.con) == before
    assert meta.header_version(db) == header


def test_header_version_refuses_a_file_that_is_not_duckdb(tmp_path):
    other = tmp_path / "x.duckdb"
    other.write_bytes(b"hello, this is no database" * 4)
    with pytest.raises(ValueError):
        meta.header_version(other)


def _venv_with(tmp_path: Path, *packages: str) -> Path:
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
                   check=True, timeout=600)
    return env


# A file like the demo's: every shape the loader writes (lists, TIME, JSON, TIMESTAMPTZ, UBIGINT, the
# label macros), through a real sync of the sandbox.
CHECKS = ("SELECT count(*) > 0, count(segments) > 0, count(preferred_call_time) > 0,"
          " count(custom_label('deals', 'customer_type', customer_type)) > 0 FROM deals")


@pytest.fixture(scope="module")
def demo_like(company_a, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "pipedrive-demo.duckdb"
    assert sync.run(config_for(company_a), db).status == "succeeded"
    return db


@pytest.mark.long
def test_the_duckdb_cli_from_pypi_opens_the_file(demo_like, tmp_path):
    env = _venv_with(tmp_path, "duckdb-cli")
    run = subprocess.run([str(env / "bin" / "duckdb"), "-readonly", "-csv", str(demo_like), "-c", CHECKS],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "true,true,true,true"
    expected = query(demo_like, "SELECT count(*) FROM leads")[0][0]
    run = subprocess.run([str(env / "bin" / "duckdb"), "-readonly", "-csv", "-noheader", str(demo_like), "-c",
                          "SELECT count(*) FROM leads"], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == str(expected)


@pytest.mark.long
def test_the_oldest_python_duckdb_claimed_opens_the_file(demo_like, tmp_path):
    env = _venv_with(tmp_path, "duckdb==1.3.0")  # wheels for CPython 3.9 to 3.13
    script = (f"import duckdb; con = duckdb.connect({str(demo_like)!r}, read_only=True); "
              f"print(duckdb.__version__, con.execute({CHECKS!r}).fetchone(), "
              "con.execute('SELECT streams FROM _syncs').fetchone()[0][:1])")
    run = subprocess.run([str(env / "bin" / "python"), "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split(" ", 1)[1].strip() == "(True, True, True, True) ['deals']"
