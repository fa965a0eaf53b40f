"""Sandbox: the context manager tests and benchmarks start; an in-thread server or a child process, controlled
over the HTTP control interface in both modes (docs/sandbox.md)."""
from __future__ import annotations

import os
import subprocess as sp
import sys
import threading
import urllib.request
import weakref
from datetime import datetime
from typing import Any
from urllib.error import HTTPError

import orjson

from ..app import App
from ..edge.faults import KINDS
from ..edge.server import SandboxServer
from ..options import cli_value, coerce


def _parse(text: str) -> datetime:
    # Python 3.10's fromisoformat does not accept a trailing "Z"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stop(proc: sp.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except sp.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


class Sandbox:
    def __init__(self, scale: str = "small", seed: int = 1, token: str = "sandbox-token", burst: int | None = None,
                 daily_tokens: int | None = None, latency_ms: int = 0, fault_rate: float = 0.0,
                 faults: tuple[str, ...] | list[str] = KINDS, oauth_ttl: float = 3599, host: str = "127.0.0.1",
                 port: int = 0, subprocess: bool = False, prewarm: str | None = None,
                 options: dict[str, Any] | None = None) -> None:
        # options: the spec-open behaviours (pipedrive_sandbox.OPTIONS); checked here, in either mode
        opts = {name: coerce(name, value) for name, value in (options or {}).items()}
        # App's arguments; options are the start-time ones (the live ones: configure()["options"])
        self._kw: dict[str, Any] = dict(scale=scale, seed=seed, token=token, burst=burst, daily_tokens=daily_tokens,
                                        latency_ms=latency_ms, fault_rate=fault_rate, faults=tuple(faults),
                                        oauth_ttl=oauth_ttl, options=opts)
        self.host, self.port, self.subprocess = host, port, subprocess
        self.prewarm = prewarm  # subprocess mode: comma list of v2 entities serialized up front (benchmarks)
        self.token = token
        self.url = ""
        self.oauth: dict[str, str] = {}
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._proc: sp.Popen[bytes] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self.subprocess:
            self._start_process()
        else:
            app = App(**self._kw)
            self._server = SandboxServer(app, self.host, self.port)
            self.url = app.url
            # a short poll interval makes close() quick; suites start many sandboxes
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="pipedrive-sandbox", daemon=True)
            self._thread.start()
        self.oauth = self._call("GET", "/_sandbox/info")["oauth"]
        return self

    def _start_process(self) -> None:
        kw = self._kw
        cmd = [sys.executable, "-m", "pipedrive_sandbox", "--host", self.host, "--port", str(self.port),
               "--scale", str(kw["scale"]), "--seed", str(kw["seed"]), "--token", str(kw["token"]),
               "--latency-ms", str(kw["latency_ms"]), "--fault-rate", str(kw["fault_rate"]),
               "--faults", ",".join(kw["faults"]), "--oauth-ttl", str(kw["oauth_ttl"])]
        if kw["burst"] is not None:
            cmd += ["--burst", str(kw["burst"])]
        if kw["daily_tokens"] is not None:
            cmd += ["--daily-tokens", str(kw["daily_tokens"])]
        if self.prewarm is not None:
            cmd += ["--prewarm", self.prewarm]
        for name, value in kw["options"].items():
            cmd += ["--option", f"{name}={cli_value(value)}"]
        # stderr is inherited so a sandbox traceback is visible; the finalizer stops an unclosed child at exit
        self._proc = sp.Popen(cmd, stdout=sp.PIPE, env=os.environ.copy())
        self._finalizer = weakref.finalize(self, _stop, self._proc)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()
        if "listening on " not in line:
            self._proc.kill()
            raise RuntimeError(f"sandbox process did not start: {line!r}")
        self.url = line.rsplit(" ", 1)[-1]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- control (always over HTTP, so both modes behave the same) ---------------------------------
    def _call(self, method: str, path: str, payload: object = None) -> dict[str, Any]:
        """One control call; its JSON answer. A 404 raises KeyError, any other error ValueError."""
        data = None if payload is None else orjson.dumps(payload)
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                answer: dict[str, Any] = orjson.loads(resp.read())
                return answer
        except HTTPError as e:
            body = e.read()
            msg = orjson.loads(body).get("error") if body else str(e)
            if e.code == 404:
                raise KeyError(msg) from None
            raise ValueError(msg) from None

    def advance(self, seconds: float) -> datetime:
        return _parse(self._call("POST", "/_sandbox/clock/advance", {"seconds": seconds})["now"])

    def now(self) -> datetime:
        return _parse(self._call("GET", "/_sandbox/clock")["now"])

    def create(self, entity: str, **fields: object) -> dict[str, Any]:
        return self._call("POST", f"/_sandbox/records/{entity}", fields)

    def update(self, entity: str, id: object, **fields: object) -> dict[str, Any]:
        return self._call("PATCH", f"/_sandbox/records/{entity}/{id}", fields)

    def delete(self, entity: str, id: object) -> None:
        self._call("DELETE", f"/_sandbox/records/{entity}/{id}")

    def archive(self, entity: str, id: object) -> dict[str, Any]:
        return self._call("POST", f"/_sandbox/records/{entity}/{id}/archive")

    def unarchive(self, entity: str, id: object) -> dict[str, Any]:
        """Back to the live list (deals, leads and projects); update_time moves per option update_time_on_archive."""
        return self._call("POST", f"/_sandbox/records/{entity}/{id}/unarchive")

    def get(self, entity: str, id: object) -> dict[str, Any]:
        """The current record as the API shows it (sandbox addition)."""
        return self._call("GET", f"/_sandbox/records/{entity}/{id}")

    def truth(self, streams: list[str] | tuple[str, ...] | None = None) -> dict[str, Any]:
        """What a connector can read per stream; `streams` limits the answer (child streams of a large
        sandbox take a while to list)."""
        return self._call("GET", "/_sandbox/truth", None if streams is None else {"streams": list(streams)})

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/_sandbox/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/_sandbox/stats/reset")

    def configure(self, **cfg: object) -> dict[str, Any]:
        """POST /_sandbox/config; options go as configure(options={"tie_order": "shuffled"})."""
        return self._call("POST", "/_sandbox/config", cfg)

    def set_options(self, **options: object) -> dict[str, Any]:
        """Change spec-open behaviours at run time; returns the effective options."""
        effective: dict[str, Any] = self.configure(options=options)["options"]
        return effective

    def revoke(self, token: str) -> None:
        self._call("POST", "/_sandbox/tokens/revoke", {"token": token})

    def deny(self, path_prefix: str) -> None:
        self._call("POST", "/_sandbox/scopes/deny", {"path_prefix": path_prefix})

    def expire_oauth_tokens(self) -> None:
        self._call("POST", "/_sandbox/oauth/expire")

    def info(self) -> dict[str, Any]:
        return self._call("GET", "/_sandbox/info")
