"""Raw HTTP against the sandbox: the list-endpoint table, authenticated GETs and page walkers.

Paging, records keys and limits come from the checked-in spec facts (pipedrive_sandbox/spec/facts.json),
so no test reads a file outside the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from pipedrive_sandbox.spec import Operation, operation

V1_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")  # [RD-DATE] "2019-01-22 08:55:59", UTC
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")  # [RD-V2MIG]
HEX40 = re.compile(r"^[0-9a-f]{40}$")  # [RD-CF] custom field keys are 40-char hex hashes


@dataclass(frozen=True)
class Endpoint:
    """One GET list endpoint; its paging, records key and limit maximum come from the spec facts."""

    path: str
    entity: str | None = None  # control-interface entity whose truth() ids this lists
    params: dict[str, str] = field(default_factory=dict)
    key: str = "id"  # record identity
    archived: bool = False
    spec: str | None = None  # the spec's templated path when the path has a concrete id
    child: str | None = None  # child stream (issue 12) whose truth()["streams"][child]["by_parent"] this reads

    @property
    def v2(self) -> bool:
        return self.path.startswith("/api/v2/")

    @property
    def op(self) -> Operation:
        return operation(op_key(self.spec or self.path))

    @property
    def paging(self) -> str:  # cursor | offset | offset-flat | none [SPEC-v1], [SPEC-v2]
        return self.op.paging

    @property
    def items_key(self) -> str | None:  # the list sits at data[items_key] (goals/find)
        return self.op.records_key

    @property
    def paged(self) -> bool:
        """Takes `limit` (and start or cursor)."""
        return "limit" in self.op.params

    @property
    def max_limit(self) -> int:
        return self.op.params.get("limit", {}).get("maximum", 500)

    def __str__(self) -> str:
        return self.path


def op_key(path: str) -> str:
    """"GET /v1/leads" for /v1/leads or /api/v1/leads; a template stays a template."""
    return "GET " + re.sub(r"^/api/v1/", "/v1/", path)


E = Endpoint
V2_LISTS = [
    E("/api/v2/deals", "deals"),
    E("/api/v2/deals/archived", "deals", archived=True),
    E("/api/v2/persons", "persons"),
    E("/api/v2/organizations", "organizations"),
    E("/api/v2/activities", "activities"),
    E("/api/v2/products", "products"),
    E("/api/v2/pipelines", "pipelines"),
    E("/api/v2/stages", "stages"),
    E("/api/v2/dealFields", key="field_code"),
    E("/api/v2/personFields", key="field_code"),
    E("/api/v2/organizationFields", key="field_code"),
    E("/api/v2/productFields", key="field_code"),
    E("/api/v2/activityFields", key="field_code"),
    E("/api/v2/projects", "projects"),
    E("/api/v2/projects/archived", "projects", archived=True),
    E("/api/v2/tasks", "tasks"),
    E("/api/v2/projectTemplates", "project_templates"),
    E("/api/v2/projectFields", key="field_code"),
    E("/api/v2/boards", "boards"),
    E("/api/v2/phases", "phases", params={"board_id": "1"}),
    # [SPEC-v2] deal_ids is required, at most 100 ids
    E("/api/v2/deals/products", params={"deal_ids": ",".join(map(str, range(1, 101)))}),
    # deal 14 has three products whose update_time order is not their id order
    E("/api/v2/deals/14/products", spec="/api/v2/deals/{id}/products", child="deal_products"),
    # [SPEC-v2] installments: deal_ids required (at most 100); no additional_data in the 200 schema
    E("/api/v2/deals/installments", params={"deal_ids": ",".join(map(str, range(1, 101)))},
      child="deal_installments"),
    E("/api/v2/deals/1/followers", spec="/api/v2/deals/{id}/followers", key="user_id", child="deal_followers"),
    E("/api/v2/persons/7/followers", spec="/api/v2/persons/{id}/followers", key="user_id",
      child="person_followers"),
    E("/api/v2/organizations/1/followers", spec="/api/v2/organizations/{id}/followers", key="user_id",
      child="organization_followers"),
    E("/api/v2/products/11/followers", spec="/api/v2/products/{id}/followers", key="user_id",
      child="product_followers"),
    E("/api/v2/users/1/followers", spec="/api/v2/users/{id}/followers", key="user_id", child="user_followers"),
    E("/api/v2/products/5/variations", spec="/api/v2/products/{id}/variations", child="product_variations"),
    E("/api/v2/deals/10/discounts", spec="/api/v2/deals/{id}/discounts", child="deal_discounts"),
]
V1_LISTS = [
    E("/v1/leads", "leads"),
    E("/v1/leads/archived", "leads", archived=True),
    E("/v1/notes", "notes"),
    E("/v1/files", "files"),  # [SPEC-v1] limit: "a maximum value of 100"
    E("/v1/callLogs", "call_logs"),  # [SPEC-v1] limit: "The upper limit is 50"; the token user's only
    E("/v1/roles", "roles"),
    E("/v1/dealFields", key="key"),
    E("/v1/personFields", key="key"),
    E("/v1/organizationFields", key="key"),
    E("/v1/productFields", key="key"),
    E("/v1/leadFields", key="key"),
    E("/v1/mailbox/mailThreads", params={"folder": "inbox"}),
    # ids repeat across item types, so one type per walk; the default clock's now is 2026-11-01 12:00
    E("/v1/recents", params={"since_timestamp": "2026-10-02 12:00:00", "items": "deal"}),
    E("/v1/users", "users"),
    E("/v1/activityFields", key="key"),
    E("/v1/noteFields", key="key"),
    E("/v1/activityTypes"),
    E("/v1/leadLabels"),
    E("/v1/leadSources", key="name"),
    E("/v1/filters"),
    E("/v1/currencies"),
    E("/v1/permissionSets"),
    E("/v1/goals/find"),  # [SPEC-v1] data: {"goals": [...]}
    E("/v1/webhooks", "webhooks"),
    E("/v1/mailbox/mailThreads/1/mailMessages", spec="/v1/mailbox/mailThreads/{id}/mailMessages",
      child="mail_messages"),
    E("/v1/deals/14/participants", spec="/v1/deals/{id}/participants", child="deal_participants"),
    # the flow's dealChange items carry their id in data; all_changes=1 adds custom field changes [SPEC-v1]
    E("/v1/deals/14/flow", spec="/v1/deals/{id}/flow", params={"all_changes": "1"}, key="timestamp",
      child="deal_flow"),
    E("/v1/deals/14/changelog", spec="/v1/deals/{id}/changelog", key="field_key", child="deal_changelog"),
    E("/v1/persons/4/changelog", spec="/v1/persons/{id}/changelog", key="field_key", child="person_changelog"),
    E("/v1/organizations/2/changelog", spec="/v1/organizations/{id}/changelog", key="field_key",
      child="organization_changelog"),
    E("/v1/notes/5/comments", spec="/v1/notes/{id}/comments", key="uuid", child="note_comments"),
    E("/v1/organizationRelationships", params={"org_id": "1"}, child="organization_relationships"),
    # permission set ids are UUIDs: this is seed 1's "Regular user" set (seven users)
    E("/v1/permissionSets/f5323e4a-7c5e-4ee0-a793-a0862a7929b6/assignments", key="user_id",
      spec="/v1/permissionSets/{id}/assignments", child="permission_set_assignments"),
    E("/v1/roles/2/assignments", spec="/v1/roles/{id}/assignments", key="user_id", child="role_assignments"),
]
ALL_LISTS = V2_LISTS + V1_LISTS
PAGED_LISTS = [e for e in ALL_LISTS if e.paged]


def records(body: dict, ep: Endpoint) -> list[dict]:
    data = body["data"]
    return data[ep.items_key] if ep.items_key else data


def auth(sb: Any) -> dict[str, str]:
    return {"x-api-token": sb.token}


def client(sb: Any, **kw: Any) -> httpx.Client:
    """An httpx client on the sandbox with the API token header; no retries, short timeout.

    verify=False: the sandbox is plain HTTP on loopback, and building httpx's default SSL context (loading
    the CA bundle) costs 0.1-0.3 s per client, which dominated this suite's run time.
    """
    kw.setdefault("timeout", 10.0)
    return httpx.Client(base_url=sb.url, headers=auth(sb), verify=False, **kw)


HTTP = httpx.Client(verify=False, timeout=10.0)  # shared, for absolute URLs with explicit headers


def get(sb: Any, path: str, **params: Any) -> httpx.Response:
    with client(sb) as c:
        return c.get(path, params=params)


def walk_cursor(c: httpx.Client, path: str, params: dict[str, Any] | None = None,
                limit: int = 100, max_pages: int = 10_000) -> list[dict]:
    """Follow next_cursor to the end; fail on a repeated cursor (a loop would never end)."""
    out: list[dict] = []
    seen: set[str] = set()
    cursor: str | None = None
    for _ in range(max_pages):
        q = dict(params or {}, limit=limit)
        if cursor:
            q["cursor"] = cursor
        r = c.get(path, params=q)
        assert r.status_code == 200, (path, q, r.status_code, r.text[:300])
        body = r.json()
        assert len(body["data"]) <= limit
        out.extend(body["data"])
        cursor = body["additional_data"]["next_cursor"]
        if cursor is None:
            return out
        assert cursor not in seen, f"repeated cursor on {path}"
        seen.add(cursor)
    raise AssertionError(f"{path}: more than {max_pages} pages")


def walk_offset(c: httpx.Client, path: str, params: dict[str, Any] | None = None,
                limit: int = 100, max_pages: int = 10_000) -> list[dict]:
    """Follow next_start to the end, checking the documented pagination block on every page [RD-PAG]."""
    out: list[dict] = []
    start = 0
    for _ in range(max_pages):
        q = dict(params or {}, start=start, limit=limit)
        r = c.get(path, params=q)
        assert r.status_code == 200, (path, q, r.status_code, r.text[:300])
        body = r.json()
        pag = body["additional_data"]["pagination"]
        assert pag["start"] == start
        assert len(body["data"]) <= limit
        out.extend(body["data"])
        if not pag["more_items_in_collection"]:
            assert "next_start" not in pag or pag["next_start"] is None, pag  # only when more exist
            return out
        assert pag["next_start"] == start + len(body["data"]), pag
        assert body["data"], "more_items_in_collection with an empty page"
        start = pag["next_start"]
    raise AssertionError(f"{path}: more than {max_pages} pages")


def walk_flat(c: httpx.Client, path: str, params: dict[str, Any] | None = None,
              limit: int = 100, max_pages: int = 10_000) -> list[dict]:
    """Offset paging with start/limit/more_items_in_collection directly under additional_data
    (v1 leads, *Fields) [SPEC-v1]: no next_start, so the next start is start + records returned."""
    out: list[dict] = []
    start = 0
    for _ in range(max_pages):
        r = c.get(path, params=dict(params or {}, start=start, limit=limit))
        assert r.status_code == 200, (path, start, r.status_code, r.text[:300])
        body = r.json()
        add = body["additional_data"]
        assert set(add) == {"start", "limit", "more_items_in_collection"}, add
        assert add["start"] == start and len(body["data"]) <= limit
        out.extend(body["data"])
        if not add["more_items_in_collection"]:
            return out
        assert body["data"], "more_items_in_collection with an empty page"
        start += len(body["data"])
    raise AssertionError(f"{path}: more than {max_pages} pages")


def walk_until_empty(c: httpx.Client, path: str, params: dict[str, Any] | None = None,
                     limit: int = 100, max_pages: int = 10_000) -> list[dict]:
    """start/limit without any additional_data (v1 mailThreads, productFields) [SPEC-v1]: a short page
    proves nothing, only an empty one ends the walk."""
    out: list[dict] = []
    start = 0
    for _ in range(max_pages):
        r = c.get(path, params=dict(params or {}, start=start, limit=limit))
        assert r.status_code == 200, (path, start, r.status_code, r.text[:300])
        body = r.json()
        assert "additional_data" not in body, body.get("additional_data")
        if not body["data"]:
            return out
        assert len(body["data"]) <= limit
        out.extend(body["data"])
        start += len(body["data"])
    raise AssertionError(f"{path}: more than {max_pages} pages")


def walk(c: httpx.Client, ep: Endpoint | str, params: dict[str, Any] | None = None, limit: int = 100) -> list[dict]:
    """Every record of a list, paging as its operation's facts say."""
    if isinstance(ep, str):
        ep = Endpoint(ep)
    params = {**ep.params, **(params or {})}
    op = ep.op
    if op.paging == "cursor":
        return walk_cursor(c, ep.path, params, limit)
    if op.paging == "offset":
        return walk_offset(c, ep.path, params, limit)
    if op.paging == "offset-flat" and "limit" in op.params:
        return walk_flat(c, ep.path, params, limit)
    if "limit" in op.params and "start" in op.params:
        return walk_until_empty(c, ep.path, params, limit)
    if "limit" in op.params:  # installments: cursor and limit, but no additional_data to page with [SPEC-v2]
        params = {**params, "limit": 500}
    r = c.get(ep.path, params=params)
    assert r.status_code == 200, (ep.path, r.status_code, r.text[:300])
    return records(r.json(), ep)


def sample_value(spec: dict) -> str:
    """A valid value for a parameter, from its facts (enum, type, datetime format)."""
    if spec.get("default") is not None and spec.get("enum"):
        return str(spec["default"])
    if spec.get("enum"):
        return str(spec["enum"][0])
    fmt = spec.get("datetime")
    if fmt:
        return {"rfc3339": "2026-10-02T12:00:00Z", "v1": "2026-10-02 12:00:00", "date": "2026-01-01"}[fmt]
    kind = spec.get("type")
    if kind == "array":
        return "1,2" if (spec.get("items") or {}).get("type") == "integer" else "a"
    return {"integer": "1", "number": "1", "boolean": "true"}.get(kind or "string", "x")


def required_params(op: Operation) -> dict[str, str]:
    return {name: sample_value(spec) for name, spec in op.params.items() if spec.get("required")}


def served_lists() -> list[tuple[str, str]]:
    """(operation key, a concrete path) of every list operation the sandbox serves, from its route table."""
    from pipedrive_sandbox.api.routes import served

    sample = {op_key(e.spec): e.path for e in ALL_LISTS if e.spec}
    out = []
    for key, route in sorted(served().items()):
        if route.op.is_list:  # a path of the table above, else id 1 (the token user's thread, a live deal...)
            out.append((key, sample.get(key, key.split(" ", 1)[1].replace("{id}", "1"))))
    return out


def ids(records: list[dict], key: str = "id") -> list[Any]:
    return [r[key] for r in records]


def parse_time(value: str) -> datetime:
    """Parse a v1 ("YYYY-MM-DD HH:MM:SS", UTC) or v2 (RFC 3339) timestamp."""
    if V1_TIME.match(value):
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rfc3339(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_time(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def streams(sb: Any) -> dict[str, dict]:
    return sb.truth()["streams"]


# ---- child streams (issue 12) --------------------------------------------------------------------------
@dataclass(frozen=True)
class Child:
    """A child stream as the sandbox serves it: its endpoint, its parent's truth stream and how a record
    turns into the key truth()["streams"][name] lists (docs/sandbox.md, "Child streams")."""

    name: str
    path: str  # "{id}" is the parent's id; batched endpoints take `batch` ids in `param`
    parent: str
    key: Any  # (parent id, record) -> key
    param: str | None = None
    batch: int = 1
    params: dict[str, str] = field(default_factory=dict)

    @property
    def op(self) -> Operation:
        return operation(op_key(self.path))


def _id(pid: Any, r: dict) -> Any:
    return r["id"]


def _follower(pid: Any, r: dict) -> Any:
    return [int(pid), r["user_id"]]


def _change(pid: Any, r: dict) -> Any:
    return [int(pid), r["field_key"], r["time"]]


CHILDREN = [
    Child("deal_products", "/api/v2/deals/products", "deals", _id, param="deal_ids", batch=100),
    Child("deal_installments", "/api/v2/deals/installments", "deals", _id, param="deal_ids", batch=100),
    Child("deal_participants", "/v1/deals/{id}/participants", "deals", _id),
    Child("deal_flow", "/v1/deals/{id}/flow", "deals", lambda pid, r: [r["object"], r["data"]["id"]],
          params={"all_changes": "1"}),
    Child("deal_changelog", "/v1/deals/{id}/changelog", "deals", _change),
    Child("person_changelog", "/v1/persons/{id}/changelog", "persons", _change),
    Child("organization_changelog", "/v1/organizations/{id}/changelog", "organizations", _change),
    Child("deal_followers", "/api/v2/deals/{id}/followers", "deals", _follower),
    Child("person_followers", "/api/v2/persons/{id}/followers", "persons", _follower),
    Child("organization_followers", "/api/v2/organizations/{id}/followers", "organizations", _follower),
    Child("product_followers", "/api/v2/products/{id}/followers", "products", _follower),
    Child("user_followers", "/api/v2/users/{id}/followers", "users", _follower),
    Child("mail_messages", "/v1/mailbox/mailThreads/{id}/mailMessages", "mail_threads", _id),
    Child("product_variations", "/api/v2/products/{id}/variations", "products", _id),
    Child("deal_discounts", "/api/v2/deals/{id}/discounts", "deals", _id),
    Child("note_comments", "/v1/notes/{id}/comments", "notes", lambda pid, r: r["uuid"]),
    Child("organization_relationships", "/v1/organizationRelationships", "organizations", _id, param="org_id"),
    Child("permission_set_assignments", "/v1/permissionSets/{id}/assignments", "permission_sets",
          lambda pid, r: [r["permission_set_id"], r["user_id"]]),
    Child("role_assignments", "/v1/roles/{id}/assignments", "roles", lambda pid, r: [r["role_id"], r["user_id"]]),
]
CHILDREN_BY_NAME = {c.name: c for c in CHILDREN}


def visible_parents(truth: dict[str, dict], child: Child) -> list[Any]:
    """The parents a connector can read: live ones, and archived deals (their children stay)."""
    s = truth[child.parent]
    return list(s["live"]) + (list(s["archived"]) if child.parent == "deals" else [])


def child_records(c: httpx.Client, child: Child, pid: Any) -> list[dict]:
    """Every record of one parent's child list, paged as the operation's facts say."""
    if child.param:  # a query parameter carries the parent id (org_id), one at a time here
        return walk(c, Endpoint(child.path, params={child.param: str(pid), **child.params}))
    return walk(c, Endpoint(child.path.replace("{id}", str(pid)), spec=child.path, params=child.params))


def walk_children(c: httpx.Client, child: Child, parents: list[Any]) -> dict[str, list[Any]]:
    """A naive full read of a child stream: every parent's children (batched endpoints `batch` ids a call),
    as truth's by_parent: parent id -> keys, parents without children left out."""
    out: dict[str, list[Any]] = {}
    if child.batch > 1:
        for k in range(0, len(parents), child.batch):
            chunk = parents[k:k + child.batch]
            params = {str(child.param): ",".join(map(str, chunk)), "sort_by": "deal_id", **child.params}
            for r in walk(c, Endpoint(child.path, params=params)):
                out.setdefault(str(r["deal_id"]), []).append(child.key(r["deal_id"], r))
        return {str(p): out[str(p)] for p in parents if str(p) in out}
    for pid in parents:
        keys = [child.key(pid, r) for r in child_records(c, child, pid)]
        if keys:
            out[str(pid)] = keys
    return out
