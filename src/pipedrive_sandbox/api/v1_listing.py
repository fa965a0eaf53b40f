"""What every v1 list shares: `sort` parsing, start/limit windows over a table's sorted index, the tie_order
option, and v1 records with their denormalized names [SPEC-v1], [RD-PAG]."""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from itertools import groupby
from typing import Any

from ..data.record import LIVE, Record
from ..data.seeded import mix
from ..data.store import Store
from .paging import Entry, Listing, offset_params
from .query import ApiError, Query
from .render_v1 import v1
from .respond import cached, dumps

# v1 records carry denormalized names (org_name, owner_name, ...) [SPEC-v1]: key -> (table, id key, field)
_NAMED = {
    "deals": {"person_name": ("persons", "person_id", "name"), "org_name": ("organizations", "org_id", "name"),
              "owner_name": ("users", "owner_id", "name"), "stage_order_nr": ("stages", "stage_id", "order_nr")},
    "persons": {"org_name": ("organizations", "org_id", "name"), "owner_name": ("users", "owner_id", "name"),
                "company_id": ("users", "owner_id", "id")},
    "organizations": {"owner_name": ("users", "owner_id", "name"), "company_id": ("users", "owner_id", "id")},
    "activities": {"org_name": ("organizations", "org_id", "name"), "person_name": ("persons", "person_id", "name"),
                   "deal_title": ("deals", "deal_id", "title"), "owner_name": ("users", "owner_id", "name"),
                   "company_id": ("users", "owner_id", "id")},
}

# the related records a v1 note nests: key -> (table, id key, field)
_NOTE_NESTED = {"deal": ("deals", "deal_id", "title"), "organization": ("organizations", "org_id", "name"),
                "person": ("persons", "person_id", "name")}


def _parse_sort(q: Query, allowed: tuple[str, ...], default: str, default_desc: bool = False) -> tuple[str, bool]:
    """v1 `sort=field ASC, other DESC` (a bare field sorts ascending); the first key decides, id breaks ties.

    Where the spec gives `sort` an enum (leads: bare field names), the gate has already refused the rest."""
    raw = (q.get("sort") or "").strip()
    if not raw:
        return default, default_desc
    first = raw.split(",")[0].split()
    key = first[0] if first else ""
    if key not in allowed or len(first) > 2 or (len(first) == 2 and first[1].upper() not in ("ASC", "DESC")):
        raise ApiError(400, f"Invalid sort field or direction: {raw}")
    return key, len(first) == 2 and first[1].upper() == "DESC"


def _window(seq: Iterable[Entry], start: int, n: int) -> tuple[list[int], bool]:
    """Rows start..start+n of an ordered (value, row) sequence, and whether more follow."""
    rows: list[int] = []
    for k, (_, i) in enumerate(seq):
        if k >= start:
            if len(rows) == n:
                return rows, True
            rows.append(i)
    return rows, False


def _shuffled(store: Store, seq: Iterable[Entry]) -> list[Entry]:
    """Option tie_order=shuffled: records with an equal sort value in an order that changes per request
    (deterministic from the seed and a request counter); the order of distinct values stays."""
    rnd = random.Random(mix(store.gen.seed, 0x71E, next(store.list_requests)))
    out: list[Entry] = []
    for _, group in groupby(seq, key=lambda e: e[0]):
        tie = list(group)
        rnd.shuffle(tie)
        out.extend(tie)
    return out


def table_list(store: Store, name: str, q: Query, *, coll: int = LIVE, sorts: tuple[str, ...] = ("id",),
               default_sort: str = "id", default_desc: bool = False,
               preds: list[Callable[[int], bool]] | None = None, shape: str = "v1",
               order: Callable[[int], Any] | None = None) -> Listing:
    """A v1 start/limit list over a table's rows; the envelope comes from the operation's facts [RD-PAG].
    `order` (a row's sort value, newest first) replaces the default order when no `sort` is asked."""
    t = store.table(name)
    start, limit, n = offset_params(q, store.options.limit_cap)
    key, desc = _parse_sort(q, sorts, default_sort, default_desc)
    with store.lock:
        idx = t.index(coll, key)
    seq: Iterable[Entry] = reversed(idx) if desc else idx
    if order is not None and not q.get("sort"):
        seq = sorted(idx, key=lambda e: (order(e[1]), e[1]), reverse=True)
    if preds:
        seq = (e for e in seq if all(p(e[1]) for p in preds))
    if key != "id" and store.options.tie_order == "shuffled":
        seq = _shuffled(store, seq)
    rows, more = _window(seq, start, n)

    def render(rec: Record) -> dict[str, Any]:
        return v1_record(store, name, rec)
    if name == "notes":     # nested deal/person/org names change with those records: never cached
        data = [dumps(render(t.get(i))) for i in rows]
    else:
        data = [cached(t, i, shape, render) for i in rows]
    return Listing(data, start, limit, more)


def v1_record(store: Store, name: str, rec: Record) -> dict[str, Any]:
    """render_v1.v1 plus the denormalized names of related records, and for notes the nested objects a v1
    note carries (deal {title}, person {name}, ...) [SPEC-v1]."""
    out = v1(name, rec, store.cf)
    named = _NAMED.get(name)
    if named:
        for key, (table, ref, field) in named.items():
            row = _related(store, table, rec.get(ref))
            out[key] = None if row is None else row[field]
        if "company_id" in named:
            out["company_id"] = 1000 + store.gen.seed
    if name == "notes":
        for key, (table, ref, field) in _NOTE_NESTED.items():
            row = _related(store, table, rec[ref])
            out[key] = None if row is None else {field: row[field]}
        out["project"] = None
        out["task"] = None
        u = store.table("users").get(rec["user_id"])
        out["user"] = {"email": u["email"], "icon_url": u["icon_url"], "is_you": u["is_you"], "name": u["name"]}
    return out


def _related(store: Store, table: str, rid: Any) -> Record | None:
    """The record `rid` of `table`; None when there is no such record."""
    if rid is None:
        return None
    t = store.table(table)
    i = t.row_of(rid)
    return None if i is None else t.get(i)
