"""The manager's EUDR and methane pages over HTTP: sign-in, languages, plots drawn, downloads."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.farm.diary_events import AGT_LOT
from agritrace.farm.record import record_entry
from agritrace.farm.registry import create_member_token, list_members, org_actor
from agritrace.reports import exports
from agritrace.settings import Settings
from agritrace.store.orgs import Organization, create_token
from agritrace.web.api.reports import verdict
from agritrace.web.app import create_app
from agritrace.web.i18n import Translator
from agritrace.web.pages.session import COOKIE
from tests.farm.coop import make_coop
from tests.reports.demo_data import PALLET, Demo, load


@pytest.fixture
def demo(engine: Engine) -> Demo:
    return load(engine)


def browser(engine: Engine, token: str | None = None) -> TestClient:
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    if token:
        client.cookies.set(COOKIE, token)
    return client


def signed_in(engine: Engine, org: Organization) -> TestClient:
    return browser(engine, create_token(engine, org, "page"))


def test_nobody_signed_in_is_sent_to_login_and_back(engine: Engine) -> None:
    response = browser(engine).get(f"/reports/eudr?id={PALLET}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/login?next=" + quote(f"/reports/eudr?id={PALLET}", safe=""))


def test_the_readiness_list_draws_every_plot_in_vietnamese(engine: Engine, demo: Demo) -> None:
    page = signed_in(engine, demo.roaster).get(f"/reports/eudr?ids={PALLET}")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="vi">' in html and "Lô hàng sẵn sàng: 3 thửa đều hợp lệ." in html
    assert html.count('<svg class="plot"') == 3
    assert "Nương cà phê Lò Văn A" in html and "Ẳng Nưa, Mường Ảng, Điện Biên" in html
    assert "4,50" in html  # 4.50 ha, Vietnamese decimal comma
    assert "31/12/2020" in html
    # no script, no external request: every src/href is on this site
    assert "<script" not in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)
    assert page.headers["cache-control"] == "private, no-cache"
    # switching the language keeps the shipment's codes
    assert f'href="?ids={quote(PALLET, safe="")}&amp;lang=en"' in html


def test_one_verdict_for_a_shipment_with_an_unknown_harvest_place(engine: Engine,
                                                                   demo: Demo) -> None:
    """Issue 15: the page said 'Lô hàng sẵn sàng' above 'Nơi thu hoạch chưa đăng ký…' while
    the command said the shipment was not ready; page, PDF, API and command share one verdict."""
    report = exports.readiness_report(engine, demo.roaster, [PALLET], "vi")
    assert report.ready and verdict(Translator("vi"), report).startswith("Lô hàng sẵn sàng")
    unknown = replace(report, shipment=replace(
        report.shipment, unregistered=("https://id.gs1.org/414/8931234999995",)))
    assert not unknown.ready
    assert verdict(Translator("vi"), unknown) == (
        "Lô hàng chưa sẵn sàng: 1 nơi thu hoạch chưa có trong sổ thửa (chưa có toạ độ cho hệ "
        "thống EU).")
    assert verdict(Translator("en"), unknown).startswith("Shipment not ready: 1 harvest place")


def test_the_readiness_list_in_english_and_its_downloads(engine: Engine, demo: Demo) -> None:
    client = signed_in(engine, demo.roaster)
    html = client.get(f"/reports/eudr?id={PALLET}&lang=en").text
    assert "Shipment ready: all 3 plots are valid." in html
    links = dict(re.findall(r'href="(/reports/eudr/[^"]+)" id="dl-(\w+)"', html))
    assert set(links.values()) == {"geojson", "csv", "pdf", "whisp"}
    by_kind = {kind: link.replace("&amp;", "&") for link, kind in links.items()}
    geo = client.get(by_kind["geojson"])
    assert geo.headers["content-type"] == "application/geo+json"
    assert len(geo.json()["features"]) == 3
    assert client.get(by_kind["csv"]).text.startswith("plot,name,producer")
    pdf = client.get(by_kind["pdf"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"


def test_a_plot_to_fix_is_named_and_the_geojson_withheld(engine: Engine) -> None:
    coop = make_coop(engine)  # plot A has 5-decimal vertices
    record_entry(engine, coop.manager, "harvest", {
        "plot_id": coop.plot_a.uri, "season_id": coop.season_a.uri, "on": "2026-10-20",
        "quantity": 900, "unit": "kg", "lot": "NA-26-1"}, "h1")
    html = signed_in(engine, coop.org).get(f"/reports/eudr?id={AGT_LOT}NA-26-1").text
    assert "Lô hàng chưa sẵn sàng: 1/1 thửa cần sửa." in html
    assert "toạ độ [103.198508, 21.49856] chỉ có 5 chữ số thập phân" in html
    assert 'id="dl-geojson"' not in html and 'id="dl-csv"' in html


def test_a_bad_code_gets_a_friendly_page_not_a_trace(engine: Engine, demo: Demo) -> None:
    page = signed_in(engine, demo.roaster).get("/reports/eudr?ids=LOT-1")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Không lập được báo cáo" in page.text and "LOT-1" in page.text
    assert "Traceback" not in page.text


def test_a_farmer_may_not_see_the_cooperatives_reports(engine: Engine, demo: Demo) -> None:
    farmer = next(m for m in list_members(engine, demo.rice_coop) if m.role == "farmer")
    token = create_member_token(engine, org_actor(demo.rice_coop), farmer.id)
    page = browser(engine, token).get("/reports/methane?lang=en")
    assert page.status_code == 403
    assert "This account may not see the cooperative&#39;s reports." in page.text


def test_the_methane_page_per_plot_with_totals(engine: Engine, demo: Demo) -> None:
    client = signed_in(engine, demo.rice_coop)
    html = client.get("/reports/methane?from=2025-12-01&to=2025-12-31&lang=en").text
    assert html.count("<tr>") == 1 + 4 + 1 + 2  # headers, 4 plots, totals header, 2 totals
    assert "Ruộng Trần Văn Hai" in html and "multiple drainage / AWD" in html
    assert "not enough data: missing" in html
    assert "33 %" in html and "67 %" in html  # of three estimated plots: 1 AWD, 2 drained
    assert "GWP100 of CH4: 27.0" in html
    vi = client.get("/reports/methane?from=2025-12-01&to=2025-12-31&lang=vi").text
    assert "ngập liên tục" in vi and "không đủ dữ liệu" in vi
    csv_text = client.get("/reports/methane/seasons.csv?from=2025-12-01&lang=en").text
    assert csv_text.count("\n") == 5
    pdf = client.get("/reports/methane/seasons.pdf?from=2025-12-01")
    assert pdf.content[:4] == b"%PDF"
    empty = client.get("/reports/methane?from=2027-01-01&lang=en").text
    assert "No rice season was sown in this period." in empty


def test_a_manager_imports_whisp_results_from_the_page(engine: Engine, demo: Demo) -> None:
    client = signed_in(engine, demo.roaster)
    html = client.get(f"/reports/eudr?ids={PALLET}&lang=en").text
    assert 'enctype="multipart/form-data"' in html
    whisp = client.get(f"/reports/eudr/plots.geojson?id={PALLET}&whisp=1").json()
    plots = [f["properties"]["external_id"] for f in whisp["features"]]
    body = "external_id,risk_pcrop\n" + "".join(f"{p},low\n" for p in plots)
    sent = client.post("/reports/eudr/risk", data={"ids": PALLET, "commodity": "coffee"},
                       files={"file": ("whisp.csv", body, "text/csv")}, follow_redirects=False)
    assert sent.status_code == 303
    shown = client.get(sent.headers["location"] + "&lang=en").text
    assert "Results of 3 plots imported." in shown
    assert "Shipment: low risk: no deforestation signal after the cut-off date 31/12/2020" in (
        shown)


def test_a_wrong_whisp_file_is_refused_on_a_page_and_nothing_stored(
        engine: Engine, demo: Demo) -> None:
    client = signed_in(engine, demo.roaster)
    sent = client.post("/reports/eudr/risk?lang=en", data={"ids": PALLET},
                       files={"file": ("w.csv", "external_id,risk_pcrop\nurn:x:1,low\n",
                                       "text/csv")})
    assert sent.status_code == 400
    assert "w.csv line 2: external_id: expected the URI of a registered plot" in sent.text
    vietnamese = client.post("/reports/eudr/risk?lang=vi", data={"ids": PALLET}, files={"file": (
        "w.csv", "external_id,risk_pcrop\nurn:x:1,low\n", "text/csv")})
    assert "w.csv: không nhập được gì" in vietnamese.text and "nothing imported" not in (
        vietnamese.text)  # issue 15: the reader's language only
    assert ("w.csv dòng 2: external_id: cần URI của một thửa đã đăng ký, đã nhập "
            "&#39;urn:x:1&#39;") in vietnamese.text
    shown = client.get(f"/reports/eudr?ids={PALLET}&lang=en").text
    assert "not assessed" in shown
    other_site = client.post("/reports/eudr/risk", headers={"Origin": "https://evil.example"},
                             files={"file": ("w.csv", "x", "text/csv")})
    assert other_site.status_code == 403


def test_the_report_pages_keep_the_offices_header_and_the_office_links_to_them(
        engine: Engine, demo: Demo) -> None:
    client = signed_in(engine, demo.roaster)
    for url in ("/reports/eudr", "/reports/methane", f"/reports/eudr?ids={PALLET}"):
        page = client.get(url).text
        assert 'action="/logout"' in page and 'class="coop-nav"' in page, url
        assert 'href="/coop/members"' in page
    office = client.get("/coop").text
    assert 'href="/reports/eudr"' in office and 'href="/reports/methane"' in office
