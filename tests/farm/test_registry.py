"""The farm registry on both engines: checked input, audited changes, EPCIS master data."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from agritrace.errors import (
    ConflictException,
    ForbiddenException,
    NoSuchResourceException,
    ValidationException,
)
from agritrace.farm.catalog import (
    add_certificate,
    add_product,
    list_certificates,
    ocop_expiry,
    update_product,
)
from agritrace.farm.diary import vietnam_today
from agritrace.farm.masterdata import EPC_CLASS, LOCATION, master_data
from agritrace.farm.places import RegistryRules, add_place, get_place, list_places, update_place
from agritrace.farm.registry import (
    actor_for_token,
    add_member,
    create_member_token,
    get_member,
    history,
    list_members,
    update_member,
)
from agritrace.farm.seasons import close_season, list_seasons, open_season
from agritrace.farm.tables import places
from agritrace.ids.gs1 import vietnam_gtin
from agritrace.store.orgs import authenticate
from tests.conformance import JSON_SCHEMA, needs_files
from tests.farm.coop import BIG, CHERRY, SMALL, make_coop, polygon


def _paths(exc: pytest.ExceptionInfo[ValidationException]) -> list[str]:
    return [p.path for p in exc.value.problems]


def test_a_plot_area_is_computed_geodesically_from_its_polygon(engine: Engine) -> None:
    coop = make_coop(engine)
    assert coop.plot_a.area_ha == pytest.approx(4.5, abs=0.01)
    assert coop.plot_b.area_ha == pytest.approx(1.6, abs=0.01)
    assert coop.plot_a.geometry == polygon(BIG)


BAD_POLYGONS = {
    "unclosed": (polygon(SMALL[:-1]), "unclosed_ring"),
    "self_intersecting": (polygon([SMALL[0], SMALL[2], SMALL[1], SMALL[3], SMALL[0]]),
                          "self_intersection"),
    "too_few_points": (polygon([SMALL[0], SMALL[1], SMALL[0]]), "too_few_positions"),
    "swapped": (polygon([[lat, lon] for lon, lat in SMALL]), "swapped"),
}


@pytest.mark.parametrize("name", sorted(BAD_POLYGONS))
def test_bad_polygons_are_refused_naming_the_rule_and_nothing_is_saved(
        engine: Engine, name: str) -> None:
    coop = make_coop(engine)
    geometry, code = BAD_POLYGONS[name]
    with pytest.raises(ValidationException) as exc:
        add_place(engine, coop.manager, {"name": "Nương X", "geometry": geometry,
                                         "crop": "coffee"})
    assert any(p.path.startswith("place.geometry.coordinates") and code in p.expected
               for p in exc.value.problems), exc.value
    assert len(list_places(engine, coop.org)) == 2


def test_a_plot_outside_vietnam_is_saved_with_a_warning(engine: Engine) -> None:
    coop = make_coop(engine)
    laos = [[lon - 1.5, lat] for lon, lat in SMALL]  # Luang Prabang province
    saved = add_place(engine, coop.manager, {"name": "Nương Lào", "geometry": polygon(laos),
                                             "crop": "coffee"})
    assert [n.path for n in saved.notices] == ["place.geometry"]
    assert "Việt Nam" in saved.notices[0].vi and "Vietnam" in saved.notices[0].en


def test_a_point_needs_a_declared_area(engine: Engine) -> None:
    coop = make_coop(engine)
    point = {"type": "Point", "coordinates": [103.204101, 21.493811]}
    with pytest.raises(ValidationException) as exc:
        add_place(engine, coop.manager, {"name": "P", "geometry": point, "crop": "coffee"})
    assert _paths(exc) == ["place.area_ha"]
    saved = add_place(engine, coop.manager, {"name": "P", "geometry": point, "crop": "coffee",
                                             "area_ha": "1.2"})
    assert saved.place.area_ha == 1.2


def test_growing_area_code_pattern_and_minimum_area_come_from_configuration(
        engine: Engine) -> None:
    coop = make_coop(engine, crop="durian")
    rules = RegistryRules(code_patterns={"durian": r"VN-[A-Z]{2}\d{4}", "*": r".+"})
    with pytest.raises(ValidationException) as exc:
        update_place(engine, coop.manager, coop.plot_b.id, {"area_code": "12-34"}, rules)
    assert _paths(exc) == ["place.area_code"]
    saved = update_place(engine, coop.manager, coop.plot_b.id,
                         {"area_code": "VN-DB0001", "market": "CN"}, rules)
    assert saved.place.area_code == "VN-DB0001"
    # Durian for China needs 10 ha by the default readiness rules; 1.6 ha is warned.
    assert [n.path for n in saved.notices] == ["place.area_code"]
    assert "10 ha" in saved.notices[0].en


def test_every_change_is_audited_with_old_and_new_values(engine: Engine) -> None:
    coop = make_coop(engine)
    update_place(engine, coop.manager, coop.plot_a.id, {"variety": "Catimor"})
    update_member(engine, coop.manager, coop.farmer_a.id, {"phone": "0988 000 111"})
    rows = history(engine, coop.org, places.name, coop.plot_a.id)
    assert [r["action"] for r in rows] == ["create", "update"]
    assert rows[1]["old"]["variety"] == "" and rows[1]["new"]["variety"] == "Catimor"
    assert rows[1]["changed_by"] == "org Giàng A Páo"
    member_rows = history(engine, coop.org, "farm_members", coop.farmer_a.id)
    assert member_rows[-1]["new"]["phone"] == "0988000111"


def test_an_unchanged_update_writes_no_history(engine: Engine) -> None:
    coop = make_coop(engine)
    update_place(engine, coop.manager, coop.plot_a.id, {"name": "Nương A"})
    assert len(history(engine, coop.org, places.name, coop.plot_a.id)) == 1


def test_a_farmer_cannot_change_the_registry(engine: Engine) -> None:
    coop = make_coop(engine)
    farmer = coop.farmer_a.actor(coop.org)
    with pytest.raises(ForbiddenException):
        add_member(engine, farmer, name="Ai đó")
    with pytest.raises(ForbiddenException):
        update_place(engine, farmer, coop.plot_a.id, {"name": "Của tôi"})


def test_another_cooperatives_rows_are_unknown_and_stay_unchanged(engine: Engine) -> None:
    coop, other = make_coop(engine), make_coop(engine, "HTX Chè Tà Xùa", "tea")
    product, _ = add_product(engine, other.manager, {"gtin": CHERRY, "name_vi": "Chè"})
    name = coop.org.name
    refused = {
        f"No member {other.farmer_a.id} in {name}":
            lambda: get_member(engine, coop.org, other.farmer_a.id),
        f"No place {other.plot_a.id} in {name}":
            lambda: get_place(engine, coop.org, other.plot_a.id),
        f"No farm_members record {other.farmer_a.id} in {name}":
            lambda: update_member(engine, coop.manager, other.farmer_a.id, {"name": "Ai"}),
        f"No product {product.id} in {name}":
            lambda: update_product(engine, coop.manager, product.id, {"name_vi": "Của tôi"}),
    }
    for message, call in refused.items():
        with pytest.raises(NoSuchResourceException) as exc:
            call()
        assert exc.value.detail == message
    assert get_member(engine, other.org, other.farmer_a.id).name == "Lò Văn A"
    assert history(engine, other.org, "farm_members", other.farmer_a.id)[-1]["action"] == \
        "create"


def test_a_member_login_token_is_bound_to_org_and_member(engine: Engine) -> None:
    coop = make_coop(engine)
    token = create_member_token(engine, coop.manager, coop.farmer_a.id)
    org = authenticate(engine, token).org
    actor = actor_for_token(engine, org, token)
    assert (org.id, actor.member_id, actor.role.value) == (coop.org.id, coop.farmer_a.id,
                                                           "farmer")
    update_member(engine, coop.manager, coop.farmer_a.id, {"active": False})
    with pytest.raises(ForbiddenException):
        actor_for_token(engine, org, token)


def test_members_are_checked(engine: Engine) -> None:
    coop = make_coop(engine)
    with pytest.raises(ValidationException) as exc:
        add_member(engine, coop.manager, name=" ", role="chairman", phone="12")
    assert _paths(exc) == ["member.name", "member.role", "member.phone"]
    assert len(list_members(engine, coop.org)) == 3


@pytest.mark.parametrize("gtin", ["8931234000111", "8931234000119", "893123400011"])
def test_a_gtin_with_a_wrong_check_digit_is_refused(engine: Engine, gtin: str) -> None:
    coop = make_coop(engine)
    with pytest.raises(ValidationException) as exc:
        add_product(engine, coop.manager, {"gtin": gtin, "name_vi": "Cà phê"})
    assert _paths(exc) == ["product.gtin"]


def test_products_outside_prefix_893_are_noted_and_gtins_are_unique(engine: Engine) -> None:
    coop = make_coop(engine)
    product, notices = add_product(engine, coop.manager, {"gtin": CHERRY, "name_vi": "Quả"})
    assert product.gtin == CHERRY and notices == []
    _, notices = add_product(engine, coop.manager, {"gtin": "4006381333931", "name_vi": "Bút"})
    assert [n.path for n in notices] == ["product.gtin"] and "893" in notices[0].en
    with pytest.raises(ConflictException):
        add_product(engine, coop.manager, {"gtin": CHERRY, "name_vi": "Lần hai"})


def test_ocop_certificates_are_valid_36_months(engine: Engine) -> None:
    coop = make_coop(engine)
    issued = date(2025, 6, 12)
    gtin = vietnam_gtin("123400035").value
    product, _ = add_product(engine, coop.manager, {
        "gtin": gtin, "name_vi": "Cà phê rang xay", "ocop_stars": 4,
        "ocop_certificate": "1125/QĐ-UBND", "ocop_issued": issued.isoformat()})
    assert product.ocop_expires == date(2028, 6, 12)
    with pytest.raises(ValidationException) as exc:
        update_product(engine, coop.manager, product.id,
                       {"ocop_issued": issued, "ocop_expires": date(2028, 7, 1)})
    assert _paths(exc) == ["product.ocop_expires"]
    with pytest.raises(ValidationException) as exc:
        update_product(engine, coop.manager, product.id, {"ocop_stars": 2})
    assert _paths(exc) == ["product.ocop_stars"]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_ocop_expiry_is_36_months_later_or_the_month_end(issued: date) -> None:
    expiry = ocop_expiry(issued)
    months = (expiry.year - issued.year) * 12 + expiry.month - issued.month
    assert months == 36
    assert expiry.day == issued.day or (expiry.day < issued.day
                                        and (expiry + timedelta(days=1)).day == 1)


def test_certificates_have_a_validity_and_a_registered_subject(engine: Engine) -> None:
    coop = make_coop(engine)
    base = {"kind": "VietGAP", "issuer": "Quacert", "number": "VG-0417",
            "valid_from": "2025-03-15", "valid_to": "2028-03-14"}
    with pytest.raises(ValidationException) as exc:
        add_certificate(engine, coop.manager, base | {"kind": "ISO", "valid_to": "2024-01-01",
                                                      "subject_kind": "plot",
                                                      "subject": "urn:x:none"})
    assert _paths(exc) == ["certificate.kind", "certificate.valid_to", "certificate.subject"]
    certificate, _ = add_certificate(engine, coop.manager, base | {
        "subject_kind": "plot", "subject": coop.plot_a.uri})
    assert certificate.valid_on(date(2026, 1, 1)) and not certificate.valid_on(date(2028, 4, 1))
    assert list_certificates(engine, coop.org, valid_on=date(2029, 1, 1)) == []


def test_seasons_refuse_future_dates_and_an_end_before_the_start(engine: Engine) -> None:
    coop = make_coop(engine)
    tomorrow = vietnam_today() + timedelta(days=1)
    with pytest.raises(ValidationException) as exc:
        open_season(engine, coop.manager, {"plot": coop.plot_a.uri, "start": tomorrow})
    assert _paths(exc) == ["season.start"]
    with pytest.raises(ValidationException) as exc:
        open_season(engine, coop.manager, {"plot": coop.plot_a.uri, "start": "2026-03-01",
                                           "end": "2026-02-01", "sown_on": "2026-01-01"})
    assert _paths(exc) == ["season.end", "season.sown_on"]
    closed = close_season(engine, coop.manager, coop.season_a.uri, date(2026, 10, 31))
    assert closed.end == date(2026, 10, 31)
    assert [s.uri for s in list_seasons(engine, coop.org, plot_uri=coop.plot_a.uri)] == [
        coop.season_a.uri]


def _vocabulary_schema() -> dict[str, Any]:
    schema = json.loads(JSON_SCHEMA.read_text())
    return {"$ref": "#/definitions/vocabularyList", "definitions": schema["definitions"]}


@needs_files
def test_master_data_is_an_epcis_vocabulary_list(engine: Engine) -> None:
    coop = make_coop(engine)
    add_product(engine, coop.manager, {"gtin": CHERRY, "name_vi": "Quả cà phê tươi",
                                       "name_en": "Fresh coffee cherries"})
    add_certificate(engine, coop.manager, {
        "kind": "VietGAP", "issuer": "Quacert", "number": "VG-0417",
        "valid_from": "2025-03-15", "valid_to": "2028-03-14"})
    data = master_data(engine, coop.org)
    jsonschema.validate(data["vocabularyList"], _vocabulary_schema())
    by_type = {v["type"]: v["vocabularyElementList"] for v in data["vocabularyList"]}
    locations = {e["id"]: {a["id"]: a.get("attribute") for a in e["attributes"]}
                 for e in by_type[LOCATION]}
    plot = locations[coop.plot_a.uri]
    assert plot["urn:epcglobal:cbv:mda#name"] == "Nương A"
    assert plot["https://agritrace.org/voc/mda#areaHa"] == pytest.approx(4.5, abs=0.01)
    assert "VietGAP VG-0417" in plot["https://agritrace.org/voc/mda#certificate"]
    (product,) = by_type[EPC_CLASS]
    assert product["id"] == f"https://id.gs1.org/01/{CHERRY}"


def test_a_text_longer_than_its_column_is_refused_by_name_on_both_engines(
        engine: Engine) -> None:
    coop = make_coop(engine)
    long_name = "Cà phê Arabica " * 14  # 210 characters; the column holds 200
    with pytest.raises(ValidationException) as refused:
        add_product(engine, coop.manager, {"gtin": CHERRY, "name_vi": long_name.strip(),
                                           "category": "c" * 101})
    assert _paths(refused) == ["product.name_vi", "product.category"]
    assert refused.value.problems[0].found == "209"
    with pytest.raises(ValidationException) as refused:
        add_place(engine, coop.manager, {"name": "Thửa " + "A" * 200, "crop": "coffee",
                                         "area_ha": 1.0})
    assert _paths(refused) == ["place.name"]
    members = len(list_members(engine, coop.org))
    with pytest.raises(ValidationException) as refused:
        add_member(engine, coop.manager, name="Lò Văn " * 40)
    assert _paths(refused) == ["member.name"]
    assert len(list_members(engine, coop.org)) == members  # nothing stored
