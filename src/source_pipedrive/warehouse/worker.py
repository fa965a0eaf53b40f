"""The DuckDB side of `sync` in a process of its own, so loading runs beside the reading.

In one process, DuckDB's Python client takes the GIL back between steps of every statement (to check
for Ctrl-C), and the reading threads hold it most of the time: the two took turns on one core. Once a
read turns out large, the loader's writer hands the database file to a child process, which commits
the pages from then on; the parent appends the pages to files and waits for the answer.

The child ignores Ctrl-C and SIGTERM (the parent decides what to commit; a terminal sends Ctrl-C to
both), dies with its parent (Linux: PR_SET_PDEATHSIG; elsewhere when its input closes) and is
killed outright to abort: every commit is one DuckDB transaction, so a kill loses only the open one.

    python -m source_pipedrive.warehouse.worker DBFILE   # speaks pickled frames on stdin/stdout
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from typing import IO, Any

from .columns import TablePlan
from .store import LoadError, PageResult, PageWrite, Warehouse

HEADER = 8  # bytes of a frame's length


class WarehouseProcess:
    """Warehouse.prepare_all and Warehouse.commit_pages, run by a child process that has the file meanwhile."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Start the child; it imports DuckDB, says so (`ready`), and opens the file at its first request."""
        self.warnings: list[str] = []
        self.started = False
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, os.fspath(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ready(self, wait: bool = False) -> bool:
        """Whether the child has started (without waiting, where the platform can tell)."""
        assert self.proc.stdout is not None
        if not self.started and (wait or _readable(self.proc.stdout)):
            hello = _receive(self.proc.stdout)
            if hello != ("ready",):
                raise LoadError(f"the DuckDB writer process did not start (exit code {self.proc.wait()})")
            self.started = True
        return self.started

    def prepare_all(self, tables: list[tuple[str, Any, Any]]) -> list[TablePlan]:
        plans, warnings = self._call("prepare_all", tables)
        self.warnings.extend(w for w in warnings if w not in self.warnings)
        return plans  # type: ignore[no-any-return]

    def commit_pages(self, writes: list[PageWrite]) -> list[PageResult]:
        """Warehouse.commit_pages in the child: the page files are in the folder both share."""
        return self._call("commit_pages", writes)  # type: ignore[no-any-return]

    def interrupt(self) -> None:
        """Abort: the open transaction is lost, every committed one stays (DuckDB's WAL)."""
        self.proc.kill()

    def close(self) -> None:
        """Let the child checkpoint and close the file (unless it was killed), and wait for it."""
        if self.proc.poll() is None:
            try:
                self._call("close")
            except LoadError:
                pass
        self.proc.wait()

    def _call(self, op: str, *args: Any) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.ready(wait=True)
        try:
            _send(self.proc.stdin, (op, args))
            answer = _receive(self.proc.stdout)
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:
            raise LoadError(f"the DuckDB writer process ended (exit code {self.proc.wait()})")
        if answer[0] == "ok":
            return answer[1]
        raise _error(*answer[1])


def _error(module: str, name: str, message: str) -> BaseException:
    """The child's exception, as the same class where that is DuckDB's or ours (sync reports them by kind)."""
    import duckdb

    if module.startswith(("duckdb", "_duckdb")) and isinstance(getattr(duckdb, name, None), type):
        cls = getattr(duckdb, name)
        if issubclass(cls, duckdb.Error):
            return cls(message)  # type: ignore[no-any-return]
    if name == "LoadError":
        return LoadError(message)
    return LoadError(f"{name}: {message}")


def _readable(stream: IO[bytes]) -> bool:
    if sys.platform == "win32":  # select() takes no pipes there: wait for the child when needed
        return True
    import select

    return bool(select.select([stream], [], [], 0)[0])


def _send(stream: IO[bytes], message: Any) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(body).to_bytes(HEADER, "little") + body)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(HEADER)
    if len(head) < HEADER:
        return None
    return pickle.loads(stream.read(int.from_bytes(head, "little")))


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def serve(path: str) -> int:
    """The child's loop: one request, one answer, until `close` or until the parent is gone."""
    parent = os.getppid()
    _die_with_parent()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    if os.getppid() != parent:  # the parent died before the line above
        return 1
    inbox, outbox = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the answers
    _send(outbox, ("ready",))
    warehouse = None
    while (request := _receive(inbox)) is not None:
        op, args = request
        try:
            if op == "close":
                if warehouse is not None:
                    warehouse.close()
                _send(outbox, ("ok", None))
                return 0
            if warehouse is None:
                warehouse = Warehouse(path)
                warehouse.con.execute("SET enable_progress_bar = false")
            if op == "prepare_all":
                _send(outbox, ("ok", (warehouse.prepare_all(*args), list(warehouse.warnings))))
            elif op == "commit_pages":
                _send(outbox, ("ok", warehouse.commit_pages(*args)))
            else:
                raise ValueError(f"unknown request {op!r}")
        except Exception as exc:
            _send(outbox, ("error", (type(exc).__module__, type(exc).__name__, str(exc))))
    os._exit(1)  # the parent is gone: no checkpoint, the next open replays what was committed


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
