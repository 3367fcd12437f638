"""Products (GTIN, names, OCOP stars) and certificates (VietGAP, GlobalG.A.P., organic, GI).

A GTIN's check digit is verified; one outside GS1 Vietnam's prefix 893 is accepted with a note
(imported inputs, foreign brands). OCOP 3 to 5 star certificates are valid 36 months from the
decision (Decision 148/QĐ-TTg), so the expiry is computed from the issue date when it is not given
and refused when it is later than that.

>>> ocop_expiry(date(2025, 2, 28))
datetime.date(2028, 2, 28)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from agritrace.epcis.times import now_micros
from agritrace.errors import ConflictException, NoSuchResourceException, Problem
from agritrace.farm.diary import vietnam_today
from agritrace.farm.registry import (
    Actor,
    Checks,
    Db,
    Notice,
    org_row,
    require_holder,
    transaction,
    update_row,
    write_history,
)
from agritrace.farm.tables import certificates, places, products
from agritrace.ids.gs1 import Gtin, InvalidIdentifier
from agritrace.store.orgs import Organization
from agritrace.web.i18n import format_date

OCOP_VALID_MONTHS = 36
CERTIFICATE_KINDS = ("VietGAP", "GlobalGAP", "organic", "GI")
SUBJECT_KINDS = ("org", "plot", "product")


def ocop_expiry(issued: date) -> date:
    """The last day of validity of an OCOP certificate issued on ``issued`` (36 months on)."""
    month = issued.month - 1 + OCOP_VALID_MONTHS
    year, month = issued.year + month // 12, month % 12 + 1
    day = issued.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:  # 29-31 in a shorter month: its last day
            day -= 1


@dataclass(frozen=True)
class Product:
    id: int
    gtin: str
    name_vi: str
    name_en: str = ""
    category: str = ""
    image_url: str = ""
    ocop_stars: int | None = None
    ocop_certificate: str | None = None
    ocop_expires: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Certificate:
    id: int
    kind: str
    issuer: str
    number: str
    valid_from: date
    valid_to: date
    subject_kind: str
    subject: str

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def check_product(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Notice]]:
    checks = Checks("product")
    out: dict[str, Any] = {
        "name_vi": checks.text("name_vi", values.get("name_vi"), "expect_name_vi"),
        **{k: str(values.get(k) or "").strip()
           for k in ("name_en", "category", "image_url")},
    }
    try:
        gtin = Gtin.parse(str(values.get("gtin", "")), field="product.gtin")
        out["gtin"] = gtin.value
        if not gtin.is_vietnamese:
            checks.warn("gtin", f"GTIN {gtin.value} không mang mã quốc gia 893 của GS1 Việt "
                        "Nam.", f"GTIN {gtin.value} does not carry GS1 Vietnam's prefix 893.")
    except InvalidIdentifier as exc:
        checks.problems.extend(exc.problems)
    _check_ocop(checks, values, out)
    checks.fit(products, out)
    checks.raise_if_failed(f"The product {values.get('name_vi')!r} is not valid")
    return out, checks.notices


def _check_ocop(checks: Checks, values: Mapping[str, Any], out: dict[str, Any]) -> None:
    stars = values.get("ocop_stars")
    if stars in (None, ""):
        out.update(ocop_stars=None, ocop_certificate=None, ocop_expires=None)
        return
    if str(stars) not in ("3", "4", "5"):
        checks.fail("ocop_stars", "expect_ocop_stars", stars)
        return
    out["ocop_stars"] = int(str(stars))
    out["ocop_certificate"] = checks.text("ocop_certificate", values.get("ocop_certificate"),
                                          "expect_ocop_certificate")
    issued = checks.day("ocop_issued", values.get("ocop_issued"))
    expires = checks.day("ocop_expires", values.get("ocop_expires"))
    if issued is not None:
        latest = ocop_expiry(issued)
        if expires is not None and expires > latest:
            checks.fail("ocop_expires", "expect_ocop_expires", expires.isoformat(),
                        latest=latest, issued=issued)
        expires = expires or latest
    if expires is None:
        checks.fail("ocop_expires", "expect_ocop_expiry", None)
    elif expires < vietnam_today():
        checks.warn("ocop_expires",
                    f"Chứng nhận OCOP đã hết hạn ngày {format_date(expires, 'vi')}.",
                    f"The OCOP certificate expired on {format_date(expires, 'en')}.")
    out["ocop_expires"] = expires


def _product(row: Any) -> Product:
    return Product(row.id, row.gtin, row.name_vi, row.name_en, row.category, row.image_url,
                   row.ocop_stars, row.ocop_certificate, row.ocop_expires)


def add_product(db: Db, actor: Actor, values: Mapping[str, Any],
                ) -> tuple[Product, list[Notice]]:
    actor.require_manager("register products")
    row, notices = check_product(values)
    with transaction(db) as conn:
        code = f"https://id.gs1.org/01/{row['gtin']}"
        owners = require_holder(conn, actor, code, "product.gtin")
        earlier = conn.execute(select(products).where(products.c.gtin == row["gtin"])).first()
        if earlier is not None and (owners.owner(code) is None
                                    or earlier.org_id in owners.speakers(code)):
            raise ConflictException(f"GTIN {row['gtin']} is already registered",
                                    [Problem("product.gtin", "a GTIN not yet registered",
                                             row["gtin"])])
        if earlier is not None:  # by an organization that does not hold it: the holder's now
            conn.execute(delete(products).where(products.c.id == earlier.id))
            write_history(conn, actor, products.name, earlier.id, _product(earlier).as_dict(),
                          {"removed": "registered by an organization that does not hold the "
                                      "GTIN; its holder registers it"})
        pk = conn.execute(insert(products).values(
            org_id=actor.org.id, created_us=now_micros(), **row)).inserted_primary_key
        assert pk is not None
        write_history(conn, actor, products.name, int(pk[0]), None, row)
        return get_product(conn, actor.org, row["gtin"]), notices


def update_product(db: Db, actor: Actor, product_id: int, changes: Mapping[str, Any],
                   ) -> tuple[Product, list[Notice]]:
    actor.require_manager("change products")
    with transaction(db) as conn:
        row = org_row(conn, products, actor.org, product_id, "product")
        values, notices = check_product(_product(row).as_dict() | dict(changes))
        if values["gtin"] != row.gtin:
            raise ConflictException("A product's GTIN never changes; register a new product",
                                    [Problem("product.gtin", row.gtin, values["gtin"])])
        update_row(conn, actor, products, product_id, values)
        return get_product(conn, actor.org, row.gtin), notices


def get_product(db: Db, org: Organization, gtin: str) -> Product:
    with transaction(db) as conn:
        row = conn.execute(select(products).where(products.c.gtin == gtin.zfill(14),
                                                  products.c.org_id == org.id)).first()
    if row is None:
        raise NoSuchResourceException(f"No product with GTIN {gtin} in {org.name}",
                                      [Problem("gtin", f"a product of {org.name}", gtin)])
    return _product(row)


def list_products(db: Db, org: Organization) -> list[Product]:
    with transaction(db) as conn:
        rows = conn.execute(select(products).where(products.c.org_id == org.id)
                            .order_by(products.c.id)).all()
    return [_product(r) for r in rows]


# --- certificates ----------------------------------------------------------------------------


def _check_certificate(conn: Connection, org: Organization, values: Mapping[str, Any],
                       ) -> tuple[dict[str, Any], list[Notice]]:
    checks = Checks("certificate")
    kind = values.get("kind")
    if kind not in CERTIFICATE_KINDS:
        checks.fail("kind", "expect_one_of", kind, choices=", ".join(CERTIFICATE_KINDS))
    out: dict[str, Any] = {
        "kind": kind,
        "issuer": checks.text("issuer", values.get("issuer"), "expect_issuer"),
        "number": checks.text("number", values.get("number"), "expect_certificate_number"),
        "valid_from": checks.day("valid_from", values.get("valid_from"),
                            "expect_valid_from"),
        "valid_to": checks.day("valid_to", values.get("valid_to"), "expect_valid_to"),
    }
    if out["valid_from"] and out["valid_to"] and out["valid_to"] < out["valid_from"]:
        checks.fail("valid_to", "expect_after_valid_from", out["valid_to"].isoformat(),
                    start=out["valid_from"])
    elif out["valid_to"] and out["valid_to"] < vietnam_today():
        checks.warn("valid_to", f"Chứng nhận đã hết hạn ngày {format_date(out['valid_to'], 'vi')}.",
                    f"The certificate expired on {format_date(out['valid_to'], 'en')}.")
    out["subject_kind"], out["subject"] = _subject(conn, org, checks, values)
    checks.fit(certificates, out)
    checks.raise_if_failed("The certificate is not valid")
    return out, checks.notices


def _subject(conn: Connection, org: Organization, checks: Checks,
             values: Mapping[str, Any]) -> tuple[str, str]:
    kind, subject = values.get("subject_kind") or "org", str(values.get("subject") or "")
    if kind == "org":
        return kind, subject or org.name
    if kind == "plot":
        found = conn.execute(select(places.c.id).where(places.c.uri == subject,
                                                       places.c.org_id == org.id)).first()
    elif kind == "product":
        subject = subject.zfill(14)
        found = conn.execute(select(products.c.id).where(products.c.gtin == subject,
                                                         products.c.org_id == org.id)).first()
    else:
        checks.fail("subject_kind", "expect_one_of", kind, choices=", ".join(SUBJECT_KINDS))
        return str(kind), subject
    if found is None:
        checks.fail("subject", "expect_subject", subject, kind=kind, org=org.name)
    return kind, subject


def add_certificate(db: Db, actor: Actor, values: Mapping[str, Any],
                    ) -> tuple[Certificate, list[Notice]]:
    actor.require_manager("register certificates")
    with transaction(db) as conn:
        row, notices = _check_certificate(conn, actor.org, values)
        pk = conn.execute(insert(certificates).values(
            org_id=actor.org.id, created_us=now_micros(), **row)).inserted_primary_key
        assert pk is not None
        write_history(conn, actor, certificates.name, int(pk[0]), None, row)
    return Certificate(int(pk[0]), **row), notices


def list_certificates(db: Db, org: Organization, *, subject: str | None = None,
                      valid_on: date | None = None) -> list[Certificate]:
    statement = select(certificates).where(certificates.c.org_id == org.id)
    if subject is not None:
        statement = statement.where(certificates.c.subject == subject)
    with transaction(db) as conn:
        rows = conn.execute(statement.order_by(certificates.c.id)).all()
    found = [Certificate(r.id, r.kind, r.issuer, r.number, r.valid_from, r.valid_to,
                         r.subject_kind, r.subject) for r in rows]
    return [c for c in found if valid_on is None or c.valid_on(valid_on)]
