"""Child streams (issue 12): their truth is what a naive read of every parent returns, the same seed gives the
same children whatever was read first, and the gate, the envelope and the time formats follow the facts."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.kit.sandbox import (
    CHILDREN,
    CHILDREN_BY_NAME,
    RFC3339,
    V1_TIME,
    Child,
    child_records,
    client,
    get,
    streams,
    visible_parents,
    walk_children,
)

LEAD_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"  # [SPEC-v1] comments' and mail messages' examples


def _normal(by_parent: dict) -> dict:
    return {p: sorted(map(str, keys)) for p, keys in by_parent.items()}


@pytest.mark.parametrize("child", CHILDREN, ids=lambda c: c.name)
def test_truth_is_what_a_read_of_every_parent_returns(sandbox, child: Child) -> None:
    truth = streams(sandbox)
    got = truth[child.name]
    assert got["count"] > 0, f"{child.name} has no records in the small sandbox"
    with client(sandbox) as c:
        walked = walk_children(c, child, visible_parents(truth, child))
    assert _normal(walked) == _normal(got["by_parent"])
    assert got["archived"] == [] and got["deleted"] == []
    if child.name == "organization_relationships":  # one relationship is listed for both organizations
        assert sorted(got["live"]) == sorted({k for keys in walked.values() for k in keys})
    else:
        assert sorted(map(str, got["live"])) == sorted(str(k) for keys in walked.values() for k in keys)
    assert got["count"] == len(got["live"])
    dupes = [k for k, n in Counter(map(str, got["live"])).items() if n > 1]
    assert not dupes, f"{child.name}: keys listed twice: {dupes[:5]}"


def test_medium_totals_stay_reasonable(make_sandbox) -> None:
    """Per parent: deals 0-3 products, 0-2 participants, 1-3 followers (a child endpoint per deal stays cheap)."""
    sb = make_sandbox(scale="medium")
    t = sb.truth(["deals", "deal_products", "deal_participants", "deal_followers", "deal_installments",
                  "deal_discounts"])["streams"]
    deals = len(t["deals"]["live"]) + len(t["deals"]["archived"])
    for name, lo, hi in (("deal_products", 0, 3), ("deal_participants", 0, 2), ("deal_followers", 1, 3),
                         ("deal_installments", 0, 3), ("deal_discounts", 0, 2)):
        sizes = [len(v) for v in t[name]["by_parent"].values()]
        assert sizes and min(sizes) >= max(lo, 1) and max(sizes) <= hi, name
        assert t[name]["count"] <= 2 * deals, name
    assert len(t["deal_followers"]["by_parent"]) == deals  # every deal has a follower


def _bytes(sb) -> dict:
    paths = ["/api/v2/deals/14/products", "/v1/deals/14/participants", "/v1/deals/14/changelog",
             "/v1/deals/14/flow", "/api/v2/deals/1/followers", "/api/v2/products/5/variations",
             "/api/v2/deals/10/discounts", "/v1/notes/5/comments", "/v1/persons/4/changelog"]
    with client(sb) as c:
        return {p: c.get(p).content for p in paths}


def test_same_seed_gives_the_same_children(make_sandbox) -> None:
    a, b = make_sandbox(seed=3), make_sandbox(seed=3)
    assert _bytes(a) == _bytes(b)
    names = [c.name for c in CHILDREN]
    assert a.truth(names) == b.truth(names)
    c = make_sandbox(seed=4)
    assert _bytes(c) != _bytes(a)


def test_what_was_read_before_a_change_does_not_change_the_children(make_sandbox) -> None:
    """Children follow the parent as the generator made it, whether or not they were read before it changed."""
    read_first, not_read = make_sandbox(), make_sandbox()
    before = get(read_first, "/api/v2/deals/14/products").content
    for sb in (read_first, not_read):
        sb.advance(60)
        sb.update("deals", 14, title="Renamed", value=123)
    assert get(read_first, "/api/v2/deals/14/products").content == get(not_read, "/api/v2/deals/14/products").content
    assert get(not_read, "/api/v2/deals/14/products").content == before
    names = [c.name for c in CHILDREN]
    assert read_first.truth(names) == not_read.truth(names)


@pytest.mark.parametrize("path", ["/api/v2/deals/installments", "/api/v2/deals/products"])
def test_deal_ids_are_required_and_at_most_100(sandbox, path: str) -> None:
    # [SPEC-v2] "A maximum of 100 deal IDs can be provided"; deal_ids is required
    assert get(sandbox, path).status_code == 400
    r = get(sandbox, path, deal_ids=",".join(map(str, range(1, 102))))
    assert r.status_code == 400 and "deal_ids" in r.json()["error"]
    assert get(sandbox, path, deal_ids="1,2,x").status_code == 400
    assert get(sandbox, path, deal_ids=",".join(map(str, range(1, 101)))).status_code == 200


def test_org_relationships_need_org_id(sandbox) -> None:
    r = get(sandbox, "/v1/organizationRelationships")
    assert r.status_code == 400 and "org_id" in r.json()["error"]


@pytest.mark.parametrize(("path", "params"), [
    ("/api/v2/deals/installments", {"deal_ids": "1,2", "sort_by": "update_time"}),  # not in its enum
    ("/api/v2/deals/14/products", {"sort_by": "deal_id"}),  # deal_id sorts only the batched list [SPEC-v2]
    ("/api/v2/deals/1/followers", {"limit": "501"}),
])
def test_a_value_outside_the_spec_is_400(sandbox, path: str, params: dict) -> None:
    assert get(sandbox, path, **params).status_code == 400


@pytest.mark.parametrize("path", ["/v1/deals/14/flow", "/v1/deals/14/changelog", "/v1/deals/14/participants",
                                  "/v1/persons/4/changelog", "/v1/organizations/2/changelog"])
def test_v1_deal_sub_resources_still_in_the_spec_are_served(sandbox, path: str) -> None:
    # [SPEC-v1] (2026-08-18) keeps these; only the removed v1 entity lists answer 410 [CL-OOS]
    assert get(sandbox, path).status_code == 200
    assert get(sandbox, "/v1/deals/14/followers").status_code == 410  # v2 has them: /api/v2/deals/{id}/followers


@pytest.mark.parametrize(("path", "fields", "pattern"), [
    ("/api/v2/deals/14/products", ("add_time", "update_time"), RFC3339),
    ("/api/v2/deals/1/followers", ("add_time",), RFC3339),
    ("/api/v2/deals/10/discounts", ("created_at", "updated_at"), RFC3339),  # "ISO 8601" [SPEC-v2]
    ("/v1/deals/14/participants", ("add_time",), V1_TIME),
    ("/v1/deals/14/changelog", ("time",), V1_TIME),  # the spec's example: "2024-02-12 09:14:35"
    ("/v1/deals/14/flow", ("timestamp",), V1_TIME),
    ("/v1/notes/5/comments", ("add_time", "update_time"), LEAD_TIME),
    ("/v1/mailbox/mailThreads/1/mailMessages", ("message_time", "add_time", "update_time"), LEAD_TIME),
    ("/v1/organizationRelationships", ("add_time", "update_time"), V1_TIME),
])
def test_times_have_the_formats_of_the_spec_examples(sandbox, path: str, fields: tuple, pattern) -> None:
    import re

    rows = get(sandbox, path, **({"org_id": 1} if "Relationships" in path else {})).json()["data"]
    assert rows
    bad = [r[f] for r in rows for f in fields if not re.match(pattern, r[f])]
    assert not bad


def test_changelog_is_newest_first_and_cursor_paged(sandbox) -> None:
    rows = get(sandbox, "/v1/deals/14/changelog", limit=1)
    body = rows.json()
    assert len(body["data"]) == 1 and body["additional_data"]["next_cursor"]
    with client(sandbox) as c:
        every = child_records(c, CHILDREN_BY_NAME["deal_changelog"], 14)
    times = [r["time"] for r in every]
    assert len(every) == 3 and times == sorted(times, reverse=True)


def test_flow_shows_custom_field_changes_only_with_all_changes(make_sandbox) -> None:
    # [SPEC-v1] all_changes: "1 = Include custom field changes. If omitted returns changes without..."
    sb = make_sandbox()
    key = next(f["key"] for f in sb.info()["custom_fields"]["deal"] if f["type"] == "varchar")
    sb.advance(60)
    sb.update("deals", 14, **{key: "REF-1"})
    plain = get(sb, "/v1/deals/14/flow").json()["data"]
    every = get(sb, "/v1/deals/14/flow", all_changes="1").json()["data"]
    assert key not in [r["data"]["field_key"] for r in plain]
    assert every[0]["data"]["field_key"] == key and every[0]["data"]["new_value"] == "REF-1"
    assert every[0]["object"] == "dealChange" and every[0]["data"]["item_id"] == 14
    assert get(sb, "/v1/deals/14/flow", items="note,activity").json()["data"] == []
    assert len(get(sb, "/v1/deals/14/flow", items="dealChange", all_changes="1").json()["data"]) == len(every)
