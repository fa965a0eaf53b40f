"""Deterministic randomness: every value of the fake company is a pure function of the seed."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
_MASK = (1 << 64) - 1


def mix(*parts: int) -> int:
    """A cheap 64-bit hash of small integers (splitmix64 steps); pure, so data is a function of the seed."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = (h ^ (p & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & _MASK
        h ^= h >> 29
    return h


class FastRng:
    """xorshift64* seeded by mix(): the subset of random.Random the generators use, ~10x cheaper to seed and draw.

    Large scale materializes hundreds of thousands of records, so per-record RNG cost matters.
    """

    __slots__ = ("s",)

    def __init__(self, seed: int) -> None:
        self.s = seed or 0x2545F4914F6CDD1D

    def bits(self) -> int:
        """64 random bits (the hottest makers slice several fields out of one draw)."""
        x = self.s
        x ^= x >> 12
        x ^= (x << 25) & _MASK
        x ^= x >> 27
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & _MASK

    def random(self) -> float:
        return (self.bits() >> 11) * (1.0 / 9007199254740992.0)

    def randint(self, a: int, b: int) -> int:
        return a + self.bits() % (b - a + 1)

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.bits() % len(seq)]

    def sample(self, seq: Iterable[T], k: int) -> list[T]:
        pool = list(seq)
        out = []
        for _ in range(min(k, len(pool))):
            out.append(pool.pop(self.bits() % len(pool)))
        return out

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()


def rng(*parts: int) -> FastRng:
    return FastRng(mix(*parts))


def hex40(seed: int, label: str) -> str:
    """A 40-hex custom-field key, different per account like the real ones [RD-CF]."""
    return hashlib.sha1(f"{seed}:{label}".encode()).hexdigest()


def uuid_for(seed: int, kind: int, n: int) -> str:
    """A deterministic UUID-formatted id (v1 leads use UUID ids [SPEC-v1])."""
    h = f"{mix(seed, kind, n):016x}{mix(seed, kind, n, 1):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
