"""Diary entries: every wrong field is reported with its path, right entries are kept as given."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agritrace.errors import ValidationException
from agritrace.farm.diary import (
    AMENDMENT_UNITS,
    DOSE_UNITS,
    ENTRY_TYPES,
    FERTILIZER_UNITS,
    AmendmentMaterial,
    EntryKind,
    Fertilizing,
    Harvest,
    LandPreparation,
    OrganicAmendment,
    OtherCare,
    PestObservation,
    Sowing,
    Spraying,
    WaterAction,
    WaterEvent,
    vietnam_today,
)

PLOT = "urn:epc:id:sgln:8930000.00012.P7"
SEASON = "https://agritrace.org/id/season/HTX-2026-P7"
SOWN = date(2026, 1, 5)


def common(**extra: Any) -> dict[str, Any]:
    return {"plot_id": PLOT, "season_id": SEASON, "on": date(2026, 2, 10),
            "recorded_by": "member:42", **extra}


def problems(exc: pytest.ExceptionInfo[ValidationException]) -> dict[str, str]:
    return {p.path: p.expected for p in exc.value.problems}


# One valid example of every kind, so a rule shared by all kinds is tested on all.
VALID: dict[EntryKind, dict[str, Any]] = {
    EntryKind.LAND_PREPARATION: {"method": "cày ải"},
    EntryKind.SOWING: {"variety": "ST25", "seed_kg_per_ha": 80},
    EntryKind.FERTILIZING: {"product": "NPK 20-20-15 Đầu Trâu", "amount": 150, "n_percent": 20},
    EntryKind.SPRAYING: {"product": "Virtako 40WG",
                         "active_ingredients": ("Chlorantraniliprole", "Thiamethoxam"),
                         "dose": 75, "dose_unit": "g/ha", "target_pest": "sâu cuốn lá",
                         "phi_days": 7},
    EntryKind.WATER: {"action": WaterAction.DRAIN, "water_level_cm": -15},
    EntryKind.ORGANIC_AMENDMENT: {"material": AmendmentMaterial.STRAW, "amount": 5},
    EntryKind.PEST_OBSERVATION: {"pest": "rầy nâu", "density_per_m2": 300},
    EntryKind.OTHER_CARE: {"activity": "làm cỏ"},
    EntryKind.HARVEST: {"quantity": 6500, "lot": "ST25-P7-2026A", "gtin": "08934588063060",
                        "area_ha": 1.2},
    # Livestock and aquaculture (issue 17); more in tests/farm/test_husbandry.py.
    EntryKind.STOCKING: {"species": "pig", "origin": "Trại giống Dabaco", "count": 120,
                         "breed": "Landrace x Yorkshire", "average_weight_g": 7000},
    EntryKind.FEEDING: {"product": "Cám CP 551", "amount": 250, "batch": "CP-2603"},
    EntryKind.VACCINATION: {"product": "Vắc xin dịch tả lợn", "batch": "NAVETCO-0126",
                            "disease": "dịch tả lợn", "count": 118},
    EntryKind.TREATMENT: {"product": "Amoxicillin 15%", "active_ingredients": ("Amoxicillin",),
                          "dose": 1, "dose_unit": "ml/head", "withdrawal_days": 14,
                          "disease": "tiêu chảy", "count": 2,
                          "animals": ("urn:epc:id:giai:8930000.P0042",
                                      "https://id.gs1.org/01/08930000000170/21/T43")},
    EntryKind.DISEASE_OBSERVATION: {"disease": "dịch tả lợn châu Phi", "affected": 0},
    EntryKind.MORTALITY: {"count": 2, "cause": "tiêu chảy"},
    EntryKind.MOVEMENT: {"destination": "urn:epc:id:sgln:8930000.00099.B1", "count": 40},
    EntryKind.WATER_QUALITY: {"temperature_c": 29.5, "ph": 7.8, "dissolved_oxygen_mg_l": 5.2,
                              "salinity_ppt": 15, "ammonia_mg_l": 0.3},
    EntryKind.ANIMAL_SALE: {"quantity": 11_000, "lot": "PIG-B1-2607", "head_count": 110,
                            "slaughter": True},
}


@pytest.mark.parametrize("kind", list(EntryKind))
def test_every_kind_has_a_valid_example_that_keeps_its_fields(kind: EntryKind) -> None:
    entry = ENTRY_TYPES[kind](**common(**VALID[kind]))
    assert entry.kind is kind
    for name, value in VALID[kind].items():
        assert getattr(entry, name) == value


@pytest.mark.parametrize("kind", list(EntryKind))
def test_every_kind_refuses_a_future_date(kind: EntryKind) -> None:
    future = vietnam_today() + timedelta(days=2)
    with pytest.raises(ValidationException) as exc:
        ENTRY_TYPES[kind](**common(**VALID[kind], on=future))
    assert problems(exc)[f"{kind.value}.on"].startswith("a date not after today")


@pytest.mark.parametrize("kind", list(EntryKind))
def test_every_kind_names_plot_season_and_recorder(kind: EntryKind) -> None:
    with pytest.raises(ValidationException) as exc:
        ENTRY_TYPES[kind](**common(**VALID[kind], plot_id="plot 7", season_id="",
                                   recorded_by="  "))
    assert set(problems(exc)) == {f"{kind.value}.plot_id", f"{kind.value}.season_id",
                                  f"{kind.value}.recorded_by"}


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [(EntryKind.PEST_OBSERVATION, False), (EntryKind.HARVEST, False),
     (EntryKind.LAND_PREPARATION, True), (EntryKind.ORGANIC_AMENDMENT, True),
     (EntryKind.WATER, True), (EntryKind.FERTILIZING, True)],
)
def test_before_sowing_only_for_work_that_comes_first(kind: EntryKind, allowed: bool) -> None:
    args = common(**VALID[kind], on=SOWN - timedelta(days=3), sown_on=SOWN)
    if allowed:
        assert ENTRY_TYPES[kind](**args).on == SOWN - timedelta(days=3)
        return
    with pytest.raises(ValidationException) as exc:
        ENTRY_TYPES[kind](**args)
    assert problems(exc) == {f"{kind.value}.on": "a date on or after sowing (2026-01-05)"}


def test_error_message_names_field_expected_and_found() -> None:
    with pytest.raises(ValidationException) as exc:
        Spraying(**common(product="Anvil 5SC", dose=-1, dose_unit="l/ha", phi_days=400))
    text = str(exc.value)
    assert "spraying.dose: expected an amount above 0 and at most 20 l/ha, found -1" in text
    assert "spraying.phi_days: expected a pre-harvest interval in days from 0 to 365, " \
           "found 400" in text


def test_unknown_unit_is_refused_with_the_units_allowed() -> None:
    with pytest.raises(ValidationException) as exc:
        Fertilizing(**common(product="Urea", amount=100, unit="bao/sào"))
    assert problems(exc) == {"fertilizing.unit": "one of kg/ha, t/ha, l/ha"}


def test_absurd_amount_suggests_the_unit_probably_meant() -> None:
    with pytest.raises(ValidationException) as exc:
        OrganicAmendment(**common(material=AmendmentMaterial.COMPOST, amount=5000, unit="t/ha"))
    assert problems(exc)["organic_amendment.amount"] == (
        "an amount above 0 and at most 50 t/ha (was it 5000 kg/ha?)")


def test_absurd_yield_is_refused_when_the_area_is_known() -> None:
    with pytest.raises(ValidationException) as exc:
        Harvest(**common(quantity=650, unit="t", lot="L1", area_ha=1.2))
    assert exc.value.problems[0].path == "harvest.quantity"
    assert exc.value.problems[0].found == "541.667 t/ha"


@pytest.mark.parametrize("gtin", ["8934588063061", "89345880630", "abcdefghijklm"])
def test_harvest_gtin_check_digit(gtin: str) -> None:
    with pytest.raises(ValidationException) as exc:
        Harvest(**common(quantity=10, lot="L1", gtin=gtin))
    assert set(problems(exc)) == {"harvest.gtin"}


def test_harvest_range_and_lot_code() -> None:
    with pytest.raises(ValidationException) as exc:
        Harvest(**common(quantity=10, lot="lô số 1", until=date(2026, 2, 1),
                         country_of_origin="vn"))
    assert set(problems(exc)) == {"harvest.lot", "harvest.until", "harvest.country_of_origin"}


def test_water_event_checks_its_action_and_span() -> None:
    with pytest.raises(ValidationException) as exc:
        WaterEvent(**common(action="flooded", until=date(2026, 1, 1)))  # type: ignore[arg-type]
    assert set(problems(exc)) == {"water.action", "water.until"}


def test_plain_words_are_accepted_for_choices() -> None:
    entry = WaterEvent(**common(action="drain"))  # type: ignore[arg-type]
    assert entry.action is WaterAction.DRAIN
    straw = OrganicAmendment(**common(material="straw", amount=5))  # type: ignore[arg-type]
    assert straw.material is AmendmentMaterial.STRAW


def test_derived_values() -> None:
    assert Fertilizing(**common(product="Urea", amount=0.2, unit="t/ha",
                                n_percent=46)).n_kg_per_ha == 92.0
    straw = OrganicAmendment(**common(material=AmendmentMaterial.STRAW, amount=4500,
                                      unit="kg/ha", on=date(2025, 12, 1), sown_on=SOWN))
    assert (straw.t_per_ha, straw.days_before) == (4.5, 35)
    harvest = Harvest(**common(quantity=6.5, unit="t", lot="L1", gtin="8934588063060"))
    assert (harvest.kilograms, harvest.gtin) == (6500, "08934588063060")


def test_entries_are_frozen_and_compare_by_value() -> None:
    one = OtherCare(**common(activity="tỉa cành"))
    assert one == OtherCare(**common(activity="tỉa cành"))
    with pytest.raises(AttributeError):
        one.activity = "x"  # type: ignore[misc]


def test_sowing_bounds() -> None:
    with pytest.raises(ValidationException) as exc:
        Sowing(**common(variety="", seed_kg_per_ha=900, plants_per_ha=0))
    assert set(problems(exc)) == {"sowing.variety", "sowing.seed_kg_per_ha",
                                  "sowing.plants_per_ha"}


def test_pest_observation_bounds() -> None:
    with pytest.raises(ValidationException) as exc:
        PestObservation(**common(pest="rầy nâu", incidence_percent=120))
    assert set(problems(exc)) == {"pest_observation.incidence_percent"}


def test_land_preparation_needs_a_method() -> None:
    with pytest.raises(ValidationException):
        LandPreparation(**common(method=" "))


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 1, 1))


@given(amount=st.floats(min_value=0.001, max_value=5000), unit=st.sampled_from(["kg/ha"]),
       on=days)
def test_any_believable_fertilizer_amount_is_kept(amount: float, unit: str, on: date) -> None:
    entry = Fertilizing(**common(product="Urea", amount=amount, unit=unit, on=on))
    assert (entry.amount, entry.on) == (amount, on)


@given(unit=st.sampled_from(sorted(FERTILIZER_UNITS)),
       amount=st.one_of(st.floats(max_value=0), st.floats(min_value=5000.001)))
def test_no_out_of_range_fertilizer_amount_passes(unit: str, amount: float) -> None:
    if amount <= FERTILIZER_UNITS[unit] and amount > 0:
        return
    with pytest.raises(ValidationException) as exc:
        Fertilizing(**common(product="Urea", amount=amount, unit=unit))
    assert [p.path for p in exc.value.problems] == ["fertilizing.amount"]


@given(unit=st.sampled_from(sorted(DOSE_UNITS)), data=st.data())
def test_dose_limits_per_unit(unit: str, data: st.DataObject) -> None:
    limit = DOSE_UNITS[unit]
    inside = data.draw(st.floats(min_value=limit / 1e6, max_value=limit))
    assert Spraying(**common(product="P", dose=inside, dose_unit=unit)).dose == inside
    outside = data.draw(st.floats(min_value=limit * 1.000001, max_value=limit * 1e6))
    with pytest.raises(ValidationException):
        Spraying(**common(product="P", dose=outside, dose_unit=unit))


@given(unit=st.sampled_from(sorted(AMENDMENT_UNITS)), nan=st.just(float("nan")))
def test_nan_is_never_an_amount(unit: str, nan: float) -> None:
    with pytest.raises(ValidationException):
        OrganicAmendment(**common(material=AmendmentMaterial.FARMYARD_MANURE, amount=nan,
                                  unit=unit))
