"""Child streams: read per parent (deal_flow: one request per deal) or per 100 parents (deal_products).

The parents are listed by the parent stream's own reader (extract.read_stream) with the child's private
copy of the parent's state: a full refresh lists every parent, an incremental read only those changed
since the child's last one (updated_since where the parent's endpoint has it, filtered on our side
where not). Parents are taken in groups: 100 ids per request for a batched endpoint, 10 parents of a
per-record one. Each group's children are delivered whole, in one queue item: a ParentsRead naming the
group, the records, then the STATE covering them (state.py: the parent state reached, the parents
done since), so a crash or a spent budget resumes after the last whole group.
"""

from __future__ import annotations

import hashlib
import queue
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import orjson

from .errors import StreamError
from .events import ParentsRead
from .extract import PAGERS, Batch, Warn, _cursor_of, _Listing, _objects, read_stream
from .http import Client
from .http.usage import token_cost
from .http.wire import JsonObject
from .state import StreamState, initial_state
from .streams import IN_PATH, STREAMS, STREAMS_BY_NAME, Parent, Part, Stream
from .timeutil import parse_datetime

# Parents of a per-record child per group (and so per ParentsRead and STATE): a resumed read repeats
# at most this many requests, and a full read of 10,000 deals emits 1,000 states, not 10,000.
PER_RECORD_GROUP = 10
# Below this many daily tokens left, groups are requested one at a time.
LOOKAHEAD_MIN_TOKENS = 5000


def read_children(client: Client, stream: Stream, state: StreamState, start_date: datetime | None,
                  should_stop: Callable[[], bool], warn: Warn, feed: ParentFeed | None = None) -> Iterator[Batch]:
    """Yield a Batch per group of parents (ParentsRead, their children, the state after them).

    Groups are requested side by side (as many as the limiter wants requests in flight) and delivered
    in the order they were taken, so each STATE still covers exactly the groups before it. With a
    `feed`, the parents come from the parent stream's own read in this sync instead of a listing of ours."""
    parent = _parent(stream)
    parents = STREAMS_BY_NAME[parent.stream]
    walk = _Walk(stream, state, client)
    size = parent.batch if parent.batch > 1 else PER_RECORD_GROUP
    listed = feed.pages(should_stop) if feed is not None else read_stream(
        client, parents, initial_state(parents, state.incremental, state.parent), start_date, warn=warn)
    ahead: deque[tuple[list[Any], Future[list[JsonObject]]]] = deque()
    pool = ThreadPoolExecutor(max_workers=max(1, client.limiter.max_in_flight), thread_name_prefix=stream.name)

    def fetch(last: bool) -> Iterator[Batch]:
        """Send the full groups (every group when `last`); deliver the oldest while too many are ahead."""
        while len(walk.pending) >= size or (last and walk.pending):
            group = walk.take(size)
            ahead.append((group, pool.submit(_fetch, client, stream, group, walk.stamps, warn)))
            while len(ahead) > (0 if last else _lookahead(client)):
                done_group, future = ahead.popleft()
                yield walk.delivered(done_group, future.result())
        while last and ahead:
            done_group, future = ahead.popleft()
            yield walk.delivered(done_group, future.result())

    try:
        for page in listed:
            gone = walk.add(page)
            if gone:  # deleted parents have no children any more: announced, nothing requested
                yield walk.delivered(gone, [])
            for batch in fetch(last=False):
                yield batch
                if should_stop():
                    return
        if should_stop():  # the parent stream's read stopped (a shared listing): resume from the last group
            return
        for batch in fetch(last=True):
            yield batch
            if should_stop():
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    yield _finished(client, state, walk)


def _finished(client: Client, state: StreamState, walk: _Walk) -> Batch:
    """The last Batch of a round: the child complete, its parent state the listing's last."""
    state.finish(client.server_now())
    state.parent = walk.committed
    if state.incremental:
        state.parents_done, state.done_since = walk.edge()
    return Batch([], state.to_json())


class ParentFeed:
    """The pages of a parent stream as its own job in the same read lists them, for one child stream.

    A child listing its parents itself pays for that listing twice (95 pages of deals at medium scale
    for each of deal_products and deal_installments). When the child's copy of the parent state is the
    parent stream's own (both start a full refresh, or both resume from the state the last shared read
    left), the parent's job hands each page here and the child reads them from this queue. Only what
    the child needs of a record is kept (id, cursor, is_deleted), so a child far behind costs little.
    The queue is unbounded: the parent never waits for a child, so no worker waits on another.
    """

    def __init__(self, child: Stream) -> None:
        link = _parent(child)
        self.child, self.parent = child.name, link.stream
        parents = STREAMS_BY_NAME[self.parent]
        self.fields = tuple(f for f in (link.key, parents.cursor, parents.cursor_fallback, "is_deleted") if f)
        self._pages: queue.Queue[tuple[bytes, str] | None] = queue.Queue()
        self._complete: bool | None = None

    def put(self, batch: Batch, packed: dict[tuple[str, ...], bytes]) -> None:
        """Queue one page of the parent. `packed` shares the encoded page among the feeds of one parent."""
        if self.fields not in packed:
            # Columns as JSON bytes: a child may lag a few hundred pages behind at 100,000 deals, and
            # holds then a few MB instead of 35.
            columns = [[record.get(f) for record in batch.records] for f in self.fields]
            packed[self.fields] = orjson.dumps([columns, batch.state])
        self._pages.put((packed[self.fields], batch.part))

    def close(self, complete: bool) -> None:
        """The parent's read ended: `complete` when it listed everything (its state marked complete)."""
        self._complete = complete
        self._pages.put(None)

    def pages(self, should_stop: Callable[[], bool]) -> Iterator[Batch]:
        """The parent's pages as they come, until the parent's read ends (or the whole read stops)."""
        while True:
            try:
                page = self._pages.get(timeout=0.2)
            except queue.Empty:
                if should_stop():
                    return
                continue
            if page is None:
                if not self._complete and not should_stop():
                    raise StreamError(f"Stream '{self.child}' reads the children of the '{self.parent}' "
                                      f"listed in this read, and stream '{self.parent}' did not complete.")
                return
            packed, part = page
            columns, state = orjson.loads(packed)
            yield Batch([dict(zip(self.fields, row, strict=True)) for row in zip(*columns, strict=True)], state,
                        part=part)


def _lookahead(client: Client) -> int:
    """Groups requested beyond the one delivered next: as many as the limiter wants in flight, none when
    the day's budget is nearly spent (groups sent but not delivered when it runs out are paid twice)."""
    left = client.usage.daily_remaining
    if left is not None and left < LOOKAHEAD_MIN_TOKENS:
        return 0
    return max(1, client.limiter.in_flight_target()) - 1


def _parent(stream: Stream) -> Parent:
    if stream.parent is None:
        raise ValueError(f"stream '{stream.name}' has no parent")
    return stream.parent


@dataclass
class _Page:
    """One page of parents: the parent state once all its children are delivered, and who is left."""

    state: JsonObject
    ids: list[Any]
    left: set[Any]


class _Walk:
    """Where a child read stands in its parents' listing: the parent pages not yet fully delivered,
    the parents queued for requests, and what a resumed read may skip.

    `done` holds the parents delivered since the committed parent state, all of them read after
    `since` (the server's time when the first of them was taken). A resumed read skips those whose
    cursor is still before `since`: they have not changed since they were read.
    """

    def __init__(self, stream: Stream, state: StreamState, client: Client) -> None:
        self.stream, self.state, self.client = stream, state, client
        parent = _parent(stream)
        self.key = parent.key
        parents = STREAMS_BY_NAME[parent.stream]
        self.cursor_of = _cursor_of(parents)
        self.cursor_field = parents.cursor
        # In API v2, is_deleted marks a deleted record (deals with status=deleted, [RD-V2MIG]): it has no
        # children any more. A v1 user's is_deleted means deactivated: still followed, still read.
        self.v2 = parents.api_version == "v2"
        self.committed: JsonObject | None = state.parent
        self.resumed, self.resumed_since = set(state.parents_done), state.done_since
        self.done: dict[Any, None] = dict.fromkeys(state.parents_done)
        self.since = state.done_since
        self.pages: deque[_Page] = deque()
        self.pending: list[Any] = []
        self.stamps: dict[Any, Any] = {}  # parent id -> its cursor value as listed (Parent.stamp)
        self.cursors: dict[Any, datetime | None] = {}
        self.part_of: dict[Any, str] = {}  # parent id -> the parent part it was listed in
        self.read_after: dict[Any, datetime | None] = {}  # parent id -> an instant before its children were read

    def add(self, batch: Batch) -> list[Any]:
        """Queue the parents of one listed page; returns the deleted ones (announced without a request)."""
        ids, left, gone = [], set(), []
        queued = set(self.pending)
        for record in batch.records:
            pid = record.get(self.key)
            if pid is None:
                continue
            ids.append(pid)
            self.cursors[pid], self.part_of[pid] = self.cursor_of(record), batch.part
            if self.cursor_field:
                self.stamps[pid] = record.get(self.cursor_field)
            if pid in queued:
                continue
            if self._unchanged(pid):
                self.read_after[pid] = self.resumed_since
                continue
            if self.v2 and record.get("is_deleted") is True:
                gone.append(pid)
                continue
            self.pending.append(pid)
            queued.add(pid)
            left.add(pid)
        self.pages.append(_Page(batch.state, ids, left))
        self._commit()
        return gone

    def _unchanged(self, pid: Any) -> bool:
        """Read by an earlier read after its last change (the resumed one, or at the edge of the last round)."""
        cursor = self.cursors.get(pid)
        return pid in self.resumed and self.resumed_since is not None and cursor is not None \
            and cursor < self.resumed_since

    def take(self, size: int) -> list[Any]:
        group, self.pending = self.pending[:size], self.pending[size:]
        self._open()
        return group

    def _open(self) -> None:
        if not self.done and self.since is None:
            # Everything delivered from now on is read after this instant (the server's clock).
            self.since = self.client.server_now()

    def delivered(self, group: list[Any], records: list[JsonObject]) -> Batch:
        """The Batch of one group: the ParentsRead, its children, the state that covers them."""
        self._open()
        for pid in group:
            self.done[pid] = None
            self.read_after[pid] = self.since
            for page in self.pages:
                page.left.discard(pid)
        self._commit()
        state = self.state
        state.parent, state.parents_done, state.done_since = self.committed, list(self.done), self.since
        link = _parent(self.stream).link_field
        return Batch(records, state.to_json(), (ParentsRead(self.stream.name, link, tuple(group)),))

    def _commit(self) -> None:
        """Pages whose parents are all delivered move the parent state on; parents leave `done` once a
        listing resumed from that state would not send them again (see _covered)."""
        moved, popped = False, []
        while self.pages and not self.pages[0].left:
            page = self.pages.popleft()
            self.committed = page.state
            popped.extend(page.ids)
            moved = True
        if moved:
            covered = _Coverage(self.committed)
            self.done = {pid: None for pid in self.done if not self._covered(pid, covered)}
            self._forget(popped, covered)
        if not self.done:
            self.since = None

    def _forget(self, pids: list[Any], covered: _Coverage) -> None:
        """Drop what is known of parents the committed state covers: a resumed listing leaves them out, so
        neither the resume nor the end of the round needs them (memory stays flat over 100,000 deals)."""
        pending = set(self.pending)
        for pid in pids:
            # By cursor only: a part listed as done is listed again from its cursor next round.
            if pid in pending or pid in self.done or not self._covered(pid, covered, by_cursor=True):
                continue
            for known in (self.cursors, self.part_of, self.stamps, self.read_after):
                known.pop(pid, None)

    def _covered(self, pid: Any, covered: _Coverage, by_cursor: bool = False) -> bool:
        """Whether a listing resumed from the committed parent state leaves this parent out."""
        part = self.part_of.get(pid)
        return part is not None and covered.covers(part, self.cursors.get(pid), by_cursor)

    def edge(self) -> tuple[list[Any], datetime | None]:
        """At the end of an incremental round: the parents read at the final parent cursors. The next
        round lists them again (updated_since is inclusive) and skips them if they have not changed."""
        covered = _Coverage(self.committed)
        kept = {pid: after for pid, after in self.read_after.items()
                if after is not None and not self._covered(pid, covered)}
        return list(kept), min(kept.values(), default=None)


class _Coverage:
    """What a listing resumed from a parent state leaves out: a finished part; in a part, the cursors
    before the part's cursor (updated_since is inclusive: one at the cursor comes again; a part filtered
    on our side keeps its cursor until read whole), and those a time slice has delivered (slices.py:
    [lo, stop) of a finished slice, [lo, at) of an unfinished one)."""

    def __init__(self, parent_state: JsonObject | None) -> None:
        state = parent_state or {}
        self.known = parent_state is not None
        self.done = set(state.get("done") or [])
        self.cuts = {part: parse_datetime(v) for part, v in (state.get("parts") or {}).items() if isinstance(v, str)}
        self.spans: dict[str, list[tuple[datetime, datetime | None]]] = {}
        for part, slices in (state.get("slices") or {}).items():
            for s in slices:
                lo = parse_datetime(s["lo"]) if s.get("lo") else None
                end = s.get("stop") if s.get("done") else s.get("at")
                if lo is None or (end is None and not s.get("done")):
                    continue
                self.spans.setdefault(part, []).append((lo, parse_datetime(end) if end else None))

    def covers(self, part: str, cursor: datetime | None, by_cursor: bool = False) -> bool:
        if not self.known:
            return False
        if not by_cursor and part in self.done:
            return True
        if cursor is None:
            return False
        cut = self.cuts.get(part)
        if cut is not None and cursor < cut:
            return True
        return any(lo <= cursor and (end is None or cursor < end) for lo, end in self.spans.get(part, ()))


def _fetch(client: Client, stream: Stream, group: list[Any], stamps: dict[Any, Any], warn: Warn) -> list[JsonObject]:
    """The children of one group of parents (one request for a batched endpoint, one per parent
    otherwise, each paged to its end), shaped to link to their parents."""
    parent = _parent(stream)
    requests = [group] if parent.batch > 1 else [[pid] for pid in group]
    records: list[JsonObject] = []
    for ids in requests:
        part = request_part(stream, ids)
        listing = _Listing(client, stream, part, stream.query(part), None, None, warn)
        got: list[JsonObject] = []
        try:
            for page in PAGERS[stream.paging](listing):
                got.extend(_objects(stream, page, part, warn))
        except StreamError as error:
            if error.status != 404 or parent.batch > 1:
                raise
            # Deleted between its listing and this request: it has no children now.
            warn(f"GET {part.path}: not found (the {parent.stream} record was deleted during the read)")
        records.extend(shape(stream, got, ids, stamps))
    return records


def request_part(stream: Stream, ids: list[Any]) -> Part:
    """The endpoint and query that read the children of `ids` (one id unless the endpoint batches)."""
    parent = _parent(stream)
    if parent.in_path:
        return Part(str(ids[0]), stream.path.replace(IN_PATH, quote(str(ids[0]), safe="")), stream.params)
    value = ",".join(str(i) for i in ids)
    return Part(value, stream.path, (*stream.params, (parent.param, value)))


def shape(stream: Stream, records: list[JsonObject], ids: list[Any], stamps: dict[Any, Any]) -> list[JsonObject]:
    """Make each child record linkable: its parent's id under the link field, the parent's cursor under
    `stamp`, a synthesized primary key (Parent.key_from)."""
    parent = _parent(stream)
    link = parent.link_field
    seen: Counter[str] = Counter()
    for record in records:
        if len(ids) == 1 and (parent.adds_link or link not in record):
            record[link] = ids[0]
        if parent.stamp:
            record[parent.stamp] = stamps.get(record.get(link))
        if parent.key_from:
            record[stream.primary_key] = synthesized_key(record, parent.key_from, seen)
    return records


def synthesized_key(record: JsonObject, fields: tuple[str, ...], seen: Counter[str]) -> str:
    """The key of a record without an id: the values of `fields` (dotted paths) joined by ":", a missing
    value standing for a digest of the record; identical records of one parent get #2, #3..."""
    values = []
    for name in fields:
        value = _dig(record, name)
        values.append(str(value) if value is not None else _digest(record))
    key = ":".join(values)
    seen[key] += 1
    return key if seen[key] == 1 else f"{key}#{seen[key]}"


def _dig(record: JsonObject, path: str) -> Any:
    value: Any = record
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _digest(record: JsonObject) -> str:
    return hashlib.sha1(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def added_fields(stream: Stream) -> set[str]:
    """The record fields the connector writes into a child stream's records (shape)."""
    parent = stream.parent
    if parent is None:
        return set()
    out = {parent.link_field} if parent.adds_link else set()
    if parent.stamp:
        out.add(parent.stamp)
    if parent.key_from:
        out.add(stream.primary_key)
    return out


def sync_default(named: tuple[str, ...] = ()) -> list[str]:
    """The streams `sync` reads when --streams is not given: all but the per-record children (one request
    per parent), except those `named` (the config's child_streams)."""
    return [s.name for s in STREAMS if not s.optional or s.name in named]


def cost_class(stream: Stream) -> str:
    """What reading the stream costs in requests: a list, one request per N parents, or one per parent."""
    if stream.parent is None:
        return "list"
    if stream.parent.batch > 1:
        return f"1 request per {stream.parent.batch} {stream.parent.stream}"
    return f"1 request per {_singular(stream.parent.stream)}"


def _singular(name: str) -> str:
    return {"mail_threads": "mail thread", "permission_sets": "permission set"}.get(name, name.rstrip("s"))


def description(stream: Stream) -> str | None:
    """discover's description of a child stream: its parents, what it costs, what it can miss."""
    parent = stream.parent
    if parent is None:
        return None
    tokens = token_cost(stream.path)
    per = (f"one request per {parent.batch} {parent.stream} ({parent.param}=...)" if parent.batch > 1
           else f"one request per {_singular(parent.stream)}")
    text = (f"Children of {parent.stream}, linked by `{parent.link_field}`: {per}, {tokens} API tokens each "
            f"(GET {stream.path}). A full refresh reads them for every {_singular(parent.stream)}")
    if stream.incremental:
        text += (f"; an incremental read only for the {parent.stream} changed since its last read, so a change "
                 f"to a child that does not move its parent's update time is not seen until the parent changes "
                 f"or a full refresh")
    text += "."
    if parent.key_from:
        text += f" Its records have no id: `{stream.primary_key}` is built from {', '.join(parent.key_from)}."
    if stream.optional:
        text += " `source-pipedrive sync` reads it only when named (--streams or the config's child_streams)."
    return text


__all__ = ["PER_RECORD_GROUP", "added_fields", "cost_class", "description", "read_children", "request_part", "shape",
           "sync_default", "synthesized_key"]
