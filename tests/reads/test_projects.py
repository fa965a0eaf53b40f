"""Pipedrive Projects and webhooks: a full read delivers exactly the sandbox's truth, and an incremental read
after changes delivers the changed records (lists filtered by update_time on our side)."""

from __future__ import annotations

from source_pipedrive.streams import STREAMS_BY_NAME
from tests.kit.cli import catalog_for, config_for

PROJECT_STREAMS = ("projects", "tasks", "project_templates", "boards", "project_fields", "webhooks")
WITH_TRUTH = ("projects", "tasks", "project_templates", "boards", "webhooks")


def truth_ids(sb, stream: str) -> set:
    t = sb.truth()["streams"][stream]
    return set(t["live"]) | set(t["archived"])


def test_full_read_delivers_every_project_stream_exactly(cli, make_sandbox):
    sb = make_sandbox()
    run = cli("read", config_for(sb), catalog_for(PROJECT_STREAMS))
    assert run.code == 0, run.errors()
    for stream in WITH_TRUTH:
        ids = run.ids(stream)
        assert len(ids) == len(set(ids)), f"{stream} repeats ids"
        assert set(ids) == truth_ids(sb, stream), stream
    archived = set(sb.truth()["streams"]["projects"]["archived"])
    assert archived, "the small sandbox has archived projects"
    by_id = {r["id"]: r for r in run.records("projects")}
    assert all(by_id[i]["archive_time"] for i in archived)
    assert all(r["archive_time"] is None for i, r in by_id.items() if i not in archived)
    codes = run.ids("project_fields")
    assert codes and len(codes) == len(set(codes)) and "title" in codes
    assert all(STREAMS_BY_NAME[s].incremental for s in ("projects", "tasks", "project_templates", "boards"))
    assert not STREAMS_BY_NAME["webhooks"].incremental


def test_incremental_read_after_updates_delivers_the_changed_records(cli, make_sandbox):
    sb = make_sandbox()
    incremental = ("projects", "tasks", "project_templates", "boards")
    first = cli("read", config_for(sb), catalog_for(incremental, mode="incremental"))
    assert first.code == 0, first.errors()
    for stream in incremental:
        assert set(first.ids(stream)) == truth_ids(sb, stream), stream
    sb.advance(3600)
    truth = sb.truth()["streams"]
    project = sorted(truth["projects"]["live"])[0]
    archived_project = sorted(truth["projects"]["archived"])[0]
    task = sorted(truth["tasks"]["live"])[-1]
    board = sorted(truth["boards"]["live"])[0]
    template = sorted(truth["project_templates"]["live"])[0]
    sb.update("projects", project, title="Renamed project")
    sb.update("projects", archived_project, description="Edited while archived")
    sb.update("tasks", task, is_done=True)
    sb.update("boards", board, name="Renamed board")
    sb.update("project_templates", template, title="Renamed template")
    new_task = sb.create("tasks", title="Brand new task")
    second = cli("read", config_for(sb), catalog_for(incremental, mode="incremental"), first.final_state())
    assert second.code == 0, second.errors()
    got = {s: {r["id"]: r for r in second.records(s)} for s in incremental}
    assert got["projects"][project]["title"] == "Renamed project"
    assert got["projects"][archived_project]["description"] == "Edited while archived"
    assert got["projects"][archived_project]["archive_time"] is not None
    assert got["tasks"][task]["is_done"] is True
    assert new_task["id"] in got["tasks"]
    assert got["boards"][board]["name"] == "Renamed board"
    assert got["project_templates"][template]["title"] == "Renamed template"
    # An increment, not everything again: only the changed records (and any at the cursor's second).
    assert set(got["projects"]) <= {project, archived_project} | set(first.ids("projects"))
    assert len(got["projects"]) < len(first.ids("projects"))
    assert len(got["tasks"]) < len(first.ids("tasks"))
    # The union of both reads is the truth at the end.
    truth = sb.truth()["streams"]
    for stream in incremental:
        assert set(first.ids(stream)) | set(got[stream]) == truth_ids(sb, stream), stream


def test_phases_are_read_once_per_board_and_all_arrive(cli, make_sandbox):
    """A child stream declared in the stream table (parent boards, board_id): one request to list the
    boards, one per board, every phase once ([SPEC-v2]: board_id is required)."""
    sb = make_sandbox()
    run = cli("read", config_for(sb), catalog_for(["phases"]))
    assert run.code == 0, run.errors()[:1]
    assert sorted(run.ids("phases")) == sorted(sb.truth()["streams"]["phases"]["live"])
    requests = sb.stats()["requests"]
    boards = len(sb.truth()["streams"]["boards"]["live"])
    assert requests["GET /api/v2/boards"] == 1 and requests["GET /api/v2/phases"] == boards
    assert {p["board_id"] for p in run.records("phases")} == set(sb.truth()["streams"]["boards"]["live"])
