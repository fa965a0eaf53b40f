"""Per-user endpoints answer for the token's user (user 1) as the spec describes [SPEC-v1].

GET /v1/goals/find: your goals unless a parameter "If provided, everyone's goals will be returned" is given;
GET /v1/callLogs: "call logs assigned to a particular user"; GET /v1/mailbox/mailThreads: your mailbox.
The truth lists what the token user can read: every goal, and only the user's call logs and mail threads.
"""

from __future__ import annotations

import pytest

from tests.kit.sandbox import client, get, streams, walk, walk_offset

ME = 1  # the token user: /v1/users/me
FOLDERS = ("inbox", "drafts", "sent", "archive")


def _goals(sb, **params) -> list[dict]:
    r = get(sb, "/v1/goals/find", **params)
    assert r.status_code == 200, r.text[:300]
    return r.json()["data"]["goals"]


def test_the_token_user_is_user_1(sandbox) -> None:
    assert get(sandbox, "/v1/users/me").json()["data"]["id"] == ME


def test_goals_default_to_your_active_goals(sandbox) -> None:
    mine = _goals(sandbox)
    assert mine and all(g["assignee"] == {"id": ME, "type": "person"} and g["is_active"] for g in mine)
    assert len(mine) < len(streams(sandbox)["goals"]["live"])  # reading only your own goals misses some


def test_goals_data_has_person_team_company_several_users_active_and_inactive(sandbox) -> None:
    every = [g for t in ("person", "team", "company") for a in ("true", "false")
             for g in _goals(sandbox, **{"assignee.type": t, "is_active": a})]
    assert {g["assignee"]["type"] for g in every} == {"person", "team", "company"}
    assert len({g["assignee"]["id"] for g in every if g["assignee"]["type"] == "person"}) >= 3
    assert {g["is_active"] for g in every} == {True, False}
    ids = [g["id"] for g in every]
    assert len(ids) == len(set(ids)) and set(ids) == set(streams(sandbox)["goals"]["live"])  # truth = all


def test_assignee_id_gives_that_users_goals(sandbox) -> None:
    theirs = _goals(sandbox, **{"assignee.id": 3})
    assert theirs and all(g["assignee"] == {"id": 3, "type": "person"} for g in theirs)
    assert not {g["id"] for g in theirs} & {g["id"] for g in _goals(sandbox)}


def test_is_active_false_gives_inactive_goals(sandbox) -> None:
    old = _goals(sandbox, is_active="false")
    assert old and all(not g["is_active"] and g["assignee"]["id"] == ME for g in old)


def _everyone_value(g: dict, name: str) -> str:
    value = {"type.name": g["type"]["name"], "assignee.type": g["assignee"]["type"],
             "expected_outcome.target": g["expected_outcome"]["target"],
             "expected_outcome.tracking_metric": g["expected_outcome"]["tracking_metric"],
             "expected_outcome.currency_id": g["expected_outcome"].get("currency_id"),
             "type.params.pipeline_id": (g["type"]["params"].get("pipeline_id") or [None])[0],
             "type.params.stage_id": g["type"]["params"].get("stage_id"),
             "type.params.activity_type_id": (g["type"]["params"].get("activity_type_id") or [None])[0]}[name]
    return "" if value is None else str(value)


EVERYONE = ["type.name", "assignee.type", "expected_outcome.target", "expected_outcome.tracking_metric",
            "expected_outcome.currency_id", "type.params.pipeline_id", "type.params.stage_id",
            "type.params.activity_type_id"]


@pytest.mark.parametrize("name", EVERYONE)
def test_everyone_parameters_return_other_users_goals_filtered(sandbox, name: str) -> None:
    # [SPEC-v1] "If provided, everyone's goals will be returned"
    others = [g for t in ("person", "team", "company")
              for g in _goals(sandbox, **{"assignee.type": t}) if g["assignee"] != {"id": ME, "type": "person"}]
    target = next(g for g in others if _everyone_value(g, name))
    got = _goals(sandbox, **{name: _everyone_value(target, name)})
    assert target["id"] in {g["id"] for g in got}
    assert all(_everyone_value(g, name) == _everyone_value(target, name) or name.startswith("type.params")
               for g in got)


def test_goals_period_filters_by_overlap(sandbox) -> None:
    this_year = _goals(sandbox, **{"assignee.type": "person", "period.start": "2026-03-01",
                                   "period.end": "2026-03-31"})
    assert this_year and all(g["duration"]["start"] <= "2026-03-31" for g in this_year)
    assert not _goals(sandbox, **{"assignee.type": "person", "period.start": "2030-01-01",
                                  "period.end": "2030-12-31"})


def test_call_logs_are_the_token_users_and_match_the_truth(sandbox) -> None:
    with client(sandbox) as c:
        logs = walk_offset(c, "/v1/callLogs", limit=50)
    assert logs and {r["user_id"] for r in logs} == {ME}
    truth = streams(sandbox)["call_logs"]["live"]
    assert sorted(r["id"] for r in logs) == sorted(truth)
    assert len(truth) * 2 >= sandbox.info()["sizes"]["call_logs"]  # the token user owns at least half


def test_mail_threads_are_the_token_users_in_every_folder_and_match_the_truth(sandbox) -> None:
    got: list[dict] = []
    with client(sandbox) as c:
        for folder in FOLDERS:
            got += walk(c, "/v1/mailbox/mailThreads", {"folder": folder}, limit=7)
    assert got and {r["user_id"] for r in got} == {ME}
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids))
    truth = streams(sandbox)["mail_threads"]["live"]
    assert sorted(ids) == sorted(truth)
    assert len(truth) * 2 >= sandbox.info()["sizes"]["mail_threads"]


def test_another_users_mail_thread_is_not_found(sandbox) -> None:
    mine = set(streams(sandbox)["mail_threads"]["live"])
    other = next(i for i in range(1, 100) if i not in mine)
    assert get(sandbox, f"/v1/mailbox/mailThreads/{other}/mailMessages").status_code == 404
    ok = get(sandbox, f"/v1/mailbox/mailThreads/{min(mine)}/mailMessages")
    assert ok.status_code == 200 and ok.json()["data"]


def test_created_call_log_of_another_user_is_neither_listed_nor_in_the_truth(make_sandbox) -> None:
    sb = make_sandbox()
    before = set(streams(sb)["call_logs"]["live"])
    mine = sb.create("call_logs", user_id=ME, subject="mine")
    theirs = sb.create("call_logs", user_id=2, subject="theirs")
    after = set(streams(sb)["call_logs"]["live"])
    assert after == before | {mine["id"]} and theirs["id"] not in after
    with client(sb) as c:
        assert {r["id"] for r in walk_offset(c, "/v1/callLogs", limit=50)} == after
