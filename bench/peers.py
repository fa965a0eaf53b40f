"""Our connector against its peers, on the same sandbox account: one Markdown table.

    .venv/bin/python bench/peers.py [--scale small|medium] [--latency-ms N] [--burst N]
                                    [--timeout 600] [--only ours,airbyte,tap] [--all-streams] [--keep DIR]

Peers, each installed from PyPI into its own virtualenv on first use (under .peers/, git-ignored):

- `airbyte`: Airbyte's airbyte-source-pipedrive 2.3.7 (Python 3.10), config {api_token,
  replication_start_date}; pointed at the sandbox by bench/peers/airbyte_run.py, which puts a copy of
  the installed manifest.yaml with its `url_base` changed in the run's working folder (the CDK loads
  ./manifest.yaml first); the installed files stay as they are.
- `tap`: Singer's tap-pipedrive 2.1.0 (Python 3.10), config {api_token, start_date}; pointed at the
  sandbox by bench/peers/tap_run.py, which sets the module constant BASE_URL at run time.

For each connector a fresh sandbox (same scale and seed, so the same account) serves a full read; then
the same changes are made (a few deals and persons updated, one deal created, the clock advanced an
hour) and the connector reads again with the state it emitted. Each read starts with an empty burst window
(a 30 s block page earned by the full read does not carry over). Per read: wall time, requests, API
tokens, 429s, 403 block pages, records, and per stream the distinct keys delivered against the sandbox's
truth (live + archived; composite keys for child streams; for the incremental read, the ids changed).
Peers read every stream they discover; ours reads what `sync` reads by default (its per-parent child
streams that cost one request per parent record are opt-in; `--all-streams` selects them too). A peer
that crashes or times out gets its error in the table; the bench itself does not fail. `--keep DIR` keeps
each connector's outputs and the sandbox's stats per read.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipedrive_sandbox import Sandbox
from source_pipedrive.streams import STREAMS_BY_NAME

ROOT = Path(__file__).resolve().parent.parent
HELPERS = Path(__file__).resolve().parent / "peers"
CACHE = ROOT / ".peers"
OURS = ROOT / ".venv" / "bin" / "source-pipedrive"
START = "2015-01-01T00:00:00Z"  # before every record of the sandbox (4 years before its 2026-11-01 "now")

PEERS = {
    "airbyte": {"package": "airbyte-source-pipedrive==2.3.7", "python": "3.10",
                "label": "Airbyte airbyte-source-pipedrive 2.3.7"},
    "tap": {"package": "tap-pipedrive==2.1.0", "python": "3.10", "label": "Singer tap-pipedrive 2.1.0"},
}
# peer stream name -> ours (streams not listed keep their name; a name we lack is not compared)
RENAME = {"tap": {"currency": "currencies"}, "airbyte": {}}
# How the sandbox's truth identifies a record, per stream (our names): the record fields, in order, "a.b"
# digging into an object; every stream not listed by its "id". The truth's composite keys of child streams
# start with the parent id, which the records carry under their link field (as in tests/kit/children.py).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "lead_sources": ("name",),
    "note_comments": ("uuid",),
    **{f"{p}_followers": (link, "user_id") for p, link in
       (("deal", "deal_id"), ("person", "person_id"), ("organization", "org_id"), ("product", "product_id"),
        ("user", "followed_user_id"))},
    **{f"{p}_changelog": (link, "field_key", "time") for p, link in
       (("deal", "deal_id"), ("person", "person_id"), ("organization", "org_id"))},
    "deal_flow": ("object", "data.id"),  # the sandbox's flow holds dealChange items only
    "permission_set_assignments": ("permission_set_id", "user_id"),
    "role_assignments": ("role_id", "user_id"),
}


# ---------------------------------------------------------------- installs

def find_python(version: str) -> str:
    """A working python<version>: pyenv's installs first (PATH may hold a pyenv shim that refuses)."""
    cands = [*sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")),
                     reverse=True),
             *sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python{version}"), reverse=True),
             shutil.which(f"python{version}")]
    for cand in cands:
        if cand and subprocess.run([cand, "-c", "pass"], capture_output=True).returncode == 0:
            return cand
    raise RuntimeError(f"no working Python {version} found (tried ~/.pyenv/versions and PATH)")


def ensure_peer(name: str) -> tuple[Path, str]:
    """The peer's venv python, installing it on first use; and a note on the install time."""
    spec = PEERS[name]
    home = CACHE / name
    venv, marker = home / "venv", home / "installed.json"
    py = venv / "bin" / "python"
    if marker.exists() and py.exists():
        info = json.loads(marker.read_text())
        if info.get("package") == spec["package"]:
            return py, f"cached (installed in {info['seconds']:.0f} s on {info['at']})"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    print(f"installing {spec['package']} into {venv} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    subprocess.run([find_python(spec["python"]), "-m", "venv", str(venv)], check=True)
    proc = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           spec["package"]], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip install {spec['package']} failed: {proc.stderr.strip()[-500:]}")
    seconds = time.perf_counter() - t
    marker.write_text(json.dumps({"package": spec["package"], "seconds": seconds,
                                  "at": time.strftime("%Y-%m-%d %H:%M")}))
    return py, f"installed now in {seconds:.0f} s"


# ---------------------------------------------------------------- running one read

@dataclass
class Read:
    seconds: float = 0.0
    requests: int = 0
    tokens: int = 0
    r429: int = 0
    blocks: int = 0            # the sandbox's Cloudflare-like 403 page, after requests sent during a 429 cooldown
    records: int = 0
    ids: dict[str, set[str]] = field(default_factory=dict)   # our stream name -> distinct ids
    streams: set[str] = field(default_factory=set)            # our names of the streams it offers
    selected: set[str] = field(default_factory=set)           # ... and of those its catalog selects
    error: str | None = None
    state: Any = None


def run_proc(cmd: list[str], out: Path, err: Path, timeout: float) -> tuple[int | None, float]:
    """Run in its own process group, in the folder of its output; on timeout kill that group.
    (returncode or None, seconds)."""
    t = time.perf_counter()
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=out.parent)
        try:
            rc: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
    return rc, time.perf_counter() - t


def messages(path: Path):
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if line.startswith(b"{"):
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


def tail(path: Path, n: int = 400) -> str:
    text = path.read_text(errors="replace").strip() if path.exists() else ""
    return text[-n:]


def short(text: str, n: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= n else text[: n - 1] + "…"


def canonical(key: Any) -> str:
    """One spelling for a truth key and a record's key: scalars as str, composite keys as JSON lists."""
    return json.dumps(list(key)) if isinstance(key, (list, tuple)) else str(key)


def record_key(stream: str, data: dict[str, Any]) -> str | None:
    """The record's key as the truth spells it (canonical), or None when it has none."""
    values = []
    for name in KEY_FIELDS.get(stream, ("id",)):
        value: Any = data
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        values.append(value)
    if all(v is None for v in values):
        return None
    return canonical(values[0] if len(values) == 1 else values)


def parse_airbyte(out: Path, rename: dict[str, str], read: Read) -> list[str]:
    """Records, per-stream STATE, TRACE errors of an Airbyte-protocol stdout."""
    errors: list[str] = []
    states: dict[str, Any] = {}
    other_state = None
    for m in messages(out):
        kind = m.get("type")
        if kind == "RECORD":
            rec = m["record"]
            name = rename.get(rec["stream"], rec["stream"])
            read.records += 1
            key = record_key(name, rec.get("data") or {})
            if key is not None:
                read.ids.setdefault(name, set()).add(key)
        elif kind == "STATE":
            st = m["state"]
            if st.get("type") == "STREAM":
                desc = st["stream"]["stream_descriptor"]
                states[f"{desc.get('namespace')}/{desc['name']}"] = st
            else:
                other_state = st
        elif kind == "TRACE" and m["trace"].get("type") == "ERROR":
            e = m["trace"]["error"]
            stream = (e.get("stream_descriptor") or {}).get("name")
            text = e.get("internal_message") or e.get("message") or "error"
            text = re.sub(r"^Exception while syncing stream \S+: ", "", text)
            text = re.sub(r"https?://[^/\s`]+", "", text)       # the sandbox's address
            text = re.sub(r"\?[^\s`]*", "", text)               # query strings (the token among them)
            text = re.sub(r"/\d+/", "/{id}/", text)              # one entry per endpoint, not per deal
            text = text.replace("Client Error: Gone for url: ", "Gone ")
            text = re.sub(r"Response was not ok: `|`\. Response content is:.*", "", text)
            errors.append(f"{stream}: {text}" if stream else text)
    read.state = list(states.values()) or ([other_state] if other_state else None)
    return errors


def parse_singer(out: Path, rename: dict[str, str], read: Read) -> None:
    for m in messages(out):
        kind = m.get("type")
        if kind == "RECORD":
            name = rename.get(m["stream"], m["stream"])
            read.records += 1
            key = record_key(name, m.get("record") or {})
            if key is not None:
                read.ids.setdefault(name, set()).add(key)
        elif kind == "STATE":
            read.state = m["value"]


def airbyte_catalog(out: Path, rename: dict[str, str], select: Callable[[str], bool]) -> tuple[dict, set[str]]:
    """Every discovered stream that `select` (our name) admits, incremental (append) where it supports it,
    else full refresh; and the names of all discovered streams."""
    streams, names = [], set()
    for m in messages(out):
        if m.get("type") == "CATALOG":
            for s in m["catalog"]["streams"]:
                names.add(rename.get(s["name"], s["name"]))
                if not select(rename.get(s["name"], s["name"])):
                    continue
                incr = "incremental" in s.get("supported_sync_modes", [])
                streams.append({"stream": s, "sync_mode": "incremental" if incr else "full_refresh",
                                "destination_sync_mode": "append" if incr else "overwrite",
                                "cursor_field": s.get("default_cursor_field") or [],
                                "primary_key": s.get("source_defined_primary_key") or []})
    return {"streams": streams}, names


def singer_catalog(out: Path, rename: dict[str, str], select: Callable[[str], bool]) -> tuple[dict, set[str]]:
    """The tap's discovered catalog with every stream that `select` admits selected."""
    text = out.read_text()
    catalog = json.loads(text[text.index("{"):])
    names = set()
    for s in catalog["streams"]:
        name = rename.get(s["tap_stream_id"], s["tap_stream_id"])
        names.add(name)
        for md in s.get("metadata", []):
            if md.get("breadcrumb") == []:
                md["metadata"]["selected"] = bool(select(name))
    return catalog, names


class Connector:
    """How to discover and read one connector; subclasses fill in the commands."""

    kind = "airbyte"   # protocol of its output: "airbyte" or "singer"
    rename: dict[str, str] = {}

    def __init__(self, name: str, label: str, install_note: str):
        self.name, self.label, self.install_note = name, label, install_note

    def config(self, sb: Sandbox) -> dict: ...
    def command(self, sb: Sandbox, *args: str) -> list[str]: ...

    def select(self, stream: str) -> bool:
        """Whether the read's catalog selects this discovered stream (our name)."""
        return True

    def read(self, sb: Sandbox, tmp: Path, state: Any, timeout: float, tag: str, burst: int | None) -> Read:
        read = Read()
        (tmp / "config.json").write_text(json.dumps(self.config(sb)))
        try:
            disc = ["--discover"] if self.kind == "singer" else ["discover"]
            rc, _ = run_proc(self.command(sb, *disc, "--config", str(tmp / "config.json")),
                             tmp / "discover.out", tmp / "discover.err", timeout)
            if rc != 0:
                read.error = ("discover timed out" if rc is None else
                              f"discover exit {rc}: {short(tail(tmp / 'discover.err'))}")
                return read
            parse = singer_catalog if self.kind == "singer" else airbyte_catalog
            catalog, read.streams = parse(tmp / "discover.out", self.rename, self.select)
            read.selected = {s for s in read.streams if self.select(s)}
            (tmp / "catalog.json").write_text(json.dumps(catalog))
            args = ["read"] if self.kind == "airbyte" else []
            args += ["--config", str(tmp / "config.json"), "--catalog", str(tmp / "catalog.json")]
            if state is not None:
                (tmp / "state.json").write_text(json.dumps(state))
                args += ["--state", str(tmp / "state.json")]
            # every read starts with an empty burst window and no block: neither discover's requests nor a
            # block earned by the full read carry over into the next read
            sb.configure(burst=burst)
            sb.reset_stats()
            out, err = tmp / f"{tag}.out", tmp / f"{tag}.err"
            rc, read.seconds = run_proc(self.command(sb, *args), out, err, timeout)
            stats = sb.stats()
            (tmp / f"{tag}.stats.json").write_text(json.dumps(stats, indent=1))
            read.requests, read.tokens = stats["total_requests"], stats["total_tokens"]
            read.r429 = int(stats.get("status", {}).get("429", 0))
            read.blocks = int(stats.get("blocks", 0))
            if self.kind == "singer":
                parse_singer(out, self.rename, read)
                errors = []
            else:
                errors = parse_airbyte(out, self.rename, read)
            if rc is None:
                read.error = f"timed out after {timeout:.0f} s (killed)"
            elif rc != 0 or errors:
                read.error = f"exit {rc}: " + (summarize(errors) if errors else singer_error(err, read.state))
            if errors and rc is None:
                read.error += "; " + summarize(errors)
        except Exception as exc:  # the bench must not crash because of one connector
            read.error = f"bench could not run it: {short(repr(exc))}"
        return read


def summarize(errors: list[str]) -> str:
    """Distinct errors once each, with the streams that had them ("stream: text" entries) and a count."""
    by_text: dict[str, list[str]] = {}
    for e in errors:
        stream, sep, text = e.partition(": ")
        if not sep or " " in stream:
            stream, text = "", e
        by_text.setdefault(short(text, 90), []).append(stream)
    parts = []
    for text, streams in by_text.items():
        names = sorted({s for s in streams if s})
        count = f", x{len(streams)}" if len(streams) > max(len(names), 1) else ""
        parts.append(f"{', '.join(names)} ({text}{count})" if names else f"{text}{count}")
    failed = {e.partition(": ")[0] for e in errors if ": " in e and " " not in e.partition(": ")[0]}
    head = f"{len(failed)} streams failed: " if failed else ""
    return head + "; ".join(parts)


def singer_error(err: Path, state: Any) -> str:
    """The tap's last error line, its schema dump cut off, with the stream it was syncing."""
    line = last_error_line(err)
    line = re.sub(r"^.*?CRITICAL ", "", line)
    line = re.sub(r"\[(\w+): data does not match .*", r"field \1 does not match the tap's schema", line)
    syncing = state.get("currently_syncing") if isinstance(state, dict) else None
    return short(f"{syncing}: {line}" if syncing else line)


def last_error_line(err: Path) -> str:
    lines = [ln for ln in tail(err, 4000).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if any(w in ln for w in ("CRITICAL", "Error", "error", "Exception")):
            return ln
    return lines[-1] if lines else "no error output"


class Ours(Connector):
    """Ours reads what `sync` reads by default: the per-parent child streams that cost one request per
    parent record (source_pipedrive.streams: Stream.optional) are opt-in, and left out unless all_streams."""

    def __init__(self, label: str, note: str, all_streams: bool = False):
        super().__init__("ours", label, note)
        self.all_streams = all_streams

    def select(self, stream: str) -> bool:
        known = STREAMS_BY_NAME.get(stream)
        return self.all_streams or known is None or not known.optional

    def config(self, sb):
        return {"credentials": {"auth_type": "api_token", "api_token": sb.token}, "base_url": sb.url}

    def command(self, sb, *args):
        return [str(OURS), *args]


class Airbyte(Connector):
    def __init__(self, label, note, python):
        super().__init__("airbyte", label, note)
        self.python = python

    def config(self, sb):
        return {"api_token": sb.token, "replication_start_date": START}

    def command(self, sb, *args):
        return [str(self.python), str(HELPERS / "airbyte_run.py"), sb.url, *args]


class Tap(Connector):
    kind = "singer"
    rename = RENAME["tap"]

    def __init__(self, label, note, python):
        super().__init__("tap", label, note)
        self.python = python

    def config(self, sb):
        return {"api_token": sb.token, "start_date": START}

    def command(self, sb, *args):
        return [str(self.python), str(HELPERS / "tap_run.py"), sb.url, *args]


# ---------------------------------------------------------------- the scenario

def apply_changes(sb: Sandbox) -> dict[str, set[str]]:
    """Update 3 deals and 2 persons, create a deal, advance an hour. Returns the changed ids."""
    truth = sb.truth()["streams"]
    deals, persons = sorted(truth["deals"]["live"]), sorted(truth["persons"]["live"])
    changed: dict[str, set[str]] = {"deals": set(), "persons": set()}
    for i in (deals[0], deals[len(deals) // 2], deals[-1]):
        sb.update("deals", i, title=f"Renamed deal {i}")
        changed["deals"].add(str(i))
    for i in (persons[1], persons[len(persons) // 3]):
        sb.update("persons", i, name=f"Renamed person {i}")
        changed["persons"].add(str(i))
    created = sb.create("deals", title="Created by bench/peers.py")
    changed["deals"].add(str(created.get("id", (created.get("data") or {}).get("id"))))
    sb.advance(3600)
    return changed


def truth_ids(sb: Sandbox) -> dict[str, set[str]]:
    return {name: {canonical(i) for i in t.get("live", []) + t.get("archived", [])}
            for name, t in sb.truth()["streams"].items()}


def bench_one(conn: Connector, args, tmp: Path) -> tuple[Read, Read, dict, dict]:
    sb_args = dict(scale=args.scale, seed=args.seed, subprocess=True, latency_ms=args.latency_ms)
    if args.burst:
        sb_args["burst"] = args.burst
    with Sandbox(**sb_args) as sb:
        truth = truth_ids(sb)
        print(f"  {conn.label}: full read ...", file=sys.stderr, flush=True)
        full = conn.read(sb, tmp, None, args.timeout, "full", args.burst)
        changed = apply_changes(sb)
        print(f"  {conn.label}: incremental read ...", file=sys.stderr, flush=True)
        incr = conn.read(sb, tmp, full.state, args.timeout, "incr", args.burst)
    return full, incr, truth, changed


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else f"{a}/0"


def table(results: list[tuple[Connector, Read, Read]], truth: dict[str, set[str]],
          changed: dict[str, set[str]]) -> str:
    heads = ["", *(f"{c.label}: {kind}" for c, _, _ in results for kind in ("full", "incremental"))]
    reads = [r for _, f, i in results for r in (f, i)]
    is_full = [kind == "full" for _ in results for kind in ("full", "incremental")]
    rows: list[list[str]] = []
    rows.append(["outcome", *("ok" if r.error is None else f"**failed**: {r.error}" for r in reads)])
    rows.append(["wall time", *(f"{r.seconds:.1f} s" for r in reads)])
    rows.append(["requests", *(str(r.requests) for r in reads)])
    rows.append(["API tokens", *(str(r.tokens) for r in reads)])
    rows.append(["429s", *(str(r.r429) for r in reads)])
    rows.append(["403 blocks", *(str(r.blocks) for r in reads)])
    rows.append(["records", *(str(r.records) for r in reads)])

    def complete(streams: list[str], r: Read, full: bool) -> str:
        done = sum(1 for s in streams if truth[s] <= r.ids.get(s, set()))
        return f"{done}/{len(streams)}" if full else ""

    rows.append(["streams complete (of those it reads)",
                 *(complete([s for s in truth if s in r.selected], r, full)
                   for r, full in zip(reads, is_full, strict=True))])
    offered = [f.selected for _, f, _ in results if f.selected]
    shared = sorted(set(truth).intersection(*offered)) if offered else []
    rows.append([f"streams complete (of the {len(shared)} every connector reads)",
                 *(complete(shared, r, full) for r, full in zip(reads, is_full, strict=True))])
    for stream in sorted(s for s in truth if any(s in r.streams for r in reads)):
        want = truth[stream]
        cells = []
        for r, full in zip(reads, is_full, strict=True):
            got = r.ids.get(stream, set())
            if stream not in r.streams:
                cells.append("—")
            elif stream not in r.selected:
                cells.append("not selected")
            elif full:
                cells.append(pct(len(got & want), len(want)))
            elif stream in changed:
                cells.append(f"changed {pct(len(got & changed[stream]), len(changed[stream]))}, {len(got)} ids")
            else:
                cells.append(f"{len(got)} ids")
        rows.append([f"`{stream}` ({len(want)})", *cells])
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--burst", type=int, default=None, help="requests per 2 s window (default: no limit)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per connector run (default 600)")
    parser.add_argument("--only", default="ours,airbyte,tap", help="comma list of ours, airbyte, tap")
    parser.add_argument("--all-streams", action="store_true",
                        help="ours reads its opt-in per-parent child streams too (default: what `sync` reads)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep each connector's discover/read outputs in DIR/<connector> (default: a temp dir)")
    args = parser.parse_args()
    command = "python bench/peers.py " + " ".join(sys.argv[1:])
    load_before, started = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M")

    conns: list[Connector] = []
    failed_installs: list[str] = []
    for name in args.only.split(","):
        name = name.strip()
        if name == "ours":
            conns.append(Ours("ours (source-pipedrive)", "this repo's .venv; " + (
                "every stream" if args.all_streams else
                "the streams `sync` reads by default (per-parent child streams that cost one request per "
                "parent record are opt-in: `not selected`)"), all_streams=args.all_streams))
            continue
        try:
            py, note = ensure_peer(name)
        except Exception as exc:
            failed_installs.append(f"{PEERS[name]['label']}: could not install: {short(str(exc), 300)}")
            continue
        cls = Airbyte if name == "airbyte" else Tap
        conns.append(cls(PEERS[name]["label"], note, py))

    results = []
    truth: dict[str, set[str]] = {}
    changed: dict[str, set[str]] = {}
    for conn in conns:
        if args.keep is not None:
            work = args.keep / conn.name
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            full, incr, truth, changed = bench_one(conn, args, work)
        else:
            with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
                full, incr, truth, changed = bench_one(conn, args, Path(tmp))
        results.append((conn, full, incr))
    load_after = os.getloadavg()

    burst = f"burst {args.burst}/2 s" if args.burst else "no burst limit"
    print(f"\nCommand: `{command.strip()}`\n")
    print(f"Sandbox scale `{args.scale}` (seed {args.seed}), latency {args.latency_ms} ms, {burst}; "
          f"a fresh sandbox per connector; between the reads: {sum(len(v) for v in changed.values()) - 1} "
          "records updated (deals, persons), 1 deal created, clock +1 h. Full: distinct ids delivered / truth "
          "(live + archived) ids; incremental: changed ids delivered, and ids delivered in all; — = the "
          "connector has no such stream. Figures of a failed run are what it delivered before failing. "
          "Each read starts with an empty burst window (a block earned in the full read does not carry over). "
          f"Started {started}; load average (1 min) {load_before[0]:.1f} at the start, "
          f"{load_after[0]:.1f} at the end, on {os.cpu_count()} CPUs.\n")
    print(table(results, truth, changed))
    print()
    for conn, _, _ in results:
        print(f"- {conn.label}: {conn.install_note}")
    for line in failed_installs:
        print(f"- {line}")
    # One line per connector for bench/run_all.py's summary, on stderr: the Markdown above stays clean.
    for conn, full, incr in results:
        outcome = "ok" if full.error is None else "failed"
        print(f"RESULT peers scale={args.scale} {conn.label}: full read {outcome} in {full.seconds:.1f} s, "
              f"{full.requests} requests, {full.r429} 429s, {full.blocks} block pages, {full.records} records; "
              f"incremental {'ok' if incr.error is None else 'failed'} in {incr.seconds:.1f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
