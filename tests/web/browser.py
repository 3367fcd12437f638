"""Real headless Chromium against the real app served by uvicorn: shared by the browser tests."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots go to a temporary folder so that a test run rewrites no tracked file;
# scripts/screenshots points AGRITRACE_SCREENSHOTS at docs/screenshots to refresh them on purpose.
SHOTS = Path(os.environ.get("AGRITRACE_SCREENSHOTS")
             or Path(tempfile.gettempdir()) / "agritrace-screenshots")
SHOTS.mkdir(parents=True, exist_ok=True)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(build: Callable[[str], FastAPI]) -> Iterator[str]:
    """Serve ``build(base_url)`` on a free local port; yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(build(base), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sqlite_only(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("one engine is enough for the browser; the page tests cover both")


@contextmanager
def serving_app(engine: Engine) -> Iterator[str]:
    """Serve the whole application over ``engine`` on a free local port; yields the base URL."""
    sqlite_only(engine)
    with serving(lambda base: create_app(Settings(database_url="sqlite://", base_url=base),
                                         engine)) as base:
        yield base


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
