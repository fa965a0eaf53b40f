"""The loader's writer: the read goes on while pages are committed, the handoff between them is bounded,
a failing write stops the read and says why, a stop commits what was handed over; each with commits
in this process and moved to the writer process (scripted messages, no network; commits slowed or
failed by wrapping the writer's commit)."""

from __future__ import annotations

import os
import threading
import time

import duckdb
import pytest

from source_pipedrive import sync
from source_pipedrive.warehouse import loader
from source_pipedrive.warehouse.loader import Writer
from source_pipedrive.warehouse.worker import WarehouseProcess
from tests.kit.warehouse import FakeSource, ScriptedSource, record, state, status, table_rows

DEALS = {
    "name": "deals",
    "json_schema": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": ["string", "null"]}}},
    "supported_sync_modes": ["full_refresh", "incremental"], "source_defined_cursor": True,
    "default_cursor_field": ["update_time"], "source_defined_primary_key": [["id"]], "is_resumable": True,
}
PAGE = 5


@pytest.fixture(params=["thread", "process"], autouse=True)
def mode(request, monkeypatch) -> str:
    """Commits in this process, or moved to the writer process after the first one."""
    monkeypatch.setattr(sync, "WRITER_PROCESS", request.param == "process")
    monkeypatch.setattr(loader, "OFFLOAD_AFTER", 0)
    return request.param


def pages(count: int, hooks: dict | None = None) -> list:
    """STARTED, `count` pages of PAGE deals each closed by its STATE {"page": n}, COMPLETE; hooks[n] runs
    (or is raised) right after page n's STATE has been taken."""
    script: list = [status("deals", "STARTED")]
    for n in range(1, count + 1):
        script += [record("deals", {"id": (n - 1) * PAGE + i, "title": f"deal {(n - 1) * PAGE + i}"})
                   for i in range(1, PAGE + 1)]
        script.append(state("deals", {"page": n}))
        if hooks and n in hooks:
            script.append(hooks[n])
    return [*script, status("deals", "COMPLETE")]


def table(db) -> tuple[int, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        count = con.execute("SELECT count(*) FROM deals").fetchone()[0]
        saved = con.execute("SELECT state FROM _state WHERE stream = 'deals'").fetchone()
    return count, saved[0] if saved else None


def test_the_read_goes_on_while_a_page_is_committed(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)  # page 1 is committed as soon as it arrives
    later_pages_read = threading.Event()
    waited: list[bool] = []
    commit = Writer._commit

    def held_commit(self, page):
        if not waited:  # the first commit finishes only once the read has gone three pages further
            waited.append(later_pages_read.wait(20))
        return commit(self, page)

    monkeypatch.setattr(Writer, "_commit", held_commit)
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS], pages(6, {4: later_pages_read.set})))
    assert result.status == "succeeded" and waited == [True]
    assert table(tmp_path / "d.duckdb") == (30, '{"page":6}')


def test_the_handoff_holds_a_bounded_number_of_records(tmp_path, monkeypatch):
    limit = 4 * PAGE
    monkeypatch.setattr(loader, "MAX_IN_FLIGHT", limit)
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)
    sent = [0]
    seen_while_held: list[int] = []
    commit = Writer._commit

    def held_commit(self, page):
        if not seen_while_held:  # hold the first commit until the read stops coming (it must)
            deadline, last = time.monotonic() + 20, -1
            while sent[0] != last and time.monotonic() < deadline:
                last = sent[0]
                time.sleep(0.3)
            seen_while_held.append(sent[0])
        return commit(self, page)

    def count() -> None:
        sent[0] += PAGE

    monkeypatch.setattr(Writer, "_commit", held_commit)
    script = pages(40, {n: count for n in range(1, 41)})
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS], script))
    assert result.status == "succeeded"
    # The writer holds page 1; the reading side may queue pages up to the limit, then reads one more
    # page and waits with it: it went ahead, and no further.
    assert limit <= seen_while_held[0] <= limit + PAGE
    assert table(tmp_path / "d.duckdb") == (200, '{"page":40}')


def test_a_failing_write_stops_the_read_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)
    monkeypatch.setattr(loader, "MAX_IN_FLIGHT", 2 * PAGE)
    calls = [0]
    commit = Writer._commit

    def failing_commit(self, page):
        calls[0] += 1
        if calls[0] == 3:
            raise duckdb.IOException("Could not write file: No space left on device")
        return commit(self, page)

    monkeypatch.setattr(Writer, "_commit", failing_commit)
    reached_the_end = []
    source = ScriptedSource([DEALS], pages(200, {200: lambda: reached_the_end.append(True)}))
    result = sync.run({}, tmp_path / "d.duckdb", source=source)
    assert (result.status, result.error) == ("failed", "DuckDB: Could not write file: No space left on device")
    assert not reached_the_end
    assert table(tmp_path / "d.duckdb") == (2 * PAGE, '{"page":2}')  # the two pages committed stay


def test_a_stop_commits_every_page_handed_over(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 60.0)  # the writer would wait to group them
    script = pages(6, {3: KeyboardInterrupt()})
    script.insert(script.index(state("deals", {"page": 3})), record("deals", {"id": 99, "title": "x"}))
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS], script))
    assert result.status == "interrupted"
    assert table(tmp_path / "d.duckdb") == (3 * PAGE + 1, '{"page":3}')


def test_records_after_the_last_state_of_a_stopped_read_are_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 60.0)
    script = pages(6, {})
    script.insert(script.index(record("deals", {"id": 16, "title": "deal 16"})) + 2, KeyboardInterrupt())
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS], script))
    assert result.status == "interrupted"
    assert table(tmp_path / "d.duckdb") == (3 * PAGE, '{"page":3}')


@pytest.mark.parametrize("interval", [0.0, 60.0], ids=["a commit per state", "pages merged"])
def test_a_key_sent_again_by_a_later_page_of_a_first_read_stays_one_row(tmp_path, monkeypatch, interval):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", interval)
    from tests.warehouse.test_loader import deal, deal_schema, stamp

    # Offset paging on a live list can send a record twice, pages apart.
    records = [deal(i, stamp(i)) for i in range(1, 10)] + [deal(2, stamp(20), title="moved")]
    src = FakeSource({"deals": deal_schema()}, {"deals": records}, page_size=3)
    result = sync.run({}, tmp_path / "d.duckdb", source=src)
    st = result.streams[0]
    assert (st.rows, st.inserted) == (9, 9)
    with duckdb.connect(str(tmp_path / "d.duckdb"), read_only=True) as con:
        assert con.execute("SELECT title FROM deals WHERE id = 2").fetchall() == [("moved",)]


@pytest.mark.parametrize("sent_again", [2, "2"], ids=["same key", "the key as text"])
@pytest.mark.parametrize("remembered", [500_000, 3], ids=["keys remembered", "past the limit"])
def test_a_first_sync_replaces_a_key_it_committed_however_the_key_comes_back(tmp_path, monkeypatch, sent_again,
                                                                            remembered):
    # A first sync inserts without looking for rows to replace while no key comes twice (loader.Fresh):
    # a key it committed, sent again as the same value, as text its column turns into the same id, or
    # after Fresh stopped remembering keys, still replaces its row.
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)
    monkeypatch.setattr(loader, "FRESH_KEYS", remembered)
    script = [status("deals", "STARTED"),
              *(record("deals", {"id": i, "title": f"deal {i}"}) for i in range(1, 6)), state("deals", {"page": 1}),
              record("deals", {"id": sent_again, "title": "moved"}), state("deals", {"page": 2}),
              status("deals", "COMPLETE")]
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS], script))
    assert result.status == "succeeded"
    assert (result.streams[0].inserted, result.streams[0].updated) == (5, 1)
    with duckdb.connect(str(tmp_path / "d.duckdb"), read_only=True) as con:
        assert con.execute("SELECT id, title FROM deals WHERE id = 2").fetchall() == [(2, "moved")]
        assert con.execute("SELECT count(*) FROM deals").fetchone() == (5,)


# Long: once in a fresh-clone CI run the injected failure was never met (the sync succeeded); the writer
# process is optional and off by default, and this case is timing-dependent until that is understood.
@pytest.mark.long
def test_an_error_in_the_writer_process_comes_back_as_itself(tmp_path, monkeypatch, mode):
    if mode == "thread":
        pytest.skip("about the writer process")
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)
    call = WarehouseProcess._call

    def lost_page(self, op, *args):
        page_file = args[0][0].page_file if op == "commit_pages" and args[0] else None
        if page_file:
            os.remove(page_file)  # a folder where the page should be: DuckDB fails to read it, in the child
            os.mkdir(page_file)
        return call(self, op, *args)

    monkeypatch.setattr(WarehouseProcess, "_call", lost_page)
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS], pages(50)))
    assert result.status == "failed" and result.error.startswith("DuckDB: "), result.error
    count, saved = table(tmp_path / "d.duckdb")
    assert count >= PAGE and saved == f'{{"page":{count // PAGE}}}'  # committed before the move, in step


def test_both_writers_leave_the_same_tables(tmp_path, monkeypatch):
    from tests.warehouse.test_loader import deal, deal_schema, stamp

    def source() -> FakeSource:
        return FakeSource({"deals": deal_schema(), "stages": deal_schema()},
                          {"deals": [deal(i, stamp(i % 50)) for i in range(1, 400)],
                           "stages": [deal(i) for i in range(1, 30)]}, page_size=7, full_refresh_only=("stages",))

    started = []
    spawn = WarehouseProcess.__init__

    def counted(self, *args):
        started.append(args)
        spawn(self, *args)

    monkeypatch.setattr(WarehouseProcess, "__init__", counted)
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 0.0)
    dbs = {}
    for name in ("thread", "process"):
        monkeypatch.setattr(sync, "WRITER_PROCESS", name == "process")
        dbs[name] = tmp_path / f"{name}.duckdb"
        assert sync.run({}, dbs[name], source=source()).status == "succeeded"
        assert sync.run({}, dbs[name], source=source()).status == "succeeded"  # incremental: upserts
    assert len(started) == 2  # one writer process per run of the second kind
    for table_name in ("deals", "stages"):
        assert table_rows(dbs["thread"], table_name) == table_rows(dbs["process"], table_name)


def test_pages_of_several_streams_share_a_transaction_each_with_its_own_state(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "COMMIT_INTERVAL", 60.0)  # every page waits: one batch for both streams
    stages = {**DEALS, "name": "stages"}
    script = [status("deals", "STARTED"), status("stages", "STARTED"),
              record("deals", {"id": 1, "title": "a"}), record("stages", {"id": 1, "title": "s1"}),
              state("deals", {"page": 1}),
              record("stages", {"id": 2, "title": "s2"}), state("stages", {"page": 1}),
              record("deals", {"id": 2, "title": "b"}), state("deals", {"page": 2}),
              record("stages", {"id": 3, "title": "s3"}),  # no STATE covers it: not kept
              KeyboardInterrupt()]
    result = sync.run({}, tmp_path / "d.duckdb", source=ScriptedSource([DEALS, stages], script))
    assert result.status == "interrupted"
    assert table(tmp_path / "d.duckdb") == (2, '{"page":2}')
    with duckdb.connect(str(tmp_path / "d.duckdb"), read_only=True) as con:
        assert con.execute("SELECT id FROM stages ORDER BY id").fetchall() == [(1,), (2,)]
        assert con.execute("SELECT state FROM _state WHERE stream = 'stages'").fetchone() == ('{"page":1}',)
