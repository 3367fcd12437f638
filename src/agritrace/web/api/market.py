"""A producer's offers over HTTP: ``PUT /market/offers/{gtin}`` and ``GET /market/offers``.

The price and availability the catalogue and the feeds show; only for products in the caller's
own registry (:mod:`agritrace.market.offers`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from sqlalchemy import Engine

from agritrace.market import catalogue, offers
from agritrace.store.orgs import Organization
from agritrace.web.api.deps import engine_of, reader_of, require_org, require_writer

router = APIRouter(tags=["Marketplace"])


@router.put("/market/offers/{gtin}")
def put_offer(gtin: str, org: Annotated[Organization, Depends(require_writer)],
              engine: Annotated[Engine, Depends(engine_of)],
              body: Annotated[dict[str, Any], Body(examples=[{
                  "price": "185000", "currency": "VND", "availability": "in_stock"}])],
              ) -> dict[str, Any]:
    """Set the price (optional), currency (ISO 4217) and availability of one product."""
    return offers.set_offer(engine, org, gtin, body).as_dict()


@router.get("/market/offers")
def get_offers(org: Annotated[Organization, Depends(require_org)],
               engine: Annotated[Engine, Depends(reader_of)]) -> list[dict[str, Any]]:
    """The caller's listed products with their offers (from a replica that has the caller's
    last write)."""
    listed = catalogue.stream(engine, catalogue.Filters(org_id=org.id))
    return [{"gtin": item.gtin, "name": item.name_vi,
             "price": None if item.price is None else str(item.price),
             "currency": item.currency, "availability": item.availability} for item in listed]
