"""Whole reads judged against the sandbox: read until complete across transient stops, compare what was
delivered with the truth, act during a read."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from source_pipedrive.streams import STREAMS_BY_NAME
from tests.kit.children import freeze, truth_key
from tests.kit.cli import Cli, Run

PAGE = 500  # Pipedrive's maximum page size: a resumed read may repeat at most one page's boundary
MAX_RERUNS = 4


def pk(stream: str, record: dict):
    """The record's primary key value (most streams: id; lead_sources: name; *_fields: key or field_code)."""
    known = STREAMS_BY_NAME.get(stream)
    return record[known.primary_key if known else "id"]


def truth_id(stream: str, record: dict):
    """How the sandbox's truth names the record: its primary key, or a child's identifying fields."""
    known = STREAMS_BY_NAME.get(stream)
    return truth_key(stream, record) if known is not None and known.parent is not None else pk(stream, record)


def expected_ids(truth: dict, stream: str, incremental: bool) -> set:
    """What a complete read of `stream` must deliver: live + archived (+ deleted deals when incremental,
    since those come only with status=deleted and only to incremental reads)."""
    t = truth["streams"][stream]
    ids = {freeze(k) for k in t.get("live", []) + t.get("archived", [])}
    if incremental and stream == "deals":
        ids |= set(t.get("deleted", []))
    return ids


def last_status(run: Run, stream: str) -> str | None:
    statuses = run.statuses(stream)
    return statuses[-1] if statuses else None


def configured(catalog: dict) -> dict[str, bool]:
    """{stream name: incremental?} of a configured catalog."""
    return {e["stream"]["name"]: e.get("sync_mode") == "incremental" for e in catalog["streams"]}


def restrict(catalog: dict, names: set[str]) -> dict:
    return {"streams": [e for e in catalog["streams"] if e["stream"]["name"] in names]}


@dataclass
class Outcome:
    """Every run of one logical sync: the union of ids and the duplicates per stream."""

    runs: list[Run] = field(default_factory=list)
    delivered: dict[str, Counter] = field(default_factory=dict)
    incomplete: set[str] = field(default_factory=set)

    def add(self, run: Run) -> None:
        self.runs.append(run)
        for m in run.of("RECORD"):
            name = m["record"]["stream"]
            self.delivered.setdefault(name, Counter())[truth_id(name, m["record"]["data"])] += 1

    def ids(self, stream: str) -> set:
        return set(self.delivered.get(stream, Counter()))

    def duplicates(self, stream: str) -> int:
        c = self.delivered.get(stream, Counter())
        return sum(c.values()) - len(c)

    @property
    def last(self) -> Run:
        return self.runs[-1]

    def errors(self) -> list[dict]:
        return [e for r in self.runs for e in r.errors()]


def is_transient(run: Run) -> bool:
    errors = run.errors()
    return run.code != 0 and bool(errors) and errors[-1]["failure_type"] == "transient_error"


def read_until_complete(
    cli: Cli,
    config: dict,
    catalog: dict,
    *,
    state: list | None = None,
    max_reruns: int = MAX_RERUNS,
    before_rerun: Callable[[Run], None] | None = None,
) -> Outcome:
    """Read; while the run stopped on a transient error, rerun the streams that did not complete from
    the last STATE per stream (as the platform's next attempt would) and collect the union of ids.

    Completed streams are not reread: a completed full refresh would start over, which is a new sync,
    not a resumption."""
    out = Outcome()
    states: dict[str, dict] = {s["stream"]["stream_descriptor"]["name"]: s for s in state or []}
    todo = catalog
    for attempt in range(max_reruns + 1):
        run = cli("read", config, todo, list(states.values()) or None)
        out.add(run)
        for s in run.final_state():
            states[s["stream"]["stream_descriptor"]["name"]] = s
        out.incomplete = {n for n in configured(todo) if last_status(run, n) != "COMPLETE"}
        if run.code == 0 or not is_transient(run) or not out.incomplete or attempt == max_reruns:
            break
        if before_rerun is not None:
            before_rerun(run)
        todo = restrict(catalog, out.incomplete)
    return out


def assert_states_cover_records(run: Run) -> None:
    """Every RECORD is followed by a STATE of its stream: a run that stops keeps the state of all it delivered."""
    pending: dict[str, int] = {}
    for m in run.messages:
        if m["type"] == "RECORD":
            pending[m["record"]["stream"]] = pending.get(m["record"]["stream"], 0) + 1
        elif m["type"] == "STATE":
            pending.pop(m["state"]["stream"]["stream_descriptor"]["name"], None)
    assert not pending, f"records after the last STATE of their stream: {pending}"


def compare_with_truth(outcome: Outcome, truth: dict, catalog: dict, *, skip: set[str] = frozenset(),
                       also: dict | None = None) -> dict[str, dict]:
    """Per stream: lost ids, extra ids, duplicates. Asserts nothing is lost or invented.

    `truth` is the sandbox's truth at the end; `also` an earlier one, for runs across a clock change
    (a deleted deal leaves status=deleted after 30 days, so it may be delivered, then no longer listed)."""
    report = {}
    for name, incremental in configured(catalog).items():
        if name in skip or name not in truth["streams"]:
            continue
        want, got = expected_ids(truth, name, incremental), outcome.ids(name)
        allowed = want | (expected_ids(also, name, incremental) if also else set())
        report[name] = {"lost": sorted(want - got, key=str)[:10], "n_lost": len(want - got),
                        "extra": sorted(got - allowed, key=str)[:10], "dups": outcome.duplicates(name)}
    lost = {n: r for n, r in report.items() if r["n_lost"] or r["extra"]}
    assert not lost, f"ids lost or invented: {lost}"
    too_many = {n: r["dups"] for n, r in report.items() if r["dups"] > PAGE}
    assert not too_many, f"more duplicates than one page: {too_many}"
    return report


class During:
    """Run `action` once from a thread as soon as `ready()` holds (checked every 10 ms) during a block."""

    def __init__(self, ready: Callable[[], bool], action: Callable[[], None], *, repeat: int = 1, gap: float = 0.0):
        self.ready, self.action, self.repeat, self.gap = ready, action, repeat, gap
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set() and self.done < self.repeat:
            if self.ready():
                self.action()
                self.done += 1
                if self._stop.wait(self.gap):
                    return
            else:
                time.sleep(0.01)

    def __enter__(self) -> During:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
