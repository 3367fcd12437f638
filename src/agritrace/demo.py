"""A small, true-to-life demo chain: Arabica coffee from Mường Ảng (Điện Biên) to a Hà Nội shelf.

Three perennial coffee plots of a cooperative keep the diary of a crop year (the 2026 harvest);
each harvest opens a lot; the cooperative hulls the cherries into a green-bean lot and ships it
to a roaster, which roasts, packs 250 g bags
with unguessable serials, cases them on a pallet (SSCC) and ships to a retailer. Every fact is an
EPCIS 2.0 event captured by the organization it belongs to, through the same capture path an ERP
uses. Seeded, so the demo is the same every time, except the bag serials, which are drawn
from cryptographic randomness as real stamps are.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.farm import diary
from agritrace.farm.diary_events import NAMESPACES, entry_to_event, lot_class
from agritrace.ids.gs1 import Gtin, vietnam_gtin
from agritrace.labels.stamps import issue_stamps
from agritrace.store.grants import grant
from agritrace.store.orgs import Organization, create_token, ensure_organization

COOP, ROASTER, RETAILER = "HTX Cà phê Mường Ảng", "Công ty Rang xay Điện Biên", "Siêu thị Hà Nội"
# Each company its own GS1 company prefix (893 + the number GS1 Vietnam gave it): the
# cooperative's for its cherries, green beans, plots and station, the roaster's for its bags,
# pallets and roastery, the retailer's for its shop.
COOP_PREFIX, ROASTER_PREFIX, RETAILER_PREFIX = "8938612", "8936045", "8934807"


def _gtin(prefix: str, item: str) -> Gtin:
    return vietnam_gtin(prefix[3:] + item)


def _place(prefix: str, reference: str) -> str:
    return f"urn:epc:id:sgln:{prefix}.{reference}.0"


CHERRY = _gtin(COOP_PREFIX, "00011")  # fresh Arabica cherries, sold by weight
GREEN = _gtin(COOP_PREFIX, "00028")  # green beans
BAG = _gtin(ROASTER_PREFIX, "00035")  # roasted ground coffee, 250 g bag
PLOTS = tuple(_place(COOP_PREFIX, f"1000{n}") for n in (1, 2, 3))
# Each company's site; its party (owner of goods, EPCIS source and destination) is the same GLN.
COOP_SITE, ROASTERY, SHOP = (_place(p, "00001") for p in (COOP_PREFIX, ROASTER_PREFIX,
                                                           RETAILER_PREFIX))
COOP_PARTY, ROASTER_PARTY, RETAILER_PARTY = (f"urn:epc:id:pgln:{p}.00001" for p in (
    COOP_PREFIX, ROASTER_PREFIX, RETAILER_PREFIX))
PALLET = f"urn:epc:id:sscc:{ROASTER_PREFIX}.0000000017"
OFFSET = "+07:00"


@dataclass
class DemoChain:
    """What the demo created, so a person (or a test) can follow it."""

    tokens: dict[str, str] = field(default_factory=dict)
    harvest_lots: list[str] = field(default_factory=list)
    green_lot: str = ""
    roasted_lot: str = ""
    bags: list[str] = field(default_factory=list)
    pallet: str = ""
    events: int = 0


def _time(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00{OFFSET}"


def _season_entries(plot: str, index: int, rng: random.Random) -> Iterator[diary.DiaryEntry]:
    """A crop year of a coffee plot: Arabica is a perennial, planted years ago, so a season is
    the year from one harvest to the next (November to October), nothing is sown; the trees
    are pruned after the last picking, fed in spring and summer, and picked in October."""
    season = f"https://agritrace.org/id/season/muong-ang-2026-{index + 1}"
    common: dict[str, Any] = {"plot_id": plot, "season_id": season,
                              "recorded_by": f"Hộ Lò Văn {'ABC'[index]}"}
    yield diary.OtherCare(on=date(2025, 12, 15 + index), activity="tỉa cành", **common)
    yield diary.Fertilizing(on=date(2026, 4, 5), product="NPK 16-16-8", amount=300.0,
                            n_percent=16.0, **common)
    yield diary.PestObservation(on=date(2026, 6, 10), pest="rệp sáp", incidence_percent=3.0,
                                **common)
    yield diary.Fertilizing(on=date(2026, 7, 15), product="Phân hữu cơ vi sinh", amount=1500.0,
                            **common)
    yield diary.Harvest(on=date(2026, 10, 20 + index), quantity=float(rng.randint(900, 1400)),
                        lot=f"MA26-P{index + 1}", gtin=str(CHERRY), country_of_origin="VN",
                        **common)


def _document(events: list[Event]) -> Document:
    header = {"schemaVersion": "2.0", "creationDate": "2026-11-10T08:00:00+07:00",
              "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]}
    return Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), header=header,
                    events=iter(events), name="demo")


def _sgtin(gtin: str, serial: str) -> str:
    return f"https://id.gs1.org/01/{gtin}/21/{serial}"


def _farm_events(chain: DemoChain, rng: random.Random) -> list[Event]:
    events = []
    for index, plot in enumerate(PLOTS):
        for number, entry in enumerate(_season_entries(plot, index, rng)):
            events.append(entry_to_event(entry, f"demo-{index}-{number}"))
            if isinstance(entry, diary.Harvest):
                chain.harvest_lots.append(lot_class(entry))
    return events


def _coop_events(chain: DemoChain) -> list[Event]:
    chain.green_lot = f"https://id.gs1.org/01/{GREEN}/10/MA26-G1"
    day = date(2026, 11, 2)
    inputs = [{"epcClass": lot, "quantity": 1000.0, "uom": "KGM"} for lot in chain.harvest_lots]
    return [
        {"type": "TransformationEvent", "eventTime": _time(day), "eventTimeZoneOffset": OFFSET,
         "inputQuantityList": inputs,
         "outputQuantityList": [{"epcClass": chain.green_lot, "quantity": 560.0, "uom": "KGM"}],
         "bizStep": "commissioning", "disposition": "active",
         "readPoint": {"id": COOP_SITE}, "bizLocation": {"id": COOP_SITE},
         "ilmd": {"cbvmda:countryOfOrigin": "VN", "cbvmda:lotNumber": "MA26-G1"}},
        {"type": "ObjectEvent", "eventTime": _time(day + timedelta(days=2)),
         "eventTimeZoneOffset": OFFSET, "action": "OBSERVE", "bizStep": "shipping",
         "disposition": "in_transit",
         "quantityList": [{"epcClass": chain.green_lot, "quantity": 560.0, "uom": "KGM"}],
         "readPoint": {"id": COOP_SITE},
         "sourceList": [{"type": "owning_party", "source": COOP_PARTY}],
         "destinationList": [{"type": "owning_party",
                              "destination": ROASTER_PARTY}]},
    ]


def _roaster_events(chain: DemoChain) -> list[Event]:
    day = date(2026, 11, 6)
    chain.roasted_lot = f"https://id.gs1.org/01/{BAG}/10/R26-1106"
    chain.pallet = PALLET

    def at(days: int, hour: int) -> dict[str, str]:
        return {"eventTime": _time(day + timedelta(days=days), hour),
                "eventTimeZoneOffset": OFFSET}
    return [
        {"type": "ObjectEvent", **at(0, 8), "action": "OBSERVE", "bizStep": "receiving",
         "disposition": "in_progress",
         "quantityList": [{"epcClass": chain.green_lot, "quantity": 560.0, "uom": "KGM"}],
         "readPoint": {"id": ROASTERY}, "bizLocation": {"id": ROASTERY}},
        {"type": "TransformationEvent", **at(1, 9),
         "inputQuantityList": [{"epcClass": chain.green_lot, "quantity": 560.0, "uom": "KGM"}],
         "outputEPCList": chain.bags, "bizStep": "commissioning", "disposition": "active",
         "readPoint": {"id": ROASTERY}, "bizLocation": {"id": ROASTERY},
         "ilmd": {"cbvmda:lotNumber": "R26-1106", "cbvmda:bestBeforeDate": "2027-11-06"}},
        {"type": "AggregationEvent", **at(1, 15), "action": "ADD", "bizStep": "packing",
         "parentID": chain.pallet, "childEPCs": chain.bags, "disposition": "in_progress",
         "readPoint": {"id": ROASTERY}},
        {"type": "ObjectEvent", **at(2, 7), "action": "OBSERVE", "bizStep": "shipping",
         "disposition": "in_transit", "epcList": [chain.pallet], "readPoint": {"id": ROASTERY},
         "destinationList": [{"type": "owning_party",
                              "destination": RETAILER_PARTY}]},
    ]


def _retailer_events(chain: DemoChain) -> list[Event]:
    day = date(2026, 11, 9)
    return [
        {"type": "ObjectEvent", "eventTime": _time(day), "eventTimeZoneOffset": OFFSET,
         "action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
         "epcList": [chain.pallet], "readPoint": {"id": SHOP}, "bizLocation": {"id": SHOP}},
        {"type": "AggregationEvent", "eventTime": _time(day, 11), "eventTimeZoneOffset": OFFSET,
         "action": "DELETE", "bizStep": "unpacking", "parentID": chain.pallet,
         "childEPCs": chain.bags, "readPoint": {"id": SHOP}, "bizLocation": {"id": SHOP}},
    ]


# The codes each organization speaks for: its own company prefix covers its products, pallets,
# places and party.
GRANTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (COOP, "prefix", (COOP_PREFIX,)),
    (ROASTER, "prefix", (ROASTER_PREFIX,)),
    (RETAILER, "prefix", (RETAILER_PREFIX,)),
)


def _organizations(engine: Engine) -> dict[str, Organization]:
    """The demo's organizations (created once), each granted the codes it speaks for."""
    orgs = {COOP: ensure_organization(engine, COOP, kind="cooperative"),
            ROASTER: ensure_organization(engine, ROASTER),
            RETAILER: ensure_organization(engine, RETAILER)}
    for name, kind, codes in GRANTS:
        for code in codes:
            grant(engine, orgs[name], kind, code, "agritrace demo")
    return orgs


def load_demo(engine: Engine, seed: int = 2026) -> DemoChain:
    """Create the demo organizations, their tokens and their events (idempotent events)."""
    rng = random.Random(seed)
    chain = DemoChain()
    steps: list[tuple[str, Any]] = [(COOP, _farm_events), (COOP, _coop_events),
                                    (ROASTER, _roaster_events), (RETAILER, _retailer_events)]
    orgs = _organizations(engine)
    for name, org in orgs.items():
        chain.tokens[name] = create_token(engine, org, "demo")
    for name, build in steps:
        org = orgs[name]
        if build is _roaster_events:  # the bags' stamps are printed the day before roasting
            batch = issue_stamps(engine, org, str(BAG), "R26-1106", 24, location=ROASTERY,
                                 issued_at=_time(date(2026, 11, 6), 8))
            chain.bags = [_sgtin(str(BAG), s) for s in batch.serials]
            chain.events += 1  # 24 stamps fit one commissioning event
        events = build(chain, rng) if build is _farm_events else build(chain)
        report = capture_document(engine, _document(events), org)
        if report.status != "success":
            messages = "; ".join(p.message() for p in report.problems)
            raise RuntimeError(f"the demo chain no longer validates: {messages}")
        chain.events += report.captured
    return chain
