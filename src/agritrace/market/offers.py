"""A producer's offer for one of its products: price, currency, availability.

An offer is the organization's own statement about what it sells, so it may be made only for a
product in its own registry (which, by the trust rules, it owns or packs as a delegate).
Availability uses the values marketplaces import (Google Merchant, schema.org ItemAvailability).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from sqlalchemy import Engine, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import NoSuchResourceException, Problem, ValidationException
from agritrace.farm.catalog import get_product
from agritrace.ids.gs1 import Gtin
from agritrace.market.tables import offers
from agritrace.store.orgs import Organization
from agritrace.web.i18n import expect, refusal

AVAILABILITY = ("in_stock", "out_of_stock", "preorder", "backorder")
MAX_PRICE = Decimal("999999999999.99")


@dataclass(frozen=True)
class Offer:
    gtin: str
    price: Decimal | None
    currency: str
    availability: str
    updated_us: int

    def as_dict(self) -> dict[str, Any]:
        return {"gtin": self.gtin, "price": None if self.price is None else str(self.price),
                "currency": self.currency, "availability": self.availability}


def check_offer(values: dict[str, Any]) -> tuple[Decimal | None, str, str]:
    """(price, currency, availability) from an API body or a form, or a located 400."""
    problems: list[Problem] = []
    price: Decimal | None = None
    raw = values.get("price")
    if raw not in (None, ""):
        try:
            price = Decimal(str(raw).replace(" ", ""))
        except InvalidOperation:
            price = None
            problems.append(expect("price", "expect_price_number", raw))
        else:
            if not price.is_finite() or price < 0 or price > MAX_PRICE or (
                    price.as_tuple().exponent < -2):  # type: ignore[operator]
                problems.append(expect("price", "expect_price", raw))
    currency = str(values.get("currency") or "VND").strip().upper()
    if pycountry.currencies.get(alpha_3=currency) is None:
        problems.append(expect("currency", "expect_currency", currency))
    availability = str(values.get("availability") or "in_stock").strip()
    if availability not in AVAILABILITY:
        problems.append(expect("availability", "expect_one_of", availability,
                               choices=", ".join(AVAILABILITY)))
    if problems:
        raise refusal(ValidationException, "refuse_offer_invalid", problems)
    return price, currency, availability


def set_offer(engine: Engine, org: Organization, gtin: str, values: dict[str, Any]) -> Offer:
    """Create or replace ``org``'s offer for a product in its registry."""
    code = str(Gtin.parse(gtin))
    get_product(engine, org, code)  # 404 unless the product is in org's registry
    price, currency, availability = check_offer(values)
    now = now_micros()
    row = {"price": price, "currency": currency, "availability": availability,
           "updated_us": now}
    with engine.begin() as conn:
        changed = conn.execute(update(offers).where(
            offers.c.org_id == org.id, offers.c.gtin == code).values(**row)).rowcount
        if not changed:
            conn.execute(offers.insert().values(org_id=org.id, gtin=code, **row))
    return Offer(code, price, currency, availability, now)


def get_offer(engine: Engine, org_id: int, gtin: str) -> Offer:
    with engine.connect() as conn:
        row = conn.execute(select(offers).where(offers.c.org_id == org_id,
                                                offers.c.gtin == gtin)).first()
    if row is None:
        raise refusal(NoSuchResourceException, "refuse_no_offer",
                      [expect("gtin", "expect_offered_product", None, shown=gtin)], gtin=gtin)
    return Offer(row.gtin, row.price, row.currency, row.availability, row.updated_us)
