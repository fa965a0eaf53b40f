"""Child streams' state: per parent, the children a connector reads through a per-parent or batched endpoint,
their ground truth and their mutations (issue 12; the generators are data.child_records).

A parent's children are generated on read until the parent or one of its children first changes; from then on
they are stored, so reads and the truth always agree and never depend on what was read before. Parents the
API does not show (deleted, purged, another user's mail thread) have no children in the truth; the API
answers them per option `deleted_parent_children` (api.children).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .child_records import KINDS, SPACING, Changelog, ChildKey, Kind, uuid_number, value_text
from .generator import Gen
from .record import DELETED, Record
from .relations import Assignments, OrgRelationships
from .table import Table
from .v1_records import TOKEN_USER

if TYPE_CHECKING:
    from .store import Store

Parents = list[tuple[str, int]]     # (parent table, row) of the records a child change concerns
PlanKeys = Callable[[Gen, int, int, int], list[ChildKey]]     # (gen, parent row, add, update) -> keys
# Parent tables whose records show "changelog" entries on update [SPEC-v1]
LOGGED = {"deals": "deal_changelog", "persons": "person_changelog", "organizations": "organization_changelog"}


class ParentGone(KeyError):
    """The parent is not readable: `deleted` (soft-deleted, the option decides what the API answers) or not there."""

    def __init__(self, what: str, deleted: bool) -> None:
        super().__init__(what)
        self.deleted = deleted


def shown(store: Store, parent: str, t: Table, i: int, now: int) -> int | None:
    """Which collection the API shows parent row i in (LIVE, ARCHIVED, DELETED) or None when it shows none."""
    v = t.visible(i, now)
    if v is None or (parent == "mail_threads" and t.get(i)["user_id"] != TOKEN_USER):
        return None     # the API shows only the token user's mailbox [SPEC-v1]
    return v


def truth_entry(by_parent: dict[str, list[ChildKey]], live: list[ChildKey] | None = None) -> dict[str, Any]:
    """The truth of a child stream: keys in parent order; by_parent holds parents with at least one child."""
    if live is None:
        live = [k for keys in by_parent.values() for k in keys]
    return {"live": live, "archived": [], "deleted": [], "count": len(live), "by_parent": by_parent}


class ChildTable:
    """One child stream's records, per parent row."""

    def __init__(self, kind: Kind, store: Store) -> None:
        self.kind, self.store = kind, store
        self.initial = store.gen.sizes[kind.parent]      # parents made by the generator have generated children
        self.base = (self.initial + 1) * SPACING         # numbers of created children start past generated ones
        self.stored: dict[int, list[Record]] = {}
        self.created: dict[int, int] = {}                # number of a created child -> parent row
        self._next = self.base

    def table(self) -> Table:
        return self.store.table(self.kind.parent)

    def _generated(self, row: int) -> list[Record]:
        if row > self.initial:
            return []          # a parent created through the control interface starts without children
        t, g = self.table(), self.store.gen
        return self.kind.fill(g, row, t.get(row), self.kind.plan(g, row, t.add[row], t.upd[row]))

    def of(self, row: int) -> list[Record]:
        """Parent row's children (stored, or generated from the unchanged parent)."""
        got = self.stored.get(row)
        return got if got is not None else self._generated(row)

    def freeze(self, row: int) -> list[Record]:
        """Store the row's children before its parent or they change."""
        got = self.stored.get(row)
        if got is None:
            got = self.stored[row] = self._generated(row)
        return got

    def keys(self, row: int) -> list[ChildKey]:
        got = self.stored.get(row)
        if got is not None:
            return [self.kind.key(row, r) for r in got]
        if row > self.initial:
            return []
        t = self.table()
        return self.kind.plan_keys(self.store.gen, row, t.add[row], t.upd[row])

    def parent(self, ext: object) -> int:
        """The row of a parent the API shows (archived deals included); ParentGone otherwise."""
        t = self.table()
        i = t.row_of(ext)   # type: ignore[arg-type]
        v = None if i is None else shown(self.store, self.kind.parent, t, i, self.store.clock.now())
        if i is None or v is None:
            raise ParentGone(f"{self.kind.parent} {ext} not found", deleted=False)
        if v == DELETED:
            raise ParentGone(f"{self.kind.parent} {ext} is deleted", deleted=True)
        return i

    def truth(self, now: int) -> dict[str, Any]:
        return self.walk(self.kind.key, self.kind.plan_keys)

    def walk(self, key: Callable[[int, Record], ChildKey], plan_keys: PlanKeys) -> dict[str, Any]:
        """The truth: children of the parents the API lists (live and archived; deleted ones are out whatever
        their age), keyed by `key` (stored children) or `plan_keys` (generated ones).

        The hot loop of a large sandbox's truth (a million parent visits), so it reads the arrays directly."""
        t, g = self.table(), self.store.gen
        state, add, upd, stored = t.state, t.add, t.upd, self.stored
        mine = self.kind.parent == "mail_threads"
        by_parent: dict[str, list[ChildKey]] = {}
        for i in range(1, t.n + 1):
            if state[i] == DELETED or mine and t.get(i)["user_id"] != TOKEN_USER:
                continue
            got = stored.get(i)
            if got is not None:
                keys = [key(i, r) for r in got]
            else:
                keys = plan_keys(g, i, add[i], upd[i]) if i <= self.initial else []
            if keys:
                by_parent[str(i)] = keys
        return truth_entry(by_parent)

    # ---- mutations (the store holds its lock) ------------------------------------------------------
    def number(self, row: int) -> int:
        """The next created child's number, remembered with its parent row."""
        n = self._next
        self._next += 1
        self.created[n] = row
        return n

    def find(self, cid: str) -> tuple[int, int]:
        """(parent row, position in its list) of the child a control id names; KeyError when there is none."""
        kind = self.kind
        if kind.key_field is None:          # followers: "<parent id>:<user id>"
            head, _, tail = cid.partition(":")
            row, field, want = (int(head) if head.isdigit() else 0), "user_id", tail
        else:
            n = int(cid) if cid.isdigit() else uuid_number(cid)
            row, field, want = self.created.get(n, n // SPACING), "_n", str(n)
        if 0 < row <= self.table().n:
            for pos, rec in enumerate(self.of(row)):
                if str(rec.get(field)) == want:
                    return row, pos
        raise KeyError(f"{kind.name} {cid} not found")

    def create(self, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        kind = self.kind
        if not kind.mutable:
            raise ValueError(f"{kind.name} entries are not created directly: they come from updates of the parent")
        fields = dict(fields)
        pid = fields.pop("parent_id", None)
        if kind.parent_field and kind.parent_field in fields:
            pid = fields.pop(kind.parent_field)
        if pid is None:
            raise ValueError(f"{kind.name}: parent_id{' or ' + kind.parent_field if kind.parent_field else ''} "
                             f"(the {kind.parent[:-1]}'s id) is required")
        row = self.parent(pid)
        rec = kind.new(self.store.gen, row, fields, self.number(row), now)
        for ref, table in kind.refs.items():
            if self.store.table(table).row_of(rec[ref]) is None:
                raise ValueError(f"{kind.name}: {ref} {rec[ref]!r} is not an existing {table[:-1]}'s id")
        key = kind.key(row, rec)
        if key in self.keys(row):
            raise ValueError(f"{kind.name}: {key} exists already")
        self.stored[row] = [*self.freeze(row), rec]
        return control_id(key), [(kind.parent, row)]

    def update(self, cid: str, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        if not self.kind.mutable:
            raise ValueError(f"{self.kind.name} entries cannot be changed: they are the parent's history")
        row, pos = self.find(cid)
        rows = list(self.freeze(row))
        rows[pos] = self.kind.edit(rows[pos], dict(fields), now)
        self.stored[row] = rows
        return cid, [(self.kind.parent, row)]

    def delete(self, cid: str) -> Parents:
        if not self.kind.mutable:
            raise ValueError(f"{self.kind.name} entries cannot be deleted: they are the parent's history")
        row, pos = self.find(cid)
        rows = list(self.freeze(row))
        del rows[pos]
        self.stored[row] = rows
        return [(self.kind.parent, row)]

    def append(self, row: int, recs: Iterable[Record]) -> None:
        """Add records the store made (changelog entries of an update)."""
        self.stored[row] = [*self.freeze(row), *recs]


def control_id(key: ChildKey) -> str:
    """How the control interface names a child: its id, or its identifying fields joined by ':'."""
    return ":".join(str(k) for k in key) if isinstance(key, list) else str(key)


class FlowView:
    """GET /v1/deals/{id}/flow's dealChange items are the deal's changelog entries [SPEC-v1]: a view over
    deal_changelog keyed ["dealChange", change id]."""

    def __init__(self, log: ChildTable) -> None:
        self.log = log

    def truth(self, now: int) -> dict[str, Any]:
        plan = self.log.kind.plan

        def plan_keys(g: Gen, pid: int, a: int, u: int) -> list[ChildKey]:
            return [["dealChange", p[0]] for p in plan(g, pid, a, u)]
        return self.log.walk(lambda pid, rec: ["dealChange", rec["_n"]], plan_keys)


class Children:
    """Every child stream of the store: truth, reads and the control interface's mutations."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tables = {k.name: ChildTable(k, store) for k in KINDS}
        self.flow = FlowView(self.tables["deal_changelog"])
        self.relations = OrgRelationships(store)
        self.assignments = {"permission_set_assignments": Assignments(store, "permission_sets"),
                            "role_assignments": Assignments(store, "roles")}
        # each stream's truth, kept until something it depends on changes (not the clock: deleted parents
        # are out of the truth whatever the age of their delete); assignments are views, never kept
        self._truth: dict[str, dict[str, Any]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.tables, "deal_flow", "organization_relationships", *self.assignments)

    def _source(self, name: str) -> Any:
        src: ChildTable | Assignments | OrgRelationships | None = self.tables.get(name) or self.assignments.get(name)
        if src is None and name == "organization_relationships":
            src = self.relations
        if src is None:
            raise ValueError(f"{name} entries are not changed directly" if name == "deal_flow" else
                             f"unknown child stream {name!r}")
        return src

    # ---- what the store calls around its own mutations ---------------------------------------------
    def freeze_parent(self, entity: str, row: int) -> None:
        """Before a parent changes: store its generated children, which depend on its unchanged record, and
        forget the truth of every stream the change may touch."""
        for name, t in self.tables.items():
            if t.kind.parent == entity:
                t.freeze(row)
                self._truth.pop(name, None)
        if entity == "deals":
            self._truth.pop("deal_flow", None)
        if entity == "organizations":
            self._truth.pop("organization_relationships", None)

    def _changed(self, name: str) -> None:
        self._truth.pop(name, None)
        if name == "deal_changelog":
            self._truth.pop("deal_flow", None)

    def log_changes(self, entity: str, row: int, before: Record, after: Record, now: int) -> None:
        """An update of a deal, person or organization appends a changelog entry per changed field."""
        log = self.tables.get(LOGGED.get(entity, ""))
        if log is None:
            return
        self._changed(log.kind.name)
        keys = [k for k in after if k[0] != "_" and k not in ("update_time", "add_time", "id")]
        changed = [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
        cf_before, cf_after = before.get("_cf") or {}, after.get("_cf") or {}
        changed += [(k, cf_before.get(k), cf_after.get(k)) for k in cf_after if cf_before.get(k) != cf_after.get(k)]
        names = {"emails": "email", "phones": "phone"}
        log.append(row, [Changelog.entry(log.number(row), names.get(k, k), value_text(_primary(old)),
                                         value_text(_primary(new)), TOKEN_USER, now, "api", False)
                         for k, old, new in changed])

    def counts(self, entity: str, row: int) -> dict[str, int]:
        """A deal's include_fields counters that follow its children (data.derived.deal_extra)."""
        if entity != "deals":
            return {}
        return {"_products_count": len(self.tables["deal_products"].of(row)),
                "_followers_count": len(self.tables["deal_followers"].of(row)),
                "_participants_count": len(self.tables["deal_participants"].of(row))}

    # ---- control interface ---------------------------------------------------------------------------
    def create(self, name: str, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        out: tuple[str, Parents] = self._source(name).create(fields, now)
        self._changed(name)
        return out

    def update(self, name: str, cid: str, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        out: tuple[str, Parents] = self._source(name).update(cid, fields, now)
        self._changed(name)
        return out

    def delete(self, name: str, cid: str) -> Parents:
        out: Parents = self._source(name).delete(cid)
        self._changed(name)
        return out

    # ---- ground truth ----------------------------------------------------------------------------------
    def truth(self, names: Iterable[str], now: int) -> dict[str, dict[str, Any]]:
        """The truth of the named child streams (kept per stream until its data changes)."""
        makers: dict[str, Callable[[int], dict[str, Any]]] = {
            "deal_flow": self.flow.truth, "organization_relationships": self.relations.truth,
            **{n: t.truth for n, t in self.tables.items()}, **{n: a.truth for n, a in self.assignments.items()}}
        out = {}
        for name in names:
            got = self._truth.get(name)
            if got is None:
                got = makers[name](now)
                if name not in self.assignments:
                    self._truth[name] = got
            out[name] = got
        return out


def _primary(v: Any) -> Any:
    """The value a changelog shows for a list of emails / phones: the primary (first) one."""
    if isinstance(v, list) and v and isinstance(v[0], dict) and "value" in v[0]:
        return v[0]["value"]
    return v


__all__ = ["LOGGED", "ChildTable", "Children", "FlowView", "ParentGone", "control_id", "shown", "truth_entry"]
