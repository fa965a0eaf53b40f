"""Spec-open behaviours as options: where Pipedrive's OpenAPI files leave a choice open, a test picks one.

The sandbox never guesses silently: each behaviour the spec does not pin down has a name, its choices, a
default and the reason it is open. Set them with `Sandbox(options={...})`, `POST /_sandbox/config
{"options": {...}}` or `--option NAME=VALUE` on the command line.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    name: str
    choices: tuple[object, ...]   # the allowed values; `int` stands for any positive integer
    default: object
    why: str                # what the spec leaves open


OPTIONS: dict[str, Option] = {o.name: o for o in (
    Option("update_time_on_archive", (True, False), True,
           "The spec does not say whether archiving or unarchiving a deal or a lead changes its update_time."),
    Option("update_time_on_delete", (True, False), True,
           "The spec does not say whether deleting a deal changes its update_time (the delete time)."),
    Option("tie_order", ("id", "shuffled"), "id",
           "v1 offset lists name the sort field but not the order of records with an equal sort value."),
    Option("limit_cap", (None, int), None,
           "`limit` is an upper bound: nothing in the spec promises a page holds `limit` records."),
    Option("recents_user_data", ("list", "object"), "list",
           "GET /v1/recents: the schema shows `data` as an object, peers observe a one-element list for users."),
    Option("time_filter", ("honoured", "ignored"), "honoured",
           "A server may ignore updated_since/updated_until; a connector should not trust the filter blindly."),
    Option("mail_thread_order", ("newest", "id"), "newest",
           "Mail threads are 'ordered by the most recent message within'; the tie order and id order are open."),
    Option("call_log_order", ("id", "newest"), "id",
           "GET /v1/callLogs takes no sort and documents no order: oldest first (by id) or newest first."),
    Option("child_change_touches_parent", (True, False), True,
           "Neither the spec nor the docs say whether adding, changing or removing a deal's product, a follower, "
           "a participant, a comment... moves the parent's update_time."),
    Option("deleted_parent_children", ("not_found", "empty"), "not_found",
           "The per-record child endpoints document no answer for a deleted parent: a 404, or an empty list."),
    Option("installments_paging", ("none", "cursor"), "none",
           "GET /api/v2/deals/installments takes cursor and limit, but its 200 schema has no additional_data."),
)}


def coerce(name: str, value: object) -> object:
    """The option's value from JSON or a command-line string; ValueError when outside its choices."""
    opt = OPTIONS.get(name)
    if opt is None:
        raise ValueError(f"unknown option {name!r}; options: {', '.join(OPTIONS)}")
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "false") and True in opt.choices:
            value = low == "true"
        elif low in ("null", "none") and None in opt.choices:
            value = None
        elif low.isdigit() and int in opt.choices:
            value = int(low)
    if int in opt.choices and isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if any(value is c or (type(value) is type(c) and value == c) for c in opt.choices if c is not int):
        return value
    shown = ", ".join("a positive integer" if c is int else repr(c) for c in opt.choices)
    raise ValueError(f"option {name!r} takes {shown}; got {value!r}")


class Options:
    """The effective values, read on the hot path as plain attributes (options.limit_cap)."""

    update_time_on_archive: bool
    update_time_on_delete: bool
    tie_order: str
    limit_cap: int | None
    recents_user_data: str
    time_filter: str
    mail_thread_order: str
    call_log_order: str
    child_change_touches_parent: bool
    deleted_parent_children: str
    installments_paging: str

    def __init__(self, values: dict[str, object] | None = None) -> None:
        for name, opt in OPTIONS.items():
            setattr(self, name, opt.default)
        self.update(values or {})

    def update(self, values: dict[str, object]) -> None:
        """Validate every value first, so a bad one changes nothing."""
        checked = {name: coerce(name, v) for name, v in values.items()}
        for name, v in checked.items():
            setattr(self, name, v)

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in OPTIONS}


def cli_value(value: object) -> str:
    """How a value is written after --option NAME=."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["OPTIONS", "Option", "Options", "cli_value", "coerce"]
