"""The sandbox's state in one place: clock, store, auth, limits, faults, options, scope denials and request
stats. The server, the control interface and the handlers all reach them through one App."""
from __future__ import annotations

from typing import Any

from .api.render_v2 import v2_bytes
from .api.respond import cached
from .data.clock import SimClock
from .data.record import Record
from .data.store import Store
from .edge.auth import Auth
from .edge.faults import KINDS, Faults
from .edge.limits import Limits
from .edge.stats import Stats
from .options import Options


class App:
    def __init__(self, scale: str = "small", seed: int = 1, token: str = "sandbox-token", burst: int | None = None,
                 daily_tokens: int | None = None, latency_ms: int = 0, fault_rate: float = 0.0,
                 faults: tuple[str, ...] = KINDS, oauth_ttl: float = 3599,
                 options: dict[str, Any] | None = None) -> None:
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
        st = self.store
        for name in entities:
            t = st.table(name)

            def render(rec: Record, name: str = name) -> bytes:
                return v2_bytes(name, rec, st.cf, st.gen)
            for i in range(1, t.n + 1):
                cached(t, i, "v2", render)

    def configure(self, cfg: dict[str, Any]) -> dict[str, Any]:
        """POST /_sandbox/config: any of burst, daily_tokens, fault_rate, faults, latency_ms, latency_spike_ms,
        oauth_ttl, options ({name: value}); returns the effective configuration."""
        if "options" in cfg:            # first: a bad option value changes nothing
            self.options.update(dict(cfg["options"] or {}))
        if "burst" in cfg:
            self.limits.set_burst(cfg["burst"])
        if "daily_tokens" in cfg:       # a new budget starts from zero usage
            self.limits.set_daily_tokens(cfg["daily_tokens"])
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

    def config(self) -> dict[str, Any]:
        return {"burst": self.limits.burst, "daily_tokens": self.limits.daily_tokens,
                "daily_tokens_used": self.limits.used, "fault_rate": self.faults.rate,
                "faults": list(self.faults.kinds), "latency_ms": self.faults.latency_ms,
                "latency_spike_ms": self.faults.latency_spike_ms, "oauth_ttl": self.auth.oauth_ttl,
                "scale": self.scale, "seed": self.seed, "options": self.options.as_dict()}
