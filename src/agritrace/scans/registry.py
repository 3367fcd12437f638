"""What the farm registry adds to the public facts of a scanned code.

Events say what happened; the registry says what a product, a plot and a producer are: the
product's names, image and OCOP stars, the certificates of the product, of its plot, of its
producer and of the plot's grower, the producer's address and contact, and the plot's surveyed
boundary, growing-area code and commune. What an event carries is kept as sent; the registry
fills only what the events leave out. Nothing private is read: no member, quantity or customer.
Fixed statements on the page's own connection (:mod:`agritrace.store.raw`), as the facts are.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import orjson

from agritrace.store.raw import AsyncRaw

# One round trip: the product, the plot (with its grower), the producer's contact and the
# certificates come back as tagged rows of text columns (a page on PostgreSQL is bound by round
# trips). An organization's certificate counts only where it registered it about itself.
_REGISTRY = (
    "SELECT 'product', name_vi, name_en, image_url, category, CAST(ocop_stars AS TEXT), "
    "ocop_certificate, CAST(ocop_expires AS TEXT), NULL, NULL, NULL, 0, NULL "
    "FROM farm_products WHERE gtin = ? "
    "UNION ALL SELECT 'place', p.name, p.area_code, p.commune, p.district, p.province, "
    "CAST(p.area_ha AS TEXT), p.crop, p.variety, p.geometry, o.name, 0, p.uri "
    "FROM farm_places p JOIN organizations o ON o.id = p.org_id WHERE {places} "
    "UNION ALL SELECT 'contact', f.address, f.province, f.phone, f.email, f.website, "
    "NULL, NULL, NULL, NULL, NULL, 0, NULL "
    "FROM farm_profiles f JOIN organizations o ON o.id = f.org_id WHERE o.name = ? "
    "UNION ALL SELECT 'certificate', c.kind, c.number, c.issuer, CAST(c.valid_from AS TEXT), "
    "CAST(c.valid_to AS TEXT), c.subject_kind, NULL, NULL, NULL, NULL, c.id, NULL "
    "FROM farm_certificates c JOIN organizations o ON o.id = c.org_id "
    "WHERE (c.subject_kind = 'product' AND c.subject = ?) "
    "OR (c.subject_kind = 'plot' AND {plot_subjects}) "
    "OR (c.subject_kind = 'org' AND c.subject = o.name AND (o.name = ? OR o.name IN "
    "(SELECT g.name FROM farm_places q JOIN organizations g ON g.id = q.org_id "
    "WHERE {grower_places})))")


@lru_cache(maxsize=64)
def _registry_sql(plots: int) -> str:
    marks = ", ".join("?" * plots)
    return _REGISTRY.format(places=f"p.uri IN ({marks})", plot_subjects=f"c.subject IN ({marks})",
                            grower_places=f"q.uri IN ({marks})")


async def enrich(raw: AsyncRaw, facts: dict[str, Any], today: date) -> None:
    """Fill ``facts`` (as :func:`agritrace.scans.facts.gather` builds them) from the registry."""
    gtin, producer = facts["gtin"] or "", facts["producer"] or ""
    origins = {origin["plot"]: origin for origin in facts["origins"]}
    plots = list(origins) or [""]
    params = (gtin, *plots, producer, gtin, *plots, producer, *plots)
    certificates: list[tuple[str, int, list[Any]]] = []
    for tag, *row, pk, uri in await raw.rows(_registry_sql(len(plots)), params):
        if tag == "product":
            _fill_product(facts["product"], row, today)
        elif tag == "place" and uri in origins:
            _fill_origin(origins[uri], row)
        elif tag == "contact":
            facts["producer_contact"] = _contact(row)
        elif tag == "certificate":
            certificates.append((row[4], -pk, row))
    # Newest validity first, then in the order registered.
    _add_certificates(facts["certificates"], [row for *_, row in sorted(certificates,
                                                                         reverse=True)], today)


def _add_certificates(shown: list[dict[str, Any]], rows: list[list[Any]], today: date) -> None:
    """Append the registered certificates that the events did not already name."""
    known = {(c.get("scheme"), c.get("number")) for c in shown}
    for kind, number, issuer, valid_from, valid_to, subject, *_ in rows:
        if (kind, number) in known:
            continue
        known.add((kind, number))
        start, end = date.fromisoformat(valid_from), date.fromisoformat(valid_to)
        shown.append({
            "scheme": kind, "number": number, "issuer": issuer, "validUntil": end.isoformat(),
            "until": end, "valid": start <= today <= end, "subject": subject})


def _fill_product(target: dict[str, Any], row: list[Any], today: date) -> None:
    name_vi, name_en, image, category, stars, certificate, expires, *_ = row
    target["name"] = target.get("name") or name_vi
    target["name_en"] = name_en or None
    target["image"] = target.get("image") or image or None
    target["category"] = category or None
    if stars:
        until = date.fromisoformat(expires) if expires else None
        target["ocop"] = {"stars": int(stars), "certificate": certificate, "expires": until,
                          "valid": until is None or until >= today}


def _fill_origin(origin: dict[str, Any], row: list[Any]) -> None:
    name, code, commune, district, province, area, crop, variety, geometry, _ = row
    registered = {"name": name, "area_code": code, "commune": commune, "district": district,
                  "province": province, "area_ha": float(area) if area else None,
                  "crop": crop, "variety": variety,
                  "geometry": orjson.loads(geometry) if geometry else None}
    for key, value in registered.items():
        if not origin.get(key) and value:
            origin[key] = value


def _contact(row: list[Any]) -> dict[str, str]:
    address, province, phone, email, website, *_ = row
    return {"address": ", ".join(part for part in (address, province) if part),
            "phone": phone, "email": email, "website": website}
