"""Deterministic building blocks of the fake company: hashing, names, words, places."""
from __future__ import annotations

import hashlib

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

    def _next(self) -> int:
        x = self.s
        x ^= x >> 12
        x ^= (x << 25) & _MASK
        x ^= x >> 27
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & _MASK

    def random(self) -> float:
        return (self._next() >> 11) * (1.0 / 9007199254740992.0)

    def randint(self, a: int, b: int) -> int:
        return a + self._next() % (b - a + 1)

    def choice(self, seq):
        return seq[self._next() % len(seq)]

    def choices(self, seq, weights):
        x = self._next() % sum(weights)
        for item, w in zip(seq, weights):
            if x < w:
                return [item]
            x -= w
        return [seq[-1]]

    def sample(self, seq, k: int) -> list:
        pool = list(seq)
        out = []
        for _ in range(min(k, len(pool))):
            out.append(pool.pop(self._next() % len(pool)))
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


FIRST = ("Anna Ben Carla David Eva Frank Grace Hugo Ines Jonas Kaisa Liam Maria Noah Olga Peeter "
         "Quinn Rita Sven Tiina Uma Victor Wanda Xavier Yara Zoltan Aino Bruno Chloe Dmitri").split()
LAST = ("Smith Tamm Muller Garcia Rossi Novak Saar Kask Ivanova Silva Jensen Kowalski Dubois "
        "Nakamura Okafor Lind Berg Moreau Rebane Horvat Costa Fischer Larsen Meyer Petrov").split()
ORG_A = "Acme Globex Initech Umbrella Stark Wayne Soylent Hooli Vandelay Cyberdyne Tyrell Aperture Nordic Baltic Polar Summit".split()
ORG_B = "Labs Systems Logistics Foods Energy Media Robotics Analytics Partners Holdings Works Capital Retail Health".split()
ORG_C = ("Ltd", "OÜ", "GmbH", "Inc.", "AS", "LLC", "SA", "")
WORDS = ("renewal expansion pilot licence upgrade onboarding migration support audit rollout "
         "integration training bundle seats annual quarterly enterprise starter premium").split()
CURRENCIES = ("EUR", "USD", "GBP", "SEK")
CITIES = (
    ("Tallinn", "Harju maakond", "Estonia", "EE", "10111", "Narva mnt"),
    ("Berlin", "Berlin", "Germany", "DE", "10115", "Invalidenstraße"),
    ("London", "England", "United Kingdom", "GB", "EC1A 1BB", "Baker Street"),
    ("New York", "New York", "United States", "US", "10001", "5th Avenue"),
    ("Stockholm", "Stockholm County", "Sweden", "SE", "111 20", "Drottninggatan"),
    ("Lisbon", "Lisboa", "Portugal", "PT", "1100-148", "Rua Augusta"),
)
TIMEZONES = ((318, "Europe/London"), (372, "Europe/Tallinn"), (344, "Europe/Berlin"), (146, "America/New_York"))


def person_name(r: FastRng) -> tuple[str, str]:
    return r.choice(FIRST), r.choice(LAST)


def org_name(r: FastRng) -> str:
    return f"{r.choice(ORG_A)} {r.choice(ORG_B)} {r.choice(ORG_C)}".strip()


def address(r: FastRng) -> dict:
    """An address in the v2 object shape; v1 splits it into `<key>_<part>` columns."""
    city, admin1, country, _, postal, route = r.choice(CITIES)
    number = str(r.randint(1, 180))
    return {
        "value": f"{route} {number}, {postal} {city}, {country}",
        "street_number": number, "route": route, "sublocality": None, "locality": city,
        "admin_area_level_1": admin1, "admin_area_level_2": None, "country": country,
        "postal_code": postal, "formatted_address": f"{route} {number}, {postal} {city}, {country}",
    }
