"""Rice methane from the store: the diary read into IPCC inputs, per plot, season and group."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from agritrace.errors import NoSuchResourceException
from agritrace.farm import diary
from agritrace.farm.places import Place
from agritrace.farm.record import record_entry
from agritrace.farm.seasons import Season
from agritrace.reports.methane import (
    Amendment,
    NotEnoughData,
    SeasonEstimate,
    WaterEntry,
    estimate,
)
from agritrace.reports.methane_store import plot_season, report_as_dict, season_report
from agritrace.reports.rice_demo import load_report_demos
from tests.farm.coop import make_coop
from tests.reports.demo_data import Demo, load

PLOT, SEASON = "urn:epc:id:sgln:8930000.00012.R1", "https://agritrace.org/id/season/R1-2026"
SOWN = date(2026, 1, 5)
PLACE = Place(1, 1, PLOT, "Ruộng 1", "plot", 2.0, None, province="Cần Thơ", crop="rice")
SEASON_ROW = Season(1, SEASON, 1, PLOT, "rice", "ST25", date(2025, 12, 1), None, None)


def entry(cls: type[Any], day: int, **fields: Any) -> Any:
    return cls(plot_id=PLOT, season_id=SEASON, on=SOWN + timedelta(days=day),
               recorded_by="test", **fields)


def sowing() -> diary.Sowing:
    return entry(diary.Sowing, 0, variety="ST25")


def harvest(day: int = 100) -> diary.Harvest:
    return entry(diary.Harvest, day, quantity=6000.0, lot="R1")


def inputs(*entries: Any) -> Any:
    return plot_season(PLACE, SEASON_ROW, list(entries), "HTX")


def test_the_cultivation_period_runs_from_sowing_to_the_first_harvest() -> None:
    season = inputs(sowing(), harvest(100), entry(diary.Harvest, 104, quantity=10.0, lot="R2"))
    assert (season.start, season.end) == (SOWN, SOWN + timedelta(days=100))
    assert (season.area_ha, season.province, season.cooperative) == (2.0, "Cần Thơ", "HTX")


def test_a_drained_span_with_an_until_date_ends_in_reflooding() -> None:
    season = inputs(sowing(), entry(diary.WaterEvent, 0, action="flood"),
                    entry(diary.WaterEvent, 20, action="drain", until=SOWN + timedelta(days=26)),
                    harvest())
    # drained on day 20 through day 26: re-flooded on day 27, a 7-day aeration
    assert season.water == (WaterEntry(SOWN, "flood"), WaterEntry(SOWN + timedelta(days=20),
                            "drain"), WaterEntry(SOWN + timedelta(days=27), "flood"))


def test_a_field_flooded_before_sowing_enters_the_season_flooded() -> None:
    season = inputs(entry(diary.WaterEvent, -60, action="drain"),
                    entry(diary.LandPreparation, -4),
                    entry(diary.WaterEvent, -3, action="flood"), sowing(), harvest())
    assert season.water == (WaterEntry(SOWN, "flood"),)
    assert season.pre_season == "non_flooded_lt180"  # dry from day -60 to day -3: 57 days
    result = estimate(season)
    assert isinstance(result, SeasonEstimate) and result.water_regime == "continuously_flooded"


@pytest.mark.parametrize(("entries", "status"), [
    ([(-45, "flood")], "flooded_gt30"),
    ([(-250, "drain"), (-5, "flood")], "non_flooded_gt180"),
    ([(-400, "drain")], "non_flooded_gt365"),
    ([(-10, "flood")], None),  # how long it was dry before the flooding is unknown
    ([], None),
])
def test_the_pre_season_status_comes_from_the_entries_before_sowing(
        entries: list[tuple[int, str]], status: str | None) -> None:
    water = [entry(diary.WaterEvent, day, action=action) for day, action in entries]
    assert inputs(*water, sowing(), harvest()).pre_season == status


def test_straw_is_classed_by_its_days_before_sowing() -> None:
    season = inputs(entry(diary.OrganicAmendment, -30, material="straw", amount=5.0),
                    entry(diary.OrganicAmendment, -31, material="straw", amount=2.0),
                    entry(diary.OrganicAmendment, -5, material="compost", amount=3000.0,
                          unit="kg/ha"), sowing(), harvest())
    assert season.amendments == (Amendment("straw_lt30", 5.0), Amendment("straw_gt30", 2.0),
                                 Amendment("compost", 3000.0, "kg/ha"))


def test_amendments_are_none_unless_the_soil_work_was_recorded() -> None:
    assert inputs(sowing(), harvest()).amendments is None
    prepared = inputs(entry(diary.LandPreparation, -5), sowing(), harvest())
    assert prepared.amendments == ()


# --- from the store -------------------------------------------------------------------------


@pytest.fixture
def demo(engine: Engine) -> Demo:
    return load(engine)


def by_plot(results: tuple[SeasonEstimate | NotEnoughData, ...]) -> dict[str, Any]:
    return {r.plot: r for r in results}


def test_the_demo_season_per_plot(engine: Engine, demo: Demo) -> None:
    report = season_report(engine, [demo.rice_coop], since=date(2025, 12, 1),
                           until=date(2025, 12, 31))
    results = by_plot(report.results)
    awd, flooded, single, empty = (results[p] for p in demo.rice.plots)
    area = awd.area_ha
    assert area == pytest.approx(2.2, abs=0.01)
    # AWD, straw 40 days before: 1.22 × 0.55 × 1.00 × (1 + 5 × 0.19)^0.59 × 105 days × A
    assert (awd.water_regime, awd.days, awd.pre_season) == (
        "multiple_drainage", 105, "non_flooded_lt180")
    assert awd.ch4_kg.value == pytest.approx(1.22 * 0.55 * 1.95**0.59 * 105 * area)
    # continuously flooded, straw 15 days before: SFo = 6^0.59 = 2.878
    assert flooded.water_regime == "continuously_flooded"
    assert flooded.ch4_kg.value == pytest.approx(1.22 * 6**0.59 * 105 * area)
    assert flooded.reduction_co2e_t.value == 0.0
    # one 10-day mid-season drainage, no amendment
    assert single.water_regime == "single_drainage" and single.sfo.value == 1.0
    assert single.ch4_kg.value == pytest.approx(1.22 * 0.71 * 105 * area)
    assert awd.reduction_ch4_kg.value == pytest.approx(1.22 * 0.45 * 1.95**0.59 * 105 * area)
    assert isinstance(empty, NotEnoughData)
    assert set(empty.missing) == {"water_entries", "pre_season", "amendments"}
    assert "not enough data: missing" in empty.message_en
    assert "không đủ dữ liệu: thiếu" in empty.message_vi


def test_totals_per_province_and_the_share_under_awd(engine: Engine, demo: Demo) -> None:
    report = season_report(engine, [demo.rice_coop, demo.coop])
    (province,) = report.totals("province")
    assert province.key == "Cần Thơ" and province.seasons == 4
    assert province.awd_share == pytest.approx(1 / 3)  # of the three estimated plots
    assert province.not_enough_data == (demo.rice.plots[3],)
    estimated = [r for r in report.results if isinstance(r, SeasonEstimate)]
    assert province.co2e_t.value == pytest.approx(sum(r.co2e_t.value for r in estimated))
    data = report_as_dict(report)
    assert data["gwp100_ch4"] == 27.0 and "AR6" in data["gwp_source"]
    assert [s["status"] for s in data["seasons"]] == ["estimated"] * 3 + ["not_enough_data"]


def test_loading_the_rice_demo_again_changes_nothing(engine: Engine, demo: Demo) -> None:
    again = load_report_demos(engine, demo.chain)
    assert again.plots == demo.rice.plots
    assert len(season_report(engine, [demo.rice_coop]).results) == 4


def test_only_rice_seasons_of_the_organizations_asked_for_count(
        engine: Engine, demo: Demo) -> None:
    assert season_report(engine, [demo.coop]).results == ()  # coffee seasons
    assert season_report(engine, [demo.rice_coop], since=date(2026, 1, 1)).results == ()
    one = season_report(engine, [demo.rice_coop], plot=demo.rice.plots[1])
    assert [r.plot for r in one.results] == [demo.rice.plots[1]]
    with pytest.raises(NoSuchResourceException) as caught:
        season_report(engine, [demo.coop], plot=demo.rice.plots[1])  # another's plot
    assert caught.value.problems[0].path == "plot"


def test_a_season_with_a_sowing_entry_only_is_not_enough_data(engine: Engine) -> None:
    coop = make_coop(engine, "HTX Lúa Thử", crop="rice")
    record_entry(engine, coop.manager, "sowing", {
        "plot_id": coop.plot_b.uri, "season_id": coop.season_b.uri, "on": "2026-02-10",
        "variety": "OM18"}, "s1")
    results = by_plot(season_report(engine, [coop.org]).results)
    assert isinstance(results[coop.plot_b.uri], NotEnoughData)
    assert set(results[coop.plot_b.uri].missing) == {
        "season_dates", "pre_season", "amendments"}
    assert "the sowing and harvest dates" in results[coop.plot_b.uri].message_en
