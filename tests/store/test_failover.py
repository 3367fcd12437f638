"""Failover (issue 19): the primary is killed in the middle of a capture load, its synchronous
standby is promoted, and capture goes on there. No capture the API acknowledged is lost, the
requests made while no primary answers get a 503 problem with Retry-After (never a 500), and
the first acknowledged capture on the new primary comes within RESUME_S of the promotion.

The application is given both servers in one URL with ``target_session_attrs=read-write``, so
libpq connects to whichever is the primary; this is what a failover manager such as
pg_auto_failover expects of its clients (docs/operations.md, "Failover"). Run alone with
``scripts/test tests/store/test_failover.py``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from tests.helpers import Api, make_api
from tests.pgserver import Cluster, postgres_cluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# What docs/operations.md promises: capture is taken again this soon after the standby is
# promoted (a new connection per retry; the pool's pre-ping drops the dead primary's).
RESUME_S = 5.0
PREFIX = "urn:epc:id:sgtin:0614141.107346."


def _document(serial: int) -> bytes:
    return json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-12-01T00:00:00Z",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "eventTime": "2026-12-01T00:00:00Z",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "shipping",
            "epcList": [f"{PREFIX}{serial}"]}]},
    }).encode()


@dataclass
class Load:
    """A client capturing one event per request, sending a refused one again until it is taken,
    as an ERP's outbox does."""

    api: Api
    acknowledged: list[tuple[int, float]] = field(default_factory=list)  # (serial, when)
    refusals: dict[int, int] = field(default_factory=dict)  # status -> how many
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        serial = 0
        while not self.stop.is_set():
            answer = self.api.client.post(
                "/capture", content=_document(serial),
                headers={**self.api.auth, "Content-Type": "application/ld+json"})
            if answer.status_code == 202:
                self.acknowledged.append((serial, time.monotonic()))
                serial += 1
                continue
            self.refusals[answer.status_code] = self.refusals.get(answer.status_code, 0) + 1
            assert answer.headers["content-type"] == "application/problem+json"
            time.sleep(0.05)

    def wait_for(self, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with postgres_cluster(1, synchronous=True) as running:
        yield running


def _both(cluster: Cluster) -> str:
    hosts = "&".join(f"host=127.0.0.1:{port}" for _, port in cluster.nodes)
    return f"postgresql+psycopg://postgres@/postgres?{hosts}&target_session_attrs=read-write"


def test_no_acknowledged_capture_is_lost_when_the_primary_dies(cluster: Cluster) -> None:
    engine = make_engine(_both(cluster))
    upgrade(engine)
    load = Load(make_api(engine))
    writer = threading.Thread(target=load.run, daemon=True)
    writer.start()
    try:
        load.wait_for(30, timeout_s=60)
        cluster.kill(0)  # as a crash: no checkpoint, clients cut off
        before = len(load.acknowledged)
        time.sleep(1.0)  # the failover manager's detection time, during which captures fail
        promoted = time.monotonic()
        cluster.promote(1)
        load.wait_for(before + 20, timeout_s=60)
    finally:
        load.stop.set()
        writer.join(timeout=30)
    assert not writer.is_alive()
    assert load.refusals and set(load.refusals) == {503}, load.refusals
    resumed = next(when for _, when in load.acknowledged[before:] if when > promoted)
    assert resumed - promoted < RESUME_S
    new_primary = make_engine(cluster.urls[1])
    with new_primary.connect() as conn:
        # the serial ends the stored identifier, whether kept as a URN or a Digital Link
        stored = {re.split(r"[./]", value)[-1] for (value,) in conn.execute(text(
            "SELECT value FROM event_terms WHERE value LIKE '%107346%'"))}
    lost = [serial for serial, _ in load.acknowledged if str(serial) not in stored]
    assert lost == []
    new_primary.dispose()
    engine.dispose()
