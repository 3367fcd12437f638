"""Marketplace feeds at size (issue 14): a 100,000-product feed streams in constant memory.

Run: ``scripts/bench feed`` or ``.venv/bin/python -m benchmarks.bench_feed [--products 100000]``

A SQLite store gets N products of one owner (each with an offer), then each feed format is
streamed from the app (uvicorn in a thread of this process) and read away, twice: over N/10
products and over N.
The peak of Python's allocations (tracemalloc) while streaming is the memory figure; constant
memory means the peak for N is about the peak for N/10, not ten times it. Each format is streamed
once before it is measured, as a running server's bounded identifier caches are full.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from rich.progress import track
from sqlalchemy import Engine, insert

from agritrace.epcis.times import now_micros
from agritrace.farm.tables import products
from agritrace.ids.epc import check_digit
from agritrace.market.tables import offers
from agritrace.settings import Settings
from agritrace.store import grants
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.store.orgs import create_organization
from agritrace.web.app import create_app
from benchmarks.report import publish

BATCH = 5_000


def _gtin(n: int) -> str:
    body = f"0893123{n:06d}"
    return body + str(check_digit(body))


def load(engine: Engine, count: int) -> None:
    org = create_organization(engine, "HTX Cà phê Mường Ảng")
    grants.grant(engine, org, "prefix", "8931234", "benchmark")
    grants.grant(engine, org, "prefix", "8931230", "benchmark")
    now = now_micros()
    for start in track(range(0, count, BATCH), description=f"{count:,} products"):
        numbers = range(start, min(start + BATCH, count))
        with engine.begin() as conn:
            conn.execute(insert(products), [
                {"org_id": org.id, "gtin": _gtin(n), "name_vi": f"Cà phê rang xay số {n}",
                 "ocop_stars": 3 + n % 3, "created_us": now} for n in numbers])
            conn.execute(insert(offers), [
                {"org_id": org.id, "gtin": _gtin(n), "price": 150_000 + n % 50 * 1000,
                 "currency": "VND", "availability": "in_stock", "updated_us": now}
                for n in numbers])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app on a free local port (uvicorn in a thread): a real server applies backpressure,
    where the test client's in-process transport queues what the app sends ahead of the reader,
    which is a memory figure of the harness, not of the feed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stream(base: str, path: str) -> tuple[float, int, int]:
    """(seconds, bytes, peak traced allocation in bytes) for one streamed answer."""
    tracemalloc.start()
    started = time.perf_counter()
    size = 0
    with urllib.request.urlopen(base + path, timeout=600) as answer:
        assert answer.status == 200, answer.status
        while chunk := answer.read(64 * 1024):
            size += len(chunk)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, size, peak


def _measure(base: str, kind: str, count: int) -> list[str]:
    # A long-running server's bounded caches of parsed identifiers (ids.epc, trust) are full;
    # fill them first, so the peaks compare the streaming alone.
    stream(base, f"/feeds/products.{kind}")
    small = stream(base, f"/feeds/products.{kind}?limit={count // 10}")
    full = stream(base, f"/feeds/products.{kind}")
    return [kind, f"{count:,}", f"{full[1] / 2**20:,.1f} MB", f"{count / full[0]:,.0f} products/s",
            f"{full[2] / 2**20:,.1f} MB", f"{small[2] / 2**20:,.1f} MB ({count // 10:,} products)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    count = parser.parse_args().products
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'feed.db'}")
        upgrade(engine)
        load(engine, count)
        app = create_app(Settings(database_url="sqlite://"), engine)
        with serving(app) as base:
            rows = [_measure(base, kind, count) for kind in ("jsonld", "xml", "csv")]
        engine.dispose()
    publish("feed", "Marketplace product feeds (issue 14)",
            ["feed", "products", "size", "speed", "peak memory", "peak memory for a tenth"],
            rows, notes="Streamed from the app served by uvicorn in the same process; peak "
                        "memory is Python's traced allocations (server and reader) while "
                        "streaming. Target: constant memory (the full feed's peak about that of "
                        "a tenth of it), measured with the process's bounded identifier caches "
                        "full, as in a server that has run a while.")


if __name__ == "__main__":
    main()
