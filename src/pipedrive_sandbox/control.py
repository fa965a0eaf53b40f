"""The HTTP control interface under /_sandbox/ (no auth, no faults, no rate limit) — see the contract."""
from __future__ import annotations

import re

import orjson

from . import render
from .app import App
from .clock import iso
from .store import SETTINGS, entity_name

_REC = re.compile(r"^/_sandbox/records/(?P<entity>[A-Za-z_]+)(?:/(?P<id>[^/]+))?(?P<archive>/(?:un)?archive)?$")


def _record(app: App, entity: str, ext_id: object) -> dict:
    """The record as the API shows it: v2 shape for v2 entities, v1 otherwise (contract)."""
    st = app.store
    if entity in SETTINGS:
        return st.setting(entity, ext_id)
    t = st.table(entity)
    i = t.row_of(ext_id)
    rec = t.get(i)
    if entity in ("deals", "persons", "organizations", "activities", "products", "pipelines", "stages"):
        return render.v2(entity, rec, st.cf)
    return render.v1(entity, rec, st.cf)


def _records(app: App, method: str, m: re.Match[str], data: dict) -> tuple[int, object] | None:
    """/_sandbox/records/{entity}[/{id}[/archive|/unarchive]]; None when no such control call exists."""
    st = app.store
    entity = entity_name(m["entity"])
    rid = m["id"]
    if method == "POST" and rid is None:
        entity, new_id = st.create(entity, data)
        return 200, _record(app, entity, new_id)
    if method == "GET" and rid is not None and not m["archive"]:
        return 200, _record(app, entity, rid)
    if method == "PATCH" and rid is not None and not m["archive"]:
        entity, rid2 = st.update(entity, rid, data)
        return 200, _record(app, entity, rid2)
    if method == "DELETE" and rid is not None and not m["archive"]:
        st.delete(entity, rid)
        return 200, {"ok": True}
    if method == "POST" and m["archive"]:
        st.archive(entity, rid, archived=m["archive"] == "/archive")
        return 200, _record(app, entity, rid)
    return None


def handle(app: App, method: str, path: str, body: bytes) -> tuple[int, object]:
    """Returns (status, JSON-able payload)."""
    try:
        data = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return 400, {"error": "body must be JSON"}
    st = app.store
    try:
        if path == "/_sandbox/clock" and method == "GET":
            return 200, {"now": iso(app.clock.now())}
        if path == "/_sandbox/clock/advance" and method == "POST":
            app.clock.advance(float(data.get("seconds", 0)))
            return 200, {"now": iso(app.clock.now())}
        if path == "/_sandbox/truth" and method == "GET":
            t = st.truth()
            t["now"] = iso(t["now"])
            return 200, t
        if path == "/_sandbox/stats" and method == "GET":
            return 200, app.stats.snapshot()
        if path == "/_sandbox/stats/reset" and method == "POST":
            app.stats.reset()
            return 200, {"ok": True}
        if path == "/_sandbox/config":
            return 200, app.configure(data) if method == "POST" else app.config()
        if path == "/_sandbox/info" and method == "GET":
            return 200, {"url": app.url, "token": app.token, "oauth": app.auth.oauth(), "scale": app.scale,
                         "seed": app.seed, "now": iso(app.clock.now()), "sizes": st.gen.sizes,
                         "custom_fields": {k: [{"key": f.key, "name": f.name, "type": f.type} for f in v]
                                           for k, v in st.cf.items()}}
        if path == "/_sandbox/tokens/revoke" and method == "POST":
            app.auth.revoke(str(data["token"]))
            return 200, {"ok": True}
        if path == "/_sandbox/scopes/deny" and method == "POST":
            app.denied.append(str(data["path_prefix"]))
            return 200, {"ok": True, "denied": app.denied}
        if path == "/_sandbox/scopes/reset" and method == "POST":
            app.denied.clear()
            return 200, {"ok": True}
        if path == "/_sandbox/oauth/expire" and method == "POST":
            app.auth.expire_all()
            return 200, {"ok": True}
        m = _REC.match(path)
        if m:
            out = _records(app, method, m, data)
            if out is not None:
                return out
        return 404, {"error": f"unknown control endpoint {method} {path}"}
    except KeyError as e:
        return 404, {"error": f"not found: {e}"}
    except (ValueError, TypeError) as e:
        return 400, {"error": str(e)}
