"""Simulated clock and the date formats of the Pipedrive API (v1, v2, leads, HTTP)."""
from __future__ import annotations

import re
import threading
from datetime import date, datetime, timezone
from email.utils import formatdate

# The default simulated now (docs/sandbox.md); it moves only via advance().
DEFAULT_NOW = int(datetime(2026, 11, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp())
DAY = 86400


class SimClock:
    """Deterministic simulated time in whole epoch seconds."""

    def __init__(self, now: int = DEFAULT_NOW) -> None:
        self._now = now
        self._lock = threading.Lock()

    def now(self) -> int:
        return self._now

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self._lock:
            self._now += int(seconds)
            return self._now


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAYS: dict[int, str] = {}


def _daystr(d: int) -> str:
    # strftime is slow; formatting hundreds of thousands of timestamps goes through this cache instead.
    s = _DAYS.get(d)
    if s is None:
        s = _DAYS[d] = date.fromordinal(_EPOCH_ORDINAL + d).isoformat()
    return s


def _hms(ts: int, sep: str) -> str:
    d, r = divmod(int(ts), DAY)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    return f"{_daystr(d)}{sep}{h:02d}:{m:02d}:{s:02d}"


def v1_dt(ts: int | None) -> str | None:
    """v1 datetimes: "2019-01-22 08:55:59", always UTC [RD-DATE]."""
    return None if ts is None else _hms(ts, " ")


def v2_dt(ts: int | None) -> str | None:
    """v2 datetimes: RFC 3339, e.g. 2024-07-01T05:46:33Z [RD-V2MIG]."""
    return None if ts is None else _hms(ts, "T") + "Z"


def lead_dt(ms: int | None) -> str | None:
    """v1 leads: ISO 8601 with milliseconds, 2020-10-14T11:30:36.551Z [SPEC-v1]."""
    if ms is None:
        return None
    return _hms(ms // 1000, "T") + f".{ms % 1000:03d}Z"


def day(ts: int | None) -> str | None:
    return None if ts is None else _daystr(int(ts) // DAY)


def iso(ts: int) -> str:
    return _utc(ts).isoformat().replace("+00:00", "Z")


def http_date(ts: int) -> str:
    return formatdate(ts, usegmt=True)


_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text: str) -> float:
    """Parse an RFC 3339 date-time (offset required, e.g. 2025-01-01T10:20:00Z) to epoch seconds.

    Strict on purpose: the spec documents RFC 3339 for v2 and for updated_since on v1 notes and leads, so
    a value without an offset, with a space instead of "T" or with only a date is refused (ValueError).
    """
    m = _RFC3339.match(text)
    if not m:
        raise ValueError(text)
    base, frac, off = m.groups()
    dt = datetime.fromisoformat(base + (frac or "")[:7] + ("+00:00" if off == "Z" else off))
    return dt.timestamp()


def parse_v1_dt(text: str) -> int:
    """Parse exactly "YYYY-MM-DD HH:MM:SS" (UTC), the /v1/recents since_timestamp format [SPEC-v1]."""
    if not _V1.match(text):
        raise ValueError(text)
    dt = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    return int(dt.replace(tzinfo=timezone.utc).timestamp())


def parse_date(text: str) -> int:
    """Parse exactly "YYYY-MM-DD" to the epoch second of that UTC midnight."""
    if not _DATE.match(text):
        raise ValueError(text)
    return (date.fromisoformat(text).toordinal() - _EPOCH_ORDINAL) * DAY


_V1 = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
