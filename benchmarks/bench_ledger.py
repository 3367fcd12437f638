"""The verifiable log (issue 18): what it costs capture, and inclusion proofs over a large tree.

Run: ``scripts/bench ledger`` or ``.venv/bin/python -m benchmarks.bench_ledger
[--events 20000] [--leaves 10000000] [--proofs 2000]``

1. Capture with the log: documents of 1,000 agricultural events (benchmarks.bench_capture's)
   are captured into SQLite, alternately with and without an outbox thread running
   ``append_settled`` every 0.2 s beside them (far more often than a cron would), so the two
   rates share the machine's noise; then the outbox's own work per event, against capture's.
   On PostgreSQL too when ``--postgres`` is given (it starts a server).
2. Inclusion proofs: a tree of ``--leaves`` leaves is built straight into the nodes table of a
   SQLite file (synthetic leaf hashes; no events: the proof reads only subtree hashes), then
   ``store.inclusion`` is timed for random leaves against the whole tree (node reads in one
   query plus the hashing), each proof verified once outside the timing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text

from agritrace.capture import capture_document
from agritrace.epcis.xml_codec import read_document
from agritrace.ledger import merkle, store
from agritrace.ledger.tables import ledger_nodes
from agritrace.store.bulk import bulk_insert
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.store.orgs import Organization, create_organization
from benchmarks.bench_capture import CONTEXT, agricultural_events
from benchmarks.report import publish

PER_DOCUMENT = 1_000


def _documents(count: int) -> list[bytes]:
    events = list(agricultural_events(count, seed=18))
    head = {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-05-01T00:00:00Z"}
    return [json.dumps({**head, "epcisBody": {"eventList": events[i:i + PER_DOCUMENT]}}).encode()
            for i in range(0, count, PER_DOCUMENT)]


def _capture(engine: Engine, org: Organization, body: bytes) -> float:
    start = time.perf_counter()
    capture_document(engine, read_document(io.BytesIO(body), "bench.jsonld"), org)
    return time.perf_counter() - start


class Outbox(threading.Thread):
    """``append_settled`` every ``every`` seconds until stopped; its busy time is summed."""

    def __init__(self, engine: Engine, every: float) -> None:
        super().__init__(daemon=True)
        self.engine, self.every = engine, every
        self.halt = threading.Event()
        self.busy = 0.0
        self.appended = 0

    def run(self) -> None:
        while not self.halt.wait(self.every):
            start = time.perf_counter()
            self.appended += store.append_settled(self.engine, wait_s=30)
            self.busy += time.perf_counter() - start


def capture_cost(url: str, count: int) -> dict[str, float]:
    """Capture rates with and without the outbox beside it, alternated document by document,
    then the outbox's own rate appending what captures left unlogged."""
    engine = make_engine(url)
    upgrade(engine)
    org = create_organization(engine, "bench")
    documents = _documents(count)
    _capture(engine, org, documents[0])  # warm-up, not counted
    store.append_settled(engine)
    alone: list[float] = []
    beside: list[float] = []
    for n, body in enumerate(documents[1:]):
        if n % 2 == 0:
            alone.append(_capture(engine, org, body))
            continue
        outbox = Outbox(engine, 0.2)
        outbox.start()
        beside.append(_capture(engine, org, body))
        outbox.halt.set()
        outbox.join()
    store.append_settled(engine)
    # The outbox alone: a second organization's copies of a fifth of the documents, then one
    # append of all of them.
    other = create_organization(engine, "bench 2")
    backlog = documents[1:max(2, len(documents) // 5)]
    captured_s = sum(_capture(engine, other, body) for body in backlog)
    start = time.perf_counter()
    pending = store.append_settled(engine)
    append_s = time.perf_counter() - start
    engine.dispose()
    return {"alone": PER_DOCUMENT / statistics.median(alone),
            "beside": PER_DOCUMENT / statistics.median(beside),
            "capture_rate": pending / captured_s, "append_rate": pending / append_s,
            "pending": pending}


def build_tree(engine: Engine, leaves: int) -> float:
    """Write the perfect-subtree hashes of ``leaves`` synthetic leaves; seconds taken."""
    tree = merkle.CompactRange()
    start = time.perf_counter()
    chunk = 200_000
    for first in range(0, leaves, chunk):
        nodes: list[tuple[int, bytes]] = []
        for i in range(first, min(first + chunk, leaves)):
            leaf = merkle.leaf_hash(i.to_bytes(8, "big"))
            nodes.extend((store.node_key(level, index), digest)
                         for level, index, digest in tree.append(leaf))
        with engine.begin() as conn:
            bulk_insert(conn, ledger_nodes, ["node", "hash"], nodes)
    return time.perf_counter() - start


def proof_times(engine: Engine, leaves: int, proofs: int) -> tuple[list[float], list[float],
                                                                   bytes]:
    """Wall and CPU seconds of ``proofs`` random inclusion proofs, after a first pass over other
    random leaves that warms the caches (as a serving process's are)."""
    rng = random.Random(18)
    with engine.connect() as conn:
        root = store.root(conn, leaves)
        for _ in range(proofs):
            store.inclusion(conn, rng.randrange(leaves), leaves)
        wall, cpu = [], []
        for _ in range(proofs):
            index = rng.randrange(leaves)
            start, start_cpu = time.perf_counter(), time.process_time()
            path = store.inclusion(conn, index, leaves)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            leaf = merkle.leaf_hash(index.to_bytes(8, "big"))
            assert merkle.verify_inclusion(index, leaves, leaf, path, root), index
    return wall, cpu, root


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(len(ordered) * 0.95) - 1]


def capture_rows(events: int, postgres: bool, tmp: str) -> list[list[str]]:
    results = {"SQLite": capture_cost(f"sqlite:///{tmp}/capture.db", events)}
    if postgres:
        from tests.pgserver import postgres_server

        with postgres_server() as url:
            results["PostgreSQL"] = capture_cost(url, events)
    rows = []
    for name, r in results.items():
        slower = (1 - r["beside"] / r["alone"]) * 100
        work = r["capture_rate"] / r["append_rate"] * 100
        rows.append([f"capture, {name}, outbox running beside (every 0.2 s)",
                     f"{r['beside']:,.0f} vs {r['alone']:,.0f} events/s alone",
                     f"{slower:+.1f} % slower", "< 10 %"])
        rows.append([f"outbox append, {name} ({r['pending']:,.0f} events at once)",
                     f"{r['append_rate']:,.0f} events/s",
                     f"{work:.1f} % of capture's time per event", ""])
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--tree", type=Path, help="Keep (or reuse) the proof tree's SQLite file")
    parser.add_argument("--proofs-only", action="store_true")
    args = parser.parse_args()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.proofs_only:
            rows += capture_rows(args.events, args.postgres, tmp)
        path = args.tree or Path(tmp) / "tree.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as conn:  # leaves already in a reused file: its top leaf + 1
            built = 1 + (conn.scalar(text("SELECT max(node) FROM ledger_nodes WHERE node < :top"),
                                     {"top": 1 << store.NODE_SHIFT}) or -1)
        if built not in (0, args.leaves):
            raise SystemExit(f"{path} holds a tree of {built:,} leaves, not {args.leaves:,}")
        build_s = build_tree(engine, args.leaves) if not built else 0.0
        wall, cpu, root = proof_times(engine, args.leaves, args.proofs)
        size_mb = path.stat().st_size / 2**20
        engine.dispose()
    built_note = f"tree built in {build_s:,.0f} s" if build_s else "tree reused"
    rows.append([f"inclusion proof, {args.leaves:,} leaves, SQLite ({args.proofs:,} random "
                 "leaves, caches warm)",
                 f"p50 {_ms(statistics.median(wall))}, p95 {_ms(_p95(wall))}",
                 f"CPU p95 {_ms(_p95(cpu))}, max {_ms(max(wall))}; {built_note}, "
                 f"{size_mb:,.0f} MB", "p95 < 5 ms"])
    publish("ledger", "The verifiable log (issue 18)",
            ["measure", "result", "detail", "target"], rows,
            notes=f"In process. Capture: documents of {PER_DOCUMENT:,} events "
                  f"({args.events:,} in all), median per document, alternated with and "
                  "without an outbox thread appending every 0.2 s; capture itself does not "
                  "write the log. Proofs: the nodes table of a tree built from synthetic "
                  "leaf hashes (root " + hashlib.sha256(root).hexdigest()[:12] + "…), one "
                  "query for the O(log n) subtree hashes a proof needs, every proof verified.")


if __name__ == "__main__":
    main()
