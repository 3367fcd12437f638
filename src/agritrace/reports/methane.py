"""Rice methane per plot and season, IPCC 2019 Refinement Tier 1 (Vol. 4, ch. 5.5).

    EF  = EFc × SFw × SFp × SFo                 kg CH4 / ha / day
    SFo = (1 + Σ ROAi × CFOAi) ^ 0.59           ROA in t/ha
    CH4 = EF × t × A                            kg per season (t days, A ha)

The factor tables and their error ranges live in ``data/ipcc2019_rice.json`` with their source.
Every result carries a low–high interval next to the point value: the low end multiplies the low
ends of every factor's range, the high end the high ends. That is a deliberately wide,
worst-case bracket (it treats the ranges as fully correlated), not a 95 % interval; a Monte
Carlo over the same table would give a narrower one.

CO2e uses the GWP100 of non-fossil CH4 from IPCC AR6 (27.0) by default; ``gwp="AR5"`` gives 28.

A season without the data an estimate needs gives :class:`NotEnoughData` naming what is
missing, never a number. Amounts are unit-checked (t/ha against kg/ha).

>>> [round(sfo([Amendment(kind, 5.0)]).value, 2) for kind in ("straw_lt30", "straw_gt30")]
[2.88, 1.48]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from agritrace.web.i18n import format_amount

WATER_REGIMES = ("continuously_flooded", "single_drainage", "multiple_drainage",
                 "regular_rainfed", "drought_prone", "deep_water", "upland")
DRAINED = ("single_drainage", "multiple_drainage")
PRE_SEASON = ("non_flooded_lt180", "non_flooded_gt180", "flooded_gt30", "non_flooded_gt365")
AMENDMENTS = ("straw_lt30", "straw_gt30", "compost", "farmyard_manure", "green_manure")
AERATION_MIN_DAYS = 3
PRE_HARVEST_DRAIN_DAYS = 21
MAX_T_PER_HA = 30.0
SEASON_DAYS = (50, 250)


@dataclass(frozen=True)
class Interval:
    """A point value with a low–high range; all quantities here are non-negative.

    >>> Interval(2.0, 1.0, 3.0) * Interval(10.0, 5.0, 20.0)
    Interval(value=20.0, low=5.0, high=60.0)
    """

    value: float
    low: float
    high: float

    def __mul__(self, other: Interval | float) -> Interval:
        if isinstance(other, Interval):
            return Interval(self.value * other.value, self.low * other.low,
                            self.high * other.high)
        return Interval(self.value * other, self.low * other, self.high * other)

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.value + other.value, self.low + other.low, self.high + other.high)

    def complement(self) -> Interval:
        """``1 − x``, with the ends swapped so that low stays low."""
        return Interval(1.0 - self.value, max(0.0, 1.0 - self.high), max(0.0, 1.0 - self.low))

    def as_dict(self, digits: int = 3) -> dict[str, float]:
        return {"value": round(self.value, digits), "low": round(self.low, digits),
                "high": round(self.high, digits)}


ZERO = Interval(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Factors:
    """The IPCC default tables, read from the project's data file."""

    source: str
    efc: dict[str, Interval]
    default_days: dict[str, int]
    sfw: dict[str, Interval]
    sfp: dict[str, Interval]
    cfoa: dict[str, Interval]
    sfo_exponent: float
    gwp: dict[str, float]
    gwp_source: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Factors:
        def table(name: str) -> dict[str, Interval]:
            return {key: Interval(row["value"], row["low"], row["high"])
                    for key, row in data[name].items() if not key.startswith("_")}

        gwp = data["gwp100_ch4"]
        return cls(
            source=data["source"], efc=table("efc_kg_ch4_per_ha_day"),
            default_days={k: int(v) for k, v in data["default_season_days"].items()
                          if not k.startswith("_")},
            sfw=table("sfw"), sfp=table("sfp"), cfoa=table("cfoa"),
            sfo_exponent=float(data["sfo_exponent"]),
            gwp={k: float(v) for k, v in gwp.items() if not k.startswith("_")},
            gwp_source=gwp["_source"])


@cache
def ipcc2019() -> Factors:
    """The tables shipped in ``agritrace/reports/data/ipcc2019_rice.json``."""
    text = resources.files("agritrace.reports").joinpath("data/ipcc2019_rice.json").read_text(
        encoding="utf-8")
    return Factors.from_json(json.loads(text))


@dataclass(frozen=True)
class Amendment:
    """An organic amendment: ``kind`` one of AMENDMENTS, ``amount`` per hectare in ``unit``.

    Straw is dry weight, the others fresh weight (as IPCC Table 5.14 expects).
    """

    kind: str
    amount: float
    unit: str = "t/ha"


@dataclass(frozen=True)
class WaterEntry:
    """A diary entry that changes the water on a plot: ``action`` is "flood" or "drain"."""

    day: date
    action: str


@dataclass(frozen=True)
class PlotSeason:
    """What the diary says about one rice season on one plot.

    ``water_regime`` overrides the regime derived from ``water``; ``amendments=None`` means
    the diary does not say (not the same as an empty tuple: none applied).
    """

    plot: str
    area_ha: float | None
    start: date | None
    end: date | None
    season: str = ""
    cooperative: str = ""
    province: str = ""
    water: tuple[WaterEntry, ...] = ()
    water_regime: str | None = None
    pre_season: str | None = None
    amendments: tuple[Amendment, ...] | None = ()
    region: str = "southeast_asia"


@dataclass(frozen=True)
class SeasonEstimate:
    """The Tier 1 estimate for one plot and season; baseline is continuous flooding."""

    plot: str
    season: str
    cooperative: str
    province: str
    area_ha: float
    days: int
    water_regime: str
    pre_season: str
    ef: Interval
    sfo: Interval
    ch4_kg: Interval
    co2e_t: Interval
    baseline_ch4_kg: Interval
    reduction_ch4_kg: Interval
    reduction_co2e_t: Interval
    gwp: float


@dataclass(frozen=True)
class NotEnoughData:
    """No estimate: what is missing or wrong, said in Vietnamese and English."""

    plot: str
    season: str
    cooperative: str
    province: str
    area_ha: float | None
    missing: tuple[str, ...]
    invalid_vi: tuple[str, ...] = ()
    invalid_en: tuple[str, ...] = ()

    @property
    def message_vi(self) -> str:
        parts = [f"thiếu {', '.join(_MISSING[m][0] for m in self.missing)}"] * bool(self.missing)
        return f"Thửa {self.plot}: không đủ dữ liệu: " + "; ".join([*parts, *self.invalid_vi])

    @property
    def message_en(self) -> str:
        parts = [f"missing {', '.join(_MISSING[m][1] for m in self.missing)}"] * bool(self.missing)
        return f"Plot {self.plot}: not enough data: " + "; ".join([*parts, *self.invalid_en])


_MISSING = {
    "area": ("diện tích thửa", "the plot area"),
    "season_dates": ("ngày gieo cấy và ngày thu hoạch", "the sowing and harvest dates"),
    "water_entries": ("nhật ký tưới và rút nước", "the irrigation and drainage entries"),
    "pre_season": ("tình trạng nước trước vụ", "the pre-season water status"),
    "amendments": ("ghi chép bón hữu cơ (rơm, phân chuồng…)",
                   "the organic amendments (straw, manure…)"),
}


def derive_water_regime(start: date, end: date, water: Iterable[WaterEntry]) -> str | None:
    """The season's water regime from its irrigation ("flood") and drainage ("drain") entries.

    The rule, after IPCC 2019 Table 5.12's definitions:

    * only entries from ``start`` to ``end`` (sowing/transplanting to harvest) count;
    * a dry spell runs from a "drain" entry to the next "flood" entry; it is an *aeration*
      when it lasts more than 3 days;
    * a last drain not followed by a flood is the pre-harvest drainage, allowed under
      continuous flooding ("may dry only for harvest"), when it falls within 21 days of
      harvest; an earlier one is an aeration;
    * no aeration: continuously flooded; one: single drainage; two or more: multiple
      drainage (this is where alternate wetting and drying falls);
    * a season with no "flood" entry at all cannot be classified (it may be rainfed or
      upland): None, so the caller reports missing data rather than guess.

    >>> derive_water_regime(date(2025, 1, 1), date(2025, 4, 11), [
    ...     WaterEntry(date(2025, 1, 1), "flood"), WaterEntry(date(2025, 4, 1), "drain")])
    'continuously_flooded'
    """
    entries = sorted((e for e in water if start <= e.day <= end), key=lambda e: e.day)
    if not any(e.action == "flood" for e in entries):
        return None
    aerations, dry_since = 0, None
    for entry in entries:
        if entry.action == "drain" and dry_since is None:
            dry_since = entry.day
        elif entry.action == "flood" and dry_since is not None:
            aerations += (entry.day - dry_since).days > AERATION_MIN_DAYS
            dry_since = None
    if dry_since is not None and (end - dry_since).days > PRE_HARVEST_DRAIN_DAYS:
        aerations += 1
    return ("continuously_flooded", "single_drainage", "multiple_drainage")[min(aerations, 2)]


def sfo(amendments: Iterable[Amendment], factors: Factors | None = None) -> Interval:
    """SFo = (1 + Σ ROAi × CFOAi)^0.59, ROA in t/ha (amounts in kg/ha are converted)."""
    tables = factors or ipcc2019()
    total = ZERO
    for amendment in amendments:
        total = total + tables.cfoa[amendment.kind] * _t_per_ha(amendment)
    power = tables.sfo_exponent
    return Interval((1 + total.value) ** power, (1 + total.low) ** power,
                    (1 + total.high) ** power)


def estimate(
    season: PlotSeason, *, factors: Factors | None = None, gwp: str = "AR6",
) -> SeasonEstimate | NotEnoughData:
    """The season's CH4, CO2e, continuous-flooding baseline and reduction, or what is missing."""
    tables = factors or ipcc2019()
    missing, invalid = _missing(season), _invalid(season, tables)
    regime = season.water_regime
    if regime is None and season.start is not None and season.end is not None:
        regime = derive_water_regime(season.start, season.end, season.water)
    if regime is None and "season_dates" not in missing:
        missing.append("water_entries")
    if missing or invalid:
        return NotEnoughData(season.plot, season.season, season.cooperative, season.province,
                             season.area_ha, tuple(missing), tuple(v for v, _ in invalid),
                             tuple(e for _, e in invalid))
    assert season.start and season.end and season.area_ha and season.pre_season and regime
    days = (season.end - season.start).days
    organic = sfo(season.amendments or (), tables)
    common = tables.efc[season.region] * tables.sfp[season.pre_season] * organic
    per_season = common * float(days) * season.area_ha
    ch4 = per_season * tables.sfw[regime]
    # The baseline shares EFc, SFp and SFo with the practice, so only SFw's range is its own;
    # the baseline's SFw is 1 by definition, and a continuously flooded season saves nothing.
    saved = ZERO if regime == "continuously_flooded" else tables.sfw[regime].complement()
    reduction = per_season * saved
    factor = tables.gwp[gwp] / 1000.0
    return SeasonEstimate(
        plot=season.plot, season=season.season, cooperative=season.cooperative,
        province=season.province, area_ha=season.area_ha, days=days, water_regime=regime,
        pre_season=season.pre_season, ef=common * tables.sfw[regime], sfo=organic,
        ch4_kg=ch4, co2e_t=ch4 * factor,
        baseline_ch4_kg=per_season * tables.sfw["continuously_flooded"],
        reduction_ch4_kg=reduction, reduction_co2e_t=reduction * factor, gwp=tables.gwp[gwp])


def _missing(season: PlotSeason) -> list[str]:
    missing = []
    if season.area_ha is None:
        missing.append("area")
    if season.start is None or season.end is None:
        missing.append("season_dates")
    if season.pre_season is None:
        missing.append("pre_season")
    if season.amendments is None:
        missing.append("amendments")
    return missing


def _invalid(season: PlotSeason, tables: Factors) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if season.area_ha is not None and season.area_ha <= 0:
        out.append((f"diện tích {format_amount(season.area_ha, 'vi')} ha phải lớn hơn 0",
                    f"the area {format_amount(season.area_ha, 'en')} ha must be more than 0"))
    if season.start is not None and season.end is not None:
        days = (season.end - season.start).days
        if not SEASON_DAYS[0] <= days <= SEASON_DAYS[1]:
            out.append((f"vụ dài {days} ngày, ngoài khoảng {SEASON_DAYS[0]}–{SEASON_DAYS[1]} "
                        "ngày của cây lúa; kiểm tra ngày gieo cấy và thu hoạch",
                        f"the season lasts {days} days, outside rice's {SEASON_DAYS[0]}–"
                        f"{SEASON_DAYS[1]} days; check the sowing and harvest dates"))
    for name, value, allowed in (("water regime", season.water_regime, tables.sfw),
                                 ("pre-season water status", season.pre_season, tables.sfp),
                                 ("region", season.region, tables.efc)):
        if value is not None and value not in allowed:
            out.append((f"giá trị '{value}' không hợp lệ cho {name}",
                        f"'{value}' is not a known {name} (expected one of "
                        f"{', '.join(sorted(allowed))})"))
    for amendment in season.amendments or ():
        out.extend(_amendment_problems(amendment, tables))
    return out


def _amendment_problems(amendment: Amendment, tables: Factors) -> list[tuple[str, str]]:
    kind, amount, unit = amendment.kind, amendment.amount, amendment.unit
    if kind not in tables.cfoa:
        return [(f"loại bón hữu cơ '{kind}' không rõ",
                 f"unknown organic amendment '{kind}' (expected one of {', '.join(AMENDMENTS)})")]
    if unit not in ("t/ha", "kg/ha"):
        return [(f"đơn vị '{unit}' của {kind} phải là t/ha hoặc kg/ha",
                 f"the unit '{unit}' of {kind} must be t/ha or kg/ha")]
    vi, en = format_amount(amount, "vi"), format_amount(amount, "en")
    if amount < 0:
        return [(f"lượng {kind} {vi} {unit} không được âm",
                 f"the amount of {kind} {en} {unit} cannot be negative")]
    if _t_per_ha(amendment) > MAX_T_PER_HA:
        return [(f"{kind} {vi} {unit} lớn bất thường (quá {format_amount(MAX_T_PER_HA, 'vi')} "
                 "t/ha); có phải đã nhập kg/ha thành t/ha?",
                 f"{kind} {en} {unit} is implausibly large (over "
                 f"{format_amount(MAX_T_PER_HA, 'en')} t/ha); was kg/ha entered as t/ha?")]
    if unit == "kg/ha" and 0 < amount < MAX_T_PER_HA:
        return [(f"{kind} {vi} kg/ha nhỏ bất thường; có phải là {vi} t/ha?",
                 f"{kind} {en} kg/ha is implausibly small; did you mean {en} t/ha?")]
    return []


def _t_per_ha(amendment: Amendment) -> float:
    return amendment.amount / 1000.0 if amendment.unit == "kg/ha" else amendment.amount


@dataclass(frozen=True)
class GroupTotal:
    """Totals for a cooperative or a province; shares are of the area with an estimate."""

    key: str
    seasons: int
    area_ha: float
    estimated_area_ha: float
    ch4_kg: Interval
    co2e_t: Interval
    baseline_co2e_t: Interval
    reduction_co2e_t: Interval
    awd_area_ha: float
    drained_area_ha: float
    not_enough_data: tuple[str, ...]

    @property
    def awd_share(self) -> float | None:
        """Share of the estimated area under multiple drainage (AWD)."""
        return self.awd_area_ha / self.estimated_area_ha if self.estimated_area_ha else None

    @property
    def drained_share(self) -> float | None:
        """Share under single or multiple drainage (the water-saving practices of 1490)."""
        return self.drained_area_ha / self.estimated_area_ha if self.estimated_area_ha else None


def totals(
    results: Sequence[SeasonEstimate | NotEnoughData],
    by: str | Callable[[SeasonEstimate | NotEnoughData], str] = "cooperative",
) -> list[GroupTotal]:
    """Sum estimates per ``by`` ("cooperative", "province" or a key function), sorted by key.

    Intervals add end to end (low with low), in keeping with the worst-case bracket.
    """
    key_of = (lambda r: str(getattr(r, by))) if isinstance(by, str) else by
    groups: dict[str, list[SeasonEstimate | NotEnoughData]] = {}
    for result in results:
        groups.setdefault(key_of(result), []).append(result)
    return [_total(key, groups[key]) for key in sorted(groups)]


def _total(key: str, results: list[SeasonEstimate | NotEnoughData]) -> GroupTotal:
    done = [r for r in results if isinstance(r, SeasonEstimate)]
    ch4 = co2e = baseline = reduction = ZERO
    for r in done:
        ch4, co2e = ch4 + r.ch4_kg, co2e + r.co2e_t
        baseline = baseline + r.baseline_ch4_kg * (r.gwp / 1000.0)
        reduction = reduction + r.reduction_co2e_t
    return GroupTotal(
        key=key, seasons=len(results),
        area_ha=sum(r.area_ha or 0.0 for r in results),
        estimated_area_ha=sum(r.area_ha for r in done),
        ch4_kg=ch4, co2e_t=co2e, baseline_co2e_t=baseline, reduction_co2e_t=reduction,
        awd_area_ha=sum(r.area_ha for r in done if r.water_regime == "multiple_drainage"),
        drained_area_ha=sum(r.area_ha for r in done if r.water_regime in DRAINED),
        not_enough_data=tuple(r.plot for r in results if isinstance(r, NotEnoughData)))


def pre_season_status(dry_days: int | None, flooded_days: int = 0) -> str | None:
    """Table 5.13's class from the days before the season: flooded more than 30 days wins.

    >>> [pre_season_status(40), pre_season_status(200), pre_season_status(400)]
    ['non_flooded_lt180', 'non_flooded_gt180', 'non_flooded_gt365']
    >>> pre_season_status(5, flooded_days=45)
    'flooded_gt30'
    """
    if flooded_days > 30:
        return "flooded_gt30"
    if dry_days is None:
        return None
    if dry_days > 365:
        return "non_flooded_gt365"
    return "non_flooded_gt180" if dry_days > 180 else "non_flooded_lt180"
