"""Records derived from their parent on read, never stored (and not tracked by the truth): a deal's
include_fields counters and attached products, a mail thread's messages."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .clock import DAY, v1_dt
from .record import Record
from .seeded import mix, rng

if TYPE_CHECKING:
    from .store import Store


def deal_extra(rec: Record) -> Record:
    """Counters and ids v2 deals return only via include_fields [SPEC-v2] (derived from the id, not stored)."""
    h = mix(4243, rec["id"])
    won = rec["status"] == "won"
    return {"next_activity_id": None, "last_activity_id": None, "first_won_time": rec["won_time"] if won else None,
            "products_count": h % 4, "files_count": 0, "notes_count": (h >> 4) % 3, "followers_count": 1,
            "email_messages_count": 0, "activities_count": (h >> 8) % 6, "done_activities_count": 0,
            "undone_activities_count": 0, "participants_count": 1, "last_incoming_mail_time": None,
            "last_outgoing_mail_time": None, "smart_bcc_email": f"company+deal{rec['id']}@pipedrivemail.example"}


def attached_products(store: Store, deal_id: int) -> list[Record]:
    """A deal's attached products (products_count items, ids deal_id*10+k); none for an unlisted deal."""
    t = store.table("deals")
    i = t.row_of(deal_id)
    if i is None or t.visible(i, store.clock.now()) is None:
        return []
    deal = t.get(i)
    n_products = store.gen.sizes["products"]
    out = []
    for k in range(deal_extra(deal)["products_count"]):
        r = rng(store.gen.seed, 4242, deal_id, k)
        pid = r.randint(1, n_products)
        qty = r.randint(1, 10)
        price = r.choice((9, 49, 99.5, 500))
        added = deal["add_time"] + k * 60
        out.append({"id": deal_id * 10 + k, "sum": qty * price, "tax": 0, "deal_id": deal_id,
                    "name": f"Product {pid}", "product_id": pid, "product_variation_id": None, "order_nr": k + 1,
                    "add_time": added, "update_time": max(added, deal["update_time"] - r.randint(0, 5) * DAY),
                    "comments": None, "currency": deal["currency"], "discount": 0, "discount_type": "percentage",
                    "quantity": qty, "item_price": price, "tax_method": "inclusive", "is_enabled": True,
                    "billing_frequency": "one-time", "billing_frequency_cycles": None, "billing_start_date": None})
    return out


def mail_messages(thread: Record) -> list[Record]:
    """A thread's message_count messages, an hour apart from the thread's add_time (v1 shape)."""
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
