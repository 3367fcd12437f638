"""EPCIS 2.0 query subscriptions (issue 16): webhooks signed with the subscriber's token, an
outbox that survives a restart, delivery ids a receiver deduplicates by, retries then a dead
letter, and each subscription reading only what its organization may read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from agritrace.cli import app as cli
from agritrace.epcis.times import now_micros
from agritrace.settings import Settings
from agritrace.store.engine import make_engine
from agritrace.store.orgs import Organization, create_organization, create_token
from agritrace.subscriptions.channels import verify
from agritrace.subscriptions.outbox import deliver_due, retry
from agritrace.subscriptions.tables import deliveries
from agritrace.web.app import create_app
from tests.webhook_receiver import Receiver, receiving

SECRET = "13df38d8275b13f05704629e5f1cf3d45d6132d5"
PARTNER_GLN = "8935555000008"
SECOND = 1_000_000


def settings(**values: Any) -> Settings:
    chosen: dict[str, Any] = {"delivery_timeout_s": 2.0, "delivery_backoff_s": 10.0,
                               "delivery_max_attempts": 3, **values}
    return Settings(database_url="sqlite://", subscription_private_dests=True, **chosen)


class Org:
    def __init__(self, client: TestClient, engine: Engine, name: str, gln: str | None = None):
        self.client = client
        self.org: Organization = create_organization(engine, name, gln=gln)
        self.auth = {"Authorization": f"Bearer {create_token(engine, self.org, 't')}"}

    def capture(self, *events: dict[str, Any]) -> None:
        document = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                    "type": "EPCISDocument", "schemaVersion": "2.0",
                    "creationDate": "2026-11-09T00:00:00Z", "epcisBody": {"eventList": events}}
        sent = self.client.post("/capture", content=json.dumps(document), headers={
            **self.auth, "Content-Type": "application/ld+json"})
        assert sent.status_code == 202, sent.text

    def subscribe(self, dest: str, query: dict[str, Any] | None = None, name: str = "shipped",
                  **fields: Any) -> dict[str, Any]:
        made = self.client.post("/queries", headers=self.auth, json={
            "name": name, "query": query or {"EQ_bizStep": ["shipping"]}})
        assert made.status_code == 201, made.text
        body = {"dest": dest, "signatureToken": SECRET, **(fields or {"stream": True})}
        answer = self.client.post(f"/queries/{name}/subscriptions", headers=self.auth, json=body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def shipped(n: int, **fields: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": f"2026-11-0{n % 9 + 1}T09:00:00+07:00",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "shipping",
            "epcList": [f"https://id.gs1.org/01/09506000134352/21/S{n}"], **fields}


def serials(receiver: Receiver) -> list[str]:
    return sorted(e["epcList"][0].rsplit("/", 1)[-1] for got in receiver.effects()
                  for e in orjson.loads(got.body)["epcisBody"]["queryResults"][
                      "resultsBody"]["eventList"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as listening:
        yield listening


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(settings(), engine))


def test_each_new_event_reaches_the_webhook_once_signed_with_the_token(
        engine: Engine, client: TestClient, receiver: Receiver) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    made = coop.subscribe(receiver.url + "/hook")
    assert made["stream"] is True and "signatureToken" not in made
    coop.capture(shipped(1), shipped(2), shipped(3, bizStep="receiving"))
    assert deliver_due(engine, settings()).delivered == 2
    assert deliver_due(engine, settings()).as_dict() == {
        "enqueued": 0, "delivered": 0, "failed": 0, "dead": 0}
    coop.capture(shipped(4))
    deliver_due(engine, settings())
    assert serials(receiver) == ["S1", "S2", "S4"]
    for got in receiver.received:
        assert got.path == "/hook" and got.headers["Content-Type"] == "application/json"
        assert verify(SECRET, got.body, got.headers["GS1-Signature"])
        assert not verify("another token", got.body, got.headers["GS1-Signature"])
        results = orjson.loads(got.body)["epcisBody"]["queryResults"]
        assert results["subscriptionID"] == made["subscriptionID"]
        assert results["queryName"] == "shipped"


def test_a_lost_answer_is_sent_again_with_the_same_delivery_id(
        engine: Engine, client: TestClient, receiver: Receiver) -> None:
    """The receiver took the delivery but its answer came after the timeout (as if the server
    died mid-delivery): it is sent again, and the receiver acts on it once, by its id."""
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    coop.subscribe(receiver.url)
    coop.capture(shipped(1))
    receiver.delays.append(1.0)
    now = now_micros()
    assert deliver_due(engine, settings(delivery_timeout_s=0.3), now).failed == 1
    assert deliver_due(engine, settings(), now + 10 * SECOND).delivered == 1
    assert len(receiver.received) == 2
    first, again = receiver.received
    assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
    assert first.body == again.body and serials(receiver) == ["S1"]


def test_a_failing_receiver_is_retried_with_backoff_then_dead_lettered(
        engine: Engine, client: TestClient, receiver: Receiver) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    coop.subscribe(receiver.url)
    coop.capture(shipped(1))
    receiver.statuses += [500] * 3
    now = now_micros()
    assert deliver_due(engine, settings(), now).failed == 1  # try 1; next after 10 s
    assert deliver_due(engine, settings(), now + 9 * SECOND).failed == 0
    assert deliver_due(engine, settings(), now + 10 * SECOND).failed == 1  # try 2; then 20 s
    assert deliver_due(engine, settings(), now + 29 * SECOND).failed == 0
    third = deliver_due(engine, settings(), now + 30 * SECOND)
    assert (third.failed, third.dead) == (1, 1)
    assert deliver_due(engine, settings(), now + 3600 * SECOND).failed == 0
    with engine.connect() as conn:
        state, attempts, error = conn.execute(select(
            deliveries.c.state, deliveries.c.attempts, deliveries.c.last_error)).one()
    assert (state, attempts, error) == ("dead", 3, "HTTP 500")
    assert len(receiver.received) == 3
    assert retry(engine, coop.org.id) == 1
    assert deliver_due(engine, settings()).delivered == 1
    assert serials(receiver) == ["S1"]


def test_a_stranger_never_receives_another_organizations_events(
        engine: Engine, client: TestClient) -> None:
    """The same query, subscribed by the shipper, by the party it shipped to, and by a
    stranger: the stranger's receiver gets nothing, the partner's only what names it."""
    shipper = Org(client, engine, "HTX Chè Suối Giàng")
    partner = Org(client, engine, "Công ty Chè Hà Nội", gln=PARTNER_GLN)
    stranger = Org(client, engine, "Công ty Lạ")
    to_partner = {"destinationList": [{"type": "owning_party",
                                       "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}]}
    with receiving() as mine, receiving() as theirs, receiving() as nosy:
        shipper.subscribe(mine.url)
        partner.subscribe(theirs.url)
        stranger.subscribe(nosy.url, query={"eventType": ["ObjectEvent"]}, name="all")
        shipper.capture(shipped(1), shipped(2, **to_partner))
        deliver_due(engine, settings())
        assert serials(mine) == ["S1", "S2"]
        assert serials(theirs) == ["S2"]
        assert nosy.received == []
    refused = client.post("/queries/shipped/subscriptions", headers=stranger.auth,
                          json={"dest": "https://hooks.example.com/x", "stream": True})
    assert refused.status_code == 404  # the stranger has no query of that name


def test_a_new_app_instance_sends_what_the_old_one_wrote(
        engine: Engine, database_url: str, client: TestClient, receiver: Receiver) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    coop.subscribe(receiver.url)
    coop.capture(shipped(1), shipped(2))
    receiver.statuses += [503, 503]
    assert deliver_due(engine, settings()).failed == 2  # written, then not taken
    engine.dispose()
    restarted = make_engine(database_url)
    try:
        TestClient(create_app(settings(), restarted))  # a new instance, same database
        deliver_due(restarted, settings(), now_micros() + 60 * SECOND)
    finally:
        restarted.dispose()
    assert serials(receiver) == ["S1", "S2"]


def test_a_schedule_sends_the_events_of_each_period_and_reports_if_empty(
        engine: Engine, client: TestClient, receiver: Receiver) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    made = coop.subscribe(receiver.url, schedule={"second": "0"}, reportIfEmpty=True)
    assert made["schedule"] == {"second": "0"} and "stream" not in made
    coop.capture(shipped(1), shipped(2))
    now = now_micros()
    assert deliver_due(engine, settings(), now).delivered == 0  # not yet the minute
    assert deliver_due(engine, settings(), now + 61 * SECOND).delivered == 1
    assert deliver_due(engine, settings(), now + 122 * SECOND).delivered == 1
    first, second = (orjson.loads(got.body)["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"] for got in receiver.effects())
    assert len(first) == 2 and second == []


def test_subscriptions_are_listed_shown_without_token_and_removed(
        engine: Engine, client: TestClient) -> None:
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    made = coop.subscribe("https://hooks.example.com/agritrace")
    url = f"/queries/shipped/subscriptions/{made['subscriptionID']}"
    listed = client.get("/queries/shipped/subscriptions", headers=coop.auth).json()
    assert listed == [made] and client.get(url, headers=coop.auth).json() == made
    assert made["dest"] == "https://hooks.example.com/agritrace" and made["signed"] is True
    assert client.delete(url, headers=coop.auth).status_code == 204
    assert client.get(url, headers=coop.auth).status_code == 404
    again = coop.client.post("/queries/shipped/subscriptions", headers=coop.auth,
                             json={"dest": "https://hooks.example.com/b", "stream": True})
    assert client.delete("/queries/shipped", headers=coop.auth).status_code == 204
    assert client.get(again.headers["location"], headers=coop.auth).status_code == 404


@pytest.mark.parametrize(("body", "path"), [
    ({"dest": "https://hooks.example.com/x"}, "stream"),
    ({"dest": "https://hooks.example.com/x", "stream": True, "schedule": {"hour": "1"}},
     "stream"),
    ({"dest": "https://hooks.example.com/x", "schedule": {"hour": "24"}}, "schedule.hour"),
    ({"dest": "ftp://example.com/x", "stream": True}, "dest"),
    ({"dest": "http://127.0.0.1:9/x", "stream": True}, "dest"),
    ({"dest": "mailto:a@example.vn", "stream": True}, "dest"),  # no SMTP server configured
    ({"dest": "https://hooks.example.com/x", "stream": True, "initialRecordTime": "hôm qua"},
     "initialRecordTime"),
])
def test_a_subscription_that_cannot_work_is_refused_naming_the_field(
        engine: Engine, body: dict[str, Any], path: str) -> None:
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    assert client.post("/queries", headers=coop.auth, json={
        "name": "q", "query": {}}).status_code == 201
    answer = client.post("/queries/q/subscriptions", headers=coop.auth, json=body)
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"].endswith("SubscriptionControlsException")
    assert path in json.dumps(problem)
    assert client.get("/queries/q/subscriptions", headers=coop.auth).json() == []


def test_the_commands_list_deliver_and_retry_dead_letters(
        cli_database: Path, environment: Callable[..., None]) -> None:
    environment(subscription_private_dests="true", delivery_max_attempts="1")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(f"sqlite:///{cli_database}")
    try:
        with receiving() as receiver:
            coop = Org(TestClient(create_app(settings(), engine)), engine, "HTX Chè Suối Giàng")
            made = coop.subscribe(receiver.url)
            coop.capture(shipped(1))
            receiver.statuses.append(500)
            ran = runner.invoke(cli, ["subscriptions", "deliver"])
            assert ran.exit_code == 0, ran.output
            assert json.loads(ran.stdout) == {"enqueued": 1, "delivered": 0, "failed": 1,
                                              "dead": 1}
            dead = runner.invoke(cli, ["subscriptions", "list", "--dead"])
            assert "HTTP 500" in dead.stdout and receiver.url in dead.stdout
            again = runner.invoke(cli, ["subscriptions", "retry", "--org", "HTX Chè Suối Giàng"])
            assert again.exit_code == 0 and "1 deliveries pending again" in again.output
            assert json.loads(runner.invoke(cli, ["subscriptions", "deliver"]).stdout)[
                "delivered"] == 1
            listed = runner.invoke(cli, ["subscriptions", "list"]).stdout
            assert made["subscriptionID"] in listed and "delivered 1, dead 0" in listed
            assert serials(receiver) == ["S1"]
    finally:
        engine.dispose()
