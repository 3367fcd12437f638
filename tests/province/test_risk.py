"""Codes at risk, OCOP products per commune and targets per commune on the province desk
(issue 13), on the two-province world of test_desk: Điện Biên's cooperative has one coded plot
(VN-DB-001, Nương 1) among three coffee plots in xã Ẳng Nưa."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from agritrace.farm.diary import vietnam_today
from agritrace.farm.places import list_places
from agritrace.farm.record import record_entry
from agritrace.farm.registry import org_actor
from agritrace.farm.seasons import open_season
from tests.province.test_desk import World, make_world

GTIN = "08931234000356"


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _figures(world: World, who: str = "dien_bien") -> dict[str, Any]:
    # the figures are kept (province.kept): recompute them after this test's changes
    refreshed = world.client.post("/province/refresh", headers=world.auth(who),
                                  follow_redirects=False)
    assert refreshed.status_code == 303, refreshed.text
    answer = world.client.get("/province/indicators", headers=world.auth(who))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_coded_plot_without_diary_or_with_an_expired_certificate_puts_its_code_at_risk(
        world: World) -> None:
    [risk] = _figures(world)["current"]["codes_at_risk"]
    assert (risk["code"], risk["commune"], risk["crop"], risk["plots"]) == (
        "VN-DB-001", "xã Ẳng Nưa", "coffee", 1)
    assert risk["owner"] == "HTX Cà phê Ẳng Nưa"
    assert risk["reasons"] == [{"reason": "no_diary", "plots": 1}]
    today = vietnam_today()
    expired = world.client.post("/farm/certificates", headers=world.auth("highland"), json={
        "kind": "VietGAP", "issuer": "Trung tâm Chứng nhận", "number": "VG-01",
        "valid_from": (today - timedelta(days=800)).isoformat(),
        "valid_to": (today - timedelta(days=10)).isoformat()})
    assert expired.status_code == 201, expired.text
    [risk] = _figures(world)["current"]["codes_at_risk"]
    assert [r["reason"] for r in risk["reasons"]] == ["certificate_expired", "no_diary"]
    renewed = world.client.post("/farm/certificates", headers=world.auth("highland"), json={
        "kind": "VietGAP", "issuer": "Trung tâm Chứng nhận", "number": "VG-02",
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_to": (today + timedelta(days=700)).isoformat()})
    assert renewed.status_code == 201, renewed.text
    [risk] = _figures(world)["current"]["codes_at_risk"]
    assert [r["reason"] for r in risk["reasons"]] == ["no_diary"]  # a valid one replaces it
    assert _figures(world, "dong_thap")["current"]["codes_at_risk"] == []  # no code there
    page = world.client.get("/province", headers=world.auth("dien_bien"))
    assert "VN-DB-001" in page.text and "không có nhật ký trong vụ" in page.text


def test_ocop_share_per_commune_counts_valid_certificates_and_stamps(world: World) -> None:
    c, owner = world.client, world.auth("highland")
    today = vietnam_today()
    for gtin, extra in ((GTIN, {"ocop_stars": 4, "ocop_certificate": "QĐ 12/2025",
                                "ocop_expires": (today + timedelta(days=300)).isoformat()}),
                        ("08931234000363", {})):
        made = c.post("/farm/products", headers=owner,
                      json={"gtin": gtin, "name_vi": "Cà phê", **extra})
        assert made.status_code == 201, made.text
    [commune] = _figures(world)["current"]["ocop"]
    assert commune == {"commune": "xã Ẳng Nưa", "products": 2, "ocop": 1, "ocop_share": 0.5,
                       "ocop_stamped": 0, "ocop_traced": 0, "ocop_traced_share": 0.0}
    stamped = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-26", "count": 2})
    assert stamped.status_code == 201, stamped.text
    assert _figures(world)["current"]["ocop"][0]["ocop_stamped"] == 1
    # its lot was commissioned at a warehouse, never harvested at a plot: not traced
    assert _figures(world)["current"]["ocop"][0]["ocop_traced"] == 0
    assert _figures(world, "dong_thap")["current"]["ocop"] == [{
        "commune": "Tân Hồng", "products": 0, "ocop": 0, "ocop_share": None,
        "ocop_stamped": 0, "ocop_traced": 0, "ocop_traced_share": None}]
    page = c.get("/province", headers=world.auth("dien_bien"))
    assert "50 %" in page.text


def test_targets_per_commune(world: World) -> None:
    c = world.client
    for commune, value in (("Ẳng Nưa", "9"), ("", "20")):
        saved = c.post("/province/targets", headers=world.auth("dien_bien"),
                       data={"indicator": "registered_ha", "crop": "", "commune": commune,
                             "value": value}, follow_redirects=False)
        assert saved.status_code == 303, saved.text
    figures = _figures(world)
    assert sorted((t["commune"], t["value"]) for t in figures["targets"]) == [
        ("", 20.0), ("Ẳng Nưa", 9.0)]
    # the commune's name matches as people type it (without 'xã' or diacritics)
    [goal] = figures["commune_targets"]
    assert (goal["commune"], goal["now"], goal["target"]) == ("Ẳng Nưa", pytest.approx(
        6.5989, abs=0.001), 9.0)
    page = c.get("/province", headers=world.auth("dien_bien"))
    assert 'id="commune-targets"' in page.text and "73 %" in page.text  # 6,60 of 9 ha
    long = c.post("/province/targets", headers=world.auth("dien_bien"),
                  data={"indicator": "registered_ha", "commune": "x" * 101, "value": "1"})
    assert long.status_code == 400 and "commune" in long.text


def test_diary_findings_are_counted_by_product(world: World, engine: Engine) -> None:


    [plot] = [p for p in list_places(engine, world.highland, kind="plot") if p.name == "Nương 1"]
    day = vietnam_today() - timedelta(days=3)
    open_season(engine, org_actor(world.highland), {"plot": plot.uri, "start": day})
    for key in ("a", "b"):
        record_entry(engine, org_actor(world.highland), "spraying", {
            "plot_id": plot.uri, "on": day.isoformat(), "product": "Thuốc lạ XYZ",
            "dose": 1.0, "dose_unit": "l/ha", "target_pest": "rệp"}, f"flag-{key}")
    [flag] = _figures(world)["current"]["flags"]
    assert flag == {"rule": "unknown_product", "severity": "warning",
                    "product": "Thuốc lạ XYZ", "entries": 2, "plots": 1}
    page = world.client.get("/province", headers=world.auth("dien_bien")).text
    assert "thuốc không có trong danh mục" in page and "Thuốc lạ XYZ" in page
    table = world.client.get("/province/tables/flags.csv", headers=world.auth("dien_bien"))
    assert table.status_code == 200 and "unknown_product,warning,Thuốc lạ XYZ,2,1" in table.text
    assert _figures(world, "dong_thap")["current"]["flags"] == []
