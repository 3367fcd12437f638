"""The province desk (issue 13) on a small world: two cooperatives in two provinces, each
province with its department and an officer's token. An officer reads its area, orders recalls
there and nothing else, and never sees the other province's numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from agritrace.cli import app as cli
from agritrace.farm.places import add_place
from agritrace.farm.profiles import set_profile
from agritrace.farm.registry import org_actor
from agritrace.province.areas import check_area, make_regulator
from agritrace.scans.log import flush_queues
from agritrace.settings import Settings
from agritrace.store import grants
from agritrace.store.engine import make_engine
from agritrace.store.orgs import Organization, authenticate, create_organization, create_token
from agritrace.store.tables import events
from agritrace.trust import TokenRole
from agritrace.web.app import create_app
from tests.farm.coop import BIG, SMALL, polygon

HIGHLAND_LOT = "https://id.gs1.org/01/08931234000356/10/CF-26"
DELTA_LOT = "https://id.gs1.org/01/08935555000354/10/LUA-26"
ORIGIN = "http://testserver"
OFFICER = "Lò Văn Minh"  # the Điện Biên officer whose token it is: actions are recorded as his


@dataclass
class World:
    client: TestClient
    highland: Organization
    delta: Organization
    dien_bien: Organization
    dong_thap: Organization
    keys: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}", "Origin": ORIGIN}


def _capture(client: TestClient, key: str, lot: str, place: str) -> None:
    doc = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
           "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-01T00:00:00Z",
           "epcisBody": {"eventList": [{
               "type": "ObjectEvent", "eventTime": "2026-11-06T09:00:00+07:00",
               "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "commissioning",
               "disposition": "active", "bizLocation": {"id": place},
               "quantityList": [{"epcClass": lot, "quantity": 100.0, "uom": "KGM"}]}]}}
    answer = client.post("/capture", headers={"Authorization": f"Bearer {key}",
                                              "Content-Type": "application/ld+json"},
                         content=json.dumps(doc))
    assert answer.status_code == 202, answer.text


def make_world(engine: Engine) -> World:
    """The two provinces, built through the product's services and API."""
    highland = create_organization(engine, "HTX Cà phê Ẳng Nưa", kind="cooperative")
    delta = create_organization(engine, "HTX Lúa Tân Hồng", kind="cooperative")
    dien_bien = create_organization(engine, "Sở NN&MT Điện Biên", kind="regulator")
    dong_thap = create_organization(engine, "Sở NN&MT Đồng Tháp", kind="regulator")
    grants.grant(engine, highland, "prefix", "8931234", "test operator")
    grants.grant(engine, delta, "prefix", "8935555", "test operator")
    set_profile(engine, org_actor(highland), {"province": "Điện Biên"})
    set_profile(engine, org_actor(delta), {"province": "Đồng Tháp"})
    # 4.5 ha and 1.6 ha as drawn (the registry keeps the measured area), 0.5 ha declared
    coffee = [("Nương 1", 4.5, {"area_code": "VN-DB-001", "geometry": polygon(BIG)}),
              ("Nương 2", 1.6, {"geometry": polygon(SMALL)}),
              ("Nương 3", 0.5, {})]
    for name, ha, extra in coffee:
        add_place(engine, org_actor(highland), {
            "name": name, "crop": "coffee", "area_ha": ha, "province": "tỉnh Điện Biên",
            "commune": "xã Ẳng Nưa", **extra})
    for name in ("Ruộng 1", "Ruộng 2"):  # Tiền Giang is part of Đồng Tháp since 1/7/2025
        add_place(engine, org_actor(delta), {"name": name, "crop": "rice", "area_ha": 5.0,
                                             "province": "Tiền Giang", "commune": "Tân Hồng"})
    make_regulator(engine, dien_bien, check_area("Điện Biên"), "test operator")
    make_regulator(engine, dong_thap, check_area("Đồng Tháp"), "test operator")
    keys = {"highland": create_token(engine, highland, "t"), "delta": create_token(engine, delta),
            "dien_bien": create_token(engine, dien_bien, OFFICER, TokenRole.OFFICER),
            "dong_thap": create_token(engine, dong_thap, "officer", TokenRole.OFFICER),
            # an organization token of a regulator acts as its officers' (never writes)
            "dien_bien_org": create_token(engine, dien_bien, "old")}
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine),
                        raise_server_exceptions=False)
    _capture(client, keys["highland"], HIGHLAND_LOT, "https://id.gs1.org/414/8931234000004")
    _capture(client, keys["delta"], DELTA_LOT, "https://id.gs1.org/414/8935555000002")
    reported = client.post("/report", data={"code": "/01/08931234000356/10/CF-26",
                                            "kind": "quality", "message": "Hạt bị mốc",
                                            "contact": ""})
    assert reported.status_code < 400, reported.text
    return World(client, highland, delta, dien_bien, dong_thap, keys)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _indicators(world: World, who: str) -> dict[str, Any]:
    answer = world.client.get("/province/indicators", headers=world.auth(who))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_officer_sees_its_own_province_only(world: World) -> None:
    north = _indicators(world, "dien_bien")
    south = _indicators(world, "dong_thap")
    assert north["area"]["province"] == "dien-bien"
    [coffee] = north["current"]["hectares"]
    assert (coffee["commune"], coffee["crop"], coffee["plots"]) == ("xã Ẳng Nưa", "coffee", 3)
    assert coffee["registered_ha"] == pytest.approx(6.6, abs=0.01)
    assert coffee["coded_ha"] == pytest.approx(4.5, abs=0.01)
    assert coffee["ready_ha"] + coffee["not_ready_ha"] == pytest.approx(2.1, abs=0.01)
    assert coffee["not_ready_reasons"]  # no diary: continuity and pest monitoring fail
    # Nương 2 only: Nương 1's boundary has vertices with 5 decimals, Nương 3 no geolocation
    assert coffee["eudr_ready_ha"] == pytest.approx(1.6, abs=0.01)
    [rice] = south["current"]["hectares"]
    assert (rice["commune"], rice["crop"], rice["registered_ha"]) == ("Tân Hồng", "rice", 10.0)
    assert "rice" not in north["current"]["by_crop"] and "coffee" not in south["current"]["by_crop"]
    assert north["current"]["tickets"]["received"] == 1
    assert south["current"]["tickets"]["received"] == 0
    assert north["previous"]["hectares"] == []  # nothing was registered 30 days before
    assert north["current"]["tickets"]["deadline_days"] == 15


def test_stamps_issued_voided_scanned_and_suspicious_count_in_their_province(
        world: World) -> None:
    c, owner = world.client, world.auth("highland")
    made = c.post("/farm/products", headers=owner,
                  json={"gtin": "08931234000356", "name_vi": "Cà phê Ẳng Nưa"})
    assert made.status_code == 201, made.text
    batch = c.post("/stamps", headers=owner,
                   json={"gtin": "08931234000356", "lot": "CF-26", "count": 3})
    assert batch.status_code == 201, batch.text
    rows = list(csv.DictReader(io.StringIO(c.get(batch.json()["csv"], headers=owner).text)))
    links = [r["digital_link"] for r in rows]
    assert c.post("/stamps/void", headers=owner, json={"codes": links[:1]}).json() == {
        "voided": 1}
    for link in links[:2]:  # a consumer scans the voided stamp and a good one
        path = "/" + link.split("/", 3)[3]
        assert c.get(path).status_code == 200
    flush_queues()  # the pages' scans are written in batches (agritrace.scans.log.ScanQueue)
    north = _indicators(world, "dien_bien")["current"]["stamps"]
    assert north == {"issued": 3, "voided": 1, "scanned": 2, "suspicious": 1}
    south = _indicators(world, "dong_thap")["current"]["stamps"]
    assert south == {"issued": 0, "voided": 0, "scanned": 0, "suspicious": 0}


def test_the_officer_reads_its_area_in_the_event_api(world: World) -> None:
    found = world.client.get("/events", headers=world.auth("dien_bien"))
    assert found.status_code == 200, found.text
    body = json.dumps(found.json())
    assert "CF-26" in body and "LUA-26" not in body


def test_the_officer_orders_a_recall_in_its_area_and_writes_nothing_else(world: World,
                                                                         engine: Engine) -> None:
    c = world.client
    outside = c.post("/recall", headers=world.auth("dien_bien"),
                     json={"lots": [DELTA_LOT], "reason": "Dư lượng"})
    assert outside.status_code == 403, outside.text
    assert "lots[0]" in outside.text
    ordered = c.post("/recall", headers=world.auth("dien_bien"),
                     json={"lots": [HIGHLAND_LOT], "reason": "Dư lượng vượt MRL"})
    assert ordered.status_code == 201, ordered.text
    assert ordered.json()["capture"]["status"] == "success"
    with engine.connect() as conn:
        recorded = conn.execute(select(events.c.org_id, events.c.body).where(
            events.c.disposition == "recalled")).all()
    assert [org for org, _ in recorded] == [world.dien_bien.id]  # recorded as the province's
    # and naming the officer (the person) who ordered it
    assert f"{OFFICER} (Sở NN&MT Điện Biên)" in recorded[0].body
    figures = _indicators(world, "dien_bien")["current"]["recalls"]
    assert figures == {"recalls": 1, "by_regulator": 1, "codes": 1, "closed": 0,
                       "open_at_end": 1, "median_days_to_close": None,
                       "max_days_to_close": None}
    assert _indicators(world, "dong_thap")["current"]["recalls"]["recalls"] == 0
    for who in ("dien_bien", "dien_bien_org"):
        capture = c.post("/capture", headers={**world.auth(who),
                                              "Content-Type": "application/ld+json"},
                         content=b"{}")
        assert capture.status_code == 403, (who, capture.text)
        stamps = c.post("/stamps", headers=world.auth(who),
                        json={"gtin": "08931234000356", "lot": "CF-26", "count": 1})
        assert stamps.status_code == 403, (who, stamps.text)
        places = c.post("/farm/places", headers=world.auth(who), json={"name": "X"})
        assert places.status_code == 403, (who, places.text)


def test_others_may_not_use_the_desk(world: World) -> None:
    c = world.client
    assert c.get("/province/indicators").status_code == 401
    assert c.get("/province/indicators", headers=world.auth("highland")).status_code == 403
    assert c.get("/province", follow_redirects=False).status_code == 303
    page = c.get("/province", headers=world.auth("highland"))
    assert page.status_code == 403 and "không quản lý địa bàn" in page.text
    bad = c.get("/province/indicators", headers=world.auth("dien_bien"),
                params={"from": "2026-12-01", "to": "2026-11-01"})
    assert bad.status_code == 400 and "from" in bad.text


def test_targets_are_set_by_the_officer_and_shown(world: World) -> None:
    c = world.client
    refused = c.post("/province/targets", headers=world.auth("highland"),
                     data={"indicator": "coded_ha", "crop": "coffee", "value": "3"})
    assert refused.status_code == 403
    wrong = c.post("/province/targets", headers=world.auth("dien_bien"),
                   data={"indicator": "coded_ha", "crop": "coffee", "value": "nhiều"})
    assert wrong.status_code == 400 and "value" in wrong.text
    saved = c.post("/province/targets", headers=world.auth("dien_bien"),
                   data={"indicator": "coded_ha", "crop": "coffee", "value": "2,5"},
                   follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _indicators(world, "dien_bien")["targets"] == [
        {"indicator": "coded_ha", "crop": "coffee", "commune": "", "value": 2.5}]
    assert _indicators(world, "dong_thap")["targets"] == []
    page = c.get("/province", headers=world.auth("dien_bien"))
    assert page.status_code == 200
    # Vietnamese first, numbers as Vietnamese write them: 6,60 ha registered, 4,50 ha coded,
    # 180 % of the 2,50 ha target
    text = page.text
    assert "Bàn làm việc của tỉnh" in text and "6,60" in text and "4,50" in text
    assert "2,50" in text and "180 %" in text and "Tân Hồng" not in text
    assert "province_" not in text.replace('"province_', "")  # every text has its words
    english = c.get("/province", headers=world.auth("dien_bien"), params={"lang": "en"})
    assert "The province desk" in english.text and "6.60" in english.text


def test_open_data_is_public_aggregate_and_licensed(world: World) -> None:
    c = world.client
    north = c.get("/province/open-data.csv", params={"province": "Điện Biên"})
    assert north.status_code == 200, north.text
    lines = north.text.splitlines()
    assert lines[0] == "# CC-BY-4.0 https://creativecommons.org/licenses/by/4.0/"
    [row] = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert (row["commune"], row["plots"], row["registered_ha"]) == ("xã Ẳng Nưa", "3", "6.5989")
    for private in ("HTX", "Nương", "CF-26", "Lò"):
        assert private not in north.text
    south = c.get("/province/open-data.json", params={"province": "dong-thap"}).json()
    assert south["license"] == "CC-BY-4.0"
    [rice] = south["rows"]
    assert rice["plots"] == 2 and rice["registered_ha"] is None  # two plots: withheld
    assert c.get("/province/open-data.csv", params={"province": "Hà Nội"}).status_code == 404
    assert c.get("/province/open-data.csv", params={"province": "Atlantis"}).status_code == 400


@pytest.fixture
def db(database_url: str, environment: Callable[..., None]) -> Iterator[Engine]:
    environment(database_url=database_url, base_url="https://truyxuat.example.vn")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_the_operator_binds_a_regulator_and_issues_an_officer_token(db: Engine) -> None:
    _run("org", "create", "Sở NN&MT Đồng Tháp", "--kind", "regulator")
    _run("province", "regulator", "So NN Dong Thap", "--province", "Đồng Tháp", code=2)
    assert "So NN Dong Thap" not in _run("org", "list")  # a typo creates nothing
    _run("province", "regulator", "Sở NN&MT Đồng Tháp", "--province", "Tiền Giang")
    assert "Sở NN&MT Đồng Tháp\tdong-thap\t-" in _run("province", "list")
    token = _run("province", "token", "Sở NN&MT Đồng Tháp", "--label", "Chị Lan").strip()
    assert authenticate(db, token).role is TokenRole.OFFICER
    _run("org", "create", "HTX Lúa")
    _run("province", "token", "HTX Lúa", code=2)  # oversees no area: no officer token


def test_an_officer_signs_in_to_the_desk(world: World) -> None:
    c = world.client
    signed = c.post("/login", data={"token": world.keys["dien_bien"]},
                    headers={"Origin": ORIGIN}, follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, "/province")
    again = c.get("/login", follow_redirects=False)  # the cookie is set: off to the desk
    assert (again.status_code, again.headers["location"]) == (303, "/province")
    assert c.get("/province").status_code == 200
    assert c.get("/coop").status_code == 403  # the cooperative office is no officer's
