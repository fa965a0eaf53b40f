"""The small v1 settings tables: activity types, currencies, lead labels and sources, filters, roles,
permission sets and goals. Rows are plain dicts (times as epoch ints); none is paginated except roles."""
from __future__ import annotations

from typing import Any

from .clock import DAY
from .generator import N_BOARDS, Gen
from .seeded import uuid_for
from .v1_records import TOKEN_USER


def settings_tables(g: Gen) -> dict[str, list[dict[str, Any]]]:
    t0 = g.now0 - 4 * 365 * DAY - 20 * DAY
    t1 = g.now0 - 5 * DAY
    seed = g.seed
    types = ("call", "meeting", "task", "deadline", "email", "lunch")
    return {
        "activity_types": [{"id": i + 1, "name": k.capitalize(), "icon_key": k, "color": None, "order_nr": i + 1,
                            "key_string": k, "active_flag": True, "is_custom_flag": False,
                            "add_time": t0, "update_time": t1 if i == 0 else t0} for i, k in enumerate(types)],
        "currencies": [{"id": i + 1, "code": c, "name": n, "decimal_points": 2, "symbol": sym, "active_flag": True,
                        "is_custom_flag": False} for i, (c, n, sym) in enumerate(
                            (("EUR", "Euro", "€"), ("USD", "US Dollar", "$"), ("GBP", "Pound Sterling", "£"),
                             ("SEK", "Swedish Krona", "kr")))],
        "lead_labels": [{"id": uuid_for(seed, 500, i), "name": n, "color": c, "add_time": t0, "update_time": t0}
                        for i, (n, c) in enumerate((("Hot", "red"), ("Warm", "yellow"), ("Cold", "blue")), start=1)],
        "lead_sources": [{"name": n} for n in ("Manually created", "Deal", "Web forms", "Prospector", "Leadbooster",
                                               "Live chat", "Import", "Website visitors", "Workflow automation",
                                               "API")],
        "filters": [{"id": i, "name": f"{t.capitalize()} filter", "filter_code": None, "is_editable": True,
                     "active_flag": True, "type": t, "temporary_flag": None, "user_id": 1, "add_time": t0 + i,
                     "update_time": t1 if i == 2 else t0 + i, "visible_to": "7", "last_used_time": None,
                     "custom_view_id": None}
                    for i, t in enumerate(("deals", "leads", "org", "people", "products", "activity"), start=1)],
        "roles": [{"parent_role_id": None if i == 1 else 1, "name": n, "id": i, "active_flag": True,
                   "assignment_count": "1", "sub_role_count": "0" if i > 1 else "2", "level": 1 if i == 1 else 2}
                  for i, n in enumerate(("Management", "Sales", "Support"), start=1)],
        "permission_sets": [{"id": uuid_for(seed, 600, i), "name": n, "description": "", "app": a, "type": ty,
                             "assignment_count": 1}
                            for i, (n, a, ty) in enumerate((("Deal admin", "sales", "admin"),
                                                             ("Regular user", "sales", "regular"),
                                                             ("Global admin", "global", "admin")), start=1)],
        "goals": _goals(seed),
        "webhooks": _webhooks(t0),
        "phases": _phases(t0, t1),
    }


_PHASES = ("Planning", "In progress", "Review", "Done")


def _phases(t0: int, t1: int) -> list[dict[str, Any]]:
    """The phases of each Projects board (GET /api/v2/phases?board_id=, [SPEC-v2]); projects' phase_id
    refers to them: board b has phases (b - 1) * 4 + 1 .. b * 4."""
    return [{"id": (b - 1) * len(_PHASES) + k, "name": name, "board_id": b, "order_nr": k,
             "add_time": t0 + b, "update_time": t1 if k == 2 else t0 + b}
            for b in range(1, N_BOARDS + 1) for k, name in enumerate(_PHASES, start=1)]


# (event_action, event_object, type, active, last HTTP status): GET /v1/webhooks lists the company's
# webhooks, general and app ones, some inactive (removed after failed deliveries) [SPEC-v1].
_WEBHOOKS = (
    ("added", "deal", "general", 1, 200), ("updated", "deal", "general", 1, 200),
    ("*", "person", "general", 1, None), ("deleted", "organization", "application", 0, 410),
    ("added", "activity", "automation", 1, 200),
)


def _webhooks(t0: int) -> list[dict[str, Any]]:
    """Times are epoch ints here; the handler renders them as the spec's ISO times."""
    out = []
    for n, (action, obj, kind, active, status) in enumerate(_WEBHOOKS, start=1):
        add = t0 + n * 37 * DAY
        out.append({"id": n, "company_id": 1, "owner_id": TOKEN_USER, "user_id": TOKEN_USER, "admin_id": TOKEN_USER,
                    "event_action": action, "event_object": obj, "subscription_url": f"https://hooks.example.org/{n}",
                    "is_active": active, "add_time": add, "remove_time": None if active else add + 90 * DAY,
                    "remove_reason": None if active else "Endpoint returned 410 Gone", "type": kind,
                    "http_auth_user": "hook" if n == 2 else None, "http_auth_password": "secret" if n == 2 else None,
                    "last_delivery_time": add + 2 * DAY if status else None, "last_http_status": status,
                    "name": f"{obj.capitalize()} {action} hook", "version": "2.0" if n != 4 else "1.0"})
    return out


# (assignee type, assignee id, goal type, tracking metric, active): person, team and company goals, several
# users', active and inactive, so a reader of only its own goals visibly misses some ([SPEC-v1] GET /goals/find).
_GOALS = (
    ("person", 1, "deals_won", "quantity", True), ("person", 1, "activities_completed", "quantity", True),
    ("person", 1, "deals_started", "sum", False), ("person", 2, "deals_won", "sum", True),
    ("person", 3, "activities_added", "quantity", True), ("person", 3, "deals_progressed", "quantity", False),
    ("team", 1, "deals_progressed", "quantity", True), ("team", 2, "activities_completed", "quantity", False),
    ("company", 1, "deals_won", "sum", True), ("company", 1, "deals_started", "quantity", True),
)


def _goals(seed: int) -> list[dict[str, Any]]:
    out = []
    for n, (kind, who, name, metric, active) in enumerate(_GOALS, start=1):
        if name.startswith("activities"):
            params: dict[str, object] = {"activity_type_id": [1, 2]}
        elif name == "deals_progressed":
            params = {"pipeline_id": [1], "stage_id": 3}
        else:
            params = {"pipeline_id": [1 + n % 3]}
        outcome: dict[str, object] = {"target": 10 * n, "tracking_metric": metric}
        if metric == "sum":
            outcome["currency_id"] = 1
        year = 2026 if active else 2025
        out.append({"id": uuid_for(seed, 800, n), "owner_id": TOKEN_USER, "title": f"{name} {kind} {who}",
                    "type": {"name": name, "params": params}, "assignee": {"id": who, "type": kind},
                    "interval": "quarterly", "duration": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                    "expected_outcome": outcome, "is_active": active, "report_ids": []})
    return out
