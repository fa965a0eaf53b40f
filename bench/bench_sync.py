"""Throughput of `sync`: the DuckDB loader alone (scripted pages), and end to end against the sandbox.

    python bench/bench_sync.py                 # both (100k scripted deals, then the medium sandbox)
    python bench/bench_sync.py --loader-only --rows 200000
    SOURCE_PIPEDRIVE_COMMIT_INTERVAL=0 python bench/bench_sync.py --loader-only   # one commit per STATE
Prints figures; asserts nothing (timings vary by machine).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from source_pipedrive import sync
from source_pipedrive.fields import CustomField, stream_schema


def _fields() -> list[CustomField]:
    kinds = [("enum", ((1, "Small"), (2, "Big"))), ("set", ((5, "N"), (6, "S"))), ("monetary", ()),
             ("varchar", ()), ("double", ()), ("date", ()), ("address", ()), ("user", ())]
    return [CustomField(f"{i:040x}", f"Field {i} {kind}", kind, opts) for i, (kind, opts) in enumerate(kinds * 2)]


class ScriptedSource:
    """Deals in pages of 500, each page followed by its STATE, like the real source emits them."""

    def __init__(self, rows: int):
        self.rows, self.fields = rows, _fields()

    def discover(self, config: dict) -> dict:
        return {"streams": [{"name": "deals", "json_schema": stream_schema("deals", self.fields),
                             "supported_sync_modes": ["full_refresh", "incremental"], "is_resumable": True,
                             "source_defined_primary_key": [["id"]], "source_defined_cursor": True,
                             "default_cursor_field": ["update_time"]}]}

    def read(self, config: dict, catalog: dict, state=None):
        r = random.Random(1)
        values = {"enum": lambda: r.choice([1, 2]), "set": lambda: [5, 6], "varchar": lambda: "text",
                  "monetary": lambda: {"value": r.random() * 1e4, "currency": "EUR"}, "double": r.random,
                  "date": lambda: "2024-03-04", "user": lambda: 7,
                  "address": lambda: {"value": "1 Main St", "locality": "Tallinn", "country": "Estonia"}}
        yield status("STARTED")
        for start in range(0, self.rows, 500):
            for i in range(start + 1, min(start + 501, self.rows + 1)):
                data = {"id": i, "title": f"Deal {i}", "owner_id": 3, "person_id": i % 900, "org_id": i % 300,
                        "pipeline_id": 1, "stage_id": 1 + i % 5, "value": r.random() * 1e5, "currency": "EUR",
                        "add_time": "2024-01-02T03:04:05Z", "update_time": f"2024-05-06T07:{i % 60:02d}:09Z",
                        "status": r.choice(["open", "won", "lost"]), "is_deleted": False, "is_archived": False,
                        "probability": None, "visible_to": 3, "label_ids": [1, 2],
                        "custom_fields": {f.key: values[f.field_type]() for f in self.fields}}
                yield {"type": "RECORD", "record": {"stream": "deals", "data": data, "emitted_at": 1_700_000_000_000}}
            yield {"type": "STATE", "state": {"type": "STREAM", "stream": {
                "stream_descriptor": {"name": "deals"}, "stream_state": {"page": start}},
                "sourceStats": {"recordCount": 500.0}}}
        yield status("COMPLETE")


def status(value: str) -> dict:
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 1.0,
                                       "stream_status": {"stream_descriptor": {"name": "deals"}, "status": value}}}


class Replay:
    """The scripted messages generated up front, so the figure is the loader's alone."""

    def __init__(self, source: ScriptedSource):
        self.source, self.messages = source, list(source.read({}, {}))

    def discover(self, config: dict) -> dict:
        return self.source.discover(config)

    def read(self, config: dict, catalog: dict, state=None):
        return iter(self.messages)


def bench_loader(rows: int) -> None:
    replay = Replay(ScriptedSource(rows))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        for label in ("first load (inserts)", "second load (all updates)"):
            began = time.perf_counter()
            result = sync.run({}, db, source=replay, full_refresh=True)
            seconds = time.perf_counter() - began
            st = result.streams[0]
            print(f"RESULT sync loader, {label}: {rows:,} deals ({len(result_columns(db))} columns), {st.pages} pages: "
                  f"{seconds:.2f} s, {rows / seconds:,.0f} rows/s (inserted {st.inserted:,}, updated {st.updated:,})")


def result_columns(db: Path) -> list:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("DESCRIBE deals").fetchall()


def bench_sandbox(scale: str) -> None:
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale=scale, seed=1, subprocess=True) as sb, tempfile.TemporaryDirectory() as tmp:
        config = {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}
        db = Path(tmp) / "bench.duckdb"
        began = time.perf_counter()
        result = sync.run(config, db)
        seconds = time.perf_counter() - began
        rows = sum(s.records for s in result.streams)
        print(f"RESULT sync end to end, sandbox scale={scale}: {rows:,} records in {seconds:.2f} s "
              f"({rows / seconds:,.0f} records/s), "
              f"status {result.status}, {sb.stats().get('total_requests')} requests")
        for s in result.streams:
            print(f"  {s.name:16} {s.records:>8,} records {s.pages:>5} pages {s.seconds:6.2f} s")
        began = time.perf_counter()
        again = sync.run(config, db)
        print(f"second (incremental) sync: {sum(s.records for s in again.streams):,} records in "
              f"{time.perf_counter() - began:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--scale", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--loader-only", action="store_true")
    args = parser.parse_args(argv)
    bench_loader(args.rows)
    if not args.loader_only:
        bench_sandbox(args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
