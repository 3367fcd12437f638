"""A small stamped chain captured through the real capture path: plot harvest with a polygon,
a spraying diary entry, a roasting that issues serialized bags, a voided stamp and a recalled lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.farm.diary_events import AGT_BIZSTEP, NAMESPACES
from agritrace.store.grants import grant
from agritrace.store.orgs import ensure_organization

GTIN = "08931234000356"
HARVEST_GTIN = "08931234000110"
PLOT = "urn:epc:id:sgln:8931234.10001.0"
SEASON = "https://agritrace.org/id/season/test-2026"
ROASTERY = "urn:epc:id:sgln:8931234.00002.0"
POLYGON = {"type": "Polygon", "coordinates": [[
    [103.305101, 21.455201], [103.307302, 21.455203], [103.307904, 21.457105],
    [103.305506, 21.457807], [103.305101, 21.455201]]]}
SERIALS = ("X7K9Q2MN3P4R", "B2C3D4F5G6H7", "VOID5678ABCD")
RECALL_SERIAL = "RCL234567892"


@dataclass(frozen=True)
class Chain:
    lot: str = "R26-1106"
    recalled_lot: str = "R26-0999"

    def path(self, serial: str, lot: str | None = None) -> str:
        return f"/01/{GTIN}/10/{lot or self.lot}/21/{serial}"


def _at(day: str, hour: int = 9) -> dict[str, str]:
    return {"eventTime": f"2026-{day}T{hour:02d}:00:00+07:00", "eventTimeZoneOffset": "+07:00"}


def _bags(lot: str, serials: tuple[str, ...], day: str) -> Event:
    return {"type": "TransformationEvent", **_at(day),
            "inputQuantityList": [{"epcClass": f"https://id.gs1.org/01/{HARVEST_GTIN}/10/H1",
                                   "quantity": 500.0, "uom": "KGM"}],
            "outputEPCList": [f"https://id.gs1.org/01/{GTIN}/21/{s}" for s in serials],
            "bizStep": "commissioning", "disposition": "active",
            "readPoint": {"id": ROASTERY}, "bizLocation": {"id": ROASTERY},
            "ilmd": {"cbvmda:lotNumber": lot, "cbvmda:bestBeforeDate": "2099-11-06",
                     "agt:productName": "Cà phê Arabica Mường Ảng 250 g"}}


def events(chain: Chain) -> list[Event]:
    return [
        {"type": "ObjectEvent", **_at("03-01"), "action": "OBSERVE", "epcList": [SEASON],
         "bizStep": AGT_BIZSTEP + "spraying", "readPoint": {"id": PLOT},
         "bizLocation": {"id": PLOT}, "agt:product": "Regent 800WG"},
        {"type": "ObjectEvent", **_at("10-20"), "action": "ADD", "epcList": [],
         "quantityList": [{"epcClass": f"https://id.gs1.org/01/{HARVEST_GTIN}/10/H1",
                           "quantity": 1000.0, "uom": "KGM"}],
         "bizStep": "commissioning", "disposition": "active",
         "readPoint": {"id": PLOT}, "bizLocation": {"id": PLOT},
         "ilmd": {"cbvmda:countryOfOrigin": "VN", "cbvmda:lotNumber": "H1",
                  "cbvmda:harvestStartDate": "2026-10-20", "agt:plot": PLOT,
                  "agt:season": SEASON, "agt:province": "Điện Biên", "agt:commune": "Mường Ảng",
                  "agt:growingAreaCode": "VN-DBI-0042", "agt:plotGeometry": POLYGON}},
        _bags(chain.lot, SERIALS, "11-06"),
        _bags(chain.recalled_lot, (RECALL_SERIAL,), "11-07"),
        {"type": "ObjectEvent", **_at("11-08"), "action": "DELETE",
         "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{SERIALS[2]}"],
         "bizStep": "decommissioning", "disposition": "inactive",
         "readPoint": {"id": ROASTERY}},
        {"type": "ObjectEvent", **_at("11-10"), "action": "OBSERVE",
         "quantityList": [{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{chain.recalled_lot}",
                           "quantity": 1.0, "uom": "KGM"}],
         "bizStep": "holding", "disposition": "recalled", "readPoint": {"id": ROASTERY}},
    ]


OWNER = "HTX Cà phê Mường Ảng"
PREFIX = "8931234"


def load(engine: Engine, granted: bool = True) -> Chain:
    """The chain, captured by its owner; ``granted``: the owner holds its GS1 company prefix
    (without it nobody vouches for the codes; :func:`grant_prefix` may follow later)."""
    chain = Chain()
    capture(engine, events(chain))
    if granted:
        grant_prefix(engine)
    return chain


def grant_prefix(engine: Engine) -> None:
    grant(engine, ensure_organization(engine, OWNER), "prefix", PREFIX, "test")


def capture(engine: Engine, stamp_events: list[Event]) -> None:
    """Capture ``stamp_events`` as the cooperative that roasts and stamps the bags."""
    org = ensure_organization(engine, OWNER)
    header: dict[str, Any] = {"schemaVersion": "2.0", "creationDate": "2026-11-10T08:00:00+07:00",
                              "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]}
    doc = Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), header=header,
                   events=iter(stamp_events), name="stamps")
    report = capture_document(engine, doc, org)
    assert report.stored, report.as_dict()
