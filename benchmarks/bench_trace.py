"""Trace and recall speed (issue 3), on SQLite and PostgreSQL.

Generates a seeded chain (``--events``, default 300k) straight into a fresh store on each engine
with ``agritrace generate --bulk`` (:mod:`agritrace.generator.bulk`: the rows capture writes, for a
new store; ``--capture`` takes the ordinary capture path instead), then measures: backward and
forward trace latency for 1,000 random retail units and 100 random lots (p50, p95, max), the
recall of a lot feeding at least 10,000 units, and the FSMA 204 export (CSV and XLSX) of that
recall. The heap a single trace and the recall allocate is measured too: it depends on the size
of the answer, not of the store.

Run: ``.venv/bin/python -m benchmarks.bench_trace [--events 300000] [--engines sqlite,postgresql]
[--capture]``
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from agritrace.generator.bulk import load_chain
from agritrace.generator.chains import BIG_UNITS
from agritrace.generator.run import Generated, capture_chain
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.store.tables import event_terms, events
from agritrace.trace.fsma204 import fsma_rows, to_csv, write_xlsx
from agritrace.trace.lineage import TraceRequest, trace
from agritrace.trace.recall import recall
from benchmarks.report import DOCS, publish

SEED = 2026


@contextmanager
def _store(name: str, tmp: Path) -> Iterator[Engine]:
    if name == "sqlite":
        engine = make_engine(f"sqlite:///{tmp}/trace.db")
        yield engine
        engine.dispose()
        return
    from tests.pgserver import postgres_server

    with postgres_server() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _settle(engine: Engine) -> float:
    """Vacuum and analyse the freshly loaded tables; the seconds it took.

    A bulk load of millions of rows sets autovacuum off on both tables a little later, and
    left alone it runs for minutes in the middle of the timings, on one of the two cores.
    """
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("events", "event_terms"):
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - start


def _millis(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return (f"p50 {statistics.median(ordered):.1f} ms · p95 {p95:.1f} ms · "
            f"max {ordered[-1]:.1f} ms")


def _trace_ms(engine: Engine, identifier: str, direction: str) -> float:
    start = time.perf_counter()
    trace(engine, TraceRequest(identifier, direction))
    return (time.perf_counter() - start) * 1000


def _heap_mb(action: Callable[[], Any]) -> float:
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _picks(generated: Generated) -> tuple[list[str], list[str], str]:
    rng = random.Random(SEED)
    assert generated.first is not None
    batches = [generated.first, *generated.samples]
    units = [u for b in batches for u in b.units]
    lots = [lot for b in generated.samples for lot in b.harvest_lots + b.processed_lots]
    big = generated.first.harvest_lots[0]
    return rng.sample(units, min(1000, len(units))), rng.sample(lots, min(100, len(lots))), big


def _peak_rss_mb() -> str:
    """Peak resident memory of this process and of its finished children (the generating
    workers), the database server apart."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"peak RSS {own:,.0f} MB (workers {children:,.0f} MB)"


def bench_engine(name: str, label: str, size: int, tmp: Path, bulk: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    with _store(name, tmp) as engine:
        upgrade(engine)
        busy = os.getloadavg()[0]
        start = time.perf_counter()
        generated = (load_chain if bulk else capture_chain)(engine, SEED, size)
        seconds = time.perf_counter() - start
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(events)) or 0
            terms = conn.scalar(select(func.count()).select_from(event_terms)) or 0
        how = "bulk load (indexes built after)" if bulk else "generate and capture"
        rows.append([label, f"{how}: {stored:,} events ({terms:,} term rows, "
                     f"{generated.units:,} units)", f"{seconds:,.0f} s",
                     f"{stored / seconds:,.0f} events/s · load average {busy:.1f} before, "
                     f"{os.getloadavg()[0]:.1f} after · {_peak_rss_mb()} · run "
                     f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", ""])
        if name == "postgresql":
            rows.append([label, "VACUUM (ANALYZE) after the bulk load", f"{_settle(engine):,.0f} s",
                         "as autovacuum would, but before the timings, not during them", ""])
        units, lots, big = _picks(generated)
        # The first pass reads a freshly written store from disk; the second finds its pages
        # in the caches, as a store in daily use does.
        for cache in ("first pass, cold", "second pass, warm"):
            for kind, picked in (("retail unit", units), ("lot", lots)):
                for direction in ("back", "forward"):
                    busy = os.getloadavg()[0]
                    timings = [_trace_ms(engine, identifier, direction) for identifier in picked]
                    rows.append([label, f"{direction} trace, {len(picked):,} random {kind}s "
                                 f"({cache})", _stats(timings), f"load average {busy:.1f} before",
                                 "p95 < 50 ms"])
        result: Any = None

        def run_recall() -> None:
            nonlocal result
            result = recall(engine, [big])

        for cache in ("cold", "warm"):
            recall_ms = _millis(run_recall)
            rows.append([label, f"recall of a harvest lot feeding {result.count('item'):,} "
                         f"units ({len(result.affected):,} affected codes, {cache})",
                         f"{recall_ms:,.0f} ms", "", f"< 2 s for ≥ {BIG_UNITS - 2000:,} units"])
        rows.append([label, "heap peak of that recall", f"{_heap_mb(run_recall):.0f} MB",
                     "grows with the answer, not the store", ""])
        sheet: list[Any] = []

        def export() -> None:
            sheet[:] = fsma_rows(engine, [big])
            to_csv(sheet)
            write_xlsx(sheet, tmp / f"fsma-{name}.xlsx")

        rows.append([label, "FSMA 204 export of that recall (CSV + XLSX)",
                     f"{_millis(export):,.0f} ms", f"{len(sheet):,} rows", ""])
        unit_heap = _heap_mb(lambda: trace(engine, TraceRequest(units[0], "back")))
        rows.append([label, "heap peak of one backward unit trace", f"{unit_heap:.2f} MB",
                     "independent of store size", "flat"])
    return rows


def _earlier_rows(left_out: list[str]) -> list[list[str]]:
    """The rows the published section holds for the engines ``left_out`` of this run: one
    engine's 10M run takes most of an hour, and must not wipe the other's figures."""
    text = DOCS.read_text() if DOCS.exists() else ""
    section = re.search(r"<!-- trace -->.*?<!-- /trace -->", text, re.DOTALL)
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in (section.group(0) if section else "").splitlines()
            if line.startswith("| ")]
    return [row for row in rows if row[0] in left_out]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--capture", action="store_true",
                        help="the ordinary capture path instead of the bulk load")
    args = parser.parse_args()
    labels = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    run = args.engines.split(",")
    rows: dict[str, list[list[str]]] = {}
    for name in run:
        with tempfile.TemporaryDirectory() as tmp:
            rows[name] = bench_engine(name, labels[name], args.events, Path(tmp),
                                      not args.capture)
        # published after each engine, with the others' rows as they stand
        kept = _earlier_rows([labels[other] for other in labels if other not in rows])
        publish("trace", "Trace, recall and FSMA 204 export (issue 3)",
                ["engine", "measure", "result", "detail", "target"],
                [row for name, label in labels.items()
                 for row in rows.get(name) or [r for r in kept if r[0] == label]], NOTES)


NOTES = (
    f"Chain from `agritrace generate` (seed {SEED}; each engine's size is in its load row: "
    "coffee, tea and rice batches; every 50th batch packs 12,000 units). A *bulk load* row is "
    "`agritrace generate --bulk` into a new store (:mod:`agritrace.generator.bulk`: the rows "
    "capture writes, hashing included, without per-event validation, dedupe look-ups or "
    "ownership checks; worker processes generate and hash, COPY on PostgreSQL, json_each "
    "inserts on SQLite, indexes built after the load, its time included); a *generate and "
    "capture* row is the ordinary capture path (validation, hashing, dedupe). Latency is wall "
    "time of `agritrace.trace.lineage.trace` in-process, including the graph build; each "
    "retail unit's backward trace reaches its plot and season. The load average is the "
    "machine's 1-minute one as each row began: the machine is shared (2 cores, about eight "
    "agents at work), and wall times grow with it.")


if __name__ == "__main__":
    main()
