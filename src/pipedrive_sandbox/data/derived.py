"""What is derived from a record on read, never stored: a deal's include_fields counters and ids."""
from __future__ import annotations

from .child_records import deal_hash
from .record import Record


def deal_extra(rec: Record) -> Record:
    """Counters and ids v2 deals return only via include_fields [SPEC-v2]. products_count, followers_count and
    participants_count are the sizes of the deal's generated child lists (data.child_records), or what the
    store recorded after a child changed (`_products_count`, ...)."""
    h = deal_hash(rec["id"])
    won = rec["status"] == "won"
    return {"next_activity_id": None, "last_activity_id": None, "first_won_time": rec["won_time"] if won else None,
            "products_count": rec.get("_products_count", h % 4), "files_count": 0, "notes_count": (h >> 4) % 3,
            "followers_count": rec.get("_followers_count", 1 + (h >> 16) % 3),
            "email_messages_count": 0, "activities_count": (h >> 8) % 6, "done_activities_count": 0,
            "undone_activities_count": 0, "participants_count": rec.get("_participants_count", (h >> 20) % 3),
            "last_incoming_mail_time": None, "last_outgoing_mail_time": None,
            "smart_bcc_email": f"company+deal{rec['id']}@pipedrivemail.example"}
