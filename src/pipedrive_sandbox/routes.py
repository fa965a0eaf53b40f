"""The path table: (method, path) -> handler and the operation of the official spec it serves.

Every served route names its operation key in spec/facts.json ("GET /v1/leads", "GET /api/v2/deals/{id}");
the cost (x-token-cost), the accepted query parameters and the envelope all come from that operation, so a
route can only exist if the official files define it (operation() raises KeyError at import otherwise).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import routes_v1 as v1
from .dealproducts import deal_products
from .paging import ApiError, Listing
from .routes_v2 import FIELD_KINDS, V2_LISTS, v2_fields, v2_list, v2_one
from .spec import Operation, operation
from .store import Store

Handler = Callable[[Store, dict[str, str], dict[str, str]], Listing | bytes]


@dataclass(frozen=True)
class Route:
    handler: Handler
    op: Operation
    cost: int = field(init=False)    # x-token-cost of the operation [SPEC-v1], [SPEC-v2]

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost", self.op.cost)


def _r(path: str, handler: Handler) -> Route:
    return Route(handler, operation(f"GET {path}"))


STATIC: dict[str, Route] = {path: _r(path, lambda s, q, p, spec=spec: v2_list(spec, s, q))
                            for path, spec in V2_LISTS.items()}
STATIC.update({path: _r(path, lambda s, q, p, k=kind: v2_fields(k, s, q)) for path, kind in FIELD_KINDS.items()})
STATIC.update({f"/v1/{name}": _r(f"/v1/{name}", lambda s, q, p, k=kind: v1.v1_fields(s, k, q))
               for name, kind in v1.V1_FIELD_KINDS.items()})
STATIC.update({path: _r(path, handler) for path, handler in {
    "/api/v2/deals/products": lambda s, q, p: deal_products(s, q, None),
    "/v1/leads": lambda s, q, p: v1.leads(s, q),
    "/v1/leads/archived": lambda s, q, p: v1.leads(s, q, archived=True),
    "/v1/leadLabels": lambda s, q, p: v1.settings(s, "lead_labels", q),
    "/v1/leadSources": lambda s, q, p: v1.settings(s, "lead_sources", q),
    "/v1/notes": lambda s, q, p: v1.notes(s, q),
    "/v1/noteFields": lambda s, q, p: v1.note_fields(s, q),
    "/v1/files": lambda s, q, p: v1.files(s, q),
    "/v1/filters": lambda s, q, p: v1.settings(s, "filters", q),
    "/v1/users": lambda s, q, p: v1.users(s, q),
    "/v1/users/me": lambda s, q, p: v1.users_me(s, q),
    "/v1/roles": lambda s, q, p: v1.settings(s, "roles", q, paginate=True),
    "/v1/permissionSets": lambda s, q, p: v1.settings(s, "permission_sets", q),
    "/v1/currencies": lambda s, q, p: v1.settings(s, "currencies", q),
    "/v1/activityTypes": lambda s, q, p: v1.settings(s, "activity_types", q),
    "/v1/callLogs": lambda s, q, p: v1.call_logs(s, q),
    "/v1/goals/find": lambda s, q, p: v1.goals(s, q),
    "/v1/mailbox/mailThreads": lambda s, q, p: v1.mail_threads(s, q),
    "/v1/recents": lambda s, q, p: v1.recents(s, q),
}.items()})


def _pattern(template: str, handler: Handler) -> tuple[re.Pattern[str], Route]:
    """A templated path ("/api/v2/deals/{id}") as a regex over digits, with the template's operation."""
    rx = re.escape(template).replace(r"\{id\}", r"(?P<id>\d+)")
    return re.compile(f"^{rx}$"), _r(template, handler)


PATTERNS: list[tuple[re.Pattern[str], Route]] = [
    _pattern("/v1/mailbox/mailThreads/{id}/mailMessages", lambda s, q, p: v1.mail_messages(s, q, p["id"])),
    _pattern("/api/v2/deals/{id}/products", lambda s, q, p: deal_products(s, q, int(p["id"]))),
] + [_pattern(f"/api/v2/{e}/{{id}}", lambda s, q, p, e=e: v2_one(e, s, q, p["id"]))
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


def served() -> dict[str, Route]:
    """Every served operation by its key in the facts ("GET /v1/leads", "GET /api/v2/deals/{id}")."""
    return {r.op.key: r for r in [*STATIC.values(), *(route for _, route in PATTERNS)]}


__all__ = ["PATTERNS", "STATIC", "Route", "resolve", "route_key", "served"]
