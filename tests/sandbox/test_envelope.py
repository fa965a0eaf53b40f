"""Every list endpoint family answers with Pipedrive's documented envelope and time formats."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import pytest

from pipedrive_sandbox.spec import facts, operation
from tests.kit.sandbox import (
    ALL_LISTS,
    RFC3339,
    V1_TIME,
    V2_LISTS,
    Endpoint,
    get,
    required_params,
    served_lists,
)

TIME_KEYS = ("add_time", "update_time")


@pytest.mark.parametrize(("key", "path"), served_lists(), ids=lambda x: str(x))
def test_every_served_list_has_its_operations_envelope(sandbox, key: str, path: str) -> None:
    """The envelope follows the operation's paging fact [SPEC-v1], [SPEC-v2]: cursor ->
    additional_data.next_cursor; offset -> additional_data.pagination; offset-flat -> start, limit,
    more_items_in_collection directly under additional_data; none -> no additional_data."""
    raw = facts()["operations"][key]
    op = operation(key)
    r = get(sandbox, path, **required_params(op), **({"limit": 2} if "limit" in op.params else {}))
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["success"] is True
    assert "related_objects" not in body  # removed in v2 [RD-V2MIG]; the sandbox sends none in v1 either
    rows = body["data"][raw["records_key"]] if raw.get("records_key") else body["data"]
    assert isinstance(rows, list) and all(isinstance(x, dict) for x in rows)
    if raw["paging"] == "none":
        assert "additional_data" not in body, body["additional_data"]
        return
    add = body["additional_data"]
    assert set(add) == set(raw["additional_data"]), (raw["paging"], add)
    if raw["paging"] == "offset":
        pag = add["pagination"]
        assert {"start", "limit", "more_items_in_collection"} <= set(pag) and pag["start"] == 0
        assert ("next_start" in pag) == pag["more_items_in_collection"]
    elif raw["paging"] == "offset-flat":
        assert add["start"] == 0 and isinstance(add["more_items_in_collection"], bool)


def test_every_served_operation_exists_in_the_official_files() -> None:
    from pipedrive_sandbox.api.routes import served

    for key, route in served().items():
        assert key in facts()["operations"], key
        assert route.cost == facts()["operations"][key]["cost"], key


@pytest.mark.parametrize("ep", [e for e in ALL_LISTS if e.entity not in (None, "call_logs", "roles")], ids=str)
def test_records_carry_the_versions_time_format(sandbox, ep: Endpoint) -> None:
    body = get(sandbox, ep.path, **({"limit": 50} if ep.paged else {}), **ep.params).json()
    times = [rec[k] for rec in body["data"] for k in TIME_KEYS if rec.get(k)]
    if ep.entity == "users":  # users carry created/modified instead
        times = [rec[k] for rec in body["data"] for k in ("created", "modified") if rec.get(k)]
    if not times:
        pytest.skip(f"{ep} has no records in the small sandbox")
    if ep.v2:
        bad = [t for t in times if not RFC3339.match(t)]
    elif ep.entity in ("leads", "webhooks"):
        bad = [t for t in times if not RFC3339.match(t)]  # [SPEC-v1] leads and webhooks use ISO 8601 with ms
    else:
        bad = [t for t in times if not V1_TIME.match(t)]  # [RD-DATE]
    assert not bad, bad[:5]


def test_v1_is_served_under_both_prefixes(sandbox) -> None:
    a = get(sandbox, "/v1/notes", limit=20).json()
    b = get(sandbox, "/api/v1/notes", limit=20).json()
    assert a["success"] and a["data"] == b["data"]


def test_v2_is_served_only_under_api_v2(sandbox) -> None:
    # [RD-V2MIG] v2 accepts only the /api/v2/ prefix
    assert get(sandbox, "/api/v2/deals", limit=1).status_code == 200
    assert get(sandbox, "/v2/deals", limit=1).status_code == 404


def test_unknown_path_is_404_json(sandbox) -> None:
    r = get(sandbox, "/api/v2/no-such-thing")
    assert r.status_code == 404
    body = r.json()
    assert body["success"] is False


def test_date_header_carries_simulated_now(sandbox) -> None:
    r = get(sandbox, "/api/v2/pipelines")
    assert parsedate_to_datetime(r.headers["date"]) == sandbox.now().replace(microsecond=0)


@pytest.mark.parametrize("ep", [e for e in V2_LISTS if e.entity and not e.archived and not e.params], ids=str)
def test_v2_single_record_endpoint_matches_list(sandbox, ep: Endpoint) -> None:
    rows = get(sandbox, ep.path, limit=3).json()["data"]
    if not rows:
        pytest.skip("no records")
    one = get(sandbox, f"{ep.path}/{rows[0]['id']}")
    assert one.status_code == 200, one.text[:200]
    assert one.json()["data"] == rows[0]  # the same record, field for field


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_v1_leads_use_uuid_ids_iso_times_and_value_objects(sandbox) -> None:
    # [SPEC-v1] leads: UUID ids, ISO 8601 times with milliseconds, value {"amount", "currency"} or null
    rows = get(sandbox, "/v1/leads", limit=100).json()["data"]
    assert rows
    assert all(UUID.match(r["id"]) for r in rows)
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", r["add_time"]) for r in rows)
    values = [r["value"] for r in rows if r["value"] is not None]
    assert values and all(set(v) == {"amount", "currency"} for v in values)
    assert all(isinstance(r["is_archived"], bool) and r["is_archived"] is False for r in rows)


def test_users_me_names_the_company_domain(sandbox) -> None:
    # [RD-DOMAIN] the company domain comes from GET /v1/users/me -> data.company_domain
    body = get(sandbox, "/v1/users/me").json()
    assert body["success"] is True
    me = body["data"]
    assert isinstance(me["id"], int) and me["company_domain"]
    assert me["id"] in {u["id"] for u in get(sandbox, "/v1/users").json()["data"]}


@pytest.mark.parametrize("path", ["/api/v2/deals/987654321", "/api/v2/persons/987654321"])
def test_missing_single_record_is_404_json(sandbox, path: str) -> None:
    r = get(sandbox, path)
    assert r.status_code == 404
    assert r.json()["success"] is False
