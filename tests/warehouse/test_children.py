"""A child stream's ParentsRead through the loader: the children of the parents it lists are replaced, in
the transaction of the STATE that covers the new children, never before (scripted messages, no network)."""

from __future__ import annotations

import duckdb
import pytest

from source_pipedrive import sync
from source_pipedrive.errors import ServerError
from source_pipedrive.events import ParentsRead
from source_pipedrive.warehouse import loader
from tests.kit.warehouse import ScriptedSource, record, state, status

# A child table like `phases` (a board's phases, linked by board_id), read incrementally: only then do
# removals depend on ParentsRead (a full read drops every row it did not see anyway).
PHASES = {
    "name": "phases",
    "json_schema": {"type": "object", "properties": {
        "id": {"type": "integer"}, "board_id": {"type": ["integer", "null"]}, "name": {"type": ["string", "null"]},
        "update_time": {"type": ["string", "null"]}}},
    "supported_sync_modes": ["full_refresh", "incremental"], "source_defined_cursor": True,
    "default_cursor_field": ["update_time"], "source_defined_primary_key": [["id"]], "is_resumable": True,
}


def phase(i: int, board: int, name: str | None = None) -> dict:
    return record("phases", {"id": i, "board_id": board, "name": name or f"phase {i}", "update_time": "t"})


FIRST = [status("phases", "STARTED"), phase(1, 1), phase(2, 1), phase(3, 2), phase(4, 3),
         state("phases", {"cursor": "a"}), status("phases", "COMPLETE")]


def rows(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT id, board_id, name FROM phases ORDER BY id").fetchall()


def saved_state(db) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT state FROM _state WHERE stream = 'phases'").fetchone()[0]


@pytest.fixture(params=["thread", "process"], autouse=True)
def mode(request, monkeypatch) -> str:
    """Commits in this process, or moved to the writer process after the first one."""
    monkeypatch.setattr(sync, "WRITER_PROCESS", request.param == "process")
    monkeypatch.setattr(loader, "OFFLOAD_AFTER", 0)
    return request.param


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "children.duckdb"
    assert sync.run({}, path, source=ScriptedSource([PHASES], FIRST)).status == "succeeded"
    assert rows(path) == [(1, 1, "phase 1"), (2, 1, "phase 2"), (3, 2, "phase 3"), (4, 3, "phase 4")]
    return path


def test_listed_parents_get_exactly_their_new_children(db):
    script = [status("phases", "STARTED"), ParentsRead("phases", "board_id", (1, 2)),
              phase(2, 1, "renamed"), phase(5, 1), state("phases", {"cursor": "b"}), status("phases", "COMPLETE")]
    result = sync.run({}, db, source=ScriptedSource([PHASES], script))
    assert result.status == "succeeded"
    # Board 1 lost phase 1 and gained phase 5, board 2 has none any more, board 3 was not listed.
    assert rows(db) == [(2, 1, "renamed"), (4, 3, "phase 4"), (5, 1, "phase 5")]
    st = result.streams[0]
    assert (st.mode, st.inserted, st.updated, st.removed, st.rows) == ("incremental", 1, 1, 2, 3)


def test_a_crash_before_the_state_leaves_the_old_children(db):
    script = [status("phases", "STARTED"), ParentsRead("phases", "board_id", (1, 2)), phase(5, 1),
              ServerError("Pipedrive answered 503 three times")]
    result = sync.run({}, db, source=ScriptedSource([PHASES], script))
    assert (result.status, result.error) == ("failed", "Pipedrive answered 503 three times")
    assert rows(db) == [(1, 1, "phase 1"), (2, 1, "phase 2"), (3, 2, "phase 3"), (4, 3, "phase 4")]
    assert '"a"' in saved_state(db)


def test_a_crash_between_pages_keeps_the_committed_replacement_only(db):
    script = [status("phases", "STARTED"), ParentsRead("phases", "board_id", (1,)), phase(5, 1),
              state("phases", {"cursor": "b"}), ParentsRead("phases", "board_id", (2, 3)),
              ServerError("Pipedrive answered 503 three times")]
    assert sync.run({}, db, source=ScriptedSource([PHASES], script)).status == "failed"
    assert rows(db) == [(3, 2, "phase 3"), (4, 3, "phase 4"), (5, 1, "phase 5")]
    assert '"b"' in saved_state(db)


@pytest.mark.parametrize("interval", [0.0, 60.0], ids=["a commit per state", "pages merged"])
def test_a_parent_listed_again_keeps_only_its_latest_children(db, monkeypatch, interval):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", interval)
    script = [status("phases", "STARTED"),
              ParentsRead("phases", "board_id", (1,)), phase(1, 1, "v1"), phase(6, 1),
              ParentsRead("phases", "board_id", (1,)), phase(7, 1),  # within one page: 1 and 6 are superseded
              state("phases", {"cursor": "b"}),
              ParentsRead("phases", "board_id", (1,)), phase(1, 1, "v2"), phase(8, 1),  # next page: 7 goes
              state("phases", {"cursor": "c"}), status("phases", "COMPLETE")]
    assert sync.run({}, db, source=ScriptedSource([PHASES], script)).status == "succeeded"
    assert rows(db) == [(1, 1, "v2"), (3, 2, "phase 3"), (4, 3, "phase 4"), (8, 1, "phase 8")]
    assert '"c"' in saved_state(db)


def test_a_parent_listed_again_by_a_first_sync_keeps_only_its_latest_children(tmp_path, monkeypatch):
    # Into an empty table the first listing is inserted without looking for rows to replace
    # (loader.Fresh); the parent's second listing, in a later transaction, still replaces it.
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)
    script = [status("phases", "STARTED"),
              ParentsRead("phases", "board_id", (1, 2)), phase(1, 1), phase(2, 1), phase(3, 2),
              state("phases", {"cursor": "a"}),
              ParentsRead("phases", "board_id", (1,)), phase(2, 1, "v2"), phase(5, 1),
              state("phases", {"cursor": "b"}), status("phases", "COMPLETE")]
    path = tmp_path / "first.duckdb"
    assert sync.run({}, path, source=ScriptedSource([PHASES], script)).status == "succeeded"
    assert rows(path) == [(2, 1, "v2"), (3, 2, "phase 3"), (5, 1, "phase 5")]


def test_a_parent_listed_twice_before_one_state_keeps_the_second_listing(db):
    script = [status("phases", "STARTED"),
              ParentsRead("phases", "board_id", (1,)), phase(1, 1, "v1"), phase(6, 1),
              ParentsRead("phases", "board_id", (1,)), phase(7, 1),
              state("phases", {"cursor": "b"}), status("phases", "COMPLETE")]
    assert sync.run({}, db, source=ScriptedSource([PHASES], script)).status == "succeeded"
    assert rows(db) == [(3, 2, "phase 3"), (4, 3, "phase 4"), (7, 1, "phase 7")]


def test_a_link_that_is_no_column_is_a_clear_error(db):
    script = [status("phases", "STARTED"), ParentsRead("phases", "pipeline_id", (1,)), phase(5, 1),
              state("phases", {"cursor": "b"}), status("phases", "COMPLETE")]
    result = sync.run({}, db, source=ScriptedSource([PHASES], script))
    assert result.status == "failed"
    assert "phases" in result.error and "'pipeline_id'" in result.error and "no column" in result.error
    assert rows(db) == [(1, 1, "phase 1"), (2, 1, "phase 2"), (3, 2, "phase 3"), (4, 3, "phase 4")]


def test_parents_of_a_stream_not_synced_are_ignored(db):
    script = [status("phases", "STARTED"), ParentsRead("deal_products", "deal_id", (1,)),
              state("phases", {"cursor": "b"}), status("phases", "COMPLETE")]
    assert sync.run({}, db, source=ScriptedSource([PHASES], script)).status == "succeeded"
    assert len(rows(db)) == 4
