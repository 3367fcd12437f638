"""The consumer page kept rendered for every worker (issue 21): every write that changes what a
page shows changes the next answer, a reload is a 304 that never changes a verdict, and no
variant (language, host) is served to another."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from agritrace import pagecache
from agritrace.farm.catalog import add_product
from agritrace.farm.registry import org_actor
from agritrace.labels.stamps import void_stamps
from agritrace.pagecache.tables import page_cache
from agritrace.scans import log
from agritrace.scans.tables import scans
from agritrace.scans.verdict import Policy
from agritrace.settings import Settings
from agritrace.store.grants import revoke_grant
from agritrace.store.orgs import ensure_organization
from agritrace.store.raw import awaiting
from agritrace.web.app import create_app
from tests.web import stamp_chain
from tests.web.stamp_chain import GTIN, OWNER, PREFIX, ROASTERY, SERIALS, Chain

BASE = "https://trace.example.vn"


def _client(engine: Engine) -> TestClient:
    app = create_app(Settings(database_url="sqlite://", base_url=BASE), engine)
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def chain(engine: Engine) -> Chain:
    return stamp_chain.load(engine)


def _kept(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(page_cache)) or 0)


def test_a_page_is_kept_once_and_served_to_another_worker(engine: Engine, chain: Chain) -> None:
    path = chain.path(SERIALS[0])
    first = _client(engine).get(path)
    assert first.status_code == 200 and _kept(engine) == 1
    # Another worker (another app on the same database) answers the same page from the cache.
    again = _client(engine).get(path)
    assert again.text.replace("Số lần quét: 2", "Số lần quét: 1") == first.text
    assert _kept(engine) == 1


def test_a_recall_shows_its_banner_at_once(engine: Engine, chain: Chain) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[0])
    assert 'id="recall"' not in client.get(path).text
    stamp_chain.capture(engine, [
        {"type": "ObjectEvent", "eventTime": "2026-11-20T09:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
         "quantityList": [{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{chain.lot}",
                           "quantity": 1.0, "uom": "KGM"}],
         "bizStep": "holding", "disposition": "recalled", "readPoint": {"id": ROASTERY}}])
    page = client.get(path).text
    assert 'id="recall"' in page and 'class="verdict recalled"' in page
    linkset = client.get(path, headers={"Accept": "application/linkset+json"}).json()
    assert linkset["linkset"][0]["https://gs1.org/voc/recallStatus"][0]["title"] == "Recalled"


def test_a_void_and_an_activation_change_the_next_verdict(engine: Engine, chain: Chain) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[1])
    assert 'class="verdict genuine"' in client.get(path).text
    owner = ensure_organization(engine, OWNER)
    void_stamps(engine, owner, [f"https://id.gs1.org/01/{GTIN}/21/{SERIALS[1]}"])
    assert 'class="verdict suspicious"' in client.get(path).text


def test_a_capture_and_a_registry_edit_change_the_next_page(engine: Engine, chain: Chain
                                                           ) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[0])
    assert "21/11/2026" not in client.get(path + "?lang=vi").text
    assert "Roasted test coffee" not in client.get(path + "?lang=en").text
    stamp_chain.capture(engine, [
        {"type": "ObjectEvent", "eventTime": "2026-11-21T09:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
         "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{SERIALS[0]}"],
         "bizStep": "retail_selling", "readPoint": {"id": ROASTERY}}])
    assert "21/11/2026" in client.get(path + "?lang=vi").text
    add_product(engine, org_actor(ensure_organization(engine, OWNER)),
                {"gtin": GTIN, "name_vi": "Cà phê rang", "name_en": "Roasted test coffee"})
    assert "Roasted test coffee" in client.get(path + "?lang=en").text


def test_a_grant_withdrawn_changes_the_verdict(engine: Engine, chain: Chain) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[0])
    assert 'class="verdict genuine"' in client.get(path).text
    revoke_grant(engine, ensure_organization(engine, OWNER), "prefix", PREFIX)
    assert 'class="verdict unverified"' in client.get(path).text


def test_each_language_and_host_has_its_own_page(engine: Engine, chain: Chain) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[0])
    assert '<html lang="vi">' in client.get(path).text
    english = client.get(path + "?lang=en")
    assert '<html lang="en">' in english.text and "Genuine product" in english.text
    assert '<html lang="en">' in client.get(path).text  # the language remembered, not the cache
    client.cookies.clear()
    assert '<html lang="vi">' in client.get(path).text
    other = client.get("http://other.example" + path).text
    assert 'content="http://other.example' in other and 'content="http://testserver' not in other
    assert _kept(engine) == 3


def test_a_reload_is_a_304_and_never_changes_the_verdict(engine: Engine, chain: Chain) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[0])
    page = client.get(path)
    tag = page.headers["etag"]
    assert tag.startswith('W/"') and "no-cache" in page.headers["cache-control"]
    assert "private" in page.headers["cache-control"]
    for _ in range(5):
        reload = client.get(path, headers={"If-None-Match": tag})
        assert reload.status_code == 304 and reload.headers["etag"] == tag
        assert 'class="verdict genuine"' in client.get(path).text
    # Another device's scan changes the count the page shows: a new tag, a full page.
    TestClient(client.app).get(path)
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "Số lần quét: 2" in changed.text
    assert changed.headers["etag"] != tag


def test_gzip_is_the_same_page(engine: Engine, chain: Chain) -> None:
    client = _client(engine)
    path = chain.path(SERIALS[0])
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for _ in range(2):  # rendered, then from the cache
        packed = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.text == plain.text  # decoded by the client
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as answer:
        sent = b"".join(answer.iter_raw())
    assert gzip.decompress(sent) == plain.content  # one valid gzip member, CRC and size
    assert client.get(path, headers={"Accept-Encoding": "gzip;q=0"}).headers.get(
        "content-encoding") is None


def test_no_scan_is_lost_on_shutdown_and_pages_count_what_waits(engine: Engine, chain: Chain
                                                                ) -> None:
    path = chain.path(SERIALS[0])
    app = create_app(Settings(database_url="sqlite://", base_url=BASE), engine)
    with TestClient(app) as first:  # the app's lifespan: its shutdown writes what waits
        for n in range(1, 4):
            device = TestClient(app, client=(f"10.0.0.{n}", 4000))
            assert f"Số lần quét: {n}" in device.get(path).text
        assert f"Số lần quét: {4}" in first.get(path).text
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(scans)) == 4
    assert log.queue(engine).flush() == 0  # nothing left waiting


def test_the_page_s_statement_is_planned_once_on_postgresql(engine: Engine, chain: Chain
                                                           ) -> None:
    """The page's one statement over the partitioned scan log keeps one generic plan: planned
    anew on each call, it cost 6-9 ms of planning against 0.5 ms of running."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans a statement once per connection anyway")
    path, policy = chain.path(SERIALS[0]), Policy()

    async def read_twelve_times() -> list[tuple[Any, ...]]:
        async with awaiting(engine) as raw:
            for n in range(12):
                visit = log.Visit(f"d{n}", f"c{n}")
                await log.read_scans(raw, log.queue(engine), path, log.new_scan(), visit,
                                     policy, along=pagecache.GENERATION)
            return await raw.rows("SELECT generic_plans, custom_plans FROM "
                                  "pg_prepared_statements WHERE strpos(statement, ?) > 0",
                                  ("scan_totals",))

    [(generic, custom)] = asyncio.run(read_twelve_times())
    assert custom == 0 and generic >= 6  # psycopg prepares it from its sixth call
