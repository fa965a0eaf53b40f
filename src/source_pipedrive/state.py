"""Per-stream state: what we emit, and every state shape we accept back.

Our stream_state (version 1):
    incremental:  {"version": 1, "mode": "incremental", "<cursor>": max, "parts": {"main": iso, ...},
                   "complete": bool, "last_complete": iso}
    full refresh: {"version": 1, "mode": "full_refresh", "complete": false, "parts": {...}, "done": [...]}
                  while it runs, {"version": 1, "mode": "full_refresh", "complete": true} when done.
Each part (deals: main, archived, deleted) keeps its own cursor, the greatest cursor value delivered;
a read resumes with `updated_since` = that value (inclusive), so at most the boundary records repeat.
A read of several parts (deals' live/archived/deleted, mail folders, goal kinds) that stops midway
resumes after its `done` parts; `done` is cleared when the stream completes. `complete` says whether
the stream's last read finished, `last_complete` (the server's time) when one last did: under a tight
daily budget the streams furthest behind are read first.

A part read in time slices (slices.py) keeps, while it runs, `"slices": {"main": [{"lo", "stop", "hi",
"at", "done"}, ...]}`: slice i covers update times in [lo, stop), asks the server for [lo, hi), and has
delivered everything up to `at`. The part's cursor only ever covers the contiguous prefix of finished
slices (plus the progress of the first unfinished one), so it is correct alone; the slices let a
resumed read skip what later slices already delivered.

A child stream (deal_products, deal_flow, ...) walks its parents' listing with a private copy of the
parent stream's state (children.py):
    {"version": 1, "mode": ..., "complete": bool, "last_complete": iso,
     "parent": <the parent stream's state, as of the last parent page whose children were all delivered>,
     "parents_done": [ids of later parents whose children were delivered], "done_since": iso}
A resumed read lists the parents again from "parent" and skips those in "parents_done" whose cursor is
before "done_since" (they were read after that instant and have not changed since).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import StateError
from .streams import STREAMS_BY_NAME, Stream
from .timeutil import format_rfc3339, parse_datetime

VERSION = 1

StateBlob = dict[str, Any]  # one stream's stream_state, in any shape we accept (see parse_state)


@dataclass
class TimeSlice:
    """One time slice of a part: update times in [lo, stop), asked as [lo, hi) (hi None: no upper bound)."""

    lo: datetime
    stop: datetime | None
    hi: datetime | None
    at: datetime | None = None  # newest cursor delivered; a resumed slice starts there (inclusive)
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        def fmt(value: datetime | None) -> str | None:
            return format_rfc3339(value) if value is not None else None

        return {"lo": fmt(self.lo), "stop": fmt(self.stop), "hi": fmt(self.hi), "at": fmt(self.at), "done": self.done}


@dataclass
class StreamState:
    """Mutable while one stream is read; `to_json` is what goes into a STATE message."""

    stream: Stream
    incremental: bool
    parts: dict[str, datetime | None] = field(default_factory=dict)
    complete: bool = False
    done: set[str] = field(default_factory=set)  # parts finished by this round of reads (see read_stream)
    # Lists in the server's own order, seen oldest first: how many records each part held when last
    # read to its end, so the next incremental read starts near there (extract._server_order).
    tails: dict[str, int] = field(default_factory=dict)
    last_complete: str | None = None  # when the stream last completed (server time, RFC 3339)
    slices: dict[str, list[TimeSlice]] = field(default_factory=dict)  # parts being read in time slices
    # A child stream's progress through its parents (see the module docstring).
    parent: dict[str, Any] | None = None
    parents_done: list[Any] = field(default_factory=list)
    done_since: datetime | None = None

    def finish(self, server_now: datetime | None) -> None:
        self.complete, self.done = True, set()
        self.parents_done, self.done_since = [], None
        if server_now is not None:
            self.last_complete = format_rfc3339(server_now)

    def cursor_for(self, part: str) -> datetime | None:
        return self.parts.get(part)

    def advance(self, part: str, value: datetime | None) -> None:
        if value is not None:
            current = self.parts.get(part)
            if current is None or value > current:
                self.parts[part] = value

    def to_json(self) -> dict[str, Any]:
        mode = "incremental" if self.incremental else "full_refresh"
        out: dict[str, Any] = {"version": VERSION, "mode": mode, "complete": self.complete}
        if self.last_complete is not None:
            out["last_complete"] = self.last_complete
        if not self.incremental and self.complete:
            return out
        if self.stream.parent is not None:
            return self._child_json(out)
        out["parts"] = {name: format_rfc3339(v) if v else None for name, v in sorted(self.parts.items())}
        if self.incremental:
            known = [v for v in self.parts.values() if v is not None]
            out[self.stream.cursor or "cursor"] = format_rfc3339(max(known)) if known else None
            if self.tails:
                out["tails"] = dict(sorted(self.tails.items()))
        if self.done:
            out["done"] = sorted(self.done)
        if self.slices:
            out["slices"] = {name: [s.to_json() for s in slices] for name, slices in sorted(self.slices.items())}
        return out


    def _child_json(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.parent is not None:
            out["parent"] = self.parent
        if self.parents_done:
            out["parents_done"] = list(self.parents_done)
            if self.done_since is not None:
                out["done_since"] = format_rfc3339(self.done_since)
        return out


def initial_state(stream: Stream, incremental: bool, saved: StateBlob | None) -> StreamState:
    """The state a read starts from: the saved one if it applies to this mode, else a fresh one."""
    state = StreamState(stream, incremental)
    if not saved:
        return state
    last = saved.get("last_complete")
    state.last_complete = last if isinstance(last, str) else None
    mode = saved.get("mode")
    if stream.parent is not None:
        return _child_state(state, saved)
    if incremental:
        if mode == "full_refresh":
            return state  # a full refresh's progress is no incremental cursor
        if "parts" not in saved:  # older states have one cursor for the whole stream
            fallback = _cursor_value(stream, saved.get(stream.cursor or ""), "cursor")
            state.parts = {part.name: fallback for part in stream.parts(True)}
            return state
        parts = saved["parts"]
        if not isinstance(parts, dict):
            raise StateError(f"The state of stream '{stream.name}' has malformed parts.", stream=stream.name)
        for part in stream.parts(True):
            # A part absent or null has not delivered anything yet: it starts from start_date.
            state.parts[part.name] = _cursor_value(stream, parts.get(part.name), part.name)
        tails = saved.get("tails") or {}
        if isinstance(tails, dict):  # a hint only: a bad value means reading from the start
            state.tails = {str(k): v for k, v in tails.items() if isinstance(v, int) and v >= 0}
        state.done = _done(stream, saved, incremental)
        state.slices = _slices(stream, saved)
        return state
    if mode == "full_refresh" and not saved.get("complete"):
        parts = saved.get("parts") or {}
        if not isinstance(parts, dict):
            raise StateError(f"The state of stream '{stream.name}' has malformed parts.", stream=stream.name)
        for name, value in parts.items():
            state.parts[name] = _cursor_value(stream, value, name)
        state.done = _done(stream, saved, incremental)
        state.slices = _slices(stream, saved)
    return state


def _slices(stream: Stream, saved: StateBlob) -> dict[str, list[TimeSlice]]:
    """The time slices of parts a previous read left mid-way; each part's list must tile its time range."""
    raw = saved.get("slices") or {}
    out: dict[str, list[TimeSlice]] = {}
    bad = f"The state of stream '{stream.name}' has malformed 'slices'"
    if not isinstance(raw, dict):
        raise StateError(f"{bad}: expected an object of part name -> list. Reset the stream to start over.",
                         stream=stream.name)
    for part, items in raw.items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise StateError(f"{bad} for part '{part}'. Reset the stream to start over.", stream=stream.name)
        slices = []
        for item in items:
            lo = _cursor_value(stream, item.get("lo"), "slice lo")
            if lo is None or not isinstance(item.get("done", False), bool):
                raise StateError(f"{bad}: a slice of part '{part}' has no 'lo' or a bad 'done'.", stream=stream.name)
            slices.append(TimeSlice(lo, _cursor_value(stream, item.get("stop"), "slice stop"),
                                    _cursor_value(stream, item.get("hi"), "slice hi"),
                                    _cursor_value(stream, item.get("at"), "slice at"), bool(item.get("done"))))
        slices.sort(key=lambda s: s.lo)
        if any(a.stop != b.lo for a, b in zip(slices, slices[1:], strict=False)) or (slices and slices[-1].stop):
            raise StateError(f"{bad}: the slices of part '{part}' do not tile its time range. "
                             "Reset the stream to start over.", stream=stream.name)
        if slices:
            out[str(part)] = slices
    return out
def _child_state(state: StreamState, saved: StateBlob) -> StreamState:
    """A child stream's progress through its parents, when the saved state is of the same mode and (for a
    full refresh) unfinished; an older shape or another mode starts over."""
    name = state.stream.name
    mode = "incremental" if state.incremental else "full_refresh"
    if saved.get("mode") != mode or (not state.incremental and saved.get("complete")):
        return state
    parent, done = saved.get("parent"), saved.get("parents_done") or []
    if (parent is not None and not isinstance(parent, dict)) or not isinstance(done, list):
        raise StateError(f"The state of stream '{name}' has a malformed 'parent' or 'parents_done'.", stream=name)
    if parent is not None:  # checked now, before any request, as every other state is
        assert state.stream.parent is not None
        parent_stream = STREAMS_BY_NAME[state.stream.parent.stream]
        try:
            parent = _normalise(parent_stream, parent)
            initial_state(parent_stream, state.incremental, parent)
        except StateError as error:
            raise StateError(f"The state of stream '{name}' holds a bad parent state: {error.message}",
                             stream=name) from None
    state.parent, state.parents_done = parent, done
    since = saved.get("done_since")
    state.done_since = _cursor_value(state.stream, since, "done_since") if since is not None else None
    return state


def _done(stream: Stream, saved: StateBlob, incremental: bool) -> set[str]:
    """The parts an unfinished read of several parts already finished."""
    done = saved.get("done") or []
    if not isinstance(done, list):
        raise StateError(f"The state of stream '{stream.name}' has a malformed 'done' list.", stream=stream.name)
    known = {part.name for part in stream.parts(incremental)}
    return {str(name) for name in done if name in known}


def urgency(saved: StateBlob | None) -> tuple[int, str]:
    """How far behind a stream is, to read the furthest behind first: never completed (0), left
    incomplete by the last read (1), then by when it last completed, oldest first (2)."""
    if not saved:
        return (0, "")
    last = saved.get("last_complete") if isinstance(saved.get("last_complete"), str) else None
    complete = saved.get("complete")
    if complete is False:
        return (1, last) if last else (0, "")
    if last:
        return (2, last)
    # A state written before `last_complete` existed: its oldest cursor says how far behind it is.
    parts = saved.get("parts")
    cursors = sorted(str(v) for v in parts.values() if v) if isinstance(parts, dict) else []
    return (2, cursors[0] if cursors else "")


def _cursor_value(stream: Stream, value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise StateError(
            f"The state of stream '{stream.name}' has an unreadable {what} value {str(value)[:40]!r}; "
            "expected an RFC 3339 or 'YYYY-MM-DD HH:MM:SS' datetime. Reset the stream to start over.",
            stream=stream.name,
        )
    return parsed


def parse_state(raw: Any) -> tuple[dict[str, StateBlob], list[str]]:
    """Turn a --state file's content into {stream name: stream_state} plus warnings.

    Accepts: a list of per-stream AirbyteStateMessages (bare or wrapped in {"type": "STATE"}),
    LEGACY messages and legacy blobs {stream: state} (Airbyte's connector wrote
    {"deals": {"update_time": "YYYY-MM-DD HH:MM:SS"}} and {"users": {"modified": ...}}).
    States of streams we do not have are ignored with a warning; garbage is a StateError.
    """
    if raw is None or raw == [] or raw == {}:
        return {}, []
    warnings: list[str] = []
    blobs: dict[str, Any] = {}
    if isinstance(raw, list):
        for item in raw:
            _collect_message(item, blobs)
    elif isinstance(raw, dict):
        if raw.get("type") in ("STREAM", "GLOBAL", "LEGACY", "STATE"):
            _collect_message(raw, blobs)
        else:
            blobs.update(raw)
    else:
        raise StateError(f"The state must be a JSON list of state messages, got {type(raw).__name__}.")
    states: dict[str, StateBlob] = {}
    for name, value in blobs.items():
        stream = STREAMS_BY_NAME.get(name)
        if stream is None:
            warnings.append(f"State for unknown stream {str(name)[:60]!r} ignored (not a source-pipedrive stream).")
            continue
        if value is None:
            continue
        if not isinstance(value, dict):
            kind = type(value).__name__
            raise StateError(f"The state of stream '{name}' must be an object, got {kind}.", stream=name)
        states[name] = _normalise(stream, value)
    return states, warnings


def _collect_message(item: Any, out: dict[str, Any]) -> None:
    if not isinstance(item, dict):
        raise StateError("Each state entry must be a JSON object (an AirbyteStateMessage).")
    if item.get("type") == "STATE" and isinstance(item.get("state"), dict):
        item = item["state"]
    kind = item.get("type", "LEGACY" if "data" in item else None)
    if kind == "STREAM":
        stream = item.get("stream")
        descriptor = stream.get("stream_descriptor") if isinstance(stream, dict) else None
        name = descriptor.get("name") if isinstance(descriptor, dict) else None
        if not isinstance(name, str):
            raise StateError("A STREAM state message has no stream_descriptor.name.")
        out[name] = stream.get("stream_state")
    elif kind == "LEGACY":
        data = item.get("data")
        if not isinstance(data, dict):
            raise StateError("A LEGACY state message must carry a 'data' object.")
        out.update(data)
    elif kind == "GLOBAL":
        raise StateError("GLOBAL state is not used by source-pipedrive; pass per-stream (STREAM) state messages.")
    else:
        raise StateError(f"Unknown state message type {str(kind)[:40]!r}; expected STREAM.")


def _normalise(stream: Stream, value: StateBlob) -> StateBlob:
    """Our own states pass through; older shapes become an incremental cursor."""
    if value.get("version") == VERSION:
        if value.get("mode") not in ("incremental", "full_refresh"):
            raise StateError(f"The state of stream '{stream.name}' has an unknown mode.", stream=stream.name)
        return value
    if "__ab_no_cursor_state_message" in value or "__ab_full_refresh_sync_complete" in value:
        return {}
    if isinstance(value.get("version"), int):
        raise StateError(
            f"The state of stream '{stream.name}' has version {value['version']}, newer than this connector "
            f"understands ({VERSION}). Upgrade source-pipedrive or reset the stream.",
            stream=stream.name,
        )
    for key in (stream.cursor, "update_time", "modified", "cursor"):
        if key and key in value:
            _cursor_value(stream, value[key], key)  # validates
            return {"mode": "incremental", stream.cursor or "cursor": value[key]}
    raise StateError(
        f"The state of stream '{stream.name}' is not a state this connector wrote "
        f"(keys: {', '.join(sorted(map(str, value))[:5])}). Reset the stream to start over.",
        stream=stream.name,
    )

