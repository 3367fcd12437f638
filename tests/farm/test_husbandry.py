"""Livestock and aquaculture diaries (issue 17): barns and ponds, their entries as EPCIS events,
the banned-substance, prophylaxis and withdrawal rules, and a sale or harvest opening a lot."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agritrace.epcis.validation import validate_event
from agritrace.errors import ValidationException
from agritrace.farm.compliance import Refused, Severity, check_entry
from agritrace.farm.diary import AnimalSale, Feeding, Treatment, WaterQuality
from agritrace.farm.diary_events import NAMESPACES, entry_to_event
from agritrace.farm.importer import apply_import, preview_import
from agritrace.farm.journal import lot_origin, plot_entries, query_events
from agritrace.farm.pesticides import banned_ingredients
from agritrace.farm.places import Place, add_place
from agritrace.farm.record import record_entry
from agritrace.farm.registry import Actor, org_actor
from agritrace.farm.seasons import open_season
from agritrace.farm.veterinary import (
    AQUACULTURE_FILE,
    LIVESTOCK_FILE,
    antibiotics,
)
from agritrace.store.orgs import create_organization
from agritrace.store.tables import events
from agritrace.web.i18n import Translator

BARN = "urn:epc:id:sgln:8930000.00021.B1"
POND = "urn:epc:id:sgln:8930000.00031.A1"
HERD = "https://agritrace.org/id/season/herd-B1-2026"
CYCLE = "https://agritrace.org/id/season/pond-A1-2026"


def _treatment(**extra: Any) -> Treatment:
    fields: dict[str, Any] = {
        "plot_id": BARN, "season_id": HERD, "on": date(2026, 9, 1), "recorded_by": "member:7",
        "product": "Amoxicillin 15% LA", "active_ingredients": ("Amoxicillin",), "dose": 1,
        "withdrawal_days": 28, "disease": "viêm phổi"}
    return Treatment(**(fields | extra))


def _sale(**extra: Any) -> AnimalSale:
    fields: dict[str, Any] = {
        "plot_id": BARN, "season_id": HERD, "on": date(2026, 9, 20), "recorded_by": "member:7",
        "quantity": 11_000, "lot": "PIG-B1-09", "head_count": 110, "slaughter": True}
    return AnimalSale(**(fields | extra))


# --- the data files ------------------------------------------------------------------------


@pytest.mark.parametrize("table", [LIVESTOCK_FILE, AQUACULTURE_FILE])
def test_banned_tables_state_their_source_and_legal_basis(table: str) -> None:
    text = resources.files("agritrace.farm").joinpath("data", table).read_text("utf-8")
    assert "# source: " in text and "Circular" in text.split("# source: ", 1)[1][:300]
    rows = banned_ingredients(table)
    assert rows and all(r.legal_basis and r.legal_basis_vi for r in rows)


def test_beta_agonists_are_banned_in_livestock_feed() -> None:
    names = {r.name for r in banned_ingredients(LIVESTOCK_FILE)}
    assert {"Salbutamol", "Clenbuterol", "Ractopamine"} <= names
    assert {"Chloramphenicol", "Malachite green", "Enrofloxacin"} <= {
        r.name for r in banned_ingredients(AQUACULTURE_FILE)}


def test_every_antibiotic_has_a_day_prophylaxis_ended() -> None:
    assert all(a.prophylaxis_refused_from <= date(2026, 1, 1) for a in antibiotics())


# --- the rules -----------------------------------------------------------------------------


def test_a_beta_agonist_in_feed_is_refused_in_vietnamese_naming_the_circular() -> None:
    feed = Feeding(plot_id=BARN, season_id=HERD, on=date(2026, 9, 1), recorded_by="m",
                   product="Premix tăng nạc", amount=25,
                   active_ingredients=("Ractopamine hydrochloride",))
    findings = check_entry(feed, crop="pig")
    assert [(f.rule, f.severity) for f in findings] == [("banned_substance", Severity.REFUSED)]
    assert findings[0].path == "feeding.active_ingredients"
    assert "Ractopamine" in findings[0].vi and "chăn nuôi" in findings[0].vi
    assert "Thông tư 28/2014/TT-BNNPTNT" in findings[0].vi
    assert "Circular 28/2014/TT-BNNPTNT" in findings[0].en


def test_malachite_green_is_refused_in_a_pond_but_not_looked_up_in_the_livestock_list() -> None:
    bath = _treatment(plot_id=POND, season_id=CYCLE, product="Xanh Malachite",
                      active_ingredients=("Malachite green",), dose=0.1, dose_unit="g/m3",
                      withdrawal_days=0)
    refused = check_entry(bath, crop="shrimp_whiteleg")
    assert [f.rule for f in refused] == ["banned_substance"]
    assert "nuôi trồng thủy sản" in refused[0].vi and "10/2016" in refused[0].vi
    assert check_entry(bath, crop="pig") == []  # not on the husbandry feed list


def test_an_antibiotic_for_prevention_is_refused_for_pigs_and_allowed_for_treatment() -> None:
    prevention = _treatment(purpose="prophylaxis")
    findings = check_entry(prevention, crop="pig")
    assert [(f.rule, f.severity, f.path) for f in findings] == [
        ("antibiotic_prophylaxis", Severity.REFUSED, "treatment.purpose")]
    assert findings[0].vi.startswith("Không được dùng kháng sinh Amoxicillin")
    assert "01/01/2021" in findings[0].vi and "lợn" in findings[0].vi
    assert check_entry(_treatment(), crop="pig") == []
    # A vitamin given to prevent disease is no antibiotic.
    assert check_entry(_treatment(purpose="prophylaxis", product="ADE-B complex",
                                  active_ingredients=("Vitamin A",)), crop="pig") == []


def test_an_antibiotic_for_prevention_in_a_pond_is_a_warning() -> None:
    prevention = _treatment(plot_id=POND, season_id=CYCLE, purpose="prophylaxis",
                            active_ingredients=("Doxycycline",), dose=2, dose_unit="g/kg")
    assert [(f.rule, f.severity) for f in check_entry(prevention, crop="shrimp_whiteleg")] == [
        ("antibiotic_prophylaxis", Severity.WARNING)]


def test_a_sale_inside_the_withdrawal_period_is_flagged_with_the_safe_date() -> None:
    findings = check_entry(_sale(), crop="pig", history=[_treatment()])
    assert [(f.rule, f.severity, f.path) for f in findings] == [
        ("withdrawal_period", Severity.FLAGGED, "animal_sale.on")]
    assert "Giết mổ ngày 20/09/2026" in findings[0].vi
    assert "Ngày an toàn: 29/09/2026" in findings[0].vi
    assert findings[0].expected == "a date on or after 2026-09-29"
    assert check_entry(_sale(on=date(2026, 9, 29)), crop="pig", history=[_treatment()]) == []
    # Another herd's treatment does not hold this herd's sale.
    other = _treatment(season_id=HERD + "-b")
    assert check_entry(_sale(), crop="pig", history=[other]) == []


def test_a_water_quality_reading_is_a_valid_epcis_sensor_report() -> None:
    reading = WaterQuality(plot_id=POND, season_id=CYCLE, on=date(2026, 8, 3),
                           recorded_by="m", temperature_c=29.5, ph=7.9, salinity_ppt=12)
    event = entry_to_event(reading, "k")
    assert validate_event(event, NAMESPACES) == []
    assert event["bizStep"] == "sensor_reporting"
    reports = event["sensorElementList"][0]["sensorReport"]
    assert {(r["type"], r.get("uom"), r["value"]) for r in reports} == {
        ("Temperature", "CEL", 29.5), ("https://agritrace.org/voc/measurement/pH", None, 7.9),
        ("Dimensionless", "NX", 12)}


def test_a_reading_without_any_measure_names_the_field_in_vietnamese() -> None:
    with pytest.raises(ValidationException) as exc:
        WaterQuality(plot_id=POND, season_id=CYCLE, on=date(2026, 8, 3), recorded_by="m")
    problem = exc.value.problems[0]
    assert problem.path == "water_quality.temperature_c"
    assert Translator("vi").expected(problem).startswith("ít nhất một chỉ số")


# --- recorded in the store -----------------------------------------------------------------


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def _farm(engine: Engine) -> tuple[Actor, Place, Place]:
    org = create_organization(engine, "HTX Chăn nuôi Hòa Bình")
    manager = org_actor(org, "Nguyễn Văn Chủ")
    barn = add_place(engine, manager, {"name": "Chuồng lợn thịt 1", "kind": "barn",
                                       "crop": "pig", "area_code": "VN-HB-CN-0042"}).place
    pond = add_place(engine, manager, {"name": "Ao tôm A1", "kind": "pond", "area_ha": 0.5,
                                       "crop": "shrimp_whiteleg",
                                       "area_code": "VN-CM-NT-0007"}).place
    for place in (barn, pond):
        open_season(engine, manager, {"plot": place.uri, "start": date(2026, 6, 1)})
    return manager, barn, pond


def test_a_pig_herd_from_stocking_to_a_flagged_sale_that_traces_back(engine: Engine) -> None:
    manager, barn, _ = _farm(engine)
    assert (barn.kind, barn.area_code) == ("barn", "VN-HB-CN-0042")
    record_entry(engine, manager, "stocking", {
        "plot_id": barn.uri, "on": "2026-06-02", "species": "pig",
        "origin": "Trại giống Dabaco", "count": "120"}, "k1")
    record_entry(engine, manager, "treatment", {
        "plot_id": barn.uri, "on": "2026-09-01", "product": "Amoxicillin 15% LA",
        "active_ingredients": "Amoxicillin", "dose": "1", "withdrawal_days": "28"}, "k2")
    sale = record_entry(engine, manager, "animal_sale", {
        "plot_id": barn.uri, "on": "2026-09-20", "quantity": "11000", "lot": "PIG-0920",
        "head_count": "110", "slaughter": "có"}, "k3")
    assert [f.rule for f in sale.findings] == ["withdrawal_period"]
    assert "Ngày an toàn: 29/09/2026" in sale.findings[0].vi
    origin = lot_origin(engine, manager.org, "https://agritrace.org/id/lot/PIG-0920")
    assert origin.harvest.plot_id == barn.uri
    assert [e.kind.value for e in origin.diary] == ["stocking", "treatment", "animal_sale"]


def test_a_refused_treatment_leaves_nothing_behind(engine: Engine) -> None:
    manager, barn, _ = _farm(engine)
    before = _count(engine)
    with pytest.raises(Refused) as exc:
        record_entry(engine, manager, "treatment", {
            "plot_id": barn.uri, "on": "2026-09-01", "product": "Tylosin 20%",
            "active_ingredients": "Tylosin tartrate", "dose": "1", "withdrawal_days": "14",
            "purpose": "prophylaxis"}, "k1")
    assert exc.value.text("vi").startswith("Không được dùng kháng sinh Tylosin")
    assert exc.value.problems[0].path == "treatment.purpose"
    assert _count(engine) == before


def test_a_pond_keeps_water_readings_found_by_the_standard_sensor_parameters(
        engine: Engine) -> None:
    manager, _, pond = _farm(engine)
    record_entry(engine, manager, "water_quality", {
        "plot_id": pond.uri, "on": "2026-08-03", "temperature_c": "29.5",
        "dissolved_oxygen_mg_l": "4.8", "ammonia_mg_l": "0.3"}, "k1")
    found = query_events(engine, manager.org, {"EQ_type": "MassConcentration"})
    assert len(found) == 1 and found[0]["bizLocation"] == {"id": pond.uri}
    assert query_events(engine, manager.org, {"EQ_type": "Temperature",
                                              "EQ_bizLocation": pond.uri})
    oxygen = "https://identifiers.org/inchikey:MYMOFIZGZYHOMD-UHFFFAOYSA-N"
    assert len(query_events(engine, manager.org, {"EQ_chemicalSubstance": oxygen})) == 1
    assert query_events(engine, manager.org, {"EQ_type": "Illuminance"}) == []


def test_a_place_keeps_only_its_own_kinds_of_entry(engine: Engine) -> None:
    manager, barn, pond = _farm(engine)
    with pytest.raises(ValidationException) as exc:
        record_entry(engine, manager, "spraying", {
            "plot_id": pond.uri, "on": "2026-08-03", "product": "Anvil 5SC", "dose": "1"}, "k")
    problem = exc.value.problems[0]
    assert problem.path == "kind" and "water_quality" in problem.expected
    assert problem.found == "'spraying'"
    with pytest.raises(ValidationException):
        record_entry(engine, manager, "water_quality", {
            "plot_id": barn.uri, "on": "2026-08-03", "ph": "7"}, "k")


def test_a_barn_names_a_known_species(engine: Engine) -> None:
    org = create_organization(engine, "Trại X")
    manager = org_actor(org, "Chủ trại")
    with pytest.raises(ValidationException) as exc:
        add_place(engine, manager, {"name": "Chuồng 2", "kind": "barn", "crop": "shrimp"})
    problem = exc.value.problems[0]
    assert problem.path == "place.crop" and "pig" in problem.expected
    with pytest.raises(ValidationException) as no_area:
        add_place(engine, manager, {"name": "Ao 2", "kind": "pond", "crop": "pangasius"})
    assert no_area.value.problems[0].path == "place.area_ha"


def test_a_barn_and_pond_diary_imported_in_vietnamese_words(engine: Engine) -> None:
    manager, barn, pond = _farm(engine)
    data = (
        "Loại công việc;Thửa;Ngày;Loài nuôi;Nguồn giống;Số con;Tên sản phẩm;Liều dùng;"
        "Đơn vị liều;Thời gian ngừng thuốc;Hoạt chất;Nhiệt độ;Độ mặn;DO\n"
        "Thả giống;Chuồng lợn thịt 1;02/06/2026;pig;Trại giống Dabaco;120;;;;;;;;\n"
        "Dùng thuốc thú y;Chuồng lợn thịt 1;01/09/2026;;;;Amoxicillin 15%;1;ml/head;28;"
        "Amoxicillin;;;\n"
        "Đo chất lượng nước;Ao tôm A1;03/08/2026;;;;;;;;;29,5;15;5,2\n"
    ).encode()
    preview = preview_import(engine, manager, "diary", data, "nhat-ky.csv")
    assert preview.ok and preview.unknown == [], [e.vi for r in preview.rows for e in r.errors]
    apply_import(engine, manager, "diary", data, "nhat-ky.csv")
    kinds = [e.kind.value for e in plot_entries(engine, manager.org, barn.uri)]
    assert kinds == ["stocking", "treatment"]
    (reading,) = plot_entries(engine, manager.org, pond.uri)
    assert isinstance(reading, WaterQuality)
    assert (reading.temperature_c, reading.salinity_ppt, reading.dissolved_oxygen_mg_l) == (
        29.5, 15, 5.2)
    prevention = ("Phòng bệnh;Chuồng lợn thịt 1;02/09/2026;;;;Tylosin 20%;1;ml/head;14;"
                  "Tylosin;;;\n")
    refused = preview_import(engine, manager, "diary",
                             data.split(b"\n")[0] + b"\n" + prevention.encode(), "x.csv")
    assert not refused.ok
    assert "Không được dùng kháng sinh Tylosin" in refused.rows[0].errors[0].vi


def test_a_tagged_animals_entries_are_found_by_its_ear_tag(engine: Engine) -> None:
    manager, barn, _ = _farm(engine)
    sow = "urn:epc:id:giai:8930000.NAI-0042"
    record_entry(engine, manager, "vaccination", {
        "plot_id": barn.uri, "on": "2026-06-10", "product": "Vắc xin dịch tả lợn",
        "batch": "NAVETCO-0126", "animals": sow}, "k1")
    record_entry(engine, manager, "treatment", {
        "plot_id": barn.uri, "on": "2026-07-01", "product": "Oxytetracycline 20% LA",
        "active_ingredients": "Oxytetracycline", "dose": "5", "withdrawal_days": "28",
        "animals": f"{sow}, urn:epc:id:giai:8930000.NAI-0043"}, "k2")
    found = query_events(engine, manager.org, {"MATCH_epc": sow})
    assert [e["agt:entryKind"] for e in found] == ["vaccination", "treatment"]
    with pytest.raises(ValidationException) as exc:
        record_entry(engine, manager, "mortality", {
            "plot_id": barn.uri, "on": "2026-07-02", "count": "1", "animals": "tai số 7"}, "k3")
    problem = exc.value.problems[0]
    assert problem.path == "mortality.animals[0]" and problem.found == "'tai số 7'"
    assert Translator("vi").expected(problem).startswith("số tai của con vật dạng GIAI")


def test_a_feed_with_an_antibiotic_asks_for_a_treatment_entry() -> None:
    feed = Feeding(plot_id=BARN, season_id=HERD, on=date(2026, 9, 1), recorded_by="m",
                   product="Cám trộn thuốc", amount=200,
                   active_ingredients=("Tiamulin fumarate", "Vitamin E"))
    (finding,) = check_entry(feed, crop="pig")
    assert (finding.rule, finding.severity) == ("antibiotic_in_feed", Severity.WARNING)
    assert "Tiamulin" in finding.vi and "thời gian ngừng thuốc" in finding.vi
    plain = Feeding(plot_id=BARN, season_id=HERD, on=date(2026, 9, 1), recorded_by="m",
                    product="Cám CP 551", amount=200)
    assert check_entry(plain, crop="pig") == []
