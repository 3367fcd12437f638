"""A shrimp pond's VietGAP readiness and a shrimp pack's consumer page (issue 17): the pond,
its crop cycle and the cycle's diary in Vietnamese first, English on request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.farm.catalog import add_product
from agritrace.farm.compliance import ReadinessRules
from agritrace.farm.diary import AQUACULTURE_KINDS, ENTRY_TYPES, LIVESTOCK_KINDS
from agritrace.farm.pig_demo import load_pig_demo
from agritrace.farm.places import Place, add_place
from agritrace.farm.readiness import readiness_report, rules_from
from agritrace.farm.record import record_entry
from agritrace.farm.registry import Actor, org_actor
from agritrace.farm.seasons import Season, open_season
from agritrace.farm.shrimp_demo import load_shrimp_demo
from agritrace.ids.gs1 import vietnam_gtin
from agritrace.settings import Settings
from agritrace.store.orgs import create_organization
from agritrace.web.app import create_app
from agritrace.web.i18n import Translator
from agritrace.web.pages.farm.entries import summary
from tests.farm.test_diary import VALID, common
from tests.helpers import make_api
from tests.web.farm_site import event_count, make_site

SHRIMP = vietnam_gtin("123400077").value


def _pond(engine: Engine) -> tuple[Actor, Place, Season]:
    org = create_organization(engine, "HTX Thủy sản Cái Nước")
    manager = org_actor(org, "Trần Văn Tôm")
    pond = add_place(engine, manager, {
        "name": "Ao tôm số 3", "kind": "pond", "area_ha": 0.4, "crop": "shrimp_whiteleg",
        "area_code": "CM-NT-0303", "commune": "Tân Hưng Đông", "province": "Cà Mau"}).place
    cycle = open_season(engine, manager, {"plot": pond.uri, "start": date(2026, 6, 1)})
    return manager, pond, cycle


def _diary(engine: Engine, manager: Actor, pond: Place, *, readings: tuple[str, ...]) -> None:
    record_entry(engine, manager, "stocking", {
        "plot_id": pond.uri, "on": "2026-06-02", "species": "shrimp_whiteleg",
        "origin": "Trại giống Việt Úc Bạc Liêu", "count": "120000"}, "k-stock")
    for day in readings:
        record_entry(engine, manager, "water_quality", {
            "plot_id": pond.uri, "on": day, "temperature_c": "29", "ph": "7.8",
            "dissolved_oxygen_mg_l": "5", "salinity_ppt": "15"}, f"k-water-{day}")
    record_entry(engine, manager, "disease_observation", {
        "plot_id": pond.uri, "on": "2026-06-20", "disease": "đốm trắng", "affected": "0"},
        "k-check")


def test_a_pond_is_vietgap_ready_only_with_water_read_often_enough(engine: Engine) -> None:
    manager, pond, _ = _pond(engine)
    weekly = tuple(f"2026-06-{d:02d}" for d in (3, 9, 15, 21, 27))
    _diary(engine, manager, pond, readings=weekly)
    rules = ReadinessRules(animal_max_gap_days=7, max_days_between_water_readings=7)
    report = readiness_report(engine, manager.org, as_of=date(2026, 6, 30),
                              kinds=("pond",), rules=rules)
    (judged,) = report.plots
    names = [c.name for c in judged.checks]
    assert names == ["diary_continuity", "technical_manager", "disease_monitoring",
                     "permitted_inputs", "withdrawal_respected", "water_monitoring"]
    assert [c.name for c in judged.failed()] == ["technical_manager"]
    stricter = ReadinessRules(animal_max_gap_days=7, max_days_between_water_readings=5)
    report = readiness_report(engine, manager.org, as_of=date(2026, 6, 30),
                              kinds=("pond",), rules=stricter)
    water = next(c for c in report.plots[0].checks if c.name == "water_monitoring")
    assert not water.passed and water.vi.startswith("Không đo chất lượng nước quá 5 ngày")
    # The crop report does not count the pond's water as a plot's hectares.
    assert readiness_report(engine, manager.org, as_of=date(2026, 6, 30)).plots == ()


def test_the_thresholds_are_settings() -> None:
    rules = rules_from(Settings(readiness_max_days_between_water_readings=3,
                                readiness_animal_max_gap_days=2,
                                readiness_min_disease_checks=4))
    assert (rules.max_days_between_water_readings, rules.animal_max_gap_days,
            rules.min_disease_observations) == (3, 2, 4)


def test_a_shrimp_pack_shows_its_pond_and_cycle_in_vietnamese_and_english(
        engine: Engine) -> None:
    manager, pond, cycle = _pond(engine)
    add_product(engine, manager, {"gtin": SHRIMP, "name_vi": "Tôm thẻ nguyên con 1 kg",
                                  "name_en": "Whole whiteleg shrimp 1 kg"})
    _diary(engine, manager, pond, readings=("2026-06-10",))
    record_entry(engine, manager, "harvest", {
        "plot_id": pond.uri, "on": "2026-08-25", "quantity": "2400", "lot": "T3-0825",
        "gtin": SHRIMP}, "k-harvest")
    app = create_app(Settings(database_url="sqlite://", base_url="http://testserver"), engine)
    with TestClient(app) as client:  # the app's scan log is flushed and closed on leaving
        page = client.get(f"/01/{SHRIMP}/10/T3-0825").text
        english = client.get(f"/01/{SHRIMP}/10/T3-0825?lang=en").text
    assert "Tôm thẻ nguyên con 1 kg" in page
    assert "Ao tôm số 3" in page and "CM-NT-0303" in page  # the pond and its facility code
    assert "Tân Hưng Đông" in page and "25/08/2026" in page
    assert "Thả giống / nhập đàn" in page and "Trại giống Việt Úc Bạc Liêu" in page
    assert "Ghi nhận cảm biến" in page and "Kiểm tra" in page
    assert "Whole whiteleg shrimp 1 kg" in english and "Stocking" in english
    assert "Sensor reading" in english
    # The cycle: stocked on 2 June, its diary (and the harvest) in the journey, oldest first.
    journey = page[page.index('id="journey"'):]
    assert journey.index("02/06/2026") < journey.index("10/06/2026") < journey.index(
        "25/08/2026")
    assert cycle.start == date(2026, 6, 1)


def test_every_barn_and_pond_entry_reads_as_one_line_in_both_languages() -> None:
    for kind in dict.fromkeys((*LIVESTOCK_KINDS, *AQUACULTURE_KINDS)):
        entry = ENTRY_TYPES[kind](**common(**VALID[kind]))
        for lang in ("vi", "en"):
            line = summary(Translator(lang), entry)
            assert line and "farm_" not in line, (kind, lang, line)
    sale = ENTRY_TYPES[LIVESTOCK_KINDS[-1]](**common(**VALID[LIVESTOCK_KINDS[-1]]))
    assert "Có" in summary(Translator("vi"), sale)


def test_a_barn_over_the_farm_api_and_its_livestock_readiness(engine: Engine) -> None:
    api = make_api(engine, "Trang trại lợn Hòa Sơn")
    auth = {"Authorization": f"Bearer {api.token}"}
    barn = api.client.post("/farm/places", headers=auth, json={
        "name": "Chuồng 1", "kind": "barn", "crop": "pig", "area_code": "HB-CN-0042"})
    assert barn.status_code == 201, barn.json()
    season = api.client.post("/farm/seasons", headers=auth, json={
        "plot": barn.json()["uri"], "start": "2026-06-01"})
    assert season.status_code == 201, season.json()
    refused = api.client.post("/farm/diary", headers=auth | {"Idempotency-Key": "k1"}, json={
        "kind": "feeding", "plot_id": barn.json()["uri"], "on": "2026-06-05",
        "product": "Premix siêu nạc", "amount": 20, "active_ingredients": ["Salbutamol"]})
    assert refused.status_code == 400
    problem = refused.json()
    assert problem["detail"].startswith("Chất Salbutamol (trong Premix siêu nạc) bị cấm")
    assert problem["errors"][0]["path"] == "feeding.active_ingredients"
    report = api.client.get("/farm/readiness?sector=livestock&as_of=2026-06-30",
                            headers=auth).json()
    assert [p["plot"] for p in report["plots"]] == [barn.json()["uri"]]
    assert "disease_monitoring" in [c["name"] for c in report["plots"][0]["checks"]]
    assert api.client.get("/farm/readiness?sector=crops", headers=auth).status_code == 400


@pytest.mark.parametrize(("load", "shown", "english"), [
    (load_shrimp_demo, ("Tôm thẻ nguyên con 1 kg", "Ao tôm số 3", "CM-NT-0303", "Cái Nước",
                        "Thả giống / nhập đàn", "Dùng thuốc thú y"), "Whole whiteleg shrimp"),
    (load_pig_demo, ("Thịt lợn ba chỉ 500 g", "Chuồng lợn thịt số 1", "DN-CN-0117", "Xuân Lộc",
                     "Tiêm phòng", "Dùng thuốc thú y"), "Pork belly, 500 g"),
], ids=["shrimp pond", "pig farm"])
def test_a_demo_pack_shows_its_pond_or_barn_and_its_cycle(
        engine: Engine, load: Callable[[Engine], str], shown: tuple[str, ...],
        english: str) -> None:
    path = load(engine)
    assert load(engine) == path  # a second load changes nothing
    app = create_app(Settings(database_url="sqlite://", base_url="http://testserver"), engine)
    with TestClient(app) as client:
        page = client.get(path).text
        in_english = client.get(path + "?lang=en").text
    assert [text for text in shown if text not in page] == []
    assert "chính hãng" in page.lower()
    assert english in in_english


def test_the_manager_lists_barns_and_ponds_beside_plots(engine: Engine) -> None:
    site = make_site(engine)
    manager = site.coop.manager
    barn = add_place(engine, manager, {"name": "Chuồng lợn nái", "kind": "barn", "crop": "pig",
                                       "area_code": "DB-CN-0009"}).place
    pond = add_place(engine, manager, {"name": "Ao cá rô phi", "kind": "pond", "area_ha": 0.3,
                                       "crop": "tilapia"}).place
    site.sign_in("office")
    listed = site.client.get("/coop/plots").text
    assert "Chuồng lợn nái" in listed and "Ao cá rô phi" in listed and "Chuồng trại" in listed
    assert "Thửa đất, chuồng trại và ao nuôi" in listed
    for place in (barn, pond):  # each has its page, with its diary
        page = site.client.get(f"/coop/plots/{place.id}")
        assert page.status_code == 200 and place.name in page.text
    assert "Plots, barns and ponds" in site.client.get("/coop/plots?lang=en").text


def test_a_farmer_keeps_his_barns_diary_on_the_phone_forms(engine: Engine) -> None:
    site = make_site(engine)
    barn = add_place(engine, site.coop.manager, {
        "name": "Chuồng lợn nhà A", "kind": "barn", "crop": "pig",
        "farmer_id": site.coop.farmer_a.id}).place
    open_season(engine, site.coop.manager, {"plot": barn.uri, "start": date(2026, 6, 1)})
    site.sign_in("a")
    home = site.client.get("/my").text
    assert "Chuồng lợn nhà A" in home and "lợn" in home
    assert f"/my/plots/{barn.id}/treatment" in home  # kept for offline use
    page = site.client.get(f"/my/plots/{barn.id}").text
    assert "Dùng thuốc thú y" in page and "Phun thuốc" not in page
    assert site.client.get(f"/my/plots/{barn.id}/spraying").status_code == 404
    url = f"/my/plots/{barn.id}/treatment"
    assert "Thời gian ngừng thuốc (ngày)" in site.client.get(url).text
    before = event_count(engine)
    refused = site.client.post(url, data={
        "idempotency_key": site.form_key(url), "on": "2026-09-01", "product": "Colistin 10%",
        "active_ingredients": "Colistin sulfate", "dose": "2", "dose_unit": "g/t",
        "withdrawal_days": "7", "purpose": "prophylaxis"})
    assert refused.status_code == 400 and "Không được dùng kháng sinh Colistin" in refused.text
    assert event_count(engine) == before
    saved = site.client.post(url, data={
        "idempotency_key": site.form_key(url), "on": "2026-09-01", "product": "Colistin 10%",
        "active_ingredients": "Colistin sulfate", "dose": "2", "dose_unit": "g/t",
        "withdrawal_days": "7", "purpose": "treatment", "disease": "tiêu chảy"})
    assert saved.status_code == 201 and event_count(engine) == before + 1


def test_a_manager_opens_a_herd_on_a_barn_from_the_seasons_page(engine: Engine) -> None:
    site = make_site(engine)
    barn = add_place(engine, site.coop.manager, {
        "name": "Chuồng lợn nái", "kind": "barn", "crop": "pig"}).place
    site.sign_in("office")
    page = site.client.get("/coop/seasons").text
    assert f'value="{barn.uri}"' in page
    opened = site.client.post("/coop/seasons", data={"plot": barn.uri, "start": "2026-06-01"})
    assert opened.status_code == 201 and "Chuồng lợn nái" in opened.text and "lợn" in opened.text
