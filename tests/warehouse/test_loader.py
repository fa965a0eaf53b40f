"""The DuckDB loader's own rules, driven by scripted message streams (no network)."""

from __future__ import annotations

import copy
import random

import duckdb
import pytest

from source_pipedrive import sync
from source_pipedrive.warehouse import plan_table, snake
from tests.kit.warehouse import FakeSource, hexkey, table_rows

ENUM, MONEY, SET, DUP = hexkey(1), hexkey(2), hexkey(3), hexkey(4)


def deal_schema(extra_custom: dict | None = None) -> dict:
    custom = {
        ENUM: {"title": "Customer type", "type": ["integer", "null"],
               "description": "Custom field 'Customer type' (enum); options: 101=Small, 102=Big, co"},
        MONEY: {"title": "Value", "type": ["object", "null"],
                "properties": {"value": {"type": ["number", "null"]}, "currency": {"type": ["string", "null"]}}},
        SET: {"title": "Segments", "type": ["array", "null"], "items": {"type": ["integer", "null"]},
              "description": "Custom field 'Segments' (set); options: 7=North, 8=South"},
        DUP: {"title": "Customer-Type!", "type": ["string", "null"]},
        **(extra_custom or {}),
    }
    return {"type": "object", "properties": {
        "id": {"type": "integer"},
        "title": {"type": ["string", "null"]},
        "value": {"type": ["number", "null"]},
        "add_time": {"type": ["string", "null"], "format": "date-time"},
        "update_time": {"type": ["string", "null"], "format": "date-time"},
        "close_date": {"type": ["string", "null"], "format": "date"},
        "is_deleted": {"type": ["boolean", "null"]},
        "is_archived": {"type": ["boolean", "null"]},
        "owner": {"type": ["object", "null"], "properties": {"id": {"type": "integer"}}},
        "custom_fields": {"type": ["object", "null"], "properties": custom},
    }}


def deal(i: int, when: str = "2024-01-01T00:00:00Z", **kw) -> dict:
    row = {"id": i, "title": f"deal {i}", "value": i * 10.5, "add_time": "2023-05-01 08:00:00",
           "update_time": when, "close_date": "2024-02-03", "is_deleted": False, "is_archived": False,
           "owner": {"id": 7}, "custom_fields": {ENUM: 101 + i % 2, MONEY: {"value": i, "currency": "EUR"},
                                                   SET: [7, 8], DUP: "x"}}
    row.update(kw)
    return row


def stamp(n: int) -> str:
    return f"2024-01-01T00:00:{n:02d}Z"


@pytest.fixture
def source() -> FakeSource:
    return FakeSource({"deals": deal_schema()}, {"deals": [deal(i, stamp(i)) for i in range(1, 11)]})


def test_columns_are_typed_from_the_schema(tmp_path, source):
    sync.run({}, tmp_path / "d.duckdb", source=source)
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns"
                             " WHERE table_name = 'deals'").fetchall())
    assert types["id"] == "BIGINT" and types["value"] == "DOUBLE" and types["is_deleted"] == "BOOLEAN"
    assert types["add_time"] == "TIMESTAMP WITH TIME ZONE" and types["close_date"] == "DATE"
    assert types["owner"] == "JSON" and types["segments"] == "BIGINT[]"
    # v1 "YYYY-MM-DD HH:MM:SS" is UTC ([RD-DATE]); it must not shift with the machine's time zone.
    got = con.execute("SELECT strftime(add_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM deals LIMIT 1").fetchone()
    assert got == ("2023-05-01 08:00",)


def test_custom_fields_get_snake_case_columns_and_a_mapping(tmp_path, source):
    sync.run({}, tmp_path / "d.duckdb", source=source)
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    mapping = {c: (k, n, t) for c, k, n, t in con.execute(
        'SELECT column_name, key, name, field_type FROM _custom_fields WHERE stream = \'deals\'').fetchall()}
    assert mapping["customer_type"] == (ENUM, "Customer type", "enum")
    assert mapping["customer_type_2"][0] == DUP  # same snake name: de-duplicated, not overwritten
    assert mapping["value_2"][0] == MONEY  # the built-in `value` keeps its name
    assert mapping["value_2_currency"][0] == f"{MONEY}.currency"
    row = con.execute("SELECT customer_type, value_2, value_2_currency, segments FROM deals WHERE id = 3").fetchone()
    assert row == (102, 3.0, "EUR", [7, 8])
    labels = con.execute("SELECT custom_label('deals', 'customer_type', customer_type),"
                         " custom_labels('deals', 'segments', segments) FROM deals WHERE id = 3").fetchone()
    assert labels == ("Big, co", ["North", "South"])


def test_renamed_custom_field_keeps_its_column(tmp_path, source):
    sync.run({}, tmp_path / "d.duckdb", source=source)
    renamed = deal_schema()
    renamed["properties"]["custom_fields"]["properties"][ENUM]["title"] = "Segment of customer"
    source.schemas["deals"] = renamed
    sync.run({}, tmp_path / "d.duckdb", source=source)
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    assert con.execute('SELECT column_name, name FROM _custom_fields WHERE key = ?', [ENUM]).fetchall() == [
        ("customer_type", "Segment of customer")]


def test_new_custom_field_adds_a_column_without_touching_others(tmp_path, source):
    sync.run({}, tmp_path / "d.duckdb", source=source)
    source.schemas["deals"] = deal_schema({hexkey(5): {"title": "Title", "type": ["string", "null"]}})
    source.records["deals"].append(deal(11, stamp(30), custom_fields={hexkey(5): "new"}))
    sync.run({}, tmp_path / "d.duckdb", source=source)
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    assert con.execute("SELECT title, title_2 FROM deals WHERE id = 11").fetchone() == ("deal 11", "new")
    assert con.execute("SELECT count(*) FROM deals WHERE title_2 IS NULL").fetchone() == (10,)


def test_second_sync_is_incremental_and_upserts(tmp_path, source):
    first = sync.run({}, tmp_path / "d.duckdb", source=source)
    assert [(s.inserted, s.updated, s.rows) for s in first.streams] == [(10, 0, 10)]
    source.records["deals"][2] = deal(3, stamp(40), title="renamed")
    source.records["deals"].append(deal(11, stamp(41)))
    second = sync.run({}, tmp_path / "d.duckdb", source=source)
    assert source.reads[-1]["state"]["deals"]["cursor"] == stamp(10)  # state came from the database
    st = second.streams[0]
    assert (st.inserted, st.updated, st.rows, st.mode) == (1, 1, 11, "incremental")
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    assert con.execute("SELECT title FROM deals WHERE id = 3").fetchone() == ("renamed",)


def test_deleted_and_archived_flags_are_kept(tmp_path, source):
    sync.run({}, tmp_path / "d.duckdb", source=source)
    source.records["deals"][0] = deal(1, stamp(50), is_deleted=True)
    source.records["deals"][1] = deal(2, stamp(51), is_archived=True)
    sync.run({}, tmp_path / "d.duckdb", source=source)
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    assert con.execute("SELECT id, is_deleted, is_archived FROM deals WHERE id <= 2 ORDER BY id").fetchall() == [
        (1, True, False), (2, False, True)]
    assert con.execute("SELECT count(*) FROM deals").fetchone() == (10,)


def test_a_key_seen_twice_in_one_page_keeps_its_last_version(tmp_path):
    src = FakeSource({"deals": deal_schema()}, {"deals": [deal(1, stamp(1), title="old"),
                                                         deal(1, stamp(2), title="new")]}, page_size=5)
    result = sync.run({}, tmp_path / "d.duckdb", source=src)
    assert result.streams[0].rows == 1
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    assert con.execute("SELECT title FROM deals").fetchall() == [("new",)]


def test_full_refresh_stream_drops_rows_gone_upstream(tmp_path):
    src = FakeSource({"stages": deal_schema()}, {"stages": [deal(i) for i in range(1, 6)]},
                     full_refresh_only=("stages",))
    sync.run({}, tmp_path / "d.duckdb", source=src)
    del src.records["stages"][1]
    result = sync.run({}, tmp_path / "d.duckdb", source=src)
    assert (result.streams[0].removed, result.streams[0].rows) == (1, 4)
    assert src.reads[-1]["state"] == {}  # a finished full refresh starts over


def test_full_refresh_flag_rereads_everything_and_drops_vanished_rows(tmp_path, source):
    sync.run({}, tmp_path / "d.duckdb", source=source)
    del source.records["deals"][0]
    incremental = sync.run({}, tmp_path / "d.duckdb", source=source)
    assert incremental.streams[0].rows == 10  # an incremental read cannot see a hard delete
    rebuilt = sync.run({}, tmp_path / "d.duckdb", source=source, full_refresh=True)
    assert source.reads[-1]["state"] == {}
    assert (rebuilt.streams[0].removed, rebuilt.streams[0].rows, rebuilt.streams[0].mode) == (1, 9, "full read")


@pytest.mark.parametrize("seed", range(6))
def test_a_crash_anywhere_then_a_rerun_gives_the_uninterrupted_tables(tmp_path, seed):
    def make() -> FakeSource:
        return FakeSource({"deals": deal_schema(), "stages": deal_schema()},
                          {"deals": [deal(i, stamp(i % 7)) for i in range(1, 23)],
                           "stages": [deal(i) for i in range(1, 9)]},
                          full_refresh_only=("stages",))

    reference = tmp_path / "ref.duckdb"
    sync.run({}, reference, source=make())
    crashed = make()
    crashed.fail_after = random.Random(seed).randrange(1, 45)
    result = sync.run({}, tmp_path / "crash.duckdb", source=crashed)
    assert result.status == "failed"
    crashed.fail_after = None
    sync.run({}, tmp_path / "crash.duckdb", source=crashed)
    for name in ("deals", "stages"):
        assert table_rows(tmp_path / "crash.duckdb", name) == table_rows(reference, name)


def test_an_error_keeps_what_was_committed(tmp_path, source):
    source.fail_after = 8  # STARTED, 3 records, STATE, 3 records, then a crash instead of the STATE
    from source_pipedrive.errors import ServerError

    source.error = ServerError("Pipedrive answered 503 three times")
    result = sync.run({}, tmp_path / "d.duckdb", source=source)
    assert (result.status, result.error) == ("failed", "Pipedrive answered 503 three times")
    assert result.streams[0].rows == 3 and result.streams[0].pages == 1


def test_plan_names_are_stable_and_never_empty():
    assert snake("Contract value (€)") == "contract_value"
    assert snake("Größe") == "grosse" and snake("Ærø Kommune") == "aero_kommune"
    assert snake("123 go") == "f_123_go" and snake("!!!") == "custom_field"
    plan = plan_table("deals", deal_schema(), [["id"]])
    names = [c.name.lower() for c in plan.columns]
    assert len(names) == len(set(names)) and plan.primary_key == ("id",)
    assert [c.name for c in plan_table("deals", deal_schema(), [["id"]]).columns] == [c.name for c in plan.columns]


def test_v1_set_values_become_lists(tmp_path):
    key = hexkey(9)
    schema = {"type": "object", "properties": {
        "id": {"type": "string"}, "update_time": {"type": ["string", "null"], "format": "date-time"},
        key: {"title": "Segments", "type": ["string", "null"],
              "description": "Custom field 'Segments' (set); options: 7=North, 8=South"},
        f"{key}_currency": {"title": "Segments (currency)", "type": ["string", "null"]}}}
    src = FakeSource({"leads": schema}, {"leads": [
        {"id": "a-uuid", "update_time": stamp(1), key: "7,8"}, {"id": "b-uuid", "update_time": stamp(2), key: ""}]})
    sync.run({}, tmp_path / "d.duckdb", source=src)
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    assert con.execute("SELECT id, segments, custom_labels('leads', 'segments', segments) FROM leads ORDER BY id"
                       ).fetchall() == [("a-uuid", [7, 8], ["North", "South"]), ("b-uuid", None, None)]
    assert "segments_currency" in [r[0] for r in con.execute("DESCRIBE leads").fetchall()]


def test_schema_copies_are_not_mutated(source):
    before = copy.deepcopy(source.schemas)
    plan_table("deals", source.schemas["deals"], [["id"]])
    assert source.schemas == before
