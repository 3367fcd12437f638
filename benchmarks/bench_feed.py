"""Marketplace feeds at size (issue 14): a 100,000-product feed streams in constant memory.

Run: ``scripts/bench feed`` or ``.venv/bin/python -m benchmarks.bench_feed [--products 100000]``

A SQLite store gets N products of one owner (each with an offer), then each feed format is
streamed through the app (ASGI, in process) to /dev/null, twice: over N/10 products and over N.
The peak of Python's allocations (tracemalloc) while streaming is the memory figure; constant
memory means the peak for N is about the peak for N/10, not ten times it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from fastapi.testclient import TestClient
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


def stream(client: TestClient, url: str) -> tuple[float, int, int]:
    """(seconds, bytes, peak traced allocation in bytes) for one streamed answer."""
    tracemalloc.start()
    started = time.perf_counter()
    size = 0
    with client.stream("GET", url) as answer:
        assert answer.status_code == 200, answer.status_code
        for chunk in answer.iter_bytes():
            size += len(chunk)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    count = parser.parse_args().products
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'feed.db'}")
        upgrade(engine)
        load(engine, count)
        client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
        rows = []
        for kind in ("jsonld", "xml", "csv"):
            small = stream(client, f"/feeds/products.{kind}?limit={count // 10}")
            full = stream(client, f"/feeds/products.{kind}")
            rows.append([kind, f"{count:,}", f"{full[1] / 2**20:,.1f} MB",
                         f"{count / full[0]:,.0f} products/s",
                         f"{full[2] / 2**20:,.1f} MB",
                         f"{small[2] / 2**20:,.1f} MB ({count // 10:,} products)"])
        engine.dispose()
    publish("feed", "Marketplace product feeds (issue 14)",
            ["feed", "products", "size", "speed", "peak memory", "peak memory for a tenth"],
            rows, notes="Streamed through the app in process (ASGI); peak memory is Python's "
                        "traced allocations while streaming. Target: constant memory (the full "
                        "feed's peak about that of a tenth of it).")


if __name__ == "__main__":
    main()
