"""The store: every table and settings list, their mutations through the control interface, and the ground
truth. The single source every endpoint reads."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Collection
from typing import Any

from ..options import Options
from . import core_records, project_records, v1_records
from .child_records import KINDS
from .children import Children
from .clock import SimClock
from .custom_fields import CF_KIND, CustomFields, from_v2
from .generator import Gen
from .record import ARCHIVED, DELETED, LIVE, Record
from .settings_tables import settings_tables
from .table import EXTERNAL_IDS, ExtId, Maker, Table
from .v1_records import TOKEN_USER

# entity -> (maker, skeleton kind). "fixed" entities are created early and rarely edited.
ENTITIES: dict[str, tuple[Maker, str]] = {
    "deals": (core_records.deal, "spread"), "persons": (core_records.person, "spread"),
    "organizations": (core_records.organization, "spread"), "activities": (core_records.activity, "spread"),
    "products": (core_records.product, "spread"), "leads": (core_records.lead, "spread"),
    "notes": (v1_records.note, "spread"), "files": (v1_records.file, "spread"),
    "call_logs": (v1_records.call_log, "spread"), "mail_threads": (v1_records.mail_thread, "spread"),
    "users": (v1_records.user, "fixed"), "pipelines": (core_records.pipeline, "fixed"),
    "stages": (core_records.stage, "fixed"),
    # Pipedrive Projects [SPEC-v2]: projects (some archived) and tasks spread over time, boards and templates fixed
    "projects": (project_records.project, "spread"), "tasks": (project_records.task, "spread"),
    "project_templates": (project_records.project_template, "fixed"), "boards": (project_records.board, "fixed"),
}
SETTINGS = ("activity_types", "currencies", "lead_labels", "lead_sources", "filters", "roles", "permission_sets",
            "goals", "webhooks", "phases")
ALIASES = {"activityTypes": "activity_types", "leadLabels": "lead_labels", "leadSources": "lead_sources",
           "callLogs": "call_logs", "permissionSets": "permission_sets", "mailThreads": "mail_threads",
           "deal": "deals", "person": "persons", "organization": "organizations", "org": "organizations",
           "activity": "activities", "product": "products", "lead": "leads", "note": "notes", "file": "files",
           "user": "users", "pipeline": "pipelines", "stage": "stages",
           "project": "projects", "task": "tasks", "projectTemplates": "project_templates",
           "project_template": "project_templates", "board": "boards", "webhook": "webhooks", "phase": "phases"}
# Per-user entities: the API returns only the token user's records ("call logs assigned to a particular
# user", the user's mailbox [SPEC-v1]), so that is all a connector can read, and all the truth lists.
OWNED = ("call_logs", "mail_threads")
# Child streams (data.children): changed through the control interface like entities, by their truth name.
CHILDREN = (*(k.name for k in KINDS), "deal_flow", "organization_relationships", "permission_set_assignments",
            "role_assignments")


def entity_name(name: str) -> str:
    """The control name of an entity (camelCase API names and singulars are accepted); KeyError if none."""
    name = ALIASES.get(name, name)
    if name not in ENTITIES and name not in SETTINGS and name not in CHILDREN:
        raise KeyError(name)
    return name


class Store:
    def __init__(self, seed: int, scale: str, clock: SimClock, options: Options) -> None:
        self.gen = Gen(seed, scale, clock.now())
        self.clock = clock
        self.options = options
        self.list_requests = itertools.count(1)   # drives tie_order=shuffled: another order per request
        self.lock = threading.RLock()
        self._tables: dict[str, Table] = {}
        self.settings = settings_tables(self.gen)
        self.version = 0      # bumped by every mutation (keys derived caches such as /v1/recents)
        self.recents_cache: dict[tuple[tuple[str, ...], int, int], list[Any]] = {}
        self.children = Children(self)

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
    def cf(self) -> CustomFields:
        return self.gen.cf

    def setting(self, name: str, ext_id: ExtId) -> dict[str, Any]:
        for rec in self.settings[name]:
            if str(rec.get("id")) == str(ext_id):
                return rec
        raise KeyError(f"{name} {ext_id} not found")

    # ---- mutations (control interface); each stamps update_time with the simulated now -------------
    def create(self, name: str, fields: dict[str, Any]) -> tuple[str, ExtId]:
        name = entity_name(name)
        now = self.clock.now()
        with self.lock:
            self._changed()
            if name in SETTINGS:
                return name, self._create_setting(name, fields, now)
            if name in CHILDREN:
                cid, parents = self.children.create(name, fields, now)
                self._child_changed(parents, now)
                return name, cid
            return name, self._create_row(name, fields, now)

    def _create_setting(self, name: str, fields: dict[str, Any], now: int) -> ExtId:
        """A new settings row: a copy of the last one with the next integer id, then the given fields."""
        rows = self.settings[name]
        rec = dict(rows[-1]) if rows else {}
        rec.update({"id": max((r.get("id", 0) for r in rows if isinstance(r.get("id"), int)), default=0) + 1})
        rec.update({"add_time": now, "update_time": now} if "add_time" in rec else {})
        rec.update(fields)
        rows.append(rec)
        new_id: ExtId = rec["id"]
        return new_id

    def _create_row(self, name: str, fields: dict[str, Any], now: int) -> ExtId:
        """A new table row made by the entity's maker at `now`, then the given fields applied."""
        t = self.table(name)
        i = t.n + 1
        t.add.append(now)
        t.upd.append(now)
        t.state.append(LIVE)
        t.stime.append(0)
        rec = t.maker(t.gen, i, now, now, LIVE, 0)
        if name == "leads":
            rec["_add_ms"] = rec["_upd_ms"] = 0
        if name == "deals":      # a new deal has no children yet (its include_fields counters say so)
            rec.update(_products_count=0, _followers_count=0, _participants_count=0)
        t.rows[i] = rec
        self._apply(name, rec, fields)
        if t.ext is not None:
            t.ext[str(rec["id"])] = i
        t.touch(i, (-1, 0, 0))
        new_id: ExtId = rec["id"]        # the row number, or the lead's UUID
        return new_id

    def _apply(self, name: str, rec: Record, fields: dict[str, Any]) -> None:
        """Set fields given in the API shape; custom values (in custom_fields or at top level) go canonical."""
        kind = CF_KIND.get(name)
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

    def _row(self, name: str, ext_id: ExtId) -> tuple[Table, int]:
        t = self.table(name)
        i = t.row_of(ext_id)
        if i is None or t.visible(i, self.clock.now()) is None:
            raise KeyError(f"{name} {ext_id} not found")
        return t, i

    def update(self, name: str, ext_id: ExtId, fields: dict[str, Any]) -> tuple[str, ExtId]:
        name = entity_name(name)
        now = self.clock.now()
        with self.lock:
            self._changed()
            if name in SETTINGS:
                srec = self.setting(name, ext_id)
                srec.update(fields)
                if "update_time" in srec:
                    srec["update_time"] = now
                return name, srec["id"]
            if name in CHILDREN:
                cid, parents = self.children.update(name, str(ext_id), fields, now)
                self._child_changed(parents, now)
                return name, cid
            t, i = self._row(name, ext_id)
            self.children.freeze_parent(name, i)
            before = t.snapshot(i)
            rec = t.get(i)
            old = dict(rec)
            self._apply(name, rec, fields)
            self._stamp(t, i, rec, now, before)
            self.children.log_changes(name, i, old, rec, now)
            return name, rec["id"]

    def _child_changed(self, parents: list[tuple[str, int]], now: int) -> None:
        """After a child changed: its parents' other children are stored first (they follow the unchanged
        parent), deal counters follow, and update_time moves per option child_change_touches_parent."""
        for entity, i in dict.fromkeys(parents):
            self.children.freeze_parent(entity, i)
            t = self.table(entity)
            before = t.snapshot(i)
            rec = t.get(i)
            rec.update(self.children.counts(entity, i))
            if self.options.child_change_touches_parent:
                self._stamp(t, i, rec, now, before)
            else:
                t.touch(i, before)     # counters changed: drop the cached bytes only

    def _stamp(self, t: Table, i: int, rec: Record, now: int, before: tuple[int, int, int]) -> None:
        t.upd[i] = now
        rec["update_time"] = now
        if "_upd_ms" in rec:
            rec["_upd_ms"] = 0
        if t.name == "deals" and rec.get("status") in ("won", "lost") and rec.get("close_time") is None:
            rec["close_time"] = now
            rec["won_time" if rec["status"] == "won" else "lost_time"] = now
        t.touch(i, before)

    def delete(self, name: str, ext_id: ExtId) -> None:
        """Soft delete: deals get status deleted (listable 30 days) [SPEC-v2]; others get is_deleted/active_flag."""
        name = entity_name(name)
        now = self.clock.now()
        with self.lock:
            self._changed()
            if name in SETTINGS:
                self.settings[name].remove(self.setting(name, ext_id))
                return
            if name in CHILDREN:
                self._child_changed(self.children.delete(name, str(ext_id)), now)
                return
            t, i = self._row(name, ext_id)
            self.children.freeze_parent(name, i)
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

    def archive(self, name: str, ext_id: ExtId, archived: bool = True) -> None:
        """Archive (or unarchive) a deal, a lead [CL-ARCH] or a project (archive_time only: the project item has
        no is_archived [SPEC-v2]); update_time moves per update_time_on_archive."""
        name = entity_name(name)
        if name not in ("deals", "leads", "projects"):
            raise ValueError("only deals, leads and projects can be archived [CL-ARCH]")
        now = self.clock.now()
        with self.lock:
            self._changed()
            t, i = self._row(name, ext_id)
            if t.state[i] == DELETED:
                raise ValueError(f"{name} {ext_id} is deleted")
            if (t.state[i] == ARCHIVED) == archived:
                return       # already in that state: nothing changes
            self.children.freeze_parent(name, i)
            before = t.snapshot(i)
            rec = t.get(i)
            t.state[i], t.stime[i] = (ARCHIVED, now) if archived else (LIVE, 0)
            if name != "projects":
                rec["is_archived"] = archived
            rec["archive_time"] = now if archived else None
            if self.options.update_time_on_archive:
                self._stamp(t, i, rec, now, before)
            else:
                t.touch(i, before)

    # ---- ground truth ------------------------------------------------------------------------------
    def truth(self, only: Collection[str] | None = None) -> dict[str, Any]:
        """What a connector can read, per stream (`only`: these streams; ValueError for an unknown name)."""
        now = self.clock.now()
        known = (*ENTITIES, *SETTINGS, *CHILDREN)
        wanted = set(known if only is None else only)
        if wanted - set(known):
            raise ValueError(f"unknown streams {sorted(wanted - set(known))}; streams: {', '.join(known)}")
        streams: dict[str, dict[str, Any]] = {}
        with self.lock:
            for name in ENTITIES:
                if name in wanted:
                    streams[name] = self._table_truth(name, now)
            for name in SETTINGS:
                if name in wanted:
                    ids = [r.get("id", r.get("name")) for r in self.settings[name]]
                    streams[name] = {"live": ids, "archived": [], "deleted": [], "count": len(ids)}
            streams.update(self.children.truth([n for n in CHILDREN if n in wanted], now))
        return {"now": now, "streams": streams}

    def _table_truth(self, name: str, now: int) -> dict[str, Any]:
        """What a connector can read of a table: live, archived and (recently) deleted ids."""
        t = self.table(name)
        live: list[ExtId] = []
        archived: list[ExtId] = []
        deleted: list[ExtId] = []
        owned = name in OWNED
        for i in range(1, t.n + 1):
            v = t.visible(i, now)
            if v is None or (owned and t.get(i)["user_id"] != TOKEN_USER):
                continue
            ext = t.get(i)["id"] if name in EXTERNAL_IDS else i
            (live if v == LIVE else archived if v == ARCHIVED else deleted).append(ext)
        return {"live": live, "archived": archived, "deleted": deleted, "count": len(live) + len(archived)}

    def recent_rows(self, name: str, since: int) -> list[tuple[int, int]]:
        """(update_time, row) of rows changed at or after `since` (for /v1/recents)."""
        t = self.table(name)
        now = self.clock.now()
        return [(t.upd[i], i) for i in range(1, t.n + 1) if t.upd[i] >= since and t.visible(i, now) is not None]
