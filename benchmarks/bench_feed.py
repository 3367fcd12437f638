"""Marketplace feeds at size (issue 14): a 100,000-product feed streams in constant memory.

Run: ``scripts/bench feed`` or ``.venv/bin/python -m benchmarks.bench_feed [--products 100000]``

A SQLite store gets N products of one owner (each with an offer). For each feed format, a fresh
server process (uvicorn, as deployed) streams the feed of N/10 products, and another the feed of
all N, to a reader in this process. The figure is the server's peak resident memory (the
kernel's ``VmHWM``: Python objects, SQLite's caches and the socket buffers alike) and how far it
rose above the server's memory before the feed. Each server first answers a feed of
``WARM_UP`` products, as a server that has run a while has imported its modules and filled its
bounded caches of parsed identifiers. Constant memory: the peak for N about the peak for N/10.

Why in another process: the first version measured Python's traced allocations (tracemalloc)
of a server run in a thread of the reading process, and recorded 15-19 MB at 100,000 products
against 5-9 MB at 10,000 ("bounded, not flat"). That harness, rerun on 2026-12-05 with the code
of that day, gave 4.7 MB against 3.8 MB (CSV), and the server's resident memory did not grow
(182 MB after 10,000, 30,000 and 100,000 products). The remaining traced growth is garbage in
reference cycles: about 40 SQLAlchemy expression objects a page of 500 (the ownership check's
``IN`` of :mod:`agritrace.trust`), alive through the page's fetch, so kept in the collector's
oldest generation until a full collection, which in a heap of 200,000 long-lived objects comes
rarely; the collector bounds it. Resident memory is what a machine runs out of, so that is the
figure here.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import uvicorn
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


WARM_UP = 5_000  # more than the bounded identifier caches of agritrace.trust hold


def serve(database: Path, port: int) -> None:
    """The server process: the app on the benchmark's store, until it is terminated."""
    engine = make_engine(f"sqlite:///{database}")
    app = create_app(Settings(database_url="sqlite://"), engine)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def _read(url: str) -> tuple[float, int]:
    """(seconds, bytes) to read one streamed answer away."""
    started = time.perf_counter()
    size = 0
    with urllib.request.urlopen(url, timeout=900) as answer:
        assert answer.status == 200, answer.status
        while chunk := answer.read(64 * 1024):
            size += len(chunk)
    return time.perf_counter() - started, size


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped ({server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not answer in 60 s")


def measure(database: Path, kind: str, count: int) -> tuple[float, int, float, float]:
    """(seconds, bytes, MB before the feed, peak MB) of a fresh server streaming ``count``."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_feed", "--serve",
                               str(database), "--port", str(port)])
    base = f"http://127.0.0.1:{port}/feeds/products.{kind}"
    try:
        _wait_for(f"{base}?limit=1", server)
        _read(f"{base}?limit={WARM_UP}")
        # Linux's reset of the peak (VmHWM) to the memory now: the peak is then the feed's own.
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
        before = _memory_mb(server.pid)["VmRSS"]
        seconds, size = _read(f"{base}?limit={count}")
        peak = _memory_mb(server.pid)["VmHWM"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return seconds, size, before, peak


def _row(database: Path, kind: str, count: int) -> list[str]:
    tenth = measure(database, kind, count // 10)
    full = measure(database, kind, count)
    return [kind, f"{count:,}", f"{full[1] / 2**20:,.1f} MB",
            f"{count / full[0]:,.0f} products/s",
            f"+{full[3] - full[2]:,.1f} MB ({full[2]:,.0f} → {full[3]:,.0f})",
            f"+{tenth[3] - tenth[2]:,.1f} MB ({tenth[2]:,.0f} → {tenth[3]:,.0f}) "
            f"for {count // 10:,} products"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    count = args.products
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "feed.db"
        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine)
        load(engine, count)
        engine.dispose()
        rows = [_row(database, kind, count) for kind in ("jsonld", "xml", "csv")]
    publish("feed", "Marketplace product feeds (issue 14)",
            ["feed", "products", "size", "speed",
             "server's memory: peak rise during the feed (MB before → peak)",
             "the same for a tenth"],
            rows, notes="Each feed streamed by a fresh uvicorn server process to a reader in "
                        "the benchmark's process (`.venv/bin/python -m benchmarks.bench_feed`). "
                        "Memory is the server's resident set as the kernel counts it: VmRSS "
                        f"after a warm-up feed of {WARM_UP:,} products, then the peak (VmHWM, "
                        "reset through /proc/PID/clear_refs after the warm-up) while the feed "
                        "streams. The resident memory before the feed differs by some MB from "
                        "one fresh process to the next; the rise is the feed's. Target: "
                        "constant memory, the rise for all products about that for a tenth.")


if __name__ == "__main__":
    main()
