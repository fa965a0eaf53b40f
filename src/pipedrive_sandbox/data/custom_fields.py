"""Custom fields: their definitions per entity, generated values and the canonical form values are kept in
[RD-CF]. The v1 and v2 renderings of a value are `api.custom_values`.

Canonical values: monetary (amount, currency); enum an option id; set a tuple of option ids; daterange
(from, until); time (value, timezone_id, timezone_name); timerange (from, until, timezone_id,
timezone_name); address the v2 object; the others as the v2 value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import vocabulary as vocab
from .seeded import FastRng, hex40


@dataclass(frozen=True)
class Field:
    key: str                 # v1 `key` / v2 `field_code`: a 40-hex hash per account
    name: str
    type: str
    options: tuple[tuple[int, str], ...] = ()
    id: int = 0              # the v1 numeric field id
    order_nr: int = 0


CustomFields = dict[str, tuple[Field, ...]]      # entity kind ("deal", "person", ...) -> its custom fields

# Which entities carry custom fields, and under which kind.
CF_KIND = {"deals": "deal", "persons": "person", "organizations": "organization", "products": "product",
           "leads": "lead"}

# The 16 user-creatable types [RD-CF]; deals carry all of them, leads inherit deal fields [SPEC-v1].
_CUSTOM: dict[str, tuple[tuple[str, str], ...]] = {
    "deal": (
        ("Customer type", "enum"), ("Segments", "set"), ("Contract value", "monetary"),
        ("Internal notes", "text"), ("Reference code", "varchar"), ("Discount rate", "double"),
        ("Contract start", "date"), ("Contract period", "daterange"), ("Preferred call time", "time"),
        ("Meeting window", "timerange"), ("Account manager", "user"), ("Partner organization", "org"),
        ("Technical contact", "people"), ("Hotline", "phone"), ("Delivery address", "address"),
        ("Campaign", "varchar_auto"),
    ),
    "person": (
        ("Persona", "enum"), ("Interests", "set"), ("Nickname", "varchar"), ("First contact", "date"),
        ("Mobile backup", "phone"), ("Home address", "address"), ("Score", "double"), ("Buddy", "user"),
        ("Bio", "text"), ("Budget", "monetary"), ("Availability", "daterange"), ("Best call time", "time"),
        ("Office hours", "timerange"), ("Employer", "org"), ("Referred by", "people"),
        ("Lead source tag", "varchar_auto"),
    ),
    "organization": (
        ("Tier", "enum"), ("Profile", "text"), ("Credit limit", "monetary"), ("HQ address", "address"),
        ("Main contact", "people"), ("Markets", "set"), ("Founded", "date"), ("Support hours", "timerange"),
        ("VAT number", "varchar"), ("Rating", "double"), ("Account owner", "user"), ("Parent company", "org"),
        ("Switchboard", "phone"), ("Review time", "time"), ("Contract term", "daterange"),
        ("Sector tag", "varchar_auto"),
    ),
    "product": (
        ("SKU family", "varchar"), ("Weight kg", "double"), ("Line", "enum"), ("Regions", "set"),
        ("Datasheet", "text"), ("List price", "monetary"), ("Launch date", "date"),
        ("Availability window", "daterange"), ("Cutoff time", "time"), ("Support window", "timerange"),
        ("Product manager", "user"), ("Vendor", "org"), ("Expert", "people"), ("Support line", "phone"),
        ("Warehouse", "address"), ("Family tag", "varchar_auto"),
    ),
}
_OPTION_LABELS = ("Small", "Medium", "Large", "Enterprise", "Partner", "Public sector", "Startup", "Other")
_BASE_ID = {"deal": 12000, "person": 9000, "organization": 4000, "product": 15000}


def custom_fields(seed: int) -> CustomFields:
    """Custom field definitions per entity; keys are per account like the real hashes [RD-CF]."""
    out: CustomFields = {}
    opt_id = 100
    for entity, specs in _CUSTOM.items():
        fields = []
        for i, (name, ftype) in enumerate(specs):
            options: tuple[tuple[int, str], ...] = ()
            if ftype in ("enum", "set"):
                n = 3 + (i % 4)
                options = tuple((opt_id + j, _OPTION_LABELS[(i + j) % len(_OPTION_LABELS)]) for j in range(n))
                opt_id += n
            fields.append(Field(hex40(seed, f"{entity}:{name}"), name, ftype, options, _BASE_ID[entity] + i, 100 + i))
        out[entity] = tuple(fields)
    out["lead"] = out["deal"]
    return out


# ---- generated values ------------------------------------------------------------------------------

def gen_values(fields: tuple[Field, ...], r: FastRng, n_users: int, n_orgs: int, n_persons: int,
               fill: float = 0.8) -> dict[str, object]:
    """Canonical custom values; roughly 1 in 5 stays null, like real sparse data."""
    vals: dict[str, object] = {}
    for f in fields:
        if r.random() > fill:
            vals[f.key] = None
            continue
        vals[f.key] = gen_value(f, r, n_users, n_orgs, n_persons)
    return vals


def gen_value(f: Field, r: FastRng, n_users: int, n_orgs: int, n_persons: int) -> object:
    t = f.type
    if t == "user":
        return r.randint(1, n_users)
    if t == "org":
        return r.randint(1, max(1, n_orgs))
    if t == "people":
        return r.randint(1, max(1, n_persons))
    if t == "enum":
        return r.choice(f.options)[0]
    if t == "set":
        return tuple(sorted(o[0] for o in r.sample(f.options, r.randint(1, len(f.options)))))
    if t in ("date", "daterange", "time", "timerange"):
        return _when(t, r)
    return _plain(t, r)


def _when(t: str, r: FastRng) -> object:
    """A date, a date range, a time or a time range (the time kinds with a timezone)."""
    if t == "date":
        return f"202{r.randint(3, 6)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    if t == "daterange":
        y, m = r.randint(2023, 2026), r.randint(1, 11)
        return (f"{y}-{m:02d}-{r.randint(1, 28):02d}", f"{y}-{m + 1:02d}-{r.randint(1, 28):02d}")
    h = r.randint(7, 16)
    tz = r.choice(vocab.TIMEZONES)
    if t == "time":
        return (f"{h:02d}:{r.choice((0, 15, 30, 45)):02d}:00", tz[0], tz[1])
    return (f"{h:02d}:00:00", f"{h + 1:02d}:30:00", tz[0], tz[1])


def _plain(t: str, r: FastRng) -> object:
    """Texts, phone numbers, numbers, money and addresses."""
    if t in ("varchar", "varchar_auto"):
        return f"{r.choice(vocab.WORDS)}-{r.randint(100, 9999)}"
    if t == "text":
        return f"{r.choice(vocab.WORDS).capitalize()} notes:\nline {r.randint(1, 9)} — ünïcode ✓"
    if t == "phone":
        return f"+372 5{r.randint(1000000, 9999999)}"
    if t == "double":
        return round(r.uniform(0, 1000), r.choice((0, 2, 4)))
    if t == "monetary":
        return (r.randint(1, 500) * 100, r.choice(vocab.CURRENCIES))
    if t == "address":
        return vocab.address(r)
    raise ValueError(t)


# ---- values given through the control interface ----------------------------------------------------

# v2 object values whose canonical form is the tuple of these keys' values
_V2_OBJECT_KEYS = {"monetary": ("value", "currency"), "daterange": ("value", "until"),
                   "time": ("value", "timezone_id", "timezone_name"),
                   "timerange": ("value", "until", "timezone_id", "timezone_name")}


def from_v2(f: Field, v: Any) -> object:
    """Accept a control-interface value in v2 shape (or the canonical tuple form) and store it canonically."""
    if v is None:
        return None
    t = f.type
    keys = _V2_OBJECT_KEYS.get(t)
    if keys is not None and isinstance(v, dict):
        return tuple(v.get(k) for k in keys)
    if t == "set":
        return tuple(int(x) for x in v.split(",") if x) if isinstance(v, str) else tuple(v)
    if t == "enum":
        return v.get("id") if isinstance(v, dict) else int(v)
    if t == "time" and isinstance(v, str):
        return (v, 318, "Europe/London")
    if t == "address" and isinstance(v, str):
        return {"value": v, "formatted_address": v}
    if isinstance(v, list):
        return tuple(v)
    return v
