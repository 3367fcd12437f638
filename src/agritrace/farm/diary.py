"""The farming diary: one frozen, validated value per thing a farmer did or saw on a plot.

Every entry names its plot (a URI), its season (a URI), the day it happened and who recorded
it. An entry that exists is valid: construction checks each field and raises one
:class:`~agritrace.errors.ValidationException` listing every wrong field, each as a
:class:`~agritrace.errors.Problem` whose path is ``<kind>.<field>``.

Dates may not lie in the future (judged by the calendar in Vietnam, UTC+7, where the farmer
is), nor before the season's sowing or planting date when ``sown_on`` is known - except for the
work that naturally comes first (land preparation, organic amendments, water management, basal
fertilizer, burndown spraying).

>>> from datetime import date
>>> entry = Fertilizing(plot_id="urn:epc:id:sgln:8930000.00012.P7",
...     season_id="https://agritrace.org/id/season/HTX-2026-P7", on=date(2026, 3, 2),
...     recorded_by="member:42", product="Urea Phú Mỹ", amount=100, unit="kg/ha",
...     n_percent=46.3)
>>> entry.kind.value, entry.n_kg_per_ha
('fertilizing', 46.3)
>>> Fertilizing(plot_id="P7", season_id="S1", on=date(2026, 3, 2), recorded_by="x",
...     product="Urea", amount=-5, unit="kg/ha")
Traceback (most recent call last):
...
agritrace.errors.ValidationException: The fertilizing entry is not valid
  - fertilizing.plot_id: expected the plot's identifier as a URI (scheme:...), found 'P7'
  - fertilizing.season_id: expected the season's identifier as a URI (scheme:...), found 'S1'
  - fertilizing.amount: expected an amount above 0 and at most 5000 kg/ha, found -5
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import ClassVar

from agritrace.errors import Problem, ValidationException
from agritrace.vietnam_time import vietnam_now
from agritrace.web.i18n import expect

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")

# Largest believable value per unit; anything above is a typing slip (or the wrong unit).
FERTILIZER_UNITS: dict[str, float] = {"kg/ha": 5_000, "t/ha": 50, "l/ha": 2_000}
# Granules (carbofuran-type products) go on at tens of kg/ha; sprays at a few l or kg.
DOSE_UNITS: dict[str, float] = {"l/ha": 20, "ml/ha": 20_000, "kg/ha": 100, "g/ha": 100_000}
AMENDMENT_UNITS: dict[str, float] = {"t/ha": 50, "kg/ha": 50_000}
HARVEST_UNITS: dict[str, float] = {"kg": 5_000_000, "t": 5_000}
FEED_UNITS: dict[str, float] = {"kg": 1_000_000, "t": 1_000}
# Veterinary doses: per head, per kg of body weight, per tonne or kg of feed, per m3 of water
# (a bath in a pond); the highest believable value of each.
DRUG_DOSE_UNITS: dict[str, float] = {"ml/head": 100, "mg/kg": 500, "g/t": 10_000,
                                     "g/kg": 100, "g/m3": 500, "ml/m3": 500}
MAX_ANIMALS = 50_000_000  # post-larvae are stocked by the hundred thousand
# An individually tagged animal: its ear tag as a GIAI or a serialized GTIN (EPC URN or GS1
# Digital Link), so MATCH_epc=<tag> finds every entry that names it.
_ANIMAL_TAG = re.compile(r"urn:epc:id:(giai|sgtin):[!-~]+"
                         r"|https://[^/\s]+/(8004/[!-~]+|01/\d{14}/21/[!-~]+)")
MAX_WITHDRAWAL_DAYS = 500
MAX_SEED_KG_PER_HA = 500.0
MAX_PLANTS_PER_HA = 2_000_000
MAX_PHI_DAYS = 365
MAX_YIELD_T_PER_HA = 150.0


class EntryKind(StrEnum):
    LAND_PREPARATION = "land_preparation"
    SOWING = "sowing"
    FERTILIZING = "fertilizing"
    SPRAYING = "spraying"
    WATER = "water"
    ORGANIC_AMENDMENT = "organic_amendment"
    PEST_OBSERVATION = "pest_observation"
    OTHER_CARE = "other_care"
    HARVEST = "harvest"
    # Livestock and aquaculture (issue 17): the place is a barn, pond or cage, the "season" a
    # herd, batch or crop cycle.
    STOCKING = "stocking"
    FEEDING = "feeding"
    VACCINATION = "vaccination"
    TREATMENT = "treatment"
    DISEASE_OBSERVATION = "disease_observation"
    MORTALITY = "mortality"
    MOVEMENT = "movement"
    WATER_QUALITY = "water_quality"
    ANIMAL_SALE = "animal_sale"


class WaterAction(StrEnum):
    """What happened to the water on the plot; rice methane needs flooded and drained spans."""

    IRRIGATE = "irrigate"
    FLOOD = "flood"
    DRAIN = "drain"


class TreatmentPurpose(StrEnum):
    """Why a drug was given: antibiotics may treat a sick animal, not prevent disease."""

    TREATMENT = "treatment"
    PROPHYLAXIS = "prophylaxis"


class AmendmentMaterial(StrEnum):
    """Organic amendments as the IPCC 2019 rice methane method distinguishes them."""

    STRAW = "straw"
    COMPOST = "compost"
    FARMYARD_MANURE = "farmyard_manure"
    GREEN_MANURE = "green_manure"


def vietnam_today() -> date:
    """Today's date on a farm in Vietnam, whatever the server's own time zone."""
    return vietnam_now().date()


class _Checks:
    """Collects the problems of one entry so that all are reported at once."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.problems: list[Problem] = []

    def fail(self, name: str, key: str, found: object, *, shown: str | None = None,
             **params: object) -> None:
        """``key`` names the expectation in the message catalogue (texts_problems)."""
        self.problems.append(expect(f"{self.kind}.{name}", key, found, shown=shown, **params))

    def text(self, name: str, value: str, key: str) -> None:
        if not value.strip():
            self.fail(name, key, value)

    def amount(self, name: str, value: float, unit: str, limits: dict[str, float]) -> None:
        if unit not in limits:
            self.fail(f"{name}_unit" if name != "amount" else "unit", "expect_one_of", unit,
                      choices=", ".join(limits))
            return
        if not value > 0 or value > limits[unit]:
            other = _other_unit(value, unit, limits)
            if other is None:
                self.fail(name, "expect_amount", value, high=limits[unit], unit=unit)
            else:
                self.fail(name, "expect_amount_or", value, high=limits[unit], unit=unit,
                          value=value, other=other)

    def bounded(self, name: str, value: float | None, low: float, high: float, key: str) -> None:
        if value is not None and not low <= value <= high:
            self.fail(name, key, value, low=low, high=high)

    def animals(self, tags: tuple[str, ...]) -> None:
        for index, tag in enumerate(tags):
            if not _ANIMAL_TAG.fullmatch(tag):
                self.fail(f"animals[{index}]", "expect_animal_tag", tag)

    def count(self, name: str, value: int | None) -> None:
        if value is not None and not 0 < value <= MAX_ANIMALS:
            self.fail(name, "expect_animal_count", value, high=MAX_ANIMALS)


def _other_unit(value: float, unit: str, limits: dict[str, float]) -> str | None:
    """The unit the value was probably meant in (5000 t/ha is 5000 kg/ha)."""
    for other, high in limits.items():
        if other != unit and 0 < value <= high and _dimension(other) == _dimension(unit):
            return other
    return None


def _dimension(unit: str) -> str:
    return "volume" if unit.split("/")[0] in ("l", "ml") else "mass"


@dataclass(frozen=True, kw_only=True)
class _Entry:
    """What every diary entry has: where, which season, when, who."""

    plot_id: str
    season_id: str
    on: date
    recorded_by: str
    sown_on: date | None = None
    at: time | None = None
    note: str = ""

    kind: ClassVar[EntryKind]
    # Work that belongs before sowing by nature may carry an earlier date.
    may_precede_sowing: ClassVar[bool] = False

    def __post_init__(self) -> None:
        checks = _Checks(self.kind.value)
        self._check_common(checks)
        self._check(checks)
        if checks.problems:
            raise ValidationException(f"The {self.kind.value} entry is not valid", checks.problems)

    def _check_common(self, checks: _Checks) -> None:
        if not _URI.match(self.plot_id):
            checks.fail("plot_id", "expect_plot_uri", self.plot_id)
        if not _URI.match(self.season_id):
            checks.fail("season_id", "expect_season_uri", self.season_id)
        checks.text("recorded_by", self.recorded_by, "expect_recorded_by")
        today = vietnam_today()
        if self.on > today:
            checks.fail("on", "expect_not_after_today", None, shown=self.on.isoformat(),
                        today=today)
        if self.sown_on is not None:
            if self.sown_on > today:
                checks.fail("sown_on", "expect_not_after_today", None,
                            shown=self.sown_on.isoformat(), today=today)
            if self.on < self.sown_on and not self.may_precede_sowing:
                checks.fail("on", "expect_after_sowing", None, shown=self.on.isoformat(),
                            sown_on=self.sown_on)

    def _check(self, checks: _Checks) -> None:
        """The checks of one kind's own fields."""


@dataclass(frozen=True, kw_only=True)
class LandPreparation(_Entry):
    method: str = "ploughing"
    kind: ClassVar[EntryKind] = EntryKind.LAND_PREPARATION
    may_precede_sowing: ClassVar[bool] = True

    def _check(self, checks: _Checks) -> None:
        checks.text("method", self.method, "expect_land_method")


@dataclass(frozen=True, kw_only=True)
class Sowing(_Entry):
    """Sowing seed or planting seedlings; opens the season's crop."""

    variety: str
    seed_kg_per_ha: float | None = None
    plants_per_ha: int | None = None
    method: str = "sowing"
    kind: ClassVar[EntryKind] = EntryKind.SOWING
    may_precede_sowing: ClassVar[bool] = True

    def _check(self, checks: _Checks) -> None:
        checks.text("variety", self.variety, "expect_variety")
        if self.seed_kg_per_ha is not None and not 0 < self.seed_kg_per_ha <= MAX_SEED_KG_PER_HA:
            checks.fail("seed_kg_per_ha", "expect_seed_amount", self.seed_kg_per_ha,
                        high=MAX_SEED_KG_PER_HA)
        if self.plants_per_ha is not None and not 0 < self.plants_per_ha <= MAX_PLANTS_PER_HA:
            checks.fail("plants_per_ha", "expect_plant_count", self.plants_per_ha,
                        high=MAX_PLANTS_PER_HA)


@dataclass(frozen=True, kw_only=True)
class Fertilizing(_Entry):
    product: str
    amount: float
    unit: str = "kg/ha"
    n_percent: float | None = None
    kind: ClassVar[EntryKind] = EntryKind.FERTILIZING
    may_precede_sowing: ClassVar[bool] = True  # basal fertilizer goes in before sowing

    def _check(self, checks: _Checks) -> None:
        checks.text("product", self.product, "expect_fertilizer")
        checks.amount("amount", self.amount, self.unit, FERTILIZER_UNITS)
        checks.bounded("n_percent", self.n_percent, 0, 100, "expect_n_percent")

    @property
    def n_kg_per_ha(self) -> float | None:
        """Nitrogen applied, when the amount is a mass and the N content is known."""
        if self.n_percent is None or self.unit == "l/ha":
            return None
        kg = self.amount * (1000 if self.unit == "t/ha" else 1)
        return round(kg * self.n_percent / 100, 6)


@dataclass(frozen=True, kw_only=True)
class Spraying(_Entry):
    """A plant-protection product applied; its active ingredients decide compliance."""

    product: str
    active_ingredients: tuple[str, ...] = ()
    dose: float
    dose_unit: str = "l/ha"
    target_pest: str = ""
    phi_days: int | None = None
    kind: ClassVar[EntryKind] = EntryKind.SPRAYING
    may_precede_sowing: ClassVar[bool] = True  # burndown herbicide, seed treatment

    def _check(self, checks: _Checks) -> None:
        checks.text("product", self.product, "expect_product_name")
        for index, name in enumerate(self.active_ingredients):
            checks.text(f"active_ingredients[{index}]", name, "expect_ingredient")
        checks.amount("dose", self.dose, self.dose_unit, DOSE_UNITS)
        checks.bounded("phi_days", self.phi_days, 0, MAX_PHI_DAYS, "expect_phi_days")


@dataclass(frozen=True, kw_only=True)
class WaterEvent(_Entry):
    """Irrigation, flooding or drainage of the plot from ``on`` (to ``until`` when known).

    ``water_level_cm`` is the level against the soil surface (negative below it): AWD
    re-irrigates at about -15 cm.
    """

    action: WaterAction
    until: date | None = None
    water_level_cm: float | None = None
    kind: ClassVar[EntryKind] = EntryKind.WATER
    may_precede_sowing: ClassVar[bool] = True  # the pre-season water status counts for CH4

    def _check(self, checks: _Checks) -> None:
        _coerce(self, "action", WaterAction, checks)
        if self.until is not None and not self.on <= self.until <= vietnam_today():
            checks.fail("until", "expect_until", None, shown=self.until.isoformat(),
                        start=self.on)
        checks.bounded("water_level_cm", self.water_level_cm, -100, 100, "expect_water_level")


@dataclass(frozen=True, kw_only=True)
class OrganicAmendment(_Entry):
    """Straw, compost, manure or green manure worked into the soil, in t/ha (or kg/ha)."""

    material: AmendmentMaterial
    amount: float
    unit: str = "t/ha"
    days_before_cultivation: int | None = None
    kind: ClassVar[EntryKind] = EntryKind.ORGANIC_AMENDMENT
    may_precede_sowing: ClassVar[bool] = True

    def _check(self, checks: _Checks) -> None:
        _coerce(self, "material", AmendmentMaterial, checks)
        checks.amount("amount", self.amount, self.unit, AMENDMENT_UNITS)
        checks.bounded("days_before_cultivation", self.days_before_cultivation, 0, 365,
                       "expect_days")

    @property
    def t_per_ha(self) -> float:
        return self.amount / 1000 if self.unit == "kg/ha" else self.amount

    @property
    def days_before(self) -> int | None:
        """Days between the amendment and cultivation: as given, else from ``sown_on``."""
        if self.days_before_cultivation is not None:
            return self.days_before_cultivation
        if self.sown_on is not None and self.sown_on >= self.on:
            return (self.sown_on - self.on).days
        return None


@dataclass(frozen=True, kw_only=True)
class PestObservation(_Entry):
    """Pest monitoring: what was looked for and how much was found (nothing found counts)."""

    pest: str
    incidence_percent: float | None = None
    density_per_m2: float | None = None
    kind: ClassVar[EntryKind] = EntryKind.PEST_OBSERVATION

    def _check(self, checks: _Checks) -> None:
        checks.text("pest", self.pest, "expect_pest")
        checks.bounded("incidence_percent", self.incidence_percent, 0, 100, "expect_incidence")
        checks.bounded("density_per_m2", self.density_per_m2, 0, 100_000, "expect_density")


@dataclass(frozen=True, kw_only=True)
class OtherCare(_Entry):
    activity: str
    kind: ClassVar[EntryKind] = EntryKind.OTHER_CARE
    may_precede_sowing: ClassVar[bool] = True  # perennials: pruning before the season opens

    def _check(self, checks: _Checks) -> None:
        checks.text("activity", self.activity, "expect_activity")


@dataclass(frozen=True, kw_only=True)
class Harvest(_Entry):
    """A harvest that opens a lot: ``on`` is the first harvest day, ``until`` the last."""

    quantity: float
    unit: str = "kg"
    lot: str
    gtin: str | None = None
    until: date | None = None
    area_ha: float | None = None
    country_of_origin: str = "VN"
    kind: ClassVar[EntryKind] = EntryKind.HARVEST

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gtin is not None:
            # Kept as GTIN-14, the form Digital Links and EPC classes use.
            object.__setattr__(self, "gtin", self.gtin.zfill(14))

    def _check(self, checks: _Checks) -> None:
        checks.amount("quantity", self.quantity, self.unit, HARVEST_UNITS)
        if not re.fullmatch(r"[!-~]{1,20}", self.lot):
            checks.fail("lot", "expect_lot", self.lot)
        if self.gtin is not None and not _gtin_ok(self.gtin):
            checks.fail("gtin", "expect_gtin", self.gtin)
        if self.until is not None and not self.on <= self.until <= vietnam_today():
            checks.fail("until", "expect_until", None, shown=self.until.isoformat(),
                        start=self.on)
        if not re.fullmatch(r"[A-Z]{2}", self.country_of_origin):
            checks.fail("country_of_origin", "expect_country", self.country_of_origin)
        if self.area_ha is not None:
            self._check_yield(checks, self.area_ha)

    def _check_yield(self, checks: _Checks, area_ha: float) -> None:
        if not 0 < area_ha <= 10_000:
            checks.fail("area_ha", "expect_area_ha", area_ha, high=10_000)
            return
        tonnes = self.quantity / 1000 if self.unit == "kg" else self.quantity
        if tonnes / area_ha > MAX_YIELD_T_PER_HA:
            checks.fail("quantity", "expect_yield", self.quantity,
                        shown=f"{tonnes / area_ha:g} t/ha", high=MAX_YIELD_T_PER_HA,
                        unit=self.unit)

    @property
    def kilograms(self) -> float:
        return self.quantity * 1000 if self.unit == "t" else self.quantity



# --- livestock and aquaculture (issue 17) ----------------------------------------------------
# ``plot_id`` is then the barn, pond or cage and ``season_id`` the herd, batch or crop cycle;
# ``sown_on`` is the day the animals were stocked.


@dataclass(frozen=True, kw_only=True)
class Stocking(_Entry):
    """Animals or seed put into the barn or pond: species, where they came from, how many."""

    species: str
    origin: str
    count: int
    breed: str = ""
    average_weight_g: float | None = None
    animals: tuple[str, ...] = ()  # ear tags, when the animals are tagged
    kind: ClassVar[EntryKind] = EntryKind.STOCKING
    may_precede_sowing: ClassVar[bool] = True

    def _check(self, checks: _Checks) -> None:
        checks.text("species", self.species, "expect_species")
        checks.text("origin", self.origin, "expect_origin")
        checks.count("count", self.count)
        checks.bounded("average_weight_g", self.average_weight_g, 0, 2_000_000,
                       "expect_weight_g")
        checks.animals(self.animals)


@dataclass(frozen=True, kw_only=True)
class Feeding(_Entry):
    """Feed given to the herd or pond; ``active_ingredients`` names what a medicated feed or
    premix adds, which the banned-substance rules read."""

    product: str
    amount: float
    unit: str = "kg"
    batch: str = ""
    active_ingredients: tuple[str, ...] = ()
    kind: ClassVar[EntryKind] = EntryKind.FEEDING

    def _check(self, checks: _Checks) -> None:
        checks.text("product", self.product, "expect_feed")
        checks.amount("amount", self.amount, self.unit, FEED_UNITS)
        for index, name in enumerate(self.active_ingredients):
            checks.text(f"active_ingredients[{index}]", name, "expect_ingredient")


@dataclass(frozen=True, kw_only=True)
class Vaccination(_Entry):
    product: str
    batch: str
    disease: str = ""
    count: int | None = None
    animals: tuple[str, ...] = ()  # ear tags, when the animals are tagged
    kind: ClassVar[EntryKind] = EntryKind.VACCINATION

    def _check(self, checks: _Checks) -> None:
        checks.text("product", self.product, "expect_vaccine")
        checks.text("batch", self.batch, "expect_vaccine_batch")
        checks.count("count", self.count)
        checks.animals(self.animals)


@dataclass(frozen=True, kw_only=True)
class Treatment(_Entry):
    """A veterinary drug given; its active ingredients and purpose decide compliance, its
    withdrawal period (days before slaughter, sale or harvest) the safe date."""

    product: str
    active_ingredients: tuple[str, ...] = ()
    dose: float
    dose_unit: str = "ml/head"
    withdrawal_days: int
    purpose: TreatmentPurpose = TreatmentPurpose.TREATMENT
    disease: str = ""
    count: int | None = None
    animals: tuple[str, ...] = ()  # ear tags, when the animals are tagged
    kind: ClassVar[EntryKind] = EntryKind.TREATMENT

    def _check(self, checks: _Checks) -> None:
        checks.text("product", self.product, "expect_drug")
        for index, name in enumerate(self.active_ingredients):
            checks.text(f"active_ingredients[{index}]", name, "expect_ingredient")
        checks.amount("dose", self.dose, self.dose_unit, DRUG_DOSE_UNITS)
        checks.bounded("withdrawal_days", self.withdrawal_days, 0, MAX_WITHDRAWAL_DAYS,
                       "expect_withdrawal_days")
        _coerce(self, "purpose", TreatmentPurpose, checks)
        checks.count("count", self.count)
        checks.animals(self.animals)


@dataclass(frozen=True, kw_only=True)
class DiseaseObservation(_Entry):
    """Disease monitoring: what was looked for and how many animals showed it (none counts)."""

    disease: str
    affected: int | None = None
    kind: ClassVar[EntryKind] = EntryKind.DISEASE_OBSERVATION

    def _check(self, checks: _Checks) -> None:
        checks.text("disease", self.disease, "expect_disease")
        checks.bounded("affected", self.affected, 0, MAX_ANIMALS, "expect_affected")


@dataclass(frozen=True, kw_only=True)
class Mortality(_Entry):
    count: int
    cause: str = ""
    animals: tuple[str, ...] = ()  # ear tags, when the animals are tagged
    kind: ClassVar[EntryKind] = EntryKind.MORTALITY

    def _check(self, checks: _Checks) -> None:
        checks.count("count", self.count)
        checks.animals(self.animals)


@dataclass(frozen=True, kw_only=True)
class Movement(_Entry):
    """Animals moved from this barn to another farm (``destination``: its place URI)."""

    destination: str
    count: int
    animals: tuple[str, ...] = ()  # ear tags, when the animals are tagged
    kind: ClassVar[EntryKind] = EntryKind.MOVEMENT

    def _check(self, checks: _Checks) -> None:
        if not _URI.match(self.destination):
            checks.fail("destination", "expect_destination_uri", self.destination)
        elif self.destination == self.plot_id:
            checks.fail("destination", "expect_other_place", self.destination)
        checks.count("count", self.count)
        checks.animals(self.animals)


# Water-quality measures: (attribute, lowest, highest, message) - outside is a typing slip.
WATER_MEASURES: tuple[tuple[str, float, float, str], ...] = (
    ("temperature_c", 0, 45, "expect_water_temperature"),
    ("ph", 0, 14, "expect_ph"),
    ("dissolved_oxygen_mg_l", 0, 30, "expect_dissolved_oxygen"),
    ("salinity_ppt", 0, 60, "expect_salinity"),
    ("ammonia_mg_l", 0, 50, "expect_ammonia"),
)


@dataclass(frozen=True, kw_only=True)
class WaterQuality(_Entry):
    """One reading of the pond's water; carried in the event as EPCIS sensor reports."""

    temperature_c: float | None = None
    ph: float | None = None
    dissolved_oxygen_mg_l: float | None = None
    salinity_ppt: float | None = None
    ammonia_mg_l: float | None = None
    kind: ClassVar[EntryKind] = EntryKind.WATER_QUALITY

    def _check(self, checks: _Checks) -> None:
        for name, low, high, key in WATER_MEASURES:
            checks.bounded(name, getattr(self, name), low, high, key)
        if all(getattr(self, name) is None for name, *_ in WATER_MEASURES):
            checks.fail("temperature_c", "expect_water_reading", None, shown="nothing")


@dataclass(frozen=True, kw_only=True)
class AnimalSale(Harvest):
    """Animals sold or slaughtered, opening a lot as a harvest does (live or carcass weight)."""

    head_count: int | None = None
    slaughter: bool = False
    kind: ClassVar[EntryKind] = EntryKind.ANIMAL_SALE

    def _check(self, checks: _Checks) -> None:
        super()._check(checks)
        checks.count("head_count", self.head_count)


def _coerce(entry: _Entry, name: str, choices: type[StrEnum], checks: _Checks) -> None:
    """Accept the plain word ("drain") for an enum field, stored as the enum member."""
    value = getattr(entry, name)
    if isinstance(value, str) and value in {c.value for c in choices}:
        object.__setattr__(entry, name, choices(value))
    else:
        checks.fail(name, "expect_one_of", value, choices=", ".join(c.value for c in choices))


def _gtin_ok(gtin: str) -> bool:
    """GS1 mod-10 check digit.

    >>> _gtin_ok("8934588063060"), _gtin_ok("8934588063061")
    (True, False)
    """
    if not re.fullmatch(r"\d{8}|\d{12,14}", gtin):
        return False
    digits = [int(c) for c in gtin.zfill(14)]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:13]))
    return (10 - total % 10) % 10 == digits[13]


DiaryEntry = (
    LandPreparation | Sowing | Fertilizing | Spraying | WaterEvent | OrganicAmendment
    | PestObservation | OtherCare | Harvest | Stocking | Feeding | Vaccination | Treatment
    | DiseaseObservation | Mortality | Movement | WaterQuality | AnimalSale
)

ENTRY_TYPES: dict[EntryKind, type[_Entry]] = {
    cls.kind: cls
    for cls in (LandPreparation, Sowing, Fertilizing, Spraying, WaterEvent, OrganicAmendment,
                PestObservation, OtherCare, Harvest, Stocking, Feeding, Vaccination, Treatment,
                DiseaseObservation, Mortality, Movement, WaterQuality, AnimalSale)
}

# The kinds that may name tagged animals (their ear tags go in the event's epcList).
TAGGED_KINDS = frozenset({EntryKind.STOCKING, EntryKind.VACCINATION, EntryKind.TREATMENT,
                          EntryKind.MORTALITY, EntryKind.MOVEMENT})
CROP_KINDS: tuple[EntryKind, ...] = (
    EntryKind.LAND_PREPARATION, EntryKind.SOWING, EntryKind.FERTILIZING, EntryKind.SPRAYING,
    EntryKind.WATER, EntryKind.ORGANIC_AMENDMENT, EntryKind.PEST_OBSERVATION,
    EntryKind.OTHER_CARE, EntryKind.HARVEST)
LIVESTOCK_KINDS: tuple[EntryKind, ...] = (
    EntryKind.STOCKING, EntryKind.FEEDING, EntryKind.VACCINATION, EntryKind.TREATMENT,
    EntryKind.DISEASE_OBSERVATION, EntryKind.MORTALITY, EntryKind.MOVEMENT,
    EntryKind.OTHER_CARE, EntryKind.ANIMAL_SALE)
AQUACULTURE_KINDS: tuple[EntryKind, ...] = (
    EntryKind.STOCKING, EntryKind.FEEDING, EntryKind.WATER_QUALITY, EntryKind.TREATMENT,
    EntryKind.DISEASE_OBSERVATION, EntryKind.MORTALITY, EntryKind.OTHER_CARE,
    EntryKind.HARVEST)
# The kinds of diary a place keeps, by the place's kind (a packing house keeps none).
KINDS_BY_PLACE: dict[str, tuple[EntryKind, ...]] = {
    "plot": CROP_KINDS, "barn": LIVESTOCK_KINDS, "pond": AQUACULTURE_KINDS,
    "cage": AQUACULTURE_KINDS,
}

