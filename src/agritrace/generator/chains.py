"""Synthetic Vietnamese supply chains, one processing batch at a time.

A *batch* is everything behind one processed lot: a cooperative's plots keep a season's diary and
harvest (commissioning lots with ILMD: plot, season, harvest dates, country of origin VN); the
cooperative collects the harvest lots and processes them through its recipe's stages (coffee
cherry -> green bean -> roasted; fresh tea leaf -> made tea; paddy -> milled rice); the processor
packs serialized consumer units, cases them (SSCC), palletises the cases (SSCC) and ships the
pallets to a distributor, which ships them on to a retailer, which unpacks them.

Every batch draws from its own random stream seeded by (seed, batch number), so a chain is the
same for a given seed whatever the size, and a larger size only adds batches.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from agritrace.epcis.document import Event
from agritrace.farm import diary
from agritrace.farm.diary_events import entry_to_event, lot_class
from agritrace.ids.gs1 import check_digit

OFFSET = "+07:00"
SEASON = "https://agritrace.org/id/season/"
DL = "https://id.gs1.org"
BIG_EVERY = 50
"""In chains of BIG_FROM events or more, every 50th batch (the first included) packs BIG_UNITS
units: lots feeding more than 10,000 units, as the recall benchmark needs."""
BIG_UNITS = 12_000
BIG_FROM = 100_000
PACK_RUN = 500
PROCESSED_DAYS_AGO = 120
"""The chain is dated from the day it is generated: processing starts this many days before it
(a batch every 7 minutes: 12,000 batches, about 10M events, still end before that day), each
harvest is the crop's last one before, and every unit's best-before date falls after the day of
generation by its shelf life less about four months. Fixed dates went stale: rice processed in
January 2026 passed its best-before date in January 2027 beside a "genuine" verdict (issue 15)."""


@dataclass(frozen=True)
class Recipe:
    """One kind of chain: its products, its stages and how goods are packed."""

    name: str
    label: str
    """The produce as a Vietnamese name says it ("cà phê"), for the organizations' names."""
    province: str
    company: str
    """The 4-digit company number after Vietnam's prefix 893 (company prefix 893xxxx)."""
    harvest_product: str
    stages: tuple[tuple[str, float], ...]
    """(product name, kg out per kg in) for each processing stage, in order."""
    unit_kg: float
    units_per_case: int
    cases_per_pallet: int
    care: tuple[str, ...]
    harvest_month: int
    shelf_life_days: int

    def gtin(self, item: int) -> str:
        body = f"893{self.company}{item:05d}"
        return f"0{body}{check_digit(body)}"

    def gln(self, location: int) -> str:
        body = f"893{self.company}{location:05d}"
        return f"{body}{check_digit(body)}"


RECIPES: dict[str, Recipe] = {
    "coffee": Recipe("coffee", "cà phê", "Điện Biên", "2101", "cà phê quả tươi",
                     (("cà phê nhân", 0.18), ("cà phê rang", 0.82)), 0.25, 24, 40,
                     ("tỉa cành", "làm cỏ", "bón phân NPK", "tưới nước"), 11, 540),
    "tea": Recipe("tea", "chè", "Hà Giang", "2202", "chè búp tươi Shan Tuyết",
                  (("chè xanh thành phẩm", 0.22),), 0.1, 40, 30,
                  ("hái búp", "làm cỏ", "bón phân hữu cơ"), 4, 730),
    "rice": Recipe("rice", "gạo", "Sóc Trăng", "2303", "lúa ST25",
                   (("gạo ST25 xát trắng", 0.64),), 5.0, 4, 50,
                   ("làm đất", "gieo sạ", "bón phân", "phun thuốc sinh học"), 3, 365),
}


@dataclass
class Batch:
    """What one batch created, for tests and benchmarks to pick from."""

    recipe: str
    number: int
    plots: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)
    harvest_lots: list[str] = field(default_factory=list)
    processed_lots: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    pallets: list[str] = field(default_factory=list)


Owned = tuple[str, Event]
"""(organization name, event): who captures the event."""


def recipe_of(number: int) -> Recipe:
    names = ("coffee", "tea", "rice")
    return RECIPES[names[number % len(names)]]


def organizations(recipe: Recipe) -> dict[str, str]:
    """Role -> organization name for a recipe's chain."""
    return {
        "coop": f"HTX {recipe.harvest_product} {recipe.province}",
        "processor": f"Công ty chế biến {recipe.label} {recipe.province}",
        "distributor": "Tổng kho phân phối Bắc Ninh",
        "retailer": "Chuỗi siêu thị Hà Nội",
    }


def harvest_year(recipe: Recipe, processing: date) -> int:
    """The year of the recipe's last harvest (days 10 to 20 of its month) before ``processing``.

    >>> harvest_year(RECIPES["coffee"], date(2026, 8, 7)), harvest_year(RECIPES["rice"], \
date(2026, 8, 7))
    (2025, 2026)
    """
    last_day = date(processing.year, recipe.harvest_month, 21)
    return processing.year if last_day < processing else processing.year - 1


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + OFFSET


def _sscc(recipe: Recipe, kind: int, number: int) -> str:
    body = f"{kind}893{recipe.company}{number:09d}"
    return f"{DL}/00/{body}{check_digit(body)}"


class BatchBuilder:
    """Builds the events of one batch; ``events()`` yields (organization role, event)."""

    def __init__(self, seed: int, number: int, today: date, *, big: bool = False) -> None:
        self.rng = random.Random(f"{seed}:{number}")
        self.number = number
        self.recipe = recipe_of(number)
        self.batch = Batch(self.recipe.name, number)
        processing = datetime.combine(today - timedelta(days=PROCESSED_DAYS_AGO), time(7))
        self.start = processing + timedelta(minutes=7 * number)
        self.harvest_year = harvest_year(self.recipe, processing.date())
        self.orgs = organizations(self.recipe)
        self._event_count = 0
        self.big = big and number % BIG_EVERY == 0

    def events(self) -> Iterator[Owned]:
        yield from self._farm()
        yield from self._processing()
        yield from self._packing()
        yield from self._distribution()

    # the farm ----------------------------------------------------------------------------

    def _farm(self) -> Iterator[Owned]:
        recipe, rng = self.recipe, self.rng
        year = self.harvest_year
        for index in range(rng.randint(3, 8)):
            plot = f"{DL}/414/{recipe.gln(1)}/254/B{self.number}P{index}"
            season = f"{SEASON}{recipe.name}-{year}-b{self.number}-p{index}"
            self.batch.plots.append(plot)
            self.batch.seasons.append(season)
            common: dict[str, Any] = {"plot_id": plot, "season_id": season,
                      "recorded_by": f"hộ {rng.choice('ABCDEGHKLMNPQST')}{index}"}
            opened = date(year, max(recipe.harvest_month - 5, 1), 1)
            for step, activity in enumerate(recipe.care):
                on = opened + timedelta(days=14 * step + rng.randint(0, 5))
                yield "coop", self._diary(diary.OtherCare(on=on, activity=activity, **common))
            yield "coop", self._diary(diary.PestObservation(
                on=opened + timedelta(days=60), pest=rng.choice(("rệp sáp", "rầy nâu", "bọ xít")),
                incidence_percent=float(rng.randint(0, 12)), **common))
            harvest = diary.Harvest(
                on=date(year, recipe.harvest_month, 10 + rng.randint(0, 10)),
                quantity=float(rng.randint(800, 2500)), lot=f"H{self.number}-{index}",
                gtin=recipe.gtin(1), area_ha=round(rng.uniform(0.4, 2.5), 2), **common)
            self.batch.harvest_lots.append(lot_class(harvest))
            yield "coop", self._diary(harvest)

    def _diary(self, entry: diary.DiaryEntry) -> Event:
        self._event_count += 1
        return entry_to_event(entry, f"gen:{self.number}:{self._event_count}")

    # processing --------------------------------------------------------------------------

    def _processing(self) -> Iterator[Owned]:
        recipe = self.recipe
        coop_site = f"{DL}/414/{recipe.gln(2)}"
        kilograms = {lot: float(self.rng.randint(700, 2400)) for lot in self.batch.harvest_lots}
        inputs = [{"epcClass": lot, "quantity": kg, "uom": "KGM"} for lot, kg in kilograms.items()]
        total = sum(kilograms.values())
        moment = self.start
        for stage, (_product, ratio) in enumerate(recipe.stages):
            total = round(total * ratio, 1)
            lot = f"{DL}/01/{recipe.gtin(10 + stage)}/10/B{self.number}S{stage}"
            self.batch.processed_lots.append(lot)
            yield "coop", {
                "type": "TransformationEvent", "eventTime": _time(moment),
                "eventTimeZoneOffset": OFFSET, "inputQuantityList": inputs,
                "outputQuantityList": [{"epcClass": lot, "quantity": total, "uom": "KGM"}],
                "bizStep": "commissioning", "disposition": "active",
                "readPoint": {"id": coop_site}, "bizLocation": {"id": coop_site},
                "ilmd": {"cbvmda:countryOfOrigin": "VN",
                         "cbvmda:lotNumber": f"B{self.number}S{stage}"},
            }
            inputs = [{"epcClass": lot, "quantity": total, "uom": "KGM"}]
            moment += timedelta(hours=20)
        self._last_lot, self._last_kg = self.batch.processed_lots[-1], total
        yield from self._handover("coop", "processor", self._last_lot, total, moment)

    def _handover(self, sender: str, receiver: str, what: str, kilograms: float | None,
                  moment: datetime) -> Iterator[Owned]:
        """A shipping by ``sender`` and a receiving by ``receiver``, with parties named."""
        recipe = self.recipe
        places = {"coop": 2, "processor": 3, "distributor": 4, "retailer": 5}
        source = f"{DL}/417/{recipe.gln(places[sender])}"
        target = f"{DL}/417/{recipe.gln(places[receiver])}"
        what_field: Event = (
            {"quantityList": [{"epcClass": what, "quantity": kilograms, "uom": "KGM"}]}
            if kilograms is not None else {"epcList": [what]})
        parties = {
            "sourceList": [{"type": "owning_party", "source": source}],
            "destinationList": [{"type": "owning_party", "destination": target}],
        }
        origin = f"{DL}/414/{recipe.gln(places[sender])}"
        yield sender, {
            "type": "ObjectEvent", "eventTime": _time(moment), "eventTimeZoneOffset": OFFSET,
            "action": "OBSERVE", **what_field, "bizStep": "shipping",
            "disposition": "in_transit", "readPoint": {"id": origin}, **parties,
        }
        site = f"{DL}/414/{recipe.gln(places[receiver])}"
        yield receiver, {
            "type": "ObjectEvent", "eventTime": _time(moment + timedelta(hours=9)),
            "eventTimeZoneOffset": OFFSET, "action": "OBSERVE", **what_field,
            "bizStep": "receiving", "disposition": "in_progress",
            "readPoint": {"id": site}, "bizLocation": {"id": site}, **parties,
        }

    # packing -----------------------------------------------------------------------------

    def _packing(self) -> Iterator[Owned]:
        recipe, batch = self.recipe, self.batch
        count = BIG_UNITS if self.big else self.rng.randint(150, 900)
        gtin = recipe.gtin(50)
        units = [f"{DL}/01/{gtin}/21/B{self.number}U{n}" for n in range(count)]
        batch.units.extend(units)
        site = f"{DL}/414/{recipe.gln(3)}"
        moment = self.start + timedelta(days=3)
        per_run = self._last_kg * len(units[:PACK_RUN]) / count
        for start in range(0, count, PACK_RUN):
            run = units[start:start + PACK_RUN]
            yield "processor", {
                "type": "TransformationEvent", "eventTime": _time(moment),
                "eventTimeZoneOffset": OFFSET,
                "inputQuantityList": [{"epcClass": self._last_lot,
                                       "quantity": round(per_run, 1), "uom": "KGM"}],
                "outputEPCList": run, "bizStep": "commissioning", "disposition": "active",
                "readPoint": {"id": site}, "bizLocation": {"id": site},
                "ilmd": {"cbvmda:lotNumber": f"B{self.number}", "cbvmda:bestBeforeDate":
                         (moment + timedelta(days=self.recipe.shelf_life_days)).date().isoformat()},
            }
            moment += timedelta(minutes=30)
        yield from self._aggregate(units, site, moment)

    def _aggregate(self, units: list[str], site: str, moment: datetime) -> Iterator[Owned]:
        recipe, batch = self.recipe, self.batch
        per_case, per_pallet = recipe.units_per_case, recipe.cases_per_pallet
        for index in range(0, len(units), per_case):
            case = _sscc(recipe, 1, self.number * 5_000 + index // per_case)
            batch.cases.append(case)
            yield "processor", self._packing_event(case, units[index:index + per_case], site,
                                                   moment)
        for index in range(0, len(batch.cases), per_pallet):
            pallet = _sscc(recipe, 3, self.number * 1_000 + index // per_pallet)
            batch.pallets.append(pallet)
            yield "processor", self._packing_event(
                pallet, batch.cases[index:index + per_pallet], site, moment + timedelta(hours=2))

    def _packing_event(self, parent: str, children: list[str], site: str,
                       moment: datetime, action: str = "ADD") -> Event:
        return {
            "type": "AggregationEvent", "eventTime": _time(moment), "eventTimeZoneOffset": OFFSET,
            "parentID": parent, "childEPCs": children, "action": action,
            "bizStep": "packing" if action == "ADD" else "unpacking",
            "disposition": "in_progress", "readPoint": {"id": site}, "bizLocation": {"id": site},
        }

    # distribution ------------------------------------------------------------------------

    def _distribution(self) -> Iterator[Owned]:
        recipe, batch = self.recipe, self.batch
        moment = self.start + timedelta(days=4)
        shop = f"{DL}/414/{recipe.gln(5)}"
        per_pallet = recipe.cases_per_pallet
        for index, pallet in enumerate(batch.pallets):
            yield from self._handover("processor", "distributor", pallet, None, moment)
            yield from self._handover("distributor", "retailer", pallet, None,
                                      moment + timedelta(days=2))
            unpacked = moment + timedelta(days=3)
            cases = batch.cases[index * per_pallet:(index + 1) * per_pallet]
            yield "retailer", self._packing_event(pallet, cases, shop, unpacked, "DELETE")
            for number, case in enumerate(cases):
                start = (index * per_pallet + number) * recipe.units_per_case
                yield "retailer", self._packing_event(
                    case, batch.units[start:start + recipe.units_per_case], shop,
                    unpacked + timedelta(hours=1), "DELETE")
