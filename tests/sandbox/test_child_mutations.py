"""Mutations of child streams through the control interface change what the endpoints list and the truth;
updates of deals, persons and organizations append changelog entries; the spec-open choices (does a child
change move the parent's update_time? what does a deleted parent's child list answer?) are options, and
both values of each are proven here."""

from __future__ import annotations

import pytest

from tests.kit.sandbox import CHILDREN, CHILDREN_BY_NAME, client, get, streams, walk_children, walk_cursor

NAMES = [c.name for c in CHILDREN]


def _truth(sb, name: str) -> dict:
    return sb.truth([name])["streams"][name]


def _naive(sb, name: str, parents: list) -> dict:
    with client(sb) as c:
        return walk_children(c, CHILDREN_BY_NAME[name], parents)


@pytest.mark.parametrize("touches", [True, False])
def test_a_deal_product_added_changed_and_removed(make_sandbox, touches: bool) -> None:
    sb = make_sandbox(options={"child_change_touches_parent": touches})
    before = sb.get("deals", 14)["update_time"]
    sb.advance(3600)
    rec = sb.create("deal_products", deal_id=14, product_id=3, quantity=2, item_price=50)
    assert rec["deal_id"] == 14 and rec["sum"] == 100 and rec["add_time"] == rec["update_time"]
    listed = walk_cursor(client(sb), "/api/v2/deals/14/products", {})
    assert rec in listed and len(listed) == 4
    assert rec["id"] in _truth(sb, "deal_products")["by_parent"]["14"]
    moved = sb.get("deals", 14)["update_time"]
    assert (moved == rec["add_time"]) if touches else (moved == before)
    changed = sb.update("deal_products", rec["id"], quantity=3)
    assert changed["sum"] == 150
    sb.delete("deal_products", rec["id"])
    assert rec["id"] not in _truth(sb, "deal_products")["live"]
    assert _naive(sb, "deal_products", [14]) == {"14": _truth(sb, "deal_products")["by_parent"]["14"]}


@pytest.mark.parametrize("touches", [True, False])
def test_an_incremental_reader_of_changed_deals_sees_child_changes_only_when_they_touch(make_sandbox,
                                                                                      touches: bool) -> None:
    sb = make_sandbox(options={"child_change_touches_parent": touches})
    sb.advance(86400)
    since = sb.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    sb.advance(60)
    sb.create("deal_followers", deal_id=20, user_id=7 if 7 not in _users(sb, 20) else 8)
    with client(sb) as c:
        changed = [d["id"] for d in walk_cursor(c, "/api/v2/deals", {"updated_since": since})]
    assert (20 in changed) == touches


def _users(sb, deal: int) -> list:
    return [r["user_id"] for r in get(sb, f"/api/v2/deals/{deal}/followers").json()["data"]]


def test_followers_are_keyed_by_parent_and_user(make_sandbox) -> None:
    sb = make_sandbox()
    free = next(u for u in range(1, 9) if u not in _users(sb, 5))
    got = sb.create("deal_followers", deal_id=5, user_id=free)
    assert set(got) == {"user_id", "add_time"} and got["user_id"] == free
    assert [5, free] in _truth(sb, "deal_followers")["by_parent"]["5"]
    with pytest.raises(ValueError, match="exists already"):
        sb.create("deal_followers", deal_id=5, user_id=free)
    sb.delete("deal_followers", f"5:{free}")
    assert free not in _users(sb, 5)
    with pytest.raises(KeyError):
        sb.delete("deal_followers", f"5:{free}")
    sb.create("user_followers", parent_id=2, user_id=3)
    assert [2, 3] in _truth(sb, "user_followers")["by_parent"]["2"]


@pytest.mark.parametrize(("name", "fields", "key"), [
    ("deal_participants", {"deal_id": 2, "person_id": 9}, "id"),
    ("deal_installments", {"deal_id": 2, "amount": 99.5, "billing_date": "2026-12-01", "description": "Fee"}, "id"),
    ("deal_discounts", {"deal_id": 2, "type": "amount", "amount": 5, "description": "Promo"}, "id"),
    ("product_variations", {"product_id": 2, "name": "Gold"}, "id"),
    ("note_comments", {"parent_id": 3, "content": "Looks good"}, "uuid"),
    ("mail_messages", {"mail_thread_id": 1, "subject": "Follow-up"}, "id"),
])
def test_each_child_can_be_created_listed_and_deleted(make_sandbox, name: str, fields: dict, key: str) -> None:
    sb = make_sandbox()
    parent = next(v for k, v in fields.items() if k in ("deal_id", "product_id", "parent_id", "mail_thread_id"))
    rec = sb.create(name, **fields)
    assert _truth(sb, name)["by_parent"][str(parent)][-1] == rec[key]
    assert _naive(sb, name, [parent]) == {str(parent): _truth(sb, name)["by_parent"][str(parent)]}
    assert sb.get(name, rec[key]) == rec
    sb.delete(name, rec[key])
    assert rec[key] not in _truth(sb, name)["live"]
    assert rec[key] not in _naive(sb, name, [parent]).get(str(parent), [])


def test_a_comment_update_stamps_its_times(make_sandbox) -> None:
    sb = make_sandbox()
    rec = sb.create("note_comments", parent_id=3, content="draft")
    sb.advance(120)
    got = sb.update("note_comments", rec["uuid"], content="final")
    assert got["content"] == "final" and got["update_time"] > rec["update_time"] == rec["add_time"]
    with pytest.raises(ValueError, match="unknown fields"):
        sb.update("note_comments", rec["uuid"], colour="red")


@pytest.mark.parametrize(("name", "fields", "error"), [
    ("deal_products", {"deal_id": 2}, "product_id"),
    ("deal_products", {"product_id": 2}, "parent_id"),
    ("deal_products", {"deal_id": 2, "product_id": 99999}, "product_id"),
    ("deal_participants", {"deal_id": 2, "person_id": 99999}, "person_id"),
    ("deal_followers", {"deal_id": 2, "user_id": 999}, "user_id"),
    ("deal_changelog", {"deal_id": 2}, "updates of the parent"),
    ("deal_discounts", {"deal_id": 2, "type": "gift"}, "percentage or amount"),
])
def test_bad_child_input_is_refused_with_the_reason(make_sandbox, name: str, fields: dict, error: str) -> None:
    sb = make_sandbox()
    with pytest.raises(ValueError, match=error):
        sb.create(name, **fields)


def test_a_child_of_a_missing_parent_is_not_found(make_sandbox) -> None:
    sb = make_sandbox()
    with pytest.raises(KeyError):
        sb.create("deal_products", deal_id=999999, product_id=1)
    with pytest.raises(KeyError):
        sb.get("deal_products", 99999990)


def test_updates_append_changelog_and_flow_entries(make_sandbox) -> None:
    sb = make_sandbox()
    old = sb.get("deals", 14)
    sb.advance(600)
    sb.update("deals", 14, title="Renamed deal", value=4321)
    log = get(sb, "/v1/deals/14/changelog").json()["data"]
    newest = {r["field_key"]: r for r in log[:2]}
    assert set(newest) == {"title", "value"}
    assert newest["title"]["old_value"] == old["title"] and newest["title"]["new_value"] == "Renamed deal"
    assert newest["value"]["new_value"] == "4321" and newest["title"]["change_source"] == "api"
    assert newest["title"]["actor_user_id"] == 1 and newest["title"]["is_bulk_update_flag"] is False
    flow = get(sb, "/v1/deals/14/flow").json()["data"]
    assert {f["data"]["field_key"] for f in flow[:2]} == {"title", "value"}
    keys = _truth(sb, "deal_changelog")["by_parent"]["14"]
    assert [14, "title", log[0]["time"]] in keys
    assert len(_truth(sb, "deal_flow")["by_parent"]["14"]) == len(keys)
    sb.update("persons", 4, name="Renamed Person")
    assert get(sb, "/v1/persons/4/changelog").json()["data"][0]["new_value"] == "Renamed Person"
    sb.update("organizations", 2, name="Renamed Org")
    assert get(sb, "/v1/organizations/2/changelog").json()["data"][0]["field_key"] == "name"


def test_an_update_that_changes_nothing_logs_nothing(make_sandbox) -> None:
    sb = make_sandbox()
    n = len(_truth(sb, "deal_changelog")["by_parent"]["14"])
    sb.update("deals", 14, title=sb.get("deals", 14)["title"])
    assert len(_truth(sb, "deal_changelog")["by_parent"]["14"]) == n


@pytest.mark.parametrize("choice", ["not_found", "empty"])
def test_a_deleted_parent_has_no_children_and_answers_per_option(make_sandbox, choice: str) -> None:
    sb = make_sandbox(options={"deleted_parent_children": choice})
    assert "14" in _truth(sb, "deal_products")["by_parent"]
    sb.delete("deals", 14)
    truth = sb.truth(NAMES)["streams"]
    assert all("14" not in truth[n]["by_parent"] for n in NAMES if CHILDREN_BY_NAME[n].parent == "deals")
    for path in ("/api/v2/deals/14/products", "/v1/deals/14/participants", "/v1/deals/14/flow",
                 "/api/v2/deals/14/followers", "/api/v2/deals/14/discounts"):
        r = get(sb, path)
        if choice == "not_found":
            assert r.status_code == 404 and r.json()["error"] == "Deal not found", path
        else:
            assert r.status_code == 200 and r.json()["data"] == [], path
    body = get(sb, "/api/v2/deals/products", deal_ids="14,2").json()  # a batch skips it either way
    assert {r["deal_id"] for r in body["data"]} == {2}
    assert get(sb, "/v1/deals/999999/flow").status_code == 404  # never there: 404 under both


def test_an_archived_deal_keeps_its_children(make_sandbox) -> None:
    sb = make_sandbox()
    before = _truth(sb, "deal_products")["by_parent"]["14"]
    sb.archive("deals", 14)
    assert _truth(sb, "deal_products")["by_parent"]["14"] == before
    assert [r["id"] for r in get(sb, "/api/v2/deals/14/products").json()["data"]] == before


def test_a_new_deal_starts_without_children_and_counts_them(make_sandbox) -> None:
    sb = make_sandbox()
    deal = sb.create("deals", title="Fresh")
    assert get(sb, f"/api/v2/deals/{deal['id']}/products").json()["data"] == []
    sb.create("deal_products", deal_id=deal["id"], product_id=1)
    one = get(sb, f"/api/v2/deals/{deal['id']}", include_fields="products_count,followers_count").json()["data"]
    assert one["products_count"] == 1 and one["followers_count"] == 0


def test_deal_counters_match_the_children(sandbox) -> None:
    deals = get(sandbox, "/api/v2/deals", limit=50,
                include_fields="products_count,followers_count,participants_count").json()["data"]
    truth = sandbox.truth(["deal_products", "deal_followers", "deal_participants"])["streams"]
    for d in deals:
        for name, field in (("deal_products", "products_count"), ("deal_followers", "followers_count"),
                            ("deal_participants", "participants_count")):
            assert d[field] == len(truth[name]["by_parent"].get(str(d["id"]), [])), (d["id"], name)


def test_org_relationships_are_listed_for_both_organizations(make_sandbox) -> None:
    sb = make_sandbox()
    rel = sb.create("organization_relationships", rel_owner_org_id=3, rel_linked_org_id=4, type="parent")
    mine = {r["id"]: r for r in get(sb, "/v1/organizationRelationships", org_id=3).json()["data"]}
    theirs = {r["id"]: r for r in get(sb, "/v1/organizationRelationships", org_id=4).json()["data"]}
    assert mine[rel["id"]]["calculated_type"] == "daughter" and mine[rel["id"]]["calculated_related_org_id"] == 4
    assert theirs[rel["id"]]["calculated_type"] == "parent" and theirs[rel["id"]]["calculated_related_org_id"] == 3
    t = _truth(sb, "organization_relationships")
    assert rel["id"] in t["by_parent"]["3"] and rel["id"] in t["by_parent"]["4"] and t["live"].count(rel["id"]) == 1
    sb.delete("organizations", 4)
    assert rel["id"] not in _truth(sb, "organization_relationships")["live"]
    assert rel["id"] not in [r["id"] for r in get(sb, "/v1/organizationRelationships", org_id=3).json()["data"]]


def test_assignments_follow_the_users_table(make_sandbox) -> None:
    sb = make_sandbox()
    sets = {s["name"]: s["id"] for s in get(sb, "/v1/permissionSets").json()["data"]}
    admin = sets["Deal admin"]
    sb.create("permission_set_assignments", permission_set_id=admin, user_id=4)
    assert [admin, 4] in _truth(sb, "permission_set_assignments")["by_parent"][admin]
    user4 = next(u for u in get(sb, "/v1/users").json()["data"] if u["id"] == 4)
    assert admin in [a["permission_set_id"] for a in user4["access"]]
    regular = get(sb, f"/v1/permissionSets/{sets['Regular user']}/assignments").json()["data"]
    assert 4 not in [r["user_id"] for r in regular]  # one set per app: the sales set was replaced
    sb.delete("role_assignments", "2:4")
    assert 4 not in [r["user_id"] for r in get(sb, "/v1/roles/2/assignments").json()["data"]]
    assert get(sb, "/v1/permissionSets/00000000-0000-4000-a000-000000000000/assignments").status_code == 404


def test_installments_paging_option(make_sandbox) -> None:
    ids = ",".join(map(str, range(1, 101)))
    sb = make_sandbox()
    body = get(sb, "/api/v2/deals/installments", deal_ids=ids, limit=3).json()
    assert "additional_data" not in body and len(body["data"]) == 3  # as the 200 schema: no paging block
    sb.set_options(installments_paging="cursor")
    with client(sb) as c:
        paged = walk_cursor(c, "/api/v2/deals/installments", {"deal_ids": ids}, limit=3)
    full = get(sb, "/api/v2/deals/installments", deal_ids=ids, limit=500).json()["data"]
    assert [r["id"] for r in paged] == [r["id"] for r in full] and len(full) > 3


def test_truth_can_be_asked_for_some_streams(sandbox) -> None:
    got = sandbox.truth(["deals", "deal_flow"])["streams"]
    assert set(got) == {"deals", "deal_flow"}
    with pytest.raises(ValueError, match="unknown streams"):
        sandbox.truth(["no_such_stream"])
    assert set(NAMES) <= set(streams(sandbox))
