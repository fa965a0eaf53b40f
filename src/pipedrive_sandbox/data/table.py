"""One entity's table: skeleton arrays (index = row number), lazily made records, per-shape byte caches and
sorted (value, row) indexes kept current on change."""
from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable

from .generator import Gen, Skeleton
from .record import DELETED, RECENT, Record

# (gen, row, add_time, update_time, state, state time) -> the canonical record (core_records, v1_records)
Maker = Callable[[Gen, int, int, int, int, int], Record]
ExtId = str | int     # a record's id as the API and the control interface give it
# Entities whose records carry their own external id (UUIDs) rather than the row number.
EXTERNAL_IDS = ("leads", "call_logs")
# (sort value, row) pairs in order; the sort value is an int, a float or a str
Index = list[tuple[object, int]]


class Table:
    """One entity: cheap skeleton arrays (index = row number), lazily materialized rows, caches, indexes.

    A row's canonical record is made on first get(); its JSON bytes per API shape are cached (api.respond)
    until touch() says it changed.
    """

    def __init__(self, name: str, gen: Gen, maker: Maker, skel: Skeleton) -> None:
        self.name, self.gen, self.maker = name, gen, maker
        self.add, self.upd, self.state, self.stime = skel
        self.rows: dict[int, Record] = {}
        self.cache: dict[tuple[int, str], bytes] = {}
        self.indexes: dict[tuple[int, str], Index] = {}
        self.ext: dict[str, int] | None = None
        self.ver = 0          # bumped by every change; a render racing a change must not be cached

    @property
    def n(self) -> int:
        return len(self.add) - 1

    def get(self, i: int) -> Record:
        """Row i's record (1 <= i <= n), made on first use; KeyError for a row the table does not have."""
        row = self.rows.get(i)
        if row is None:
            if not 0 < i <= self.n:
                raise KeyError(f"{self.name} has no row {i}")
            row = self.maker(self.gen, i, self.add[i], self.upd[i], self.state[i], self.stime[i])
            self.rows[i] = row
        return row

    def row_of(self, ext_id: ExtId) -> int | None:
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

    def index(self, coll: int, key: str) -> Index:
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

    def touch(self, i: int, before: tuple[int, int, int]) -> None:
        """Drop a changed row's cached bytes and move it in the id/update_time/add_time indexes.

        Indexes are replaced copy-on-write, so a page being built from the old list stays consistent;
        other sort keys (and leads, ordered by milliseconds) are simply rebuilt on next use.
        """
        self.ver += 1
        for shape in ("v2", "v1", "v1lead"):
            self.cache.pop((i, shape), None)
        if self.name == "leads":
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
