"""Child streams judged against the sandbox truth: reads with their ParentsRead events in order, the
children a `sync`-like consumer ends up with, truth keys per stream, and request counts per endpoint."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from source_pipedrive.events import ParentsRead
from source_pipedrive.read import read
from source_pipedrive.streams import STREAMS, STREAMS_BY_NAME, Stream

CHILDREN: tuple[Stream, ...] = tuple(s for s in STREAMS if s.parent is not None)
BATCHED = tuple(s for s in CHILDREN if s.parent is not None and s.parent.batch > 1)
PER_RECORD = tuple(s for s in CHILDREN if s.parent is not None and s.parent.batch == 1)


def freeze(value: Any) -> Any:
    """A truth key as a hashable value (the truth's JSON has lists for composite keys)."""
    return tuple(freeze(v) for v in value) if isinstance(value, list) else value


# How the sandbox's truth identifies a child record that has no id of its own: the record fields, in order
# (the truth's composite keys start with the parent id, which our records carry under the link field).
TRUTH_FIELDS: dict[str, tuple[str, ...]] = {
    **{s.name: (s.parent.link_field, "user_id") for s in CHILDREN if s.name.endswith("_followers") and s.parent},
    **{s.name: (s.parent.link_field, "field_key", "time") for s in CHILDREN if s.name.endswith("_changelog")
       and s.parent},
    "deal_flow": ("object", "data.id"),  # the sandbox's flow holds dealChange items only
    "organization_relationships": ("id",),  # one relationship, listed under both its organizations
    "permission_set_assignments": ("permission_set_id", "user_id"),
    "role_assignments": ("role_id", "user_id"),
}


def truth_key(stream: str, record: dict[str, Any]) -> Any:
    fields = TRUTH_FIELDS.get(stream)
    if fields is None:
        return record[STREAMS_BY_NAME[stream].primary_key]
    values = tuple(_dig(record, f) for f in fields)
    return values[0] if len(values) == 1 else values


def _dig(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def truth_keys(truth: dict[str, Any], stream: str) -> set[Any]:
    t = truth["streams"][stream]
    return {freeze(k) for k in t.get("live", []) + t.get("archived", [])}


def truth_by_parent(truth: dict[str, Any], stream: str) -> dict[Any, set[Any]]:
    """{parent id: truth keys of its children}, parents without children left out."""
    by_parent = truth["streams"][stream].get("by_parent") or {}
    return {_parent_id(stream, pid): {freeze(k) for k in keys} for pid, keys in by_parent.items() if keys}


def _parent_id(stream: str, pid: str) -> Any:
    """The truth's JSON object keys are strings; our records carry integer ids where the parent's are."""
    return int(pid) if pid.lstrip("-").isdigit() else pid


@dataclass
class ChildRead:
    """One in-process read: messages and events in the order a consumer receives them."""

    items: list[Any] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"]["data"] for m in self.items
                if isinstance(m, dict) and m.get("type") == "RECORD" and m["record"]["stream"] == stream]

    def events(self, stream: str) -> list[ParentsRead]:
        return [e for e in self.items if isinstance(e, ParentsRead) and e.stream == stream]

    def final_state(self) -> list[dict[str, Any]]:
        last: dict[str, dict[str, Any]] = {}
        for m in self.items:
            if isinstance(m, dict) and m.get("type") == "STATE":
                last[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
        return list(last.values())

    def states(self, stream: str) -> list[dict[str, Any]]:
        return [m["state"]["stream"]["stream_state"] for m in self.items
                if isinstance(m, dict) and m.get("type") == "STATE"
                and m["state"]["stream"]["stream_descriptor"]["name"] == stream]

    def errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.items if isinstance(m, dict) and m.get("type") == "TRACE"
                and m["trace"]["type"] == "ERROR"]


def read_children(config: dict[str, Any], catalog: dict[str, Any], state: Any = None,
                  stop_after_states: dict[str, int] | None = None) -> ChildRead:
    """Read in-process, events kept in order with the messages. With `stop_after_states`, the read is
    abandoned once a stream has emitted that many STATEs (as a kill would leave it: nothing after)."""
    out = ChildRead()
    counts: Counter[str] = Counter()
    messages = read(config, catalog, state, on_event=out.items.append)
    try:
        for m in messages:
            out.items.append(m)
            if stop_after_states and m.get("type") == "STATE":
                name = m["state"]["stream"]["stream_descriptor"]["name"]
                counts[name] += 1
                if counts[name] >= stop_after_states.get(name, math.inf):
                    break
    finally:
        messages.close()  # type: ignore[attr-defined]
    return out


class Replica:
    """What a consumer that honours ParentsRead holds (as `sync` does): per stream, per primary key, the
    record; a ParentsRead drops the children of the parents it names before theirs arrive again."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Any, dict[str, Any]]] = {}

    def apply(self, run: ChildRead, *, honour_parents_read: bool = True) -> Replica:
        for item in run.items:
            if isinstance(item, ParentsRead) and honour_parents_read:
                table = self.rows.setdefault(item.stream, {})
                gone = set(item.parent_ids)
                for key in [k for k, r in table.items() if r.get(item.link) in gone]:
                    del table[key]
            elif isinstance(item, dict) and item.get("type") == "RECORD":
                name, data = item["record"]["stream"], item["record"]["data"]
                self.rows.setdefault(name, {})[data[STREAMS_BY_NAME[name].primary_key]] = data
        return self

    def keys(self, stream: str) -> set[Any]:
        """The truth keys of the rows held."""
        return {truth_key(stream, r) for r in self.rows.get(stream, {}).values()}

    def by_parent(self, stream: str) -> dict[Any, set[Any]]:
        return delivered_by_parent(self.rows.get(stream, {}).values(), stream)


def delivered_by_parent(records: Iterable[dict[str, Any]], stream: str) -> dict[Any, set[Any]]:
    link = STREAMS_BY_NAME[stream].parent.link_field  # type: ignore[union-attr]
    out: dict[Any, set[Any]] = {}
    for r in records:
        out.setdefault(r.get(link), set()).add(truth_key(stream, r))
    return out


def endpoint_pattern(stream: Stream) -> re.Pattern[str]:
    """The sandbox's request-count keys of a child stream's endpoint ("GET /v1/deals/12/flow")."""
    return re.compile("^GET " + re.escape(stream.path).replace(re.escape("{id}"), "[^/]+") + "$")


def requests_to(stats: dict[str, Any], stream: Stream) -> int:
    """How many requests the sandbox served on the stream's child endpoint (all its parents)."""
    pattern = endpoint_pattern(stream)
    return sum(n for key, n in stats["requests"].items() if pattern.match(key))


def bound(stream: Stream, changed_parents: int) -> int:
    """The issue's incremental bound on child requests: ceil(changed/100) + 1 batched, changed + 1 per record."""
    assert stream.parent is not None
    if stream.parent.batch > 1:
        return math.ceil(changed_parents / stream.parent.batch) + 1
    return changed_parents + 1


@dataclass
class Changes:
    """What `mutate` did: per parent stream, the parents whose children changed only (`child_only`) and
    those changed themselves (updated, created, archived), and the deleted ones."""

    child_only: dict[str, set[Any]] = field(default_factory=dict)
    parents: dict[str, set[Any]] = field(default_factory=dict)
    deleted: dict[str, set[Any]] = field(default_factory=dict)

    def touched(self, parent: str, child_moves_parent: bool) -> set[Any]:
        """The parents an incremental read lists again: changed ones, plus those whose children changed
        when that moves the parent's update_time."""
        out = set(self.parents.get(parent, set()))
        return out | self.child_only.get(parent, set()) if child_moves_parent else out


def _first_with(by_parent: dict[str, Any], skip: set[Any], n: int = 1) -> list[int]:
    """`n` parents (ids) with children, none of `skip`."""
    out = [int(p) for p in sorted(by_parent, key=int) if int(p) not in skip][:n]
    assert len(out) == n, "the sandbox has too few parents with children"
    return out


def mutate(sb: Any) -> Changes:
    """The usual changes to parents and children: products added, changed and removed, followers added
    and removed, installments, discounts, participants, comments, variations and messages added; deals,
    persons and organizations updated (a changelog entry each), a deal created with a product, one
    deleted, one archived. The clock moves on before and after."""
    sb.advance(600)
    t = sb.truth(streams=["deals", "persons", "organizations", "products", "notes", "deal_products",
                          "deal_followers", "person_followers"])["streams"]
    ch = Changes()
    used: set[Any] = set()

    def pick(stream: str, n: int = 1) -> list[int]:
        got = _first_with(t[stream]["by_parent"], used, n)
        used.update(got)
        return got

    def only(parent: str, *ids: Any) -> None:
        ch.child_only.setdefault(parent, set()).update(ids)

    a, b, c = pick("deal_products", 3)
    sb.create("deal_products", deal_id=a, product_id=1)
    sb.update("deal_products", t["deal_products"]["by_parent"][str(b)][0], quantity=42)
    sb.delete("deal_products", t["deal_products"]["by_parent"][str(c)][0])
    d, e = pick("deal_followers", 2)
    follower = t["deal_followers"]["by_parent"][str(e)][0]
    sb.delete("deal_followers", f"{follower[0]}:{follower[1]}")
    free = [u for u in range(1, 9) if [d, u] not in t["deal_followers"]["by_parent"][str(d)]][0]
    sb.create("deal_followers", parent_id=d, user_id=free)
    live = [i for i in t["deals"]["live"] if i not in used]
    j, k, p, f, g, h = live[:6]
    used.update(live[:6])
    sb.create("deal_installments", deal_id=j, amount=10, billing_date="2026-12-01")
    sb.create("deal_discounts", deal_id=k, type="amount", amount=3, description="loyalty")
    sb.create("deal_participants", deal_id=p, person_id=3)
    only("deals", a, b, c, d, e, j, k, p)
    sb.update("deals", f, title="renamed by the child tests")
    sb.delete("deals", g)
    sb.archive("deals", h)
    created = sb.create("deals", title="created by the child tests")
    new = created.get("id", (created.get("data") or {}).get("id"))
    sb.create("deal_products", deal_id=new, product_id=2)
    ch.parents["deals"] = {f, h, new}
    ch.deleted["deals"] = {g}
    person = pick("person_followers")[0]
    sb.create("person_followers", parent_id=person, user_id=[u for u in range(1, 9) if [person, u] not in
                                                             t["person_followers"]["by_parent"][str(person)]][0])
    only("persons", person)
    renamed = [i for i in t["persons"]["live"] if i != person][0]
    sb.update("persons", renamed, name="Renamed Person")
    ch.parents["persons"] = {renamed}
    org = t["organizations"]["live"][0]
    sb.update("organizations", org, name="Renamed Organization")
    ch.parents["organizations"] = {org}
    note = t["notes"]["live"][0]
    sb.create("note_comments", parent_id=note, content="a comment from the child tests")
    only("notes", note)
    product = t["products"]["live"][0]
    sb.create("product_variations", product_id=product, name="Large")
    only("products", product)
    sb.advance(600)
    return ch
