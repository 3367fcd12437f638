"""agritrace.web.serving: keep-alive responses are not held back by Nagle's algorithm when uvicorn
serves from a socket bound before it (as ``--workers N`` does)."""

from __future__ import annotations

import http.client
import socket
import statistics
import threading
import time
from typing import Any

import uvicorn

from agritrace.web.serving import NoDelayHTTP


async def _page(scope: dict[str, Any], receive: Any, send: Any) -> None:
    # Head and body as two messages, as every Starlette response sends them: two writes.
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": b"<p>ok</p>" * 200})


def test_keep_alive_responses_are_not_delayed() -> None:
    # Bound like uvicorn's Config.bind_socket for --workers: protocol number 0, which is what
    # keeps asyncio from turning Nagle off by itself.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_page, http=NoDelayHTTP, lifespan="off",
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        seconds = []
        for _ in range(8):
            start = time.perf_counter()
            client.request("GET", "/")
            assert client.getresponse().read().startswith(b"<p>ok</p>")
            seconds.append(time.perf_counter() - start)
        client.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    # With Nagle on, every response after the first waits ~40 ms for the client's delayed ACK.
    assert statistics.median(seconds[1:]) < 0.015, seconds
