"""Records, sorted indexes, mutations and ground truth; the single source every endpoint reads."""
from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, insort
from collections.abc import Callable

from . import extras, makers
from .clock import SimClock
from .extras import TOKEN_USER
from .fields import from_v2
from .generate import ARCHIVED, DELETED, LIVE, RECENT, Gen
from .options import Options

Maker = Callable[..., dict]
# entity -> (maker, skeleton kind). "fixed" entities are created early and rarely edited.
ENTITIES: dict[str, tuple[Maker, str]] = {
    "deals": (makers.deal, "spread"), "persons": (makers.person, "spread"),
    "organizations": (makers.organization, "spread"), "activities": (makers.activity, "spread"),
    "products": (makers.product, "spread"), "leads": (makers.lead, "spread"), "notes": (extras.note, "spread"),
    "files": (extras.file, "spread"), "call_logs": (extras.call_log, "spread"),
    "mail_threads": (extras.mail_thread, "spread"), "users": (extras.user, "fixed"),
    "pipelines": (makers.pipeline, "fixed"), "stages": (makers.stage, "fixed"),
}
SETTINGS = ("activity_types", "currencies", "lead_labels", "lead_sources", "filters", "roles", "permission_sets", "goals")
ALIASES = {"dealProducts": "deal_products", "activityTypes": "activity_types", "leadLabels": "lead_labels",
           "leadSources": "lead_sources", "callLogs": "call_logs", "permissionSets": "permission_sets",
           "mailThreads": "mail_threads", "deal": "deals", "person": "persons", "organization": "organizations",
           "org": "organizations", "activity": "activities", "product": "products", "lead": "leads",
           "note": "notes", "file": "files", "user": "users", "pipeline": "pipelines", "stage": "stages"}
# Entities whose records carry their own external id (UUIDs) rather than the row number.
EXTERNAL_IDS = ("leads", "call_logs")
# Per-user entities: the API returns only the token user's records ("call logs assigned to a particular
# user", the user's mailbox [SPEC-v1]), so that is all a connector can read, and all the truth lists.
OWNED = ("call_logs", "mail_threads")


def entity_name(name: str) -> str:
    name = ALIASES.get(name, name)
    if name not in ENTITIES and name not in SETTINGS:
        raise KeyError(name)
    return name


class Table:
    """One entity: cheap skeleton arrays (index = row number), lazily materialized rows, caches, indexes."""

    def __init__(self, name: str, gen: Gen, maker: Maker, skel: tuple[list[int], ...]) -> None:
        self.name, self.gen, self.maker = name, gen, maker
        self.add, self.upd, self.state, self.stime = skel
        self.rows: dict[int, dict] = {}
        self.cache: dict[tuple[int, str], bytes] = {}
        self.indexes: dict[tuple[int, str], list[tuple]] = {}
        self.ext: dict[str, int] | None = None
        self.ver = 0          # bumped by every change; a render racing a change must not be cached

    @property
    def n(self) -> int:
        return len(self.add) - 1

    def get(self, i: int) -> dict | None:
        row = self.rows.get(i)
        if row is None:
            if not 0 < i <= self.n:
                return None
            row = self.maker(self.gen, i, self.add[i], self.upd[i], self.state[i], self.stime[i])
            self.rows[i] = row
        return row

    def row_of(self, ext_id: object) -> int | None:
        """Row number of an external id (int ids are row numbers; leads and call logs map strings)."""
        if self.name in EXTERNAL_IDS:
            if self.ext is None:
                self.ext = {self.get(i)["id"]: i for i in range(1, self.n + 1)}
            return self.ext.get(str(ext_id))
        try:
            i = int(ext_id)
        except (TypeError, ValueError):
            return None
        return i if 0 < i <= self.n else None

    def visible(self, i: int, now: int) -> int | None:
        """Collection a row is listed in: LIVE, ARCHIVED, DELETED (deleted < 30 days ago) or None (purged)."""
        s = self.state[i]
        if s == DELETED and self.stime[i] < now - RECENT:
            return None
        return s

    def sort_value(self, i: int, key: str) -> object:
        if key == "id":
            return i
        if self.name == "leads" and key in ("update_time", "add_time"):
            rec = self.get(i)     # leads order by their millisecond timestamps [SPEC-v1]
            return rec[key] * 1000 + rec["_upd_ms" if key == "update_time" else "_add_ms"]
        if key == "update_time":
            return self.upd[i]
        if key == "add_time":
            return self.add[i]
        v = self.get(i).get(key)
        return "" if v is None else v

    def index(self, coll: int, key: str) -> list[tuple]:
        """Rows of a collection sorted by (sort value, id); rebuilt lazily after mutations."""
        idx = self.indexes.get((coll, key))
        if idx is None:
            st = self.state
            rows = [i for i in range(1, self.n + 1) if st[i] == coll]
            if key == "id":
                idx = [(i, i) for i in rows]
            else:
                vals = [(self.sort_value(i, key), i) for i in rows]
                # nullable sort keys (v1 leads: expected_close_date, next_activity_id): nulls sort first
                null = "" if any(isinstance(v, str) and v != "" for v, _ in vals) else -1
                idx = sorted((null if v == "" else v, i) for v, i in vals)
            self.indexes[(coll, key)] = idx
        return idx

    def snapshot(self, i: int) -> tuple[int, int, int]:
        """(state, update_time, add_time) of a row before a change, so touch() can move its index entries."""
        return self.state[i], self.upd[i], self.add[i]

    def touch(self, i: int, before: tuple[int, int, int] | None = None) -> None:
        """Drop a changed row's cached bytes and move it in the id/update_time/add_time indexes.

        Indexes are replaced copy-on-write, so a page being built from the old list stays consistent;
        other sort keys (and leads, ordered by milliseconds) are simply rebuilt on next use.
        """
        self.ver += 1
        for shape in ("v2", "v1", "v1lead"):
            self.cache.pop((i, shape), None)
        if before is None or self.name == "leads":
            self.indexes.clear()
            return
        old_state, old_upd, old_add = before
        for (coll, key), idx in list(self.indexes.items()):
            if key not in ("id", "update_time", "add_time"):
                del self.indexes[(coll, key)]
                continue
            in_old, in_new = old_state == coll, self.state[i] == coll
            if not (in_old or in_new):
                continue
            cp = idx.copy()
            if in_old:
                old = ({"update_time": old_upd, "add_time": old_add}.get(key, i), i)
                pos = bisect_left(cp, old)
                if pos == len(cp) or cp[pos] != old:
                    del self.indexes[(coll, key)]    # not where expected: rebuild instead
                    continue
                del cp[pos]
            if in_new:
                insort(cp, (self.sort_value(i, key), i))
            self.indexes[(coll, key)] = cp


class Store:
    def __init__(self, seed: int, scale: str, clock: SimClock, options: Options | None = None) -> None:
        self.gen = Gen(seed, scale, clock.now())
        self.clock = clock
        self.options = options if options is not None else Options()
        self.list_requests = itertools.count(1)   # drives tie_order=shuffled: another order per request
        self.lock = threading.RLock()
        self._tables: dict[str, Table] = {}
        self.settings = extras.settings_tables(self.gen)
        self.version = 0      # bumped by every mutation (keys derived caches such as /v1/recents)
        self.recents_cache: dict[tuple, list] = {}

    def table(self, name: str) -> Table:
        t = self._tables.get(name)
        if t is None:
            with self.lock:
                t = self._tables.get(name)
                if t is None:
                    maker, kind = ENTITIES[name]
                    stamp = name != "deals" or self.options.update_time_on_delete
                    skel = self.gen.skeleton(name, stamp) if kind == "spread" else self.gen.fixed_skeleton(name)
                    t = self._tables[name] = Table(name, self.gen, maker, skel)
        return t

    @property
    def cf(self):
        return self.gen.cf

    # ---- mutations (control interface); each stamps update_time with the simulated now -------------
    def create(self, name: str, fields: dict) -> tuple[str, object]:
        name = entity_name(name)
        now = self.clock.now()
        with self.lock:
            self._changed()
            if name in SETTINGS:
                rows = self.settings[name]
                rec = dict(rows[-1]) if rows else {}
                rec.update({"id": max((r.get("id", 0) for r in rows if isinstance(r.get("id"), int)), default=0) + 1})
                rec.update({"add_time": now, "update_time": now} if "add_time" in rec else {})
                rec.update(fields)
                rows.append(rec)
                return name, rec["id"]
            t = self.table(name)
            i = t.n + 1
            t.add.append(now)
            t.upd.append(now)
            t.state.append(LIVE)
            t.stime.append(0)
            rec = t.maker(t.gen, i, now, now, LIVE, 0)
            if name == "leads":
                rec["_add_ms"] = rec["_upd_ms"] = 0
            t.rows[i] = rec
            self._apply(name, rec, fields)
            if t.ext is not None:
                t.ext[str(rec["id"])] = i
            t.touch(i, (-1, 0, 0))
            return name, rec["id"]

    def _apply(self, name: str, rec: dict, fields: dict) -> None:
        kind = {"deals": "deal", "persons": "person", "organizations": "organization", "products": "product",
                "leads": "lead"}.get(name)
        defs = {f.key: f for f in self.cf.get(kind, ())} if kind else {}
        if defs and ("custom_fields" in fields or any(k in defs for k in fields)):
            rec["_cf"] = dict(rec["_cf"])      # pooled values are shared: copy before editing
        for k, v in fields.items():
            if k == "custom_fields" and isinstance(v, dict):
                for ck, cv in v.items():
                    if ck in defs:
                        rec["_cf"][ck] = from_v2(defs[ck], cv)
            elif k in defs:
                rec["_cf"][k] = from_v2(defs[k], v)
            elif k in ("id", "add_time", "update_time") or k == "status" and name == "deals" and v == "deleted":
                continue
            else:
                rec[k] = v

    def _changed(self) -> None:
        """Called with the lock held, before a mutation: derived caches keyed by version go stale."""
        self.version += 1
        self.recents_cache.clear()

    def _row(self, name: str, ext_id: object) -> tuple[Table, int]:
        t = self.table(name)
        i = t.row_of(ext_id)
        if i is None or t.visible(i, self.clock.now()) is None:
            raise KeyError(f"{name} {ext_id} not found")
        return t, i

    def update(self, name: str, ext_id: object, fields: dict) -> tuple[str, object]:
        name = entity_name(name)
        now = self.clock.now()
        with self.lock:
            self._changed()
            if name in SETTINGS:
                rec = self.setting(name, ext_id)
                rec.update(fields)
                if "update_time" in rec:
                    rec["update_time"] = now
                return name, rec["id"]
            t, i = self._row(name, ext_id)
            before = t.snapshot(i)
            rec = t.get(i)
            self._apply(name, rec, fields)
            self._stamp(t, i, rec, now, before)
            return name, rec["id"]

    def _stamp(self, t: Table, i: int, rec: dict, now: int, before: tuple[int, int, int]) -> None:
        t.upd[i] = now
        rec["update_time"] = now
        if "_upd_ms" in rec:
            rec["_upd_ms"] = 0
        if t.name == "deals" and rec.get("status") in ("won", "lost") and rec.get("close_time") is None:
            rec["close_time"] = now
            rec["won_time" if rec["status"] == "won" else "lost_time"] = now
        t.touch(i, before)

    def setting(self, name: str, ext_id: object) -> dict:
        for rec in self.settings[name]:
            if str(rec.get("id")) == str(ext_id):
                return rec
        raise KeyError(f"{name} {ext_id} not found")

    def delete(self, name: str, ext_id: object) -> None:
        """Soft delete: deals get status deleted (listable 30 days) [SPEC-v2]; others get is_deleted/active_flag."""
        name = entity_name(name)
        now = self.clock.now()
        with self.lock:
            self._changed()
            if name in SETTINGS:
                self.settings[name].remove(self.setting(name, ext_id))
                return
            t, i = self._row(name, ext_id)
            before = t.snapshot(i)
            rec = t.get(i)
            t.state[i], t.stime[i] = DELETED, now
            rec.update(is_deleted=True, delete_time=now)
            if "active_flag" in rec:
                rec["active_flag"] = False
            if name == "users":      # users are deactivated, never removed from /v1/users
                t.state[i] = LIVE
                rec.update(active_flag=False, activated=False)
            if name == "deals" and not self.options.update_time_on_delete:
                t.touch(i, before)   # option: the delete leaves update_time where it was
            else:
                self._stamp(t, i, rec, now, before)

    def archive(self, name: str, ext_id: object, archived: bool = True) -> None:
        """Archive (or unarchive) a deal or a lead [CL-ARCH]; update_time moves per update_time_on_archive."""
        name = entity_name(name)
        if name not in ("deals", "leads"):
            raise ValueError("only deals and leads can be archived [CL-ARCH]")
        now = self.clock.now()
        with self.lock:
            self._changed()
            t, i = self._row(name, ext_id)
            if t.state[i] == DELETED:
                raise ValueError(f"{name} {ext_id} is deleted")
            if (t.state[i] == ARCHIVED) == archived:
                return       # already in that state: nothing changes
            before = t.snapshot(i)
            rec = t.get(i)
            t.state[i], t.stime[i] = (ARCHIVED, now) if archived else (LIVE, 0)
            rec.update(is_archived=archived, archive_time=now if archived else None)
            if self.options.update_time_on_archive:
                self._stamp(t, i, rec, now, before)
            else:
                t.touch(i, before)

    # ---- ground truth ------------------------------------------------------------------------------
    def truth(self) -> dict:
        now = self.clock.now()
        streams: dict[str, dict] = {}
        with self.lock:
            for name in ENTITIES:
                t = self.table(name)
                live, archived, deleted = [], [], []
                owned = name in OWNED
                for i in range(1, t.n + 1):
                    v = t.visible(i, now)
                    if v is None or (owned and t.get(i)["user_id"] != TOKEN_USER):
                        continue
                    ext = t.get(i)["id"] if name in EXTERNAL_IDS else i
                    (live if v == LIVE else archived if v == ARCHIVED else deleted).append(ext)
                streams[name] = {"live": live, "archived": archived, "deleted": deleted,
                                 "count": len(live) + len(archived)}
            for name in SETTINGS:
                ids = [r.get("id", r.get("name")) for r in self.settings[name]]
                streams[name] = {"live": ids, "archived": [], "deleted": [], "count": len(ids)}
        return {"now": now, "streams": streams}

    def recent_rows(self, name: str, since: int) -> list[tuple[int, int]]:
        """(update_time, row) of rows changed at or after `since` (for /v1/recents)."""
        t = self.table(name)
        now = self.clock.now()
        return [(t.upd[i], i) for i in range(1, t.n + 1) if t.upd[i] >= since and t.visible(i, now) is not None]


__all__ = ["ENTITIES", "SETTINGS", "Store", "Table", "entity_name"]
