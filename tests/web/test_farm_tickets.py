"""Buyers' reports reach the producer whose product was scanned, who closes them with an answer;
the province sees them all, with the time each took to handle."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.scans.inbox import every_ticket, tickets_of
from agritrace.store.grants import grant
from agritrace.store.orgs import create_organization, create_token
from tests.farm.coop import CHERRY
from tests.web.farm_site import Site, make_site

OWN = f"/01/{CHERRY}/10/H26-01"
OTHER = "/01/08935049501234/21/X7K9Q2MN3P4R"


def _report(site: Site, code: str, message: str) -> None:
    answer = site.client.post("/report", data={"code": code, "kind": "quality",
                                               "message": message, "contact": "0912345678"})
    assert answer.status_code == 201, answer.text


def test_a_report_reaches_the_producer_who_closes_it(engine: Engine) -> None:
    site = make_site(engine)
    grant(engine, site.coop.org, "gtin", CHERRY, "test")  # the owner of the scanned code
    _report(site, OWN, "Cà phê bị ẩm mốc")
    _report(site, OTHER, "Tem của hãng khác")
    site.sign_in("office")
    inbox = site.client.get("/coop/tickets")
    assert inbox.status_code == 200
    assert "Cà phê bị ẩm mốc" in inbox.text and "0912345678" in inbox.text
    assert "Tem của hãng khác" not in inbox.text  # another producer's code
    ticket = tickets_of(engine, site.coop.org)[0]
    url = f"/coop/tickets/{ticket.id}/close"
    empty = site.client.post(url, data={"answer": " "}, headers={"Origin": "http://testserver"})
    assert empty.status_code == 400 and tickets_of(engine, site.coop.org)[0].status == "new"
    foreign = site.client.post(url, data={"answer": "x"}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    done = site.client.post(url, data={"answer": "Đã đổi hàng cho khách"},
                            headers={"Origin": "http://testserver"})
    assert done.status_code == 200 and "Đã đổi hàng cho khách" in done.text
    closed = tickets_of(engine, site.coop.org, "answered")
    assert [t.id for t in closed] == [ticket.id] and closed[0].hours_to_handle is not None
    assert len(every_ticket(engine)) == 2 and len(every_ticket(engine, "new")) == 1


def test_a_farmer_cannot_read_the_reports(engine: Engine) -> None:
    site = make_site(engine)
    _report(site, OWN, "Cà phê bị ẩm mốc")
    site.sign_in("a")
    page = site.client.get("/coop/tickets")
    assert page.status_code == 403 and "Cà phê bị ẩm mốc" not in page.text


def test_another_organization_cannot_close_a_report(engine: Engine) -> None:
    site = make_site(engine)
    grant(engine, site.coop.org, "gtin", CHERRY, "test")
    _report(site, OWN, "Cà phê bị ẩm mốc")
    ticket = tickets_of(engine, site.coop.org)[0]
    stranger = create_token(engine, create_organization(engine, "Công ty Khác"))
    answer = site.client.post(f"/coop/tickets/{ticket.id}/close", data={"answer": "xong"},
                              headers={"Origin": "http://testserver",
                                       "Authorization": f"Bearer {stranger}"})
    assert answer.status_code == 404 and tickets_of(engine, site.coop.org)[0].status == "new"


def test_the_province_lists_every_report_from_the_command_line(
        database_url: str, engine: Engine, environment: object) -> None:
    site = make_site(engine)
    _report(site, OWN, "Cà phê bị ẩm mốc")
    environment(database_url=database_url)  # type: ignore[operator]
    shown = CliRunner().invoke(app, ["farm", "tickets", "--province"])
    assert shown.exit_code == 0, shown.output
    assert [t["message"] for t in json.loads(shown.stdout)] == ["Cà phê bị ẩm mốc"]
    mine = CliRunner().invoke(app, ["farm", "tickets", "--org", site.coop.org.name,
                                    "--status", "answered"])
    assert mine.exit_code == 0 and json.loads(mine.stdout) == []
    wrong = CliRunner().invoke(app, ["farm", "tickets", "--org", site.coop.org.name,
                                     "--status", "done"])
    assert wrong.exit_code == 2 and "status" in wrong.stderr


def test_a_report_goes_to_the_code_s_owner_not_to_who_registered_the_gtin(
        engine: Engine) -> None:
    site = make_site(engine)  # the cooperative registered CHERRY in its farm registry…
    owner = create_organization(engine, "Công ty Chủ Mã")
    grant(engine, owner, "prefix", CHERRY[1:8], "test")  # …but another company holds its prefix
    _report(site, OWN, "Cà phê bị ẩm mốc")
    assert tickets_of(engine, site.coop.org) == []
    assert [t.message for t in tickets_of(engine, owner)] == ["Cà phê bị ẩm mốc"]
    grant(engine, site.coop.org, "gtin", CHERRY, "test")  # a single GTIN beats the prefix
    assert tickets_of(engine, owner) == [] and len(tickets_of(engine, site.coop.org)) == 1
