"""The path table: (method, path) -> handler and x-token-cost; v1 prefixes, removed v1 endpoints, 404s."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from . import render, routes_v1 as v1
from .paging import ApiError
from .respond import one
from .routes_v2 import FIELD_KINDS, V2_LISTS, v2_fields, v2_list
from .dealproducts import deal_products
from .store import Store

Handler = Callable[[Store, dict[str, str], dict[str, str]], bytes]


@dataclass(frozen=True)
class Route:
    handler: Handler
    cost: int          # x-token-cost of the operation [SPEC-v1], [SPEC-v2]


def _v2(path: str) -> Route:
    spec = V2_LISTS[path]
    cost = {"/api/v2/deals/archived": 20, "/api/v2/pipelines": 5, "/api/v2/stages": 5}.get(path, 10)
    return Route(lambda s, q, p: v2_list(spec, s, q), cost)


def _v2_one(entity: str) -> Route:
    """GET /api/v2/{entity}/{id}: single entity, 1 token [SPEC-v2]."""
    def handler(s: Store, q: dict[str, str], p: dict[str, str]) -> bytes:
        t = s.table(entity)
        i = t.row_of(p["id"])
        if i is None or t.visible(i, s.clock.now()) is None:
            raise ApiError(404, f"{entity[:-1].capitalize()} not found")
        return one(render.v2(entity, t.get(i), s.cf))
    return Route(handler, 1)


STATIC: dict[str, Route] = {path: _v2(path) for path in V2_LISTS}
STATIC.update({path: Route(lambda s, q, p, k=kind: v2_fields(k, s, q), 10) for path, kind in FIELD_KINDS.items()})
STATIC.update({
    "/api/v2/deals/products": Route(lambda s, q, p: deal_products(s, q, None), 10),
    "/v1/leads": Route(lambda s, q, p: v1.leads(s, q), 20),
    "/v1/leads/archived": Route(lambda s, q, p: v1.leads(s, q, archived=True), 40),
    "/v1/leadLabels": Route(lambda s, q, p: v1.settings(s, "lead_labels", q), 10),
    "/v1/leadSources": Route(lambda s, q, p: v1.settings(s, "lead_sources", q), 2),
    "/v1/notes": Route(lambda s, q, p: v1.notes(s, q), 20),
    "/v1/noteFields": Route(lambda s, q, p: v1.note_fields(s, q), 20),
    "/v1/files": Route(lambda s, q, p: v1.files(s, q), 20),
    "/v1/filters": Route(lambda s, q, p: v1.settings(s, "filters", q), 20),
    "/v1/users": Route(lambda s, q, p: v1.users(s, q), 20),
    "/v1/users/me": Route(lambda s, q, p: v1.users_me(s, q), 2),
    "/v1/roles": Route(lambda s, q, p: v1.settings(s, "roles", q, paginate=True), 20),
    "/v1/permissionSets": Route(lambda s, q, p: v1.settings(s, "permission_sets", q), 20),
    "/v1/currencies": Route(lambda s, q, p: v1.settings(s, "currencies", q), 20),
    "/v1/activityTypes": Route(lambda s, q, p: v1.settings(s, "activity_types", q), 20),
    "/v1/callLogs": Route(lambda s, q, p: v1.call_logs(s, q), 20),
    "/v1/goals/find": Route(lambda s, q, p: v1.goals(s, q), 20),
    "/v1/mailbox/mailThreads": Route(lambda s, q, p: v1.mail_threads(s, q), 20),
    "/v1/recents": Route(lambda s, q, p: v1.recents(s, q), 20),
})
STATIC.update({f"/v1/{name}": Route(lambda s, q, p, k=kind: v1.v1_fields(s, k, q), 20)
               for name, kind in v1.V1_FIELD_KINDS.items()})

PATTERNS: list[tuple[re.Pattern[str], Route]] = [
    (re.compile(r"^/v1/mailbox/mailThreads/(?P<id>\d+)/mailMessages$"),
     Route(lambda s, q, p: v1.mail_messages(s, q, p["id"]), 20)),
    (re.compile(r"^/api/v2/deals/(?P<id>\d+)/products$"),
     Route(lambda s, q, p: deal_products(s, q, int(p["id"])), 10)),
] + [(re.compile(rf"^/api/v2/{e}/(?P<id>\d+)$"), _v2_one(e))
     for e in ("deals", "persons", "organizations", "activities", "products", "pipelines", "stages")]

# The deprecated v1 entity endpoints are gone from the current v1 spec (176 -> 143 paths) [SPEC-v1],
# out of support since 2026-08-01 [CL-OOS]; the sandbox answers them 410 Gone.
# Only the removed operations (list, single, /collection, /summary, /timeline, deal products...) get 410; the
# sub-resources still in the spec (/deals/{id}/flow, /changelog, /participants...) are not served: 404.
REMOVED_V1 = re.compile(r"^/v1/(deals|persons|organizations|activities|products|pipelines|stages)"
                        r"(/\d+|/collection|/summary|/timeline|/archived|/summary/archived|/timeline/archived"
                        r"|/\d+/(products|deals|activities|persons|files|mailMessages|followers))?$")


def normalize(path: str) -> str:
    """v1 answers under /api/v1/ and /v1/; v2 only under /api/v2/ [RD-V2MIG]."""
    if len(path) > 1:
        path = path.rstrip("/")
    if path.startswith("/api/v1/"):
        path = path[4:]
    return path


def resolve(path: str) -> tuple[Route, dict[str, str]]:
    path = normalize(path)
    r = STATIC.get(path)
    if r is not None:
        return r, {}
    for rx, route in PATTERNS:
        m = rx.match(path)
        if m:
            return route, m.groupdict()
    if REMOVED_V1.match(path):
        raise ApiError(410, "This endpoint has been removed. Use the API v2 endpoint instead.")
    raise ApiError(404, "Unknown method .")


def route_key(method: str, path: str) -> str:
    """Stats key: the method and the path as requested, without query or trailing slash."""
    return f"{method} {path.rstrip('/') or '/'}"


__all__ = ["resolve", "route_key", "Route", "STATIC", "PATTERNS"]
