"""The stream table: one row per stream says which endpoints, which cursor, which pagination.

Defaults live on the dataclass, so a row states only how a stream differs. The catalog, the
per-stream tests, the spec-conformance test of our requests and the README's stream table are all
generated from STREAMS. Endpoints: API v2 for the entities whose v1 lists are out of support since
2026-08 ([CL-OOS]); v1 only where no v2 list exists (leads, notes, files, users, ...) ([SPEC-v1], [SPEC-v2]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal

from .http.pagination import Paging

ApiVersion = Literal["v1", "v2"]
Params = tuple[tuple[str, str], ...]
V2_SORT: Params = (("sort_by", "update_time"), ("sort_direction", "asc"))
NO_PARAMS: Params = ()


@dataclass(frozen=True)
class Part:
    """One endpoint a stream reads; a stream may read several (deals: live, archived, deleted)."""

    name: str
    path: str
    params: Params = NO_PARAMS
    incremental_only: bool = False  # e.g. deleted deals: a full refresh is today's picture
    filtered: bool = True  # the stream's time filter exists on this endpoint too
    paging: Paging | None = None  # None: the stream's
    sort: Params | None = None  # None: the stream's
    overlap: int = 0  # offset lists: records each page re-reads from the previous one (see offset_pages)


IN_PATH = "{id}"  # Parent.param for an id carried in the path (/v1/deals/{id}/flow)


@dataclass(frozen=True)
class Parent:
    """A child stream's parents: which stream lists them, how their ids reach the child endpoint, and
    which child field links each record back to its parent (see children.py for how they are read).

    `param` is IN_PATH for one id in the path, else the query parameter carrying the ids: `batch` of
    them per request, comma-separated ([SPEC-v2] deal_ids: at most 100). Records that lack the link
    field get the parent's id written there (`adds_link`), so every child row is linkable. Records
    without an id of their own get a synthesized key (the stream's primary key): the values of
    `key_from` (dotted paths) joined by ":". Records without a time of their own get the parent's
    cursor value under `stamp`, the stream's cursor.
    """

    stream: str
    param: str = IN_PATH
    key: str = "id"  # the parent record field holding the id
    batch: int = 1
    link: str | None = None  # None: the query parameter's name (phases: board_id)
    adds_link: bool = False
    key_from: tuple[str, ...] = ()
    stamp: str | None = None
    opt_in: bool | None = None  # for `sync`: read only when named; None: when one request per parent

    def __post_init__(self) -> None:
        if self.param == IN_PATH and self.link is None:
            raise ValueError(f"a child of '{self.stream}' with the id in its path must name its link field")
        if self.batch > 1 and self.param == IN_PATH:
            raise ValueError(f"a child of '{self.stream}' cannot batch ids in its path")

    @property
    def link_field(self) -> str:
        return self.link or self.param

    @property
    def in_path(self) -> bool:
        return self.param == IN_PATH

    @property
    def per_record(self) -> bool:
        """One request per parent record."""
        return self.batch == 1

    @property
    def optional(self) -> bool:
        """Whether `sync` leaves the stream out unless it is named (per-record children, by default)."""
        return self.per_record if self.opt_in is None else self.opt_in


@dataclass(frozen=True)
class Stream:
    name: str
    path: str
    paging: Paging = Paging.CURSOR
    cursor: str | None = "update_time"  # record field; None: full refresh only
    cursor_fallback: str | None = None  # record field standing in when the cursor is null (users: created)
    since_param: str | None = "updated_since"  # server-side filter; None: filter on our side
    # The upper bound of the server-side filter (exclusive, [SPEC-v2] "earlier than this time"): with it, a
    # large backfill is read in time slices in parallel (see slices.py). Only the v2 lists of deals,
    # activities, persons and organizations define it.
    until_param: str | None = None
    sort: Params = V2_SORT  # query pairs
    extra_parts: tuple[Part, ...] = ()
    # The stream listing this one's custom field definitions (deals: deal_fields); its row says the
    # *Fields endpoint's path, paging and API version.
    field_list: Stream | None = None
    recents_item: str | None = None  # /v1/recents `items` value, for a cheap short-window increment
    primary_key: str = "id"
    page_size: int = 500  # the maximum both API versions allow ([RD-PAG]); /v1/files 100, /v1/callLogs 50
    params: Params = NO_PARAMS
    records_key: str | None = None  # the list sits one level down, in data.<key> (/v1/goals/find, [SPEC-v1])
    # Filtered on our side, an incremental read with this query gets the list newest first and stops
    # at the cursor (() : the server's own order is newest first; checked as the pages come).
    newest_first: Params | None = None
    parent: Parent | None = None  # a child stream: read per parent record (children.py)

    @property
    def incremental(self) -> bool:
        return self.cursor is not None

    @property
    def optional(self) -> bool:
        """Left out of `sync` unless named (a child stream costing one request per parent)."""
        return self.parent is not None and self.parent.optional

    @property
    def resumable(self) -> bool:
        """A crashed full refresh resumes from its last page where the API filters by cursor, after
        its last whole part for a listing of several parts (mail folders, goal kinds), and after its
        last whole group of parents for a child stream."""
        return self.since_param is not None or len(self.extra_parts) > 0 or self.parent is not None

    @property
    def api_version(self) -> ApiVersion:
        """The API version of the records: v2 lists live under /api/v2/, v1 ones under /v1/."""
        return "v2" if self.path.startswith("/api/v2/") else "v1"

    @property
    def fields_path(self) -> str | None:
        """The *Fields endpoint describing the stream's custom fields, if it has any."""
        return self.field_list.path if self.field_list is not None else None

    def parts(self, incremental: bool) -> tuple[Part, ...]:
        main = Part("main", self.path, self.params)
        return (main,) + tuple(p for p in self.extra_parts if incremental or not p.incremental_only)

    def paging_of(self, part: Part) -> Paging:
        return part.paging or self.paging

    def since_param_of(self, part: Part) -> str | None:
        return self.since_param if part.filtered else None

    def until_param_of(self, part: Part) -> str | None:
        """The upper time bound of a part, where it can be read in time slices."""
        ascending = self.sorted_by_cursor(part) and self.paging_of(part) is Paging.CURSOR
        return self.until_param if part.filtered and ascending else None

    def sorted_by_cursor(self, part: Part) -> bool:
        """Whether the part's list comes sorted by the cursor, ascending."""
        sort = dict(self.sort if part.sort is None else part.sort)
        by = sort.get("sort_by") or (sort.get("sort") or "").split(" ")[0]
        return bool(self.cursor) and by == self.cursor and sort.get("sort_direction", "asc") == "asc" \
            and not (sort.get("sort") or "").upper().endswith("DESC")

    def newest_first_query(self, part: Part) -> dict[str, str] | None:
        """The query of an incremental read that stops at the cursor, or None where none exists."""
        if self.newest_first is None or self.since_param_of(part) is not None:
            return None
        return {**dict(part.params), **dict(self.newest_first)}

    def query(self, part: Part) -> dict[str, str]:
        """The fixed query of a part: its parameters and its sort (paging and time filter come on top)."""
        return {**dict(part.params), **dict(self.sort if part.sort is None else part.sort)}


def child(name: str, path: str, parent: Parent, *, paging: Paging = Paging.CURSOR, cursor: str | None = None,
          **differences: Any) -> Stream:
    """A child stream: no time filter on its endpoint (its parents' listing has one), the API's order.
    With a cursor it is incremental: an incremental read re-reads the children of the parents changed
    since its last one."""
    return Stream(name, path, paging=paging, cursor=cursor, since_param=None, sort=NO_PARAMS, parent=parent,
                  **differences)


def listing(name: str, path: str, *, paging: Paging = Paging.NONE, **differences: Any) -> Stream:
    """A full-refresh-only stream: reference data and settings, read whole every time."""
    return Stream(name, path, paging=paging, cursor=None, since_param=None, sort=NO_PARAMS, **differences)


# Columns the v2 lists return only when named in include_fields ([SPEC-v2]); deals' and activities'
# are worth their bytes. Persons' (marketing_status, doi_status) need the marketing add-on: not asked.
DEAL_INCLUDE_FIELDS = (
    "next_activity_id,last_activity_id,first_won_time,products_count,files_count,notes_count,followers_count,"
    "email_messages_count,activities_count,done_activities_count,undone_activities_count,participants_count,"
    "last_incoming_mail_time,last_outgoing_mail_time,smart_bcc_email,source_lead_id"
)
DEAL_PARAMS: Params = (("include_fields", DEAL_INCLUDE_FIELDS),)

# /v1/goals/find returns only the token user's goals unless a parameter that the spec marks
# "everyone's goals will be returned" is given, and is_active defaults to true ([SPEC-v1]): one part
# per assignee type and activity state reads every goal exactly once.
GOAL_PARTS = tuple(
    Part(f"{kind}_{state}", "/v1/goals/find", (("assignee.type", kind), ("is_active", active)))
    for kind in ("person", "team", "company")
    for state, active in (("active", "true"), ("inactive", "false"))
)

# Field definitions: v2 lists have no id (field_code is the key); v1 built-in fields have null ids.
# Each is a stream of its own and the field list of the entity stream whose custom fields it describes.
DEAL_FIELDS = listing("deal_fields", "/api/v2/dealFields", paging=Paging.CURSOR, primary_key="field_code")
PERSON_FIELDS = listing("person_fields", "/api/v2/personFields", paging=Paging.CURSOR, primary_key="field_code")
ORGANIZATION_FIELDS = listing(
    "organization_fields", "/api/v2/organizationFields", paging=Paging.CURSOR, primary_key="field_code"
)
PRODUCT_FIELDS = listing("product_fields", "/api/v2/productFields", paging=Paging.CURSOR, primary_key="field_code")
# Leads have no fields of their own: they inherit the deal custom fields, and /v1/leadFields lists
# them v1-style (key/name/field_type/edit_flag) ([RD-CF]).
LEAD_FIELDS = listing("lead_fields", "/v1/leadFields", paging=Paging.OFFSET, primary_key="key")
PROJECT_FIELDS = listing("project_fields", "/api/v2/projectFields", paging=Paging.CURSOR, primary_key="field_code")

# Child streams ([SPEC-v2], [SPEC-v1]): what belongs to one record. The batched endpoints take up to 100
# deal ids (deal_ids, required); the others one parent per request, the id in the path (org_id for
# relationships). None has a time filter: changed parents are found through the parent's listing.
_DEALS_100 = Parent("deals", "deal_ids", batch=100, link="deal_id")


def _per(parent: str, link: str, *key_from: str, adds_link: bool = True, **differences: Any) -> Parent:
    """One parent per request, its id in the path; `key_from` for records without an id of their own."""
    return Parent(parent, link=link, adds_link=adds_link, key_from=key_from, **differences)


def _followers(name: str, parent: str, link: str) -> Stream:
    """GET /api/v2/{entity}/{id}/followers: {user_id, add_time} per follower, nothing naming the parent."""
    return child(name, f"/api/v2/{parent}/{{id}}/followers", _per(parent, link, link, "user_id"),
                 cursor="add_time", primary_key="key")


def _changelog(name: str, parent: str, link: str) -> Stream:
    """GET /v1/{entity}/{id}/changelog: field changes, no id: keyed by parent, field and time."""
    return child(name, f"/v1/{parent}/{{id}}/changelog", _per(parent, link, link, "field_key", "time"), cursor="time",
                 primary_key="key")


CHILDREN: tuple[Stream, ...] = (
    child("deal_products", "/api/v2/deals/products", _DEALS_100, cursor="update_time"),
    # Installments carry no time: the deal's update_time stands in (stamped as deal_update_time).
    child("deal_installments", "/api/v2/deals/installments", replace(_DEALS_100, stamp="deal_update_time"),
          cursor="deal_update_time"),
    child("deal_discounts", "/api/v2/deals/{id}/discounts", _per("deals", "deal_id", adds_link=False),
          paging=Paging.NONE, cursor="updated_at"),
    child("deal_participants", "/v1/deals/{id}/participants", _per("deals", "deal_id"), paging=Paging.OFFSET,
          cursor="add_time"),
    # Everything that happened to a deal (changes, activities, notes, mail...), 40 tokens a request;
    # all_changes=1 includes custom field changes. Keyed by object type and the object's id.
    child("deal_flow", "/v1/deals/{id}/flow", _per("deals", "deal_id", "deal_id", "object", "data.id"),
          paging=Paging.OFFSET, params=(("all_changes", "1"),), cursor="timestamp", primary_key="key"),
    _changelog("deal_changelog", "deals", "deal_id"),
    _changelog("person_changelog", "persons", "person_id"),
    _changelog("organization_changelog", "organizations", "org_id"),
    _followers("deal_followers", "deals", "deal_id"),
    _followers("person_followers", "persons", "person_id"),
    _followers("organization_followers", "organizations", "org_id"),
    _followers("product_followers", "products", "product_id"),
    _followers("user_followers", "users", "followed_user_id"),
    child("mail_messages", "/v1/mailbox/mailThreads/{id}/mailMessages",
          _per("mail_threads", "mail_thread_id", adds_link=False), paging=Paging.NONE, cursor="update_time"),
    child("product_variations", "/api/v2/products/{id}/variations",
          _per("products", "product_id", adds_link=False, stamp="product_update_time"),
          cursor="product_update_time"),
    child("note_comments", "/v1/notes/{id}/comments", _per("notes", "note_id"), paging=Paging.OFFSET,
          cursor="update_time", primary_key="uuid"),
    # One organization's relationships, seen from it (calculated_type is relative to org_id): the same
    # relationship appears under both organizations, so each (org_id, id) is a record.
    child("organization_relationships", "/v1/organizationRelationships",
          Parent("organizations", "org_id", adds_link=True, key_from=("org_id", "id")), paging=Paging.NONE,
          cursor="update_time", primary_key="key"),
    # Settings children: few parents, no parent cursor: full refresh.
    child("permission_set_assignments", "/v1/permissionSets/{id}/assignments",
          _per("permission_sets", "permission_set_id", "permission_set_id", "user_id", adds_link=False),
          paging=Paging.OFFSET, primary_key="key"),
    child("role_assignments", "/v1/roles/{id}/assignments",
          _per("roles", "role_id", "role_id", "user_id", adds_link=False), paging=Paging.OFFSET, primary_key="key"),
)

STREAMS: tuple[Stream, ...] = (
    Stream(
        "deals",
        "/api/v2/deals",
        until_param="updated_until",
        field_list=DEAL_FIELDS,
        params=DEAL_PARAMS,
        extra_parts=(
            # Archived deals left the normal lists on 2025-07-15 ([CL-ARCH]); they are still deals.
            Part("archived", "/api/v2/deals/archived", DEAL_PARAMS),
            # Deleted deals come only with status=deleted, for 30 days ([SPEC-v2], [CL-PERMDEL]):
            # read them incrementally so downstream dedup sees the delete (is_deleted: true).
            Part("deleted", "/api/v2/deals", (("status", "deleted"), *DEAL_PARAMS), incremental_only=True),
        ),
    ),
    Stream(
        "leads",
        "/v1/leads",
        paging=Paging.KEYSET,
        # The spec's sort is an enum of bare field names (ascending); "update_time ASC" is a 400.
        sort=(("sort", "update_time"),),
        field_list=LEAD_FIELDS,  # leads inherit the deal custom fields, v1-shaped ([RD-CF])
        extra_parts=(
            # Archived leads ([CL-ARCH]) have no updated_since and no sort direction ([SPEC-v1]): no
            # early stop exists, so they are listed in creation order (stable under updates), a few
            # records overlapping between pages, and filtered by cursor on our side.
            Part("archived", "/v1/leads/archived", filtered=False, paging=Paging.OFFSET, sort=NO_PARAMS, overlap=5),
        ),
    ),
    Stream("activities", "/api/v2/activities", until_param="updated_until", params=(("include_fields", "attendees"),)),
    listing("activity_fields", "/v1/activityFields"),  # takes no paging parameters ([SPEC-v1])
    Stream("persons", "/api/v2/persons", until_param="updated_until", field_list=PERSON_FIELDS),
    Stream("organizations", "/api/v2/organizations", until_param="updated_until", field_list=ORGANIZATION_FIELDS),
    Stream("products", "/api/v2/products", field_list=PRODUCT_FIELDS),
    # Pipelines and stages have no updated_since in v2: sorted by update_time, filtered on our side.
    Stream("pipelines", "/api/v2/pipelines", since_param=None),
    Stream("stages", "/api/v2/stages", since_param=None),
    # /v1/users is one unpaginated response; /v1/recents serves short windows (≤ 30 days, [SPEC-v1]).
    # Users never changed since creation have modified = null: their creation time stands in.
    Stream("users", "/v1/users", paging=Paging.NONE, cursor="modified", cursor_fallback="created", since_param=None,
           sort=NO_PARAMS, recents_item="user"),
    # The remaining v1-only entities. Notes filter by updated_since (newer spec, RFC 3339).
    Stream("notes", "/v1/notes", paging=Paging.KEYSET, sort=(("sort", "update_time ASC"),)),
    # /v1/files takes sort (id, update_time) but no time filter, and limit <= 100 ([SPEC-v1]): an
    # incremental read asks newest first and stops at the cursor.
    Stream("files", "/v1/files", paging=Paging.OFFSET, since_param=None, sort=(("sort", "update_time ASC"),),
           newest_first=(("sort", "update_time DESC"),), page_size=100),
    # The token user's call logs ([SPEC-v1]: "assigned to a particular user"). A call log does not
    # change once logged and has no other time than its call's start: the cursor. The order of the
    # list is not documented: read newest first where it is, checked page by page.
    Stream("call_logs", "/v1/callLogs", paging=Paging.OFFSET, cursor="start_time", since_param=None,
           sort=NO_PARAMS, newest_first=NO_PARAMS, page_size=50),
    # One part per folder, inbox first ([SPEC-v1]); a thread in two folders is delivered once. The
    # spec orders threads "by the most recent message within", not by update_time (a read flag moves
    # update_time, not the thread): no early stop is sound, so each folder is read whole and filtered.
    Stream(
        "mail_threads",
        "/v1/mailbox/mailThreads",
        paging=Paging.OFFSET,
        since_param=None,
        sort=NO_PARAMS,
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
    listing("roles", "/v1/roles", paging=Paging.OFFSET),
    # /v1/goals/find answers data: {goals: [...]} ([SPEC-v1]); see GOAL_PARTS.
    listing(
        "goals",
        "/v1/goals/find",
        records_key="goals",
        params=GOAL_PARTS[0].params,
        extra_parts=GOAL_PARTS[1:],
    ),
    DEAL_FIELDS,
    PERSON_FIELDS,
    ORGANIZATION_FIELDS,
    PRODUCT_FIELDS,
    LEAD_FIELDS,
    listing("note_fields", "/v1/noteFields", primary_key="key"),
    # Pipedrive Projects ([SPEC-v2]): the lists take neither a time filter nor a sort, so they are read
    # whole and filtered by update_time on our side. Archived projects (archive_time set) have a list of
    # their own. Phases are listed per board (board_id is required).
    Stream("projects", "/api/v2/projects", since_param=None, sort=NO_PARAMS,
           extra_parts=(Part("archived", "/api/v2/projects/archived"),)),
    Stream("tasks", "/api/v2/tasks", since_param=None, sort=NO_PARAMS),
    Stream("project_templates", "/api/v2/projectTemplates", since_param=None, sort=NO_PARAMS),
    Stream("boards", "/api/v2/boards", paging=Paging.NONE, since_param=None, sort=NO_PARAMS),  # one response
    listing("phases", "/api/v2/phases", parent=Parent("boards", "board_id", opt_in=False)),  # boards: a handful
    PROJECT_FIELDS,
    # Webhooks ([SPEC-v1], admin scope): one response, no update time: full refresh.
    listing("webhooks", "/v1/webhooks"),
    *CHILDREN,
)

STREAMS_BY_NAME: Mapping[str, Stream] = MappingProxyType({s.name: s for s in STREAMS})
