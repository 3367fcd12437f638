"""The public catalogue, shop windows, product feeds, shelf cards and the embeddable badge.

- ``/catalogue?province=&crop=&stars=&page=``: every listed product, filtered;
- ``/p/{gtin}``: one product (name, picture, OCOP stars and their validity, producer, plots of
  origin drawn, certificates, latest lots, offer, QR) with Open Graph and Twitter card metadata;
  ``/p/{gtin}/qr.png`` and ``/p/{gtin}/shelf-card.pdf`` (A6, to print and put on a shelf);
- ``/o/{id-name}``: an organization's shop window;
- ``/feeds/products.{jsonld,xml,csv}`` and ``/o/{id-name}/feed.{jsonld,xml,csv}``: schema.org
  ItemList, Google Merchant RSS and CSV, with ETag / Last-Modified and ``?after=`` paging;
- ``/embed/01/{gtin}[/10/{lot}][/21/{serial}]``: a small badge a marketplace may put in an
  iframe beside a listing, with the same verdict the consumer page gives (no scan is logged).

Pages are public: nothing here is more than the consumer page shows (no quantities, customers
or transactions). What is listed is decided in :mod:`agritrace.market.catalogue`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import Engine

from agritrace.farm.diary import vietnam_today
from agritrace.farm.pesticides import CROPS
from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import Gtin, InvalidIdentifier
from agritrace.labels.qr import qr_png
from agritrace.market import catalogue, feeds
from agritrace.scans.facts import answer
from agritrace.scans.verdict import Policy
from agritrace.vietnam_time import vietnam_day
from agritrace.web import i18n
from agritrace.web.api.deps import verdict_reader
from agritrace.web.pages.plot_svg import plot_drawing
from agritrace.web.pages.resolver import render
from agritrace.web.pages.session import page_reader
from agritrace.web.shelf_card import shelf_card_pdf

router = APIRouter(include_in_schema=False)
FEED_TYPES = {"jsonld": "application/ld+json", "xml": "application/rss+xml; charset=utf-8",
              "csv": "text/csv; charset=utf-8"}
MAX_FEED_ITEMS = 100_000
# A marketplace may frame the badge, and only the badge.
EMBED_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *; base-uri 'none'"


def _base(request: Request) -> str:
    base: str = request.app.state.settings.base_url
    return base.rstrip("/")


def _int(value: str | None, default: int, lowest: int = 0, highest: int = 10**9) -> int:
    """A paging number from the query string; anything else is the default, never a 500."""
    if value is None or not value.isdigit() or len(value) > 10:
        return default
    return min(max(int(value), lowest), highest)


def _filters(request: Request, org_id: int | None = None) -> catalogue.Filters:
    q = request.query_params
    return catalogue.Filters(province=q.get("province", "")[:100], crop=q.get("crop", "")[:40],
                             stars=_int(q.get("stars"), 0, 0, 5), org_id=org_id)


def _not_found(request: Request, title: str, text: str) -> Response:
    return render(request, "message.html", 404, title=title, tone="unknown", text=text,
                  back=None, show_form=False, code="")


@router.get("/catalogue")
def catalogue_page(request: Request) -> Response:
    filters = _filters(request)
    page = catalogue.browse(page_reader(request), filters,
                            _int(request.query_params.get("page"), 1, 1))
    return render(request, "market/catalogue.html", page=page, filters=filters,
                  today=vietnam_today(), links=_paging(filters, page), crop_names=CROPS,
                  heading_key="market_catalogue", feed_base="/feeds/products")


def _paging(filters: catalogue.Filters, page: catalogue.Page) -> dict[str, str | None]:
    def href(number: int) -> str:
        return "?" + urlencode({**filters.as_query(), "page": str(number)})

    return {"previous": href(page.number - 1) if page.number > 1 else None,
            "next": href(page.number + 1) if page.number < page.pages else None}


def _shop(request: Request, slug: str) -> tuple[int, str] | None:
    org_id = catalogue.org_of_slug(slug)
    if org_id is None:
        return None
    found = catalogue.browse(page_reader(request), catalogue.Filters(org_id=org_id))
    name = found.listings[0].org_name if found.listings else None
    return (org_id, name) if name else None


@router.get("/o/{slug}")
def shop_page(request: Request, slug: str) -> Response:
    t = i18n.Translator(i18n.language(request))
    shop = _shop(request, slug)
    if shop is None:
        return _not_found(request, t("market_shop_not_found"), slug[:80])
    org_id, name = shop
    filters = _filters(request, org_id)
    page = catalogue.browse(page_reader(request), filters,
                            _int(request.query_params.get("page"), 1, 1))
    canonical = catalogue.shop_slug(org_id, name)
    if slug != canonical:
        return RedirectResponse(f"/o/{canonical}", status_code=301)
    return render(request, "market/catalogue.html", page=page, filters=filters,
                  today=vietnam_today(), links=_paging(filters, page), shop=name,
                  crop_names=CROPS,
                  heading_key="market_shop", feed_base=f"/o/{canonical}/feed")


def _listing(request: Request, gtin: str) -> catalogue.Listing | Response:
    t = i18n.Translator(i18n.language(request))
    try:
        code = str(Gtin.parse(gtin))
    except InvalidIdentifier:
        return _not_found(request, t("market_not_found"), t("market_not_found_text",
                                                            code=gtin[:40]))
    if code != gtin:
        suffix = request.url.path.split(gtin, 1)[1]
        return RedirectResponse(f"/p/{code}{suffix}", status_code=301)
    item = catalogue.listing(page_reader(request), code)
    if item is None:
        return _not_found(request, t("market_not_found"), t("market_not_found_text", code=code))
    return item


@router.get("/p/{gtin}")
async def product_page(request: Request, gtin: str) -> Response:
    item = _listing(request, gtin)
    if isinstance(item, Response):
        return item
    base = _base(request)
    facts = await answer(await verdict_reader(request), DigitalLink.parse(f"/01/{item.gtin}"),
                         _policy(request), base)
    t = i18n.Translator(i18n.language(request))
    links = feeds.Links(base)
    return render(request, "market/product.html", item=item, facts=facts, t_today=vietnam_today(),
                  plots=_plots(facts, t), lots=_lots(page_reader(request), item, t),
                  card=_card(item, links, t), links=links)


def _policy(request: Request) -> Policy:
    return getattr(request.app.state, "scan_policy", None) or Policy()


def _plots(facts: dict[str, Any], t: i18n.Translator) -> list[dict[str, Any]]:
    drawn = []
    for origin in facts.get("origins") or ():
        geometry = origin.get("geometry")
        drawing = plot_drawing(origin["plot"], geometry, t("plot_drawing")) if geometry else None
        dates = [d for d in (origin.get("harvest_start"), origin.get("harvest_end")) if d]
        drawn.append({"origin": origin, "drawing": drawing, "harvest": _harvest(dates, t)})
    return drawn


def _lots(engine: Engine, item: catalogue.Listing, t: i18n.Translator) -> list[dict[str, Any]]:
    """The latest lots: number, the day first recorded and the harvest dates in words."""
    return [{"lot": lot, "made": t.date(vietnam_day(lot.made_us)),
             "harvest": _harvest(lot.harvest, t)} for lot in catalogue.latest_lots(engine, item)]


def _harvest(dates: Iterable[object], t: i18n.Translator) -> str:
    """``20/10/2026 – 25/10/2026`` (one date when the harvest took a day)."""
    return " – ".join(dict.fromkeys(_date(d, t) for d in dates))


def _date(value: object, t: i18n.Translator) -> str:
    try:
        return t.date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _card(item: catalogue.Listing, links: feeds.Links, t: i18n.Translator) -> dict[str, str]:
    """Open Graph and Twitter card fields: what Facebook or Zalo shows for a shared link."""
    return {"title": item.name(t.lang), "description": feeds.description(item),
            "image": links.image(item), "url": links.page(item)}


@router.get("/p/{gtin}/qr.png")
def product_qr(request: Request, gtin: str) -> Response:
    item = _listing(request, gtin)
    if isinstance(item, Response):
        return item
    png = qr_png(feeds.Links(_base(request)).digital_link(item))
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/p/{gtin}/shelf-card.pdf")
def shelf_card(request: Request, gtin: str) -> Response:
    item = _listing(request, gtin)
    if isinstance(item, Response):
        return item
    t = i18n.Translator(i18n.language(request))
    pdf = shelf_card_pdf(item, feeds.Links(_base(request)), t, vietnam_today())
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="shelf-card-{item.gtin}.pdf"'})


def _feed(request: Request, kind: str, filters: catalogue.Filters, title: str,
          home: str) -> Response:
    if kind not in FEED_TYPES:
        return Response(status_code=404)
    engine = page_reader(request)
    fresh = catalogue.freshness(engine, filters)
    after = _int(request.query_params.get("after"), 0)
    limit = _int(request.query_params.get("limit"), MAX_FEED_ITEMS, 1, MAX_FEED_ITEMS)
    headers = _validators(request, kind, filters, fresh, after, limit)
    if _not_modified(request, headers, fresh):
        return Response(status_code=304, headers=headers)
    following = catalogue.next_after(engine, filters, after, limit)
    if following is not None:  # RFC 8288: the next page, for a feed larger than one answer
        query = urlencode({**dict(request.query_params), "after": str(following),
                           "limit": str(limit)})
        headers["Link"] = f'<{_base(request)}{request.url.path}?{query}>; rel="next"'
    items = catalogue.stream(engine, filters, after=after, limit=limit)
    links = feeds.Links(_base(request))
    chunks: Iterator[bytes]
    if kind == "jsonld":
        chunks = feeds.jsonld_chunks(items, links, title)
    elif kind == "xml":
        chunks = feeds.rss_chunks(items, links, title, _base(request) + home)
    else:
        chunks = feeds.csv_chunks(items, links)
    return StreamingResponse(_buffered(chunks), media_type=FEED_TYPES[kind], headers=headers)


def _validators(request: Request, kind: str, filters: catalogue.Filters,
                fresh: catalogue.Freshness, after: int, limit: int) -> dict[str, str]:
    """ETag (what the answer is made of, its language included: the title is translated) and
    Last-Modified (the newest change with a time)."""
    made_of = f"{kind}{filters}{i18n.language(request)}{fresh}{after}{limit}{_base(request)}"
    modified = datetime.fromtimestamp(fresh.newest_us / 1e6, UTC)
    return {"ETag": 'W/"' + hashlib.sha256(made_of.encode()).hexdigest()[:32] + '"',
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Cache-Control": "public, max-age=300", "Vary": "Cookie"}


def _not_modified(request: Request, headers: dict[str, str], fresh: catalogue.Freshness
                  ) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if (tags := request.headers.get("if-none-match")) is not None:
        return headers["ETag"] in {tag.strip() for tag in tags.split(",")} or tags.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as RFC 9110 asks
    if when.tzinfo is None:
        return False
    return fresh.newest_us // 1_000_000 <= int(when.timestamp())


def _buffered(chunks: Iterator[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Items joined into ~64 KB writes: one send per item cost more than writing the item."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


@router.get("/feeds/products.{kind}")
def catalogue_feed(request: Request, kind: str) -> Response:
    t = i18n.Translator(i18n.language(request))
    return _feed(request, kind, _filters(request), t("market_catalogue"), "/catalogue")


@router.get("/o/{slug}/feed.{kind}")
def shop_feed(request: Request, slug: str, kind: str) -> Response:
    t = i18n.Translator(i18n.language(request))
    shop = _shop(request, slug)
    if shop is None:
        return _not_found(request, t("market_shop_not_found"), slug[:80])
    org_id, name = shop
    return _feed(request, kind, _filters(request, org_id), t("market_shop", name=name),
                 f"/o/{catalogue.shop_slug(org_id, name)}")


@router.get("/embed/01/{rest:path}")
async def badge(request: Request, rest: str) -> Response:
    """The verdict of a code as a badge; the answer may be framed by any site."""
    try:
        link = DigitalLink.parse("/01/" + rest)
    except InvalidIdentifier:
        response = render(request, "market/badge.html", 404, verdict="unknown", href=None)
    else:
        if (page := catalogue.untraced_page(page_reader(request), link)) is not None:
            # As the resolver does: a listed product with no lot yet is no "unknown code".
            response = render(request, "market/badge.html", verdict="listed",
                              href=_base(request) + page)
        else:
            facts = await answer(await verdict_reader(request), link, _policy(request),
                                 _base(request))
            kind = facts["verdict"].kind
            response = render(request, "market/badge.html", 200 if kind != "unknown" else 404,
                              verdict=kind, href=f"{_base(request)}{link.path}")
    response.headers["Content-Security-Policy"] = EMBED_CSP
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
