"""The Digital Link resolver on both engines: pages, linksets, verdicts and the report form."""

from __future__ import annotations

import json
import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.scans import log
from agritrace.scans.log import TicketPolicy
from agritrace.scans.tables import scans, tickets
from agritrace.scans.verdict import Policy
from agritrace.settings import Settings
from agritrace.store.engine import make_engine
from agritrace.store.orgs import Organization, ensure_organization
from agritrace.web.app import create_app
from agritrace.web.pages import resolver
from tests.web import stamp_chain
from tests.web.stamp_chain import GTIN, RECALL_SERIAL, ROASTERY, SERIALS, Chain

BASE = "https://trace.example.vn"
LINKSET = {"Accept": "application/linkset+json"}


def make_client(engine: Engine, client: tuple[str, int] = ("testclient", 50000),
                settings: Settings | None = None, **state: object) -> TestClient:
    app = create_app(settings or Settings(database_url="sqlite://", base_url=BASE), engine)
    if not any(getattr(r, "path", "") == "/.well-known/gs1resolver" for r in app.routes):
        app.include_router(resolver.router)
    for name, value in state.items():
        setattr(app.state, name, value)
    return TestClient(app, follow_redirects=False, client=client)


@pytest.fixture
def chain(engine: Engine) -> Chain:
    return stamp_chain.load(engine)


def test_genuine_stamp_page_in_vietnamese(engine: Engine, chain: Chain) -> None:
    page = make_client(engine).get(chain.path(SERIALS[0]))
    assert page.status_code == 200
    html = page.text
    assert '<html lang="vi">' in html
    assert "Hàng chính hãng" in html
    assert "Cà phê Arabica Mường Ảng 250 g" in html
    assert "HTX Cà phê Mường Ảng" in html
    assert "Phun thuốc BVTV" in html and "Regent 800WG" in html  # the season's diary
    assert "20/10/2026" in html  # dd/mm/yyyy on a Vietnamese page
    assert "<svg class=\"plot\"" in html and "VN-DBI-0042" in html
    assert "Quét lần đầu ngày" in html
    assert len(page.content) < 30_000


def test_page_never_shows_quantities(engine: Engine, chain: Chain) -> None:
    html = make_client(engine).get(chain.path(SERIALS[0])).text
    assert "KGM" not in html and "500.0" not in html and "1000.0" not in html


def test_language_switch_is_remembered(engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    english = client.get(chain.path(SERIALS[0]) + "?lang=en")
    assert '<html lang="en">' in english.text and "Genuine product" in english.text
    assert english.cookies.get("lang") == "en"
    again = client.get(chain.path(SERIALS[0]))
    assert '<html lang="en">' in again.text and "20 Oct 2026" in again.text


def test_schema_org_product_json_ld(engine: Engine, chain: Chain) -> None:
    html = make_client(engine).get(chain.path(SERIALS[0])).text
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    product = json.loads(found.group(1))
    assert product["@type"] == "Product" and product["gtin14"] == GTIN
    assert product["url"] == BASE + chain.path(SERIALS[0])


def test_unknown_serial_is_404_counterfeit_page(engine: Engine, chain: Chain) -> None:
    page = make_client(engine).get(chain.path("NEVER2ISSUED"))
    assert page.status_code == 404
    assert "hàng giả" in page.text and 'name="message"' in page.text


def test_a_product_code_not_kept_yet_answers_with_one_connection(engine: Engine, chain: Chain
                                                                 ) -> None:
    """A GTIN's page not kept yet asks the catalogue (a listed product without a lot?) in a
    thread, which takes its own connection: a page holding one while it waited emptied the pool
    under a burst of misses (each page one connection, each thread waiting for another, 30 s).
    With a pool of one connection, each page still answers."""
    single = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1,
                         max_overflow=0, pool_timeout=2)
    try:
        client = make_client(single)
        for lang in ("vi", "en"):  # each language its own kept page: two misses
            assert client.get(f"/01/{GTIN}?lang={lang}").status_code == 200
    finally:
        single.dispose()


def test_voided_stamp_is_suspicious(engine: Engine, chain: Chain) -> None:
    page = make_client(engine).get(chain.path(SERIALS[2]))
    assert page.status_code == 200
    assert "Cần cảnh giác" in page.text and "Tem này đã bị hủy" in page.text


def test_reloads_and_language_switches_never_change_the_verdict(
        engine: Engine, chain: Chain) -> None:
    client = make_client(engine, scan_policy=Policy(max_devices=1))
    path = chain.path(SERIALS[0])
    pages = [client.get(path + ("?lang=en" if i % 2 else "?lang=vi")).text for i in range(30)]
    assert all("Hàng chính hãng" in p or "Genuine product" in p for p in pages)
    assert _scans_of(engine, path) == 1  # one device, one code, one day: one scan
    cookie = client.cookies.get("agt_device")
    assert cookie is not None and len(cookie) >= 16


def test_the_device_cookie_is_first_party_http_only_and_lax(
        engine: Engine, chain: Chain) -> None:
    answer = make_client(engine).get(chain.path(SERIALS[0]))
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie"
                  and v.startswith("agt_device="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Domain" not in cookie


def test_many_devices_make_a_stamp_suspicious(engine: Engine, chain: Chain) -> None:
    policy = Policy(max_devices=3, devices_per_client=10)
    path = chain.path(SERIALS[0])
    pages = []
    for _ in range(4):  # four phones: each its own cookie
        pages.append(make_client(engine, scan_policy=policy).get(path).text)
    assert all("Hàng chính hãng" in p for p in pages[:3])
    assert "Cần cảnh giác" in pages[3] and "quá nhiều thiết bị khác nhau (4 thiết bị)" in pages[3]


def test_a_curl_loop_neither_stores_its_loads_nor_makes_a_stamp_look_copied(
        engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    path = chain.path(SERIALS[0])
    for _ in range(2000):  # curl keeps no cookie: every load is a new "device"
        client.cookies.clear()
        page = client.get(path)
    assert page.status_code == 200 and "Hàng chính hãng" in page.text
    assert _scans_of(engine, path) == Policy().devices_per_client  # one client's household


def test_one_client_logs_a_bounded_number_of_scans_an_hour(engine: Engine, chain: Chain) -> None:
    client = make_client(engine, scan_policy=Policy(per_client_hour=2))
    for serial in (*SERIALS[:2], RECALL_SERIAL):
        client.get(chain.path(serial, chain.recalled_lot if serial == RECALL_SERIAL else None))
    log.queue(engine).flush()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(scans)).scalar_one() == 2


def test_forwarded_for_counts_only_from_a_trusted_proxy(engine: Engine, chain: Chain) -> None:
    path = chain.path(SERIALS[1])
    untrusted = make_client(engine, client=("198.51.100.7", 4000))
    for n in range(6):  # a client naming any address it likes is still one client
        untrusted.cookies.clear()
        untrusted.get(path, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert _scans_of(engine, path) == 3
    proxied = make_client(engine, client=("10.0.0.2", 4000), settings=Settings(
        database_url="sqlite://", base_url=BASE, trusted_proxies="10.0.0.0/8"))
    for n in range(6):  # behind our own proxy, each address is its own client
        proxied.cookies.clear()
        proxied.get(chain.path(SERIALS[0]), headers={"X-Forwarded-For": f"203.0.113.{n}, 10.0.0.9"})
    assert _scans_of(engine, chain.path(SERIALS[0])) == 6


def test_impossible_travel_is_suspicious(engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    hanoi = client.get(chain.path(SERIALS[1]) + "?lat=21.03&lon=105.85")
    assert "Hàng chính hãng" in hanoi.text
    client.cookies.clear()  # another phone, the same hour
    saigon = client.get(chain.path(SERIALS[1]) + "?lat=10.78&lon=106.70")
    assert "Cần cảnh giác" in saigon.text and "quá xa nhau" in saigon.text
    assert "gần 21.0, 105.8" in saigon.text or "gần 21.0, 105.9" in saigon.text


def _scanned(engine: Engine, path: str, times: int, first_us: int) -> None:
    """``times`` earlier scans of ``path`` by as many devices, an hour apart from ``first_us``,
    the first located."""
    waiting = log.queue(engine)  # written as pages write them, with the code's totals
    for i in range(times):
        located = (21.0, 105.8) if i == 0 else (None, None)
        waiting.add((path, first_us + i * 3_600_000_000, *located, "", f"d{i}", f"c{i}"))
    waiting.flush()


NOV_12_2026_9H = 1_794_448_800_000_000  # 2026-11-12 09:00 in Vietnam (02:00 UTC)


def test_much_scanned_stamp_keeps_its_count_and_first_scan(engine: Engine, chain: Chain) -> None:
    _scanned(engine, chain.path(SERIALS[0]), 800, NOV_12_2026_9H)
    page = make_client(engine).get(chain.path(SERIALS[0])).text
    assert "Cần cảnh giác" in page and "quá nhiều thiết bị khác nhau" in page
    assert "Quét lần đầu ngày 12/11/2026 gần 21.0, 105.8" in page
    assert "Số lần quét: 801" in page


def test_much_scanned_stamp_is_still_checked_for_travel(engine: Engine, chain: Chain) -> None:
    _scanned(engine, chain.path(SERIALS[1]), 30, NOV_12_2026_9H)
    client = make_client(engine)
    hanoi = client.get(chain.path(SERIALS[1]) + "?lat=21.03&lon=105.85").text
    assert "quá xa nhau" not in hanoi
    client.cookies.clear()  # another phone
    saigon = client.get(chain.path(SERIALS[1]) + "?lat=10.78&lon=106.70").text
    assert "quá xa nhau" in saigon and "quá nhiều thiết bị khác nhau" in saigon


def test_scans_waiting_in_the_queue_count_as_written_ones(engine: Engine, chain: Chain) -> None:
    """A much-scanned stamp whose scans still wait to be written (this process's batch) shows
    the count, first scan and verdict it shows once they are written."""
    path = chain.path(SERIALS[0])
    waiting = log.queue(engine)
    for i in range(40):  # fewer than a batch: they wait for the queue's next round
        located = (21.0, 105.8) if i == 0 else (None, None)
        waiting.add((path, NOV_12_2026_9H + i * 3_600_000_000, *located, "", f"d{i}", f"c{i}"))
    page = make_client(engine).get(path).text
    assert "Số lần quét: 41" in page and "quá nhiều thiết bị khác nhau" in page
    assert "Quét lần đầu ngày 12/11/2026 gần 21.0, 105.8" in page
    waiting.flush()
    page = make_client(engine, client=("10.0.0.9", 1)).get(path).text
    assert "Số lần quét: 42" in page and "Quét lần đầu ngày 12/11/2026 gần 21.0, 105.8" in page


def test_many_places_make_a_stamp_suspicious(engine: Engine, chain: Chain) -> None:
    path = chain.path(SERIALS[1])
    places = [(21.0, 105.8), (20.8, 106.7), (21.6, 105.8), (19.8, 105.8), (20.4, 106.2)]
    rows = [{"code": path, "scanned_us": NOV_12_2026_9H + i * 86_400_000_000, "user_agent": "",
             "device": f"d{i}", "client": f"c{i}", "lat": lat, "lon": lon}
            for i, (lat, lon) in enumerate(places)]
    with engine.begin() as conn:
        conn.execute(insert(scans), rows)
    page = make_client(engine).get(path).text  # days apart: no impossible travel
    assert "quá xa nhau" not in page and "quá nhiều nơi khác nhau (5 nơi)" in page


def test_event_captured_after_a_scan_shows_on_the_next(engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    assert "THU HỒI" not in client.get(chain.path(SERIALS[0])).text
    assert client.get(chain.path(SERIALS[0]), headers=LINKSET).json()["linkset"][0][
        "https://gs1.org/voc/recallStatus"][0]["title"] == "Not recalled"
    stamp_chain.capture(engine, [
        {"type": "ObjectEvent", "eventTime": "2026-11-20T09:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
         "quantityList": [{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{chain.lot}",
                           "quantity": 1.0, "uom": "KGM"}],
         "bizStep": "holding", "disposition": "recalled", "readPoint": {"id": ROASTERY}}])
    page = client.get(chain.path(SERIALS[0])).text
    assert 'id="recall"' in page and "20/11/2026" in page
    assert client.get(chain.path(SERIALS[0]), headers=LINKSET).json()["linkset"][0][
        "https://gs1.org/voc/recallStatus"][0]["title"] == "Recalled"


def test_scan_location_is_coarse(engine: Engine, chain: Chain) -> None:
    make_client(engine).get(chain.path(SERIALS[1]) + "?lat=21.034567&lon=105.851234")
    log.queue(engine).flush()
    with engine.connect() as conn:
        row = conn.execute(select(scans.c.lat, scans.c.lon)).one()
    assert (row.lat, row.lon) == (21.0, 105.9)


def test_recalled_lot_shows_banner(engine: Engine, chain: Chain) -> None:
    page = make_client(engine).get(chain.path(RECALL_SERIAL, chain.recalled_lot))
    assert 'class="banner" role="alert" id="recall"' in page.text
    assert "SẢN PHẨM ĐÃ BỊ THU HỒI" in page.text


@pytest.mark.parametrize("path", ["/01/08931234000357", "/01/08931234000356/21/a b",
                                  "/01/123", "/00/106141412345678900", "/414/8931234000001"])
def test_malformed_code_is_400_bilingual_help(engine: Engine, path: str) -> None:
    client = make_client(engine)
    page = client.get(path)
    assert page.status_code == 400 and "Mã không hợp lệ" in page.text
    english = client.get(path + "?lang=en")
    assert english.status_code == 400 and "This code is not valid" in english.text


@pytest.mark.parametrize(("path", "vi", "en"), [
    ("/01/08931234000357", "Mã sản phẩm (/01) không hợp lệ (08931234000357)",
     "the product code (/01) is not valid (expected check digit 6, found 7)"),
    ("/01/08931234000356/10/A%G1", "Số lô (/10) không hợp lệ (A%G1)", "the lot number (/10)"),
    ("/00/106141412345678900", "Mã kiện hàng (/00) không hợp lệ", "logistic unit code (/00)"),
])
def test_a_malformed_code_says_which_part_in_the_readers_words(
        engine: Engine, path: str, vi: str, en: str) -> None:
    client = make_client(engine)
    page = client.get(path).text
    assert vi in page and "expected" not in page  # no English inside the Vietnamese page
    assert en in client.get(path + "?lang=en").text


def test_short_gtin_redirects_to_canonical(engine: Engine, chain: Chain) -> None:
    short = "/01/8931234000356/10/R26-1106/21/X7K9Q2MN3P4R"
    answer = make_client(engine).get(short + "?lang=en")
    assert answer.status_code == 301
    assert answer.headers["location"] == chain.path(SERIALS[0]) + "?lang=en"


def test_linkset_by_accept_and_link_type(engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    answer = client.get(chain.path(SERIALS[0]), headers=LINKSET)
    assert answer.headers["content-type"].startswith("application/linkset+json")
    entry = answer.json()["linkset"][0]
    assert entry["anchor"] == BASE + chain.path(SERIALS[0])
    for kind in ("pip", "traceability", "recallStatus", "defaultLink"):
        assert entry["https://gs1.org/voc/" + kind][0]["href"].startswith(entry["anchor"])
    only = client.get(chain.path(SERIALS[0]) + "?linkType=gs1:traceability").json()
    assert set(only["linkset"][0]) == {"anchor", "https://gs1.org/voc/traceability"}
    missing = client.get(chain.path(SERIALS[0]) + "?linkType=gs1:certificationInfo")
    assert missing.status_code == 404
    assert client.get(chain.path("NEVER2ISSUED"), headers=LINKSET).status_code == 404


def test_lot_and_gtin_scans_show_the_lot_and_product(engine: Engine, chain: Chain) -> None:
    client = make_client(engine, scan_policy=Policy(max_devices=1, devices_per_client=10))
    for path in (f"/01/{GTIN}", f"/01/{GTIN}/10/{chain.recalled_lot}"):
        for _ in range(3):  # many scans of a lot code are normal
            client.cookies.clear()
            page = client.get(path)
        assert page.status_code == 200 and "Cần cảnh giác" not in page.text
    assert "THU HỒI" in page.text


def test_well_known_resolver_description(engine: Engine) -> None:
    body = make_client(engine).get("/.well-known/gs1resolver").json()
    assert body["resolverRoot"] == BASE and "gs1:pip" in body["supportedLinkType"]


def test_report_stored_escaped_and_rate_limited(engine: Engine, chain: Chain) -> None:
    client = make_client(engine, ticket_policy=TicketPolicy(per_window=2))
    form = {"code": chain.path(SERIALS[0]), "kind": "fake",
            "message": "<script>alert(1)</script> tem lạ", "contact": ""}
    first = client.post("/report", data=form)
    assert first.status_code == 201 and "Mã phản ánh của bạn" in first.text
    assert "<script>alert" not in first.text
    assert client.post("/report", data=form).status_code == 201
    assert client.post("/report", data=form).status_code == 429
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 2


@pytest.mark.parametrize("form", [{"kind": "fake", "message": ""},
                                  {"kind": "bogus", "message": "x"},
                                  {"kind": "fake", "message": "x" * 2001}])
def test_bad_report_is_refused(engine: Engine, form: dict[str, str]) -> None:
    assert make_client(engine).post("/report", data=form).status_code == 400


def test_oversized_report_is_refused(engine: Engine) -> None:
    body = "kind=fake&message=" + "x" * 9000
    answer = make_client(engine).post(
        "/report", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413


def test_an_event_declared_erroneous_leaves_the_journey(engine: Engine, chain: Chain) -> None:
    org = ensure_organization(engine, "HTX Cà phê Mường Ảng")
    item = f"https://id.gs1.org/01/{GTIN}/21/{SERIALS[0]}"
    wrong: dict[str, object] = {
        "type": "ObjectEvent", "eventID": "urn:uuid:wrong-shipping-1", "action": "OBSERVE",
        "eventTime": "2026-11-12T09:00:00+07:00", "eventTimeZoneOffset": "+07:00",
        "bizStep": "destroying", "epcList": [item]}
    client = make_client(engine)
    _capture(engine, org, [wrong])
    assert "Tiêu hủy" in client.get(chain.path(SERIALS[0])).text
    right = {**wrong, "eventID": "urn:uuid:right-shipping-1", "bizStep": "shipping"}
    declaration = {**wrong, "errorDeclaration": {
        "declarationTime": "2026-11-12T10:00:00+07:00", "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:right-shipping-1"]}}
    _capture(engine, org, [declaration, right])
    page = client.get(chain.path(SERIALS[0])).text
    assert "Tiêu hủy" not in page and "Xuất hàng" in page


def _capture(engine: Engine, org: Organization, items: list[dict[str, object]]) -> None:
    doc = Document(kind="EPCISDocument", namespaces={}, events=iter(items), name="fix",
                   header={"schemaVersion": "2.0", "creationDate": "2026-11-12T10:00:00Z",
                           "@context": [STANDARD_CONTEXT]})
    assert capture_document(engine, doc, org).stored


def test_a_scan_never_waits_for_a_capture_holding_sqlite_s_write_lock(
        engine: Engine, chain: Chain) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL inserts do not wait for other writers")
    client = make_client(engine)
    path = chain.path(SERIALS[1])
    with engine.connect() as capture:  # what a large capture does for its whole document
        capture.exec_driver_sql("INSERT INTO organizations (name, kind, created_us) "
                                "VALUES ('writer', 'enterprise', 0)")
        started = time.monotonic()
        page = client.get(path)
        assert page.status_code == 200 and time.monotonic() - started < 5
        assert "Số lần quét: 1" in page.text  # the scan waits in memory, and is counted…
        capture.rollback()
    assert _scans_of(engine, path) == 1  # …and is written once the capture is done
    client.cookies.clear()
    assert "Số lần quét: 2" in client.get(path).text
    assert _scans_of(engine, path) == 2


def _scans_of(engine: Engine, code: str) -> int:
    """The scans of ``code`` in the database, once this process's waiting ones are written."""
    log.queue(engine).flush()
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(scans)
                               .where(scans.c.code == code)) or 0)


def test_a_shared_location_goes_on_the_scan_just_made(engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    path = chain.path(SERIALS[0])
    browser = {"User-Agent": "Mozilla/5.0 (Linux; Android 12) Chrome/120"}
    first = client.get(path, headers=browser)
    assert 'id="locate" hidden' in first.text  # revealed by the page's script, if any
    shared = client.get(path + "?lat=21.0345&lon=105.8412&located=1", headers=browser)
    assert "vị trí gần đúng đã được ghi" in shared.text
    log.queue(engine).flush()
    with engine.connect() as conn:
        rows = conn.execute(select(scans.c.lat, scans.c.lon).where(scans.c.code == path)).all()
    assert [tuple(r) for r in rows] == [(21.0, 105.8)]  # one scan, its location coarse
    client.cookies.clear()  # another device
    other = client.get(path + "?lat=10.8&lon=106.6&located=1", headers={"User-Agent": "curl"})
    assert other.status_code == 200 and _scans_of(engine, path) == 2  # not someone else's scan


def test_a_page_survives_the_server_dropping_its_connections(
        engine: Engine, chain: Chain) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    client = make_client(engine)
    path = chain.path(SERIALS[0])
    assert client.get(path).status_code == 200  # its connection now waits for the next page
    with engine.connect() as conn:  # what a server restart or an idle timeout does
        dropped = conn.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").scalar()
    assert dropped
    client.cookies.clear()  # another phone: a second scan
    page = client.get(path)
    assert page.status_code == 200 and "Số lần quét: 2" in page.text
    assert _scans_of(engine, path) == 2  # the scan was logged once, on a new connection


def test_a_head_request_is_no_scan(engine: Engine, chain: Chain) -> None:
    client = make_client(engine)
    path = chain.path(SERIALS[0])
    assert client.head(path).status_code == 405  # a link checker's or a preview's request
    assert client.post(path).status_code == 405
    assert _scans_of(engine, path) == 0


def test_fixed_texts_are_written_into_each_language_s_templates() -> None:
    for lang, journey in (("vi", "Hành trình sản phẩm"), ("en", "The product&#39;s journey")):
        env = resolver._env(lang)
        source = env.loader.get_source(env, "product.html")[0]  # type: ignore[union-attr]
        assert f'<h2 id="journey">{journey}</h2>' in source
        verdict = env.loader.get_source(env, "_verdict.html")[0]  # type: ignore[union-attr]
        assert '{{ t("verdict_" ~ v.kind) }}' in verdict  # computed keys are still asked for
        assert '{{ t("call", phone=c.phone) }}' in source  # and texts with fields
    # Written in escaped; a text that reads like template syntax stays a call to t().
    written = resolver._TextsWrittenIn("en")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(resolver.i18n.CATALOGUE, "x_html", {"vi": "<b>", "en": "<b>"})
        patch.setitem(resolver.i18n.CATALOGUE, "x_jinja", {"vi": "{% x %}", "en": "{% x %}"})
        source = '{{ t("x_html") }}|{{ t("x_jinja") }}'
        assert resolver._FIXED_TEXT.sub(written._text, source) == '&lt;b&gt;|{{ t("x_jinja") }}'
