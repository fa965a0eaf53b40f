"""Records of the core entities (deals, persons, organizations, activities, products, leads, pipelines,
stages) in canonical form (record.py), made from a skeleton row.

Every maker takes (gen, row, add_time, update_time, state, state_time): the table calls them all alike.
"""
from __future__ import annotations

from . import vocabulary as vocab
from .clock import DAY, day
from .generator import STAGES_PER, Gen
from .record import ARCHIVED, DELETED, Record
from .seeded import mix, uuid_for

_STATUS20 = ("open",) * 11 + ("won",) * 6 + ("lost",) * 3
_VALUES = (0, 500, 1200, 5000, 9999.5, 25000, 740, 31500.25)
_PROB = (None, None, 10, 50, 90)
_VIS = (3, 3, 3, 1, 7)
_LABELS = ((), (), (), (1,), (2,), (1, 2), (3,), (2, 4))
_ORIGIN = ("ManuallyCreated", "ManuallyCreated", "API", "Import", "WebForms")
_CHANNEL = (None, None, 52, 53)
_LOST = ("Price", "Timing", None)


def deal(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    """Deals are the largest table, so fields come from bit slices of three draws instead of ~35 calls."""
    r = g.rng("deals", i)
    sz = g.sizes
    x, y, z = r.bits(), r.bits(), r.bits()
    pipeline_id = 1 + x % 3
    stage_id = (pipeline_id - 1) * STAGES_PER + 1 + (x >> 4) % STAGES_PER
    status = _STATUS20[(x >> 8) % 20]
    close = (a + (u - a) * 3 // 4) if status != "open" else None
    won, lost = status == "won", status == "lost"
    return {
        "id": i, "title": f"{vocab.ORG_A[z % 16]} {vocab.ORG_B[(z >> 4) % 14]} {vocab.WORDS[(z >> 8) % 18]}",
        "creator_user_id": 1 + (x >> 28) % sz["users"], "owner_id": 1 + (x >> 24) % sz["users"],
        "value": _VALUES[(x >> 13) % 8],
        "person_id": 1 + y % sz["persons"] if (x >> 16) % 10 else None,
        "org_id": 1 + (y >> 20) % sz["organizations"] if (x >> 20) % 20 >= 3 else None,
        "stage_id": stage_id, "pipeline_id": pipeline_id, "currency": vocab.CURRENCIES[(x >> 32) % 4],
        "archive_time": st if s == ARCHIVED else None, "add_time": a, "update_time": u,
        "stage_change_time": a + (u - a) // 3 if u > a else None, "status": status,
        "is_archived": s == ARCHIVED, "is_deleted": s == DELETED, "probability": _PROB[(x >> 34) % 5],
        "lost_reason": _LOST[(z >> 13) % 3] if lost else None, "visible_to": _VIS[(x >> 37) % 5],
        "close_time": close, "won_time": close if won else None, "lost_time": close if lost else None,
        "expected_close_date": day(a + (10 + (y >> 40) % 110) * DAY) if (x >> 40) % 10 < 7 else None,
        "label_ids": list(_LABELS[(x >> 44) % 8]), "origin": _ORIGIN[(x >> 48) % 5], "origin_id": None,
        "channel": _CHANNEL[(x >> 51) % 4], "channel_id": None,
        "source_lead_id": g.lead_uuid(1 + (y >> 8) % sz["leads"]) if (x >> 54) % 10 == 0 else None,
        "acv": None, "arr": None, "mrr": None, "delete_time": st if s == DELETED else None,
        "_cf": g.values("deal", r),
    }


_JOBS = (None, None, "CEO", "CTO", "Buyer", "Engineer", "Office manager", None)


def person(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("persons", i)
    sz = g.sizes
    x, y = r.bits(), r.bits()
    first, last = vocab.FIRST[x % len(vocab.FIRST)], vocab.LAST[(x >> 5) % len(vocab.LAST)]
    quirky = i % 97 == 0        # old persons with quirks: no first/last split, odd spacing, no emails
    emails = [] if quirky else [{"value": f"{first}.{last}{i}@example.com".lower(), "primary": True, "label": "work"}]
    if (x >> 10) % 5 == 0 and not quirky:
        emails.append({"value": f"{first}{i}@mail.example".lower(), "primary": False, "label": "home"})
    phones = ([{"value": f"+372 5{100000 + y % 900000}", "primary": True, "label": "mobile"}]
              if (x >> 13) % 10 < 7 else [])
    return {
        "id": i, "name": f"{first} {last}" if not quirky else f"{first.upper()}  {last}",
        "first_name": None if quirky else first, "last_name": None if quirky else last,
        "owner_id": 1 + (x >> 17) % sz["users"],
        "org_id": 1 + (y >> 20) % sz["organizations"] if (x >> 23) % 10 < 8 else None,
        "add_time": a, "update_time": u, "emails": emails, "phones": phones, "is_deleted": s == DELETED,
        "visible_to": 3, "label_ids": [5 + (x >> 27) % 3] if (x >> 30) % 10 < 3 else [],
        "picture_id": 1 + (y >> 40) % 100000 if (x >> 34) % 10 == 0 else None,
        "postal_address": vocab.address(r) if (x >> 38) % 10 < 3 else None, "notes": None, "im": [],
        "birthday": None, "job_title": _JOBS[(x >> 42) % 8],
        "delete_time": st if s == DELETED else None, "_cf": g.values("person", r, 0.6),
    }


def organization(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("organizations", i)
    return {
        "id": i, "name": vocab.org_name(r), "owner_id": r.randint(1, g.sizes["users"]), "add_time": a, "update_time": u,
        "is_deleted": s == DELETED, "visible_to": 3, "address": vocab.address(r) if r.random() < 0.7 else None,
        "label_ids": [], "website": f"https://org{i}.example" if r.random() < 0.5 else None,
        "linkedin": None, "industry": r.choice((None, 1, 2, 3)), "annual_revenue": r.choice((None, 10**6, 5 * 10**7)),
        "employee_count": r.choice((None, 10, 250, 5000)), "delete_time": st if s == DELETED else None,
        "_cf": g.values("organization", r, 0.7),
    }


_SUBJ = ("Call", "Meeting", "Email", "Demo")
_ATYPES = ("call", "meeting", "email", "task", "deadline", "lunch")
_DUE_TIME = (None, "09:00", "14:30")
_DURATION = (None, "00:30", "01:00")
_NOTE = (None, "<p>Agenda</p>", "Follow up")


def activity(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    """Activities are the biggest table at large scale: bit slices of two draws, like deals."""
    r = g.rng("activities", i)
    sz = g.sizes
    x, y = r.bits(), r.bits()
    done = x % 10 < 6
    pid = 1 + y % sz["persons"] if (x >> 4) % 10 < 7 else None
    return {
        "id": i, "subject": f"{_SUBJ[(x >> 8) % 4]} about {vocab.WORDS[(x >> 10) % len(vocab.WORDS)]}",
        "type": _ATYPES[(x >> 15) % 6], "owner_id": 1 + (x >> 18) % sz["users"],
        "creator_user_id": 1 + (x >> 24) % sz["users"], "is_deleted": s == DELETED, "add_time": a, "update_time": u,
        "deal_id": 1 + (y >> 20) % sz["deals"] if (x >> 30) % 10 < 6 else None,
        "lead_id": g.lead_uuid(1 + (y >> 40) % sz["leads"]) if (x >> 34) % 20 == 0 else None,
        "person_id": pid, "org_id": 1 + (y >> 30) % sz["organizations"] if (x >> 39) % 2 else None,
        "project_id": None, "due_date": day(a + (x >> 40) % 21 * DAY),
        "due_time": _DUE_TIME[(x >> 45) % 3], "duration": _DURATION[(x >> 47) % 3],
        "busy": bool((x >> 49) & 1), "done": done, "marked_as_done_time": u if done else None,
        "location": vocab.address(r) if (x >> 50) % 10 == 0 else None,
        "participants": [{"person_id": pid, "primary": True}] if pid else [],
        "attendees": [], "conference_meeting_client": None, "conference_meeting_url": None,
        "conference_meeting_id": None, "public_description": None, "priority": None,
        "note": _NOTE[(x >> 54) % 3], "delete_time": st if s == DELETED else None,
    }


def product(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("products", i)
    price = r.choice((9, 49, 99.5, 500, 1200))
    return {
        "id": i, "name": f"{r.choice(vocab.WORDS).capitalize()} {r.choice(('Basic', 'Pro', 'Plus', 'Max'))} {i}",
        "code": f"P-{i:05d}", "unit": r.choice(("pcs", "seat", "hour", None)), "tax": r.choice((0, 20, 22)),
        "is_deleted": s == DELETED, "is_linkable": True, "visible_to": 3, "owner_id": r.randint(1, g.sizes["users"]),
        "add_time": a, "update_time": u, "description": None, "category": r.choice((None, "1", "2")),
        "billing_frequency": r.choice(("one-time", "monthly", "annually")), "billing_frequency_cycles": None,
        "prices": [{"product_id": i, "price": price, "currency": "EUR", "cost": round(price / 2, 2),
                    "direct_cost": None, "notes": ""}],
        "delete_time": st if s == DELETED else None, "_cf": g.values("product", r, 0.7),
    }


def lead(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("leads", i)
    sz = g.sizes
    ms = mix(g.seed, 77, i)
    return {
        "id": g.lead_uuid(i), "_n": i, "title": f"{vocab.org_name(r)} lead", "owner_id": r.randint(1, sz["users"]),
        "creator_id": r.randint(1, sz["users"]),
        "label_ids": [uuid_for(g.seed, 500, r.randint(1, 3))] if r.random() < 0.4 else [],
        "person_id": r.randint(1, sz["persons"]) if r.random() < 0.7 else None,
        "organization_id": r.randint(1, sz["organizations"]) if r.random() < 0.5 else None,
        "source_name": r.choice(("Manually created", "API", "Web forms", "Import")),
        "origin": "ManuallyCreated", "origin_id": None, "channel": None, "channel_id": None, "source_deal_id": None,
        "is_archived": s == ARCHIVED, "archive_time": st if s == ARCHIVED else None,
        "was_seen": r.random() < 0.5,
        "value": ({"amount": r.randint(1, 200) * 100, "currency": r.choice(vocab.CURRENCIES)}
                  if r.random() < 0.6 else None),
        "expected_close_date": day(a + 60 * DAY) if r.random() < 0.3 else None, "next_activity_id": None,
        # v1 leads carry millisecond timestamps [SPEC-v1]; the skeleton keeps whole seconds for ordering.
        "add_time": a, "update_time": u, "_add_ms": ms % 1000, "_upd_ms": (ms >> 12) % 1000,
        "visible_to": "3", "cc_email": f"company+lead{i}@pipedrivemail.example",
        "_cf": g.values("lead", r, 0.5),
    }


def pipeline(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    return {"id": i, "name": ("Sales", "Partners", "Renewals")[(i - 1) % 3] + ("" if i <= 3 else f" {i}"),
            "order_nr": i, "is_deleted": False, "is_deal_probability_enabled": i != 2,
            "add_time": a, "update_time": u, "is_selected": i == 1, "url_title": f"pipeline-{i}"}


def stage(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    n = (i - 1) % STAGES_PER
    return {"id": i, "order_nr": n + 1, "name": ("Qualified", "Contact made", "Demo", "Proposal", "Negotiation")[n],
            "is_deleted": False, "deal_probability": (10, 25, 50, 75, 90)[n], "pipeline_id": (i - 1) // STAGES_PER + 1,
            "is_deal_rot_enabled": n == 4, "days_to_rotten": 30 if n == 4 else None, "add_time": a, "update_time": u}
