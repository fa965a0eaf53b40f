"""Schemas of the child streams: what belongs to one deal, person, organization, product, user, note, mail
thread, permission set or role ([SPEC-v2], [SPEC-v1]).

Fields the connector adds are described as such: the parent's id where a record does not name it (a
follower, a changelog entry), a synthesized `key` where a record has no id of its own, the parent's
update time where a record has no time of its own (streams.Parent).
"""

from __future__ import annotations

from .dsl import BOOL_N, DATE_N, DT_N, INT, INT_N, NUM_N, STR, STR_N, Schema, arr, described, obj, record
from .engagement import FLAG01, MAIL_PARTY, TS_N

V1_TIME = TS_N  # the v1 child endpoints send "YYYY-MM-DD HH:MM:SS" (some ISO 8601): no format declared


def _added(schema: Schema, what: str) -> Schema:
    return described(schema, f"Added by the connector: {what}")


def _link(parent: str) -> Schema:
    return _added(INT_N, f"the id of the {parent} this record belongs to")


def _key(made_of: str) -> Schema:
    return _added(STR, f"the record's key, {made_of} (the API gives these records no id)")


# A JSON object whose keys depend on the record (a deal flow item's `data`): no properties declared, so
# a destination keeps it as one JSON value.
FREE_OBJECT: Schema = {"type": ["object", "null"], "additionalProperties": True}

# GET /api/v2/deals/products?deal_ids=... ([SPEC-v2]).
DEAL_PRODUCTS = record(
    id=INT,
    deal_id=INT_N,
    product_id=INT_N,
    product_variation_id=INT_N,
    name=STR_N,
    order_nr=INT_N,
    item_price=NUM_N,
    quantity=NUM_N,
    sum=NUM_N,
    currency=STR_N,
    discount=NUM_N,
    discount_type=described(STR_N, "percentage or amount"),
    tax=NUM_N,
    tax_method=described(STR_N, "exclusive, inclusive or none"),
    is_enabled=BOOL_N,
    comments=STR_N,
    billing_frequency=described(STR_N, "one-time, annually, semi-annually, quarterly, monthly or weekly"),
    billing_frequency_cycles=INT_N,
    billing_start_date=DATE_N,
    add_time=DT_N,
    update_time=DT_N,
)

DEAL_INSTALLMENTS = record(
    id=INT,
    deal_id=INT_N,
    amount=NUM_N,
    billing_date=DATE_N,
    description=STR_N,
    deal_update_time=_added(DT_N, "the deal's update_time when these installments were read (the cursor)"),
)

DEAL_DISCOUNTS = record(
    id=described(STR, "UUID"),
    deal_id=INT_N,
    amount=NUM_N,
    type=described(STR_N, "percentage or amount"),
    description=STR_N,
    created_at=DT_N,
    created_by=INT_N,
    updated_at=DT_N,
    updated_by=INT_N,
)

_CONTACT = obj(label=STR_N, primary=BOOL_N, value=STR_N)
_USER = obj(
    id=INT_N, name=STR_N, email=STR_N, active_flag=BOOL_N, has_pic=INT_N, pic_hash=STR_N, value=INT_N,
    # [SPEC-v1] also describes this reference as a whole user response ({success, data}); the example
    # is the short form above. Both are declared.
    success=BOOL_N,
    data=obj(
        id=INT_N, name=STR_N, email=STR_N, access=arr(FREE_OBJECT), activated=BOOL_N, active_flag=BOOL_N,
        created=V1_TIME, modified=V1_TIME, default_currency=STR_N, has_created_company=BOOL_N, icon_url=STR_N,
        is_deleted=BOOL_N, is_you=BOOL_N, lang=INT_N, last_login=V1_TIME, locale=STR_N, phone=STR_N,
        role_id=INT_N, timezone_name=STR_N, timezone_offset=STR_N,
    ),
)
_ORG_REF = obj(
    value=INT_N, name=STR_N, owner_id=INT_N, people_count=INT_N, address=STR_N, cc_email=STR_N,
    active_flag=BOOL_N, label_ids=arr(INT_N),
)
_COUNT = INT_N
# The v1 person inside a participant ([SPEC-v1] GET /deals/{id}/participants).
_V1_PERSON = obj(
    id=INT_N, company_id=INT_N, name=STR_N, first_name=STR_N, last_name=STR_N, first_char=STR_N,
    active_flag=BOOL_N, add_time=V1_TIME, update_time=V1_TIME, visible_to=STR_N, cc_email=STR_N,
    email=arr(_CONTACT), phone=arr(_CONTACT), label=INT_N, label_ids=arr(INT_N),
    org_id=_ORG_REF, org_name=STR_N, owner_id=_USER, owner_name=STR_N,
    picture_id=obj(
        id=INT_N, item_id=INT_N, item_type=STR_N, active_flag=BOOL_N, add_time=V1_TIME, update_time=V1_TIME,
        added_by_user_id=INT_N, pictures=obj(**{"128": STR_N, "512": STR_N}),
    ),
    open_deals_count=_COUNT, closed_deals_count=_COUNT, won_deals_count=_COUNT, lost_deals_count=_COUNT,
    related_open_deals_count=_COUNT, related_closed_deals_count=_COUNT, related_won_deals_count=_COUNT,
    related_lost_deals_count=_COUNT, activities_count=_COUNT, done_activities_count=_COUNT,
    undone_activities_count=_COUNT, email_messages_count=_COUNT, files_count=_COUNT, notes_count=_COUNT,
    followers_count=_COUNT, next_activity_id=INT_N, next_activity_date=STR_N, next_activity_time=STR_N,
    last_activity_id=INT_N, last_activity_date=STR_N, last_incoming_mail_time=V1_TIME,
    last_outgoing_mail_time=V1_TIME,
)

DEAL_PARTICIPANTS = record(
    id=INT,
    deal_id=_link("deal"),
    active_flag=BOOL_N,
    add_time=V1_TIME,
    added_by_user_id=_USER,
    person_id=obj(value=INT_N, name=STR_N, company_id=INT_N, owner_id=INT_N, active_flag=BOOL_N,
                  email=arr(_CONTACT), phone=arr(_CONTACT)),
    person=_V1_PERSON,
    related_item_id=INT_N,
    related_item_type=STR_N,
    related_item_data=obj(deal_id=INT_N, title=STR_N),
)

DEAL_FLOW = record(
    key=_key("deal_id:object:data.id (a digest of the item where data has no id)"),
    deal_id=_link("deal"),
    object=described(STR_N, "dealChange, activity, note, file, mailMessage, follower, participant, ..."),
    timestamp=V1_TIME,
    data={**FREE_OBJECT, "description": "The object itself, shaped by its type ([SPEC-v1] GET /deals/{id}/flow)"},
)


def _changelog(parent: str, link: str) -> Schema:
    return record(
        key=_key(f"{link}:field_key:time (#2, #3... for identical entries)"),
        **{link: _link(parent)},
        field_key=STR_N,
        old_value=STR_N,
        new_value=STR_N,
        actor_user_id=INT_N,
        time=V1_TIME,
        change_source=STR_N,
        change_source_user_agent=STR_N,
        is_bulk_update_flag=BOOL_N,
    )


def _followers(parent: str, link: str) -> Schema:
    return record(
        key=_key(f"{link}:user_id"),
        **{link: _link(parent)},
        user_id=described(INT_N, "the following user"),
        add_time=DT_N,
    )


MAIL_MESSAGES = record(
    id=INT,
    mail_thread_id=INT_N,
    account_id=STR_N,
    user_id=INT_N,
    subject=STR_N,
    snippet=STR_N,
    body_url=STR_N,
    draft=STR_N,
    mail_tracking_status=STR_N,
    message_time=TS_N,
    add_time=TS_N,
    update_time=TS_N,
    **{"from": arr(MAIL_PARTY)},
    to=arr(MAIL_PARTY),
    cc=arr(MAIL_PARTY),
    bcc=arr(MAIL_PARTY),
    **{f"{flag}_flag": FLAG01 for flag in (
        "read", "deleted", "synced", "sent", "sent_from_pipedrive", "smart_bcc", "has_body", "has_attachments",
        "has_inline_attachments", "has_real_attachments", "mail_link_tracking_enabled", "draft")},
)

PRODUCT_VARIATIONS = record(
    id=INT,
    product_id=INT_N,
    name=STR_N,
    prices=arr(obj(product_variation_id=INT_N, price=NUM_N, currency=STR_N, cost=NUM_N, direct_cost=NUM_N,
                   notes=STR_N)),
    product_update_time=_added(DT_N, "the product's update_time when its variations were read (the cursor)"),
)

NOTE_COMMENTS = record(
    uuid=described(STR, "UUID"),
    note_id=_link("note"),
    object_id=described(STR_N, "the note's id, as a string"),
    object_type=STR_N,
    content=STR_N,
    user_id=INT_N,
    updater_id=INT_N,
    company_id=INT_N,
    active_flag=BOOL_N,
    add_time=TS_N,
    update_time=TS_N,
)

_RELATED_ORG = obj(value=INT_N, name=STR_N, owner_id=INT_N, people_count=INT_N, address=STR_N, cc_email=STR_N,
                   active_flag=BOOL_N)
ORGANIZATION_RELATIONSHIPS = record(
    key=_key("org_id:id (a relationship is listed under both of its organizations)"),
    org_id=_link("organization whose relationships these are"),
    id=INT_N,
    type=described(STR_N, "parent or related"),
    calculated_type=described(STR_N, "the relationship seen from org_id: parent, daughter or related"),
    calculated_related_org_id=INT_N,
    related_organization_name=STR_N,
    rel_owner_org_id=_RELATED_ORG,
    rel_linked_org_id=_RELATED_ORG,
    active_flag=described(STR_N, '"true" or "false", a string in [SPEC-v1]'),
    add_time=V1_TIME,
    update_time=V1_TIME,
)

PERMISSION_SET_ASSIGNMENTS = record(
    key=_key("permission_set_id:user_id"),
    permission_set_id=described(STR_N, "UUID"),
    user_id=INT_N,
    name=STR_N,
)

ROLE_ASSIGNMENTS = record(
    key=_key("role_id:user_id"),
    role_id=INT_N,
    user_id=INT_N,
    parent_role_id=INT_N,
    name=STR_N,
    type=STR_N,
    active_flag=BOOL_N,
)

SCHEMAS = {
    "deal_products": DEAL_PRODUCTS,
    "deal_installments": DEAL_INSTALLMENTS,
    "deal_discounts": DEAL_DISCOUNTS,
    "deal_participants": DEAL_PARTICIPANTS,
    "deal_flow": DEAL_FLOW,
    "deal_changelog": _changelog("deal", "deal_id"),
    "person_changelog": _changelog("person", "person_id"),
    "organization_changelog": _changelog("organization", "org_id"),
    "deal_followers": _followers("deal", "deal_id"),
    "person_followers": _followers("person", "person_id"),
    "organization_followers": _followers("organization", "org_id"),
    "product_followers": _followers("product", "product_id"),
    "user_followers": _followers("followed user", "followed_user_id"),
    "mail_messages": MAIL_MESSAGES,
    "product_variations": PRODUCT_VARIATIONS,
    "note_comments": NOTE_COMMENTS,
    "organization_relationships": ORGANIZATION_RELATIONSHIPS,
    "permission_set_assignments": PERMISSION_SET_ASSIGNMENTS,
    "role_assignments": ROLE_ASSIGNMENTS,
}
