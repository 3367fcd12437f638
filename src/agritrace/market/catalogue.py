"""The public catalogue: every registered product whose registrant owns its GTIN, with its
producer, OCOP stars, offer and the crops of the producer's plots.

Only public facts leave this module: names, pictures, stars, certificates, province, price as the
producer published it. A product registered by an organization that does not own its GTIN
(:mod:`agritrace.trust`) is never listed, so a squatter's row cannot sell another's product.
Listings are read page by page (``after`` = the last product id of the previous page), so a
feed of any size is streamed in constant memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
)

from agritrace.farm.tables import places, products, profiles, registry_history
from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import Gtin
from agritrace.market.tables import offers
from agritrace.store.tables import event_terms, events, org_grants, organizations
from agritrace.trust import Owners
from agritrace.vietnam_time import vietnam_now

PAGE = 24
FEED_PAGE = 500


@dataclass(frozen=True)
class Listing:
    """One product as the catalogue and the feeds show it."""

    id: int
    gtin: str
    name_vi: str
    name_en: str
    category: str
    image_url: str
    ocop_stars: int | None
    ocop_expires: date | None
    org_id: int
    org_name: str
    province: str
    price: Decimal | None
    currency: str
    availability: str
    updated_us: int
    traced: bool
    crops: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return (self.name_en or self.name_vi) if lang == "en" else self.name_vi

    def ocop_valid(self, today: date) -> bool:
        return self.ocop_stars is not None and (
            self.ocop_expires is None or self.ocop_expires >= today)

    @property
    def shop_slug(self) -> str:
        return shop_slug(self.org_id, self.org_name)


@dataclass(frozen=True)
class Filters:
    province: str = ""
    crop: str = ""
    stars: int = 0
    org_id: int | None = None

    def as_query(self) -> dict[str, str]:
        out = {"province": self.province, "crop": self.crop,
               "stars": str(self.stars) if self.stars else ""}
        return {k: v for k, v in out.items() if v}


@dataclass
class Page:
    listings: list[Listing]
    total: int
    number: int
    pages: int
    provinces: list[str] = field(default_factory=list)
    crops: list[str] = field(default_factory=list)


def shop_slug(org_id: int, name: str) -> str:
    """``12-htx-ca-phe-muong-ang``: the id decides, the words are for people and search engines.

    >>> shop_slug(12, "HTX Cà phê Mường Ảng")
    '12-htx-ca-phe-muong-ang'
    """
    folded = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    ascii_words = folded.encode("ascii", "ignore").decode().lower()
    return f"{org_id}-" + (re.sub(r"[^a-z0-9]+", "-", ascii_words).strip("-") or "shop")


def org_of_slug(slug: str) -> int | None:
    head = slug.partition("-")[0]
    return int(head) if head.isdigit() and len(head) < 10 else None


def _traced() -> Any:
    """Whether the log names any lot or item of the product: a range of the value index
    (``…/01/{gtin}/`` up to ``…/01/{gtin}0``, '0' being the character after '/')."""
    head = "https://id.gs1.org/01/" + products.c.gtin
    return exists().where(event_terms.c.value >= head + "/", event_terms.c.value < head + "0")


def _listing_query(filters: Filters) -> Select[Any]:
    query = (select(products.c.id, products.c.gtin, products.c.name_vi, products.c.name_en,
                    products.c.category, products.c.image_url, products.c.ocop_stars,
                    products.c.ocop_expires, organizations.c.id.label("org_id"),
                    organizations.c.name.label("org_name"),
                    func.coalesce(profiles.c.province, "").label("province"),
                    offers.c.price, func.coalesce(offers.c.currency, "VND").label("currency"),
                    func.coalesce(offers.c.availability, "in_stock").label("availability"),
                    func.coalesce(offers.c.updated_us, products.c.created_us).label("updated_us"),
                    _traced().label("traced"))
             .join(organizations, organizations.c.id == products.c.org_id)
             .outerjoin(profiles, profiles.c.org_id == products.c.org_id)
             .outerjoin(offers, and_(offers.c.org_id == products.c.org_id,
                                     offers.c.gtin == products.c.gtin)))
    if filters.province:
        query = query.where(profiles.c.province == filters.province)
    if filters.stars:  # stars whose OCOP certificate is still valid, as the pages show them
        query = query.where(products.c.ocop_stars >= filters.stars, or_(
            products.c.ocop_expires.is_(None), products.c.ocop_expires >= vietnam_now().date()))
    if filters.org_id is not None:
        query = query.where(products.c.org_id == filters.org_id)
    if filters.crop:
        query = query.where(exists().where(places.c.org_id == products.c.org_id,
                                           places.c.crop == filters.crop))
    return query


def _owned(conn: Connection, rows: list[Any]) -> list[Any]:
    """The rows whose organization owns the GTIN (a squatter's registration is left out)."""
    owners = Owners.load(conn, [f"https://id.gs1.org/01/{r.gtin}" for r in rows])
    return [r for r in rows if owners.owner(f"https://id.gs1.org/01/{r.gtin}") == r.org_id]


def _crops(conn: Connection, org_ids: set[int]) -> dict[int, tuple[str, ...]]:
    if not org_ids:
        return {}
    found: dict[int, list[str]] = {}
    for org_id, crop in conn.execute(select(places.c.org_id, places.c.crop).distinct().where(
            places.c.org_id.in_(sorted(org_ids)), places.c.crop != "").order_by(places.c.crop)):
        found.setdefault(org_id, []).append(crop)
    return {k: tuple(v) for k, v in found.items()}


def _listings(conn: Connection, rows: list[Any]) -> list[Listing]:
    owned = _owned(conn, rows)
    crops = _crops(conn, {r.org_id for r in owned})
    return [Listing(**{**row._mapping, "traced": bool(row.traced)},
                    crops=crops.get(row.org_id, ())) for row in owned]


def browse(engine: Engine, filters: Filters, page: int = 1) -> Page:
    """One page of the catalogue, newest offers first within a name order."""
    query = _listing_query(filters)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        pages = max(1, -(-total // PAGE))
        number = min(max(page, 1), pages)
        rows = conn.execute(query.order_by(products.c.name_vi, products.c.id)
                            .offset((number - 1) * PAGE).limit(PAGE)).all()
        listings = _listings(conn, list(rows))
        provinces = [p for (p,) in conn.execute(select(profiles.c.province).distinct().where(
            profiles.c.province != "").order_by(profiles.c.province))]
        crops = [c for (c,) in conn.execute(select(places.c.crop).distinct().where(
            places.c.crop != "").order_by(places.c.crop))]
    return Page(listings, total, number, pages, provinces, crops)


def listing(engine: Engine, gtin: str) -> Listing | None:
    """The product ``gtin`` as listed by its owner, or None."""
    with engine.connect() as conn:
        rows = conn.execute(_listing_query(Filters()).where(products.c.gtin == gtin)).all()
        found = _listings(conn, list(rows))
    return found[0] if found else None


def untraced_page(engine: Engine, link: DigitalLink) -> str | None:
    """``/p/{gtin}`` when ``link`` is a GTIN alone whose product is listed but has no lot in the
    log yet, else None. The product page and its shelf card print the product's Digital Link;
    until a lot is recorded the consumer page would call that code never issued, "maybe fake",
    so the resolver sends the GTIN to its product information page (gs1:pip) instead."""
    if not isinstance(link.key, Gtin) or link.lot or link.serial:
        return None
    item = listing(engine, str(link.key))
    return f"/p/{item.gtin}" if item is not None and not item.traced else None


def stream(engine: Engine, filters: Filters, *, after: int = 0,
           limit: int | None = None) -> Iterator[Listing]:
    """Listings of the products after product id ``after``, in id order, page by page:
    constant memory at any size. ``limit`` counts products read, listed or not (a squatter's
    row is skipped), so that a page's end is known before it is sent (:func:`next_after`)."""
    # One statement for every page, its bounds bound per page: built and cache-keyed once per
    # feed, not once per 500 products.
    statement = (_listing_query(filters).where(products.c.id > bindparam("after"))
                 .order_by(products.c.id).limit(bindparam("size")))
    read = 0
    while limit is None or read < limit:
        size = FEED_PAGE if limit is None else min(FEED_PAGE, limit - read)
        with engine.connect() as conn:
            rows = conn.execute(statement, {"after": after, "size": size}).all()
            page = _listings(conn, list(rows))
        yield from page
        read += len(rows)
        if len(rows) < size:
            return
        after = rows[-1].id


def next_after(engine: Engine, filters: Filters, after: int, limit: int) -> int | None:
    """Where the page of ``limit`` products after ``after`` ends, if any product follows it:
    the ``after`` of the next page, or None for the last page."""
    ids = (_listing_query(filters).with_only_columns(products.c.id)
           .where(products.c.id > after).order_by(products.c.id))
    with engine.connect() as conn:
        found = conn.execute(ids.offset(limit - 1).limit(2)).scalars().all()
    return int(found[0]) if len(found) == 2 else None


@dataclass(frozen=True)
class Freshness:
    """What a feed's validators are made of: its size, the store's page generation (bumped by
    every write to the registry, the log, grants and organizations, :mod:`agritrace.pagecache`)
    and the newest change with a time."""

    count: int
    generation: int
    newest_us: int


def freshness(engine: Engine, filters: Filters) -> Freshness:
    """A feed's ETag and Last-Modified: they change with any product, offer, certificate,
    profile, plot, grant or event."""
    query = _listing_query(filters).with_only_columns(
        products.c.id, func.coalesce(offers.c.updated_us, products.c.created_us).label("at")
    ).subquery()
    with engine.connect() as conn:
        count, newest = conn.execute(select(func.count(), func.max(query.c.at))).one()
        changed = [conn.execute(select(func.max(column))).scalar() for column in (
            registry_history.c.changed_us, events.c.record_time_us, org_grants.c.granted_us,
            org_grants.c.revoked_us)]
        generation = conn.execute(text("SELECT n FROM page_generation WHERE id = 1")).scalar()
    return Freshness(int(count), int(generation or 0),
                     max(int(v or 0) for v in (newest, *changed)))


@dataclass(frozen=True)
class Lot:
    number: str
    made_us: int
    #: The harvest dates (ISO, start then end) the lot's own record gives, if it gives any.
    harvest: tuple[str, ...] = ()


HARVEST_KEYS = ("cbvmda:harvestStartDate", "cbvmda:harvestEndDate")


def latest_lots(engine: Engine, item: Listing, count: int = 5) -> list[Lot]:
    """The product's newest lots as its owner and the owner's delegates recorded them, with the
    harvest dates of the lot's own record (a lot harvested and sold as it is; a lot made from
    other lots has its plots' dates under the page's origins instead)."""
    prefix = f"https://id.gs1.org/01/{item.gtin}/10/"
    with engine.connect() as conn:
        owners = Owners.load(conn, [prefix[:-4]])
        speakers = sorted(owners.speakers(prefix[:-4])) or [item.org_id]
        said = and_(events.c.org_id.in_(speakers), events.c.declared_error == 0)
        rows = conn.execute(
            select(event_terms.c.value, func.min(events.c.event_time_us).label("made"))
            .join(events, events.c.id == event_terms.c.event_pk)
            .where(event_terms.c.value.like(prefix + "%"), said)
            .group_by(event_terms.c.value).order_by(func.min(events.c.event_time_us).desc())
            .limit(count)).all()
        harvests = _harvests(conn, [value for value, _ in rows], said)
    return [Lot(unquote(value[len(prefix):]), int(made), harvests.get(value, ()))
            for value, made in rows]


def _harvests(conn: Connection, lots: list[str], said: Any) -> dict[str, tuple[str, ...]]:
    """Each lot's harvest dates from the first of its events that records them."""
    found: dict[str, tuple[str, ...]] = {}
    if not lots:
        return found
    for value, body in conn.execute(
            select(event_terms.c.value, events.c.body)
            .join(events, events.c.id == event_terms.c.event_pk)
            .where(event_terms.c.value.in_(lots), said,
                   events.c.body.like("%cbvmda:harvestStartDate%"))
            .order_by(events.c.event_time_us)):
        ilmd = orjson.loads(body).get("ilmd")
        dates = tuple(str(ilmd[k]) for k in HARVEST_KEYS if ilmd.get(k)) if isinstance(
            ilmd, dict) else ()
        if dates and value not in found:
            found[value] = dates
    return found
