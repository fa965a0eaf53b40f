"""Records of the v1-only entities (users, notes, files, call logs, mail threads) in canonical form, made from
a skeleton row like the core ones."""
from __future__ import annotations

from . import vocabulary as vocab
from .clock import v1_dt
from .generator import Gen
from .record import DELETED, Record
from .seeded import FastRng, uuid_for

# Every credential (API token, OAuth access token) is user 1's: /v1/users/me is user 1, is_you is true only
# for user 1, and the per-user endpoints (call logs, mailbox, "your" goals) answer for user 1.
TOKEN_USER = 1


def _owner(r: FastRng, i: int, users: int) -> int:
    """Two records in three belong to the token user, the rest to others (per-user endpoints must show both)."""
    other = r.randint(2, max(2, users))
    return TOKEN_USER if i % 3 else other


def user(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("users", i)
    first, last = vocab.person_name(r)
    active = i % 7 != 0          # a few deactivated users, as real accounts have
    return {
        "id": i, "name": f"{first} {last}", "default_currency": "EUR", "locale": "en_US", "lang": 1,
        "email": f"{first}.{last}.{i}@company.example".lower(), "phone": None if i % 2 else f"+372 5{i:06d}",
        "activated": active, "last_login": u, "add_time": a, "update_time": u, "has_created_company": i == 1,
        "access": [{"app": "sales", "admin": i == 1, "permission_set_id": uuid_for(g.seed, 600, 1 if i == 1 else 2)},
                   {"app": "global", "admin": i == 1, "permission_set_id": uuid_for(g.seed, 600, 3)}],
        "active_flag": active, "timezone_name": "Europe/Tallinn", "timezone_offset": "+02:00",
        "role_id": 1 if i == 1 else 2, "icon_url": None, "is_you": i == 1, "is_deleted": not active,
    }


def note(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("notes", i)
    sz = g.sizes
    return {
        "id": i, "user_id": r.randint(1, sz["users"]),
        "deal_id": r.randint(1, sz["deals"]) if r.random() < 0.6 else None,
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


def file(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("files", i)
    sz = g.sizes
    name = f"{r.choice(vocab.WORDS)}-{i}.{r.choice(('pdf', 'docx', 'png'))}"
    return {
        "id": i, "user_id": r.randint(1, sz["users"]),
        "deal_id": r.randint(1, sz["deals"]) if r.random() < 0.7 else None,
        "person_id": None, "org_id": None, "product_id": None, "activity_id": None, "lead_id": None, "project_id": None,
        "add_time": a, "update_time": u, "file_name": name, "file_size": r.randint(1000, 5 * 10**6),
        "active_flag": s != DELETED, "inline_flag": False, "remote_location": "s3", "remote_id": f"r{i}", "cid": "",
        "s3_bucket": "", "mail_message_id": "", "mail_template_id": "", "deal_name": "", "person_name": "",
        "org_name": "", "product_name": "", "lead_name": "", "project_name": "",
        "url": f"https://company.pipedrive.example/v1/files/{i}/download", "name": name, "description": "",
        "delete_time": st if s == DELETED else None,
    }


def call_log(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("call_logs", i)
    sz = g.sizes
    dur = r.randint(10, 3600)
    return {
        "id": uuid_for(g.seed, 700, i)[:24].replace("-", ""), "_n": i, "user_id": _owner(r, i, sz["users"]),
        "activity_id": r.randint(1, sz["activities"]), "subject": "Outgoing call", "duration": str(dur),
        "outcome": r.choice(("connected", "no_answer", "busy", "left_voicemail")),
        "from_phone_number": "+372 5550000", "to_phone_number": f"+372 5{r.randint(100000, 999999)}",
        "start_time": a, "end_time": a + dur, "person_id": r.randint(1, sz["persons"]), "org_id": None,
        "deal_id": None, "lead_id": None, "note": None, "has_recording": False, "company_id": 1000 + g.seed,
        "add_time": a, "update_time": u,
    }


def mail_thread(g: Gen, i: int, a: int, u: int, s: int, st: int) -> Record:
    r = g.rng("mail_threads", i)
    sz = g.sizes
    return {
        "id": i, "account_id": "acc-1", "user_id": _owner(r, i, sz["users"]), "subject": f"Re: {r.choice(vocab.WORDS)}",
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
