"""The desk's figures followed down to their rows (issue 13): recalls followed to a close, OCOP
products stamped and traced to a plot, refused diary entries counted by ingredient per commune,
and every figure's link to the rows behind it (page and CSV), on the two-province world of
test_desk: Điện Biên's cooperative has three coffee plots in xã Ẳng Nưa (4.5 ha coded
VN-DB-001, 1.6 ha, 0.5 ha); Đồng Tháp's has two rice plots in Tân Hồng."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agritrace.farm.compliance import Refused
from agritrace.farm.diary import vietnam_today
from agritrace.farm.places import list_places
from agritrace.farm.record import record_entry
from agritrace.farm.registry import org_actor
from agritrace.farm.seasons import open_season
from agritrace.farm.tables import diary_refusals
from agritrace.province.indicators import Period
from agritrace.province.rows import Source, page_of
from agritrace.scans.log import flush_queues
from tests.province.test_desk import OFFICER, World, _capture, make_world
from tests.province.test_risk import _figures as figures_of

GTIN = "08931234000356"
HARVESTED = f"https://id.gs1.org/01/{GTIN}/10/CF-27"  # harvested at Nương 1
STORED = f"https://id.gs1.org/01/{GTIN}/10/CF-26"  # commissioned at a warehouse (make_world)
COMMUNE = "xã Ẳng Nưa"


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _figures(world: World, who: str = "dien_bien") -> dict[str, Any]:
    """The current period's figures, recomputed after the test's changes."""
    return dict(figures_of(world, who)["current"])


def _rows(world: World, name: str, who: str = "dien_bien", **given: str
          ) -> list[dict[str, str]]:
    """The list's CSV (every row), checked against the page's row count."""
    answer = world.client.get(f"/province/rows/{name}", headers=world.auth(who),
                              params={**given, "format": "csv"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    page = world.client.get(f"/province/rows/{name}", headers=world.auth(who), params=given)
    assert page.status_code == 200, page.text
    shown = re.search(r'id="count">([\d.,]+)', page.text)
    assert shown is not None and int(shown.group(1).replace(".", "")) == len(rows)
    return rows


def _plot(world: World, engine: Engine, name: str) -> str:
    [plot] = [p for p in list_places(engine, world.highland, kind="plot") if p.name == name]
    return plot.uri


def test_a_recall_is_followed_to_its_close_by_the_owner_or_the_officer(
        world: World, engine: Engine) -> None:
    c = world.client
    _capture(c, world.keys["highland"], HARVESTED, _plot(world, engine, "Nương 1"))
    ordered = c.post("/recall", headers=world.auth("dien_bien"),
                     json={"lots": [HARVESTED], "reason": "Dư lượng vượt MRL"})
    assert ordered.status_code == 201, ordered.text
    by_province = ordered.json()["recallID"]
    own = c.post("/recall", headers=world.auth("highland"),
                 json={"lots": [STORED], "reason": "Bao bì lỗi"})
    assert own.status_code == 201, own.text
    by_owner = own.json()["recallID"]
    before = _figures(world)
    assert before["recalls"] == {"recalls": 2, "by_regulator": 1, "codes": 2, "closed": 0,
                                 "open_at_end": 2, "median_days_to_close": None,
                                 "max_days_to_close": None}
    # nobody outside: the other province's cooperative and officer may not close it
    for who in ("delta", "dong_thap"):
        refused = c.post(f"/recall/{by_province}/close", headers=world.auth(who))
        assert refused.status_code == 404, (who, refused.text)
    # the lot's owner closes the province's recall; a second close is a conflict
    closed = c.post(f"/recall/{by_province}/close", headers=world.auth("highland"))
    assert closed.status_code == 200, closed.text
    assert closed.json()["daysToClose"] == pytest.approx(0.0, abs=0.01)
    again = c.post(f"/recall/{by_province}/close", headers=world.auth("dien_bien"))
    assert again.status_code == 409, again.text
    # the officer closes the owner's from the desk, recorded as the officer
    form = c.post(f"/province/recalls/{by_owner}/close", headers=world.auth("dien_bien"),
                  follow_redirects=False)
    assert form.status_code == 303, form.text
    now = _figures(world)
    assert now["recalls"] == {"recalls": 2, "by_regulator": 1, "codes": 2, "closed": 2,
                              "open_at_end": 0, "median_days_to_close": 0.0,
                              "max_days_to_close": 0.0}
    places = {(r["commune"], r["crop"]): (r["recalls"], r["closed"], r["open_at_end"])
              for r in now["recalls_by_place"]}
    assert places == {(COMMUNE, "coffee"): (1, 1, 0), ("", ""): (1, 1, 0)}
    # the rows behind: the recalls closed in the period, and those of the commune and crop
    closed_rows = _rows(world, "recalls", status="closed")
    assert {r["recall_id"] for r in closed_rows} == {by_province, by_owner}
    [mine] = [r for r in closed_rows if r["recall_id"] == by_owner]
    assert mine["closed_by"] == f"{OFFICER} (Sở NN&MT Điện Biên)"
    [placed] = _rows(world, "recalls", status="opened", commune=COMMUNE, crop="coffee")
    assert (placed["recall_id"], placed["recorded_by"]) == (by_province, "Sở NN&MT Điện Biên")
    assert placed["ordered_by"] == f"{OFFICER} (Sở NN&MT Điện Biên)"
    assert _rows(world, "recalls", status="open_at_end") == []
    assert _rows(world, "recalls", who="dong_thap") == []  # not its area's
    # a read-only token reads the list and closes nothing
    assert c.post(f"/province/recalls/{by_owner}/close", headers=world.auth("delta"),
                  follow_redirects=False).status_code == 403


def test_refused_diary_entries_are_counted_by_ingredient_per_commune(
        world: World, engine: Engine) -> None:
    plot = _plot(world, engine, "Nương 1")
    day = vietnam_today() - timedelta(days=2)
    open_season(engine, org_actor(world.highland), {"plot": plot, "start": day})
    banned = {"plot_id": plot, "on": day.isoformat(), "product": "Furadan 3GR",
              "active_ingredients": "Carbofuran", "dose": 20.0, "dose_unit": "kg/ha"}
    for key in ("banned-1", "banned-1", "banned-2"):  # the phone sends banned-1 twice
        with pytest.raises(Refused):
            record_entry(engine, org_actor(world.highland), "spraying", banned, key)
    record_entry(engine, org_actor(world.highland), "spraying", {
        "plot_id": plot, "on": day.isoformat(), "product": "Thuốc lạ XYZ", "dose": 1.0,
        "dose_unit": "l/ha", "target_pest": "rệp"}, "unknown-1")
    with engine.connect() as conn:  # kept: who, plot, what, why, when; no event, no text
        kept = conn.execute(select(diary_refusals.c.key, diary_refusals.c.ingredient,
                                   diary_refusals.c.rule, diary_refusals.c.plot)).all()
    assert sorted(kept) == [("banned-1", "Carbofuran", "banned_ingredient", plot),
                            ("banned-2", "Carbofuran", "banned_ingredient", plot)]
    counted = {(r["commune"], r["ingredient"], r["rule"], r["severity"]): (r["entries"],
                                                                           r["plots"])
               for r in _figures(world)["by_ingredient"]}
    assert counted == {(COMMUNE, "Carbofuran", "banned_ingredient", "refused"): (2, 1),
                       (COMMUNE, "Thuốc lạ XYZ", "unknown_product", "warning"): (1, 1)}
    rows = _rows(world, "compliance", commune=COMMUNE, ingredient="Carbofuran",
                 rule="banned_ingredient", severity="refused")
    assert [(r["plot"], r["severity"], r["product"]) for r in rows] == [
        (plot, "refused", "Furadan 3GR")] * 2
    assert len(_rows(world, "compliance")) == 3
    assert _figures(world, "dong_thap")["by_ingredient"] == []
    page = world.client.get("/province", headers=world.auth("dien_bien")).text
    assert "Carbofuran" in page and "bị từ chối" in page
    table = world.client.get("/province/tables/by_ingredient.csv",
                             headers=world.auth("dien_bien"))
    assert table.status_code == 200 and "Carbofuran,banned_ingredient,refused,2,1" in table.text


def test_an_ocop_product_counts_as_traced_when_a_stamped_lot_leads_to_a_plot(
        world: World, engine: Engine) -> None:
    c, owner = world.client, world.auth("highland")
    made = c.post("/farm/products", headers=owner, json={
        "gtin": GTIN, "name_vi": "Cà phê Ẳng Nưa", "ocop_stars": 4, "ocop_certificate": "QĐ 1",
        "ocop_expires": (vietnam_today() + timedelta(days=300)).isoformat()})
    assert made.status_code == 201, made.text
    stamped = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-26", "count": 2})
    assert stamped.status_code == 201, stamped.text
    [row] = _figures(world)["ocop"]
    assert (row["ocop"], row["ocop_stamped"], row["ocop_traced"]) == (1, 1, 0)
    _capture(c, world.keys["highland"], HARVESTED, _plot(world, engine, "Nương 1"))
    stamped = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-27", "count": 2})
    assert stamped.status_code == 201, stamped.text
    [row] = _figures(world)["ocop"]
    assert (row["ocop_traced"], row["ocop_traced_share"]) == (1, 1.0)
    table = c.get("/province/tables/ocop.csv", headers=world.auth("dien_bien"))
    assert table.text.splitlines()[0].endswith(",ocop_traced,ocop_traced_share")
    [traced] = _rows(world, "products", commune=COMMUNE, which="traced")
    assert (traced["gtin"], traced["stamped"], traced["traced"]) == (GTIN, "True", "True")
    assert len(_rows(world, "products", commune=COMMUNE)) == row["products"]


def test_every_figure_links_to_the_rows_behind_it(world: World, engine: Engine) -> None:
    c, owner = world.client, world.auth("highland")
    stamped = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-26", "count": 3})
    assert stamped.status_code == 201, stamped.text
    sheet = c.get(stamped.json()["csv"], headers=owner).text.splitlines()
    voided = c.post("/stamps/void", headers=owner, json={"codes": [sheet[1].split(",")[4]]})
    assert voided.status_code == 200, voided.text
    figures = _figures(world)
    # hectares: each commune and crop's plots, in each stage, add up to the figure
    [coffee] = figures["hectares"]
    for stage in ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha", "eudr_ready_ha"):
        rows = _rows(world, "plots", commune=COMMUNE, crop="coffee", stage=stage)
        assert sum(float(r["area_ha"]) for r in rows) == pytest.approx(coffee[stage]), stage
    assert [r["area_code"] for r in _rows(world, "plots", stage="coded_ha")] == ["VN-DB-001"]
    assert len(_rows(world, "plots", commune=COMMUNE, crop="coffee")) == coffee["plots"] == 3
    # stamps issued and voided
    assert len(_rows(world, "stamps", what="issued")) == figures["stamps"]["issued"] == 3
    [gone] = _rows(world, "stamps", what="voided")
    assert figures["stamps"]["voided"] == 1 and gone["owner"] == "HTX Cà phê Ẳng Nưa"
    # methane: the rice seasons behind the other province's total
    [rice] = [p for p in list_places(engine, world.delta, kind="plot") if p.name == "Ruộng 1"]
    day = vietnam_today() - timedelta(days=5)
    open_season(engine, org_actor(world.delta), {"plot": rice.uri, "start": day,
                                                 "sown_on": day})
    seasons = _rows(world, "seasons", who="dong_thap")
    assert len(seasons) == _figures(world, "dong_thap")["methane"]["seasons"] == 1
    assert seasons[0]["plot"] == rice.uri
    # every link of the desk answers, and none leads outside the desk's lists
    page = c.get("/province", headers=world.auth("dien_bien")).text
    links = {unescape(h) for h in re.findall(r'href="(/province/rows/[^"]+)"', page)}
    assert {re.sub(r"\?.*", "", link) for link in links} >= {
        "/province/rows/plots", "/province/rows/stamps", "/province/rows/recalls",
        "/province/rows/seasons", "/province/rows/products"}
    for link in sorted(links):
        assert c.get(link, headers=world.auth("dien_bien")).status_code == 200, link


def test_the_lists_are_an_officers_and_name_a_wrong_filter(world: World) -> None:
    c = world.client
    assert c.get("/province/rows/plots", headers=world.auth("highland")).status_code == 403
    assert c.get("/province/rows/plots", follow_redirects=False).status_code == 303
    unknown = c.get("/province/rows/nothing", headers=world.auth("dien_bien"))
    assert unknown.status_code == 404
    wrong = c.get("/province/rows/plots?stage=everything", headers=world.auth("dien_bien"))
    assert wrong.status_code == 400 and "stage" in wrong.text
    assert "Các thửa sau số liệu diện tích" in c.get(
        "/province/rows/plots", headers=world.auth("dien_bien")).text  # Vietnamese first
    english = c.get("/province/rows/plots?lang=en", headers=world.auth("dien_bien"))
    assert "The plots behind the hectares" in english.text


def test_a_recall_sent_by_hand_without_an_id_is_closed_by_its_org_and_time(
        world: World) -> None:
    c = world.client
    doc = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
           "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-01T00:00:00Z",
           "epcisBody": {"eventList": [{
               "type": "ObjectEvent", "eventTime": vietnam_today().isoformat() + "T08:00:00+07:00",
               "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "disposition": "recalled",
               "quantityList": [{"epcClass": STORED}]}]}}
    sent = c.post("/capture", headers={**world.auth("highland"),
                                       "Content-Type": "application/ld+json"}, json=doc)
    assert sent.status_code == 202, sent.text
    [row] = _rows(world, "recalls", status="opened")
    assert row["recall_id"].startswith(f"{world.highland.id}@") and row["reason"] == ""
    closed = c.post(f"/province/recalls/{row['recall_id']}/close",
                    headers=world.auth("dien_bien"), follow_redirects=False)
    assert closed.status_code == 303, closed.text
    assert _figures(world)["recalls"]["closed"] == 1


def test_a_long_list_pages_and_its_pages_add_up_to_the_figure_it_was_computed_with(
        world: World) -> None:
    c, owner = world.client, world.auth("highland")
    stamped = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-26",
                                                     "count": 1_100})
    assert stamped.status_code == 201, stamped.text
    issued = _figures(world)["stamps"]["issued"]
    assert issued == 1_100
    # stamps issued after the figures were computed are not in the rows behind them
    later = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-26", "count": 5})
    assert later.status_code == 201, later.text
    every = _rows(world, "stamps", what="issued")
    assert len(every) == issued and len({r["code"] for r in every}) == issued
    seen: list[str] = []
    link: str | None = "/province/rows/stamps?what=issued"
    while link is not None:  # the officer follows 'next page' to the end
        page = c.get(link, headers=world.auth("dien_bien"))
        assert page.status_code == 200, page.text
        cells = re.findall(r"<tr><td>(https://id\.gs1\.org/[^<]+)</td>", page.text)
        assert 0 < len(cells) <= 500
        seen += cells
        following = re.search(r'href="([^"]+)" rel="next"', page.text)
        link = "/province/rows/stamps" + unescape(following.group(1)) if following else None
    assert seen == [r["code"] for r in every]  # the pages, in order, are the CSV's rows
    assert "Trang 3/3: dòng 1.001–1.100 trong 1.100" in page.text
    wrong = c.get("/province/rows/stamps?page=0", headers=world.auth("dien_bien"))
    assert wrong.status_code == 400 and "page" in wrong.text
    # recomputed, the figure and its rows count the later stamps too
    assert _figures(world)["stamps"]["issued"] == len(_rows(world, "stamps", what="issued"))


def test_the_scans_behind_the_figure_page_code_by_code_and_add_up(
        world: World, engine: Engine) -> None:
    c, owner = world.client, world.auth("highland")
    stamped = c.post("/stamps", headers=owner, json={"gtin": GTIN, "lot": "CF-26", "count": 3})
    assert stamped.status_code == 201, stamped.text
    codes = [line.split(",")[4] for line in c.get(stamped.json()["csv"],
                                                  headers=owner).text.splitlines()[1:]]
    voided = c.post("/stamps/void", headers=owner, json={"codes": [codes[2]]})
    assert voided.status_code == 200, voided.text
    for code, times in zip(codes, (3, 2, 2), strict=True):  # consumers scan each stamp
        for _ in range(times):  # each with a phone of its own (no device cookie yet)
            c.cookies.clear()
            assert c.get(code).status_code == 200  # the printed link, with its lot
    flush_queues()
    figures = _figures(world)["stamps"]
    assert (figures["scanned"], figures["suspicious"]) == (7, 2)
    every = _rows(world, "stamps", what="scanned")
    assert len(every) == 7 and sum(r["voided"] == "True" for r in every) == 2
    # pages of two rows, across the codes' boundaries, are the CSV's rows in order
    kept = figures_of(world, "dien_bien")  # kept now: the source the pages read
    period = Period(date.fromisoformat(kept["current"]["from"]),
                    date.fromisoformat(kept["current"]["to"]))
    source = Source(world.dien_bien.id, period, kept["current"]["tickets"]["deadline_days"],
                    kept["computed_us"])
    pages = [page_of(engine, source, "stamps", {"what": "scanned"}, offset, 2)
             for offset in range(0, 8, 2)]
    assert [p.count for p in pages] == [7] * 4
    assert [row for p in pages for row in p.rows] == [
        [r["code"], r["scanned"], r["voided"] == "True"] for r in every]
    [gone] = {r["code"] for r in _rows(world, "stamps", what="suspicious")}
    assert gone == f"https://id.gs1.org/01/{GTIN}/21/{codes[2].rsplit('/', 1)[1]}"
