"""Recording diary entries: authorisation, refusals, warnings, idempotency, tracing back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from agritrace.demo import COOP, load_demo
from agritrace.errors import ForbiddenException, NoSuchResourceException, ValidationException
from agritrace.farm.catalog import add_product
from agritrace.farm.demo import load_farm_demo
from agritrace.farm.diary import Harvest, vietnam_today
from agritrace.farm.journal import lot_origin, query_events, season_entries
from agritrace.farm.readiness import readiness_report
from agritrace.farm.record import entry_defaults, record_entry
from agritrace.store.orgs import find_organization
from agritrace.store.tables import events
from tests.farm.coop import CHERRY, Coop, make_coop


def _event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def _spray(coop: Coop, **fields: object) -> dict[str, object]:
    return {"plot_id": coop.plot_a.uri, "on": "2026-06-10", "product": "Anvil 5SC",
            "dose": 1.0, "dose_unit": "l/ha", "target_pest": "gỉ sắt"} | fields


def test_the_same_idempotency_key_twice_stores_one_event(engine: Engine) -> None:
    coop = make_coop(engine)
    farmer = coop.farmer_a.actor(coop.org)
    fields = {"plot_id": coop.plot_a.uri, "on": "2026-04-05", "product": "NPK 16-16-8",
              "amount": 300, "n_percent": 16}
    first = record_entry(engine, farmer, "fertilizing", fields, "phone-7f3a:0001")
    again = record_entry(engine, farmer, "fertilizing", fields, "phone-7f3a:0001")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.event_id == again.event_id and again.entry == first.entry
    assert _event_count(engine) == 1
    other = record_entry(engine, farmer, "fertilizing", fields | {"on": "2026-04-06"},
                         "phone-7f3a:0002")
    assert other.event_id != first.event_id and _event_count(engine) == 2


def test_two_identical_entries_with_different_keys_are_two_events(engine: Engine) -> None:
    coop = make_coop(engine)
    fields = {"plot_id": coop.plot_a.uri, "on": "2026-05-01", "activity": "làm cỏ"}
    first = record_entry(engine, coop.manager, "other_care", fields, "phone:1")
    second = record_entry(engine, coop.manager, "other_care", fields, "phone:2")
    assert first.event_id != second.event_id and _event_count(engine) == 2
    assert record_entry(engine, coop.manager, "other_care", fields, "phone:2").duplicate


def test_a_farmer_may_not_write_to_another_farmers_plot(engine: Engine) -> None:
    coop = make_coop(engine)
    intruder = coop.farmer_b.actor(coop.org)
    with pytest.raises(ForbiddenException) as exc:
        record_entry(engine, intruder, "other_care", {"plot_id": coop.plot_a.uri,
                                                      "on": "2026-05-01",
                                                      "activity": "làm cỏ"}, "k1")
    assert exc.value.status == 403 and exc.value.problems[0].path == "plot_id"
    # The technical manager may write to every plot of the cooperative.
    technical = coop.technical.actor(coop.org)
    record_entry(engine, technical, "other_care", {"plot_id": coop.plot_a.uri,
                                                   "on": "2026-05-01", "activity": "làm cỏ"},
                 "k2")
    assert _event_count(engine) == 1


def test_a_plot_of_another_cooperative_is_not_found(engine: Engine) -> None:
    coop = make_coop(engine)
    other = make_coop(engine, "HTX Khác")
    with pytest.raises(NoSuchResourceException):
        record_entry(engine, other.manager, "other_care", {
            "plot_id": coop.plot_a.uri, "on": "2026-05-01", "activity": "x"}, "k")


@pytest.mark.parametrize(("fields", "path"), [
    ({"on": "2099-01-01"}, "spraying.on"),
    ({"on": "2026-02-10", "product": "x", "dose": -1}, "spraying.dose"),
    ({"dose": 500, "dose_unit": "l/ha"}, "spraying.dose"),
    ({"on": "10/06/2026"}, "spraying.on"),
    ({"colour": "red"}, "spraying.colour"),
])
def test_bad_fields_are_refused_naming_the_field(engine: Engine, fields: dict[str, object],
                                                 path: str) -> None:
    coop = make_coop(engine)
    with pytest.raises(ValidationException) as exc:
        record_entry(engine, coop.manager, "spraying", _spray(coop, **fields), "k")
    assert path in [p.path for p in exc.value.problems]
    assert _event_count(engine) == 0


def test_an_entry_before_sowing_is_refused(engine: Engine) -> None:
    coop = make_coop(engine)  # season A was sown on 2026-03-01
    with pytest.raises(ValidationException) as exc:
        record_entry(engine, coop.manager, "pest_observation", {
            "plot_id": coop.plot_a.uri, "on": "2026-02-15", "pest": "rệp sáp"}, "k")
    assert [p.path for p in exc.value.problems] == ["pest_observation.on"]
    assert "2026-03-01" in exc.value.problems[0].expected


def test_a_future_date_is_refused(engine: Engine) -> None:
    coop = make_coop(engine)
    tomorrow = (vietnam_today() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationException) as exc:
        record_entry(engine, coop.manager, "other_care", {
            "plot_id": coop.plot_a.uri, "season_id": coop.season_a.uri, "on": tomorrow,
            "activity": "tỉa cành"}, "k")
    assert [p.path for p in exc.value.problems] == ["other_care.on"]


def test_a_banned_active_ingredient_is_refused_and_nothing_stored(engine: Engine) -> None:
    coop = make_coop(engine)
    with pytest.raises(ValidationException) as exc:
        record_entry(engine, coop.farmer_a.actor(coop.org), "spraying", _spray(
            coop, product="Furadan 3GR", active_ingredients="Carbofuran", dose=20,
            dose_unit="kg/ha"), "k")
    assert "Carbofuran" in str(exc.value) and "cấm" in exc.value.detail
    assert _event_count(engine) == 0


def test_an_over_label_dose_is_stored_with_a_warning_in_both_languages(engine: Engine) -> None:
    coop = make_coop(engine)
    recorded = record_entry(engine, coop.manager, "spraying", _spray(coop, dose=5.0), "k")
    assert [f.rule for f in recorded.findings] == ["dose_over_label"]
    assert "vượt liều" in recorded.findings[0].vi and "label maximum" in recorded.findings[0].en
    assert _event_count(engine) == 1


def test_harvest_inside_the_pre_harvest_interval_is_flagged(engine: Engine) -> None:
    coop = make_coop(engine)
    add_product(engine, coop.manager, {"gtin": CHERRY, "name_vi": "Quả cà phê tươi"})
    record_entry(engine, coop.manager, "spraying", _spray(coop, phi_days=14), "k1")
    harvest = record_entry(engine, coop.manager, "harvest", {
        "plot_id": coop.plot_a.uri, "on": "2026-06-20", "quantity": 900, "lot": "A26-1",
        "gtin": CHERRY}, "k2")
    assert [f.rule for f in harvest.findings] == ["pre_harvest_interval"]
    assert "24/06/2026" in harvest.findings[0].vi and "Anvil 5SC" in harvest.findings[0].en


def test_a_harvest_of_an_unknown_product_is_refused(engine: Engine) -> None:
    coop = make_coop(engine)
    with pytest.raises(NoSuchResourceException) as exc:
        record_entry(engine, coop.manager, "harvest", {
            "plot_id": coop.plot_a.uri, "on": "2026-10-20", "quantity": 900, "lot": "A26-1",
            "gtin": CHERRY}, "k")
    assert exc.value.problems[0].path == "gtin"
    assert _event_count(engine) == 0


def test_an_unknown_spraying_product_is_a_warning(engine: Engine) -> None:
    coop = make_coop(engine)
    recorded = record_entry(engine, coop.manager, "spraying",
                            _spray(coop, product="Thuốc lạ XYZ"), "k")
    assert [f.rule for f in recorded.findings] == ["unknown_product"]


def test_a_form_starts_from_the_last_entry_of_the_same_kind(engine: Engine) -> None:
    coop = make_coop(engine)
    farmer = coop.farmer_a.actor(coop.org)
    record_entry(engine, farmer, "fertilizing", {
        "plot_id": coop.plot_a.uri, "on": "2026-04-05", "product": "NPK 16-16-8",
        "amount": 300, "n_percent": 16, "note": "bón thúc"}, "k")
    defaults = entry_defaults(engine, farmer, coop.plot_a.uri, "fertilizing")
    assert defaults["product"] == "NPK 16-16-8" and defaults["amount"] == 300
    assert defaults["on"] == vietnam_today().isoformat() and "note" not in defaults
    with pytest.raises(ForbiddenException):
        entry_defaults(engine, coop.farmer_b.actor(coop.org), coop.plot_a.uri, "fertilizing")


def test_the_season_diary_is_found_by_the_season_uri(engine: Engine) -> None:
    coop = make_coop(engine)
    record_entry(engine, coop.manager, "other_care", {
        "plot_id": coop.plot_a.uri, "on": "2026-05-01", "activity": "làm cỏ"}, "k1")
    record_entry(engine, coop.manager, "other_care", {
        "plot_id": coop.plot_b.uri, "on": "2026-05-01", "activity": "làm cỏ"}, "k2")
    (entry,) = season_entries(engine, coop.org, coop.season_a.uri)
    assert entry.plot_id == coop.plot_a.uri and entry.on == date(2026, 5, 1)


def test_a_demo_harvest_lot_traces_back_to_its_diary(engine: Engine) -> None:
    chain = load_demo(engine)
    farm = load_farm_demo(engine, chain)
    coop = find_organization(engine, COOP)
    origin = lot_origin(engine, coop, chain.harvest_lots[1])
    assert origin.harvest.plot_id == farm.plots[1]
    assert origin.harvest.season_id == farm.seasons[1]
    diary_events = query_events(engine, coop, {"MATCH_epc": farm.seasons[1]})
    assert len(diary_events) == 4  # pruning, two fertilizings, pest monitoring
    kinds = [e.kind.value for e in origin.diary]
    assert kinds == ["other_care", "fertilizing", "pest_observation", "fertilizing",
                     "harvest"]
    assert isinstance(origin.diary[-1], Harvest)
    report = readiness_report(engine, coop, as_of=date(2026, 10, 31))
    assert report.hectares_coded == pytest.approx(4.5, abs=0.01)
    assert load_farm_demo(engine, chain).plots == farm.plots  # a second load changes nothing
