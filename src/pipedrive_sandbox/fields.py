"""Custom fields: definitions per entity, value generation, and their v1 / v2 renderings [RD-CF], [RD-V2MIG]."""
from __future__ import annotations

from dataclasses import dataclass

from . import company as co


@dataclass(frozen=True)
class Field:
    key: str                 # v1 `key` / v2 `field_code`; a 40-hex hash for custom fields
    name: str
    type: str
    custom: bool = True
    options: tuple[tuple[int, str], ...] = ()
    id: int = 0              # the v1 numeric field id
    order_nr: int = 0
    optional: bool = False   # v2 is_optional_response_field (returned only via include_fields)


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
        ("Office hours", "timerange"), ("Employer", "org"), ("Referred by", "people"), ("Lead source tag", "varchar_auto"),
    ),
    "organization": (
        ("Tier", "enum"), ("Profile", "text"), ("Credit limit", "monetary"), ("HQ address", "address"),
        ("Main contact", "people"), ("Markets", "set"), ("Founded", "date"), ("Support hours", "timerange"),
        ("VAT number", "varchar"), ("Rating", "double"), ("Account owner", "user"), ("Parent company", "org"),
        ("Switchboard", "phone"), ("Review time", "time"), ("Contract term", "daterange"), ("Sector tag", "varchar_auto"),
    ),
    "product": (
        ("SKU family", "varchar"), ("Weight kg", "double"), ("Line", "enum"), ("Regions", "set"),
        ("Datasheet", "text"), ("List price", "monetary"), ("Launch date", "date"), ("Availability window", "daterange"),
        ("Cutoff time", "time"), ("Support window", "timerange"), ("Product manager", "user"), ("Vendor", "org"),
        ("Expert", "people"), ("Support line", "phone"), ("Warehouse", "address"), ("Family tag", "varchar_auto"),
    ),
}
_OPTION_LABELS = ("Small", "Medium", "Large", "Enterprise", "Partner", "Public sector", "Startup", "Other")
ENTITY_BASE_ID = {"deal": 12000, "person": 9000, "organization": 4000, "product": 15000}


def custom_fields(seed: int) -> dict[str, tuple[Field, ...]]:
    """Custom field definitions per entity; keys are per account like the real hashes [RD-CF]."""
    out: dict[str, tuple[Field, ...]] = {}
    opt_id = 100
    for entity, specs in _CUSTOM.items():
        fields = []
        for i, (name, ftype) in enumerate(specs):
            options: tuple[tuple[int, str], ...] = ()
            if ftype in ("enum", "set"):
                n = 3 + (i % 4)
                options = tuple((opt_id + j, _OPTION_LABELS[(i + j) % len(_OPTION_LABELS)]) for j in range(n))
                opt_id += n
            fields.append(Field(co.hex40(seed, f"{entity}:{name}"), name, ftype, True, options,
                                ENTITY_BASE_ID[entity] + i, 100 + i))
        out[entity] = tuple(fields)
    out["lead"] = out["deal"]
    return out


def gen_values(fields: tuple[Field, ...], r: co.FastRng, n_users: int, n_orgs: int, n_persons: int,
               fill: float = 0.8) -> dict[str, object]:
    """Canonical custom values; roughly 1 in 5 stays null, like real sparse data."""
    vals: dict[str, object] = {}
    for f in fields:
        if r.random() > fill:
            vals[f.key] = None
            continue
        vals[f.key] = gen_value(f, r, n_users, n_orgs, n_persons)
    return vals


def gen_value(f: Field, r: co.FastRng, n_users: int, n_orgs: int, n_persons: int) -> object:
    t = f.type
    if t in ("varchar", "varchar_auto"):
        return f"{r.choice(co.WORDS)}-{r.randint(100, 9999)}"
    if t == "text":
        return f"{r.choice(co.WORDS).capitalize()} notes:\nline {r.randint(1, 9)} — ünïcode ✓"
    if t == "phone":
        return f"+372 5{r.randint(1000000, 9999999)}"
    if t == "double":
        return round(r.uniform(0, 1000), r.choice((0, 2, 4)))
    if t == "monetary":
        return (r.randint(1, 500) * 100, r.choice(co.CURRENCIES))
    if t == "enum":
        return r.choice(f.options)[0]
    if t == "set":
        return tuple(sorted(o[0] for o in r.sample(f.options, r.randint(1, len(f.options)))))
    if t == "date":
        return f"202{r.randint(3, 6)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    if t == "daterange":
        y, m = r.randint(2023, 2026), r.randint(1, 11)
        return (f"{y}-{m:02d}-{r.randint(1, 28):02d}", f"{y}-{m + 1:02d}-{r.randint(1, 28):02d}")
    if t in ("time", "timerange"):
        h = r.randint(7, 16)
        tz = r.choice(co.TIMEZONES)
        if t == "time":
            return (f"{h:02d}:{r.choice((0, 15, 30, 45)):02d}:00", tz[0], tz[1])
        return (f"{h:02d}:00:00", f"{h + 1:02d}:30:00", tz[0], tz[1])
    if t == "user":
        return r.randint(1, n_users)
    if t == "org":
        return r.randint(1, max(1, n_orgs))
    if t == "people":
        return r.randint(1, max(1, n_persons))
    if t == "address":
        return co.address(r)
    raise ValueError(t)


ADDRESS_PARTS = ("subpremise", "street_number", "route", "sublocality", "locality", "admin_area_level_1",
                 "admin_area_level_2", "country", "postal_code", "formatted_address")


def v1_values(fields: tuple[Field, ...], vals: dict, omit_unset: bool = False) -> dict[str, object]:
    """Top-level v1 keys plus companions (`_currency`, `_until`, address parts) [RD-V2MIG] table.

    v1 leads omit unset custom fields entirely [SPEC-v1]; other v1 records carry nulls.
    """
    out: dict[str, object] = {}
    for f in fields:
        v = vals.get(f.key)
        if v is None and omit_unset:
            continue
        k, t = f.key, f.type
        if t == "monetary":
            out[k], out[k + "_currency"] = (v[0], v[1]) if v else (None, None)
        elif t == "enum":
            out[k] = None if v is None else str(v)
        elif t == "set":
            out[k] = None if v is None else ",".join(str(x) for x in v)
        elif t in ("daterange", "timerange"):
            out[k], out[k + "_until"] = (v[0], v[1]) if v else (None, None)
        elif t == "time":
            out[k] = None if v is None else v[0]
        elif t == "address":
            out[k] = None if v is None else v["value"]
            for part in ADDRESS_PARTS:
                out[f"{k}_{part}"] = None if v is None else v.get(part)
        else:
            out[k] = v
    return out


def v2_value(f: Field, v: object, labels: bool = False) -> object:
    """One value in the v2 `custom_fields` object (§6 table)."""
    if v is None:
        return None
    t = f.type
    if t == "monetary":
        return {"value": v[0], "currency": v[1]}
    if t == "enum":
        return {"id": v, "label": dict(f.options).get(v)} if labels else v
    if t == "set":
        return [{"id": x, "label": dict(f.options).get(x)} for x in v] if labels else list(v)
    if t == "daterange":
        return {"value": v[0], "until": v[1]}
    if t == "time":
        return {"value": v[0], "timezone_id": v[1], "timezone_name": v[2]}
    if t == "timerange":
        return {"value": v[0], "until": v[1], "timezone_id": v[2], "timezone_name": v[3]}
    if t == "address":
        return {k: v.get(k) for k in ("value", "street_number", "route", "sublocality", "locality",
                                      "admin_area_level_1", "admin_area_level_2", "country",
                                      "postal_code", "formatted_address")}
    return v


def v2_values(fields: tuple[Field, ...], vals: dict, labels: bool = False,
              only: frozenset[str] | None = None) -> dict[str, object]:
    return {f.key: v2_value(f, vals.get(f.key), labels) for f in fields if only is None or f.key in only}


def from_v2(f: Field, v: object) -> object:
    """Accept a control-interface value in v2 shape (or the canonical tuple form) and store it canonically."""
    if v is None:
        return None
    t = f.type
    if t == "monetary" and isinstance(v, dict):
        return (v.get("value"), v.get("currency"))
    if t in ("daterange",) and isinstance(v, dict):
        return (v.get("value"), v.get("until"))
    if t == "time" and isinstance(v, dict):
        return (v.get("value"), v.get("timezone_id"), v.get("timezone_name"))
    if t == "time" and isinstance(v, str):
        return (v, 318, "Europe/London")
    if t == "timerange" and isinstance(v, dict):
        return (v.get("value"), v.get("until"), v.get("timezone_id"), v.get("timezone_name"))
    if t == "set":
        if isinstance(v, str):
            return tuple(int(x) for x in v.split(",") if x)
        return tuple(v)
    if t == "enum" and isinstance(v, dict):
        return v.get("id")
    if t == "enum":
        return int(v)
    if t == "address" and isinstance(v, str):
        return {"value": v, "formatted_address": v}
    if isinstance(v, list):
        return tuple(v)
    return v
