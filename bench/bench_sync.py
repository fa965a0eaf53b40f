"""Throughput of `sync`: the DuckDB loader alone (scripted pages), and `sync` against `read` on the sandbox.

    python bench/bench_sync.py                      # both (100k scripted deals, then the medium sandbox)
    python bench/bench_sync.py --loader-only --rows 200000
    python bench/bench_sync.py --sandbox-only --repeat 3          # read to /dev/null vs sync, 3 rounds
    python bench/bench_sync.py --breakdown                        # where a sync's time goes, step by step
    SOURCE_PIPEDRIVE_COMMIT_INTERVAL=0 python bench/bench_sync.py --loader-only   # one commit per STATE
    SOURCE_PIPEDRIVE_WRITER=process python bench/bench_sync.py --sandbox-only     # the writer process

The sandbox part runs, in one sandbox, `read` to /dev/null and `sync` into a new DuckDB file of the
streams `sync` reads by default (not the per-record child streams), each as a child process: wall
time, the ratio, peak RSS (of the whole process tree) and CPU. The machine's other work shows in the
figures: compare the ratio within one run, repeat, and look at the load average (`uptime`).
Prints figures; asserts nothing (timings vary by machine and by what else runs on it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak_rss import peak_rss_mb, wrapped_command
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

    def read(self, config: dict, catalog: dict, state=None, on_event=None):
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

    def read(self, config: dict, catalog: dict, state=None, on_event=None):
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


def configured_catalog(config: dict) -> dict:
    """What `sync` reads on a new file: the streams it reads by default (children.sync_default: not the
    per-record child streams), incremental where it can be (from scratch)."""
    from source_pipedrive import source
    from source_pipedrive.children import sync_default

    streams, wanted = [], set(sync_default())
    for entry in source.discover(config)["streams"]:
        if entry["name"] not in wanted:
            continue
        inc = "incremental" in entry.get("supported_sync_modes", [])
        streams.append({"stream": entry, "sync_mode": "incremental" if inc else "full_refresh",
                        "destination_sync_mode": "append_dedup",
                        "primary_key": entry.get("source_defined_primary_key") or []})
    return {"streams": streams}


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants now (sync's writer process counts), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def timed_child(argv: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, float, int, bytes]:
    """(wall seconds, peak RSS in MB, CPU seconds, exit code, stdout) of `python -m source_pipedrive ARGV`,
    a child process of its own. Peak RSS: the largest sum over the process and its descendants, polled
    every 20 ms, and never less than the main process's own high-water mark (VmHWM); neither
    the sandbox nor this script is counted. CPU: theirs, children included."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(wrapped_command(*argv), stdout=out if stdout == subprocess.PIPE else stdout,
                                stderr=err)
        peak = 0.0
        # WNOWAIT: look without reaping, so wait4 below still gets the child's resource usage.
        while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.02)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        code = proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        errors = err.read()
        if code != 0:
            print(f"  exit {code}: {errors.decode(errors='replace')[-400:]}", file=sys.stderr)
        cpu = usage.ru_utime + usage.ru_stime
        # Not ru_maxrss: on Linux it starts from this script's size at the fork (peak_rss.py).
        return seconds, max(peak, peak_rss_mb(errors)), cpu, code, out.read()


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a running process (the sandbox's, from /proc; 0 where unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_sandbox(scale: str, repeat: int) -> int:
    """`read` to /dev/null, then `sync` into a new DuckDB file, same sandbox, same streams, each in its
    own process: wall time, the ratio, peak RSS. Repeated `repeat` times; the best of each is kept."""
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale=scale, seed=1, subprocess=True) as sb, tempfile.TemporaryDirectory() as tmp:
        config = {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}
        config_file, catalog_file = Path(tmp) / "config.json", Path(tmp) / "catalog.json"
        config_file.write_text(json.dumps(config))
        catalog_file.write_text(json.dumps(configured_catalog(config)))
        reads, syncs, failed = [], [], 0
        summary: dict = {}
        server = getattr(getattr(sb, "_proc", None), "pid", None)
        for i in range(repeat):
            before = cpu_seconds(server)
            read = timed_child(["read", "--config", str(config_file), "--catalog", str(catalog_file)])
            between = cpu_seconds(server)
            db = Path(tmp) / f"bench-{i}.duckdb"
            synced = timed_child(["sync", "--config", str(config_file), "--db", str(db), "--quiet", "--json"],
                                 stdout=subprocess.PIPE)
            served = (between - before, cpu_seconds(server) - between)
            failed += read[3] != 0 or synced[3] != 0
            reads.append(read[:3])
            syncs.append(synced[:3])
            summary = json.loads(synced[4] or b"{}")
            print(f"  run {i + 1}: read {read[0]:.2f} s ({read[1]:.0f} MB, CPU {read[2]:.1f} s), "
                  f"sync {synced[0]:.2f} s ({synced[1]:.0f} MB, CPU {synced[2]:.1f} s), "
                  f"ratio {synced[0] / read[0]:.2f}; the sandbox's CPU {served[0]:.1f} s, {served[1]:.1f} s",
                  flush=True)
            db.unlink(missing_ok=True)
        rows = sum(s.get("records", 0) for s in summary.get("streams", []))
        read_s, sync_s = min(r[0] for r in reads), min(s[0] for s in syncs)
        read_mb, sync_mb = max(r[1] for r in reads), max(s[1] for s in syncs)
        print(f"RESULT sync vs read, sandbox scale={scale}: read to /dev/null {read_s:.2f} s, peak RSS "
              f"{read_mb:.0f} MB; sync into a new DuckDB file {sync_s:.2f} s, peak RSS {sync_mb:.0f} MB; "
              f"sync/read {sync_s / read_s:.2f}x ({rows:,} records, status {summary.get('status')}, "
              f"best of {repeat})")
        for s in summary.get("streams", []):
            print(f"  {s.get('stream', '?'):24} {s.get('records', 0):>8,} records {s.get('pages', 0):>5} pages")
        return failed


class Timers:
    """Seconds and calls per label, from wrappers put around the loader's steps (in this process)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def add(self, label: str, began: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - began
        self.calls[label] = self.calls.get(label, 0) + 1

    def wrap(self, owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.add(label, began)

        setattr(owner, name, timed)


class TimedConnection:
    """A DuckDB connection that times each statement by its kind (INSERT of a page, COMMIT, ...)."""

    def __init__(self, con, timers: Timers) -> None:
        self._con, self._timers = con, timers

    def __getattr__(self, name: str):
        return getattr(self._con, name)

    def execute(self, sql: str, parameters=None):
        words = sql.split()
        kind = "SQL " + " ".join(words[:2] if words[0] in ("INSERT", "DELETE", "CREATE") else words[:1])
        if "read_json(" in sql:
            kind = "SQL INSERT of a page (read_json)"
        began = time.perf_counter()
        try:
            return self._con.execute(sql, parameters) if parameters is not None else self._con.execute(sql)
        finally:
            self._timers.add(kind, began)


def bench_breakdown(scale: str) -> None:
    """Where a sync's time goes: an in-process sync against the sandbox with a timer around each step
    of the loader (page files, statements by kind, table setup) and around waiting for the source."""
    from pipedrive_sandbox import Sandbox
    from source_pipedrive.children import sync_default
    from source_pipedrive.warehouse import loader, meta, store

    timers = Timers()
    for owner, name, label in ((loader, "page_json", "reading side: pages to JSON (orjson)"),
                               (loader.Group, "add", "reading side: group files (append)"),
                               (store.Warehouse, "prepare_all", "tables"),
                               (store.Warehouse, "commit_pages", "transactions (all of each)")):
        timers.wrap(owner, name, label)
    connect = meta.connect
    meta.connect = lambda path, **kw: TimedConnection(connect(path, **kw), timers)  # type: ignore[assignment]
    read_messages = loader.Loader._read

    def waited(self, messages, handoff):
        def timed():
            iterator = iter(messages)
            while True:
                began = time.perf_counter()
                try:
                    message = next(iterator)
                except StopIteration:
                    return
                finally:
                    timers.add("reading side: waiting for the source", began)
                yield message

        return read_messages(self, timed(), handoff)

    loader.Loader._read = waited  # type: ignore[method-assign]
    timers.wrap(loader.Handoff, "put", "reading side: handing pages over (append, room)")
    with Sandbox(scale=scale, seed=1, subprocess=True) as sb, tempfile.TemporaryDirectory() as tmp:
        config = {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}
        began, cpu = time.perf_counter(), time.process_time()
        result = sync.run(config, Path(tmp) / "bench.duckdb", streams=sync_default())
        seconds = time.perf_counter() - began
    records = sum(s.records for s in result.streams)
    print(f"RESULT sync breakdown, sandbox scale={scale}: {records:,} records in {seconds:.2f} s "
          f"({time.process_time() - cpu:.2f} s CPU), status {result.status}; per step (writer thread unless said):")
    for label, total in sorted(timers.seconds.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {label:44} {total:6.2f} s  x{timers.calls[label]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--scale", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--repeat", type=int, default=1, help="sandbox runs of read then sync (best kept)")
    parser.add_argument("--loader-only", action="store_true")
    parser.add_argument("--sandbox-only", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="only: where an in-process sync's time goes")
    args = parser.parse_args(argv)
    if args.breakdown:
        bench_breakdown(args.scale)
        return 0
    if not args.sandbox_only:
        bench_loader(args.rows)
    if not args.loader_only:
        return 1 if bench_sandbox(args.scale, args.repeat) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
