"""Control interface: clock, create/update/delete/archive reflected in lists and truth(), stats, reset."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

from tests.kit.sandbox import HTTP, RFC3339, V1_TIME, client, get, ids, parse_time, streams, walk

# entity -> (list endpoint, fields for create, field to update)
ENTITIES = {
    "deals": ("/api/v2/deals", {"title": "Sandbox deal"}, "title"),
    "persons": ("/api/v2/persons", {"name": "Sandbox Person"}, "name"),
    "organizations": ("/api/v2/organizations", {"name": "Sandbox Org"}, "name"),
    "activities": ("/api/v2/activities", {"subject": "Sandbox call"}, "subject"),
    "products": ("/api/v2/products", {"name": "Sandbox product"}, "name"),
    "pipelines": ("/api/v2/pipelines", {"name": "Sandbox pipeline"}, "name"),
    "stages": ("/api/v2/stages", {"name": "Sandbox stage"}, "name"),
    "leads": ("/v1/leads", {"title": "Sandbox lead"}, "title"),
    "notes": ("/v1/notes", {"content": "Sandbox note"}, "content"),
    "files": ("/v1/files", {"name": "sandbox.pdf"}, "name"),
    "users": ("/v1/users", {"name": "Sandbox User", "email": "sandbox@example.com"}, "name"),
    "projects": ("/api/v2/projects", {"title": "Sandbox project"}, "title"),
    "tasks": ("/api/v2/tasks", {"title": "Sandbox task"}, "title"),
    "project_templates": ("/api/v2/projectTemplates", {"title": "Sandbox template"}, "title"),
    "boards": ("/api/v2/boards", {"name": "Sandbox board"}, "name"),
}


def _list(sb, path: str) -> list[dict]:
    with client(sb) as c:
        return walk(c, path, {}, limit=100 if path == "/v1/files" else 500)


def _create(sb, entity: str) -> dict:
    fields = dict(ENTITIES[entity][1])
    if entity == "stages":
        fields["pipeline_id"] = sorted(streams(sb)["pipelines"]["live"])[0]
    return sb.create(entity, **fields)


def test_truth_lists_every_documented_entity(sandbox) -> None:
    s = streams(sandbox)
    assert set(ENTITIES) <= set(s)
    for name, st in s.items():
        assert {"live", "archived", "count"} <= set(st), name
        assert st["count"] == len(st["live"]) + len(st["archived"]), name


@pytest.mark.parametrize("entity", ENTITIES)
def test_create_update_delete_are_reflected_in_lists_and_truth(make_sandbox, entity: str) -> None:
    sb = make_sandbox()
    path, _, field = ENTITIES[entity]
    before = streams(sb)[entity]["count"]
    rec = _create(sb, entity)
    rid = rec["id"]
    t = rec.get("update_time") or rec.get("modified")
    assert (RFC3339 if path.startswith("/api/v2/") or entity == "leads" else V1_TIME).match(t), t
    assert rid in ids(_list(sb, path))
    assert rid in streams(sb)[entity]["live"] and streams(sb)[entity]["count"] == before + 1

    sb.advance(3600)
    upd = sb.update(entity, rid, **{field: "Renamed by test"})
    assert upd[field] == "Renamed by test"
    listed = next(r for r in _list(sb, path) if r["id"] == rid)
    assert listed[field] == "Renamed by test"
    stamp = listed.get("update_time") or listed.get("modified")
    assert abs((parse_time(stamp) - sb.now()).total_seconds()) < 1  # stamped with the simulated now

    sb.delete(entity, rid)
    if entity == "users":  # Pipedrive users are deactivated, never deleted: still listed, inactive
        listed = [r for r in _list(sb, path) if r["id"] == rid]
        assert not listed or listed[0]["active_flag"] is False
        return
    assert rid not in streams(sb)[entity]["live"]
    assert rid not in ids(_list(sb, path))


@pytest.mark.parametrize("entity", ["deals", "leads", "projects"])
def test_archive_is_reflected_in_truth(make_sandbox, entity: str) -> None:
    sb = make_sandbox()
    rec = _create(sb, entity)
    sb.archive(entity, rec["id"])
    s = streams(sb)[entity]
    assert rec["id"] in s["archived"] and rec["id"] not in s["live"]


def test_created_records_use_the_endpoints_shape(make_sandbox) -> None:
    sb = make_sandbox()
    deal = _create(sb, "deals")  # v2 entity: v2 shape [RD-V2MIG]
    assert "owner_id" in deal and "custom_fields" in deal and "user_id" not in deal
    note = _create(sb, "notes")  # v1-only entity: v1 shape
    assert V1_TIME.match(note["add_time"])


def test_advance_moves_clock_date_header_and_control_clock(make_sandbox) -> None:
    sb = make_sandbox()
    t0 = sb.now()
    sb.advance(90_061)
    t1 = sb.now()
    assert (t1 - t0).total_seconds() == 90_061
    ctl = HTTP.get(sb.url + "/_sandbox/clock").json()
    assert parse_time(ctl["now"]) == t1
    r = get(sb, "/api/v2/pipelines")
    assert parsedate_to_datetime(r.headers["date"]) == t1.replace(microsecond=0)


def test_default_clock_starts_at_documented_now(make_sandbox) -> None:
    assert make_sandbox().now().isoformat().startswith("2026-11-01T12:00:00")


def test_http_control_interface(make_sandbox) -> None:
    sb = make_sandbox()
    u = sb.url + "/_sandbox"
    now = HTTP.post(u + "/clock/advance", json={"seconds": 60}).json()["now"]
    assert parse_time(now) == sb.now()
    rec = HTTP.post(u + "/records/deals", json={"title": "via http"}).json()
    assert rec["title"] == "via http"
    assert HTTP.patch(f"{u}/records/deals/{rec['id']}", json={"title": "patched"}).json()["title"] == "patched"
    assert HTTP.post(f"{u}/records/deals/{rec['id']}/archive").status_code < 300
    truth = HTTP.get(u + "/truth").json()
    assert rec["id"] in truth["streams"]["deals"]["archived"] and "now" in truth
    assert HTTP.post(u + "/stats/reset").status_code < 300
    assert HTTP.get(u + "/stats").json()["total_requests"] == 0
    assert HTTP.post(u + "/config", json={"burst": 2}).status_code < 300
    with client(sb) as c:
        assert [c.get("/api/v2/pipelines").status_code for _ in range(3)] == [200, 200, 429]


def test_control_interface_needs_no_auth_and_is_not_counted(make_sandbox) -> None:
    sb = make_sandbox(burst=1, daily_tokens=1)
    sb.reset_stats()
    for _ in range(5):
        assert HTTP.get(sb.url + "/_sandbox/truth").status_code == 200
    assert sb.stats()["total_requests"] == 0


def test_stats_count_requests_tokens_and_statuses_per_endpoint(make_sandbox) -> None:
    sb = make_sandbox()
    sb.reset_stats()
    with client(sb) as c:
        for _ in range(3):
            c.get("/api/v2/deals", params={"limit": 5})
        for _ in range(2):
            c.get("/v1/notes", params={"limit": 5})
    HTTP.get(sb.url + "/api/v2/deals", headers={"x-api-token": "wrong"})
    st = sb.stats()
    assert st["requests"]["GET /api/v2/deals"] == 4
    assert sum(n for k, n in st["requests"].items() if k.endswith("/v1/notes")) == 2
    assert st["total_requests"] == 6
    assert st["status"]["200"] == 5 and st["status"]["401"] == 1
    assert st["tokens"]["GET /api/v2/deals"] == 30  # a rejected request costs nothing
    assert st["total_tokens"] == 30 + 40
    sb.reset_stats()
    st = sb.stats()
    assert st["total_requests"] == 0 and st["total_tokens"] == 0 and not st["requests"]


def test_cli_prints_the_listening_line_and_serves() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "pipedrive_sandbox", "--port", "0", "--scale", "small",
                             "--seed", "3", "--token", "cli-token", "--burst", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("Pipedrive sandbox listening on http://127.0.0.1:"), line
        url = line.rsplit(" ", 1)[-1]
        r = HTTP.get(url + "/api/v2/pipelines", headers={"x-api-token": "cli-token"})
        assert r.status_code == 200 and r.headers["x-ratelimit-limit"] == "50"
        assert HTTP.get(url + "/api/v2/pipelines", headers={"x-api-token": "sandbox-token"}).status_code == 401
    finally:
        proc.terminate()
        proc.wait(10)


def test_subprocess_sandbox_is_controlled_over_http(make_sandbox) -> None:
    sb = make_sandbox(subprocess=True)
    t0 = sb.now()
    sb.advance(60)
    assert (sb.now() - t0).total_seconds() == 60
    rec = sb.create("deals", title="over the wire")
    assert rec["id"] in streams(sb)["deals"]["live"]
    assert rec["id"] in ids(get(sb, "/api/v2/deals", sort_by="id", sort_direction="desc", limit=5).json()["data"])
