"""A small hand-built chain with known answers, and a helper to capture events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import Document, Event
from agritrace.ids.gs1 import check_digit
from agritrace.store.grants import grant
from agritrace.store.orgs import Organization, ensure_organization

DL = "https://id.gs1.org"
AGT = "https://agritrace.org/voc/"


def _gln(n: int) -> str:
    body = f"893123400{n:03d}"
    return f"{body}{check_digit(body)}"


def _gtin(n: int) -> str:
    body = f"893123400{n:03d}"
    return f"0{body}{check_digit(body)}"


PLOT = f"{DL}/414/{_gln(1)}/254/P1"
SEASON = "https://agritrace.org/id/season/test-2025-p1"
FACTORY = f"{DL}/414/{_gln(2)}"
SHOP = f"{DL}/414/{_gln(3)}"
WAREHOUSE = f"{DL}/414/{_gln(4)}"
COOP_PARTY = f"{DL}/417/{_gln(2)}"
SHOP_PARTY = f"{DL}/417/{_gln(3)}"
SHOP_GLN = _gln(3)
PREFIX = "8931234"
PO = "urn:epcglobal:cbv:bt:8931234000026:PO-4711"
LOT_A = f"{DL}/01/{_gtin(10)}/10/A1"
LOT_B = f"{DL}/01/{_gtin(10)}/10/B1"
UNITS = [f"{DL}/01/{_gtin(20)}/21/U{n}" for n in range(1, 5)]
UNIT_1_URN = "urn:epc:id:sgtin:8931234.000020.U1"


def sscc(n: int) -> str:
    body = f"0893123400{n:07d}"
    return f"{DL}/00/{body}{check_digit(body)}"


CASE = sscc(1)
CASE_2 = sscc(2)


def at(day: int, hour: int = 9) -> dict[str, str]:
    return {"eventTime": f"2025-03-{day:02d}T{hour:02d}:00:00+07:00",
            "eventTimeZoneOffset": "+07:00"}


def capture(engine: Engine, events: list[Event], org: str = "HTX Test") -> Organization:
    """Capture ``events`` for ``org``; fails the test if any is refused."""
    organization = ensure_organization(engine, org)
    header: dict[str, Any] = {"schemaVersion": "2.0", "creationDate": "2025-03-30T00:00:00Z"}
    doc = Document(kind="EPCISDocument", namespaces={"agt": AGT}, header=header,
                   events=iter(events), name="test chain")
    report = capture_document(engine, doc, organization)
    assert report.status == "success", [p.message() for p in report.problems]
    return organization


def farm_events() -> list[Event]:
    return [
        {"type": "ObjectEvent", **at(1), "action": "OBSERVE", "epcList": [SEASON],
         "bizStep": f"{AGT}bizstep/fertilizing", "readPoint": {"id": PLOT},
         "bizLocation": {"id": PLOT}},
        {"type": "ObjectEvent", **at(2), "action": "ADD", "epcList": [],
         "quantityList": [{"epcClass": LOT_A, "quantity": 1000.0, "uom": "KGM"}],
         "bizStep": "commissioning", "disposition": "active", "readPoint": {"id": PLOT},
         "bizLocation": {"id": PLOT},
         "ilmd": {"cbvmda:countryOfOrigin": "VN", "cbvmda:harvestStartDate": "2025-03-02",
                  "agt:plot": PLOT, "agt:season": SEASON}},
    ]


def factory_events() -> list[Event]:
    """LOT_A -> U1..U3; U1, U2 cased (day 5), shipped (6), unpacked (8); the empty case moves
    on to a warehouse (10); U1 re-cased into CASE_2 (9)."""
    return [
        {"type": "TransformationEvent", **at(4),
         "inputQuantityList": [{"epcClass": LOT_A, "quantity": 500.0, "uom": "KGM"}],
         "outputEPCList": UNITS[:3], "bizStep": "commissioning", "disposition": "active",
         "readPoint": {"id": FACTORY}, "bizLocation": {"id": FACTORY}},
        {"type": "AggregationEvent", **at(5), "action": "ADD", "parentID": CASE,
         "childEPCs": UNITS[:2], "bizStep": "packing", "readPoint": {"id": FACTORY}},
        {"type": "ObjectEvent", **at(6), "action": "OBSERVE", "epcList": [CASE],
         "bizStep": "shipping", "readPoint": {"id": FACTORY},
         "bizTransactionList": [{"type": "po", "bizTransaction": PO}],
         "sourceList": [{"type": "owning_party", "source": COOP_PARTY}],
         "destinationList": [{"type": "owning_party", "destination": SHOP_PARTY}]},
        {"type": "ObjectEvent", **at(7), "action": "OBSERVE", "epcList": [CASE],
         "bizStep": "receiving", "readPoint": {"id": SHOP}, "bizLocation": {"id": SHOP}},
        {"type": "AggregationEvent", **at(8), "action": "DELETE", "parentID": CASE,
         "childEPCs": UNITS[:2], "bizStep": "unpacking", "readPoint": {"id": SHOP}},
        {"type": "AggregationEvent", **at(9), "action": "ADD", "parentID": CASE_2,
         "childEPCs": UNITS[:1], "bizStep": "packing", "readPoint": {"id": SHOP}},
        {"type": "ObjectEvent", **at(10), "action": "OBSERVE", "epcList": [CASE],
         "bizStep": "storing", "readPoint": {"id": WAREHOUSE}},
    ]


def grant_chain(engine: Engine, farm: str = "HTX Test", factory: str = "Nhà máy Test"
                ) -> tuple[Organization, Organization]:
    """The chain's owners hold their codes: the farm its plot's GLN and its lot's GTIN, the
    factory the company prefix (so its GLN, its units and its cases)."""
    farm_org, factory_org = ensure_organization(engine, farm), ensure_organization(engine, factory)
    grant(engine, farm_org, "gln", _gln(1), "test")
    grant(engine, farm_org, "gtin", _gtin(10), "test")
    grant(engine, factory_org, "prefix", PREFIX, "test")
    return farm_org, factory_org


def load_chain(engine: Engine) -> None:
    grant_chain(engine)
    capture(engine, farm_events(), "HTX Test")
    capture(engine, factory_events(), "Nhà máy Test")
