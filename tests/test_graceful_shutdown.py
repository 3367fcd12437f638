"""A server stopped by SIGTERM during a capture (a restart, a deployment) finishes the capture
or fails its job with the reason, never leaving it "running" (issue 19). The slow tests run a
real ``agritrace serve`` (or ``subscriptions deliver``) process: bounded waits, and always
killed at the end; the last does what the app's shutdown does in this process."""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from agritrace.capture import capture_document, stop_captures
from agritrace.epcis.times import now_micros
from agritrace.epcis.xml_codec import read_document
from agritrace.store.orgs import create_organization, create_token
from agritrace.store.tables import capture_jobs, events
from agritrace.subscriptions.outbox import LEASE_US, deliver_due
from agritrace.subscriptions.tables import deliveries
from agritrace.web.app import create_app
from tests.test_subscriptions import Org, shipped
from tests.test_subscriptions import settings as subscription_settings
from tests.webhook_receiver import Receiver, receiving

_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_EVENTS = 30_000  # a few seconds of capture on this machine


def _document() -> bytes:
    listed = [{"type": "ObjectEvent", "action": "OBSERVE", "eventTimeZoneOffset": "+07:00",
               "eventTime": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}+07:00",
               "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}"]} for n in range(_EVENTS)]
    return orjson.dumps({"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                         "creationDate": "2026-01-01T00:00:00Z",
                         "epcisBody": {"eventList": listed}})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(database_url: str, grace_s: int, tmp_path: Path) -> Iterator[tuple[
        subprocess.Popen[bytes], int]]:
    port = _free_port()
    env = {**os.environ, "AGRITRACE_DATABASE_URL": database_url,
           "AGRITRACE_SHUTDOWN_GRACE_S": str(grace_s)}
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "agritrace.cli", "serve", "--port",
                               str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start within 30 s"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield server, port
    finally:
        server.kill()
        server.wait(timeout=10)
        log.close()


def _post_capture(port: int, token: str, body: bytes, answers: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/capture", body, {"Authorization": f"Bearer {token}",
                                                "Content-Type": "application/ld+json"})
        answers.append(conn.getresponse().status)
    except (OSError, http.client.HTTPException):
        answers.append(0)  # cut off by the stopping server
    finally:
        conn.close()


def _job(engine: Engine) -> tuple[str, str] | None:
    with engine.connect() as conn:
        row = conn.execute(select(capture_jobs.c.status, capture_jobs.c.errors)).first()
    return None if row is None else (row.status, row.errors)


def _sigterm_during_capture(engine: Engine, database_url: str, grace_s: int,
                            tmp_path: Path) -> tuple[str, str, int, float]:
    """SIGTERM once the capture's job is running; the job, the events stored, and how long
    the server took to exit."""
    token = create_token(engine, create_organization(engine, "HTX Mường Ảng"), "erp")
    body = _document()
    with _server(database_url, grace_s, tmp_path) as (server, port):
        answers: list[int] = []
        sender = threading.Thread(target=_post_capture, args=(port, token, body, answers))
        sender.start()
        deadline = time.monotonic() + 30
        while _job(engine) is None:
            assert time.monotonic() < deadline, "no capture job within 30 s"
            time.sleep(0.02)
        assert (_job(engine) or ("",))[0] == "running"
        signalled = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=grace_s + 30)
        exited = time.monotonic() - signalled
        sender.join(timeout=30)
    job = _job(engine)
    assert job is not None
    with engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    return job[0], job[1], stored, exited


@pytest.mark.slow
def test_sigterm_lets_a_running_capture_finish_within_the_grace(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    status, _, stored, exited = _sigterm_during_capture(engine, database_url, 60, tmp_path)
    assert (status, stored) == ("success", _EVENTS)
    assert exited < 60


@pytest.mark.slow
def test_sigterm_past_the_grace_fails_the_capture_with_its_reason(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    status, errors, stored, exited = _sigterm_during_capture(engine, database_url, 0,
                                                             tmp_path)
    assert status == "failure" and stored == 0  # undone whole, and said so
    [problem] = orjson.loads(errors)
    assert "the server stopped" in problem["found"] and "send it again" in problem["found"]
    assert exited < 15


@contextmanager
def _worker_sending(engine: Engine, database_url: str, tmp_path: Path, receiver: Receiver,
                    *serials: int) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``subscriptions deliver`` process, yielded once the receiver holds its first
    delivery (of a stream subscription to ``serials`` shipped); always killed at the end."""
    coop = Org(TestClient(create_app(subscription_settings(), engine)), engine, "HTX Chè")
    coop.subscribe(receiver.url + "/hook")
    coop.capture(*(shipped(n) for n in serials))
    env = {**os.environ, "AGRITRACE_DATABASE_URL": database_url,
           "AGRITRACE_SUBSCRIPTION_PRIVATE_DESTS": "true"}
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "agritrace.cli", "subscriptions", "deliver", "--rounds",
             "100", "--every", "0.1"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not receiver.received:
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                assert time.monotonic() < deadline, "nothing delivered within 30 s"
                time.sleep(0.02)
            yield worker
        finally:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.slow
def test_sigterm_stops_the_delivery_worker_between_two_deliveries(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    """The delivery being sent is recorded as delivered; the others stay pending and are not
    leased, so the next worker sends them at once (not after the lease) and none twice."""
    with receiving() as receiver:
        receiver.delays.extend([1.5, 1.5, 1.5])  # a slow receiver: SIGTERM comes mid-send
        with _worker_sending(engine, database_url, tmp_path, receiver, 1, 2, 3) as worker:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0, (tmp_path / "worker.log").read_text()
        assert len(receiver.received) == 1
    with engine.connect() as conn:
        states = conn.execute(select(deliveries.c.state, deliveries.c.next_attempt_us)).all()
    assert sorted(state for state, _ in states) == ["delivered", "pending", "pending"]
    assert all(due <= now_micros() for state, due in states if state == "pending")


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_leaves_one_effect_at_the_receiver(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    """SIGKILL while the receiver holds the request (a crash, an OOM kill): the delivery stays
    leased, is sent again once the lease ends, with the same Idempotency-Key, and the receiver
    acts on it once (issue 16: exactly-once effect)."""
    with receiving() as receiver:
        receiver.delays.append(3.0)
        with _worker_sending(engine, database_url, tmp_path, receiver, 1) as worker:
            worker.kill()
        assert deliver_due(engine, subscription_settings()).delivered == 0  # still leased
        after_lease = now_micros() + LEASE_US + 1_000_000
        assert deliver_due(engine, subscription_settings(), after_lease).delivered == 1
        assert len(receiver.received) == 2
        first, again = receiver.received
        assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
        assert len(receiver.effects()) == 1


def test_stopping_fails_running_captures_at_their_next_chunk_and_refuses_new_ones(
        engine: Engine) -> None:
    """What the app's shutdown does (stop_captures), in one process: the capture running
    stops, is undone, its job failed with the reason; a new one is refused with 503 until a
    server starts on the store again."""
    org = create_organization(engine, "HTX Mường Ảng")
    token = create_token(engine, org, "erp")
    outcome: list[BaseException] = []

    def capture() -> None:
        try:
            capture_document(engine, read_document(io.BytesIO(_document()), "big.jsonld",
                                                   "application/ld+json"), org)
        except BaseException as exc:  # what the request would have raised
            outcome.append(exc)

    running = threading.Thread(target=capture)
    running.start()
    deadline = time.monotonic() + 30
    while _job(engine) is None:
        assert time.monotonic() < deadline, "no capture job within 30 s"
        time.sleep(0.01)
    assert stop_captures(engine, 30) == []  # none left running after the wait
    running.join(timeout=30)
    status, errors = _job(engine) or ("", "")
    assert status == "failure" and "the server stopped" in orjson.loads(errors)[0]["found"]
    assert [type(exc).__name__ for exc in outcome] == ["ServerStopping"]
    app = create_app(subscription_settings(), engine)
    client = TestClient(app)  # no lifespan: the store is still stopping for this process
    body = {"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-01-01T00:00:00Z", "epcisBody": {"eventList": []}}
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    refused = client.post("/capture", content=orjson.dumps(body), headers=auth)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
    with TestClient(app) as started:  # a server starts on the store: captures are taken
        assert started.post("/capture", content=orjson.dumps(body),
                            headers=auth).status_code == 202
