"""Spec-open behaviours are options with a default and a reason; each one changes what it says it changes."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from pipedrive_sandbox import OPTIONS
from tests.kit.repo import REPO_ROOT
from tests.kit.sandbox import (
    HTTP,
    client,
    get,
    ids,
    parse_time,
    rfc3339,
    streams,
    v1_time,
    walk,
    walk_cursor,
    walk_flat,
    walk_offset,
    walk_until_empty,
)


def _choices(name: str) -> list:
    return [5 if c is int else c for c in OPTIONS[name].choices]


def test_registry_names_choices_defaults_and_reasons() -> None:
    assert set(OPTIONS) == {"update_time_on_archive", "update_time_on_delete", "tie_order", "limit_cap",
                            "recents_user_data", "time_filter", "mail_thread_order", "call_log_order",
                            "child_change_touches_parent", "deleted_parent_children", "installments_paging"}
    for name, opt in OPTIONS.items():
        assert opt.name == name and len(opt.why) > 20
        assert opt.default in opt.choices, name


def test_config_lists_the_options_with_their_defaults(sandbox) -> None:
    cfg = HTTP.get(sandbox.url + "/_sandbox/config").json()
    assert cfg["options"] == {name: opt.default for name, opt in OPTIONS.items()}


@pytest.mark.parametrize(("name", "value"), [(n, v) for n in OPTIONS for v in _choices(n)], ids=str)
def test_every_choice_can_be_set_at_run_time(make_sandbox, name: str, value: object) -> None:
    sb = make_sandbox()
    assert sb.configure(options={name: value})["options"][name] == value
    assert sb.set_options(**{name: OPTIONS[name].default})[name] == OPTIONS[name].default


@pytest.mark.parametrize("bad", [{"no_such_option": 1}, {"tie_order": "random"}, {"limit_cap": 0},
                                 {"update_time_on_delete": "maybe"}, {"limit_cap": True}])
def test_bad_options_are_refused_and_change_nothing(make_sandbox, bad: dict) -> None:
    from pipedrive_sandbox import Sandbox

    with pytest.raises(ValueError):
        Sandbox(options=bad)
    sb = make_sandbox()
    r = HTTP.post(sb.url + "/_sandbox/config", json={"options": {"tie_order": "shuffled", **bad}})
    assert r.status_code == 400
    assert sb.configure()["options"]["tie_order"] == "id"


@pytest.mark.parametrize("entity", ["deals", "leads"])
@pytest.mark.parametrize("moves", [True, False])
def test_update_time_on_archive(make_sandbox, entity: str, moves: bool) -> None:
    sb = make_sandbox(options={"update_time_on_archive": moves})
    rid = min(streams(sb)[entity]["live"], key=str)
    old = parse_time(sb.get(entity, rid)["update_time"])
    sb.advance(3600)
    now = sb.now().replace(microsecond=0)
    for action in (sb.archive, sb.unarchive):
        got = parse_time(action(entity, rid)["update_time"])
        assert got == (now if moves else old), action.__name__
    path = "/api/v2/deals" if entity == "deals" else "/v1/leads"
    with client(sb) as c:  # an incremental read by update_time sees the unarchive only if it moved the time
        seen = ids(walk(c, path, {"updated_since": rfc3339(now)}, limit=500))
    assert (rid in seen) is moves


@pytest.mark.parametrize("moves", [True, False])
def test_update_time_on_delete(make_sandbox, moves: bool) -> None:
    sb = make_sandbox(options={"update_time_on_delete": moves})
    rid = min(streams(sb)["deals"]["live"])
    sb.advance(3600)
    sb.delete("deals", rid)
    with client(sb) as c:
        gone = walk_cursor(c, "/api/v2/deals", {"status": "deleted", "updated_since": rfc3339(sb.now())}, 500)
        everything = walk_cursor(c, "/api/v2/deals", {"status": "deleted"}, 500)
    assert (rid in ids(gone)) is moves
    assert rid in ids(everything)


def _tied_notes(sb, n: int = 8) -> list[int]:
    picked = sorted(streams(sb)["notes"]["live"])[:n]
    for rid in picked:
        sb.update("notes", rid, content=f"tied {rid}")
    return picked


def test_tie_order_shuffled_changes_order_between_requests_but_never_the_set(make_sandbox) -> None:
    sb = make_sandbox(options={"tie_order": "shuffled"})
    tied = _tied_notes(sb)
    pages = [ids(get(sb, "/v1/notes", sort="update_time DESC", limit=len(tied)).json()["data"]) for _ in range(4)]
    assert all(sorted(p) == tied for p in pages)
    assert len({tuple(p) for p in pages}) > 1, pages
    # distinct values keep their order: the tie sits before every older note
    full = ids(get(sb, "/v1/notes", sort="update_time DESC", limit=500).json()["data"])
    assert set(full[:len(tied)]) == set(tied)


def test_tie_order_id_is_stable(make_sandbox) -> None:
    sb = make_sandbox()
    tied = _tied_notes(sb)
    pages = [ids(get(sb, "/v1/notes", sort="update_time DESC", limit=len(tied)).json()["data"]) for _ in range(3)]
    assert pages == [sorted(tied, reverse=True)] * 3


def test_limit_cap_pages_are_short_but_complete(make_sandbox) -> None:
    sb = make_sandbox(options={"limit_cap": 7})
    s = streams(sb)
    body = get(sb, "/v1/notes", limit=100).json()
    pag = body["additional_data"]["pagination"]
    assert len(body["data"]) == 7 and pag["limit"] == 100 and pag["next_start"] == 7
    assert len(get(sb, "/api/v2/deals", limit=100).json()["data"]) == 7
    with client(sb) as c:
        assert sorted(ids(walk_cursor(c, "/api/v2/deals", {}, 100))) == sorted(s["deals"]["live"])
        assert sorted(ids(walk_offset(c, "/v1/notes", {}, 100))) == sorted(s["notes"]["live"])
        assert sorted(ids(walk_flat(c, "/v1/leads", {}, 100))) == sorted(s["leads"]["live"])
        threads = [t for f in ("inbox", "drafts", "sent", "archive")
                   for t in walk_until_empty(c, "/v1/mailbox/mailThreads", {"folder": f}, 100)]
        assert sorted(ids(threads)) == sorted(s["mail_threads"]["live"])


@pytest.mark.parametrize(("shape", "kind"), [("list", list), ("object", dict)])
def test_recents_user_data(make_sandbox, shape: str, kind: type) -> None:
    sb = make_sandbox(options={"recents_user_data": shape})
    sb.update("users", 2, name="Renamed User")
    since = v1_time(sb.now() - timedelta(hours=1))
    items = get(sb, "/v1/recents", since_timestamp=since, items="user").json()["data"]
    assert items and all(isinstance(i["data"], kind) for i in items)
    user = items[0]["data"][0] if shape == "list" else items[0]["data"]
    assert user["name"] == "Renamed User"


@pytest.mark.parametrize("mode", ["honoured", "ignored"])
def test_time_filter(make_sandbox, mode: str) -> None:
    sb = make_sandbox(options={"time_filter": mode})
    s = streams(sb)
    sb.update("deals", s["deals"]["live"][0], title="fresh")
    since = rfc3339(sb.now())
    with client(sb) as c:
        deals = walk_cursor(c, "/api/v2/deals", {"updated_since": since}, 500)
        leads = walk_flat(c, "/v1/leads", {"updated_since": since}, 500)
    if mode == "honoured":
        assert ids(deals) == [s["deals"]["live"][0]] and leads == []
    else:  # older records come back: a connector must not trust the filter blindly
        assert len(deals) == len(s["deals"]["live"]) and len(leads) == len(s["leads"]["live"])
        assert min(parse_time(d["update_time"]) for d in deals) < sb.now() - timedelta(days=30)


@pytest.mark.parametrize("order", ["newest", "id"])
def test_mail_thread_order(make_sandbox, order: str) -> None:
    sb = make_sandbox(options={"mail_thread_order": order})
    with client(sb) as c:
        threads = walk(c, "/v1/mailbox/mailThreads", {"folder": "inbox"}, limit=3)
    assert len(threads) > 3
    if order == "id":
        assert ids(threads) == sorted(ids(threads))
    else:  # "ordered by the most recent message within" [SPEC-v1], whatever update_time says
        sb.update("mail_threads", threads[-1]["id"], read_flag=0)
        with client(sb) as c:
            again = walk(c, "/v1/mailbox/mailThreads", {"folder": "inbox"}, limit=3)
        times = [t["last_message_timestamp"] for t in again]
        assert times == sorted(times, reverse=True) and ids(again) == ids(threads)


def test_cli_option_flags(tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "pipedrive_sandbox", "--option", "limit_cap=3",
                             "--option", "tie_order=shuffled", "--option", "update_time_on_delete=false"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
        opts = HTTP.get(url + "/_sandbox/config").json()["options"]
        assert (opts["limit_cap"], opts["tie_order"], opts["update_time_on_delete"]) == (3, "shuffled", False)
        r = HTTP.get(url + "/api/v2/deals", headers={"x-api-token": "sandbox-token"}, params={"limit": 50})
        assert len(r.json()["data"]) == 3
    finally:
        proc.terminate()
        proc.wait(10)
    bad = subprocess.run([sys.executable, "-m", "pipedrive_sandbox", "--option", "tie_order=random"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "tie_order" in bad.stderr


def test_subprocess_sandbox_passes_options(make_sandbox) -> None:
    sb = make_sandbox(subprocess=True, options={"limit_cap": 4, "recents_user_data": "object"})
    opts = sb.configure()["options"]
    assert opts["limit_cap"] == 4 and opts["recents_user_data"] == "object"
    assert len(get(sb, "/v1/notes", limit=100).json()["data"]) == 4


def test_docs_table_lists_every_option_with_its_default() -> None:
    doc = (REPO_ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")}
    for name, opt in OPTIONS.items():
        assert name in rows, f"docs/sandbox.md lacks option {name}"
        default = "null" if opt.default is None else str(opt.default).lower()
        assert f"| `{default}` |" in rows[name], (name, default)


def test_call_log_order_newest_lists_the_latest_call_first(make_sandbox) -> None:
    def start_times(sb) -> list[str]:
        body = HTTP.get(sb.url + "/v1/callLogs", params={"limit": 50}, headers={"x-api-token": sb.token}).json()
        return [r["start_time"] for r in body["data"]]

    by_id = start_times(make_sandbox())
    newest = start_times(make_sandbox(options={"call_log_order": "newest"}))
    assert newest == sorted(newest, reverse=True) and newest[0] > by_id[0]
