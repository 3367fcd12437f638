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
from typing import Any

import orjson

from agritrace.store.raw import Raw

_PRODUCT = ("SELECT name_vi, name_en, image_url, category, ocop_stars, ocop_certificate, "
            "ocop_expires FROM farm_products WHERE gtin = ?")
_PLACE = ("SELECT p.name, p.area_code, p.commune, p.district, p.province, p.area_ha, p.crop, "
          "p.variety, p.geometry, o.name FROM farm_places p JOIN organizations o "
          "ON o.id = p.org_id WHERE p.uri = ?")
_CONTACT = ("SELECT f.address, f.province, f.phone, f.email, f.website FROM farm_profiles f "
            "JOIN organizations o ON o.id = f.org_id WHERE o.name = ?")
# An organization's certificate counts only where it registered it about itself.
_CERTIFICATES = ("SELECT c.kind, c.number, c.issuer, c.valid_from, c.valid_to, c.subject_kind "
                 "FROM farm_certificates c JOIN organizations o ON o.id = c.org_id "
                 "WHERE (c.subject_kind = 'product' AND c.subject = ?) "
                 "OR (c.subject_kind = 'plot' AND c.subject = ?) "
                 "OR (c.subject_kind = 'org' AND c.subject = o.name AND o.name IN (?, ?)) "
                 "ORDER BY c.valid_to DESC, c.id")


def enrich(raw: Raw, facts: dict[str, Any], today: date) -> None:
    """Fill ``facts`` (as :func:`agritrace.scans.facts.gather` builds them) from the registry."""
    gtin, origin, producer = facts["gtin"], facts["origin"], facts["producer"]
    grower = None
    if gtin:
        for row in raw.rows(_PRODUCT, (gtin,)):
            _fill_product(facts["product"], row, today)
    if origin:
        for row in raw.rows(_PLACE, (origin["plot"],)):
            grower = row[-1]
            _fill_origin(origin, row)
    if producer:
        facts["producer_contact"] = next(
            (_contact(row) for row in raw.rows(_CONTACT, (producer,))), None)
    known = {(c.get("scheme"), c.get("number")) for c in facts["certificates"]}
    rows = raw.rows(_CERTIFICATES, (gtin or "", origin["plot"] if origin else "",
                                    producer or "", grower or ""))
    for kind, number, issuer, valid_from, valid_to, subject in rows:
        if (kind, number) in known:
            continue
        known.add((kind, number))
        start, end = _day(valid_from), _day(valid_to)
        facts["certificates"].append({
            "scheme": kind, "number": number, "issuer": issuer, "validUntil": end.isoformat(),
            "until": end, "valid": start <= today <= end, "subject": subject})


def _day(value: date | str) -> date:
    # SQLite hands DATE columns back as text through the driver.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _fill_product(target: dict[str, Any], row: tuple[Any, ...], today: date) -> None:
    name_vi, name_en, image, category, stars, certificate, expires = row
    target["name"] = target.get("name") or name_vi
    target["name_en"] = name_en or None
    target["image"] = target.get("image") or image or None
    target["category"] = category or None
    if stars:
        until = _day(expires) if expires else None
        target["ocop"] = {"stars": stars, "certificate": certificate, "expires": until,
                          "valid": until is None or until >= today}


def _fill_origin(origin: dict[str, Any], row: tuple[Any, ...]) -> None:
    name, code, commune, district, province, area, crop, variety, geometry, _ = row
    registered = {"name": name, "area_code": code, "commune": commune, "district": district,
                  "province": province, "area_ha": area, "crop": crop, "variety": variety,
                  "geometry": orjson.loads(geometry) if geometry else None}
    for key, value in registered.items():
        if not origin.get(key) and value:
            origin[key] = value


def _contact(row: tuple[Any, ...]) -> dict[str, str]:
    address, province, phone, email, website = row
    return {"address": ", ".join(part for part in (address, province) if part),
            "phone": phone, "email": email, "website": website}
