"""Records of Pipedrive Projects (projects, tasks, project templates, boards) in canonical form (record.py),
made from a skeleton row like the core makers; the shapes follow the v2 item schemas [SPEC-v2]."""
from __future__ import annotations

from . import vocabulary as vocab
from .clock import DAY, day
from .generator import N_BOARDS, Gen
from .record import ARCHIVED, Record

PHASES_PER = 4
_PROJECT_STATUS = ("open", "open", "open", "completed", "canceled")
_HEALTH = (None, 10, 20, 30)
_BOARDS = ("Delivery", "Onboarding", "Internal")
_TEMPLATES = ("Office Renovation", "Customer Onboarding", "Product Launch", "Quarterly Review")
_TASKS = ("Kickoff call", "Collect requirements", "Draft plan", "Review", "Sign-off", "Handover")


def project(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("projects", i)
    sz = g.sizes
    x, y = r.bits(), r.bits()
    board = 1 + x % N_BOARDS
    status = _PROJECT_STATUS[(x >> 4) % len(_PROJECT_STATUS)]
    start = a + (x >> 8) % (10 * DAY)
    return {
        "id": i, "title": f"{vocab.ORG_A[y % 16]} {vocab.WORDS[(y >> 4) % 18]} project",
        "board_id": board, "phase_id": (board - 1) * PHASES_PER + 1 + (x >> 12) % PHASES_PER,
        "owner_id": 1 + (x >> 16) % sz["users"], "status": status,
        "description": f"Project {i}" if (y >> 9) % 3 else "",
        "start_date": day(start), "end_date": day(start + (30 + (y >> 12) % 120) * DAY),
        "deal_ids": [1 + (y >> 20) % sz["deals"]] if (x >> 20) % 2 else [],
        "person_ids": [1 + (y >> 30) % sz["persons"]] if (x >> 21) % 3 else [],
        "org_ids": [1 + (y >> 40) % sz["organizations"]] if (x >> 23) % 3 else [],
        "label_ids": [1 + (x >> 25) % 4] if (x >> 27) % 2 else [],
        "health_status": _HEALTH[(x >> 28) % 4],
        "status_change_time": a if status == "open" else a + (u - a) // 2,
        "archive_time": st if s == ARCHIVED else None,
        "custom_fields": {},
        "add_time": a, "update_time": u,
    }


def task(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("tasks", i)
    sz = g.sizes
    x = r.bits()
    done = x % 3 == 0
    assignees = sorted({1 + (x >> 4) % sz["users"], 1 + (x >> 10) % sz["users"]})[: 1 + (x >> 16) % 2]
    return {
        "id": i, "title": f"{_TASKS[(x >> 18) % len(_TASKS)]} {i}",
        "project_id": 1 + (x >> 22) % sz["projects"], "creator_id": 1 + (x >> 32) % sz["users"],
        "description": f"Task {i}" if (x >> 36) % 2 else None,
        "parent_task_id": i - 1 if i > 1 and (x >> 38) % 5 == 0 else None,
        "assignee_ids": assignees, "is_done": done, "is_milestone": (x >> 41) % 10 == 0,
        "priority": None if (x >> 44) % 2 else 1 + (x >> 45) % 3,
        "start_date": day(a) if (x >> 47) % 2 else None,
        "due_date": day(a + (5 + (x >> 48) % 40) * DAY) if (x >> 50) % 4 else None,
        "marked_as_done_time": max(a, u - (x >> 52) % DAY) if done else None,
        "add_time": a, "update_time": u,
    }


def project_template(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    return {"id": i, "title": _TEMPLATES[(i - 1) % len(_TEMPLATES)] + ("" if i <= len(_TEMPLATES) else f" {i}"),
            "description": f"Template for {_TEMPLATES[(i - 1) % len(_TEMPLATES)].lower()} projects",
            "projects_board_id": 1 + (i - 1) % N_BOARDS, "owner_id": 1 + (i - 1) % g.sizes["users"],
            "add_time": a, "update_time": u}


def board(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    return {"id": i, "name": _BOARDS[(i - 1) % len(_BOARDS)] + ("" if i <= len(_BOARDS) else f" {i}"),
            "order_nr": i, "add_time": a, "update_time": u}
