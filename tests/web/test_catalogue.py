"""The public catalogue, shop windows, feeds, share cards, shelf cards and the embeddable badge."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.farm.catalog import add_product, list_products, update_product
from agritrace.farm.registry import org_actor
from agritrace.ids.epc import check_digit
from agritrace.market import catalogue, offers
from agritrace.market.feeds import MERCHANT_FIELDS, MERCHANT_LIMITS, SCHEMA_AVAILABILITY
from agritrace.store.orgs import create_token
from tests.web.market_shop import BASE, COFFEE, TEA, Shop, build_shop

runner = CliRunner()
LONG = "08931234000387"


@pytest.fixture
def shop(engine: Engine) -> Shop:
    return build_shop(engine)


def test_the_catalogue_lists_owned_products_with_filters_and_paging(shop: Shop) -> None:
    page = shop.client.get("/catalogue")
    assert page.status_code == 200
    assert "Cà phê Arabica Mường Ảng 250 g" in page.text and "Chè Shan tuyết" in page.text
    assert "185.000 VND" in page.text  # Vietnamese separators
    assert "★★★★" in page.text
    assert "Cà phê Arabica" not in shop.client.get("/catalogue?stars=5").text
    assert "Chè Shan tuyết" not in shop.client.get("/catalogue?stars=4").text
    assert "Chè Shan tuyết" in shop.client.get("/catalogue?province=Điện Biên&crop=coffee").text
    assert "Chè Shan tuyết" not in shop.client.get("/catalogue?crop=rice").text
    assert shop.client.get("/catalogue?page=99999999999999&stars=x").status_code == 200



def test_expired_ocop_stars_are_neither_shown_nor_filtered_on(shop: Shop, engine: Engine) -> None:
    add_product(engine, org_actor(shop.coop), {
        "gtin": LONG, "name_vi": "Mật ong bạc hà", "ocop_stars": 5,
        "ocop_certificate": "OCOP-HG-2021-07", "ocop_issued": "2021-06-01"})  # 36 months
    assert "Mật ong bạc hà" not in shop.client.get("/catalogue?stars=5").text
    assert "Mật ong bạc hà" not in shop.client.get("/catalogue?stars=3").text
    card = shop.client.get("/catalogue").text.split("Mật ong bạc hà", 1)[1].split("</li>")[0]
    assert "★" not in card
    assert "đã hết hạn ngày 01/06/2024" in shop.client.get(f"/p/{LONG}").text
    english = shop.client.get("/catalogue?lang=en")
    assert "Muong Ang Arabica coffee 250 g" in english.text and "185,000 VND" in english.text


def test_a_squatters_registration_is_never_listed(shop: Shop, engine: Engine) -> None:
    """A product row whose GTIN another organization owns (registered before the ownership rule
    was enforced) does not reach the catalogue, the product page or the feeds."""
    from sqlalchemy import insert

    from agritrace.farm.tables import products
    with engine.begin() as conn:
        conn.execute(insert(products).values(org_id=shop.squatter.id, gtin=TEA.replace(
            "363", "370"), name_vi="Hàng chiếm mã", created_us=1))
    assert "Hàng chiếm mã" not in shop.client.get("/catalogue").text
    assert shop.client.get(f"/p/{TEA.replace('363', '370')}").status_code == 404
    assert "Hàng chiếm mã" not in shop.client.get("/feeds/products.jsonld").text


def test_the_product_page_shows_origin_lots_offer_and_share_card(shop: Shop) -> None:
    page = shop.client.get(f"/p/{COFFEE}")
    assert page.status_code == 200
    html = page.text
    assert '<meta property="og:title" content="Cà phê Arabica Mường Ảng 250 g">' in html
    assert f'<meta property="og:image" content="{BASE}/p/{COFFEE}/qr.png">' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert "<svg" in html and "20/10/2026" in html  # the plot drawn, harvested on 20/10/2026
    lots = html.split('id="lots">', 1)[1].split("</ul>", 1)[0]
    assert "Lô R26-1106: 06/11/2026" in lots and "thu hoạch 20/10/2026" in lots
    assert "hiệu lực đến 15/01/2029" in html  # OCOP valid 36 months
    assert f'href="/01/{COFFEE}"' in html
    assert shop.client.get(f"/p/{COFFEE[1:]}", follow_redirects=False).headers[
        "location"] == f"/p/{COFFEE}"
    assert shop.client.get("/p/08931234000357").status_code == 404  # bad check digit
    assert len(page.content) < 30_000


def test_qr_and_a6_shelf_card(shop: Shop) -> None:
    qr = shop.client.get(f"/p/{COFFEE}/qr.png")
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")
    card = shop.client.get(f"/p/{COFFEE}/shelf-card.pdf")
    assert card.status_code == 200 and card.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(card.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (298, 420)  # A6 in points
    text = reader.pages[0].extract_text()
    assert "Cà phê Arabica Mường Ảng 250 g" in text and "185.000 VND" in text
    (printed,) = reader.pages[0].images
    (decoded,) = zxingcpp.read_barcodes(printed.image)
    assert decoded.text == f"{BASE}/01/{COFFEE}"
    (shown,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.content)))
    assert shown.text == f"{BASE}/01/{COFFEE}"


def test_an_untraced_products_qr_leads_to_its_product_page(shop: Shop) -> None:
    """The tea has no lot in the log yet: its shelf card's QR (its Digital Link) must not land
    on a page that calls the code never issued, "maybe fake"."""
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(
        shop.client.get(f"/p/{TEA}/qr.png").content)))
    assert decoded.text == f"{BASE}/01/{TEA}"
    moved = shop.client.get(f"/01/{TEA}", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == f"/p/{TEA}"
    assert shop.client.get(f"/01/{TEA}", follow_redirects=False).status_code == 307  # again
    assert "Chè Shan tuyết" in shop.client.get(f"/01/{TEA}").text
    # A traced product's code, an unlisted GTIN and a lot keep the consumer page.
    assert shop.client.get(f"/01/{COFFEE}", follow_redirects=False).status_code == 200
    assert shop.client.get("/01/08931234000998", follow_redirects=False).status_code == 404
    assert shop.client.get(f"/01/{TEA}/10/X1", follow_redirects=False).status_code == 404
    # The badge beside its listing says the same: registered, no lot yet (not "unknown code").
    badge = shop.client.get(f"/embed/01/{TEA}")
    assert badge.status_code == 200 and 'class="listed"' in badge.text
    assert "chưa có lô nào được ghi nhận" in badge.text and f'href="{BASE}/p/{TEA}"' in badge.text


def test_every_page_is_small_and_needs_no_script(shop: Shop, engine: Engine) -> None:
    """A full catalogue page (24 products), a shop window and a product page: < 30 KB."""
    manager = org_actor(shop.coop)
    for n in range(30):
        body = f"893123400{100 + n:03d}"
        add_product(engine, manager, {
            "gtin": "0" + body + str(check_digit("0" + body)),
            "name_vi": f"Cà phê rang xay Mường Ảng hạt Arabica loại đặc biệt số {n}",
            "name_en": f"Muong Ang roasted Arabica coffee, special grade, number {n}",
            "ocop_stars": 3 + n % 3, "ocop_certificate": f"OCOP-DB-2026-{n}",
            "ocop_issued": "2026-01-15"})
    slug = catalogue.shop_slug(shop.coop.id, shop.coop.name)
    for path in ("/catalogue", "/catalogue?lang=en", "/catalogue?page=2", f"/o/{slug}",
                 f"/p/{COFFEE}", f"/p/{COFFEE}?lang=en", f"/p/{TEA}"):
        page = shop.client.get(path)
        assert page.status_code == 200, path
        assert len(page.content) < 30_000, (path, len(page.content))
        assert "<script" not in page.text, path
    assert shop.client.get("/catalogue").text.count("<li>") == catalogue.PAGE


def test_the_shop_window_and_its_canonical_address(shop: Shop) -> None:
    slug = catalogue.shop_slug(shop.coop.id, shop.coop.name)
    assert slug.endswith("-htx-ca-phe-muong-ang")
    page = shop.client.get(f"/o/{slug}")
    assert page.status_code == 200 and "Gian hàng của HTX Cà phê Mường Ảng" in page.text
    moved = shop.client.get(f"/o/{shop.coop.id}-x", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/o/{slug}"
    assert shop.client.get(f"/o/{shop.squatter.id}-chiem").status_code == 404
    assert shop.client.get("/o/not-a-shop").status_code == 404


def _gtin_ok(gtin: str) -> bool:
    return len(gtin) == 14 and gtin.isdigit() and check_digit(gtin[:-1]) == int(gtin[-1])


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _enumeration(*members: str) -> Callable[[Any], bool]:
    return lambda value: value in {f"https://schema.org/{m}" for m in members}


# The schema.org types the feed uses, each with the properties schema.org gives it (those the
# feed writes) and what a value must be: a Text, a URL, a member of an enumeration, a node.
SCHEMA_ORG: dict[str, dict[str, Callable[[Any], bool]]] = {
    "ItemList": {"name": _text, "itemListElement": lambda v: isinstance(v, list)},
    "ListItem": {"position": lambda v: isinstance(v, int) and v >= 1,
                 "item": lambda v: isinstance(v, dict)},
    "Product": {"name": _text, "description": _text, "url": _url, "image": _url,
                "category": _text, "gtin14": lambda v: _gtin_ok(v),
                "brand": lambda v: isinstance(v, dict), "offers": lambda v: isinstance(v, dict)},
    "Brand": {"name": _text},
    "Offer": {"price": lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d+(\.\d+)?", v)),
              "priceCurrency": lambda v: isinstance(v, str) and bool(re.fullmatch("[A-Z]{3}", v)),
              "availability": _enumeration(*SCHEMA_AVAILABILITY.values()),
              "itemCondition": _enumeration("NewCondition", "UsedCondition",
                                            "RefurbishedCondition", "DamagedCondition"),
              "url": _url},
}
# Where a node may sit: a property's value's @type (schema.org's range of the property).
SCHEMA_RANGES = {("ItemList", "itemListElement"): "ListItem", ("ListItem", "item"): "Product",
                 ("Product", "brand"): "Brand", ("Product", "offers"): "Offer"}


def _schema_org_problems(node: dict[str, Any], kind: str, where: str = "") -> list[str]:
    """What in ``node`` is not schema.org's ``kind`` (GS1 terms, gs1:, are the GS1 Web
    Vocabulary's, declared in the @context)."""
    if node.get("@type") != kind:
        return [f"{where}: @type {node.get('@type')!r}, expected {kind}"]
    problems = []
    for key, value in node.items():
        if key.startswith(("@", "gs1:")):
            continue
        check = SCHEMA_ORG[kind].get(key)
        if check is None or not check(value):
            problems.append(f"{where}/{key}: {value!r}")
            continue
        inner = SCHEMA_RANGES.get((kind, key))
        for n, child in enumerate(value if isinstance(value, list) else [value]):
            if inner:
                problems += _schema_org_problems(child, inner, f"{where}/{key}/{n}")
    return problems


def test_the_jsonld_feed_is_a_schema_org_item_list(shop: Shop) -> None:
    answer = shop.client.get("/feeds/products.jsonld")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/ld+json"
    feed = answer.json()
    assert _schema_org_problems(feed, "ItemList") == []
    assert feed["@context"]["gs1"] == "https://gs1.org/voc/"
    assert feed["@context"]["@vocab"] == "https://schema.org/" and feed["@type"] == "ItemList"
    items = [element["item"] for element in feed["itemListElement"]]
    assert [e["position"] for e in feed["itemListElement"]] == list(range(1, len(items) + 1))
    for item in items:
        assert item["@type"] == "Product" and item["name"] and item["brand"]["@type"] == "Brand"
        assert _gtin_ok(item["gtin14"])
        for key in ("@id", "url", "image", "gs1:pip", "gs1:traceability"):
            if key in item:
                assert shop.client.get(item[key].removeprefix(BASE)).status_code == 200, key
        if "offers" in item:
            assert shop.client.get(item["offers"]["url"].removeprefix(BASE)).status_code == 200
    coffee = next(i for i in items if i["gtin14"] == COFFEE)
    offer = coffee["offers"]
    assert offer["@type"] == "Offer" and Decimal(offer["price"]) == Decimal("185000")
    assert offer["priceCurrency"] == "VND"
    assert offer["availability"] in {f"https://schema.org/{v}"
                                     for v in SCHEMA_AVAILABILITY.values()}
    tea = next(i for i in items if i["gtin14"] == TEA)
    assert "offers" not in tea
    # No lot of the tea is in the log yet: nothing to trace, and no link that would 404.
    assert "gs1:traceability" not in tea and "gs1:traceability" in coffee
    assert f'href="/01/{TEA}"' not in shop.client.get(f"/p/{TEA}").text


# Google Merchant Center's product data specification, for the fields the feed sends.
MERCHANT_AVAILABILITY = {"in_stock", "out_of_stock", "preorder", "backorder"}
MERCHANT_PRICE = re.compile(r"\d+(\.\d{1,2})? [A-Z]{3}")


def _merchant_problems(fields: dict[str, str | None]) -> list[str]:
    problems = [f"{k} missing" for k in MERCHANT_FIELDS if not fields.get(k)]
    problems += [f"{k} longer than {most}" for k, most in MERCHANT_LIMITS.items()
                 if len(fields.get(k) or "") > most]
    if fields.get("availability") not in MERCHANT_AVAILABILITY:
        problems.append("availability")
    if not MERCHANT_PRICE.fullmatch(fields.get("price") or ""):
        problems.append("price")
    if fields.get("condition") not in {"new", "refurbished", "used"}:
        problems.append("condition")
    if not _gtin_ok(fields.get("gtin") or ""):
        problems.append("gtin")
    problems += [f"{k} not absolute" for k in ("link", "image_link")
                 if not (fields.get(k) or "").startswith(("https://", "http://"))]
    return problems


def test_the_merchant_rss_and_csv_feeds(shop: Shop, engine: Engine) -> None:
    # A name longer than Merchant's 150-character title: clipped, not a disapproved item.
    add_product(engine, org_actor(shop.coop), {
        "gtin": LONG, "name_vi": "Cà phê Arabica Mường Ảng rang mộc " + "hạt chọn lọc " * 11})
    offers.set_offer(engine, shop.coop, LONG, {"price": "99000"})
    answer = shop.client.get("/feeds/products.xml")
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert all(root.findtext(f"channel/{k}") for k in ("title", "link", "description"))
    g = "{http://base.google.com/ns/1.0}"
    items = root.findall("channel/item")
    assert len(items) == 2  # the tea has no price: a Merchant item needs one
    by_gtin = [{child.tag.removeprefix(g): child.text for child in item} for item in items]
    for item in by_gtin:
        assert _merchant_problems(item) == [], item
    long_title = next(i["title"] for i in by_gtin if i["gtin"] == LONG) or ""
    assert len(long_title) == 150 and long_title.endswith("…")
    fields = next(i for i in by_gtin if i["gtin"] == COFFEE)
    assert fields["price"] == "185000.00 VND" and fields["availability"] == "in_stock"
    assert fields["condition"] == "new" and _gtin_ok(fields["gtin"] or "")
    for key in ("link", "image_link"):
        assert shop.client.get((fields[key] or "").removeprefix(BASE)).status_code == 200
    rows = list(csv.DictReader(io.StringIO(
        shop.client.get("/feeds/products.csv").content.decode("utf-8-sig"))))
    assert [r["gtin"] for r in rows] == [COFFEE, LONG]
    for row in rows:
        assert _merchant_problems(dict(row)) == [], row
    assert rows[0]["gs1_traceability"] == f"{BASE}/01/{COFFEE}?linkType=all"
    assert list(rows[0]) == [*MERCHANT_FIELDS, "gs1_pip", "gs1_traceability"]
    for key in ("link", "image_link", "gs1_pip", "gs1_traceability"):
        assert shop.client.get(rows[0][key].removeprefix(BASE)).status_code == 200, key
    assert _gtin_ok(rows[0]["gtin"])


def test_feeds_answer_conditional_gets(shop: Shop, engine: Engine) -> None:
    first = shop.client.get("/feeds/products.jsonld")
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified.endswith("GMT")
    assert shop.client.get("/feeds/products.jsonld",
                           headers={"If-None-Match": tag}).status_code == 304
    assert shop.client.get("/feeds/products.jsonld",
                           headers={"If-Modified-Since": modified}).status_code == 304
    assert shop.client.get("/feeds/products.jsonld", headers={
        "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200
    assert shop.client.get("/feeds/products.jsonld",
                           headers={"If-Modified-Since": "yesterday"}).status_code == 200
    assert shop.client.get("/feeds/products.xml", headers={"If-None-Match": tag}
                           ).status_code == 200  # another format, another tag
    # The feed's title is translated: the English answer is another representation.
    assert shop.client.get("/feeds/products.jsonld?lang=en",
                           headers={"If-None-Match": tag}).status_code == 200
    offers.set_offer(engine, shop.coop, TEA, {"price": "90000"})
    assert shop.client.get("/feeds/products.jsonld",
                           headers={"If-None-Match": tag}).status_code == 200
    # A product renamed in the registry (no offer touched) is a new feed too.
    tag = shop.client.get("/feeds/products.jsonld").headers["etag"]
    tea = next(p for p in list_products(engine, shop.coop) if p.gtin == TEA)
    update_product(engine, org_actor(shop.coop), tea.id, {"name_vi": "Chè Shan tuyết cổ thụ"})
    renamed = shop.client.get("/feeds/products.jsonld", headers={"If-None-Match": tag})
    assert renamed.status_code == 200 and "Chè Shan tuyết cổ thụ" in renamed.text
    slug = catalogue.shop_slug(shop.coop.id, shop.coop.name)
    assert shop.client.get(f"/o/{slug}/feed.csv").status_code == 200
    assert shop.client.get("/feeds/products.pdf").status_code == 404


@pytest.mark.parametrize("kind", ["jsonld", "xml", "csv"])
def test_a_large_feed_is_read_page_by_page(shop: Shop, engine: Engine, kind: str) -> None:
    """Following each answer's Link rel="next" reads the whole feed once, in order."""
    offers.set_offer(engine, shop.coop, TEA, {"price": "90000"})
    whole = _gtins(kind, shop.client.get(f"/feeds/products.{kind}"))
    assert "link" not in shop.client.get(f"/feeds/products.{kind}").headers
    assert len(whole) == 2
    seen: list[str] = []
    url: str | None = f"/feeds/products.{kind}?limit=1"
    while url is not None:
        answer = shop.client.get(url)
        assert answer.status_code == 200
        seen += _gtins(kind, answer)
        link = answer.headers.get("link")
        url = link.split(">", 1)[0].removeprefix(f"<{BASE}") if link else None
        assert link is None or link.endswith('; rel="next"')
    assert seen == whole


def _gtins(kind: str, answer: Any) -> list[str]:
    if kind == "jsonld":
        return [e["item"]["gtin14"] for e in answer.json()["itemListElement"]]
    if kind == "xml":
        return [g.text or "" for g in etree.fromstring(answer.content).iter(
            "{http://base.google.com/ns/1.0}gtin")]
    return [r["gtin"] for r in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))]


def test_offers_are_set_by_the_products_registrant_only(shop: Shop, engine: Engine) -> None:
    auth = {"Authorization": f"Bearer {shop.token}"}
    done = shop.client.put(f"/market/offers/{TEA}", headers=auth,
                           json={"price": "120000.5", "availability": "preorder"})
    assert done.status_code == 200, done.text
    assert done.json() == {"gtin": TEA, "price": "120000.5", "currency": "VND",
                           "availability": "preorder"}
    bad = shop.client.put(f"/market/offers/{TEA}", headers=auth,
                          json={"price": "-1", "currency": "VNX", "availability": "soon"})
    assert bad.status_code == 400
    assert {p["path"] for p in bad.json()["errors"]} == {"price", "currency", "availability"}
    other = create_token(engine, shop.squatter, "other")
    refused = shop.client.put(f"/market/offers/{COFFEE}",
                              headers={"Authorization": f"Bearer {other}"}, json={"price": "1"})
    assert refused.status_code == 404
    assert shop.client.put(f"/market/offers/{COFFEE}", json={"price": "1"}).status_code == 401
    listed = shop.client.get("/market/offers", headers=auth).json()
    assert {o["gtin"]: o["availability"] for o in listed} == {COFFEE: "in_stock",
                                                              TEA: "preorder"}


def test_the_badge_may_be_framed_and_says_what_the_page_says(shop: Shop) -> None:
    badge = shop.client.get(f"/embed/01/{COFFEE}/10/R26-1106")
    assert badge.status_code == 200
    assert "frame-ancestors *" in badge.headers["content-security-policy"]
    assert "x-frame-options" not in badge.headers
    assert f'href="{BASE}/01/{COFFEE}/10/R26-1106"' in badge.text
    page = shop.client.get(f"/01/{COFFEE}/10/R26-1106")
    verdict = page.text.split('id="verdict-h">', 1)[1].split("<", 1)[0]
    assert verdict in badge.text
    for other in (f"/p/{COFFEE}", "/catalogue", f"/01/{COFFEE}/10/R26-1106",
                  f"/o/{catalogue.shop_slug(shop.coop.id, shop.coop.name)}"):
        headers = shop.client.get(other).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], other
        assert headers["x-frame-options"] == "DENY", other
    assert shop.client.get("/embed/01/08931234000999").status_code == 404
    assert shop.client.get("/embed/01/123").status_code == 404
    assert json.dumps(badge.headers.get("cache-control")) == '"public, max-age=60"'


def test_the_market_commands_set_an_offer_and_write_a_feed(
        shop: Shop, database_url: str, environment: Any, tmp_path: Path) -> None:
    environment(database_url=database_url, base_url=BASE)
    result = runner.invoke(app, ["market", "offer", TEA, "--org", shop.coop.name,
                                 "--price", "95000", "--availability", "backorder"])
    assert result.exit_code == 0, result.output
    assert f"{TEA}: 95000 VND, backorder" in result.stdout
    refused = runner.invoke(app, ["market", "offer", TEA, "--org", shop.coop.name,
                                  "--currency", "XXX1"])
    assert refused.exit_code == 2 and "currency" in refused.stderr
    target = tmp_path / "feed.csv"
    result = runner.invoke(app, ["market", "feed", "--out", str(target), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert {r["gtin"]: r["availability"] for r in rows} == {COFFEE: "in_stock",
                                                            TEA: "backorder"}
