"""The farm pages in real headless Chromium (SQLite): a farmer's entry with its warning, the
offline queue, and the manager's import; screenshots in docs/screenshots/farm-*.png."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine

from agritrace.farm.import_columns import COLUMNS, ImportKind
from agritrace.farm.journal import plot_entries
from agritrace.farm.record import record_entry
from agritrace.farm.registry import list_members
from tests.farm.coop import SMALL, Coop
from tests.farm.test_importer import MEMBERS_BAD as MEMBERS_CSV
from tests.web.browser import DESKTOP, PHONE, SHOTS, chromium, serving
from tests.web.farm_site import app_for, event_count, load

pytestmark = pytest.mark.browser


@dataclass
class Served:
    base: str
    coop: Coop
    tokens: dict[str, str]
    browser: Browser

    def phone(self, *, javascript: bool = True) -> BrowserContext:
        return self.browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                        has_touch=True, java_script_enabled=javascript,
                                        locale="vi-VN")

    def desktop(self) -> BrowserContext:
        return self.browser.new_context(viewport=DESKTOP)

    def sign_in(self, page: Page, who: str, target: str) -> None:
        page.goto(f"{self.base}/login?next={target}")
        page.fill("#token", self.tokens[who])
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}{target}")


@pytest.fixture
def served(engine: Engine) -> Iterator[Served]:
    if engine.dialect.name != "sqlite":
        pytest.skip("the browser tests run on SQLite; the HTTP tests cover both engines")
    coop, tokens = load(engine)
    with serving(lambda base: app_for(engine, base)) as base, chromium() as browser:
        yield Served(base, coop, tokens, browser)


def test_a_farmer_records_a_spraying_and_sees_the_warning(served: Served,
                                                          engine: Engine) -> None:
    page = served.phone().new_page()
    served.sign_in(page, "a", "/my")
    expect(page.locator("h1")).to_have_text("Thửa đất của tôi")
    page.screenshot(path=str(SHOTS / "farm-plots.png"), full_page=True)
    page.click("a.card:has-text('Nương A')")
    page.screenshot(path=str(SHOTS / "farm-plot.png"), full_page=True)
    page.click("a.kind-spraying")
    page.fill("#f-product", "Anvil 5SC")
    page.fill("#f-dose", "5")
    page.select_option("#f-dose_unit", "l/ha")
    page.fill("#f-target_pest", "gỉ sắt")
    page.screenshot(path=str(SHOTS / "farm-form-spraying.png"), full_page=True)
    page.click("button.save")
    expect(page.locator("#saved")).to_contain_text("Đã ghi vào nhật ký: Phun thuốc")
    expect(page.locator("#warnings")).to_contain_text("vượt liều tối đa trên nhãn (1 l/ha)")
    page.screenshot(path=str(SHOTS / "farm-saved-warning.png"), full_page=True)
    assert event_count(engine) == 1

    page.goto(f"{served.base}/my/plots/{served.coop.plot_a.id}/spraying")
    page.fill("#f-product", "Furadan 3GR")
    page.fill("#f-dose", "20")
    page.select_option("#f-dose_unit", "kg/ha")
    page.click("button.save")
    expect(page.locator("#refusal")).to_contain_text("Carbofuran")
    expect(page.locator("#f-product")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(SHOTS / "farm-refused.png"), full_page=True)
    assert event_count(engine) == 1


def test_the_forms_work_without_javascript(served: Served, engine: Engine) -> None:
    page = served.phone(javascript=False).new_page()
    served.sign_in(page, "a", f"/my/plots/{served.coop.plot_a.id}/other_care")
    page.fill("#f-activity", "làm cỏ")
    page.click("button.save")
    expect(page.locator("#saved")).to_contain_text("Chăm sóc khác")
    page.reload()  # the browser posts the same form again: same key, nothing new
    expect(page.locator("#saved")).to_contain_text("đã được lưu trước đó")
    assert event_count(engine) == 1


def _wait_until_cached(page: Page, count: int) -> None:
    """Until the service worker controls the page and holds ``count`` pages."""
    deadline = time.monotonic() + 20
    script = ("async () => navigator.serviceWorker.controller === null ? 0 :"
              " (await (await caches.open('agt-farm')).keys()).length")
    while page.evaluate(script) < count:
        assert time.monotonic() < deadline, "the service worker did not cache the pages"
        time.sleep(0.2)


def test_offline_entries_wait_on_the_phone_and_are_stored_once(served: Served,
                                                               engine: Engine) -> None:
    context = served.phone()
    page = context.new_page()
    served.sign_in(page, "a", "/my")
    plot = served.coop.plot_a.id
    _wait_until_cached(page, 2 + 1 + 9)  # /my, farm.js, the plot page, its nine forms

    context.set_offline(True)
    page.goto(f"{served.base}/my/plots/{plot}/other_care")
    page.fill("#f-activity", "làm cỏ")
    page.click("button.save")
    expect(page.locator("#farm-queue")).to_have_text("1 mục đang chờ gửi (chưa có mạng)")
    page.goto(f"{served.base}/my/plots/{plot}/fertilizing")
    expect(page.locator("#farm-queue")).to_have_text("1 mục đang chờ gửi (chưa có mạng)")
    page.fill("#f-product", "NPK 16-16-8")
    page.fill("#f-amount", "300")
    page.click("button.save")
    expect(page.locator("#farm-queue")).to_have_text("2 mục đang chờ gửi (chưa có mạng)")
    page.screenshot(path=str(SHOTS / "farm-offline-queue.png"), full_page=True)
    assert event_count(engine) == 0

    context.set_offline(False)
    expect(page.locator("#farm-queue")).to_be_hidden(timeout=15_000)
    expect(page.locator("#farm-notes")).to_contain_text("Đã gửi 2 mục")
    page.screenshot(path=str(SHOTS / "farm-offline-sent.png"), full_page=True)
    assert event_count(engine) == 2
    page.reload()  # nothing is left to send again
    page.wait_for_function("document.body.dataset.script === 'ready'")
    assert event_count(engine) == 2
    kinds = sorted(e.kind.value for e in plot_entries(engine, served.coop.org,
                                                      served.coop.plot_a.uri))
    assert kinds == ["fertilizing", "other_care"]


def test_the_manager_previews_an_import_and_applies_the_good_rows(served: Served,
                                                                  engine: Engine) -> None:
    coop = served.coop
    farmer = coop.farmer_a.actor(coop.org)
    for key, kind, fields in (
            ("d1", "fertilizing", {"on": "2026-04-05", "product": "NPK 16-16-8", "amount": 300}),
            ("d2", "pest_observation", {"on": "2026-04-20", "pest": "rệp sáp",
                                        "incidence_percent": 3}),
            ("d3", "spraying", {"on": "2026-05-02", "product": "Anvil 5SC", "dose": 5,
                                "target_pest": "gỉ sắt"})):
        record_entry(engine, farmer, kind, fields | {"plot_id": coop.plot_a.uri}, key)
    page = served.desktop().new_page()
    served.sign_in(page, "office", "/coop")
    expect(page.locator("#totals")).to_contain_text("Chưa đủ điều kiện")
    page.screenshot(path=str(SHOTS / "farm-coop.png"), full_page=True)
    page.click("nav >> text=Thửa đất")
    expect(page.locator("#plots svg.plot")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "farm-coop-plots.png"), full_page=True)
    page.click("#plots h2 a:has-text('Nương A')")
    expect(page.locator("#checks")).to_contain_text("Cán bộ kỹ thuật phụ trách")
    expect(page.locator("#diary")).to_contain_text("vượt liều tối đa trên nhãn")
    page.screenshot(path=str(SHOTS / "farm-coop-plot.png"), full_page=True)

    page.click("nav >> text=Nhập từ Excel/CSV")
    page.select_option("#i-kind", "members")
    page.set_input_files("#i-file", files=[{"name": "thanh-vien.csv", "mimeType": "text/csv",
                                            "buffer": MEMBERS_CSV}])
    page.click("#upload button[type=submit]")
    expect(page.locator("#import-summary")).to_contain_text("2 dòng có lỗi")
    expect(page.locator("#preview td.cell-error")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "farm-import-preview.png"), full_page=True)
    assert len(list_members(engine, served.coop.org)) == 3
    page.click("#apply-good")
    expect(page.locator("#import-message")).to_contain_text("Đã lưu 2 dòng; bỏ qua 2 dòng.")
    assert [m.name for m in list_members(engine, served.coop.org)][-2:] == [
        "Quàng Văn D", "Tòng Văn G"]
    page.click("nav >> text=Thành viên")
    expect(page.locator("#members")).to_contain_text("Tòng Văn G")
    page.screenshot(path=str(SHOTS / "farm-members.png"), full_page=True)


NARROW = {"width": 360, "height": 780}
LONG_NAME = "nhat-ky-hop-tac-xa-ca-phe-ang-nua-thang-11-nam-2026-ban-cuoi-cung-da-sua.csv"


def _fits(page: Page) -> None:
    """No horizontal scrolling of the page itself; wide tables scroll in their own box."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None and width <= page.viewport_size["width"], width


def test_a_vietnamese_template_round_trips_and_the_preview_fits_the_screen(
        served: Served) -> None:
    context = served.desktop()
    page = context.new_page()
    served.sign_in(page, "office", "/coop/import")
    with page.expect_download() as download:
        page.click("#template-diary-xlsx")
    template = download.value.path().read_bytes()
    page.select_option("#i-kind", "diary")
    page.set_input_files("#i-file", files=[{"name": "mau-nhat-ky.xlsx", "buffer": template,
                                            "mimeType": "application/octet-stream"}])
    page.click("#upload button[type=submit]")
    expect(page.locator("#import-summary")).to_contain_text("1 dòng: 1 dòng hợp lệ")
    expect(page.locator("#preview tr[data-row='2']")).to_contain_text("Bón phân")
    expect(page.locator("#apply-all")).to_be_visible()
    _fits(page)
    page.screenshot(path=str(SHOTS / "farm-import-template.png"), full_page=True)

    # A wide file (every column the diary import reads, long values) stays in its box.
    columns = [c.vi for c in COLUMNS[ImportKind.DIARY]] + ["Cột lạ"]
    wide = (";".join(columns) + "\n" + ";".join(
        ["Bón phân", "Nương A", "01/11/2026"] + ["một giá trị khá dài ở đây"] * (
            len(columns) - 3)) + "\n").encode()
    # A boundary is one long word (compact GeoJSON): it must wrap, not widen the page.
    shape = json.dumps({"type": "Polygon", "coordinates": [SMALL * 8]}, separators=(",", ":"))
    plots = ("Tên thửa;Ranh giới (GeoJSON)\nNương X;" + shape + "\n").encode()
    for viewport, kind, data in ((DESKTOP, "diary", wide), (NARROW, "diary", wide),
                                 (DESKTOP, "plots", plots), (NARROW, "plots", plots)):
        page.set_viewport_size(viewport)
        page.goto(f"{served.base}/coop/import")
        page.select_option("#i-kind", kind)
        page.set_input_files("#i-file", files=[{"name": LONG_NAME, "mimeType": "text/csv",
                                                "buffer": data}])
        page.click("#upload button[type=submit]")
        expect(page.locator("#import-summary")).to_be_visible()
        _fits(page)
        if kind == "plots":
            continue
        expect(page.locator("#import-unknown")).to_contain_text("Cột lạ")
        box = page.evaluate("[document.getElementById('preview-box').scrollWidth,"
                            " document.getElementById('preview-box').clientWidth]")
        assert box[0] > box[1], box
        page.screenshot(path=str(SHOTS / f"farm-import-wide-{viewport['width']}.png"))
