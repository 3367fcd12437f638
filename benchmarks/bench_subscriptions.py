"""Subscriptions at load (issue 16): 100 stream subscriptions, captured events, deliveries to a
local webhook receiver.

Run: ``scripts/bench subscriptions`` or ``.venv/bin/python -m benchmarks.bench_subscriptions
[--events 2000] [--documents 6] [--postgres]``

One organization holds 100 named queries, each on one of 100 places (``EQ_bizLocation``), and a
stream subscription of each to a webhook receiver on 127.0.0.1 (tests/webhook_receiver.py, a
thread of this process). Every event is at one of the places, so each event is owed exactly one
delivery: 100 partners each watching its own goods, rather than 100 copies of everything.

1. **Capture beside the worker.** Documents of 1,000 events are captured in process, alternately
   alone and with the delivery worker running beside in its own process (``agritrace
   subscriptions deliver --every 0.2``, as cron would run it, started before the document and
   terminated after); the medians of the two rates. What a document is owed is delivered
   before the next one, so the worker beside works as it would at steady state.
2. **Delivery.** ``--events`` events are captured in documents of 500 while the worker (in this
   process, a round every 0.2 s) delivers; throughput is the deliveries per second from the
   first capture to the last delivery, latency each delivery's time (``delivered_us``) minus
   its event's record time. Then the receiver's distinct delivery ids are checked against the
   events: none lost, none twice in effect.

The table goes to docs/benchmarks.md (section ``subscriptions``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
from sqlalchemy import Engine, func, select
from tests.webhook_receiver import Receiver, receiving

from agritrace.capture import capture_document
from agritrace.epcis.times import parse_time
from agritrace.epcis.xml_codec import read_document
from agritrace.named_queries import store as queries
from agritrace.settings import Settings
from agritrace.store import grants
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.store.orgs import Organization, create_organization
from agritrace.subscriptions import store as subscriptions
from agritrace.subscriptions.outbox import deliver_due
from agritrace.subscriptions.tables import deliveries
from benchmarks.report import publish

SUBSCRIPTIONS = 100
PLACES = [f"urn:epc:id:sgln:8931234.{n:05d}.0" for n in range(SUBSCRIPTIONS)]
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
BIG, SMALL = 1_000, 500  # events per document: the capture rows, the delivery rows
EVERY_S = 0.2
DRAIN_S = 600.0  # the most the benchmark waits for the deliveries to arrive


def _document(first: int, count: int) -> bytes:
    events = [{"type": "ObjectEvent", "eventTime": "2026-11-07T09:00:00+07:00",
               "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "shipping",
               "epcList": [f"https://id.gs1.org/01/08931234000356/21/B{n}"],
               "bizLocation": {"id": PLACES[n % SUBSCRIPTIONS]}}
              for n in range(first, first + count)]
    return json.dumps({"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                       "creationDate": "2026-11-07T00:00:00Z",
                       "epcisBody": {"eventList": events}}).encode()


def _capture(engine: Engine, org: Organization, body: bytes) -> float:
    start = time.perf_counter()
    report = capture_document(engine, read_document(io.BytesIO(body), "bench.jsonld"), org)
    assert report.status == "success", report.as_dict()
    return time.perf_counter() - start


def _setup(url: str, receiver: Receiver, settings: Settings) -> tuple[Engine, Organization]:
    engine = make_engine(url)
    upgrade(engine)
    org = create_organization(engine, "HTX bench subscriptions")
    grants.grant(engine, org, "prefix", "8931234", "bench")
    for n, place in enumerate(PLACES):
        name = f"place-{n:03d}"
        queries.save(engine, org, queries.check({"name": name,
                                                 "query": {"EQ_bizLocation": [place]}}))
        subscriptions.create(engine, org, name, subscriptions.check(
            {"dest": f"{receiver.url}/partner/{n}", "stream": True,
             "signatureToken": f"secret-{n}"}, settings))
    return engine, org


class Worker:
    """``agritrace subscriptions deliver`` in its own process, as cron runs it."""

    def __init__(self, url: str) -> None:
        env = {**os.environ, "AGRITRACE_DATABASE_URL": url,
               "AGRITRACE_SUBSCRIPTION_PRIVATE_DESTS": "true"}
        command = Path(sys.executable).with_name("agritrace")
        self.process = subprocess.Popen(
            [str(command), "subscriptions", "deliver", "--rounds", "10000", "--every",
             str(EVERY_S)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def __enter__(self) -> Worker:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as ready:  # its first round done: it is working
            ready.register(self.process.stdout, selectors.EVENT_READ)
            if not ready.select(timeout=120):
                raise RuntimeError("the delivery worker did not start within 120 s")
        return self

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def _drain(engine: Engine, settings: Settings, owed: int, halt: threading.Event) -> None:
    """Rounds of the worker every EVERY_S until ``owed`` deliveries are delivered (bounded)."""
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline and not halt.is_set():
        deliver_due(engine, settings)
        with engine.connect() as conn:
            done = conn.scalar(select(func.count()).where(deliveries.c.state == "delivered"))
        if done >= owed:
            return
        halt.wait(EVERY_S)


def capture_beside(url: str, documents: int, receiver: Receiver, settings: Settings
                   ) -> dict[str, float]:
    engine, org = _setup(url, receiver, settings)
    _capture(engine, org, _document(0, BIG))  # warm-up, not counted
    alone: list[float] = []
    beside: list[float] = []
    for n in range(documents):
        # each document starts with nothing owed: the worker beside does what it does while
        # captures arrive (a round over the 100 subscriptions every 0.2 s), not a backlog
        _drain(engine, settings, (n + 1) * BIG, threading.Event())
        body = _document((n + 1) * BIG, BIG)
        if n % 2 == 0:
            alone.append(_capture(engine, org, body))
            continue
        with Worker(url):
            beside.append(_capture(engine, org, body))
    owed = (documents + 1) * BIG
    _drain(engine, settings, owed, threading.Event())
    lost = _lost(engine, receiver, owed)
    engine.dispose()
    return {"alone": BIG / statistics.median(alone), "beside": BIG / statistics.median(beside),
            "lost": lost}


def _lost(engine: Engine, receiver: Receiver, owed: int) -> float:
    """Events owed a delivery the receiver never acted on (by distinct delivery id)."""
    with engine.connect() as conn:
        delivered = conn.scalar(select(func.count()).where(deliveries.c.state == "delivered"))
    effects = len(receiver.effects())
    assert effects == delivered, (effects, delivered)
    return owed - effects


def delivery(url: str, events: int, receiver: Receiver, settings: Settings
             ) -> dict[str, float]:
    engine, org = _setup(url, receiver, settings)
    halt = threading.Event()
    worker = threading.Thread(target=_drain, args=(engine, settings, events, halt))
    start = time.perf_counter()
    worker.start()
    try:
        for first in range(0, events, SMALL):
            _capture(engine, org, _document(first, min(SMALL, events - first)))
        worker.join(DRAIN_S)
    finally:
        halt.set()
        worker.join(30)
    elapsed = time.perf_counter() - start
    with engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.body, deliveries.c.delivered_us).where(
            deliveries.c.state == "delivered")).all()
    latency = sorted((delivered - parse_time(orjson.loads(body)["epcisBody"]["queryResults"][
        "resultsBody"]["eventList"][0]["recordTime"])) / 1000 for body, delivered in rows)
    lost = _lost(engine, receiver, events)
    engine.dispose()
    return {"rate": len(rows) / elapsed, "p50": statistics.median(latency),
            "p95": latency[int(len(latency) * 0.95) - 1], "max": latency[-1], "lost": lost,
            "sent": len(receiver.received), "delivered": len(rows)}


def rows_for(name: str, url_of: dict[str, str], args: argparse.Namespace) -> list[list[str]]:
    settings = Settings(database_url="sqlite://", subscription_private_dests=True,
                        delivery_timeout_s=5.0)
    with receiving() as receiver:
        cost = capture_beside(url_of["capture"], args.documents, receiver, settings)
    with receiving() as receiver:
        sent = delivery(url_of["delivery"], args.events, receiver, settings)
    slower = (1 - cost["beside"] / cost["alone"]) * 100
    return [
        [f"capture, {name}, delivery worker beside (own process, every {EVERY_S} s)",
         f"{cost['beside']:,.0f} vs {cost['alone']:,.0f} events/s alone",
         f"{slower:+.1f} % slower; notices lost: {cost['lost']:.0f} of "
         f"{(args.documents + 1) * BIG:,}", "< 10 %, none lost"],
        [f"delivery, {name}, {args.events:,} events to {SUBSCRIPTIONS} subscriptions",
         f"{sent['rate']:,.0f} deliveries/s",
         f"latency p50 {sent['p50']:,.0f} ms, p95 {sent['p95']:,.0f} ms, max "
         f"{sent['max']:,.0f} ms; lost {sent['lost']:.0f}, requests {sent['sent']:.0f} for "
         f"{sent['delivered']:.0f} deliveries", "none lost"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--documents", type=int, default=6,
                        help=f"documents of {BIG:,} events for the capture rows (half beside)")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += rows_for("SQLite", {"capture": f"sqlite:///{tmp}/capture.db",
                                    "delivery": f"sqlite:///{tmp}/delivery.db"}, args)
    if args.postgres:
        from tests.pgserver import postgres_server

        with postgres_server() as capture_url, postgres_server() as delivery_url:
            rows += rows_for("PostgreSQL", {"capture": capture_url, "delivery": delivery_url},
                             args)
    publish("subscriptions", "Subscriptions at load (issue 16)",
            ["measure", "result", "detail", "target"], rows,
            notes=f"In process, one organization with {SUBSCRIPTIONS} stream subscriptions "
                  f"(each a named query on one of {SUBSCRIPTIONS} places), each event owed one "
                  "delivery, to a webhook receiver thread on 127.0.0.1 that answers 200. "
                  f"Capture: documents of {BIG:,} events, medians alternated alone and with "
                  "`agritrace subscriptions deliver` running beside in its own process. "
                  f"Delivery: documents of {SMALL} events captured while a worker thread runs "
                  f"a round every {EVERY_S} s (at most 200 sends a round); latency is "
                  "delivered_us minus the event's record time. Lost: events whose delivery "
                  "id the receiver never saw.")


if __name__ == "__main__":
    main()
