"""The path table: a request path -> the handler and the operation of the official spec it serves.

Every served route names its operation key in spec/facts.json ("GET /v1/leads", "GET /api/v2/deals/{id}");
the cost (x-token-cost), the accepted query parameters and the envelope all come from that operation, so a
route can only exist if the official files define it (operation() raises KeyError at import otherwise).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..data.store import Store
from ..spec import Operation, operation
from . import children as ch
from . import v1_lists as v1
from .fields import V1_FIELD_KINDS, V2_FIELD_KINDS, note_fields, project_fields, v1_fields, v2_fields
from .goals import goals
from .paging import Listing
from .query import ApiError, Query
from .recents import recents
from .v2_lists import SINGLE, V2_LISTS, V2List, phases, v2_all, v2_list, v2_one

PathParams = dict[str, str]    # the {id} of a templated path
Handler = Callable[[Store, Query, PathParams], Listing | bytes]


@dataclass(frozen=True)
class Route:
    handler: Handler
    op: Operation
    cost: int = field(init=False)    # x-token-cost of the operation [SPEC-v1], [SPEC-v2]

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost", self.op.cost)


def _r(path: str, handler: Handler) -> Route:
    return Route(handler, operation(f"GET {path}"))


# Handlers bound to their table, kind or entity (a factory each, so every lambda has a typed context).
def _v2_list(spec: V2List) -> Handler:
    return lambda s, q, p: v2_list(spec, s, q)


def _v2_fields(kind: str) -> Handler:
    return lambda s, q, p: v2_fields(kind, s, q)


def _v1_fields(kind: str) -> Handler:
    return lambda s, q, p: v1_fields(kind, s, q)


def _v2_one(entity: str) -> Handler:
    return lambda s, q, p: v2_one(entity, s, q, p["id"])


def _setting(name: str, paginate: bool = False) -> Handler:
    return lambda s, q, p: v1.settings(s, name, q, paginate)


_OTHERS: dict[str, Handler] = {
    "/api/v2/deals/products": lambda s, q, p: ch.deal_products(s, q, None),
    "/api/v2/deals/installments": lambda s, q, p: ch.installments(s, q),
    "/v1/organizationRelationships": lambda s, q, p: ch.org_relationships(s, q),
    "/v1/leads": lambda s, q, p: v1.leads(s, q),
    "/v1/leads/archived": lambda s, q, p: v1.leads(s, q, archived=True),
    "/v1/leadLabels": _setting("lead_labels"),
    "/v1/leadSources": _setting("lead_sources"),
    "/v1/notes": lambda s, q, p: v1.notes(s, q),
    "/v1/noteFields": lambda s, q, p: note_fields(),
    "/v1/files": lambda s, q, p: v1.files(s, q),
    "/v1/filters": _setting("filters"),
    "/v1/users": lambda s, q, p: v1.users(s),
    "/v1/users/me": lambda s, q, p: v1.users_me(s),
    "/v1/roles": _setting("roles", paginate=True),
    "/v1/permissionSets": _setting("permission_sets"),
    "/v1/currencies": _setting("currencies"),
    "/v1/activityTypes": _setting("activity_types"),
    "/v1/callLogs": lambda s, q, p: v1.call_logs(s, q),
    "/v1/goals/find": lambda s, q, p: goals(s, q),
    "/v1/mailbox/mailThreads": lambda s, q, p: v1.mail_threads(s, q),
    "/v1/recents": lambda s, q, p: recents(s, q),
    "/api/v2/projectFields": lambda s, q, p: project_fields(s, q),
    "/api/v2/boards": lambda s, q, p: v2_all("boards", s),
    "/api/v2/phases": lambda s, q, p: phases(s, q),
    "/v1/webhooks": lambda s, q, p: v1.webhooks(s),
}
STATIC: dict[str, Route] = {
    **{path: _r(path, _v2_list(spec)) for path, spec in V2_LISTS.items()},
    **{path: _r(path, _v2_fields(kind)) for path, kind in V2_FIELD_KINDS.items()},
    **{path: _r(path, _v1_fields(kind)) for path, kind in V1_FIELD_KINDS.items()},
    **{path: _r(path, handler) for path, handler in _OTHERS.items()},
}


def _pattern(template: str, handler: Handler, id_rx: str = r"\d+") -> tuple[re.Pattern[str], Route]:
    """A templated path ("/api/v2/deals/{id}") as a regex (ids: digits unless said), with its operation."""
    rx = re.escape(template).replace(r"\{id\}", f"(?P<id>{id_rx})")
    return re.compile(f"^{rx}$"), _r(template, handler)


def _child(handler: Callable[[Store, Query, str], Listing]) -> Handler:
    return lambda s, q, p: handler(s, q, p["id"])


# The child endpoints of issue 12: one parent's children (api.children, data.children)
_CHILDREN: dict[str, Handler] = {
    "/api/v2/deals/{id}/products": lambda s, q, p: ch.deal_products(s, q, p["id"]),
    "/v1/deals/{id}/participants": _child(ch.offset_list("deal_participants", "id")),
    "/v1/deals/{id}/flow": _child(ch.deal_flow),
    "/v1/deals/{id}/changelog": _child(ch.changelog("deal_changelog")),
    "/v1/persons/{id}/changelog": _child(ch.changelog("person_changelog")),
    "/v1/organizations/{id}/changelog": _child(ch.changelog("organization_changelog")),
    **{f"/api/v2/{e}/{{id}}/followers": _child(ch.per_parent(f"{one}_followers", "add_time"))
       for e, one in (("deals", "deal"), ("persons", "person"), ("organizations", "organization"),
                      ("products", "product"), ("users", "user"))},
    "/v1/mailbox/mailThreads/{id}/mailMessages": _child(ch.whole("mail_messages", "message_time")),
    "/api/v2/products/{id}/variations": _child(ch.per_parent("product_variations", "id")),
    "/api/v2/deals/{id}/discounts": _child(ch.whole("deal_discounts", "created_at")),
    "/v1/notes/{id}/comments": _child(ch.offset_list("note_comments", "add_time")),
    "/v1/roles/{id}/assignments": _child(ch.assignments("role_assignments")),
}
PATTERNS: list[tuple[re.Pattern[str], Route]] = [
    *(_pattern(path, handler) for path, handler in _CHILDREN.items()),
    # permission set ids are UUIDs [SPEC-v1]
    _pattern("/v1/permissionSets/{id}/assignments", _child(ch.assignments("permission_set_assignments")),
             r"[0-9A-Za-z-]+"),
    *(_pattern(f"/api/v2/{e}/{{id}}", _v2_one(e)) for e in SINGLE),
]

# The deprecated v1 entity endpoints are gone from the current v1 spec (176 -> 143 paths) [SPEC-v1],
# out of support since 2026-08-01 [CL-OOS]; the sandbox answers them 410 Gone.
# Only the removed operations (list, single, /collection, /summary, /timeline, deal products...) get 410; the
# sub-resources still in the spec (/deals/{id}/flow, /changelog, /participants...) are served (PATTERNS).
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


def resolve(path: str) -> tuple[Route, PathParams]:
    """The route of a request path and its path parameters; ApiError 410 (removed v1) or 404 otherwise."""
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


def served() -> dict[str, Route]:
    """Every served operation by its key in the facts ("GET /v1/leads", "GET /api/v2/deals/{id}")."""
    return {r.op.key: r for r in [*STATIC.values(), *(route for _, route in PATTERNS)]}
