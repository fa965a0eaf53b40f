"""Custom-field values as the API shows them: v1 top-level keys with companions, the v2 `custom_fields`
object [RD-CF], [RD-V2MIG]. The canonical forms they start from are described in data.custom_fields."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..data.custom_fields import Field

# v1 address companions `<key>_<part>` [SPEC-v1]
ADDRESS_PARTS = ("subpremise", "street_number", "route", "sublocality", "locality", "admin_area_level_1",
                 "admin_area_level_2", "country", "postal_code", "formatted_address")
# the v2 object of an address custom field [SPEC-v2]
_V2_ADDRESS = ("value", "street_number", "route", "sublocality", "locality", "admin_area_level_1",
               "admin_area_level_2", "country", "postal_code", "formatted_address")


def v1_values(fields: tuple[Field, ...], vals: Mapping[str, Any], omit_unset: bool = False) -> dict[str, object]:
    """Top-level v1 keys plus companions (`_currency`, `_until`, address parts) [RD-V2MIG].

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


def v2_value(f: Field, v: Any, labels: bool = False) -> object:
    """One value in the v2 `custom_fields` object [SPEC-v2]; labels: enum and set options as {id, label}."""
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
        return {k: v.get(k) for k in _V2_ADDRESS}
    return v


def v2_values(fields: tuple[Field, ...], vals: Mapping[str, Any], labels: bool = False,
              only: frozenset[str] | None = None) -> dict[str, object]:
    return {f.key: v2_value(f, vals.get(f.key), labels) for f in fields if only is None or f.key in only}
