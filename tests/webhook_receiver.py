"""A webhook receiver for tests: a threaded HTTP server on 127.0.0.1 (a free port) that keeps
what it is sent, answers with the statuses it is told, and is always stopped by its fixture."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to come, then 200
    delays: list[float] = field(default_factory=list)  # seconds before answering, in turn
    answer: bytes = b""

    def effects(self, key: str = "Idempotency-Key") -> list[Received]:
        """What the receiver acts on: one request per delivery id, the first."""
        seen: dict[str, Received] = {}
        for got in self.received:
            seen.setdefault(got.headers.get(key, ""), got)
        return list(seen.values())


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        mine = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mine.received.append(Received(self.path, dict(self.headers.items()), body))
        if mine.delays:
            time.sleep(mine.delays.pop(0))
        status = mine.statuses.pop(0) if mine.statuses else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(mine.answer)))
        self.end_headers()
        self.wfile.write(mine.answer)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that gave up waiting (a delivery timeout under test) is expected: its
        answer's broken pipe is not printed. socketserver would print the traceback to
        sys.stderr, possibly after the test, into whatever a later test captures there."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def receiving() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
