"""Capture under load and with values past the store's limits (issue 12, "Server errors and
stuck jobs"): a located 400 or a counted duplicate, the same on SQLite and PostgreSQL, never a
500."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select

from agritrace.capture import capture_document
from agritrace.epcis.document import Document
from agritrace.settings import Settings
from agritrace.store import engine as store_engine
from agritrace.store.tables import capture_jobs, event_aliases
from agritrace.web.app import create_app
from tests.helpers import Api, make_api

_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_EPC = "urn:epc:id:sgtin:0614141.107346.1"


def _document(**fields: Any) -> bytes:
    event = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-01-01T00:00:00Z",
             "eventTimeZoneOffset": "+00:00", "epcList": [_EPC], **fields}
    return orjson.dumps({"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                         "creationDate": "2026-01-01T00:00:00Z",
                         "epcisBody": {"eventList": [event]}})


def _stored(api: Api) -> int:
    return len(api.get("/events?perPage=100").json()["epcisBody"]["queryResults"]
               ["resultsBody"]["eventList"])


@pytest.mark.parametrize(("field", "item"), [
    ("bizTransactionList", {"bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:1152"}),
    ("sourceList", {"source": "urn:epc:id:pgln:0614141.00001"}),
    ("destinationList", {"destination": "urn:epc:id:pgln:0614141.00002"}),
])
def test_a_type_past_300_characters_is_a_located_400_on_both_engines(
        engine: Engine, field: str, item: dict[str, str]) -> None:
    api = make_api(engine)
    kind = "https://types.example.com/" + "t" * 300
    answer = api.capture(_document(**{field: [{**item, "type": kind}]}))
    assert answer.status_code == 400, answer.text
    [problem] = answer.json()["errors"]
    assert (problem["path"], problem["event_index"]) == (f"{field}[0].type", 0), problem
    assert "at most 300 characters" in problem["expected"]
    assert _stored(api) == 0
    # 300 characters are kept, on PostgreSQL too
    answer = api.capture(_document(**{field: [{**item, "type": kind[:300]}]}))
    assert answer.status_code == 202, answer.text


def test_the_same_document_from_16_clients_at_once_is_stored_once_never_a_500(
        engine: Engine) -> None:
    api = make_api(engine)
    for second in range(5):  # a few rounds: the race lost one in nine on SQLite, more on PG
        document = _document(bizStep="shipping", eventTime=f"2026-01-01T00:00:0{second}Z")
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(api.capture, [document] * 16))
        assert [a.status_code for a in answers] == [202] * 16, [a.text for a in answers
                                                                 if a.status_code != 202]
        reports = [a.json() for a in answers]
        assert sum(r["captured"] for r in reports) == 1
        assert sum(r["duplicates"] for r in reports) == 15
    assert _stored(api) == 5


def test_a_small_capture_while_the_sqlite_writer_is_busy_is_a_503_with_retry_after(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    busy = store_engine.make_engine(engine.url.render_as_string(hide_password=False))
    api = make_api(busy)
    # A long capture holds SQLite's one write lock, as a 195 MB document does for minutes.
    holder = sqlite3.connect(str(engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        answer = api.capture(_document())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "10"
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.capture(_document()).status_code == 202  # and once the lock is free, it is kept


def _job(engine: Engine, api: Api, runner: str | None) -> str:
    job = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(capture_jobs).values(
            id=job, org_id=api.org.id, document="crashed.jsonld", mode="rollback",
            status="running", created_us=1, runner=runner))
    return job


def test_jobs_left_running_by_a_dead_process_are_failed_when_the_server_starts(
        engine: Engine) -> None:
    api = make_api(engine)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    host = socket.gethostname()
    dead = _job(engine, api, f"{host} {finished.stdout.strip()}")
    old = _job(engine, api, None)  # from before the runner was recorded
    alive = _job(engine, api, f"{host} {os.getpid()}")  # another worker, still capturing
    elsewhere = _job(engine, api, "another-host 1")  # another server, still capturing
    gone_elsewhere = _job(engine, api, "another-host 2")  # another server, killed
    # On PostgreSQL a live capture holds its job's row in its transaction, as these do.
    with engine.connect() as holder, holder.begin():
        if engine.dialect.name == "postgresql":
            holder.execute(select(capture_jobs.c.id).where(capture_jobs.c.id.in_(
                [alive, elsewhere])).with_for_update(key_share=True))
        with api.client:  # the server starts
            jobs = {job: api.get(f"/capture/{job}").json()
                    for job in (dead, old, alive, elsewhere, gone_elsewhere)}
    # Another host's dead process is told apart only on PostgreSQL (SQLite is one host's file).
    failed = (dead, old, gone_elsewhere) if engine.dialect.name == "postgresql" else (dead, old)
    for job in failed:
        assert (jobs[job]["running"], jobs[job]["status"]) == (False, "failure"), jobs[job]
        assert "stopped before it finished" in jobs[job]["errors"][0]["found"]
    assert jobs[alive]["running"] and jobs[elsewhere]["running"]


def test_a_job_whose_process_is_gone_is_failed_when_its_status_is_asked(
        engine: Engine) -> None:
    """Not only at the next start: GET /capture/{id} tells a dead capture from a running one
    (on PostgreSQL whatever host ran it, by whether a live transaction holds its row)."""
    api = make_api(engine)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = _job(engine, api, f"{socket.gethostname()} {finished.stdout.strip()}")
    alive = _job(engine, api, f"{socket.gethostname()} {os.getpid()}")
    with engine.connect() as holder, holder.begin():
        if engine.dialect.name == "postgresql":
            holder.execute(select(capture_jobs.c.id).where(capture_jobs.c.id == alive)
                           .with_for_update(key_share=True))
        answers = {job: api.get(f"/capture/{job}").json() for job in (dead, alive)}
    assert (answers[dead]["running"], answers[dead]["status"]) == (False, "failure")
    assert "stopped before it finished" in answers[dead]["errors"][0]["found"]
    assert answers[alive]["running"] is True


def test_a_killed_checking_process_fails_the_job_with_its_reason(engine: Engine) -> None:
    api = make_api(engine)
    events = [{"type": "ObjectEvent", "action": "OBSERVE", "eventTimeZoneOffset": "+00:00",
               "eventTime": f"2026-01-01T00:00:{n % 60:02d}Z",
               "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}"]} for n in range(60_000)]
    doc = Document(kind="EPCISDocument", namespaces={}, events=iter(events), name="big.jsonld",
                   header={"@context": [_CONTEXT], "schemaVersion": "2.0",
                           "creationDate": "2026-01-01T00:00:00Z"})

    def kill_a_checker() -> None:
        while not multiprocessing.active_children():
            time.sleep(0.01)
        os.kill(multiprocessing.active_children()[0].pid or 0, signal.SIGKILL)

    killer = threading.Thread(target=kill_a_checker)
    killer.start()
    with pytest.raises(BrokenProcessPool):
        capture_document(engine, doc, api.org)
    killer.join()
    with engine.connect() as conn:
        status, errors = conn.execute(select(capture_jobs.c.status, capture_jobs.c.errors).where(
            capture_jobs.c.org_id == api.org.id)).one()
    assert status == "failure"
    assert "BrokenProcessPool" in orjson.loads(errors)[0]["found"]
    assert _stored(api) == 0


def test_an_event_id_sent_with_a_duplicate_finds_the_stored_event(engine: Engine) -> None:
    """The second copy of an event, under the client's own eventID, is a duplicate by hash:
    that eventID is kept as an alias, so GET /events/{it} and EQ_eventID find the stored one."""
    api = make_api(engine)
    assert api.capture(_document(eventID="urn:uuid:11111111-1111-4111-8111-111111111111"),
                       ).json()["captured"] == 1
    again = "urn:uuid:22222222-2222-4222-8222-222222222222"
    twice = orjson.loads(_document(eventID=again))
    twice["epcisBody"]["eventList"].append(dict(twice["epcisBody"]["eventList"][0],
                                                eventID="urn:uuid:3333"))
    answer = api.capture(orjson.dumps(twice)).json()
    assert (answer["captured"], answer["duplicates"]) == (0, 2), answer
    answer = api.capture(orjson.dumps(twice)).json()  # once more: kept once, not twice
    for alias in (again, "urn:uuid:3333"):
        found = api.get(f"/events/{alias}")
        assert found.status_code == 200, found.text
        [event] = found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert event["eventID"] == "urn:uuid:11111111-1111-4111-8111-111111111111"
        query = api.get(f"/events?EQ_eventID={alias}").json()
        assert len(query["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(event_aliases)) == 2


def test_an_alias_is_the_capturing_organizations_own(engine: Engine) -> None:
    api = make_api(engine)
    other = make_api(engine, "Another Coffee Coop")
    assert api.capture(_document(eventID="urn:uuid:first")).status_code == 202
    assert other.capture(_document(eventID="urn:uuid:other")).json()["captured"] == 1
    assert api.get("/events/urn:uuid:other").status_code == 404


def test_a_server_starts_on_a_store_not_migrated_yet(tmp_path: Path) -> None:
    """The start-up check of abandoned jobs must not keep a server from starting where
    /readyz is there to say that the database needs 'agritrace db upgrade'."""
    app = create_app(Settings(database_url="sqlite://"),
                     store_engine.make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
