"""HTTP plumbing: a keep-alive ThreadingHTTPServer; the order of checks mirrors a real API edge."""
from __future__ import annotations

import socket
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import orjson

from . import control
from .app import App
from .auth import AuthError
from .clock import http_date
from .faults import BAD_GATEWAY, BLOCK_PAGE
from .paging import ApiError, Listing
from .respond import dumps, envelope, error
from .routes import Route, resolve, route_key
from .spec import BadParameter


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        super().__init__((host, port), Handler)
        app.url = f"http://{host}:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a killed connector, a timeout) is normal traffic, not a traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer
    server_version = "pipedrive-sandbox"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # quiet; tokens must never be logged
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
    def _send(self, status: int, body: bytes | list[bytes], headers: tuple[tuple[str, str], ...] = (),
              ctype: str = "application/json; charset=utf-8", length: int | None = None,
              close: bool = False) -> None:
        chunks = body if isinstance(body, list) else [body]
        app = self.server.app
        self.log_request(status)
        self.send_response_only(status)
        self.send_header("Server", self.server_version)
        self.send_header("Date", http_date(app.clock.now()))   # simulated now (contract)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(sum(map(len, chunks)) if length is None else length))
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
            status, payload = control.handle(app, method, path.rstrip("/"), body)
            self._send(status, orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS))
            return
        query: dict[str, str] = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            query[k] = f"{query[k]},{v}" if k in query else v   # repeated params (deal_ids=1&deal_ids=2)
        key = route_key(method, path)
        fault = self._fault(app, key)
        if fault == "answered":
            return
        applied = None if fault == "truncate" else fault   # a truncation only counts on a 200 body
        if path == "/oauth/token":
            self._oauth(app, method, key, body, applied)
            return
        self._api(app, method, path, query, key, fault, applied)

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

    def _api(self, app: App, method: str, path: str, query: dict[str, str], key: str, fault: str | None,
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
        try:
            route, params = resolve(path)
            if method != "GET":
                raise ApiError(405, "Method not allowed. The sandbox API is read-only; use /_sandbox/ to change data.")
        except ApiError as e:
            route, status, resp = None, e.status, error(e.status, e.message)
        cost = route.cost if route is not None else 0
        decision = app.limits.check(principal, cost, time.monotonic(), app.clock.now())
        if decision.status == 403:
            app.stats.record(key, 403, fault="block")
            self._send(403, BLOCK_PAGE, ctype="text/html; charset=UTF-8")
            return
        if decision.status == 429:
            app.stats.record(key, 429, fault=applied)
            self._send(429, dumps({"success": False, "error": "Request over limit", "errorCode": 429}),
                       decision.headers)
            return
        if route is not None:
            if any(path.startswith(p) or _norm(path).startswith(p) for p in app.denied):
                app.stats.record(key, 403, cost, fault=applied)
                self._send(403, dumps({"success": False, "error": "Scope and URL mismatch", "errorCode": 403}),
                           decision.headers)
                return
            status, resp = _run(app, route, query, params)
        truncate = fault == "truncate" and status == 200
        app.stats.record(key, status, cost, fault="truncate" if truncate else applied)
        if truncate:
            resp = b"".join(resp) if isinstance(resp, list) else resp
            cut = max(1, len(resp) // 2 - 1)
            self._send(200, resp[:cut], decision.headers, close=True)
            return
        self._send(status, resp, decision.headers)


def _run(app: App, route: Route, query: dict[str, str], params: dict[str, str]) -> tuple[int, bytes | list[bytes]]:
    """The spec gate, then the handler: it sees only the parameters its operation defines (the others are
    ignored, as Pipedrive ignores them, and counted in stats); a defined one with a bad value is a 400."""
    op = route.op
    try:
        accepted, ignored = op.admit(query)
        if ignored:
            app.stats.ignore(op.key, ignored)
        if app.options.time_filter == "ignored":     # option: a server that does not filter by time
            accepted.pop("updated_since", None)
            accepted.pop("updated_until", None)
        out = route.handler(app.store, accepted, params)
        return 200, envelope(op, out) if isinstance(out, Listing) else out
    except BadParameter as e:
        return 400, error(400, str(e))
    except ApiError as e:
        return e.status, error(e.status, e.message)
    except Exception as e:  # noqa: BLE001 - a sandbox bug: answer 500 JSON rather than drop the connection
        traceback.print_exc()
        return 500, error(500, f"Sandbox internal error: {type(e).__name__}")


def _send_all(sock: socket.socket, chunks: list[bytes]) -> None:
    views = [memoryview(c) for c in chunks if c]
    while views:
        n = sock.sendmsg(views)
        while views and n >= len(views[0]):
            n -= len(views[0])
            views.pop(0)
        if views and n:
            views[0] = views[0][n:]


def _norm(path: str) -> str:
    return path[4:] if path.startswith("/api/v1/") else path
