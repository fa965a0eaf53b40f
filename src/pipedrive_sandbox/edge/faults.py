"""Injected faults, deterministic by seed and request number: 5xx, dropped connections, truncated bodies, latency."""
from __future__ import annotations

import threading

from ..data.seeded import mix

KINDS = ("5xx", "drop", "truncate", "latency")


class Faults:
    def __init__(self, seed: int, rate: float = 0.0, kinds: tuple[str, ...] = KINDS, latency_ms: int = 0,
                 latency_spike_ms: int = 3000) -> None:
        self.seed = seed
        self.rate = rate
        self.kinds = tuple(kinds)
        self.latency_ms = latency_ms
        self.latency_spike_ms = latency_spike_ms
        self._n = 0
        self._lock = threading.Lock()

    def draw(self) -> tuple[str | None, int]:
        """(fault kind or None, a second deterministic number for the fault's details) for the next request."""
        with self._lock:
            self._n += 1
            n = self._n
        if self.rate <= 0 or not self.kinds:
            return None, 0
        h = mix(self.seed, 0xFA17, n)
        if (h & 0xFFFFFFFF) / 2**32 >= self.rate:
            return None, 0
        return self.kinds[(h >> 32) % len(self.kinds)], h >> 40


BLOCK_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Attention Required! | Cloudflare</title></head><body>"
              b"<h1>Sorry, you have been blocked</h1><p>You are unable to access pipedrive.com</p>"
              b"<p>This website is using a security service to protect itself from online attacks.</p>"
              b"<p>Cloudflare Ray ID: sandbox</p></body></html>\n")
BAD_GATEWAY = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
