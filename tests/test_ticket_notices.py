"""Ticket notices (issue 16): a consumer's report reaches the code's owner through its
subscriptions, in the report's own transaction; a report left unanswered past the deadline
(AGRITRACE_TICKET_DEADLINE_DAYS) reaches the province whose desk shows it, once; another
province, and the consumer's contact, stay out."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app as cli
from agritrace.epcis.times import now_micros
from agritrace.farm.profiles import set_profile
from agritrace.farm.registry import org_actor
from agritrace.province.areas import check_area, make_regulator
from agritrace.settings import Settings
from agritrace.store import grants
from agritrace.store.orgs import create_organization
from agritrace.subscriptions.channels import verify
from agritrace.subscriptions.outbox import deliver_due
from agritrace.subscriptions.store import notices_only
from agritrace.web.app import create_app
from tests.test_subscriptions import SECRET, Org
from tests.webhook_receiver import Receiver, receiving

CODE = "/01/08931234000356/10/CF-26"
DAY_US = 86_400 * 1_000_000


def _notices(receiver: Receiver, kind: str) -> list[dict[str, object]]:
    return [body for got in receiver.effects()
            if (body := orjson.loads(got.body)).get("type") == kind]


def test_a_report_reaches_the_owner_and_an_overdue_one_the_province(
        engine: Engine, database_url: str, environment: Callable[..., None]) -> None:
    environment(database_url=database_url, subscription_private_dests="true")
    settings = Settings(database_url="sqlite://", subscription_private_dests=True,
                        delivery_timeout_s=2.0, ticket_deadline_days=15)
    client = TestClient(create_app(settings, engine))
    with receiving() as owner_hook, receiving() as province_hook, receiving() as far_hook:
        coop = Org(client, engine, "HTX Cà phê Ẳng Nưa")
        grants.grant(engine, coop.org, "prefix", "8931234", "test operator")
        set_profile(engine, org_actor(coop.org), {"province": "Điện Biên"})
        coop.subscribe(owner_hook.url + "/notices", name="shipped")
        dien_bien = create_organization(engine, "Sở NN&MT Điện Biên", kind="regulator")
        dong_thap = create_organization(engine, "Sở NN&MT Đồng Tháp", kind="regulator")
        make_regulator(engine, dien_bien, check_area("Điện Biên"), "test operator")
        make_regulator(engine, dong_thap, check_area("Đồng Tháp"), "test operator")
        made = CliRunner().invoke(cli, ["subscriptions", "notices", "Sở NN&MT Điện Biên",
                                        province_hook.url + "/overdue", "--signature-token",
                                        SECRET])
        assert made.exit_code == 0, made.output
        notices_only(engine, dong_thap, far_hook.url, None, settings)

        reported = client.post("/report", data={"code": CODE, "kind": "quality",
                                                "message": "Hạt bị mốc", "contact": "0912 345 678"})
        assert reported.status_code < 400, reported.text
        assert deliver_due(engine, settings).delivered == 1  # the owner's; nothing is overdue
        told = _notices(owner_hook, "agritrace:TicketNotice")
        assert [(n["code"], n["message"], n["kind"]) for n in told] == [
            (CODE, "Hạt bị mốc", "quality")]
        assert "0912" not in owner_hook.received[0].body.decode()  # the contact stays inside
        assert verify(SECRET, owner_hook.received[0].body,
                      owner_hook.received[0].headers["GS1-Signature"])
        assert not province_hook.received

        later = now_micros() + 16 * DAY_US
        deliver_due(engine, settings, later)
        deliver_due(engine, settings, later + 60_000_000)  # told once
        overdue = _notices(province_hook, "agritrace:OverdueTicketNotice")
        assert [(n["code"], n["owner"], n["status"]) for n in overdue] == [
            (CODE, "HTX Cà phê Ẳng Nưa", "new")]
        assert len(province_hook.received) == 1
        assert verify(SECRET, province_hook.received[0].body,
                      province_hook.received[0].headers["GS1-Signature"])
        assert not far_hook.received  # Đồng Tháp's desk does not show the report
        assert not _notices(owner_hook, "agritrace:OverdueTicketNotice")


def test_a_report_on_a_code_nobody_holds_notifies_no_one(engine: Engine) -> None:
    settings = Settings(database_url="sqlite://", subscription_private_dests=True,
                        delivery_timeout_s=2.0)
    client = TestClient(create_app(settings, engine))
    with receiving() as hook:
        coop = Org(client, engine, "HTX Chè Suối Giàng")
        coop.subscribe(hook.url)
        reported = client.post("/report", data={"code": "/01/09506000134352", "kind": "quality",
                                                "message": "Hạt bị mốc", "contact": ""})
        assert reported.status_code < 400, reported.text
        deliver_due(engine, settings)
        assert not hook.received
