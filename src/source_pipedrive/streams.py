"""The stream table: one row per stream says which endpoints, which cursor, which pagination.

Defaults live on the dataclass, so a row states only how a stream differs. The catalog, the
per-stream tests and the README's stream table are all generated from STREAMS.
Endpoints follow ../shared/pipedrive-api.md §8: API v2 for the entities whose v1 lists are out of
support since 2026-08 ([CL-OOS]); v1 only where no v2 list exists (leads, users, activityFields).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

V2_SORT = (("sort_by", "update_time"), ("sort_direction", "asc"))
NO_PARAMS: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Part:
    """One endpoint a stream reads; a stream may read several (deals: live, archived, deleted)."""

    name: str
    path: str
    params: tuple[tuple[str, str], ...] = NO_PARAMS
    incremental_only: bool = False  # e.g. deleted deals: a full refresh is today's picture


@dataclass(frozen=True)
class Stream:
    name: str
    path: str
    paging: str = "cursor"  # "cursor" (v2), "offset" (v1 start/limit), "none" (one response)
    cursor: str | None = "update_time"  # record field; None: full refresh only
    since_param: str | None = "updated_since"  # server-side filter; None: filter on our side
    sort: tuple[tuple[str, str], ...] = V2_SORT  # query pairs
    extra_parts: tuple[Part, ...] = ()
    fields_path: str | None = None  # the *Fields endpoint describing its custom fields
    recents_item: str | None = None  # /v1/recents `items` value, for a cheap short-window increment
    primary_key: str = "id"
    page_size: int = 500  # the maximum both API versions allow ([RD-PAG]); /v1/files 100, /v1/callLogs 50
    params: tuple[tuple[str, str], ...] = NO_PARAMS
    records_key: str | None = None  # the list sits one level down, in data.<key> (/v1/goals/find, [SPEC-v1])

    @property
    def incremental(self) -> bool:
        return self.cursor is not None

    @property
    def resumable(self) -> bool:
        """A crashed full refresh resumes from its last page only where the API filters by cursor."""
        return self.since_param is not None

    def parts(self, incremental: bool) -> tuple[Part, ...]:
        main = Part("main", self.path, self.params)
        return (main,) + tuple(p for p in self.extra_parts if incremental or not p.incremental_only)


def listing(name: str, path: str, *, paging: str = "none", **differences) -> Stream:
    """A full-refresh-only stream: reference data and settings, read whole every time."""
    return Stream(name, path, paging=paging, cursor=None, since_param=None, sort=NO_PARAMS, **differences)


STREAMS: tuple[Stream, ...] = (
    Stream(
        "deals",
        "/api/v2/deals",
        fields_path="/api/v2/dealFields",
        extra_parts=(
            # Archived deals left the normal lists on 2025-07-15 ([CL-ARCH]); they are still deals.
            Part("archived", "/api/v2/deals/archived"),
            # Deleted deals come only with status=deleted, for 30 days ([SPEC-v2], [CL-PERMDEL]):
            # read them incrementally so downstream dedup sees the delete (is_deleted: true).
            Part("deleted", "/api/v2/deals", (("status", "deleted"),), incremental_only=True),
        ),
    ),
    Stream(
        "leads",
        "/v1/leads",
        paging="offset",
        sort=(("sort", "update_time ASC"),),
        fields_path="/v1/leadFields",  # leads inherit the deal custom fields, v1-shaped ([RD-CF])
        extra_parts=(Part("archived", "/v1/leads/archived"),),  # [CL-ARCH]
    ),
    Stream("activities", "/api/v2/activities"),
    listing("activity_fields", "/v1/activityFields"),
    Stream("persons", "/api/v2/persons", fields_path="/api/v2/personFields"),
    Stream("organizations", "/api/v2/organizations", fields_path="/api/v2/organizationFields"),
    Stream("products", "/api/v2/products", fields_path="/api/v2/productFields"),
    # Pipelines and stages have no updated_since in v2: sorted by update_time, filtered on our side.
    Stream("pipelines", "/api/v2/pipelines", since_param=None),
    Stream("stages", "/api/v2/stages", since_param=None),
    # /v1/users is one unpaginated response; /v1/recents serves short windows (≤ 30 days, [SPEC-v1]).
    Stream("users", "/v1/users", paging="none", cursor="modified", since_param=None, sort=NO_PARAMS, recents_item="user"),
    # The remaining v1-only entities (§8). Notes filter by updated_since (newer spec, RFC 3339).
    Stream("notes", "/v1/notes", paging="offset", sort=(("sort", "update_time ASC"),)),
    # /v1/files takes sort (id, update_time) but no time filter, and limit <= 100 ([SPEC-v1]).
    Stream("files", "/v1/files", paging="offset", since_param=None, sort=(("sort", "update_time ASC"),), page_size=100),
    listing("call_logs", "/v1/callLogs", paging="offset", page_size=50),
    # `folder` is required ([SPEC-v1]): one part per folder, inbox first.
    listing(
        "mail_threads",
        "/v1/mailbox/mailThreads",
        paging="offset",
        params=(("folder", "inbox"),),
        extra_parts=tuple(Part(f, "/v1/mailbox/mailThreads", (("folder", f),)) for f in ("drafts", "sent", "archive")),
    ),
    # Small settings lists: one unpaginated response each, except roles ([SPEC-v1]).
    listing("activity_types", "/v1/activityTypes"),
    listing("currencies", "/v1/currencies"),
    listing("lead_labels", "/v1/leadLabels"),
    listing("lead_sources", "/v1/leadSources", primary_key="name"),  # its records have no id
    listing("filters", "/v1/filters"),
    listing("permission_sets", "/v1/permissionSets"),
    listing("roles", "/v1/roles", paging="offset"),
    # /v1/goals/find answers data: {goals: [...]} and defaults to is_active=true ([SPEC-v1]): ask for both.
    listing(
        "goals",
        "/v1/goals/find",
        records_key="goals",
        params=(("is_active", "true"),),
        extra_parts=(Part("inactive", "/v1/goals/find", (("is_active", "false"),)),),
    ),
    # Field definitions: v2 lists have no id (field_code is the key); v1 built-in fields have null ids.
    listing("deal_fields", "/api/v2/dealFields", paging="cursor", primary_key="field_code"),
    listing("person_fields", "/api/v2/personFields", paging="cursor", primary_key="field_code"),
    listing("organization_fields", "/api/v2/organizationFields", paging="cursor", primary_key="field_code"),
    listing("product_fields", "/api/v2/productFields", paging="cursor", primary_key="field_code"),
    listing("lead_fields", "/v1/leadFields", paging="offset", primary_key="key"),
    listing("note_fields", "/v1/noteFields", primary_key="key"),
)

STREAMS_BY_NAME: Mapping[str, Stream] = MappingProxyType({s.name: s for s in STREAMS})
