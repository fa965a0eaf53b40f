"""API v1 lists still in the current spec [SPEC-v1]: leads, notes, files, call logs, the mailbox, users and the
settings tables. Goals, recents and the *Fields lists have their own modules."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data.clock import DAY, lead_dt, v1_dt
from ..data.record import ARCHIVED, LIVE
from ..data.store import Store
from ..data.table import Table
from ..data.v1_records import TOKEN_USER
from .paging import Listing, offset_slice
from .query import Query, q_date, q_int, q_time
from .render_v1 import v1
from .respond import cached, dumps, one
from .v1_listing import table_list

Pred = Callable[[int], bool]
_LEAD_SORTS = ("id", "title", "owner_id", "creator_id", "was_seen", "expected_close_date", "next_activity_id",
               "add_time", "update_time")
_NOTE_SORTS = ("id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time")
_PINS = ("pinned_to_lead_flag", "pinned_to_deal_flag", "pinned_to_organization_flag", "pinned_to_person_flag",
         "pinned_to_project_flag", "pinned_to_task_flag")


def _eq(t: Table, q: Query, name: str, as_str: bool = False) -> Pred | None:
    """A filter: the record's `name` equals the parameter (an integer unless as_str); None when not given."""
    v = q.get(name) if as_str else q_int(q, name)
    if v in (None, ""):
        return None
    return lambda i: t.get(i).get(name) == v


def _pinned(t: Table, flag: str, want: bool) -> Pred:
    return lambda i: bool(t.get(i)[flag]) == want


def leads(store: Store, q: Query, archived: bool = False) -> Listing:
    """GET /v1/leads and /v1/leads/archived: oldest first by creation time; archived ones only on /archived
    [CL-ARCH]. updated_since exists only on /v1/leads [SPEC-v1]: the gate never passes it for /archived."""
    t = store.table("leads")
    preds = [p for p in (_eq(t, q, "owner_id"), _eq(t, q, "person_id"), _eq(t, q, "organization_id")) if p]
    since = q_time(q, "updated_since")
    if since is not None:
        since_ms = since * 1000
        preds.append(lambda i: t.get(i)["update_time"] * 1000 + t.get(i)["_upd_ms"] >= since_ms)
    return table_list(store, "leads", q, coll=ARCHIVED if archived else LIVE, sorts=_LEAD_SORTS,
                      default_sort="add_time", preds=preds, shape="v1lead")


def notes(store: Store, q: Query) -> Listing:
    t = store.table("notes")
    preds = [p for p in (_eq(t, q, "user_id"), _eq(t, q, "deal_id"), _eq(t, q, "person_id"), _eq(t, q, "org_id"),
                         _eq(t, q, "project_id"), _eq(t, q, "task_id"), _eq(t, q, "lead_id", as_str=True)) if p]
    for flag in _PINS:
        if flag in q:
            preds.append(_pinned(t, flag, q[flag] == "1"))
    since = q_time(q, "updated_since")
    if since is not None:
        preds.append(lambda i: t.upd[i] >= since)
    first, last = q_date(q, "start_date"), q_date(q, "end_date")
    if first is not None:
        preds.append(lambda i: t.add[i] >= first)
    if last is not None:
        preds.append(lambda i: t.add[i] < last + DAY)
    return table_list(store, "notes", q, sorts=_NOTE_SORTS, preds=preds)


def files(store: Store, q: Query) -> Listing:
    return table_list(store, "files", q, sorts=("id", "update_time"))    # sort: id, update_time [SPEC-v1]


def _mine(t: Table) -> Pred:
    return lambda i: t.get(i)["user_id"] == TOKEN_USER


def call_logs(store: Store, q: Query) -> Listing:
    """"Returns all call logs assigned to a particular user" [SPEC-v1]: the token user's, in an order the
    spec leaves open (option call_log_order: by id, or newest call first)."""
    newest = store.options.call_log_order == "newest"
    return table_list(store, "call_logs", q, default_sort="add_time" if newest else "id", default_desc=newest,
                      preds=[_mine(store.table("call_logs"))])


def mail_threads(store: Store, q: Query) -> Listing:
    """The token user's threads in one folder, "ordered by the most recent message within" [SPEC-v1]
    (option mail_thread_order=id: by id)."""
    folder = q["folder"]                 # required, enum-checked by the gate
    t = store.table("mail_threads")
    latest = (lambda i: t.get(i)["last_message_timestamp"]) if store.options.mail_thread_order == "newest" else None
    # last_message_timestamp is "YYYY-MM-DD HH:MM:SS": its text order is its time order. A change of a
    # thread's flags moves its update_time, not its place in the list.
    return table_list(store, "mail_threads", q, preds=[_mine(t), lambda i: folder in t.get(i)["folders"]],
                      order=latest)


def users(store: Store) -> Listing:
    """GET /v1/users is not paginated: the whole list, no additional_data [SPEC-v1]."""
    t = store.table("users")
    cf = store.cf
    return Listing([cached(t, i, "v1", lambda rec: v1("users", rec, cf)) for i in range(1, t.n + 1)])


def users_me(store: Store) -> bytes:
    me = dict(v1("users", store.table("users").get(TOKEN_USER), store.cf))
    me.update(company_id=1000 + store.gen.seed, company_name="Sandbox Company", company_domain="sandbox",
              company_country="EE", company_industry="IT Services",
              language={"language_code": "en", "country_code": "US"})
    return one(me)


def settings(store: Store, name: str, q: Query, paginate: bool = False) -> Listing:
    """A settings table (filters by type, currencies by term, permission sets by app where the spec has them)."""
    rows = store.settings[name]
    if name == "filters" and q.get("type"):
        rows = [r for r in rows if r["type"] == q["type"]]
    if name == "currencies" and q.get("term"):
        term = q["term"].lower()
        rows = [r for r in rows if term in r["code"].lower() or term in r["name"].lower()]
    if name == "permission_sets" and q.get("app"):
        rows = [r for r in rows if r["app"] == q["app"]]
    data = [dumps(v1_setting(r)) for r in rows]
    return offset_slice(data, q, store.options.limit_cap) if paginate else Listing(data)


def v1_setting(r: dict[str, Any]) -> dict[str, Any]:
    """A settings row in v1 shape: its epoch-int times as v1 times."""
    out = dict(r)
    for k in ("add_time", "update_time"):
        if isinstance(out.get(k), int):
            out[k] = v1_dt(out[k])
    return out


_WEBHOOK_TIMES = ("add_time", "last_delivery_time", "remove_time")


def webhooks(store: Store) -> Listing:
    """GET /v1/webhooks: every webhook in one response [SPEC-v1], times as in the spec's example (ISO 8601)."""
    out = []
    for r in store.settings["webhooks"]:
        rec = {k: v for k, v in r.items() if k != "update_time"}      # a control-interface update may add it
        for k in _WEBHOOK_TIMES:
            if isinstance(rec.get(k), int):
                rec[k] = lead_dt(rec[k] * 1000)    # "2019-10-25T08:25:27.000Z" [SPEC-v1] example
        out.append(dumps(rec))
    return Listing(out)
