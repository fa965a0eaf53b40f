"""Command line: `python -m pipedrive_sandbox [...]` prints the listening URL first (tests read that
line), then a ready-to-use config and the `sync` command for it, then serves until killed."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from .edge.faults import KINDS
from .options import OPTIONS, cli_value, coerce

DEFAULT_CONFIG_NAME = "sandbox-config.json"
DEFAULT_DB = "sandbox.duckdb"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="source-pipedrive sandbox",
        description="A local, deterministic Pipedrive API: try the connector and test pipelines without an account.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free one, printed at start)")
    p.add_argument("--scale", choices=("small", "medium", "large"), default="small",
                   help="company size: small (hundreds per entity), medium (~10k deals), large (100k deals)")
    p.add_argument("--seed", type=int, default=1, help="data seed: the same seed gives the same company")
    p.add_argument("--burst", type=int, default=None, help="requests per rolling 2 s window per token")
    p.add_argument("--daily-tokens", type=int, default=None, help="daily token budget")
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every request")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that get a fault (0 to 1)")
    p.add_argument("--faults", default=",".join(KINDS), help="comma list of 5xx,drop,truncate,latency")
    p.add_argument("--oauth-ttl", type=float, default=3599, help="OAuth access-token lifetime in seconds")
    p.add_argument("--token", default="sandbox-token", help="the API token it accepts (default sandbox-token)")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="a spec-open behaviour, repeatable: " + "; ".join(
                       f"{o.name} ({'|'.join('N' if c is int else cli_value(c) for c in o.choices)}, "
                       f"default {cli_value(o.default)})" for o in OPTIONS.values()))
    p.add_argument("--write-config", metavar="PATH", default=None,
                   help="write the config for this sandbox to PATH (mode 0600) and print the sync command using it")
    p.add_argument("--prewarm", default=None,
                   help="comma list of tables to serialize before listening (default: deals for medium/large, "
                        "none for small); 'none' disables")
    return p


def parse_options(p: argparse.ArgumentParser, pairs: list[str]) -> dict[str, Any]:
    """--option NAME=VALUE pairs as {name: value}; a bad name or value is a usage error."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            if not sep:
                raise ValueError(f"--option wants NAME=VALUE, got {pair!r}")
            out[name.strip()] = coerce(name.strip(), value)
        except ValueError as e:
            p.error(str(e))
    return out


def sandbox_config(url: str, token: str) -> dict[str, Any]:
    """The connector config for a sandbox at `url` accepting `token`."""
    return {"credentials": {"auth_type": "api_token", "api_token": token}, "base_url": url}


def write_config(path: str, config: dict[str, Any]) -> None:
    """Write `config` as JSON to `path`, readable by its owner only (it holds the token)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        os.fchmod(f.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        f.write(json.dumps(config, indent=2) + "\n")


def sync_command(config_path: str, db: str = DEFAULT_DB) -> str:
    return f"source-pipedrive sync --config {shlex.quote(config_path)} --db {shlex.quote(db)}"


def usage_lines(url: str, token: str, written: str | None) -> list[str]:
    """What to do with a running sandbox, printed after the URL line."""
    config = json.dumps(sandbox_config(url, token))
    if written is not None:
        return [f"Config written to {written} (mode 0600). Sync the sandbox into DuckDB with:",
                f"  {sync_command(written)}",
                "Ctrl-C stops the sandbox."]
    return [f"config: {config}",
            f"Save that line's JSON as {DEFAULT_CONFIG_NAME} (or start with --write-config {DEFAULT_CONFIG_NAME}) "
            "and sync the sandbox into DuckDB with:",
            f"  {sync_command(DEFAULT_CONFIG_NAME)}",
            "Ctrl-C stops the sandbox."]


def main(argv: list[str] | None = None) -> int:
    from .app import App
    from .edge.server import SandboxServer

    p = parser()
    a = p.parse_args(argv)
    faults = tuple(k for k in a.faults.split(",") if k)
    app = App(scale=a.scale, seed=a.seed, token=a.token, burst=a.burst, daily_tokens=a.daily_tokens,
              latency_ms=a.latency_ms, fault_rate=a.fault_rate, faults=faults, oauth_ttl=a.oauth_ttl,
              options=parse_options(p, a.option))
    warm = a.prewarm if a.prewarm is not None else ("" if a.scale == "small" else "deals")
    app.prewarm(tuple(x for x in warm.split(",") if x and x != "none"))
    server = SandboxServer(app, a.host, a.port)
    # A sandbox listening on every interface is reached on loopback (plain http only goes there).
    url = app.url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")
    written = None
    if a.write_config:
        try:
            write_config(a.write_config, sandbox_config(url, a.token))
            written = str(Path(a.write_config))
        except OSError as exc:
            server.server_close()
            print(f"error: cannot write the config to {a.write_config}: {exc.strerror}", file=sys.stderr, flush=True)
            return 2
    print(f"Pipedrive sandbox listening on {app.url}", flush=True)
    print("\n".join(usage_lines(url, a.token, written)), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
