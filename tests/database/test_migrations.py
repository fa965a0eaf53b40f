"""Files written before this version: migrated in place when opened for a sync."""

from __future__ import annotations

import duckdb
import pytest

from source_pipedrive import source, sync
from source_pipedrive.warehouse import Warehouse
from tests.kit.database import column_types, config_for, query

OLD_META = (
    "CREATE TABLE _state (stream VARCHAR, mode VARCHAR, state JSON, pending_sync_id BIGINT, updated_at TIMESTAMPTZ)",
    "CREATE TABLE _syncs (sync_id BIGINT, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, status VARCHAR,"
    " streams VARCHAR, full_refresh BOOLEAN, summary JSON)",
    'CREATE TABLE _custom_fields (stream VARCHAR, "column" VARCHAR, key VARCHAR, name VARCHAR, field_type VARCHAR)',
    'CREATE TABLE _custom_field_options (stream VARCHAR, "column" VARCHAR, option_id VARCHAR, label VARCHAR)',
    'CREATE MACRO custom_label(s, c, v) AS (SELECT any_value(o.label) FROM _custom_field_options o'
    ' WHERE o.stream = s AND o."column" = c AND o.option_id = CAST(v AS VARCHAR))',
    "INSERT INTO _syncs VALUES (1, '2026-01-01 10:00:00+00', '2026-01-01 10:01:00+00', 'succeeded',"
    " 'deals,leads', false, '{}'), (2, '2026-01-02 10:00:00+00', NULL, 'failed', '', false, NULL),"
    " (3, '2026-01-03 10:00:00+00', NULL, 'failed', NULL, false, NULL)",
    "INSERT INTO _custom_fields VALUES ('deals', 'customer_type', 'abc', 'Customer type', 'enum')",
    "INSERT INTO _custom_field_options VALUES ('deals', 'customer_type', '100', 'Small')",
)


@pytest.fixture
def old_file(tmp_path):
    """A file in the layout written before `column_name`, `_meta` and VARCHAR[] streams."""
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        for sql in OLD_META:
            con.execute(sql)
    return db


def test_opening_an_old_file_renames_column_and_converts_streams(old_file):
    with Warehouse(old_file) as wh:
        assert wh.migrated == ['_custom_fields."column" renamed to column_name',
                               '_custom_field_options."column" renamed to column_name',
                               "_syncs.streams converted to a VARCHAR[] list"]
    assert column_types(old_file, "_custom_fields")["column_name"] == "VARCHAR"
    assert "column" not in column_types(old_file, "_custom_field_options")
    assert query(old_file, "SELECT sync_id, streams FROM _syncs ORDER BY sync_id") == [
        (1, ["deals", "leads"]), (2, []), (3, None)]
    # `column` was a reserved word: ORDER BY column failed; the macros now read column_name.
    assert query(old_file, "SELECT stream, column_name FROM _custom_fields ORDER BY column_name") == [
        ("deals", "customer_type")]
    assert query(old_file, "SELECT custom_label('deals', 'customer_type', 100)") == [("Small",)]
    with Warehouse(old_file) as wh:  # a second open finds nothing to do
        assert wh.migrated == []


def test_an_old_leads_table_is_converted_in_place(old_file, company_a):
    """leads from an old file: enum/set as text, times as text, value as JSON. The next sync's
    prepare converts every value (nothing is lost) and splits value into amount and currency."""
    with duckdb.connect(str(old_file)) as con:
        con.execute("CREATE TABLE leads (id VARCHAR, title VARCHAR, customer_type VARCHAR, segments VARCHAR[],"
                    " preferred_call_time VARCHAR, meeting_window_until VARCHAR, value JSON,"
                    " _sync_id BIGINT, _extracted_at TIMESTAMPTZ, _record_hash UBIGINT)")
        eur, usd = '{"amount": 10.5, "currency": "EUR"}', '{"amount": 3, "currency": "USD"}'
        con.execute("INSERT INTO leads VALUES"
                    " ('l-1', 'one', '100', ['103', '104'], '16:30', '10:15:00', ?, 1, NULL, 1),"
                    " ('l-2', 'two', NULL, NULL, NULL, NULL, 'null', 1, NULL, 2),"
                    " ('l-3', 'three', '101', [], '08:00:00', NULL, ?, 1, NULL, 3)", [eur, usd])
    catalog = source.discover(config_for(company_a))
    entry = next(s for s in catalog["streams"] if s["name"] == "leads")
    titles = {"customer_type": "Customer type", "segments": "Segments", "preferred_call_time": "Preferred call time",
              "meeting_window_until": "Meeting window"}
    by_title = {p.get("title"): k for k, p in entry["json_schema"]["properties"].items()}
    with Warehouse(old_file) as wh:
        # the mapping an old sync wrote, so the plan uses these columns for the sandbox's fields
        for column, title in titles.items():
            key = by_title[title] + (".until" if column.endswith("_until") else "")
            wh.con.execute("INSERT INTO _custom_fields VALUES ('leads', ?, ?, ?, NULL)", [column, key, title])
        plan = wh.prepare("leads", entry["json_schema"], entry["source_defined_primary_key"])
        assert wh.warnings == []
    types = column_types(old_file, "leads")
    assert types["customer_type"] == "BIGINT" and types["segments"] == "BIGINT[]"
    assert types["preferred_call_time"] == "TIME" and types["meeting_window_until"] == "TIME"
    assert types["value"] == "DOUBLE" and types["value_currency"] == "VARCHAR"
    rows = query(old_file, "SELECT id, customer_type, segments, CAST(preferred_call_time AS VARCHAR),"
                           " CAST(meeting_window_until AS VARCHAR), value, value_currency FROM leads ORDER BY id")
    assert rows == [("l-1", 100, [103, 104], "16:30:00", "10:15:00", 10.5, "EUR"),
                    ("l-2", None, None, None, None, None, None),
                    ("l-3", 101, [], "08:00:00", None, 3.0, "USD")]
    assert {c.name for c in plan.columns} >= {"value", "value_currency", "customer_type"}
    # ... and the converted file takes a real sync of leads.
    result = sync.run(config_for(company_a), old_file, streams=["leads"])
    assert result.status == "succeeded" and result.warnings == ()
    assert query(old_file, "SELECT count(*) FROM leads WHERE value IS NOT NULL AND value_currency IS NULL") == [(0,)]
