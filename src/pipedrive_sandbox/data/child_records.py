"""Child records (issue 12): what belongs to one parent record. A deal's products, installments, participants,
followers, discounts and field history; a person's, an organization's, a product's or a user's followers; a
product's variations; a note's comments; a mail thread's messages.

Each Kind makes one parent's children from the seed and the parent's row in two steps: a cheap `plan` (numbers
only: internal numbers, times, user ids), enough for the ground truth's keys, then `fill`, the canonical
records, which may read the parent record. Generated children of parent row r are numbered r * 10 + k (their
`_n`); children created through the control interface get numbers past every generated one. Times are epoch
ints; `api.children` renders the API shapes.
"""
from __future__ import annotations

from typing import Any

from .clock import DAY, day, v1_dt
from .generator import Gen
from .record import Record
from .seeded import mix, rng
from .v1_records import TOKEN_USER

Plan = tuple[int, ...]              # one planned child: (n, kind-specific numbers...)
ChildKey = int | str | list[Any]    # the record's id (or uuid), or its identifying fields
SPACING = 10                        # generated children of row r: r * SPACING + k, k < SPACING


def deal_hash(row: int) -> int:
    """The hash deals' include_fields counters come from (data.derived.deal_extra): products_count,
    followers_count and participants_count are the sizes of the generated child lists."""
    return mix(4243, row)


def child_uuid(seed: int, salt: int, n: int) -> str:
    """A UUID-formatted id whose last group is the child's number, so a control call can find its parent."""
    h = f"{mix(seed, salt, n):016x}{mix(seed, salt, n, 1):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{n:012x}"


def uuid_number(text: str) -> int:
    """The child number a child_uuid carries; ValueError for anything else."""
    if len(text) != 36 or text.count("-") != 4:
        raise ValueError(f"not a child id: {text!r}")
    return int(text[-12:], 16)


def _distinct_users(h: int, n_users: int, count: int, exclude: int = 0) -> list[int]:
    """`count` different user ids (never `exclude`) from one hash: 12 bits a draw, the next free id on a clash
    (one hash, no generator: the truth of a large sandbox walks every parent)."""
    out: list[int] = []
    for k in range(min(count, n_users - (1 if exclude else 0))):
        u = 1 + ((h >> (12 * k)) & 0xFFF) % n_users
        while u == exclude or u in out:
            u = u % n_users + 1
        out.append(u)
    return out


def _only(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> dict[str, Any]:
    """The given fields, refusing any the child does not have (a clear 400 through the control interface)."""
    bad = sorted(set(fields) - set(allowed))
    if bad:
        raise ValueError(f"{what}: unknown fields {bad}; allowed: {', '.join(allowed)}")
    return fields


class Kind:
    """One child stream: its parent table, how its children are generated, keyed and changed."""

    name = ""
    parent = ""                       # the parent table
    parent_field: str | None = None   # control input naming the parent id (besides parent_id), as records name it
    key_field: str | None = "id"      # the record's own id; None: the key is a list of identifying fields
    mutable = True                    # created / updated / deleted through the control interface
    editable: tuple[str, ...] = ()    # fields a control update may change
    refs: dict[str, str] = {}         # record key -> the table whose record it names (checked on create)

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        raise NotImplementedError

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        raise NotImplementedError

    def plan_key(self, g: Gen, pid: int, p: Plan) -> ChildKey:
        return p[0]

    def plan_keys(self, g: Gen, pid: int, a: int, u: int) -> list[ChildKey]:
        """The keys of parent row `pid`'s generated children (what the truth lists; kinds make it cheap)."""
        return [self.plan_key(g, pid, p) for p in self.plan(g, pid, a, u)]

    def key(self, pid: int, rec: Record) -> ChildKey:
        return rec[self.key_field] if self.key_field else [pid]

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        raise ValueError(f"{self.name} cannot be created through the control interface")

    def edit(self, rec: Record, fields: dict[str, Any], now: int) -> Record:
        """A copy of the record with the fields changed (records are replaced, never edited in place)."""
        out = dict(rec)
        out.update(_only(fields, self.editable, self.name))
        if "update_time" in out:
            out["update_time"] = now
        return out


def _sum(qty: float, price: float, discount: float, discount_type: str) -> float:
    gross = qty * price
    return gross * (1 - discount / 100) if discount_type == "percentage" else gross - discount


class DealProducts(Kind):
    """Products attached to a deal (GET /api/v2/deals/products, /deals/{id}/products [SPEC-v2]): 0-3 a deal."""

    name, parent, parent_field = "deal_products", "deals", "deal_id"
    refs = {"product_id": "products"}
    editable = ("quantity", "item_price", "discount", "discount_type", "comments", "is_enabled", "tax",
                "tax_method", "product_variation_id", "billing_frequency", "billing_frequency_cycles",
                "billing_start_date", "order_nr", "name")

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        return [(row * SPACING + k,) for k in range(deal_hash(row) % 4)]

    def plan_keys(self, g: Gen, pid: int, a: int, u: int) -> list[ChildKey]:
        return [pid * SPACING + k for k in range(deal_hash(pid) % 4)]

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        out = []
        for k, _ in enumerate(plan):
            r = rng(g.seed, 4242, row, k)
            pid = r.randint(1, g.sizes["products"])
            qty = r.randint(1, 10)
            price = r.choice((9, 49, 99.5, 500))
            added = parent["add_time"] + k * 60
            out.append(self._record(row * SPACING + k, row, pid, qty, price, k + 1, parent["currency"], added,
                                    max(added, parent["update_time"] - r.randint(0, 5) * DAY)))
        return out

    @staticmethod
    def _record(n: int, deal: int, pid: int, qty: float, price: float, order: int, currency: str, added: int,
                updated: int) -> Record:
        return {"_n": n, "id": n, "sum": qty * price, "tax": 0, "deal_id": deal, "name": f"Product {pid}",
                "product_id": pid, "product_variation_id": None, "order_nr": order, "add_time": added,
                "update_time": updated, "comments": None, "currency": currency, "discount": 0,
                "discount_type": "percentage", "quantity": qty, "item_price": price, "tax_method": "inclusive",
                "is_enabled": True, "billing_frequency": "one-time", "billing_frequency_cycles": None,
                "billing_start_date": None}

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        product = fields.get("product_id")
        if not isinstance(product, int) or not 0 < product:
            raise ValueError("deal_products: product_id (an integer) is required")
        rec = self._record(n, pid, product, 1, 0, 1, "EUR", now, now)
        return self.edit(rec, {k: v for k, v in fields.items() if k != "product_id"}, now)

    def edit(self, rec: Record, fields: dict[str, Any], now: int) -> Record:
        out = super().edit(rec, {k: v for k, v in fields.items() if k != "currency"}, now)
        out["currency"] = fields.get("currency", out["currency"])
        out["sum"] = _sum(out["quantity"], out["item_price"], out["discount"], out["discount_type"])
        return out


class DealInstallments(Kind):
    """Installments of deals (GET /api/v2/deals/installments [SPEC-v2]): one in five deals with products
    bills in 1-3 installments."""

    name, parent, parent_field = "deal_installments", "deals", "deal_id"
    editable = ("amount", "billing_date", "description")

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        h = deal_hash(row)
        if h % 4 == 0 or (h >> 24) % 5:
            return []
        return [(row * SPACING + k,) for k in range(1 + (h >> 28) % 3)]

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        amount = max(10.0, round(float(parent["value"] or 0) / len(plan), 2)) if plan else 0.0
        return [{"_n": p[0], "id": p[0], "deal_id": row, "amount": amount,
                 "billing_date": day(parent["add_time"] + (k + 1) * 30 * DAY),
                 "description": "Delivery Fee" if k == 0 and len(plan) > 1 else f"Installment {k + 1}"}
                for k, p in enumerate(plan)]

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        rec = {"_n": n, "id": n, "deal_id": pid, "amount": 0.0, "billing_date": day(now), "description": ""}
        return self.edit(rec, fields, now)


class DealParticipants(Kind):
    """Persons taking part in a deal (GET /v1/deals/{id}/participants [SPEC-v1]): 0-2 a deal, the deal's own
    person first."""

    name, parent, parent_field = "deal_participants", "deals", "deal_id"
    refs = {"person_id": "persons", "added_by_user_id": "users"}
    editable = ("active_flag",)

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        return [(row * SPACING + k,) for k in range((deal_hash(row) >> 20) % 3)]

    def plan_keys(self, g: Gen, pid: int, a: int, u: int) -> list[ChildKey]:
        return [pid * SPACING + k for k in range((deal_hash(pid) >> 20) % 3)]

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        r = rng(g.seed, 4244, row)
        out = []
        for k, p in enumerate(plan):
            person = parent["person_id"] if k == 0 and parent["person_id"] else r.randint(1, g.sizes["persons"])
            out.append({"_n": p[0], "id": p[0], "deal_id": row, "person_id": person,
                        "added_by_user_id": parent["creator_user_id"], "add_time": parent["add_time"] + k * 3600,
                        "active_flag": True})
        return out

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        person = fields.get("person_id")
        if not isinstance(person, int):
            raise ValueError("deal_participants: person_id (an integer) is required")
        return {"_n": n, "id": n, "deal_id": pid, "person_id": person,
                "added_by_user_id": fields.get("added_by_user_id", TOKEN_USER), "add_time": now, "active_flag": True}


class Followers(Kind):
    """Users following a record (GET /api/v2/{deals,persons,organizations,products,users}/{id}/followers
    [SPEC-v2]): 1-3 a record (users: 0-2 other users). The item has no id: the key is [parent id, user_id]."""

    key_field = None
    refs = {"user_id": "users"}

    def __init__(self, name: str, parent: str, salt: int, parent_field: str | None) -> None:
        self.name, self.parent, self.salt, self.parent_field = name, parent, salt, parent_field

    def _users(self, g: Gen, row: int) -> list[int]:
        h = mix(g.seed, self.salt, row)
        if self.parent == "deals":
            count = 1 + (deal_hash(row) >> 16) % 3
        else:
            count = h % 3 if self.parent == "users" else 1 + h % 3
        return _distinct_users(h >> 4, g.sizes["users"], count, exclude=row if self.parent == "users" else 0)

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        return [(row * SPACING + k, user, a + k * 60) for k, user in enumerate(self._users(g, row))]

    def plan_keys(self, g: Gen, pid: int, a: int, u: int) -> list[ChildKey]:
        return [[pid, user] for user in self._users(g, pid)]

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        return [{"_n": n, "user_id": user, "add_time": t} for n, user, t in plan]

    def plan_key(self, g: Gen, pid: int, p: Plan) -> ChildKey:
        return [pid, p[1]]

    def key(self, pid: int, rec: Record) -> ChildKey:
        return [pid, rec["user_id"]]

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        _only(fields, ("user_id",), self.name)
        if not isinstance(fields.get("user_id"), int):
            raise ValueError(f"{self.name}: user_id (an integer) is required")
        return {"_n": n, "user_id": fields["user_id"], "add_time": now}

    def edit(self, rec: Record, fields: dict[str, Any], now: int) -> Record:
        raise ValueError(f"{self.name}: a follower has nothing to update (delete it, or create another)")


# Fields whose history the generated changelog shows, per entity; "CF" stands for the entity's varchar
# custom field (a 40-hex field_key, as in the spec's person example [SPEC-v1]).
_LOGGED: dict[str, tuple[str, ...]] = {
    "deals": ("title", "value", "stage_id", "status", "owner_id", "expected_close_date", "probability", "CF"),
    "persons": ("name", "email", "phone", "owner_id", "org_id", "CF"),
    "organizations": ("name", "address", "owner_id", "CF"),
}
_CF_KIND = {"deals": "deal", "persons": "person", "organizations": "organization"}
_SOURCES = ("app", "app", "app", "api", "mobile")
_AGENT = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/121.0.0.0 Safari/537.36")


def value_text(v: Any) -> str | None:
    """A field value as the changelog's old_value / new_value strings [SPEC-v1]."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dict):
        return value_text(v.get("value"))
    if isinstance(v, (list, tuple)):
        return ",".join(str(value_text(x)) for x in v) or None
    return str(v)


def field_value(rec: Record, field: str) -> Any:
    """A record's value of a logged field (custom ones by their key; email / phone: the primary value)."""
    if len(field) == 40:
        return rec["_cf"].get(field)
    if field in ("email", "phone"):
        items = rec[field + "s"]
        return items[0]["value"] if items else None
    return rec.get(field)


def _older(field: str, new: str | None, h: int) -> str | None:
    """A plausible value before the generated change (None: the field was set for the first time)."""
    if new is None:
        return "Unset" if h % 2 else None
    if field == "status":
        return "open" if new != "open" else "lost"
    if field.endswith("_id") and new.isdigit():
        return str(int(new) + 1 if int(new) < 2 else int(new) - 1)
    if field in ("value", "probability") and new.replace(".", "", 1).isdigit():
        return value_text(float(new) / 2)
    return None if h % 3 == 0 else f"{new} (draft)"


class Changelog(Kind):
    """Field value updates of a deal, person or organization (GET /v1/{deals,persons,organizations}/{id}/changelog
    [SPEC-v1]), newest first. A record updated after its creation has 1-3 changes of different fields, the
    last at its update_time; updates through the control interface append entries. No id: the key is
    [parent id, field_key, time]. Not created or deleted directly: they come from updates of the parent."""

    key_field = None
    mutable = False

    def __init__(self, name: str, parent: str, salt: int) -> None:
        self.name, self.parent, self.salt = name, parent, salt
        self._keys: dict[int, tuple[str, ...]] = {}     # seed -> field keys by index

    def field_key(self, g: Gen, idx: int) -> str:
        keys = self._keys.get(g.seed)
        if keys is None:
            cf = next(x.key for x in g.cf[_CF_KIND[self.parent]] if x.type == "varchar")
            keys = self._keys[g.seed] = tuple(cf if f == "CF" else f for f in _LOGGED[self.parent])
        return keys[idx]

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        if u <= a:
            return []
        h = mix(g.seed, self.salt, row)
        m = 1 + (h >> 8) % 3
        fields = rng(g.seed, self.salt, row, 1).sample(range(len(_LOGGED[self.parent])), m)
        actor = 1 + (h >> 20) % g.sizes["users"]
        bulk = int(u in g.bulk)
        return [(row * SPACING + k, a + (u - a) * (k + 1) // m, f, actor, (h >> (24 + 3 * k)) % len(_SOURCES),
                 bulk if k == m - 1 else 0) for k, f in enumerate(fields)]

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        out = []
        for n, t, f, actor, src, bulk in plan:
            key = self.field_key(g, f)
            new = value_text(field_value(parent, key))
            out.append(self.entry(n, key, _older(_LOGGED[self.parent][f], new, n), new, actor, t,
                                  _SOURCES[src], bool(bulk)))
        return out

    @staticmethod
    def entry(n: int, key: str, old: str | None, new: str | None, actor: int, t: int, source: str,
              bulk: bool) -> Record:
        return {"_n": n, "field_key": key, "old_value": old, "new_value": new, "actor_user_id": actor,
                "time": t, "change_source": source,
                "change_source_user_agent": _AGENT if source == "app" else None, "is_bulk_update_flag": bulk}

    def plan_key(self, g: Gen, pid: int, p: Plan) -> ChildKey:
        return [pid, self.field_key(g, p[2]), v1_dt(p[1])]

    def key(self, pid: int, rec: Record) -> ChildKey:
        return [pid, rec["field_key"], v1_dt(rec["time"])]


class MailMessages(Kind):
    """A mail thread's messages (GET /v1/mailbox/mailThreads/{id}/mailMessages [SPEC-v1]): message_count of
    them, an hour apart from the thread's add_time."""

    name, parent, parent_field = "mail_messages", "mail_threads", "mail_thread_id"
    editable = ("read_flag", "subject", "snippet")

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        return [(row * SPACING + k,) for k in range(1 + row % 3)]   # the thread maker's message_count

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        return [self._message(p[0], parent, k, parent["add_time"] + k * 3600) for k, p in enumerate(plan)]

    @staticmethod
    def _message(n: int, thread: Record, k: int, t: int) -> Record:
        return {
            "_n": n, "id": n, "account_id": "acc-1", "user_id": thread["user_id"], "subject": thread["subject"],
            "snippet": "Thanks...", "read_flag": 1, "mail_tracking_status": None, "has_attachments_flag": 0,
            "has_inline_attachments_flag": 0, "has_real_attachments_flag": 0, "deleted_flag": 0, "synced_flag": 1,
            "smart_bcc_flag": 0, "mail_link_tracking_enabled_flag": 0,
            "from": [{"id": 1, "email_address": "anna@example.com", "name": "Anna", "linked_person_id": 1}],
            "to": [{"id": 2, "email_address": "sales@company.example", "name": "Sales", "linked_person_id": None}],
            "cc": [], "bcc": [], "body_url": f"https://company.pipedrive.example/mail/{thread['id']}/{k}",
            "mail_thread_id": thread["id"], "draft": None, "has_body_flag": 1, "sent_flag": int(k % 2 == 1),
            "sent_from_pipedrive_flag": 0, "message_time": t, "add_time": t, "update_time": t,
        }

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        fields = dict(fields)
        thread = {"id": pid, "user_id": TOKEN_USER, "subject": fields.pop("subject", "New message")}
        return self.edit(self._message(n, thread, n, now), fields, now)


_VARIANTS = ("Small", "Large", "Blue", "Red", "Annual", "Monthly")


class ProductVariations(Kind):
    """A product's variations (GET /api/v2/products/{id}/variations [SPEC-v2]): three products in ten have
    1-2, each with its own price."""

    name, parent, parent_field = "product_variations", "products", "product_id"
    editable = ("name", "prices")

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        h = mix(g.seed, 904, row)
        return [(row * SPACING + k,) for k in range(1 + (h >> 4) % 2)] if h % 10 < 3 else []

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        base: dict[str, Any] = parent["prices"][0] if parent["prices"] else {"price": 10, "currency": "EUR",
                                                                            "cost": 5}
        out = []
        for k, p in enumerate(plan):
            price = base["price"] * (1 + k) + 1
            out.append({"_n": p[0], "id": p[0], "product_id": row,
                        "name": f"{parent['name']} {_VARIANTS[(row + k) % len(_VARIANTS)]}",
                        "prices": [{"product_variation_id": p[0], "price": price, "currency": base["currency"],
                                    "cost": base["cost"], "direct_cost": None, "notes": ""}]})
        return out

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        return self.edit({"_n": n, "id": n, "product_id": pid, "name": f"Variation {n}", "prices": []}, fields, now)


class DealDiscounts(Kind):
    """Additional discounts of a deal (GET /api/v2/deals/{id}/discounts [SPEC-v2]): one deal in eight has 1-2;
    ids are UUIDs."""

    name, parent, parent_field = "deal_discounts", "deals", "deal_id"
    editable = ("type", "amount", "description")

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        h = mix(g.seed, 905, row)
        return [(row * SPACING + k,) for k in range(1 + (h >> 3) % 2)] if h % 8 == 0 else []

    def plan_key(self, g: Gen, pid: int, p: Plan) -> ChildKey:
        return child_uuid(g.seed, 905, p[0])

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        out = []
        for k, p in enumerate(plan):
            pct = (row + k) % 2 == 0
            t = parent["add_time"] + (k + 1) * 3600
            user = 1 + (row + k) % g.sizes["users"]
            out.append({"_n": p[0], "id": child_uuid(g.seed, 905, p[0]), "deal_id": row,
                        "type": "percentage" if pct else "amount", "amount": 10 if pct else 50.0,
                        "description": "10%" if pct else "Loyalty", "created_at": t, "created_by": user,
                        "updated_at": t, "updated_by": user})
        return out

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        rec = {"_n": n, "id": child_uuid(g.seed, 905, n), "deal_id": pid, "type": "percentage", "amount": 0,
               "description": "", "created_at": now, "created_by": TOKEN_USER, "updated_at": now,
               "updated_by": TOKEN_USER}
        return self.edit(rec, fields, now)

    def edit(self, rec: Record, fields: dict[str, Any], now: int) -> Record:
        if fields.get("type", "percentage") not in ("percentage", "amount"):
            raise ValueError("deal_discounts: type is percentage or amount [SPEC-v2]")
        out = super().edit(rec, fields, now)
        out.update(updated_at=now, updated_by=TOKEN_USER)
        return out


_COMMENTS = ("Agreed, let's follow up", "See the <b>attached</b> offer", "Ääkkönen confirmed ✓")


class NoteComments(Kind):
    """Comments on a note (GET /v1/notes/{id}/comments [SPEC-v1]): one note in five has 1-3; the key is the
    comment's uuid; times ISO 8601 with milliseconds as in the spec's example."""

    name, parent, key_field = "note_comments", "notes", "uuid"
    editable = ("content",)

    def plan(self, g: Gen, row: int, a: int, u: int) -> list[Plan]:
        h = mix(g.seed, 906, row)
        return [(row * SPACING + k,) for k in range(1 + (h >> 3) % 3)] if h % 5 == 0 else []

    def plan_key(self, g: Gen, pid: int, p: Plan) -> ChildKey:
        return child_uuid(g.seed, 906, p[0])

    def fill(self, g: Gen, row: int, parent: Record, plan: list[Plan]) -> list[Record]:
        out = []
        for k, p in enumerate(plan):
            h = mix(g.seed, 907, p[0])
            t = parent["add_time"] + (k + 1) * 600
            user = 1 + h % g.sizes["users"]
            out.append({"_n": p[0], "uuid": child_uuid(g.seed, 906, p[0]), "object_id": str(row),
                        "object_type": "note", "content": _COMMENTS[(h >> 8) % len(_COMMENTS)], "user_id": user,
                        "updater_id": user, "add_time": t, "update_time": t, "_ms": (h >> 16) % 1000,
                        "active_flag": True, "company_id": 1000 + g.seed})
        return out

    def new(self, g: Gen, pid: int, fields: dict[str, Any], n: int, now: int) -> Record:
        if not isinstance(fields.get("content"), str):
            raise ValueError("note_comments: content (a string) is required")
        return {"_n": n, "uuid": child_uuid(g.seed, 906, n), "object_id": str(pid), "object_type": "note",
                "content": fields["content"], "user_id": TOKEN_USER, "updater_id": TOKEN_USER, "add_time": now,
                "update_time": now, "_ms": 0, "active_flag": True, "company_id": 1000 + g.seed}

    def edit(self, rec: Record, fields: dict[str, Any], now: int) -> Record:
        out = super().edit(rec, fields, now)
        out.update(updater_id=TOKEN_USER, _ms=0)
        return out


KINDS: tuple[Kind, ...] = (
    DealProducts(), DealInstallments(), DealParticipants(),
    Changelog("deal_changelog", "deals", 910), Changelog("person_changelog", "persons", 911),
    Changelog("organization_changelog", "organizations", 912),
    Followers("deal_followers", "deals", 920, "deal_id"), Followers("person_followers", "persons", 921, "person_id"),
    Followers("organization_followers", "organizations", 922, "org_id"),
    Followers("product_followers", "products", 923, "product_id"), Followers("user_followers", "users", 924, None),
    MailMessages(), ProductVariations(), DealDiscounts(), NoteComments(),
)
