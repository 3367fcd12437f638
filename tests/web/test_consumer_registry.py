"""The consumer page of a demo bag shows what the farm registry knows: the product's names and
OCOP stars, the producer's address, the plot's boundary and codes, the certificates."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.demo import BAG, COOP, load_demo
from agritrace.farm.catalog import add_certificate
from agritrace.farm.demo import load_farm_demo
from agritrace.farm.registry import org_actor
from agritrace.settings import Settings
from agritrace.store.orgs import create_organization, ensure_organization
from agritrace.web.app import create_app


def _client(engine: Engine) -> tuple[TestClient, str]:
    chain = load_demo(engine)
    load_farm_demo(engine, chain)
    app = create_app(Settings(database_url="sqlite://", base_url="http://testserver"), engine)
    return TestClient(app), chain.bags[0].removeprefix("https://id.gs1.org")


def test_a_demo_bag_shows_its_registered_product_producer_and_plot(engine: Engine) -> None:
    client, bag = _client(engine)
    page = client.get(bag).text
    assert "Cà phê rang xay Mường Ảng 250 g" in page  # the registry's name of the GTIN
    assert "★★★★☆" in page and "4 sao" in page and "1125/QĐ-UBND" in page
    assert "Võ Nguyên Giáp" in page and 'href="tel:02153825456"' in page  # the roaster
    assert "<svg" in page and "Nương cà phê Lò Văn A" in page  # plot 1's surveyed boundary
    assert "VN-DB-MA-CF-0101" in page and "Ẳng Nưa, Mường Ảng, Điện Biên" in page
    # The green beans were hulled from the three plots' harvests: all three are named.
    assert "làm từ thu hoạch của 3 thửa" in page
    assert all(f"Nương cà phê Lò Văn {n}" in page for n in "ABC") and "1,60 ha" in page
    # The cooperative's VietGAP certificate: the grower of the plot the beans came from.
    assert "VietGAP-TT-25-03-11-0417" in page and "hiệu lực đến 14/03/2028" in page
    assert len(page.encode()) < 30_000  # the whole page, CSS inlined, on a slow phone
    assert "KGM" not in page and "quantity" not in page  # no commercial quantities
    english = client.get(bag + "?lang=en").text
    assert "Mường Ảng roasted ground coffee, 250 g" in english and "4 stars" in english


def test_a_shared_bag_link_previews_the_product_name_producer_and_origin(
        engine: Engine) -> None:
    client, bag = _client(engine)
    page = client.get(bag).text
    card = dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):\w+)" content="([^"]*)"',
                           page))
    assert card["og:title"] == card["twitter:title"] == "Cà phê rang xay Mường Ảng 250 g"
    assert card["og:url"] == f"http://testserver{bag}" and card["og:locale"] == "vi_VN"
    assert "Mường Ảng, Điện Biên" in card["og:description"]
    # a preview is cached by the other site: it never carries a verdict that could go stale
    assert "chính hãng" not in card["og:description"].lower()
    english = client.get(bag + "?lang=en").text
    assert '<meta property="og:locale" content="en_GB">' in english
    assert "Where it was grown: " in english


def test_a_certificate_is_shown_only_where_its_holder_registered_it(engine: Engine) -> None:
    client, bag = _client(engine)
    other = org_actor(create_organization(engine, "Công ty Chứng nhận Giả"))
    add_certificate(engine, other, {
        "kind": "organic", "issuer": "Nobody", "number": "FAKE-1", "valid_from": date(2026, 1, 1),
        "valid_to": date(2030, 1, 1), "subject_kind": "org", "subject": COOP})
    coop = org_actor(ensure_organization(engine, COOP))
    add_certificate(engine, coop, {
        "kind": "GlobalGAP", "issuer": "Control Union", "number": "GG-2023-7",
        "valid_from": date(2023, 1, 1), "valid_to": date(2024, 1, 1), "subject_kind": "org"})
    page = client.get(bag).text
    assert "FAKE-1" not in page  # another organization cannot certify the cooperative
    assert "GG-2023-7" in page and "đã hết hạn ngày 01/01/2024" in page
    assert str(BAG) in page


def test_the_demo_bag_is_for_sale_in_the_catalogue_and_its_feeds(engine: Engine) -> None:
    client, _ = _client(engine)
    page = client.get(f"/p/{BAG}").text
    assert "185.000" in page and "Cà phê rang xay Mường Ảng 250 g" in page
    feed = client.get("/feeds/products.csv").text
    row = next(line for line in feed.splitlines() if str(BAG) in line)
    assert "185000" in row and "in_stock" in row
