"""Column types a data engineer can use as they are: one type per custom field across streams,
money as amount + currency, times of day as TIME, typed lists, and type changes that lose nothing."""

from __future__ import annotations

import argparse
import io
import json

import httpx
from rich.console import Console

from source_pipedrive import sync
from source_pipedrive.cli.sync_command import report
from source_pipedrive.warehouse import plan_table
from tests.kit.database import ScriptedSource, column_types, items_schema, query


def test_a_custom_field_has_one_type_in_deals_and_leads(synced):
    rows = query(synced, """
        SELECT f.key, f.stream, f.column_name, c.data_type FROM _custom_fields f
        JOIN information_schema.columns c ON c.table_name = f.stream AND c.column_name = f.column_name
        WHERE f.stream IN ('deals', 'leads')""")
    by_key: dict[str, dict[str, str]] = {}
    for key, stream, _, dtype in rows:
        by_key.setdefault(key, {})[stream] = dtype
    shared = {k: v for k, v in by_key.items() if len(v) == 2}
    assert len(shared) >= 10
    assert {k: v for k, v in shared.items() if v["deals"] != v["leads"]} == {}
    deals, leads = column_types(synced, "deals"), column_types(synced, "leads")
    for column, dtype in (("customer_type", "BIGINT"), ("segments", "BIGINT[]"), ("preferred_call_time", "TIME"),
                          ("meeting_window", "TIME"), ("meeting_window_until", "TIME"), ("contract_value", "DOUBLE")):
        assert deals[column] == leads[column] == dtype, column
    # v1 sends "100" and "103,104": the same values as v2's 100 and [103, 104] once loaded.
    assert query(synced, "SELECT count(*) FROM leads WHERE segments IS NOT NULL AND len(segments) > 0")[0][0] > 0
    labels = query(synced, "SELECT DISTINCT custom_label('leads', 'customer_type', customer_type) FROM leads"
                           " WHERE customer_type IS NOT NULL")
    assert labels and None not in {r[0] for r in labels}


def test_leads_value_is_an_amount_and_a_currency(synced, company_a):
    types = column_types(synced, "leads")
    assert types["value"] == "DOUBLE" and types["value_currency"] == "VARCHAR"
    api = httpx.get(f"{company_a.url}/v1/leads", params={"api_token": company_a.token, "limit": 500}).json()["data"]
    want = {r["id"]: (r["value"] or {}) for r in api}
    got = {i: (v, c) for i, v, c in query(synced, "SELECT id, value, value_currency FROM leads")}
    checked = 0
    for lead_id, value in want.items():
        if lead_id in got and value:
            assert got[lead_id] == (value.get("amount"), value.get("currency")), lead_id
            checked += 1
    assert checked > 0


def test_times_of_day_are_time_and_durations_stay_text(synced):
    activities = column_types(synced, "activities")
    assert activities["due_time"] == "TIME" and activities["duration"] == "VARCHAR"
    assert query(synced, "SELECT count(*) FROM activities WHERE due_time >= TIME '00:00'")[0][0] > 0


def test_lists_of_scalars_are_typed_lists(synced):
    assert column_types(synced, "deals")["label_ids"] == "BIGINT[]"
    assert column_types(synced, "leads")["label_ids"] == "VARCHAR[]"
    plan = plan_table("t", items_schema(
        days={"type": ["array", "null"], "items": {"type": ["string", "null"], "format": "date"}},
        shares={"type": ["array", "null"], "items": {"type": ["number", "null"]}},
        flags={"type": ["array", "null"], "items": {"type": "boolean"}},
        objects={"type": ["array", "null"], "items": {"type": "object", "properties": {}}}), [["id"]])
    kinds = {c.name: c.sql_type for c in plan.columns}
    assert kinds == {"id": "BIGINT", "days": "DATE[]", "shares": "DOUBLE[]", "flags": "BOOLEAN[]", "objects": "JSON"}


def test_syncs_streams_is_a_list_and_custom_fields_have_column_name(synced):
    assert column_types(synced, "_syncs")["streams"] == "VARCHAR[]"
    assert query(synced, "SELECT streams FROM _syncs ORDER BY sync_id LIMIT 1") == [
        (["deals", "leads", "activities", "stages"],)]
    assert "column" not in column_types(synced, "_custom_fields")
    assert "column_name" in column_types(synced, "_custom_field_options")
    assert query(synced, "SELECT count(*) > 10 FROM (SELECT * FROM _custom_fields ORDER BY column_name)") == [(True,)]


TEXT = {"type": ["string", "null"]}
NUMBER = {"type": ["integer", "null"]}


def test_a_type_change_that_would_lose_values_keeps_the_old_column(tmp_path):
    db = tmp_path / "t.duckdb"
    src = ScriptedSource(items_schema(code=TEXT), [{"id": 1, "code": "abc"}, {"id": 2, "code": "12"}],
                         incremental=True)
    assert sync.run({}, db, source=src).warnings == ()
    src.schema, src.rows = items_schema(code=NUMBER), [{"id": 3, "code": 7}]
    result = sync.run({}, db, source=src)
    assert result.status == "succeeded"
    assert len(result.warnings) == 1
    assert "items.code" in result.warnings[0] and "code__bigint" in result.warnings[0]
    assert "1 existing value(s)" in result.warnings[0]  # "abc"; "12" would convert
    assert result.to_json()["warnings"] == list(result.warnings)
    assert column_types(db, "items")["code"] == "VARCHAR" and column_types(db, "items")["code__bigint"] == "BIGINT"
    assert query(db, "SELECT id, code, code__bigint FROM items ORDER BY id") == [
        (1, "abc", None), (2, "12", None), (3, None, 7)]
    (summary,) = query(db, "SELECT summary FROM _syncs ORDER BY sync_id DESC LIMIT 1")[0]
    assert json.loads(summary)["warnings"] == list(result.warnings)
    # The next sync writes to code__bigint without a word; a row read again holds its new value only.
    src.rows = [{"id": 1, "code": 50}]
    again = sync.run({}, db, source=src)
    assert again.warnings == ()
    assert query(db, "SELECT id, code, code__bigint FROM items ORDER BY id") == [
        (1, None, 50), (2, "12", None), (3, None, 7)]


def test_the_cli_summary_prints_the_warnings(tmp_path):
    db = tmp_path / "t.duckdb"
    src = ScriptedSource(items_schema(code=TEXT), [{"id": 1, "code": "abc"}])
    sync.run({}, db, source=src)
    src.schema = items_schema(code=NUMBER)
    result = sync.run({}, db, source=src)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200)
    assert report(result, argparse.Namespace(json=False), console, quiet=False) == 0
    assert f"warning: {result.warnings[0]}" in buffer.getvalue()


def test_a_type_change_whose_values_all_convert_is_done_in_place(tmp_path):
    db = tmp_path / "t.duckdb"
    anything = {"type": ["object", "string", "null"]}  # JSON
    src = ScriptedSource(items_schema(code=TEXT, starts=TEXT, note=anything),
                         [{"id": 1, "code": "12", "starts": "09:30", "note": "abc"},
                          {"id": 2, "code": None, "starts": None, "note": {"a": 1}}], incremental=True)
    sync.run({}, db, source=src)
    assert column_types(db, "items")["note"] == "JSON"
    src.schema = items_schema(code=NUMBER, starts={"type": ["string", "null"], "format": "time"}, note=TEXT)
    src.rows = []
    result = sync.run({}, db, source=src)
    assert result.warnings == ()
    assert column_types(db, "items") == {"id": "BIGINT", "code": "BIGINT", "starts": "TIME", "note": "VARCHAR",
                                         "_sync_id": "BIGINT", "_extracted_at": "TIMESTAMP WITH TIME ZONE",
                                         "_record_hash": "UBIGINT"}
    assert query(db, "SELECT id, code, CAST(starts AS VARCHAR), note FROM items ORDER BY id") == [
        (1, 12, "09:30:00", "abc"), (2, None, None, '{"a":1}')]


def test_a_custom_field_whose_type_changed_is_mapped_to_both_columns(tmp_path):
    key = "ab" * 20
    text = {**TEXT, "title": "Tier", "description": "Custom field 'Tier' (varchar)"}
    number = {**NUMBER, "title": "Tier", "description": "Custom field 'Tier' (int)"}
    db = tmp_path / "t.duckdb"
    src = ScriptedSource(items_schema(**{key: text}), [{"id": 1, key: "gold"}])
    sync.run({}, db, source=src)
    src.schema, src.rows = items_schema(**{key: number}), [{"id": 2, key: 3}]
    assert len(sync.run({}, db, source=src).warnings) == 1
    assert query(db, "SELECT column_name, key, field_type FROM _custom_fields ORDER BY column_name") == [
        ("tier", key, "varchar"), ("tier__bigint", key, "int")]
    src.rows = [{"id": 2, key: 4}]
    assert sync.run({}, db, source=src).warnings == ()
    assert query(db, "SELECT id, tier, tier__bigint FROM items ORDER BY id") == [(2, None, 4)]
