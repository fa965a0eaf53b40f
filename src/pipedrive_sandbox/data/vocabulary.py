"""The fake company's words: first and last names, organization names, deal words, currencies, places."""
from __future__ import annotations

from typing import Any

from .seeded import FastRng

FIRST = ("Anna Ben Carla David Eva Frank Grace Hugo Ines Jonas Kaisa Liam Maria Noah Olga Peeter "
         "Quinn Rita Sven Tiina Uma Victor Wanda Xavier Yara Zoltan Aino Bruno Chloe Dmitri").split()
LAST = ("Smith Tamm Muller Garcia Rossi Novak Saar Kask Ivanova Silva Jensen Kowalski Dubois "
        "Nakamura Okafor Lind Berg Moreau Rebane Horvat Costa Fischer Larsen Meyer Petrov").split()
ORG_A = ("Acme Globex Initech Umbrella Stark Wayne Soylent Hooli Vandelay Cyberdyne Tyrell Aperture Nordic Baltic "
         "Polar Summit").split()
ORG_B = ("Labs Systems Logistics Foods Energy Media Robotics Analytics Partners Holdings Works Capital Retail "
         "Health").split()
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


def address(r: FastRng) -> dict[str, Any]:
    """An address in the v2 object shape; v1 splits it into `<key>_<part>` columns."""
    city, admin1, country, _, postal, route = r.choice(CITIES)
    number = str(r.randint(1, 180))
    return {
        "value": f"{route} {number}, {postal} {city}, {country}",
        "street_number": number, "route": route, "sublocality": None, "locality": city,
        "admin_area_level_1": admin1, "admin_area_level_2": None, "country": country,
        "postal_code": postal, "formatted_address": f"{route} {number}, {postal} {city}, {country}",
    }
