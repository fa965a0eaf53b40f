"""Child streams read beside their parent stream take its listing (children.ParentFeed) instead of
listing the parents again: the same children, fewer requests, a state that resumes, and a clear error
when the parent's read fails."""

from __future__ import annotations

import pytest

from pipedrive_sandbox import Sandbox
from source_pipedrive.errors import SourceError
from source_pipedrive.read import read
from tests.kit.children import Replica, delivered_by_parent, read_children, truth_by_parent, truth_key, truth_keys
from tests.kit.cli import catalog_for, config_for

CHILDREN = ["deal_products", "deal_installments", "deal_followers"]


def deal_list_requests(sb) -> int:
    return sb.stats()["requests"].get("GET /api/v2/deals", 0)


def stream_state(run, name: str) -> dict:
    return next(s["stream"]["stream_state"] for s in run.final_state()
                if s["stream"]["stream_descriptor"]["name"] == name)


@pytest.mark.parametrize("mode", ["full_refresh", "incremental"])
def test_children_read_beside_their_parent_list_it_once(mode):
    with Sandbox(scale="small", seed=5, options={"limit_cap": 100}) as sb:
        config = config_for(sb, max_in_flight=4)
        alone = read_children(config, catalog_for(["deals"], mode=mode))
        once = deal_list_requests(sb)
        assert once > 3  # several pages, so a second listing would show
        sb.reset_stats()
        run = read_children(config, catalog_for(["deals", *CHILDREN], mode=mode))
        assert run.errors() == []
        assert deal_list_requests(sb) == once, "the children listed the deals again"
        truth = sb.truth(streams=CHILDREN)
        for name in CHILDREN:
            assert {truth_key(name, r) for r in run.records(name)} == truth_keys(truth, name), name
            assert delivered_by_parent(run.records(name), name) == truth_by_parent(truth, name), name
        assert {r["id"] for r in run.records("deals")} == {r["id"] for r in alone.records("deals")}
        if mode == "incremental":
            # The child's copy of the parent state is the parent's own: the next read shares again.
            deals = stream_state(run, "deals")
            assert all(stream_state(run, name)["parent"] == deals for name in CHILDREN)


def test_the_next_incremental_read_shares_again_and_finds_the_changes():
    with Sandbox(scale="small", seed=5, options={"limit_cap": 100}) as sb:
        config, catalog = config_for(sb, max_in_flight=4), catalog_for(["deals", *CHILDREN], mode="incremental")
        first = read_children(config, catalog)
        sb.advance(60)
        deal = next(iter(truth_by_parent(sb.truth(streams=["deal_followers"]), "deal_followers")))
        sb.update("deals", deal, title="Renamed in the test")
        sb.advance(60)
        sb.reset_stats()
        alone = read_children(config, catalog_for(["deals"], mode="incremental"),
                              [s for s in first.final_state() if s["stream"]["stream_descriptor"]["name"] == "deals"])
        deals_alone = deal_list_requests(sb)
        sb.reset_stats()
        second = read_children(config, catalog, first.final_state())
        assert second.errors() == [] and alone.errors() == []
        assert deal_list_requests(sb) == deals_alone
        announced = {p for e in second.events("deal_followers") for p in e.parent_ids}
        assert deal in announced
        replica = Replica().apply(first).apply(second)
        truth = sb.truth(streams=CHILDREN)
        for name in CHILDREN:
            assert replica.by_parent(name) == truth_by_parent(truth, name), name


@pytest.mark.parametrize("stop_after", [1, 3, 6])
def test_a_shared_read_stopped_mid_way_resumes_to_the_truth(stop_after):
    """Stopped after a few STATEs of one child (as a kill leaves it), resumed from the last states: the
    children and parents end whole; the resumed read lists the deals itself if the states part ways."""
    with Sandbox(scale="small", seed=9, options={"limit_cap": 100}) as sb:
        config = config_for(sb, max_in_flight=3)
        catalog = catalog_for(["deals", "deal_followers", "deal_products"], mode="incremental")
        stopped = read_children(config, catalog, stop_after_states={"deal_followers": stop_after})
        resumed = read_children(config, catalog, stopped.final_state())
        assert resumed.errors() == []
        replica = Replica().apply(stopped).apply(resumed)
        truth = sb.truth(streams=["deal_followers", "deal_products"])
        for name in ("deal_followers", "deal_products"):
            assert replica.by_parent(name) == truth_by_parent(truth, name), name
        before = {p for e in stopped.events("deal_followers") for p in e.parent_ids}
        again = {p for e in resumed.events("deal_followers") for p in e.parent_ids}
        # parents covered by the last delivered STATE are not read again
        covered = set(stopped.states("deal_followers")[-1].get("parents_done", []))
        assert not covered & again
        assert before | again >= set(truth_by_parent(truth, "deal_followers"))


def test_one_worker_reads_a_child_and_its_parent_without_waiting_forever():
    with Sandbox(scale="small", seed=5) as sb:
        run = read_children(config_for(sb, num_workers=1), catalog_for(["deal_products", "deals"]))
        assert run.errors() == []
        truth = sb.truth(streams=["deal_products"])
        assert {truth_key("deal_products", r) for r in run.records("deal_products")} == \
            truth_keys(truth, "deal_products")


def test_a_child_whose_parent_fails_is_incomplete_and_names_the_parent():
    with Sandbox(scale="small", seed=5) as sb:
        sb.deny("/api/v2/deals")  # deals and their v2 children; deal_flow is a v1 endpoint
        items: list = []
        with pytest.raises(SourceError, match="2 stream"):
            items.extend(read(config_for(sb), catalog_for(["deals", "deal_flow"]), on_event=lambda e: None))
        messages = [m["trace"]["error"]["message"] for m in items if m["type"] == "TRACE"
                    and m["trace"]["type"] == "ERROR"]
        assert any("'deals'" in m and "deal_flow" in m for m in messages), messages
        statuses = [m["trace"]["stream_status"] for m in items
                    if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS"]
        last = {s["stream_descriptor"]["name"]: s["status"] for s in statuses}
        assert last == {"deals": "INCOMPLETE", "deal_flow": "INCOMPLETE"}
