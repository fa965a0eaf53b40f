"""One file, one Pipedrive company."""

from __future__ import annotations

import json

import duckdb

from source_pipedrive import sync
from source_pipedrive.warehouse import Warehouse, meta
from tests.kit.database import ScriptedSource, config_for, items_schema, query, write_config


def test_account_answers_users_me_without_printing(company_a, capsys):
    me = sync.account(config_for(company_a))
    assert (me["company_id"], me["company_name"], me["company_domain"]) == (1001, "Sandbox Company", "sandbox")
    assert me.usage is not None and me.usage.requests == 1 and me.usage.tokens == 2
    assert capsys.readouterr() == ("", "")


def test_the_first_sync_records_the_company_and_counts_the_lookup(synced, company_a):
    meta_rows = dict(query(synced, "SELECT key, value FROM _meta"))
    assert meta_rows["company_id"] == "1001"
    assert meta_rows["company_name"] == "Sandbox Company" and meta_rows["company_domain"] == "sandbox"
    assert meta_rows["format_version"] == str(meta.FORMAT_VERSION)
    (summary,) = query(synced, "SELECT summary FROM _syncs ORDER BY sync_id DESC LIMIT 1")[0]
    assert json.loads(summary)["company"] == {"id": "1001", "name": "Sandbox Company", "domain": "sandbox"}


def test_a_sync_of_another_company_fails_before_writing_anything(company_a, make_sandbox, tmp_path, cli):
    db = tmp_path / "p.duckdb"
    first = write_config(company_a, tmp_path, "a.json")
    assert cli("sync", "--config", str(first), "--db", str(db), "--streams", "stages", "--quiet")[0] == 0
    before = {t: query(db, f'SELECT * FROM "{t}" ORDER BY ALL') for t in ("_syncs", "_state", "_meta", "stages")}
    other = make_sandbox(seed=2)  # company 1002
    second = write_config(other, tmp_path, "b.json")
    code, out, err = cli("sync", "--config", str(second), "--db", str(db), "--streams", "stages", "--json")
    assert code == 2
    assert "company id 1001" in err and "company id 1002" in err and "new --db file" in err
    assert json.loads(out)["status"] == "failed"
    after = {t: query(db, f'SELECT * FROM "{t}" ORDER BY ALL') for t in before}
    assert after == before
    # The other company syncs fine into a file of its own.
    assert cli("sync", "--config", str(second), "--db", str(tmp_path / "b.duckdb"), "--streams", "stages",
               "--quiet")[0] == 0


def test_a_file_without_a_company_adopts_the_first_that_syncs(tmp_path):
    db = tmp_path / "old.duckdb"
    source = ScriptedSource(items_schema(name={"type": ["string", "null"]}), [{"id": 1, "name": "a"}])
    sync.run({}, db, source=source)  # a source that tells no company: nothing recorded
    assert "company_id" not in dict(query(db, "SELECT key, value FROM _meta"))
    source.me = {"company_id": 7, "company_name": "Seven", "company_domain": "seven"}
    assert sync.run({}, db, source=source).status == "succeeded"
    assert dict(query(db, "SELECT key, value FROM _meta"))["company_id"] == "7"
    source.me = {"company_id": 8, "company_name": "Eight"}
    try:
        sync.run({}, db, source=source)
    except sync.SyncError as error:
        assert "'Seven' (seven.pipedrive.com, company id 7)" in str(error)
        assert "'Eight' (company id 8)" in str(error)
    else:
        raise AssertionError("a sync of company 8 into company 7's file must fail")


def test_the_check_happens_before_any_migration(tmp_path):
    db = tmp_path / "f.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE _meta (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO _meta VALUES ('company_id', '1')")
        con.execute('CREATE TABLE _custom_fields (stream VARCHAR, "column" VARCHAR, key VARCHAR, name VARCHAR,'
                    " field_type VARCHAR)")
    try:
        Warehouse(db, company=meta.Company("2"))
    except meta.AccountMismatch:
        pass
    else:
        raise AssertionError("company 2 must not open company 1's file")
    assert "column" in [r[0] for r in query(db, "DESCRIBE _custom_fields")]  # left as it was
