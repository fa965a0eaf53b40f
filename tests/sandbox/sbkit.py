"""Helpers for the sandbox tests: the list-endpoint table, authenticated GETs and page walkers."""

from __future__ import annotations

import functools
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

V1_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")  # [RD-DATE] "2019-01-22 08:55:59", UTC
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")  # [RD-V2MIG]
HEX40 = re.compile(r"^[0-9a-f]{40}$")  # [RD-CF] custom field keys are 40-char hex hashes


@dataclass(frozen=True)
class Endpoint:
    """One GET list endpoint as Pipedrive documents it (pipedrive-api.md §2, §3, §8)."""

    path: str
    paging: str  # "cursor" | "offset" | "none"
    entity: str | None = None  # control-interface entity whose truth() ids this lists
    params: dict[str, str] = field(default_factory=dict)
    max_limit: int = 500
    key: str = "id"  # record identity
    archived: bool = False
    items_key: str | None = None  # the list sits at data[items_key] instead of data (goals/find)
    spec: str | None = None  # the spec's templated path when the path has a concrete id

    @property
    def v2(self) -> bool:
        return self.path.startswith("/api/v2/")

    @property
    def spec_path(self) -> str:
        if self.spec:
            return self.spec
        return re.sub(r"^/(api/)?v[12]", "", self.path)

    def __str__(self) -> str:
        return self.path


E = Endpoint
V2_LISTS = [
    E("/api/v2/deals", "cursor", "deals"),
    E("/api/v2/deals/archived", "cursor", "deals", archived=True),
    E("/api/v2/persons", "cursor", "persons"),
    E("/api/v2/organizations", "cursor", "organizations"),
    E("/api/v2/activities", "cursor", "activities"),
    E("/api/v2/products", "cursor", "products"),
    E("/api/v2/pipelines", "cursor", "pipelines"),
    E("/api/v2/stages", "cursor", "stages"),
    E("/api/v2/dealFields", "cursor", key="field_code"),
    E("/api/v2/personFields", "cursor", key="field_code"),
    E("/api/v2/organizationFields", "cursor", key="field_code"),
    E("/api/v2/productFields", "cursor", key="field_code"),
    E("/api/v2/activityFields", "cursor", key="field_code"),
    # [SPEC-v2] deal_ids is required, at most 100 ids
    E("/api/v2/deals/products", "cursor", params={"deal_ids": ",".join(map(str, range(1, 101)))}),
    E("/api/v2/deals/1/products", "cursor", spec="/deals/{id}/products"),
]
V1_OFFSET = [
    E("/v1/leads", "offset", "leads"),
    E("/v1/leads/archived", "offset", "leads", archived=True),
    E("/v1/notes", "offset", "notes"),
    E("/v1/files", "offset", "files", max_limit=100),  # [SPEC-v1] "a maximum value of 100"
    E("/v1/callLogs", "offset", "call_logs", max_limit=50),  # [SPEC-v1] "The upper limit is 50"
    E("/v1/roles", "offset", "roles"),
    E("/v1/dealFields", "offset", key="key"),
    E("/v1/personFields", "offset", key="key"),
    E("/v1/organizationFields", "offset", key="key"),
    E("/v1/productFields", "offset", key="key"),
    E("/v1/leadFields", "offset", key="key"),
    E("/v1/mailbox/mailThreads", "offset", params={"folder": "inbox"}),
    # ids repeat across item types, so one type per walk; the default clock's now is 2026-11-01 12:00
    E("/v1/recents", "offset", params={"since_timestamp": "2026-10-02 12:00:00", "items": "deal"}),
]
V1_PLAIN = [
    E("/v1/users", "none", "users"),
    E("/v1/activityFields", "none", key="key"),
    E("/v1/noteFields", "none", key="key"),
    E("/v1/activityTypes", "none"),
    E("/v1/leadLabels", "none"),
    E("/v1/leadSources", "none", key="name"),
    E("/v1/filters", "none"),
    E("/v1/currencies", "none"),
    E("/v1/permissionSets", "none"),
    E("/v1/goals/find", "none", items_key="goals"),  # [SPEC-v1] data: {"goals": [...]}
    E("/v1/mailbox/mailThreads/1/mailMessages", "none", spec="/mailbox/mailThreads/{id}/mailMessages"),
]
ALL_LISTS = V2_LISTS + V1_OFFSET + V1_PLAIN


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


@functools.lru_cache(maxsize=None)
def load_spec(shared_dir: Path, name: str) -> dict:
    """Parse ../shared/pipedrive-openapi/<name>.yaml once; cache the parse as a pickle keyed by mtime.

    Parsing the 1-3 MB YAML files costs seconds; the files are read-only reference data [COMMON].
    """
    import yaml

    src = shared_dir / "pipedrive-openapi" / f"{name}.yaml"
    if not src.exists():
        import pytest

        pytest.skip(f"{src} is absent")
    st = src.stat()
    cache = Path(tempfile.gettempdir()) / f"pd-openapi-{name}-{st.st_mtime_ns}-{st.st_size}.pickle"
    if cache.exists():
        try:
            return pickle.loads(cache.read_bytes())
        except Exception:  # a torn write by a parallel worker: parse again
            pass
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with src.open("rb") as fh:
        spec = yaml.load(fh, Loader=loader)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, cache)  # atomic, so xdist workers never read half a file
    return spec


def spec_operation(spec: dict, path: str) -> dict | None:
    return (spec.get("paths", {}).get(path) or {}).get("get")
