"""Notices (issue 16): a recall reaches each party that received affected goods, through the
destinations of its subscriptions: a webhook, an e-mail (a local SMTP server), a Zalo OA message
(a local fake of its HTTP API); a stranger hears nothing; the outbox keeps each once."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import orjson
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from agritrace.settings import Settings
from agritrace.store import grants
from agritrace.subscriptions.channels import verify
from agritrace.subscriptions.outbox import deliver_due
from agritrace.subscriptions.tables import deliveries
from agritrace.web.app import create_app
from tests.test_subscriptions import SECRET, Org
from tests.webhook_receiver import receiving

PARTNER_GLN = "8935555000008"
LOT = "https://id.gs1.org/01/08931234000356/10/R26-1106"


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        del server, session
        self.mails.append(envelope.content)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as probe:  # a free port (aiosmtpd checks its own port when started)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _event(**fields: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTimeZoneOffset": "+07:00", **fields}


def test_a_recall_reaches_the_receiving_party_by_webhook_mail_and_zalo(
        engine: Engine, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    with receiving() as hook, receiving() as zalo, receiving() as nosy:
        zalo.answer = b'{"error": 0, "message": "Success"}'
        settings = Settings(database_url="sqlite://", subscription_private_dests=True,
                            delivery_timeout_s=2.0, smtp_host="127.0.0.1", smtp_port=port,
                            zalo_oa_url=zalo.url + "/v3.0/oa/message/cs", zalo_oa_token="oa")
        client = TestClient(create_app(settings, engine))
        coop = Org(client, engine, "HTX Cà phê Mường Ảng")
        partner = Org(client, engine, "Công ty Rang xay Điện Biên", gln=PARTNER_GLN)
        stranger = Org(client, engine, "Công ty Lạ")
        grants.grant(engine, coop.org, "prefix", "8931234", "test operator")
        partner.subscribe(hook.url + "/recalls", name="received")
        for n, dest in enumerate(("mailto:kho@rangxay.example.vn", "zalo:84912345678")):
            assert client.post("/queries/received/subscriptions", headers=partner.auth, json={
                "dest": dest, "stream": True, "signatureToken": SECRET}).status_code == 201, n
        stranger.subscribe(nosy.url, name="everything", query={})
        coop.capture(
            _event(eventTime="2026-11-06T09:00:00+07:00", action="ADD", bizStep="commissioning",
                   quantityList=[{"epcClass": LOT, "quantity": 120.0, "uom": "KGM"}]),
            _event(eventTime="2026-11-07T09:00:00+07:00", action="OBSERVE", bizStep="shipping",
                   quantityList=[{"epcClass": LOT, "quantity": 120.0, "uom": "KGM"}],
                   destinationList=[{"type": "owning_party",
                                     "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}]))
        recalled = client.post("/recall", headers=coop.auth, json={
            "lots": [LOT], "reason": "Dư lượng thuốc BVTV vượt MRL"})
        assert recalled.status_code == 201, recalled.text
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).where(deliveries.c.kind == "recall")) == 3
        deliver_due(engine, settings)
        deliver_due(engine, settings)  # nothing twice
        notices = [got for got in hook.effects()
                   if orjson.loads(got.body).get("type") == "agritrace:RecallNotice"]
        assert len(notices) == 1 and verify(SECRET, notices[0].body,
                                           notices[0].headers["GS1-Signature"])
        notice = orjson.loads(notices[0].body)
        assert notice["recalledBy"] == "HTX Cà phê Mường Ảng" and notice["lots"] == [LOT]
        assert notice["reason"] == "Dư lượng thuốc BVTV vượt MRL"
        assert LOT in [a["id"] for a in notice["affected"]]
        assert all("recipients" not in a for a in notice["affected"])  # nobody else named
        sent = [json.loads(got.body) for got in zalo.received]
        recall_texts = [s for s in sent if "thu hồi" in s["message"]["text"]]
        assert [s["recipient"]["user_id"] for s in recall_texts] == ["84912345678"]
        assert zalo.received[0].headers["access_token"] == "oa"
        mails = [message_from_bytes(m) for m in box.mails]
        recall_mails = [m for m in mails if "RECALL" in str(m["Subject"])]
        assert len(recall_mails) == 1 and recall_mails[0]["To"] == "kho@rangxay.example.vn"
        with engine.connect() as conn:
            mailed = conn.scalar(select(deliveries.c.id).where(
                deliveries.c.kind == "recall", deliveries.c.dest.startswith("mailto:")))
        assert recall_mails[0]["Message-ID"] == f"<{mailed}@agritrace>"
        assert not [got for got in nosy.received
                    if orjson.loads(got.body).get("type") == "agritrace:RecallNotice"]
        assert all(LOT not in got.body.decode() for got in nosy.received)



def test_an_sms_subscription_goes_through_the_gateway_and_its_refusal_is_retried(
        engine: Engine) -> None:
    with receiving() as gateway:
        settings = Settings(database_url="sqlite://", delivery_timeout_s=2.0,
                            sms_gateway_url=gateway.url + "/send", sms_gateway_token="gw")
        client = TestClient(create_app(settings, engine))
        coop = Org(client, engine, "HTX Chè Suối Giàng")
        coop.subscribe("sms:+84912345678")
        coop.capture(_event(eventTime="2026-11-07T09:00:00+07:00", action="OBSERVE",
                            bizStep="shipping",
                            epcList=["https://id.gs1.org/01/09506000134352/21/S1"]))
        gateway.statuses.append(429)
        assert deliver_due(engine, settings).failed == 1
        assert deliver_due(engine, settings, 2**62).delivered == 1
        first, again = gateway.received
        assert first.path == "/send" and first.headers["Authorization"] == "Bearer gw"
        sent = json.loads(again.body)
        assert sent["to"] == "+84912345678" and sent["id"] == json.loads(first.body)["id"]
        assert sent["text"] == "1 sự kiện mới của truy vấn shipped / 1 new events of query shipped"


def _refuse_deliveries(engine: Engine) -> None:
    """The store refuses any new delivery row (a full disk, a lost table), by a trigger."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("CREATE TRIGGER no_delivery BEFORE INSERT ON deliveries "
                                 "BEGIN SELECT RAISE(ABORT, 'no room'); END")
        else:
            conn.exec_driver_sql("CREATE FUNCTION no_delivery() RETURNS trigger AS $$ BEGIN "
                                 "RAISE EXCEPTION 'no room'; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER no_delivery BEFORE INSERT ON deliveries "
                                 "FOR EACH ROW EXECUTE FUNCTION no_delivery()")


def test_a_recall_is_not_stored_without_its_notices(engine: Engine) -> None:
    """The notices are written in the recall's own transaction: when they cannot be written,
    the recall's events are not kept either (it was two transactions: a recall stored, its
    notices lost), and the recall can be ordered again."""
    settings = Settings(database_url="sqlite://", subscription_private_dests=True)
    client = TestClient(create_app(settings, engine), raise_server_exceptions=False)
    coop = Org(client, engine, "HTX Cà phê Mường Ảng")
    partner = Org(client, engine, "Công ty Rang xay Điện Biên", gln=PARTNER_GLN)
    grants.grant(engine, coop.org, "prefix", "8931234", "test operator")
    partner.subscribe("https://hooks.example.com/recalls", name="received")
    coop.capture(_event(
        eventTime="2026-11-07T09:00:00+07:00", action="OBSERVE", bizStep="shipping",
        quantityList=[{"epcClass": LOT, "quantity": 120.0, "uom": "KGM"}],
        destinationList=[{"type": "owning_party",
                          "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}]))
    _refuse_deliveries(engine)
    recalled = client.post("/recall", headers=coop.auth, json={"lots": [LOT],
                                                               "reason": "Nấm mốc"})
    assert recalled.status_code >= 500, recalled.text
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT count(*) FROM events WHERE disposition = 'recalled'"))
        assert kept.scalar_one() == 0
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER no_delivery" + (
            "" if conn.dialect.name == "sqlite" else " ON deliveries"))
    again = client.post("/recall", headers=coop.auth, json={"lots": [LOT], "reason": "Nấm mốc"})
    assert again.status_code == 201, again.text
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(deliveries.c.kind == "recall")) == 1
