"""WebSocket subscriptions (issue 16, EPCIS 2.0: ``GET /queries/{queryName}/events?stream=true``
with ``Upgrade: websocket``): a real client against the real app receives each new event it may
read, one EPCISQueryDocument a message, authenticated by its header or its first message (never
the URL), and closes cleanly. Every wait is bounded."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from starlette.testclient import WebSocketDenialResponse, WebSocketTestSession
from websockets.sync.client import connect

from agritrace.settings import Settings
from agritrace.store.orgs import create_organization, create_token
from agritrace.store.tables import tokens
from agritrace.web.app import create_app
from tests.test_graceful_shutdown import _CONTEXT, _server
from tests.test_subscriptions import PARTNER_GLN, Org, shipped

WAIT_S = 5.0  # the most a test waits for a message; the server looks every 0.5 s


def receive(ws: WebSocketTestSession, seconds: float = WAIT_S) -> dict[str, Any]:
    """The next message from the server, or a failure after ``seconds`` (TestClient's own
    receive waits for ever)."""
    async def bounded() -> dict[str, Any]:
        with anyio.fail_after(seconds):
            message: dict[str, Any] = await ws._send_rx.receive()
            return message
    return ws.portal.call(bounded)


def serial(message: dict[str, Any]) -> str:
    body = orjson.loads(message["text"])
    assert body["type"] == "EPCISQueryDocument"
    events = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 1
    return str(events[0]["epcList"][0].rsplit("/", 1)[-1])


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://"), engine))


def test_a_stream_sends_each_new_event_the_reader_may_read(client: TestClient,
                                                           engine: Engine) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    partner = Org(client, engine, "Công ty Đối tác", gln=PARTNER_GLN)
    stranger = Org(client, engine, "Công ty Lạ")
    coop.capture(shipped(0))  # before the stream opens: not sent
    for org in (partner, stranger):
        assert client.post("/queries", headers=org.auth, json={
            "name": "shipped", "query": {"EQ_bizStep": ["shipping"]}}).status_code == 201
    url = "/queries/shipped/events?stream=true"
    with client.websocket_connect(url, headers=partner.auth) as seen, \
            client.websocket_connect(url, headers=stranger.auth) as unseen:
        assert seen.extra_headers is not None
        assert any(k == b"gs1-query-min-record-time" for k, _ in seen.extra_headers)
        coop.capture(shipped(1, destinationList=[{
            "type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}]))
        coop.capture(shipped(2))  # the partner is not told of this one
        coop.capture(shipped(3, destinationList=[{
            "type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}]))
        assert [serial(receive(seen)), serial(receive(seen))] == ["S1", "S3"]
        stranger.capture(shipped(4))
        assert serial(receive(unseen)) == "S4"  # its own event, and only that
        with pytest.raises(TimeoutError):
            receive(seen, 1.2)  # nothing more, nothing twice
        seen.close(1000)
    assert client.get("/healthz").status_code == 200  # the app serves on after both closed


def test_the_token_may_come_as_the_first_message(client: TestClient, engine: Engine) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    coop.subscribe("https://hooks.example.com/x")
    token = coop.auth["Authorization"].split()[1]
    with client.websocket_connect("/queries/shipped/events?stream=true") as ws:
        ws.send_json({"token": token})
        coop.capture(shipped(5))
        assert serial(receive(ws)) == "S5"
    with client.websocket_connect("/queries/shipped/events?stream=true") as ws:
        ws.send_json({"token": "not-a-token"})
        closed = receive(ws)
        assert (closed["type"], closed["code"]) == ("websocket.close", 4401)


@pytest.mark.parametrize(("url", "code", "field"), [
    ("/queries/shipped/events?stream=true&token=SECRET", 400, "token"),
    ("/queries/shipped/events?hour=1&minute=5", 400, "hour"),
    ("/queries/other/events?stream=true", 404, "queryName"),
])
def test_a_stream_that_cannot_be_served_is_refused_before_the_handshake(
        client: TestClient, engine: Engine, url: str, code: int, field: str) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    coop.subscribe("https://hooks.example.com/x")
    with pytest.raises(WebSocketDenialResponse) as refused, \
            client.websocket_connect(url, headers=coop.auth):
        pass
    answer = refused.value
    assert answer.status_code == code
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in answer.text


def test_a_revoked_token_or_a_deleted_query_ends_the_stream(client: TestClient,
                                                            engine: Engine) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    coop.subscribe("https://hooks.example.com/x")
    url = "/queries/shipped/events?stream=true"
    with client.websocket_connect(url, headers=coop.auth) as ws:
        assert client.delete("/queries/shipped", headers=coop.auth).status_code == 204
        closed = receive(ws)
        assert (closed["type"], closed["code"]) == ("websocket.close", 4404)
    coop.subscribe("https://hooks.example.com/x")
    with client.websocket_connect(url, headers=coop.auth) as ws:
        with engine.begin() as conn:
            conn.execute(update(tokens).where(tokens.c.org_id == coop.org.id).values(
                revoked_us=1))
        closed = receive(ws)
        assert (closed["type"], closed["code"]) == ("websocket.close", 4401)
    with pytest.raises(WebSocketDenialResponse) as refused, \
            client.websocket_connect(url, headers=coop.auth):
        pass
    assert refused.value.status_code == 401


@pytest.mark.slow
def test_a_stream_through_the_served_app_reaches_a_websocket_client(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    """``agritrace serve`` (uvicorn) upgrades the request: it needs a WebSocket library, which
    the in-process TestClient does not."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the server's upgrade is the same on both engines; the rest covers both")
    org = create_organization(engine, "HTX Chè Suối Giàng")
    auth = {"Authorization": f"Bearer {create_token(engine, org, 't')}"}
    with _server(database_url, 5, tmp_path) as (_, port):
        base = f"http://127.0.0.1:{port}"
        made = _post(f"{base}/queries", orjson.dumps({
            "name": "shipped", "query": {"EQ_bizStep": ["shipping"]}}), auth, "application/json")
        assert made == 201
        with connect(f"ws://127.0.0.1:{port}/queries/shipped/events?stream=true",
                     additional_headers=auth, open_timeout=10) as ws:
            document = {"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                        "creationDate": "2026-11-09T00:00:00Z",
                        "epcisBody": {"eventList": [shipped(7)]}}
            assert _post(f"{base}/capture", orjson.dumps(document), auth,
                         "application/ld+json") == 202
            assert serial({"text": ws.recv(timeout=WAIT_S)}) == "S7"


def _post(url: str, body: bytes, auth: dict[str, str], media: str) -> int:
    request = urllib.request.Request(url, body, {**auth, "Content-Type": media}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)
