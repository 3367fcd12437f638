"""What a consumer page believes (issue 11, items 1 and 7): only the code's owner, its delegates
and the parties in its chain of custody, up to the sale; a recall by an owner at any time.

A stranger's events are captured while the prefix is not yet granted (as in a log older than
the grants, or where capture would refuse them now), then the owner is granted its prefix: the
page must not believe them either way.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.farm.diary_events import NAMESPACES
from agritrace.settings import Settings
from agritrace.store.grants import delegate, grant
from agritrace.store.orgs import ensure_organization
from agritrace.web.app import create_app
from tests.web import stamp_chain
from tests.web.stamp_chain import GTIN, HARVEST_GTIN, OWNER, ROASTERY, SERIALS, Chain

BASE = "https://trace.example.vn"
STRANGER = "Công ty Kẻ Lạ"
RETAILER = "Siêu thị Hà Nội"
RETAILER_PARTY = "urn:epc:id:pgln:8934567.00001"  # a party under the retailer's prefix
SHOP = "urn:epc:id:sgln:8934567.00002.0"
ITEM = f"https://id.gs1.org/01/{GTIN}/21/{SERIALS[0]}"
GENUINE = "Hàng chính hãng"


def _client(engine: Engine) -> TestClient:
    app = create_app(Settings(database_url="sqlite://", base_url=BASE), engine)
    return TestClient(app, follow_redirects=False)


def _capture(engine: Engine, org_name: str, events: list[Event]) -> None:
    org = ensure_organization(engine, org_name)
    doc = Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), events=iter(events),
                   name="t", header={"schemaVersion": "2.0",
                                     "creationDate": "2026-12-01T10:00:00Z",
                                     "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]})
    report = capture_document(engine, doc, org)
    assert report.stored, report.as_dict()


def _at(day: str, hour: int = 9) -> dict[str, str]:
    return {"eventTime": f"2026-{day}T{hour:02d}:00:00+07:00", "eventTimeZoneOffset": "+07:00"}


def _observe(day: str, **fields: Any) -> Event:
    return {"type": "ObjectEvent", **_at(day), "action": "OBSERVE", "epcList": [ITEM], **fields}


@pytest.fixture
def chain(engine: Engine) -> Chain:
    return stamp_chain.load(engine, granted=False)


def _owned(engine: Engine) -> TestClient:
    stamp_chain.grant_prefix(engine)
    return _client(engine)


def test_a_stranger_s_recall_of_a_stamp_shows_no_banner(engine: Engine, chain: Chain) -> None:
    _capture(engine, STRANGER, [_observe("11-20", bizStep="holding", disposition="recalled")])
    page = _owned(engine).get(chain.path(SERIALS[0])).text
    assert 'id="recall"' not in page and GENUINE in page
    assert "1 ghi nhận của các bên khác không được hiển thị" in page


def test_a_stranger_s_decommissioning_does_not_void_a_stamp(engine: Engine, chain: Chain) -> None:
    _capture(engine, STRANGER, [{**_observe("11-20", bizStep="decommissioning",
                                            disposition="inactive"), "action": "DELETE"}])
    page = _owned(engine).get(chain.path(SERIALS[0])).text
    assert GENUINE in page and "Tem này đã bị hủy" not in page and "Thu hồi tem" not in page


def test_a_stranger_s_earlier_add_neither_renames_nor_becomes_producer(
        engine: Engine, chain: Chain) -> None:
    _capture(engine, STRANGER, [{**_observe("01-02", bizStep="commissioning",
                                            disposition="active"), "action": "ADD",
                                 "ilmd": {"agt:productName": "Cà phê giả mạo"}}])
    client = _owned(engine)
    page = client.get(chain.path(SERIALS[0])).text
    assert "Cà phê Arabica Mường Ảng 250 g" in page and "Cà phê giả mạo" not in page
    assert STRANGER not in page and OWNER in page
    linkset = client.get(chain.path(SERIALS[0]), headers={"Accept": "application/linkset+json"})
    assert linkset.status_code == 200 and STRANGER not in linkset.text


def test_serials_a_stranger_commissions_under_the_owner_s_prefix_are_not_genuine(
        engine: Engine, chain: Chain) -> None:
    forged = f"https://id.gs1.org/01/{GTIN}/21/FORGED123456"
    _capture(engine, STRANGER, [{"type": "ObjectEvent", **_at("11-06"), "action": "ADD",
                                 "epcList": [forged], "bizStep": "commissioning",
                                 "disposition": "active",
                                 "ilmd": {"cbvmda:lotNumber": chain.lot}}])
    page = _owned(engine).get(f"/01/{GTIN}/10/{chain.lot}/21/FORGED123456")
    assert page.status_code == 404 and GENUINE not in page.text and "hàng giả" in page.text


def test_a_stranger_s_destroying_of_a_lot_is_not_in_the_journey(
        engine: Engine, chain: Chain) -> None:
    lot = f"https://id.gs1.org/01/{GTIN}/10/{chain.lot}"
    _capture(engine, STRANGER, [{"type": "ObjectEvent", **_at("11-15"), "action": "OBSERVE",
                                 "quantityList": [{"epcClass": lot, "quantity": 1.0,
                                                   "uom": "KGM"}],
                                 "bizStep": "destroying", "disposition": "destroyed"}])
    client = _owned(engine)
    for path in (chain.path(SERIALS[0]), f"/01/{GTIN}/10/{chain.lot}"):
        page = client.get(path).text
        assert "Tiêu hủy" not in page and STRANGER not in page, path


def _sold(engine: Engine, chain: Chain) -> TestClient:
    """The owner ships the bag to a retailer, which receives and sells it."""
    retailer = ensure_organization(engine, RETAILER)
    grant(engine, retailer, "prefix", "8934567", "test")
    stamp_chain.capture(engine, [_observe(
        "11-12", bizStep="shipping", disposition="in_transit", readPoint={"id": ROASTERY},
        destinationList=[{"type": "owning_party", "destination": RETAILER_PARTY}])])
    _capture(engine, RETAILER, [
        _observe("11-13", bizStep="receiving", disposition="in_progress",
                 bizLocation={"id": SHOP}),
        _observe("11-14", bizStep="retail_selling", disposition="retail_sold",
                 bizLocation={"id": SHOP}),
        _observe("11-20", bizStep="storing", disposition="in_progress",
                 bizLocation={"id": SHOP})])
    return _owned(engine)


def test_the_chain_of_custody_is_shown_up_to_the_sale(engine: Engine, chain: Chain) -> None:
    _capture(engine, STRANGER, [_observe("11-13", bizStep="receiving")])
    page = _sold(engine, chain).get(chain.path(SERIALS[0])).text
    assert "Xuất hàng" in page and "Nhận hàng" in page and "Bán lẻ" in page
    assert RETAILER in page and STRANGER not in page
    assert "20/11/2026" not in page  # the retailer's event after the sale
    assert GENUINE in page


def test_an_owner_s_recall_after_the_sale_still_shows(engine: Engine, chain: Chain) -> None:
    client = _sold(engine, chain)
    stamp_chain.capture(engine, [{
        "type": "ObjectEvent", **_at("11-25"), "action": "OBSERVE",
        "quantityList": [{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{chain.lot}",
                          "quantity": 1.0, "uom": "KGM"}],
        "bizStep": "holding", "disposition": "recalled", "readPoint": {"id": ROASTERY}}])
    assert 'id="recall"' in client.get(chain.path(SERIALS[0])).text


def test_a_recall_of_an_input_lot_reaches_what_was_made_from_it(
        engine: Engine, chain: Chain) -> None:
    client = _owned(engine)
    assert 'id="recall"' not in client.get(chain.path(SERIALS[0])).text
    stamp_chain.capture(engine, [{
        "type": "ObjectEvent", **_at("11-21"), "action": "OBSERVE",
        "quantityList": [{"epcClass": f"https://id.gs1.org/01/{HARVEST_GTIN}/10/H1",
                          "quantity": 1.0, "uom": "KGM"}],
        "bizStep": "holding", "disposition": "recalled"}])
    for path in (chain.path(SERIALS[0]), f"/01/{GTIN}/10/{chain.lot}", f"/01/{GTIN}"):
        page = client.get(path)
        assert page.status_code == 200 and 'id="recall"' in page.text, path
    recall = client.get(f"/01/{GTIN}/10/{chain.lot}", headers={
        "Accept": "application/linkset+json"}).json()["linkset"][0]
    assert recall["https://gs1.org/voc/recallStatus"][0]["title"] == "Recalled"


def test_lot_and_gtin_answers_agree_with_the_unit(engine: Engine, chain: Chain) -> None:
    client = _owned(engine)
    unit = client.get(chain.path(SERIALS[0])).text
    assert GENUINE in unit and f"<dd>{chain.lot}</dd>" in unit
    lot = client.get(f"/01/{GTIN}/10/{chain.lot}")
    assert lot.status_code == 200 and GENUINE in lot.text
    # The bare GTIN stands for every lot, one of which the owner recalled: it says so.
    product = client.get(f"/01/{GTIN}")
    assert product.status_code == 200 and 'id="recall"' in product.text
    for page in (lot, product):
        assert "Cà phê Arabica Mường Ảng 250 g" in page.text and OWNER in page.text
        assert "VN-DBI-0042" in page.text  # the plot, through the lot's inputs
    assert client.get(f"/01/{GTIN}/10/NO-SUCH-LOT").status_code == 404


def test_a_code_nobody_owns_is_not_called_genuine(engine: Engine, chain: Chain) -> None:
    client = _client(engine)  # the prefix was never granted
    page = client.get(chain.path(SERIALS[0]))
    assert page.status_code == 200 and GENUINE not in page.text
    assert "Chưa xác minh nhà sản xuất" in page.text
    english = client.get(chain.path(SERIALS[0]) + "?lang=en").text
    assert "Producer not verified" in english


def test_a_delegate_speaks_for_the_owner(engine: Engine, chain: Chain) -> None:
    packer_name = "Xưởng đóng gói Thuê"
    serial = f"https://id.gs1.org/01/{GTIN}/21/PACKED123456"
    _capture(engine, packer_name, [{"type": "ObjectEvent", **_at("11-09"), "action": "ADD",
                               "epcList": [serial], "bizStep": "commissioning",
                               "disposition": "active",
                               "ilmd": {"cbvmda:lotNumber": chain.lot}}])
    stamp_chain.grant_prefix(engine)
    delegate(engine, ensure_organization(engine, OWNER), ensure_organization(engine, packer_name),
             "test")
    page = _client(engine).get(f"/01/{GTIN}/21/PACKED123456")
    assert page.status_code == 200 and GENUINE in page.text


def test_a_stranger_s_diary_entry_on_the_owner_s_season_is_not_shown(
        engine: Engine, chain: Chain) -> None:
    _capture(engine, STRANGER, [{"type": "ObjectEvent", **_at("04-01"), "action": "OBSERVE",
                                 "epcList": [stamp_chain.SEASON],
                                 "bizStep": "https://agritrace.org/voc/bizstep/spraying",
                                 "agt:product": "Thuốc cấm Methamidophos"}])
    page = _owned(engine).get(chain.path(SERIALS[0])).text
    assert "Regent 800WG" in page  # the owner's own diary, through its harvest's season
    assert "Methamidophos" not in page and STRANGER not in page


def test_a_stranger_s_flood_of_earlier_events_does_not_hide_the_owner_s(
        engine: Engine, chain: Chain) -> None:
    flood = [_observe("01-01", bizStep="inspecting", eventID=f"urn:uuid:flood-{n}",
                      readPoint={"id": f"urn:epc:id:sgln:8939999.00001.{n}"})
             for n in range(250)]
    _capture(engine, STRANGER, flood)
    page = _owned(engine).get(chain.path(SERIALS[0]))
    assert page.status_code == 200 and GENUINE in page.text
    assert "Regent 800WG" in page.text and "VN-DBI-0042" in page.text  # the walk went on
