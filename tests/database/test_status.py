"""`source-pipedrive status`: per stream mode, cursor, last sync and rows; the last syncs."""

from __future__ import annotations

import json

import duckdb

from source_pipedrive import sync
from tests.kit.database import ScriptedSource, items_schema, query


def test_status_json_lists_streams_and_the_last_syncs(synced, cli):
    code, out, err = cli("status", "--db", str(synced), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["company"] == {"id": "1001", "name": "Sandbox Company", "domain": "sandbox"}
    streams = {s["stream"]: s for s in report["streams"]}
    assert set(streams) == {"deals", "leads", "activities", "stages"}
    deals = streams["deals"]
    state = json.loads(query(synced, "SELECT state FROM _state WHERE stream = 'deals'")[0][0])
    assert deals["mode"] == "incremental" and deals["cursor_field"] == "update_time"
    assert deals["cursor"] == state["update_time"] and deals["full_read_in_progress"] is False
    assert deals["rows"] == query(synced, "SELECT count(*) FROM deals")[0][0]
    assert deals["last_synced_at"].startswith("20")
    syncs = report["syncs"]
    assert [s["sync_id"] for s in syncs] == [2, 1]
    assert all(s["status"] == "succeeded" and s["seconds"] is not None and s["requests"] > 0
               and s["api_tokens"] > 0 for s in syncs)


def test_status_shows_a_table_for_people(synced, cli):
    code, out, _ = cli("status", "--db", str(synced))
    assert code == 0
    assert "Pipedrive company Sandbox Company (id 1001)" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "incr" in lines["deals"] and "update_time =" in lines["deals"]
    assert "succeeded" in out and "API tokens" in out


def test_status_lists_only_the_last_five_syncs_and_old_files_without_cost_columns(tmp_path, cli):
    db = tmp_path / "t.duckdb"
    src = ScriptedSource(items_schema(), [{"id": 1}])
    for _ in range(6):
        sync.run({}, db, source=src)
    with duckdb.connect(str(db)) as con:  # a file from before the cost columns
        for column in ("requests", "api_tokens", "rate_limited", "daily_tokens_remaining"):
            con.execute(f"ALTER TABLE _syncs DROP COLUMN {column}")
    code, out, err = cli("status", "--db", str(db), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [s["sync_id"] for s in report["syncs"]] == [6, 5, 4, 3, 2]
    assert {s["requests"] for s in report["syncs"]} == {None}
    assert report["streams"] == [{"stream": "items", "mode": "full_refresh", "cursor_field": None, "cursor": None,
                                  "full_read_in_progress": False, "last_synced_at": report["streams"][0][
                                      "last_synced_at"], "rows": 1}]
    assert report["company"] is None
    assert cli("status", "--db", str(db))[0] == 0


def test_status_errors_exit_2(tmp_path, cli):
    code, _, err = cli("status", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "does not exist" in err
    plain = tmp_path / "plain.duckdb"
    with duckdb.connect(str(plain)) as con:
        con.execute("CREATE TABLE t AS SELECT 1")
    code, _, err = cli("status", "--db", str(plain))
    assert code == 2 and "not one written by `source-pipedrive sync`" in err
