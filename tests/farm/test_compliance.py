"""Compliance rules with real product and active-ingredient names, and code readiness."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agritrace.errors import ValidationException
from agritrace.farm.compliance import (
    PlotRecord,
    ReadinessRules,
    Severity,
    check_entry,
    cooperative_readiness,
    diary_gaps,
    plot_readiness,
    raise_refusals,
)
from agritrace.farm.diary import (
    DiaryEntry,
    Fertilizing,
    Harvest,
    LandPreparation,
    PestObservation,
    Sowing,
    Spraying,
)
from agritrace.farm.pesticides import (
    CROPS,
    banned_ingredient,
    banned_ingredients,
    find_banned,
    normalize,
    registered_products,
)

PLOT = "urn:epc:id:sgln:8930000.00012.P1"
SEASON = "https://agritrace.org/id/season/HT-2026-P1"
TODAY = date(2026, 6, 1)


def spraying(product: str, *ingredients: str, dose: float = 1.0, unit: str = "l/ha",
             on: date = TODAY, phi: int | None = None, season: str = SEASON,
             plot: str = PLOT) -> Spraying:
    return Spraying(plot_id=plot, season_id=season, on=on, recorded_by="member:7",
                    product=product, active_ingredients=ingredients, dose=dose, dose_unit=unit,
                    phi_days=phi)


def harvest(on: date, plot: str = PLOT, season: str = SEASON) -> Harvest:
    return Harvest(plot_id=plot, season_id=season, on=on, recorded_by="member:7",
                   quantity=6000, lot="HT26-P1")


def rules_of(findings: list[Any]) -> list[tuple[str, Severity]]:
    return [(f.rule, f.severity) for f in findings]


# --- the data files ---------------------------------------------------------------------------

def _data_text(name: str) -> str:
    return resources.files("agritrace.farm").joinpath("data", name).read_text("utf-8")


def test_banned_table_names_its_legal_source_and_matches_the_circulars_counts() -> None:
    header = _data_text("banned_pesticides_vn.csv")
    assert "Circular 75/2025/TT-BNNMT" in header and "10/02/2026" in header
    counts: dict[str, int] = {}
    for item in banned_ingredients():
        if item.status == "banned":
            counts[item.group] = counts.get(item.group, 0) + 1
    # Appendix II: 23 insecticides and wood preservatives, 6 fungicides, 1 rodenticide,
    # 1 herbicide.
    assert counts == {"insecticide": 23, "fungicide": 6, "rodenticide": 1, "herbicide": 1}
    assert all(i.refused_from is not None for i in banned_ingredients()
               if i.status == "withdrawn")


def test_every_csv_row_is_read() -> None:
    rows = [line for line in _data_text("banned_pesticides_vn.csv").splitlines()
            if line and not line.startswith("#")]
    assert len(list(csv.DictReader(io.StringIO("\n".join(rows))))) == len(banned_ingredients())


def test_names_are_unambiguous() -> None:
    keys = [normalize(n) for i in banned_ingredients() for n in (i.name, *i.aliases)]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("product", registered_products(), ids=lambda p: f"{p.name}-{p.crop}")
def test_sample_registered_products_are_sound(product: Any) -> None:
    assert find_banned(product.active_ingredients, TODAY) == []
    assert product.crop in CROPS
    assert product.max_dose > 0 and 0 <= product.phi_days <= 60


# --- banned active ingredients: every row of the table, by every name ------------------------

@pytest.mark.parametrize("item", banned_ingredients(), ids=lambda i: i.name)
def test_every_banned_or_withdrawn_ingredient_is_refused_by_every_name(item: Any) -> None:
    for name in (item.name, *item.aliases):
        findings = check_entry(spraying("Thuốc X", name), crop="rice")
        assert rules_of(findings) == [("banned_ingredient", Severity.REFUSED)], name
        assert item.legal_basis_vi in findings[0].vi and item.legal_basis in findings[0].en


@pytest.mark.parametrize("item", [i for i in banned_ingredients() if i.status == "withdrawn"],
                         ids=lambda i: i.name)
def test_withdrawn_ingredient_was_allowed_until_its_deadline(item: Any) -> None:
    before = item.refused_from - timedelta(days=1)
    assert find_banned([item.name], before) == []
    assert find_banned([item.name], item.refused_from) == [item]


def test_paraquat_is_refused_in_plain_vietnamese() -> None:
    findings = check_entry(spraying("Gramoxone 20SL", "Paraquat dichloride"), crop="coffee")
    assert rules_of(findings) == [("banned_ingredient", Severity.REFUSED)]
    assert findings[0].vi.startswith("Hoạt chất Paraquat (trong Gramoxone 20SL) đã bị loại "
                                     "khỏi danh mục thuốc BVTV được phép sử dụng")
    assert "08/02/2019 (Quyết định 278/QĐ-BNN-BVTV ngày 08/02/2017)" in findings[0].vi
    assert "(Decision 278/QĐ-BNN-BVTV of 08/02/2017)" in findings[0].en
    with pytest.raises(ValidationException) as exc:
        raise_refusals(findings)
    assert exc.value.problems[0].path == "spraying.active_ingredients"
    assert "Không ghi nhận lần phun này" in str(exc.value)


def test_chlorpyrifos_ethyl_refused_but_chlorpyrifos_methyl_is_another_ingredient() -> None:
    refused = check_entry(spraying("Sieusao 40EC", "Chlorpyrifos Ethyl 400 g/l"), crop="rice")
    assert rules_of(refused) == [("banned_ingredient", Severity.REFUSED)]
    assert banned_ingredient("Chlorpyrifos methyl") is None


def test_appendix_ii_ingredient_cites_the_circular() -> None:
    findings = check_entry(spraying("Thuốc cũ", "Carbofuran", dose=30, unit="kg/ha"),
                           crop="coffee")
    assert "thuộc danh mục thuốc BVTV cấm sử dụng tại Việt Nam (Phụ lục II Thông tư " \
           "75/2025/TT-BNNMT)" in findings[0].vi


def test_banned_trade_name_is_refused_even_without_ingredients() -> None:
    findings = check_entry(spraying("Furadan 3GR", dose=20, unit="kg/ha"), crop="coffee")
    assert rules_of(findings) == [("banned_ingredient", Severity.REFUSED)]
    assert findings[0].path == "spraying.product" and "Carbofuran" in findings[0].en


def test_permitted_product_on_its_crop_at_label_dose_has_no_finding() -> None:
    entry = spraying("Virtako 40WG", "Chlorantraniliprole", "Thiamethoxam", dose=75,
                     unit="g/ha")
    assert check_entry(entry, crop="rice") == []
    raise_refusals([])  # nothing to refuse


# --- dose and registration warnings ----------------------------------------------------------

@pytest.mark.parametrize(
    ("dose", "unit", "expected"),
    [(75, "g/ha", []), (0.075, "kg/ha", []), (100, "g/ha", ["dose_over_label"]),
     (0.1, "kg/ha", ["dose_over_label"]), (0.1, "l/ha", ["dose_unit_mismatch"])],
)
def test_dose_against_the_label(dose: float, unit: str, expected: list[str]) -> None:
    findings = check_entry(spraying("Virtako 40WG", dose=dose, unit=unit), crop="rice")
    assert [f.rule for f in findings] == expected
    assert all(f.severity is Severity.WARNING for f in findings)


def test_dose_warning_names_product_and_both_doses() -> None:
    finding = check_entry(spraying("Tilt Super 300EC", dose=0.5), crop="rice")[0]
    assert finding.vi == ("Liều 0,5 l/ha của Tilt Super 300EC vượt liều tối đa trên nhãn "
                          "(0,3 l/ha).")  # decimal commas in Vietnamese (issue 15)
    assert "The dose 0.5 l/ha" in finding.en and finding.found == "0.5 l/ha"


def test_product_not_registered_for_the_crop() -> None:
    finding = check_entry(spraying("Chess 50WG", dose=0.2, unit="kg/ha"), crop="durian")[0]
    assert (finding.rule, finding.severity) == ("not_registered_for_crop", Severity.WARNING)
    assert finding.vi == ("Thuốc Chess 50WG không được đăng ký sử dụng trên cây sầu riêng "
                          "(chỉ đăng ký cho: lúa).")


def test_unknown_product_is_a_warning() -> None:
    findings = check_entry(spraying("Thuốc tự pha"), crop="rice")
    assert rules_of(findings) == [("unknown_product", Severity.WARNING)]


def test_other_entries_have_no_findings() -> None:
    entry = PestObservation(plot_id=PLOT, season_id=SEASON, on=TODAY, recorded_by="m",
                            pest="rầy nâu")
    assert check_entry(entry, crop="rice") == []


# --- pre-harvest interval ---------------------------------------------------------------------

def test_harvest_before_phi_names_product_and_safe_date() -> None:
    sprayed = spraying("Virtako 40WG", dose=75, unit="g/ha", on=date(2026, 5, 1))  # label: 7
    findings = check_entry(harvest(date(2026, 5, 5)), crop="rice", history=[sprayed])
    assert rules_of(findings) == [("pre_harvest_interval", Severity.FLAGGED)]
    assert findings[0].vi.startswith(
        "Thu hoạch ngày 05/05/2026 khi chưa hết thời gian cách ly của Virtako 40WG (phun ngày "
        "01/05/2026, cách ly 7 ngày). Ngày thu hoạch an toàn: 08/05/2026.")
    assert "Safe harvest date: 8 May 2026" in findings[0].en


def test_harvest_on_the_safe_date_is_fine() -> None:
    sprayed = spraying("Virtako 40WG", dose=75, unit="g/ha", on=date(2026, 5, 1))
    assert check_entry(harvest(date(2026, 5, 8)), crop="rice", history=[sprayed]) == []


def test_the_latest_safe_date_binds_and_other_seasons_do_not_count() -> None:
    history = [
        spraying("Tilt Super 300EC", dose=0.3, on=date(2026, 4, 25)),           # safe 09/05
        spraying("Virtako 40WG", dose=75, unit="g/ha", on=date(2026, 5, 1)),    # safe 08/05
        spraying("Anvil 5SC", dose=1, on=date(2026, 5, 6), phi=30,
                 season="https://agritrace.org/id/season/other"),
    ]
    findings = check_entry(harvest(date(2026, 5, 7)), crop="rice", history=history)
    assert len(findings) == 1
    assert "Tilt Super 300EC" in findings[0].vi and "09/05/2026" in findings[0].vi


def test_entered_phi_overrides_the_label_and_unknown_phi_is_a_warning() -> None:
    history = [spraying("Virtako 40WG", dose=75, unit="g/ha", on=date(2026, 5, 1), phi=3),
               spraying("Thuốc lạ", on=date(2026, 5, 2))]
    findings = check_entry(harvest(date(2026, 5, 5)), crop="rice", history=history)
    assert rules_of(findings) == [("pre_harvest_interval_unknown", Severity.WARNING)]


# --- growing-area code readiness: a hand-built cooperative with a known answer ----------------

START = date(2026, 1, 1)
END = date(2026, 4, 30)


def season_diary(plot: str, *, every: int = 20, sprays: tuple[Spraying, ...] = (),
                 skip: tuple[date, date] | None = None, crop_product: str = "Virtako 40WG",
                 ) -> tuple[DiaryEntry, ...]:
    """A season: land preparation, sowing, fertilizer, pest checks every few days, a spraying,
    a harvest; entries inside ``skip`` are left out to make a gap."""
    season = f"https://agritrace.org/id/season/{plot}"
    base: dict[str, Any] = {"plot_id": f"urn:agt:plot:{plot}", "season_id": season,
                            "recorded_by": "member:1"}
    entries: list[DiaryEntry] = [
        LandPreparation(**base, on=START),
        Sowing(**base, on=START + timedelta(days=5), variety="ST25", seed_kg_per_ha=70),
        Fertilizing(**base, on=START + timedelta(days=15), product="Urea", amount=100),
    ]
    day = START + timedelta(days=20)
    while day < END - timedelta(days=10):
        entries.append(PestObservation(**base, on=day, pest="rầy nâu", density_per_m2=100))
        day += timedelta(days=every)
    entries.append(Spraying(**base, on=date(2026, 3, 1), product=crop_product, dose=75,
                            dose_unit="g/ha"))
    entries += [Spraying(**{**base, "on": s.on, "product": s.product,
                            "active_ingredients": s.active_ingredients, "dose": s.dose,
                            "dose_unit": s.dose_unit}) for s in sprays]
    entries.append(Harvest(**base, on=END, quantity=6000, lot=f"{plot}-26"))
    if skip is not None:
        entries = [e for e in entries if not skip[0] < e.on < skip[1]]
    return tuple(entries)


def record(plot: str, coop: str, area: float, *, crop: str = "rice", market: str = "CN",
           manager: str | None = "KS. Trần Văn Bình", code: str | None = None,
           entries: tuple[DiaryEntry, ...] | None = None) -> PlotRecord:
    return PlotRecord(plot_id=f"urn:agt:plot:{plot}", cooperative_id=coop, crop=crop,
                      market=market, area_ha=area, period_start=START, as_of=date(2026, 5, 15),
                      entries=season_diary(plot) if entries is None else entries,
                      technical_manager=manager, area_code=code)


GRAMOXONE = Spraying(plot_id=PLOT, season_id=SEASON, on=date(2026, 2, 10), recorded_by="m",
                     product="Gramoxone 20SL", active_ingredients=("Paraquat",), dose=2)

COOPERATIVE = [
    record("P1", "HTX-A", 12.0, code="VN-DTRR-0012"),              # coded, sound
    record("P2", "HTX-A", 5.5),                                     # ready
    record("P3", "HTX-A", 8.0, crop="durian",                       # under 10 ha for CN
           entries=season_diary("P3", crop_product="Ridomil Gold 68WG")),
    record("P4", "HTX-A", 3.0, manager=None,                        # 45-day gap, no manager
           entries=season_diary("P4", skip=(date(2026, 1, 25), date(2026, 3, 11)))),
    record("P5", "HTX-A", 2.0, code="VN-DTRR-0013",                 # coded, used paraquat
           entries=season_diary("P5", sprays=(GRAMOXONE,))),
    record("P6", "HTX-B", 4.0, crop="coffee", market="EU",          # ready
           entries=season_diary("P6", crop_product="Anvil 5SC")),
]


def test_cooperative_hectares_coded_ready_and_not_ready() -> None:
    report = cooperative_readiness(COOPERATIVE)
    a, b = report["HTX-A"], report["HTX-B"]
    assert (a.hectares_coded, a.hectares_ready, a.hectares_not_ready) == (14.0, 5.5, 11.0)
    assert (b.hectares_coded, b.hectares_ready, b.hectares_not_ready) == (0.0, 4.0, 0.0)
    assert a.coded_at_risk == ["urn:agt:plot:P5"]
    assert {p.plot_id: p.status for p in a.plots} == {
        "urn:agt:plot:P1": "coded", "urn:agt:plot:P2": "ready", "urn:agt:plot:P3": "not_ready",
        "urn:agt:plot:P4": "not_ready", "urn:agt:plot:P5": "coded"}


def test_each_plot_fails_exactly_the_requirements_it_breaks() -> None:
    failed = {p.plot_id[-2:]: [c.name for c in p.failed()]
              for r in cooperative_readiness(COOPERATIVE).values() for p in r.plots}
    assert failed == {"P1": [], "P2": [], "P3": ["area_threshold"],
                      "P4": ["diary_continuity", "technical_manager"],
                      "P5": ["permitted_inputs"], "P6": []}


def test_readiness_messages_say_what_to_fix() -> None:
    p4 = plot_readiness(COOPERATIVE[3])
    gap = next(c for c in p4.checks if c.name == "diary_continuity")
    assert gap.vi == ("Nhật ký bị gián đoạn quá 30 ngày: 60 ngày từ 21/01/2026 đến "
                      "22/03/2026.")
    p5 = plot_readiness(COOPERATIVE[4])
    inputs = next(c for c in p5.checks if c.name == "permitted_inputs")
    assert "Gramoxone 20SL (10/02/2026)" in inputs.vi
    p3 = plot_readiness(COOPERATIVE[2])
    area = next(c for c in p3.checks if c.name == "area_threshold")
    assert area.vi == "Diện tích 8 ha (tối thiểu 10 ha cho sầu riêng, thị trường CN)."


def test_thresholds_are_configuration() -> None:
    rules = ReadinessRules(max_gap_days=70, min_pest_observations=6,
                           min_area_ha={"*": {"*": 0.0}, "durian": {"*": 5.0}})
    failed = {p.plot_id[-2:]: [c.name for c in p.failed()]
              for r in cooperative_readiness(COOPERATIVE, rules).values() for p in r.plots}
    assert failed["P3"] == ["pest_monitoring"]
    assert failed["P4"] == ["technical_manager", "pest_monitoring"]


def test_a_season_still_in_the_field_counts_the_gap_up_to_today() -> None:
    entries = season_diary("P9")[:3]  # nothing after day 15
    plot = PlotRecord(plot_id="urn:agt:plot:P9", cooperative_id="C", crop="rice", market="VN",
                      area_ha=1, period_start=START, as_of=date(2026, 2, 20), entries=entries)
    assert diary_gaps(plot, 30) == [(date(2026, 1, 16), date(2026, 2, 20), 35)]


@given(step=st.integers(min_value=1, max_value=30), gap=st.integers(min_value=31, max_value=90),
       where=st.integers(min_value=0, max_value=5))
def test_continuity_fails_exactly_when_a_gap_is_over_the_limit(step: int, gap: int,
                                                                where: int) -> None:
    base: dict[str, Any] = {"plot_id": PLOT, "season_id": SEASON, "recorded_by": "m"}
    days = [START + timedelta(days=step * i) for i in range(6)]
    days = days[:where + 1] + [d + timedelta(days=gap - step) for d in days[where + 1:]]
    entries = tuple(PestObservation(**base, on=d, pest="sâu") for d in days)
    end = days[-1]
    plot = PlotRecord(plot_id=PLOT, cooperative_id="C", crop="rice", market="VN", area_ha=1,
                      period_start=START, as_of=end, entries=entries)
    gaps = diary_gaps(plot, 30)
    if where < 5:
        assert [n for _, _, n in gaps] == [gap]
    else:
        assert gaps == []
