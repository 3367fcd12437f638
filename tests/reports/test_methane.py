"""Rice CH4, IPCC 2019 Tier 1: hand-computed seasons, the regime rule, missing data, totals."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agritrace.reports.methane import (
    AMENDMENTS,
    PRE_SEASON,
    WATER_REGIMES,
    Amendment,
    NotEnoughData,
    PlotSeason,
    SeasonEstimate,
    WaterEntry,
    derive_water_regime,
    estimate,
    ipcc2019,
    pre_season_status,
    sfo,
    totals,
)

START = date(2025, 12, 1)
END = START + timedelta(days=100)


def day(n: int) -> date:
    return START + timedelta(days=n)


def water(*spells: tuple[str, int]) -> tuple[WaterEntry, ...]:
    return tuple(WaterEntry(day(n), action) for action, n in spells)


# Flooded at transplanting; dry days 20-27 (7 days) and 45-50 (5 days): two aerations; the
# last drain on day 90 is the pre-harvest drainage.
AWD_WATER = water(("flood", 0), ("drain", 20), ("flood", 27), ("drain", 45), ("flood", 50),
                  ("drain", 90))
CF_WATER = water(("flood", 0), ("drain", 90))


def season(plot: str = "L-01", **changes: object) -> PlotSeason:
    fields: dict[str, object] = {
        "plot": plot, "area_ha": 2.0, "start": START, "end": END, "season": "Đông Xuân 2025",
        "cooperative": "HTX Tân Hồng", "province": "Đồng Tháp", "water": CF_WATER,
        "pre_season": "non_flooded_lt180", "amendments": ()}
    fields.update(changes)
    return PlotSeason(**fields)  # type: ignore[arg-type]


def estimated(s: PlotSeason, **options: str) -> SeasonEstimate:
    result = estimate(s, **options)
    assert isinstance(result, SeasonEstimate), result
    return result


# --- the worked checks ----------------------------------------------------------------------


def test_sfo_for_5_t_straw_within_30_days() -> None:
    # (1 + 5 × 1.00)^0.59 = 6^0.59 = 2.878; range (1 + 5 × 0.85)^0.59 … (1 + 5 × 1.17)^0.59
    factor = sfo([Amendment("straw_lt30", 5.0)])
    assert round(factor.value, 2) == 2.88
    assert (factor.low, factor.high) == pytest.approx((2.6601, 3.1121), abs=1e-4)


def test_sfo_for_5_t_straw_beyond_30_days() -> None:
    # (1 + 5 × 0.19)^0.59 = 1.95^0.59 = 1.483; range 1.55^0.59 = 1.295 … 2.4^0.59 = 1.676
    factor = sfo([Amendment("straw_gt30", 5.0)])
    assert round(factor.value, 2) == 1.48
    assert (factor.low, factor.high) == pytest.approx((1.2951, 1.6762), abs=1e-4)


def test_sfo_without_amendment_is_one() -> None:
    assert sfo([]).value == sfo([]).low == sfo([]).high == 1.0


def test_continuously_flooded_100_day_season() -> None:
    # EF = 1.22 × 1.00 × 1.00 × 1.00 = 1.22 kg CH4/ha/day (Southeast Asia, no amendment)
    # CH4 = 1.22 × 100 days × 2 ha = 244 kg; CO2e = 244 × 27.0 / 1000 = 6.588 t
    # low  = 0.83 × 0.73 × 0.88 × 200 = 106.6384 kg; high = 1.81 × 1.27 × 1.12 × 200 = 514.9088 kg
    result = estimated(season())
    assert (result.water_regime, result.days) == ("continuously_flooded", 100)
    assert result.ef.value == pytest.approx(1.22)
    assert result.ch4_kg.value == pytest.approx(244.0)
    assert (result.ch4_kg.low, result.ch4_kg.high) == pytest.approx((106.6384, 514.9088))
    assert result.co2e_t.value == pytest.approx(6.588)
    assert result.baseline_ch4_kg == result.ch4_kg
    assert result.reduction_ch4_kg.value == result.reduction_ch4_kg.high == 0.0


def test_awd_100_day_season_and_its_reduction() -> None:
    # EF = 1.22 × 0.55 = 0.671; CH4 = 0.671 × 100 × 2 = 134.2 kg; CO2e = 134.2 × 0.027 = 3.6234 t
    # low  = 0.83 × 0.41 × 0.88 × 200 = 59.8928 kg; high = 1.81 × 0.72 × 1.12 × 200 = 291.9168 kg
    # saved = 1.22 × (1 − 0.55) × 200 = 109.8 kg = 2.9646 t CO2e;
    # range 0.83 × 0.88 × 200 × (1 − 0.72) = 40.9024 … 1.81 × 1.12 × 200 × (1 − 0.41) = 239.2096 kg
    result = estimated(season(water=AWD_WATER))
    assert result.water_regime == "multiple_drainage"
    assert result.ch4_kg.value == pytest.approx(134.2)
    assert (result.ch4_kg.low, result.ch4_kg.high) == pytest.approx((59.8928, 291.9168))
    assert result.co2e_t.value == pytest.approx(3.6234)
    assert result.baseline_ch4_kg.value == pytest.approx(244.0)
    assert result.reduction_ch4_kg.value == pytest.approx(109.8)
    assert (result.reduction_ch4_kg.low, result.reduction_ch4_kg.high) == pytest.approx(
        (40.9024, 239.2096))
    assert result.reduction_co2e_t.value == pytest.approx(2.9646)


def test_straw_pre_season_flooding_and_ar5() -> None:
    # 1.22 × 0.71 × 2.41 × 2.878 × 100 × 1 ha = 600.8 kg; × 28 / 1000 = 16.82 t CO2e (AR5)
    result = estimated(season(
        area_ha=1.0, water_regime="single_drainage", pre_season="flooded_gt30",
        amendments=(Amendment("straw_lt30", 5000.0, "kg/ha"),)), gwp="AR5")
    assert result.ch4_kg.value == pytest.approx(1.22 * 0.71 * 2.41 * 6**0.59 * 100)
    assert result.ch4_kg.value == pytest.approx(600.8, abs=0.1)
    assert result.co2e_t.value == pytest.approx(16.82, abs=0.01)
    assert result.gwp == 28.0


# --- water regime from the diary ------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "regime"),
    [
        (CF_WATER, "continuously_flooded"),
        (water(("flood", 0)), "continuously_flooded"),
        (water(("flood", 0), ("drain", 30), ("flood", 33)), "continuously_flooded"),  # 3 days
        (water(("flood", 0), ("drain", 30), ("flood", 34)), "single_drainage"),  # 4 days
        (water(("flood", 0), ("drain", 30), ("drain", 32), ("flood", 36)), "single_drainage"),
        (water(("flood", 0), ("drain", 70)), "single_drainage"),  # 30 days before harvest
        (water(("flood", 0), ("drain", 79)), "continuously_flooded"),  # 21 days before
        (AWD_WATER, "multiple_drainage"),
        (water(("drain", -20), ("flood", 0), ("drain", 90)), "continuously_flooded"),
        (water(("drain", 10)), None),
        ((), None),
    ],
)
def test_derive_water_regime(entries: tuple[WaterEntry, ...], regime: str | None) -> None:
    assert derive_water_regime(START, END, entries) == regime


@given(st.lists(st.tuples(st.integers(1, 75), st.integers(4, 10)), max_size=6))
def test_each_aeration_moves_the_regime_towards_multiple_drainage(
    spells: list[tuple[int, int]],
) -> None:
    entries = [WaterEntry(day(0), "flood")]
    spells = sorted(spells)
    kept = 0
    for begin, length in spells:
        if begin <= entries[-1].day.toordinal() - START.toordinal():
            continue
        entries += [WaterEntry(day(begin), "drain"), WaterEntry(day(begin + length), "flood")]
        kept += 1
    expected = ("continuously_flooded", "single_drainage", "multiple_drainage")[min(kept, 2)]
    assert derive_water_regime(START, END, entries) == expected
    with_harvest_drain = [*entries, WaterEntry(day(95), "drain")]
    assert derive_water_regime(START, END, with_harvest_drain) == expected


# --- never a made-up number -----------------------------------------------------------------


def test_plot_without_a_diary_gets_not_enough_data() -> None:
    result = estimate(season(start=None, end=None, water=(), pre_season=None))
    assert isinstance(result, NotEnoughData)
    assert result.missing == ("season_dates", "pre_season")
    assert result.message_en == ("Plot L-01: not enough data: missing the sowing and harvest "
                                 "dates, the pre-season water status")
    assert result.message_vi == ("Thửa L-01: không đủ dữ liệu: thiếu ngày gieo cấy và ngày thu "
                                 "hoạch, tình trạng nước trước vụ")


def test_missing_water_entries_area_and_unknown_amendments() -> None:
    result = estimate(season(water=(), area_ha=None, amendments=None))
    assert isinstance(result, NotEnoughData)
    assert result.missing == ("area", "amendments", "water_entries")


@pytest.mark.parametrize(
    ("amendment", "text"),
    [
        (Amendment("straw_lt30", 5000.0), "straw_lt30 5,000 t/ha is implausibly large"),
        (Amendment("compost", 5.0, "kg/ha"), "did you mean 5 t/ha?"),
        (Amendment("straw_lt30", -1.0), "cannot be negative"),
        (Amendment("straw_lt30", 5.0, "bao/sào"), "must be t/ha or kg/ha"),
        (Amendment("ash", 1.0), "unknown organic amendment 'ash'"),
    ],
)
def test_amendment_units_are_checked(amendment: Amendment, text: str) -> None:
    result = estimate(season(amendments=(amendment,)))
    assert isinstance(result, NotEnoughData) and result.missing == ()
    assert text in result.message_en
    assert result.message_vi.startswith("Thửa L-01: không đủ dữ liệu: ")


def test_kg_per_ha_is_converted() -> None:
    in_kg = estimated(season(amendments=(Amendment("farmyard_manure", 8000.0, "kg/ha"),)))
    in_t = estimated(season(amendments=(Amendment("farmyard_manure", 8.0),)))
    assert in_kg.sfo == in_t.sfo
    assert in_t.sfo.value == pytest.approx((1 + 8 * 0.21) ** 0.59)


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"end": START + timedelta(days=20)}, "the season lasts 20 days"),
        ({"area_ha": 0.0}, "the area 0 ha must be more than 0"),
        ({"water_regime": "flooded"}, "'flooded' is not a known water regime"),
        ({"pre_season": "wet"}, "'wet' is not a known pre-season water status"),
    ],
)
def test_implausible_inputs_are_refused(changes: dict[str, object], text: str) -> None:
    result = estimate(season(**changes))
    assert isinstance(result, NotEnoughData)
    assert text in result.message_en


# --- totals ---------------------------------------------------------------------------------


def test_totals_per_cooperative_and_province() -> None:
    results = [
        estimate(season("L-01")),
        estimate(season("L-02", water=AWD_WATER)),
        estimate(season("L-03", water=())),
        estimate(season("M-01", cooperative="HTX Mỹ An", area_ha=1.0, water=AWD_WATER)),
    ]
    by_coop = {t.key: t for t in totals(results)}
    tan_hong = by_coop["HTX Tân Hồng"]
    assert (tan_hong.seasons, tan_hong.area_ha, tan_hong.estimated_area_ha) == (3, 6.0, 4.0)
    assert tan_hong.ch4_kg.value == pytest.approx(244.0 + 134.2)
    assert tan_hong.ch4_kg.low == pytest.approx(106.6384 + 59.8928)
    assert tan_hong.reduction_co2e_t.value == pytest.approx(2.9646)
    assert tan_hong.baseline_co2e_t.value == pytest.approx(2 * 6.588)
    assert tan_hong.awd_share == pytest.approx(0.5)
    assert tan_hong.not_enough_data == ("L-03",)
    assert by_coop["HTX Mỹ An"].awd_share == 1.0
    [province] = totals(results, by="province")
    assert province.key == "Đồng Tháp" and province.estimated_area_ha == 5.0
    assert province.ch4_kg.value == pytest.approx(244.0 + 134.2 + 67.1)
    assert province.awd_share == pytest.approx(3 / 5)
    assert province.drained_share == pytest.approx(3 / 5)


def test_group_with_no_estimate_has_no_share() -> None:
    [total] = totals([estimate(season(water=()))])
    assert total.awd_share is None and total.ch4_kg.value == 0.0


# --- the factor table -----------------------------------------------------------------------


def test_factor_table_names_its_source_and_matches_the_2019_values() -> None:
    tables = ipcc2019()
    assert "2019 Refinement" in tables.source and "Table" in tables.source
    assert (tables.efc["world"].value, tables.efc["southeast_asia"].value) == (1.19, 1.22)
    assert (tables.default_days["world"], tables.default_days["southeast_asia"]) == (113, 102)
    assert {k: v.value for k, v in tables.sfw.items()} == {
        "continuously_flooded": 1.00, "single_drainage": 0.71, "multiple_drainage": 0.55,
        "regular_rainfed": 0.54, "drought_prone": 0.16, "deep_water": 0.06, "upland": 0.0}
    assert {k: v.value for k, v in tables.sfp.items()} == {
        "non_flooded_lt180": 1.00, "non_flooded_gt180": 0.89, "flooded_gt30": 2.41,
        "non_flooded_gt365": 0.59}
    assert {k: v.value for k, v in tables.cfoa.items()} == {
        "straw_lt30": 1.00, "straw_gt30": 0.19, "compost": 0.17, "farmyard_manure": 0.21,
        "green_manure": 0.45}
    assert tables.gwp == {"AR6": 27.0, "AR5": 28.0}


def test_every_vocabulary_word_has_a_factor_and_every_range_brackets_its_value() -> None:
    tables = ipcc2019()
    assert set(tables.sfw) == set(WATER_REGIMES)
    assert set(tables.sfp) == set(PRE_SEASON)
    assert set(tables.cfoa) == set(AMENDMENTS)
    for table in (tables.efc, tables.sfw, tables.sfp, tables.cfoa):
        for factor in table.values():
            assert factor.low <= factor.value <= factor.high


def test_the_data_file_ships_inside_the_package() -> None:
    path = resources.files("agritrace.reports").joinpath("data/ipcc2019_rice.json")
    assert json.loads(path.read_text(encoding="utf-8"))["sfo_exponent"] == 0.59


@pytest.mark.parametrize(
    ("dry", "flooded", "status"),
    [(0, 0, "non_flooded_lt180"), (180, 0, "non_flooded_lt180"), (181, 0, "non_flooded_gt180"),
     (365, 0, "non_flooded_gt180"), (366, 0, "non_flooded_gt365"), (10, 30, "non_flooded_lt180"),
     (10, 31, "flooded_gt30"), (None, 0, None)],
)
def test_pre_season_status(dry: int | None, flooded: int, status: str | None) -> None:
    assert pre_season_status(dry, flooded) == status
