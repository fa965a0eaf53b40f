"""HTTP plumbing: a keep-alive ThreadingHTTPServer; the order of checks mirrors a real API edge."""
from __future__ import annotations

import socket
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..api.dispatch import answer
from ..api.query import ApiError, Query
from ..api.respond import Body, dumps, error
from ..api.routes import PathParams, Route, resolve
from ..app import App
from ..control.endpoints import handle as control
from ..data.clock import http_date
from .auth import AuthError
from .faults import BAD_GATEWAY, BLOCK_PAGE
from .limits import Decision
from .stats import stats_key


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        super().__init__((host, port), Handler)
        app.url = f"http://{host}:{self.server_address[1]}"

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that hangs up (a killed connector, a timeout) is normal traffic, not a traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer
    server_version = "pipedrive-sandbox"
    sys_version = ""
    _headers_buffer: list[bytes]       # BaseHTTPRequestHandler's, filled by send_header

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet; tokens must never be logged
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # -----------------------------------------------------------------------------------------------
    def _send(self, status: int, body: Body, headers: tuple[tuple[str, str], ...] = (),
              ctype: str = "application/json; charset=utf-8", close: bool = False) -> None:
        chunks = body if isinstance(body, list) else [body]
        app = self.server.app
        self.log_request(status)
        self.send_response_only(status)
        self.send_header("Server", self.server_version)
        self.send_header("Date", http_date(app.clock.now()))   # the simulated now (docs/sandbox.md)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(sum(map(len, chunks))))
        self.send_header("x-correlation-id", str(uuid.uuid4()))
        for k, v in headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        # headers and body in one gather-write: no copy of the body, no Nagle / delayed-ACK stall
        self._headers_buffer.append(b"\r\n")
        head = b"".join(self._headers_buffer)
        self._headers_buffer = []
        _send_all(self.connection, [head, *chunks])

    def _serve(self, method: str) -> None:
        app = self.server.app
        parts = urlsplit(self.path)
        path = parts.path
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""

        if path.startswith("/_sandbox/"):
            status, payload = control(app, method, path.rstrip("/"), body)
            self._send(status, dumps(payload))
            return
        query: Query = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            query[k] = f"{query[k]},{v}" if k in query else v   # repeated params (deal_ids=1&deal_ids=2)
        key = stats_key(method, path)
        app.stats.begin()
        try:
            fault = self._fault(app, key)
            if fault == "answered":
                return
            applied = None if fault == "truncate" else fault   # a truncation only counts on a 200 body
            if path == "/oauth/token":
                self._oauth(app, method, key, body, applied)
                return
            self._api(app, method, path, query, key, fault, applied)
        finally:
            app.stats.end()

    def _fault(self, app: App, key: str) -> str | None:
        """Draw this request's fault; a drop or a 5xx is answered here ("answered"), latency sleeps."""
        fx = app.faults
        if fx.latency_ms:
            time.sleep(fx.latency_ms / 1000)
        fault, detail = fx.draw()
        if fault == "drop":
            app.stats.record(key, None, fault="drop")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return "answered"
        if fault == "5xx":
            status = (500, 502, 503)[detail % 3]
            app.stats.record(key, status, fault="5xx")
            if status == 502:
                self._send(502, BAD_GATEWAY, ctype="text/html")
            else:
                self._send(status, error(status, "Internal server error" if status == 500 else "Service unavailable"))
            return "answered"
        if fault == "latency":
            time.sleep(fx.latency_spike_ms / 1000)
        return fault

    def _oauth(self, app: App, method: str, key: str, body: bytes, applied: str | None) -> None:
        if method != "POST":
            self._send(405, error(405, "Method not allowed"))
            app.stats.record(key, 405, fault=applied)
            return
        # api_domain: the company's API domain [RD-OAUTH]; here the sandbox's own base URL
        status, payload = app.auth.token_endpoint(self.headers, body, app.url)
        app.stats.record(key, status, fault=applied)
        self._send(status, dumps(payload), headers=(("Cache-Control", "no-store"),))

    def _api(self, app: App, method: str, path: str, query: Query, key: str, fault: str | None,
             applied: str | None) -> None:
        """Auth, routing, rate limits (a request is charged its operation's cost, a 400 too), scope denial,
        then the spec gate and the handler."""
        try:
            principal = app.auth.principal(self.headers, query)
        except AuthError as e:
            app.stats.record(key, e.status, fault=applied)
            self._send(e.status, dumps({"success": False, "error": e.message, "errorCode": e.status}))
            return
        route: Route | None = None
        params: PathParams = {}
        status: int
        resp: Body
        try:
            route, params = resolve(path)
            if method != "GET":
                raise ApiError(405, "Method not allowed. The sandbox API is read-only; use /_sandbox/ to change data.")
        except ApiError as e:
            route, status, resp = None, e.status, error(e.status, e.message)
        cost = route.cost if route is not None else 0
        decision = app.limits.check(principal, cost, time.monotonic(), app.clock.now())
        if self._refused(app, key, decision, applied):
            return
        if route is not None:
            if any(path.startswith(p) or _without_api(path).startswith(p) for p in app.denied):
                app.stats.record(key, 403, cost, fault=applied)
                self._send(403, dumps({"success": False, "error": "Scope and URL mismatch", "errorCode": 403}),
                           decision.headers)
                return
            status, resp = answer(app, route, query, params)
        truncate = fault == "truncate" and status == 200
        app.stats.record(key, status, cost, fault="truncate" if truncate else applied)
        if truncate:
            whole = b"".join(resp) if isinstance(resp, list) else resp
            self._send(200, whole[:max(1, len(whole) // 2 - 1)], decision.headers, close=True)
            return
        self._send(status, resp, decision.headers)

    def _refused(self, app: App, key: str, decision: Decision, applied: str | None) -> bool:
        """Answer a rate-limit refusal: the HTML block page (403) or the JSON 429; False when admitted."""
        if decision.status == 403:
            app.stats.record(key, 403, fault="block")
            self._send(403, BLOCK_PAGE, ctype="text/html; charset=UTF-8")
            return True
        if decision.status == 429:
            app.stats.record(key, 429, fault=applied)
            self._send(429, dumps({"success": False, "error": "Request over limit", "errorCode": 429}),
                       decision.headers)
            return True
        return False


def _send_all(sock: socket.socket, chunks: list[bytes]) -> None:
    views = [memoryview(c) for c in chunks if c]
    while views:
        n = sock.sendmsg(views)
        while views and n >= len(views[0]):
            n -= len(views[0])
            views.pop(0)
        if views and n:
            views[0] = views[0][n:]


def _without_api(path: str) -> str:
    """/api/v1/... as /v1/..., for scope denials given either way."""
    return path[4:] if path.startswith("/api/v1/") else path
