"""Pipedrive's datetime formats, parsed into aware UTC datetimes so cursors compare as instants."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

UTC = timezone.utc
_ZERO = timedelta(0)


def parse_datetime(value: object) -> datetime | None:
    """Parse any datetime Pipedrive sends; None for empty values and the zero placeholder.

    Formats seen: v1 "2019-01-22 08:55:59" (always UTC, [RD-DATE]); v2 RFC 3339 with or without
    fractions, "Z" or an offset ([RD-V2MIG]); v1 leads "2020-10-14T11:30:36.551Z"; a bare date;
    and "0000-00-00 00:00:00" placeholders on old records ([RD-V2MIG]). Naive values are UTC.
    Strings are never compared as strings: "…10:00:00.000000Z" < "…10:00:00Z" lexically is the
    bug that made tap-pipedrive skip same-second records ([PEER-TAP-156]).
    """
    if not isinstance(value, str):
        return None
    try:  # the hot path: Python >= 3.11 reads every well-formed variant, "Z" and fractions included
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _parse_slowly(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed if parsed.utcoffset() == _ZERO else parsed.astimezone(UTC)


def _parse_slowly(value: str) -> datetime | None:
    """Older Pythons, stray spaces, odd fraction lengths and the zero placeholder."""
    text = value.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(), UTC)
        else:
            parsed = datetime.fromisoformat(_normalise_fraction(text))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _normalise_fraction(text: str) -> str:
    """Python 3.10's fromisoformat takes only 3 or 6 fraction digits; pad or cut to 6."""
    dot = text.find(".", 17)
    if dot < 0:
        return text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    digits = text[dot + 1 : end]
    if len(digits) in (3, 6):
        return text
    return text[: dot + 1] + (digits + "000000")[:6] + text[end:]


def format_rfc3339(value: datetime) -> str:
    """RFC 3339 in UTC with a Z; microseconds only when present."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_v1(value: datetime) -> str:
    """The v1 "YYYY-MM-DD HH:MM:SS" UTC form, e.g. /v1/recents `since_timestamp` ([SPEC-v1])."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
