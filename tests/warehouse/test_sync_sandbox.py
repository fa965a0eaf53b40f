"""`source-pipedrive sync` against the sandbox: ground truth, a second incremental run, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from source_pipedrive import sync
from source_pipedrive.cli import main
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME
from tests.kit.warehouse import sync_args, user_tables, write_config

# The sandbox's truth() lists the ids of every entity that is one of our streams (same names).
CORE_STREAMS = ("deals", "leads", "activities", "persons", "organizations", "products", "pipelines", "stages", "users")


def ids(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> set:
    key = STREAMS_BY_NAME[table].primary_key
    return {r[0] for r in con.execute(f'SELECT "{key}" FROM "{table}" WHERE {where}').fetchall()}


def live_ids(con: duckdb.DuckDBPyConnection, table: str) -> set:
    """Ids of rows that exist upstream: deals deleted within 30 days come as is_deleted tombstones;
    elsewhere is_deleted means something else (users: deactivated) or never arrives."""
    return ids(con, table, "NOT coalesce(is_deleted, false)" if table == "deals" else "true")


def assert_matches_truth(db, truth: dict) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        streams = [s.name for s in STREAMS if s.name in truth and not s.optional]  # sync's default streams
        assert set(CORE_STREAMS) <= set(streams)
        for name in streams:
            t = truth[name]
            assert live_ids(con, name) == set(t["live"]) | set(t["archived"]), name
            if name in ("deals", "leads"):
                assert ids(con, name, "coalesce(is_archived, false)") == set(t["archived"]), name
        # Deals deleted within 30 days arrive flagged, not dropped ([CL-PERMDEL]).
        assert ids(con, "deals", "is_deleted") == set(truth["deals"]["deleted"])


def test_first_sync_matches_the_sandbox_ground_truth(sandbox, config_file, tmp_path, capsys):
    db = tmp_path / "p.duckdb"
    assert main(sync_args(config_file, db, as_json=True)) == 0
    summary = json.loads(capsys.readouterr().out)
    truth = sandbox.truth()["streams"]
    assert_matches_truth(db, truth)
    rows = {s["stream"]: s for s in summary["streams"]}
    assert rows["deals"]["rows"] == truth["deals"]["count"] + len(truth["deals"]["deleted"])
    assert rows["persons"]["inserted"] == rows["persons"]["rows"] == truth["persons"]["count"]
    assert all(s["status"] == "complete" and s["pages"] >= 1 for s in summary["streams"])
    # per-record child streams are opt-in (--streams or the config's child_streams)
    assert set(user_tables(db)) == {s.name for s in STREAMS if not s.optional}
    with duckdb.connect(str(db), read_only=True) as con:
        # The custom-field mapping names every custom column after its Pipedrive field.
        mapped = dict(con.execute('SELECT column_name, name FROM _custom_fields WHERE stream = \'deals\'').fetchall())
        assert mapped["customer_type"] == "Customer type"
        assert mapped["contract_value_currency"] == "Contract value (currency)"
        labelled = con.execute("SELECT count(*) FROM deals WHERE customer_type IS NOT NULL"
                               " AND custom_label('deals', 'customer_type', customer_type) IS NULL").fetchone()
        assert labelled == (0,)
        assert con.execute("SELECT count(*) FROM _state WHERE pending_sync_id IS NULL").fetchone() == \
            (len([s for s in STREAMS if not s.optional]),)


def test_second_sync_applies_creates_updates_deletes_and_archives(make_sandbox, tmp_path):
    sb = make_sandbox()
    config = json.loads(write_config(sb, tmp_path).read_text())
    db = tmp_path / "p.duckdb"
    streams = ["deals", "leads", "persons", "organizations"]
    first = {s.name: s for s in sync.run(config, db, streams=streams).streams}
    truth = sb.truth()["streams"]
    won, gone, shelved = sorted(truth["deals"]["live"])[:3]
    person, lead = sorted(truth["persons"]["live"])[0], sorted(truth["leads"]["live"], key=str)[0]
    sb.advance(3600)
    created = sb.create("deals", title="Created after the first sync", value=1234.5, currency="EUR")
    sb.update("deals", won, status="won")
    sb.delete("deals", gone)
    sb.archive("deals", shelved)
    sb.update("persons", person, name="Renamed Person")
    sb.archive("leads", lead)

    second = {s.name: s for s in sync.run(config, db, streams=streams).streams}
    assert all(s.mode == "incremental" for s in second.values())
    assert (second["deals"].inserted, second["deals"].updated) == (1, 3)
    assert second["deals"].rows == first["deals"].rows + 1
    assert (second["persons"].inserted, second["persons"].updated) == (0, 1)
    assert (second["leads"].inserted, second["leads"].updated, second["leads"].rows) == (0, 1, first["leads"].rows)
    assert second["organizations"].updated == 0  # re-sent boundary rows are not counted as updates
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM deals WHERE id = ?", [won]).fetchone() == ("won",)
        assert con.execute("SELECT is_deleted FROM deals WHERE id = ?", [gone]).fetchone() == (True,)
        assert con.execute("SELECT is_archived FROM deals WHERE id = ?", [shelved]).fetchone() == (True,)
        assert con.execute("SELECT title, value FROM deals WHERE id = ?", [created["id"]]).fetchone() == (
            "Created after the first sync", 1234.5)
        assert con.execute("SELECT name FROM persons WHERE id = ?", [person]).fetchone() == ("Renamed Person",)
        assert con.execute("SELECT is_archived FROM leads WHERE id = ?", [lead]).fetchone() == (True,)
        truth = sb.truth()["streams"]
        for name in streams:
            assert live_ids(con, name) == set(truth[name]["live"]) | set(truth[name]["archived"]), name
        assert ids(con, "deals", "is_deleted") == set(truth["deals"]["deleted"])


def test_full_refresh_drops_rows_that_vanished_upstream(make_sandbox, tmp_path):
    sb = make_sandbox()
    config = json.loads(write_config(sb, tmp_path).read_text())
    db = tmp_path / "p.duckdb"
    sync.run(config, db, streams=["activities"])
    victim = sorted(sb.truth()["streams"]["activities"]["live"])[0]
    sb.advance(60)
    sb.delete("activities", victim)
    sync.run(config, db, streams=["activities"], full_refresh=True)
    with duckdb.connect(str(db), read_only=True) as con:
        assert live_ids(con, "activities") == set(sb.truth()["streams"]["activities"]["live"])
        assert victim not in live_ids(con, "activities")


def test_streams_option_syncs_only_those(sandbox, config_file, tmp_path, capsys):
    db = tmp_path / "p.duckdb"
    assert main(sync_args(config_file, db, streams="stages,pipelines")) == 0
    assert user_tables(db) == ["pipelines", "stages"]


def test_unknown_stream_is_a_one_line_error(sandbox, config_file, tmp_path, capsys):
    code = main(sync_args(config_file, tmp_path / "p.duckdb", streams="deals,dealz"))
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("error: unknown stream(s): dealz; available: deals, leads")


def test_rejected_token_is_a_one_line_error_without_the_token(sandbox, tmp_path, capsys):
    config = write_config(sandbox, tmp_path, token="not-the-right-token-123")
    code = main(sync_args(config, tmp_path / "p.duckdb"))
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.startswith("error: ") and len(err.splitlines()) == 1
    assert "not-the-right-token-123" not in err


def test_missing_config_file_is_a_one_line_error(tmp_path, capsys):
    code = main(sync_args(tmp_path / "nope.json", tmp_path / "p.duckdb"))
    assert code == 2
    assert capsys.readouterr().err.strip() == f"error: The config file {tmp_path / 'nope.json'} does not exist."


def test_quiet_prints_nothing_and_json_prints_only_json(sandbox, config_file, tmp_path, capsys):
    assert main(sync_args(config_file, tmp_path / "p.duckdb", streams="stages", quiet=True)) == 0
    assert capsys.readouterr() == ("", "")
    assert main(sync_args(config_file, tmp_path / "p.duckdb", streams="stages", quiet=True, as_json=True)) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert (summary["status"], summary["streams"][0]["stream"], err) == ("succeeded", "stages", "")


@pytest.mark.parametrize("stream", ["deals", "leads"])
def test_primary_keys_are_unique(sandbox, config_file, tmp_path, stream):
    db = tmp_path / "p.duckdb"
    assert main(sync_args(config_file, db, streams=stream)) == 0
    assert main(sync_args(config_file, db, streams=stream)) == 0  # the second sync upserts the same keys
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(f"SELECT count(*) = count(DISTINCT id) FROM {stream}").fetchone() == (True,)


def test_spent_daily_budget_keeps_what_was_read_and_the_next_run_finishes(make_sandbox, tmp_path, capsys):
    sb = make_sandbox(daily_tokens=90)
    config, db = write_config(sb, tmp_path), tmp_path / "p.duckdb"
    args = sync_args(config, db, streams="deals,persons,organizations", as_json=True)
    assert main(args) == 75  # EX_TEMPFAIL: the daily budget is spent (README "Exit codes")
    out, err = capsys.readouterr()
    first = json.loads(out)
    assert first["status"] == "failed" and "daily API token budget" in first["error"]
    assert err.startswith("error: ") and "daily API token budget" in err and len(err.splitlines()) == 1
    assert 0 < sum(s["rows"] for s in first["streams"]) < sum(sb.truth()["streams"][n]["count"]
                                                               for n in ("deals", "persons", "organizations"))
    sb.configure(daily_tokens=None)  # the budget refilled
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["status"] == "succeeded"
    truth = sb.truth()["streams"]
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("persons", "organizations"):
            assert live_ids(con, name) == set(truth[name]["live"])
        assert live_ids(con, "deals") == set(truth["deals"]["live"]) | set(truth["deals"]["archived"])


def test_a_database_locked_by_another_process_is_a_one_line_error(sandbox, config_file, tmp_path, capsys):
    db = tmp_path / "p.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('locked', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code = main(sync_args(config_file, db, streams="stages"))
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith(f"error: cannot open {db}") and len(err.splitlines()) == 1


def test_refreshed_oauth_tokens_are_saved_back_to_the_config_file(sandbox, tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credentials": {"auth_type": "oauth2", **sandbox.oauth}, "base_url": sandbox.url}))
    config.chmod(0o600)
    assert main(sync_args(config, tmp_path / "p.duckdb", streams="stages")) == 0
    saved = json.loads(config.read_text())
    assert saved["credentials"]["access_token"] and saved["credentials"]["token_expiry_date"]
    assert saved["credentials"]["refresh_token"] == sandbox.oauth["refresh_token"]
    assert saved["base_url"] == sandbox.url and config.stat().st_mode & 0o777 == 0o600
    assert main(sync_args(config, tmp_path / "p.duckdb", streams="stages")) == 0  # the saved token works
