"""Serving the app under uvicorn with several worker processes, without Nagle's 40 ms.

With ``--workers N`` uvicorn binds the listening socket itself and leaves its protocol number at
0, so asyncio does not turn on ``TCP_NODELAY`` for the connections it accepts (uvicorn issue
3149). A response goes out in two writes (head, then body); with Nagle on, the body waits for the
client's delayed ACK, about 40 ms on Linux, on every keep-alive request: a consumer page that
takes one millisecond to make arrives 44 ms later. :class:`NoDelayHTTP` is uvicorn's own HTTP
protocol that turns Nagle off on each connection, and :func:`main` runs the app with it::

    python -m agritrace.web.serving --port 8000 --workers 2

The single-process ``agritrace serve`` does not need it: there asyncio builds the listener.
"""

from __future__ import annotations

import argparse
import asyncio
import socket

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from agritrace.settings import get_settings
from agritrace.web.app import create_app
from agritrace.web.metrics import log_requests


class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol (httptools if installed, else h11) with Nagle turned off."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def worker_app() -> FastAPI:
    """One worker's app, writing its access log (each worker process configures its own)."""
    log_requests()
    return create_app()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    # The settings (database, base URL) come from the AGRITRACE_* environment, as for serve.
    # proxy_headers off: X-Forwarded-For is read by the app, from AGRITRACE_TRUSTED_PROXIES only.
    uvicorn.run("agritrace.web.serving:worker_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, http=NoDelayHTTP, log_level="warning", access_log=False,
                proxy_headers=False, timeout_graceful_shutdown=get_settings().shutdown_grace_s)


if __name__ == "__main__":
    main()
