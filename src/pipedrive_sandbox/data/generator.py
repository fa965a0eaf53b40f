"""Deterministic company data from a seed: sizes per scale, cheap per-id skeletons (times, state) and pooled
custom values. Full records are made lazily from a skeleton row by the makers (core_records, v1_records)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .clock import DAY, DEFAULT_NOW
from .custom_fields import CustomFields, custom_fields, gen_values
from .record import ARCHIVED, DELETED, LIVE, RECENT
from .seeded import FastRng, mix, rng, uuid_for

# Records per entity and scale; "large" has >= 100k deals, 150k persons and 300k activities.
SCALES: dict[str, dict[str, int]] = {
    "small": dict(users=8, organizations=120, persons=250, deals=400, activities=600, products=40, leads=120,
                  notes=200, files=60, call_logs=60, mail_threads=40, projects=30, tasks=60),
    "medium": dict(users=25, organizations=4000, persons=15000, deals=10000, activities=30000, products=400,
                   leads=3000, notes=5000, files=1500, call_logs=1000, mail_threads=600, projects=300, tasks=1500),
    "large": dict(users=60, organizations=40000, persons=150000, deals=100000, activities=300000,
                  products=2000, leads=20000, notes=40000, files=8000, call_logs=5000, mail_threads=3000,
                  projects=2000, tasks=10000),
}
ENT_NO = {name: i for i, name in enumerate(
    ("deals persons organizations activities products leads notes files call_logs mail_threads users "
     "pipelines stages projects tasks project_templates boards").split(), start=1)}
SPAN = 4 * 365 * DAY          # data spread over ~4 years before now

# (deleted %, archived %) per entity: deals and leads get archived [CL-ARCH]; deals get deleted [SPEC-v2].
STATE_MIX = {"deals": (4, 4), "leads": (0, 6), "persons": (1, 0), "organizations": (1, 0), "activities": (1, 0),
             "products": (2, 0), "notes": (1, 0), "files": (1, 0),
             "projects": (0, 10)}
N_PIPELINES, STAGES_PER = 3, 5
N_BOARDS, N_PROJECT_TEMPLATES = 3, 4     # Pipedrive Projects: boards and templates
POOL = 192

# add_time, update_time, state and state time (delete/archive) per row; index = row number (0 unused)
Skeleton = tuple[list[int], list[int], list[int], list[int]]
PoolKey = tuple[str, float, int]      # (entity kind, fill, position in the pool)


@dataclass
class Gen:
    seed: int
    scale: str
    now0: int = DEFAULT_NOW
    sizes: dict[str, int] = field(default_factory=dict)
    cf: CustomFields = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sizes = dict(SCALES[self.scale])
        self.sizes["pipelines"] = N_PIPELINES
        self.sizes["stages"] = N_PIPELINES * STAGES_PER
        self.sizes["boards"] = N_BOARDS
        self.sizes["project_templates"] = N_PROJECT_TEMPLATES
        self.cf = custom_fields(self.seed)
        self._pools: dict[tuple[str, float], list[dict[str, object]]] = {}
        self.pool_index: dict[int, PoolKey] = {}    # id(shared custom-values dict) -> its pool key
        self.pool_bytes: dict[PoolKey, bytes] = {}
        self._pool_lock = threading.Lock()
        # Bulk-edit instants: many records share these exact seconds (same-second update_time collisions).
        self.bulk = tuple(self.now0 - d for d in (3 * DAY + 777, 12 * DAY + 5, 45 * DAY, 200 * DAY + 13, 700 * DAY))

    def skeleton(self, entity: str, stamp_delete: bool = True) -> Skeleton:
        """add_time, update_time, state and state time (delete/archive) per id, index = id (0 unused).

        Ids grow with add_time like real ones; 40% never updated, 10% updated in the last 20 days,
        5% share a bulk-edit second. stamp_delete=False (option update_time_on_delete) keeps a deleted
        record's update_time at or before its delete time.
        """
        n = self.sizes[entity]
        e = ENT_NO[entity]
        step = max(1, SPAN // (n + 1))
        start = self.now0 - SPAN
        pdel, parch = STATE_MIX.get(entity, (0, 0))
        add, upd, state, stime = [0], [0], [0], [0]
        now0, bulk, seed = self.now0, self.bulk, self.seed
        for i in range(1, n + 1):
            h = mix(seed, e, i)
            a = start + i * step + (h & 0xFFFF) % step
            b = (h >> 16) % 100
            h2 = h >> 24
            if b < 40:
                u = a
            elif b < 85:
                u = a + h2 % max(1, now0 - a)
            elif b < 95:
                u = max(a, now0 - h2 % (20 * DAY))
            else:
                u = max(a, bulk[h2 % len(bulk)])
            s, st = LIVE, 0
            c = (h >> 40) % 100
            if c < pdel:
                # half deleted recently (listable via status=deleted), half long ago (purged from the API)
                st = max(a, now0 - (h2 % (25 * DAY)) if c % 2 == 0 else now0 - RECENT - 1 - h2 % (300 * DAY))
                s, u = DELETED, max(u, st) if stamp_delete else min(u, st)
            elif c < pdel + parch:
                st = a + (u - a) // 2 if u > a else a
                s, u = ARCHIVED, max(u, st)
            add.append(a)
            upd.append(u)
            state.append(s)
            stime.append(st)
        return add, upd, state, stime

    def fixed_skeleton(self, entity: str) -> Skeleton:
        """Pipelines, stages and users: created early, a few edited recently."""
        n = self.sizes[entity]
        e = ENT_NO[entity]
        add, upd = [0], [0]
        for i in range(1, n + 1):
            h = mix(self.seed, e, i)
            a = self.now0 - SPAN - 30 * DAY + i * 3600
            u = self.now0 - h % (10 * DAY) if h % 3 == 0 else a + h % (SPAN // 2)
            add.append(a)
            upd.append(u)
        return add, upd, [LIVE] * (n + 1), [0] * (n + 1)

    def rng(self, entity: str, i: int) -> FastRng:
        return rng(self.seed, ENT_NO.get(entity, 99), i, 7)

    def values(self, entity_kind: str, r: FastRng, fill: float = 0.8) -> dict[str, object]:
        """Custom values drawn from a per-kind pool of POOL variants (shared, never mutated in place: the store
        copies before editing), so large scales don't pay for generating and rendering them per record."""
        key = (entity_kind, fill)
        pool = self._pools.get(key)
        if pool is None:
            with self._pool_lock:      # one pool per key, ever: pool_bytes are keyed by position
                pool = self._pools.get(key)
                if pool is None:
                    s = self.sizes
                    pr = rng(self.seed, 31337, ENT_NO.get(entity_kind + "s", 0), int(fill * 100))
                    pool = [gen_values(self.cf[entity_kind], pr, s["users"], s["organizations"], s["persons"], fill)
                            for _ in range(POOL)]
                    for k, d in enumerate(pool):
                        self.pool_index[id(d)] = (entity_kind, fill, k)
                    self._pools[key] = pool
        return pool[r.randint(0, POOL - 1)]

    def lead_uuid(self, i: int) -> str:
        return uuid_for(self.seed, ENT_NO["leads"], i)
