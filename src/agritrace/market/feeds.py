"""Product feeds in the formats shops import, streamed in constant memory.

- schema.org ``ItemList`` of ``Product`` with an ``Offer`` (JSON-LD), each with its GS1 Digital
  Link as ``gs1:pip`` (the product page) and ``gs1:traceability`` (the linkset);
- the Google Merchant Center RSS 2.0 feed (``g:`` fields id, title, description, link,
  image_link, availability, price, gtin, brand, condition);
- a CSV with the Merchant columns and the two GS1 links.

``gs1:traceability`` is given only for a product whose lots are in the log. Merchant items need
a price: products whose producer published none are left out of the RSS
and CSV feeds (they stay in the JSON-LD list, where an offer is optional).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

import orjson

from agritrace.market.catalogue import Listing

SCHEMA_AVAILABILITY = {"in_stock": "InStock", "out_of_stock": "OutOfStock",
                       "preorder": "PreOrder", "backorder": "BackOrder"}
MERCHANT_FIELDS = ("id", "title", "description", "link", "image_link", "availability",
                   "price", "gtin", "brand", "condition")
CSV_COLUMNS = (*MERCHANT_FIELDS, "gs1_pip", "gs1_traceability")
JSONLD_CONTEXT = {"@vocab": "https://schema.org/", "gs1": "https://gs1.org/voc/"}


class Links:
    """The absolute URLs of a product on this platform."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def page(self, item: Listing) -> str:
        return f"{self.base}/p/{item.gtin}"

    def digital_link(self, item: Listing) -> str:
        return f"{self.base}/01/{item.gtin}"

    def linkset(self, item: Listing) -> str:
        return f"{self.base}/01/{item.gtin}?linkType=all"

    def image(self, item: Listing) -> str:
        """The product's own picture, else its QR code (a feed item needs an image)."""
        if item.image_url.startswith(("https://", "http://")):
            return item.image_url
        if item.image_url.startswith("/"):
            return self.base + item.image_url
        return f"{self.base}/p/{item.gtin}/qr.png"


def description(item: Listing) -> str:
    """What a shop shows under the name: who made it, where, and the OCOP stars."""
    parts = [item.name_vi, f"Nhà sản xuất: {item.org_name}"]
    if item.province:
        parts.append(item.province)
    if item.ocop_stars:
        parts.append(f"OCOP {item.ocop_stars} sao")
    parts.append("Truy xuất nguồn gốc bằng mã QR GS1")
    return ". ".join(parts) + "."


def _price(item: Listing) -> str:
    return f"{item.price:.2f} {item.currency}"


def product_jsonld(item: Listing, links: Links) -> dict[str, Any]:
    product: dict[str, Any] = {
        "@type": "Product", "@id": links.digital_link(item), "name": item.name_vi,
        "description": description(item), "gtin14": item.gtin, "url": links.page(item),
        "image": links.image(item), "brand": {"@type": "Brand", "name": item.org_name},
        "gs1:pip": links.page(item)}
    if item.traced:  # a product with no lot in the log yet has nothing to trace
        product["gs1:traceability"] = links.linkset(item)
    if item.category:
        product["category"] = item.category
    if item.price is not None:
        product["offers"] = {
            "@type": "Offer", "price": f"{item.price:.2f}", "priceCurrency": item.currency,
            "availability": f"https://schema.org/{SCHEMA_AVAILABILITY[item.availability]}",
            "itemCondition": "https://schema.org/NewCondition", "url": links.page(item)}
    return product


def jsonld_chunks(items: Iterable[Listing], links: Links, name: str) -> Iterator[bytes]:
    """An ItemList, written element by element."""
    head: dict[str, Any] = {"@context": JSONLD_CONTEXT, "@type": "ItemList", "name": name}
    yield orjson.dumps(head)[:-1] + b',"itemListElement":['
    for position, item in enumerate(items, start=1):
        element = {"@type": "ListItem", "position": position,
                   "item": product_jsonld(item, links)}
        yield (b"," if position > 1 else b"") + orjson.dumps(element)
    yield b"]}"


# Google Merchant Center's product data specification: the most characters a field may hold
# (a longer title or brand makes the item disapproved, not shortened).
MERCHANT_LIMITS = {"id": 50, "title": 150, "description": 5000, "link": 2000,
                   "image_link": 2000, "brand": 70}


def merchant_values(item: Listing, links: Links) -> dict[str, str]:
    values = {"id": item.gtin, "title": item.name_vi, "description": description(item),
              "link": links.page(item), "image_link": links.image(item),
              "availability": item.availability, "price": _price(item), "gtin": item.gtin,
              "brand": item.org_name, "condition": "new"}
    return {k: _clip(v, MERCHANT_LIMITS.get(k)) for k, v in values.items()}


def _clip(value: str, most: int | None) -> str:
    return value if most is None or len(value) <= most else value[:most - 1].rstrip() + "…"


def rss_chunks(items: Iterable[Listing], links: Links, title: str, home: str
               ) -> Iterator[bytes]:
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
           'xmlns:g="http://base.google.com/ns/1.0"><channel>'
           f"<title>{escape(title)}</title><link>{escape(home)}</link>"
           f"<description>{escape(title)}</description>").encode()
    for item in items:
        if item.price is None:
            continue
        fields = "".join(f"<g:{k}>{escape(v)}</g:{k}>"
                         for k, v in merchant_values(item, links).items())
        yield f"<item>{fields}</item>".encode()
    yield b"</channel></rss>\n"


def csv_chunks(items: Iterable[Listing], links: Links) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()  # a BOM: spreadsheets then read UTF-8
    for item in items:
        if item.price is None:
            continue
        buffer.seek(0)
        buffer.truncate()
        values = merchant_values(item, links)
        writer.writerow([_cell(values[k]) for k in MERCHANT_FIELDS]
                        + [links.page(item), links.linkset(item) if item.traced else ""])
        yield buffer.getvalue().encode()


def _cell(value: str) -> str:
    # A producer's name that a spreadsheet would run as a formula is written as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
