"""The HTTP control interface under /_sandbox/ (no auth, no faults, no rate limit; docs/sandbox.md): the clock,
records, truth, stats, config, token revocation, scope denials, OAuth expiry and info."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from ..api.children import render_child
from ..api.render_v1 import v1
from ..api.render_v2 import v2
from ..api.v2_lists import V2_TABLES
from ..app import App
from ..data.clock import iso
from ..data.store import CHILDREN, SETTINGS, entity_name

_REC = re.compile(r"^/_sandbox/records/(?P<entity>[A-Za-z_]+)(?:/(?P<id>[^/]+))?(?P<archive>/(?:un)?archive)?$")
Answer = tuple[int, object]      # (status, JSON-able payload)
_OK = {"ok": True}


def _record(app: App, entity: str, ext_id: str | int) -> dict[str, Any]:
    """The record as the API shows it: v2 shape for v2 entities, v1 otherwise."""
    st = app.store
    if entity in SETTINGS:
        return st.setting(entity, ext_id)
    if entity in CHILDREN:       # a child stream's record, by its control id (docs/sandbox.md)
        return render_child(st, entity, str(ext_id))
    t = st.table(entity)
    i = t.row_of(ext_id)
    if i is None:
        raise ValueError(f"{entity} {ext_id} not found")
    rec = t.get(i)
    if entity in V2_TABLES:
        return v2(entity, rec, st.cf)
    return v1(entity, rec, st.cf)


def _records(app: App, method: str, m: re.Match[str], data: dict[str, Any]) -> Answer | None:
    """/_sandbox/records/{entity}[/{id}[/archive|/unarchive]]; None when no such control call exists."""
    st = app.store
    entity = entity_name(m["entity"])
    rid = m["id"]
    if method == "POST" and rid is None:
        entity, new_id = st.create(entity, data)
        return 200, _record(app, entity, new_id)
    if rid is None:
        return None
    if method == "POST" and m["archive"]:
        st.archive(entity, rid, archived=m["archive"] == "/archive")
        return 200, _record(app, entity, rid)
    if m["archive"]:
        return None
    if method == "GET":
        return 200, _record(app, entity, rid)
    if method == "PATCH":
        entity, rid2 = st.update(entity, rid, data)
        return 200, _record(app, entity, rid2)
    if method == "DELETE":
        st.delete(entity, rid)
        return 200, _OK
    return None


def _advance(app: App, data: dict[str, Any]) -> object:
    app.clock.advance(float(data.get("seconds", 0)))
    return {"now": iso(app.clock.now())}


def _truth(app: App, data: dict[str, Any]) -> object:
    """Every stream's truth, or those of the body's "streams" list."""
    only = data.get("streams")
    t = app.store.truth(None if only is None else [str(x) for x in only])
    t["now"] = iso(t["now"])
    return t


def _info(app: App, data: dict[str, Any]) -> object:
    st = app.store
    return {"url": app.url, "token": app.token, "oauth": app.auth.oauth(), "scale": app.scale,
            "seed": app.seed, "now": iso(app.clock.now()), "sizes": st.gen.sizes,
            "custom_fields": {k: [{"key": f.key, "name": f.name, "type": f.type} for f in v]
                              for k, v in st.cf.items()}}


def _then_ok(act: Callable[[App, dict[str, Any]], None]) -> Callable[[App, dict[str, Any]], object]:
    def call(app: App, data: dict[str, Any]) -> object:
        act(app, data)
        return _OK
    return call


def _deny(app: App, data: dict[str, Any]) -> object:
    app.denied.append(str(data["path_prefix"]))
    return {"ok": True, "denied": app.denied}


# (method, path) -> call(app, body) -> payload; answered 200
_CALLS: dict[tuple[str, str], Callable[[App, dict[str, Any]], object]] = {
    ("GET", "/_sandbox/clock"): lambda app, data: {"now": iso(app.clock.now())},
    ("POST", "/_sandbox/clock/advance"): _advance,
    ("GET", "/_sandbox/truth"): _truth,
    ("GET", "/_sandbox/stats"): lambda app, data: app.stats.snapshot(),
    ("POST", "/_sandbox/stats/reset"): _then_ok(lambda app, data: app.stats.reset()),
    ("GET", "/_sandbox/info"): _info,
    ("POST", "/_sandbox/tokens/revoke"): _then_ok(lambda app, data: app.auth.revoke(str(data["token"]))),
    ("POST", "/_sandbox/scopes/deny"): _deny,
    ("POST", "/_sandbox/scopes/reset"): _then_ok(lambda app, data: app.denied.clear()),
    ("POST", "/_sandbox/oauth/expire"): _then_ok(lambda app, data: app.auth.expire_all()),
}


def handle(app: App, method: str, path: str, body: bytes) -> Answer:
    """Answer one control call (path without a trailing slash)."""
    try:
        data = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return 400, {"error": "body must be JSON"}
    try:
        call = _CALLS.get((method, path))
        if call is not None:
            return 200, call(app, data)
        if path == "/_sandbox/config":          # any method but POST reads it
            return 200, app.configure(data) if method == "POST" else app.config()
        m = _REC.match(path)
        out = _records(app, method, m, data) if m else None
        if out is not None:
            return out
        return 404, {"error": f"unknown control endpoint {method} {path}"}
    except KeyError as e:
        return 404, {"error": f"not found: {e}"}
    except (ValueError, TypeError) as e:
        return 400, {"error": str(e)}
