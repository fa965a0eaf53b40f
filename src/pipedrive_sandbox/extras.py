"""Records of the v1-only entities: users, notes, files, call logs, mail, and the small settings tables."""
from __future__ import annotations

from . import company as co
from .clock import DAY, v1_dt
from .generate import DELETED, Gen

# Every credential (API token, OAuth access token) is user 1's: /v1/users/me is user 1, is_you is true only
# for user 1, and the per-user endpoints (call logs, mailbox, "your" goals) answer for user 1.
TOKEN_USER = 1


def _owner(r, i: int, users: int) -> int:
    """Two records in three belong to the token user, the rest to others (per-user endpoints must show both)."""
    other = r.randint(2, max(2, users))
    return TOKEN_USER if i % 3 else other


def user(g: Gen, i: int, a: int, u: int, s: int, st: int) -> dict:
    r = g.rng("users", i)
    first, last = co.person_name(r)
    active = i % 7 != 0          # a few deactivated users, as real accounts have
    return {
        "id": i, "name": f"{first} {last}", "default_currency": "EUR", "locale": "en_US", "lang": 1,
        "email": f"{first}.{last}.{i}@company.example".lower(), "phone": None if i % 2 else f"+372 5{i:06d}",
        "activated": active, "last_login": u, "add_time": a, "update_time": u, "has_created_company": i == 1,
        "access": [{"app": "sales", "admin": i == 1, "permission_set_id": co.uuid_for(g.seed, 600, 1 if i == 1 else 2)},
                   {"app": "global", "admin": i == 1, "permission_set_id": co.uuid_for(g.seed, 600, 3)}],
        "active_flag": active, "timezone_name": "Europe/Tallinn", "timezone_offset": "+02:00",
        "role_id": 1 if i == 1 else 2, "icon_url": None, "is_you": i == 1, "is_deleted": not active,
    }


def note(g: Gen, i: int, a: int, u: int, s: int, st: int) -> dict:
    r = g.rng("notes", i)
    sz = g.sizes
    return {
        "id": i, "user_id": r.randint(1, sz["users"]), "deal_id": r.randint(1, sz["deals"]) if r.random() < 0.6 else None,
        "person_id": r.randint(1, sz["persons"]) if r.random() < 0.4 else None,
        "org_id": r.randint(1, sz["organizations"]) if r.random() < 0.3 else None,
        "lead_id": g.lead_uuid(r.randint(1, sz["leads"])) if r.random() < 0.1 else None,
        "project_id": None, "task_id": None,
        "content": r.choice(("<p>Call summary</p>", "Sent the <b>proposal</b>", "Ääkkönen & <i>co</i> — ok ✓")),
        "add_time": a, "update_time": u, "active_flag": s != DELETED, "last_update_user_id": r.randint(1, sz["users"]),
        "pinned_to_deal_flag": r.random() < 0.1, "pinned_to_organization_flag": False,
        "pinned_to_person_flag": False, "pinned_to_lead_flag": False, "pinned_to_project_flag": False,
        "pinned_to_task_flag": False, "delete_time": st if s == DELETED else None,
    }


def file(g: Gen, i: int, a: int, u: int, s: int, st: int) -> dict:
    r = g.rng("files", i)
    sz = g.sizes
    name = f"{r.choice(co.WORDS)}-{i}.{r.choice(('pdf', 'docx', 'png'))}"
    return {
        "id": i, "user_id": r.randint(1, sz["users"]), "deal_id": r.randint(1, sz["deals"]) if r.random() < 0.7 else None,
        "person_id": None, "org_id": None, "product_id": None, "activity_id": None, "lead_id": None, "project_id": None,
        "add_time": a, "update_time": u, "file_name": name, "file_size": r.randint(1000, 5 * 10**6),
        "active_flag": s != DELETED, "inline_flag": False, "remote_location": "s3", "remote_id": f"r{i}", "cid": "",
        "s3_bucket": "", "mail_message_id": "", "mail_template_id": "", "deal_name": "", "person_name": "",
        "org_name": "", "product_name": "", "lead_name": "", "project_name": "",
        "url": f"https://company.pipedrive.example/v1/files/{i}/download", "name": name, "description": "",
        "delete_time": st if s == DELETED else None,
    }


def call_log(g: Gen, i: int, a: int, u: int, s: int, st: int) -> dict:
    r = g.rng("call_logs", i)
    sz = g.sizes
    dur = r.randint(10, 3600)
    return {
        "id": co.uuid_for(g.seed, 700, i)[:24].replace("-", ""), "_n": i, "user_id": _owner(r, i, sz["users"]),
        "activity_id": r.randint(1, sz["activities"]), "subject": "Outgoing call", "duration": str(dur),
        "outcome": r.choice(("connected", "no_answer", "busy", "left_voicemail")),
        "from_phone_number": "+372 5550000", "to_phone_number": f"+372 5{r.randint(100000, 999999)}",
        "start_time": a, "end_time": a + dur, "person_id": r.randint(1, sz["persons"]), "org_id": None,
        "deal_id": None, "lead_id": None, "note": None, "has_recording": False, "company_id": 1000 + g.seed,
        "add_time": a, "update_time": u,
    }


def mail_thread(g: Gen, i: int, a: int, u: int, s: int, st: int) -> dict:
    r = g.rng("mail_threads", i)
    sz = g.sizes
    return {
        "id": i, "account_id": "acc-1", "user_id": _owner(r, i, sz["users"]), "subject": f"Re: {r.choice(co.WORDS)}",
        "snippet": "Thanks for the call...", "read_flag": 1, "mail_tracking_status": None,
        "has_attachments_flag": 0, "has_inline_attachments_flag": 0, "has_real_attachments_flag": 0, "deleted_flag": 0,
        "synced_flag": 1, "smart_bcc_flag": 0, "mail_link_tracking_enabled_flag": 0,
        "parties": {"to": [{"id": 1, "name": "Anna", "latest_sent": False, "email_address": "anna@example.com",
                            "message_time": 0, "linked_person_id": 1, "linked_person_name": "Anna",
                            "mail_message_party_id": 1}], "from": []},
        "drafts_parties": [], "folders": [("inbox", "sent", "archive", "drafts")[i % 4]], "version": 2,
        "snippet_draft": None, "snippet_sent": "Sure", "message_count": 1 + i % 3, "has_draft_flag": int(i % 4 == 3),
        "has_sent_flag": 1, "archived_flag": int(i % 4 == 2), "shared_flag": 1, "external_deleted_flag": 0,
        "first_message_to_me_flag": 1, "last_message_timestamp": v1_dt(u), "first_message_timestamp": v1_dt(a),
        "last_message_sent_timestamp": None, "last_message_received_timestamp": v1_dt(u),
        "add_time": a, "update_time": u, "deal_id": r.randint(1, sz["deals"]) if r.random() < 0.5 else None,
        "deal_status": None, "lead_id": None, "all_messages_sent_flag": 0,
    }


def mail_messages(g: Gen, thread: dict) -> list[dict]:
    out = []
    for k in range(thread["message_count"]):
        t = thread["add_time"] + k * 3600
        out.append({
            "id": thread["id"] * 10 + k, "account_id": "acc-1", "user_id": thread["user_id"],
            "subject": thread["subject"], "snippet": "Thanks...", "read_flag": 1, "mail_tracking_status": None,
            "has_attachments_flag": 0, "has_inline_attachments_flag": 0, "has_real_attachments_flag": 0,
            "deleted_flag": 0, "synced_flag": 1, "smart_bcc_flag": 0, "mail_link_tracking_enabled_flag": 0,
            "from": [{"id": 1, "email_address": "anna@example.com", "name": "Anna", "linked_person_id": 1}],
            "to": [{"id": 2, "email_address": "sales@company.example", "name": "Sales", "linked_person_id": None}],
            "cc": [], "bcc": [], "body_url": f"https://company.pipedrive.example/mail/{thread['id']}/{k}",
            "mail_thread_id": thread["id"], "draft": None, "has_body_flag": 1, "sent_flag": int(k % 2 == 1),
            "sent_from_pipedrive_flag": 0, "message_time": v1_dt(t), "add_time": v1_dt(t), "update_time": v1_dt(t),
        })
    return out


def settings_tables(g: Gen) -> dict[str, list[dict]]:
    """Small v1 settings tables (times as epoch ints); none of them is paginated except roles."""
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
        "lead_labels": [{"id": co.uuid_for(seed, 500, i), "name": n, "color": c, "add_time": t0, "update_time": t0}
                        for i, (n, c) in enumerate((("Hot", "red"), ("Warm", "yellow"), ("Cold", "blue")), start=1)],
        "lead_sources": [{"name": n} for n in ("Manually created", "Deal", "Web forms", "Prospector", "Leadbooster",
                                                  "Live chat", "Import", "Website visitors", "Workflow automation", "API")],
        "filters": [{"id": i, "name": f"{t.capitalize()} filter", "filter_code": None, "is_editable": True,
                     "active_flag": True, "type": t, "temporary_flag": None, "user_id": 1, "add_time": t0 + i,
                     "update_time": t1 if i == 2 else t0 + i, "visible_to": "7", "last_used_time": None,
                     "custom_view_id": None}
                    for i, t in enumerate(("deals", "leads", "org", "people", "products", "activity"), start=1)],
        "roles": [{"parent_role_id": None if i == 1 else 1, "name": n, "id": i, "active_flag": True,
                   "assignment_count": "1", "sub_role_count": "0" if i > 1 else "2", "level": 1 if i == 1 else 2}
                  for i, n in enumerate(("Management", "Sales", "Support"), start=1)],
        "permission_sets": [{"id": co.uuid_for(seed, 600, i), "name": n, "description": "", "app": a, "type": ty,
                             "assignment_count": 1}
                            for i, (n, a, ty) in enumerate((("Deal admin", "sales", "admin"),
                                                             ("Regular user", "sales", "regular"),
                                                             ("Global admin", "global", "admin")), start=1)],
        "goals": goals(seed),
    }


# (assignee type, assignee id, goal type, tracking metric, active): person, team and company goals, several
# users', active and inactive, so a reader of only its own goals visibly misses some [SPEC-v1 GET /goals/find].
_GOALS = (
    ("person", 1, "deals_won", "quantity", True), ("person", 1, "activities_completed", "quantity", True),
    ("person", 1, "deals_started", "sum", False), ("person", 2, "deals_won", "sum", True),
    ("person", 3, "activities_added", "quantity", True), ("person", 3, "deals_progressed", "quantity", False),
    ("team", 1, "deals_progressed", "quantity", True), ("team", 2, "activities_completed", "quantity", False),
    ("company", 1, "deals_won", "sum", True), ("company", 1, "deals_started", "quantity", True),
)


def goals(seed: int) -> list[dict]:
    out = []
    for n, (kind, who, name, metric, active) in enumerate(_GOALS, start=1):
        if name.startswith("activities"):
            params: dict = {"activity_type_id": [1, 2]}
        elif name == "deals_progressed":
            params = {"pipeline_id": [1], "stage_id": 3}
        else:
            params = {"pipeline_id": [1 + n % 3]}
        outcome: dict = {"target": 10 * n, "tracking_metric": metric}
        if metric == "sum":
            outcome["currency_id"] = 1
        year = 2026 if active else 2025
        out.append({"id": co.uuid_for(seed, 800, n), "owner_id": TOKEN_USER, "title": f"{name} {kind} {who}",
                    "type": {"name": name, "params": params}, "assignee": {"id": who, "type": kind},
                    "interval": "quarterly", "duration": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                    "expected_outcome": outcome, "is_active": active, "report_ids": []})
    return out
