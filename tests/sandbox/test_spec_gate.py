"""The spec gate: each served operation takes exactly the query parameters the official files define.

An undefined parameter is ignored, as Pipedrive ignores it (never honoured), and counted in
stats()["ignored_params"]; a defined one with a value outside its spec (enum, maximum, type, datetime
format, list size) or a missing required one is the API's 400. Cases come from the facts, not hand lists.
"""

from __future__ import annotations

import pytest

from pipedrive_sandbox.spec import operation
from tests.kit.sandbox import HTTP, client, get, required_params, served_lists

# Parameters some operations define and that would visibly change a list if honoured where undefined.
TEMPTING = {
    "updated_since": "2099-01-01T00:00:00Z", "updated_until": "2000-01-01T00:00:00Z", "ids": "1",
    "owner_id": "987654", "user_id": "987654", "org_id": "987654", "status": "won", "sort": "id DESC",
    "sort_by": "update_time", "sort_direction": "desc", "custom_fields": "abc", "include_option_labels": "true",
    "include_labels": "true", "include_fields": "smart_bcc_email", "start": "1", "limit": "1", "cursor": "x",
    "is_active": "false", "folder": "sent", "items": "person", "type": "leads", "app": "global",
    "assignee.type": "team", "term": "zzz", "deal_ids": "1", "sandbox_not_a_parameter": "1",
}
LISTS = served_lists()


def _base(key: str) -> dict[str, str]:
    params = required_params(operation(key))
    if key == "GET /v1/recents":
        params["items"] = "deal"  # one item type, so the page is deterministic and non-empty
    return params


@pytest.mark.parametrize(("key", "path"), LISTS, ids=lambda x: str(x))
def test_undefined_parameters_are_ignored_and_counted(make_sandbox, key: str, path: str) -> None:
    op = operation(key)
    undefined = {k: v for k, v in TEMPTING.items() if k not in op.params}
    assert "sandbox_not_a_parameter" in undefined
    sb = make_sandbox()
    base = _base(key)
    with client(sb) as c:
        plain = c.get(path, params=base)
        sb.reset_stats()
        tempted = c.get(path, params={**base, **undefined, "api_token": sb.token})
    assert plain.status_code == 200, plain.text[:300]
    assert tempted.status_code == 200, tempted.text[:300]
    assert tempted.content == plain.content, f"{key} honoured an undefined parameter"
    ignored = sb.stats()["ignored_params"]
    assert ignored == {key: {name: 1 for name in undefined}}  # api_token (auth) is not counted


def test_ignored_counts_add_up_per_operation(make_sandbox) -> None:
    sb = make_sandbox()
    with client(sb) as c:
        for _ in range(3):
            assert c.get("/v1/leads/archived", params={"updated_since": "2026-01-01T00:00:00Z"}).status_code == 200
        c.get("/api/v2/pipelines", params={"updated_since": "2026-01-01T00:00:00Z", "ids": "1"})
        c.get("/v1/leads", params={"updated_since": "2026-01-01T00:00:00Z"})  # defined here: not counted
    assert sb.stats()["ignored_params"] == {"GET /v1/leads/archived": {"updated_since": 3},
                                            "GET /api/v2/pipelines": {"updated_since": 1, "ids": 1}}
    sb.reset_stats()
    assert sb.stats()["ignored_params"] == {}


def _bad_values(spec: dict) -> list[str]:
    """Values outside what the parameter's facts allow."""
    out = []
    kind = spec.get("type", "string")
    if spec.get("enum") and kind == "string":
        out.append("not-a-documented-value")
    if "maximum" in spec:
        out.append(str(spec["maximum"] + 1))
    if kind in ("integer", "number") or (spec.get("items") or {}).get("type") == "integer":
        out.append("abc")
    if kind == "boolean":
        out.append("maybe")
    fmt = spec.get("datetime")
    if fmt:  # each documented format refuses the others
        out.append({"rfc3339": "2025-01-01 10:20:00", "v1": "2025-01-01T10:20:00Z", "date": "2025/01/01"}[fmt])
    if spec.get("format") == "uuid":
        out.append("not-a-uuid")
    if spec.get("max_items"):
        out.append(",".join(str(i) for i in range(1, spec["max_items"] + 2)))
    return out


def _bad_cases() -> list[tuple[str, str, str, str]]:
    from pipedrive_sandbox.api.routes import served

    cases = []
    for key, route in sorted(served().items()):
        path = key.split(" ", 1)[1].replace("{id}", "1")
        for name, spec in route.op.params.items():
            cases += [(key, path, name, v) for v in _bad_values(spec)]
    return cases


BAD = _bad_cases()


def test_bad_cases_cover_every_kind() -> None:
    names = {(k, n) for k, _, n, _ in BAD}
    for case in [("GET /api/v2/deals", "sort_by"), ("GET /api/v2/deals", "limit"), ("GET /v1/files", "limit"),
                 ("GET /api/v2/deals", "updated_since"), ("GET /v1/recents", "since_timestamp"),
                 ("GET /v1/notes", "start_date"), ("GET /v1/notes", "lead_id"), ("GET /api/v2/deals", "ids"),
                 ("GET /v1/goals/find", "is_active"), ("GET /v1/leads", "sort")]:
        assert case in names, case


@pytest.mark.parametrize(("key", "path", "name", "value"), BAD, ids=lambda x: str(x)[:40])
def test_a_bad_value_of_a_defined_parameter_is_400(sandbox, key: str, path: str, name: str, value: str) -> None:
    r = get(sandbox, path, **{**_base(key), name: value})
    assert r.status_code == 400, (key, name, value, r.status_code, r.text[:200])
    body = r.json()
    assert body["success"] is False and body["errorCode"] == 400 and name in body["error"]


@pytest.mark.parametrize(("key", "path"), [(k, p) for k, p in LISTS if operation(k).required], ids=str)
def test_a_missing_required_parameter_is_400(sandbox, key: str, path: str) -> None:
    for name in operation(key).required:
        params = {k: v for k, v in _base(key).items() if k != name}
        r = get(sandbox, path, **params)
        assert r.status_code == 400 and name in r.json()["error"], (key, name, r.text[:200])


@pytest.mark.parametrize(("path", "params"), [
    ("/v1/leads", {"sort": "update_time ASC"}),  # [SPEC-v1] leads: sort is an enum of bare field names
    ("/v1/leads", {"updated_since": "2026-01-01"}),  # a date is not an RFC 3339 date-time
    ("/v1/notes", {"updated_since": "2026-01-01T00:00:00"}),  # no offset
    ("/api/v2/deals", {"updated_until": "1735689600"}),  # epoch seconds
    ("/v1/recents", {"since_timestamp": "2026-10-02T12:00:00Z"}),  # v1 format is YYYY-MM-DD HH:MM:SS
    ("/v1/goals/find", {"period.start": "2026-01-01"}),  # period.end must come with it [SPEC-v1]
])
def test_datetime_formats_are_strict(sandbox, path: str, params: dict) -> None:
    assert get(sandbox, path, **params).status_code == 400


def test_the_gate_runs_after_auth(sandbox) -> None:
    r = HTTP.get(sandbox.url + "/api/v2/deals", params={"limit": 9999})
    assert r.status_code == 401
