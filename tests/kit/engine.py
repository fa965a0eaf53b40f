"""Around the HTTP engine: a Recorder of everything a Client says, and a scripted loopback server for
answers the sandbox does not give."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


class Recorder:
    """Collects everything the engine says: log lines, waits and exception texts."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self.waits: list[tuple[str, float]] = []
        self.slept: list[float] = []
        self.errors: list[str] = []

    def log(self, level: str, message: str) -> None:
        self.logs.append((level, message))

    def on_wait(self, reason: str, seconds: float) -> None:
        self.waits.append((reason, seconds))

    def sleep(self, seconds: float) -> None:
        """A sleep that does not wait: backoff is exercised without slowing the suite."""
        self.slept.append(seconds)

    def caught(self, exc: BaseException) -> BaseException:
        self.errors += [str(exc), repr(exc), str(getattr(exc, "internal", "") or "")]
        return exc

    def text(self) -> str:
        return "\n".join([m for _, m in self.logs] + [r for r, _ in self.waits] + self.errors)


@contextmanager
def scripted_server(answer: Callable[[str, dict[str, str]], object]) -> Iterator[tuple[str, list]]:
    """A throwaway loopback server whose JSON answers come from `answer(path_with_query, headers)`:
    a body (status 200) or a tuple (status, headers, body).

    Only for answers the sandbox does not give: a server bug (a repeating cursor, a 429 without daily
    headers) or data it never holds (a user never modified).
    """
    seen: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append((self.path, headers))
            reply = answer(self.path, headers)
            status, extra, body = reply if isinstance(reply, tuple) else (200, {}, reply)
            data = orjson.dumps(body)
            self.send_response_only(status)  # no automatic Date: a script may set its own
            if "Date" not in extra:
                self.send_header("Date", self.date_time_string())
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
