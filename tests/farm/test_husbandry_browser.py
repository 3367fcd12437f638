"""A barn's diary on the phone in headless Chromium (SQLite), offline (issue 17): the barn's
forms are kept by the service worker, a treatment waits on the phone and is stored once."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from agritrace.farm.journal import plot_entries
from agritrace.farm.places import add_place
from agritrace.farm.seasons import open_season
from tests.web.farm_site import event_count
from tests.web.test_farm_browser import Served, _wait_until_cached, served

__all__ = ["served"]  # the fixture, shared with the crop forms' browser tests
pytestmark = pytest.mark.browser


def test_a_barns_treatment_waits_offline_and_is_stored_once(served: Served,
                                                            engine: Engine) -> None:
    coop = served.coop
    barn = add_place(engine, coop.manager, {"name": "Chuồng lợn nhà A", "kind": "barn",
                                            "crop": "pig", "farmer_id": coop.farmer_a.id}).place
    open_season(engine, coop.manager, {"plot": barn.uri, "start": date(2026, 6, 1)})
    context = served.phone()
    page = context.new_page()
    served.sign_in(page, "a", "/my")
    # /my, farm.js, the plot's page and its 9 forms, the barn's page and its 9 forms
    _wait_until_cached(page, 2 + 1 + 9 + 1 + 9)

    context.set_offline(True)
    page.goto(f"{served.base}/my/plots/{barn.id}/treatment")
    page.fill("#f-product", "Amoxicillin 15% LA")
    page.fill("#f-dose", "1")
    page.fill("#f-withdrawal_days", "28")
    page.fill("#f-disease", "viêm phổi")
    page.click("button.save")
    expect(page.locator("#farm-queue")).to_have_text("1 mục đang chờ gửi (chưa có mạng)")
    assert event_count(engine) == 0

    context.set_offline(False)
    expect(page.locator("#farm-queue")).to_be_hidden(timeout=15_000)
    expect(page.locator("#farm-notes")).to_contain_text("Đã gửi 1 mục")
    page.reload()
    page.wait_for_function("document.body.dataset.script === 'ready'")
    (entry,) = plot_entries(engine, coop.org, barn.uri)
    assert entry.kind.value == "treatment" and entry.season_id.endswith("2026-06-01")
    assert event_count(engine) == 1
