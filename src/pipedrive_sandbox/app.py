"""The sandbox's state in one place: clock, store, auth, limits, faults, options, scope denials and request stats."""
from __future__ import annotations

import threading
from collections import Counter

from .auth import Auth
from .clock import SimClock
from .faults import KINDS, Faults
from .limits import Limits
from .options import Options
from .store import Store


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total_requests = 0
            self.total_tokens = 0
            self.requests: Counter[str] = Counter()
            self.tokens: Counter[str] = Counter()
            self.status: Counter[str] = Counter()
            self.blocks = 0
            self.faults: Counter[str] = Counter({k: 0 for k in KINDS})
            # operation key -> name -> count: query parameters the operation does not define (ignored)
            self.ignored: dict[str, Counter[str]] = {}

    def ignore(self, op_key: str, names: list[str]) -> None:
        with self._lock:
            self.ignored.setdefault(op_key, Counter()).update(names)

    def record(self, key: str, status: int | None, tokens: int = 0, fault: str | None = None) -> None:
        with self._lock:
            self.total_requests += 1
            self.requests[key] += 1
            if tokens:
                self.total_tokens += tokens
                self.tokens[key] += tokens
            if status is not None:
                self.status[str(status)] += 1
                if status == 403 and fault == "block":
                    self.blocks += 1
            if fault in KINDS:
                self.faults[fault] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total_requests": self.total_requests, "total_tokens": self.total_tokens,
                    "requests": dict(self.requests), "tokens": dict(self.tokens), "status": dict(self.status),
                    "blocks": self.blocks, "faults": dict(self.faults),
                    "ignored_params": {k: dict(v) for k, v in self.ignored.items()}}


class App:
    def __init__(self, scale: str = "small", seed: int = 1, token: str = "sandbox-token", burst: int | None = None,
                 daily_tokens: int | None = None, latency_ms: int = 0, fault_rate: float = 0.0,
                 faults: tuple[str, ...] = KINDS, oauth_ttl: float = 3599, options: dict | None = None) -> None:
        self.scale, self.seed, self.token = scale, seed, token
        self.clock = SimClock()
        self.options = Options(options)          # spec-open behaviours (options.OPTIONS)
        self.store = Store(seed, scale, self.clock, self.options)
        self.auth = Auth(token, seed, oauth_ttl)
        self.limits = Limits(burst, daily_tokens)
        self.faults = Faults(seed, fault_rate, tuple(faults), latency_ms)
        self.denied: list[str] = []
        self.stats = Stats()
        self.url = ""

    def prewarm(self, entities: tuple[str, ...]) -> None:
        """Materialize and serialize whole v2 tables up front, so a benchmark's first pass reads cached bytes."""
        from . import render
        from .respond import cached
        st = self.store
        for name in entities:
            t = st.table(name)
            rnd = lambda rec, n=name: render.v2_bytes(n, rec, st.cf, st.gen)
            for i in range(1, t.n + 1):
                cached(t, i, "v2", rnd)

    def configure(self, cfg: dict) -> dict:
        """POST /_sandbox/config: any of burst, daily_tokens, fault_rate, faults, latency_ms, latency_spike_ms,
        oauth_ttl, options ({name: value}); returns the effective configuration."""
        if "options" in cfg:            # first: a bad option value changes nothing
            self.options.update(dict(cfg["options"] or {}))
        if "burst" in cfg:
            self.limits.configure(burst=cfg["burst"])
        if "daily_tokens" in cfg:       # a new budget starts from zero usage
            self.limits.configure(daily_tokens=cfg["daily_tokens"])
        if "fault_rate" in cfg:
            self.faults.rate = float(cfg["fault_rate"] or 0.0)
        if "faults" in cfg:
            bad = [k for k in cfg["faults"] if k not in KINDS]
            if bad:
                raise ValueError(f"unknown fault kinds: {bad}")
            self.faults.kinds = tuple(cfg["faults"])
        if "latency_ms" in cfg:
            self.faults.latency_ms = int(cfg["latency_ms"] or 0)
        if "latency_spike_ms" in cfg:
            self.faults.latency_spike_ms = int(cfg["latency_spike_ms"])
        if "oauth_ttl" in cfg:
            self.auth.oauth_ttl = float(cfg["oauth_ttl"])
        return self.config()

    def config(self) -> dict:
        return {"burst": self.limits.burst, "daily_tokens": self.limits.daily_tokens,
                "daily_tokens_used": self.limits.used, "fault_rate": self.faults.rate,
                "faults": list(self.faults.kinds), "latency_ms": self.faults.latency_ms,
                "latency_spike_ms": self.faults.latency_spike_ms, "oauth_ttl": self.auth.oauth_ttl,
                "scale": self.scale, "seed": self.seed, "options": self.options.as_dict()}
