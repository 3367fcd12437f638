"""A small shop for the catalogue tests: a coffee cooperative owning its prefix, two products
(one with an offer and a harvested lot), and a squatter with a prefix of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.farm.catalog import add_product
from agritrace.farm.places import add_place
from agritrace.farm.profiles import set_profile
from agritrace.farm.registry import org_actor
from agritrace.market import offers
from agritrace.settings import Settings
from agritrace.store import grants
from agritrace.store.orgs import Organization, create_organization, create_token
from agritrace.web.app import create_app

COFFEE = "08931234000356"
TEA = "08931234000363"
SQUATTED = "08935555000019"
BASE = "http://testserver"
RING = [[103.196412, 21.498731], [103.198508, 21.498562], [103.198782, 21.500013],
        [103.197506, 21.500522], [103.196231, 21.500181], [103.196412, 21.498731]]


@dataclass
class Shop:
    client: TestClient
    coop: Organization
    squatter: Organization
    token: str


def _harvest_and_bags(engine: Engine, org: Organization) -> None:
    lot = f"https://id.gs1.org/01/{COFFEE}/10/R26-1106"
    event: dict[str, Any] = {
        "type": "ObjectEvent", "eventTime": "2026-11-06T09:00:00+07:00",
        "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "commissioning",
        "quantityList": [{"epcClass": lot, "quantity": 50.0, "uom": "KGM"}],
        "ilmd": {"cbvmda:lotNumber": "R26-1106", "agt:plot": "urn:epc:id:sgln:8931234.10001.0",
                 "cbvmda:harvestStartDate": "2026-10-20", "agt:province": "Điện Biên",
                 "agt:plotGeometry": {"type": "Polygon", "coordinates": [RING]}}}
    document = Document(kind="EPCISDocument", namespaces={
        "agt": "https://agritrace.org/voc/", "cbvmda": "urn:epcglobal:cbv:mda:"},
        header={"schemaVersion": "2.0", "creationDate": "2026-11-06T00:00:00Z",
                "@context": STANDARD_CONTEXT}, events=iter([event]), name="bags")
    report = capture_document(engine, document, org)
    assert report.captured == 1, report.problems


def build_shop(engine: Engine, base_url: str = BASE) -> Shop:
    coop = create_organization(engine, "HTX Cà phê Mường Ảng")
    squatter = create_organization(engine, "Công ty Chiếm Mã")
    grants.grant(engine, coop, "prefix", "8931234", "test operator")
    grants.grant(engine, squatter, "prefix", "8937777", "test operator")
    manager = org_actor(coop)
    set_profile(engine, manager, {"province": "Điện Biên", "address": "Mường Ảng"})
    add_place(engine, manager, {"name": "Nương A", "crop": "coffee", "area_ha": 1.2})
    add_product(engine, manager, {"gtin": COFFEE, "name_vi": "Cà phê Arabica Mường Ảng 250 g",
                                  "name_en": "Muong Ang Arabica coffee 250 g",
                                  "ocop_stars": 4, "ocop_certificate": "OCOP-DB-2026-01",
                                  "ocop_issued": "2026-01-15"})
    add_product(engine, manager, {"gtin": TEA, "name_vi": "Chè Shan tuyết"})
    offers.set_offer(engine, coop, COFFEE, {"price": "185000", "availability": "in_stock"})
    _harvest_and_bags(engine, coop)
    app = create_app(Settings(database_url="sqlite://", base_url=base_url), engine)
    return Shop(TestClient(app), coop, squatter, create_token(engine, coop, "shop"))
