"""Simulated clock and the date formats of the Pipedrive API (v1, v2, leads, HTTP)."""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from email.utils import formatdate

# Contract: default simulated now; it moves only via advance().
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


def parse_rfc3339(text: str) -> float:
    """Parse an RFC 3339 / ISO 8601 timestamp to epoch seconds; ValueError if malformed.

    A value without an offset is taken as UTC (the API documents UTC everywhere).
    """
    s = text.strip()
    if len(s) < 10 or s[4] != "-":
        raise ValueError(text)
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def parse_v1_dt(text: str) -> int:
    """Parse "YYYY-MM-DD HH:MM:SS" (UTC), the /v1/recents since_timestamp format."""
    dt = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    return int(dt.replace(tzinfo=timezone.utc).timestamp())
