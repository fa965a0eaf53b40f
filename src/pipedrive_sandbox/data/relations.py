"""Child streams that are relations between records rather than records of one parent: organization
relationships (each listed for both of its organizations) and the users assigned to a permission set or a
role (read from the users' own `access` and `role_id`, so both views always agree) [SPEC-v1]."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import DAY
from .record import LIVE, Record
from .seeded import mix

if TYPE_CHECKING:
    from .store import Store

Parents = list[tuple[str, int]]


def _entry(by_parent: dict[str, list[Any]], live: list[Any]) -> dict[str, Any]:
    return {"live": live, "archived": [], "deleted": [], "count": len(live), "by_parent": by_parent}


class OrgRelationships:
    """One organization in twelve has a relationship (parent or related) with another, made by the generator;
    a relationship is listed while both organizations are live."""

    name, parent = "organization_relationships", "organizations"

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rows: dict[int, Record] | None = None

    def rows(self) -> dict[int, Record]:
        """Every relationship by id (generated on first use: a pass over the organizations' hashes)."""
        if self._rows is None:
            g, t = self.store.gen, self.store.table("organizations")
            n = g.sizes["organizations"]
            rows: dict[int, Record] = {}
            for o in range(1, n + 1):
                h = mix(g.seed, 908, o)
                linked = 1 + (h >> 8) % n
                if h % 12 or linked == o:
                    continue
                at = min(g.now0, max(t.add[o], t.add[linked]) + (h >> 20) % DAY)
                rid = len(rows) + 1
                rows[rid] = {"id": rid, "type": "parent" if (h >> 4) % 3 else "related", "owner": o,
                             "linked": linked, "add_time": at, "update_time": at}
            self._rows = rows
        return self._rows

    def _live(self, org: int) -> bool:
        t = self.store.table("organizations")
        return 0 < org <= t.n and t.visible(org, self.store.clock.now()) == LIVE

    def of(self, org: int) -> list[Record]:
        """The relationships listed for a (live) organization, by id."""
        return [r for r in self.rows().values() if org in (r["owner"], r["linked"])
                and self._live(r["owner"]) and self._live(r["linked"])]

    def truth(self, now: int) -> dict[str, Any]:
        by_parent: dict[str, list[Any]] = {}
        live = []
        for rid, r in self.rows().items():
            if self._live(r["owner"]) and self._live(r["linked"]):
                live.append(rid)
                for org in sorted((r["owner"], r["linked"])):
                    by_parent.setdefault(str(org), []).append(rid)
        return _entry(dict(sorted(by_parent.items(), key=lambda kv: int(kv[0]))), live)

    def _org(self, fields: dict[str, Any], name: str) -> int:
        v = fields.get(name)
        if not isinstance(v, int) or not self._live(v):
            raise ValueError(f"organization_relationships: {name} must be a live organization's id")
        return v

    def create(self, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        owner, linked = self._org(fields, "rel_owner_org_id"), self._org(fields, "rel_linked_org_id")
        kind = fields.get("type", "related")
        if owner == linked or kind not in ("parent", "related"):
            raise ValueError("organization_relationships: two different organizations, type parent or related")
        rows = self.rows()
        rid = max(rows, default=0) + 1
        rows[rid] = {"id": rid, "type": kind, "owner": owner, "linked": linked, "add_time": now, "update_time": now}
        return str(rid), [("organizations", owner), ("organizations", linked)]

    def _find(self, cid: str) -> Record:
        r = self.rows().get(int(cid)) if cid.isdigit() else None
        if r is None or not (self._live(r["owner"]) and self._live(r["linked"])):
            raise KeyError(f"organization_relationships {cid} not found")
        return r

    def update(self, cid: str, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        r = self._find(cid)
        if set(fields) - {"type"} or fields.get("type", r["type"]) not in ("parent", "related"):
            raise ValueError("organization_relationships: only type (parent or related) can be updated")
        self.rows()[r["id"]] = {**r, **fields, "update_time": now}
        return cid, [("organizations", r["owner"]), ("organizations", r["linked"])]

    def delete(self, cid: str) -> Parents:
        r = self._find(cid)
        del self.rows()[r["id"]]
        return [("organizations", r["owner"]), ("organizations", r["linked"])]


class Assignments:
    """The users assigned to a permission set (GET /v1/permissionSets/{id}/assignments) or a role
    (GET /v1/roles/{id}/assignments) [SPEC-v1]: read from the users table, so /v1/users and these lists agree.
    The key is [set or role id, user_id]; assigning a user to a permission set replaces the user's set of
    that app, removing a role assignment leaves the user without a role."""

    def __init__(self, store: Store, parent: str) -> None:
        self.store, self.parent = store, parent
        self.name = "permission_set_assignments" if parent == "permission_sets" else "role_assignments"

    def setting(self, ext: object) -> dict[str, Any]:
        """The permission set or role; KeyError when there is none."""
        return self.store.setting(self.parent, str(ext))

    def member(self, sid: object, user: Record) -> bool:
        if self.parent == "roles":
            return bool(user["role_id"] == sid)
        return any(a["permission_set_id"] == sid for a in user["access"])

    def users(self, sid: object) -> list[Record]:
        t = self.store.table("users")
        return [t.get(i) for i in range(1, t.n + 1) if self.member(sid, t.get(i))]

    def truth(self, now: int) -> dict[str, Any]:
        by_parent = {}
        for s in self.store.settings[self.parent]:
            keys = [[s["id"], u["id"]] for u in self.users(s["id"])]
            if keys:
                by_parent[str(s["id"])] = keys
        return _entry(by_parent, [k for keys in by_parent.values() for k in keys])

    def _user(self, uid: object) -> tuple[int, Record]:
        t = self.store.table("users")
        i = t.row_of(uid) if isinstance(uid, (int, str)) else None
        if i is None:
            raise ValueError(f"{self.name}: user_id must be an existing user's id")
        return i, t.get(i)

    def _assign(self, s: dict[str, Any], user: Record, on: bool) -> None:
        if self.parent == "roles":
            user["role_id"] = s["id"] if on else None
            return
        keep = [a for a in user["access"] if (a["app"] != s["app"] if on else a["permission_set_id"] != s["id"])]
        user["access"] = keep + ([{"app": s["app"], "admin": s.get("type") == "admin",
                                   "permission_set_id": s["id"]}] if on else [])

    def create(self, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        id_name = "role_id" if self.parent == "roles" else "permission_set_id"
        try:
            s = self.setting(fields.get(id_name, fields.get("parent_id")))
        except KeyError:
            raise ValueError(f"{self.name}: {id_name} must name an existing one") from None
        i, user = self._user(fields.get("user_id"))
        if self.member(s["id"], user):
            raise ValueError(f"{self.name}: user {i} is assigned already")
        self._assign(s, user, on=True)
        self._touched(i)
        return f"{s['id']}:{i}", []

    def update(self, cid: str, fields: dict[str, Any], now: int) -> tuple[str, Parents]:
        raise ValueError(f"{self.name}: an assignment has nothing to update (delete it, or create another)")

    def delete(self, cid: str) -> Parents:
        sid, _, uid = cid.rpartition(":")
        s = self.setting(sid)
        i, user = self._user(int(uid) if uid.isdigit() else uid)
        if not self.member(s["id"], user):
            raise KeyError(f"{self.name} {cid} not found")
        self._assign(s, user, on=False)
        self._touched(i)
        return []

    def _touched(self, i: int) -> None:
        """The user's own record changed (access / role_id): drop its cached bytes; `modified` stays."""
        t = self.store.table("users")
        t.touch(i, t.snapshot(i))
