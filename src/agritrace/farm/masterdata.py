"""The registry as EPCIS 2.0 master data: ``epcisMasterData.vocabularyList`` (JSON binding).

Places become ``BusinessLocation`` vocabulary elements, products ``EPCClass`` elements (keyed by
the GS1 Digital Link of their GTIN), with CBV master data attributes where the CBV has one
(``urn:epcglobal:cbv:mda#name`` …) and agritrace attributes otherwise.
"""

from __future__ import annotations

from typing import Any

from agritrace.farm.catalog import Certificate, Product, list_certificates, list_products
from agritrace.farm.places import Place, list_places
from agritrace.farm.registry import Db
from agritrace.store.orgs import Organization

LOCATION = "urn:epcglobal:epcis:vtype:BusinessLocation"
EPC_CLASS = "urn:epcglobal:epcis:vtype:EPCClass"
MDA = "urn:epcglobal:cbv:mda#"
AGT = "https://agritrace.org/voc/mda#"


def _attributes(pairs: list[tuple[str, object]]) -> list[dict[str, object]]:
    return [{"id": key, "attribute": value} for key, value in pairs
            if value not in (None, "", [])]


def _certificate_text(certificate: Certificate) -> str:
    return (f"{certificate.kind} {certificate.number} ({certificate.issuer}, "
            f"{certificate.valid_from.isoformat()}/{certificate.valid_to.isoformat()})")


def _location(place: Place, certificates: list[Certificate]) -> dict[str, Any]:
    pairs: list[tuple[str, object]] = [
        (MDA + "name", place.name),
        (MDA + "city", place.commune),
        (MDA + "county", place.district),
        (MDA + "state", place.province),
        (MDA + "countryCode", "VN"),
        (AGT + "placeKind", place.kind),
        (AGT + "crop", place.crop),
        (AGT + "variety", place.variety),
        (AGT + "areaHa", place.area_ha),
        (AGT + "growingAreaCode", place.area_code),
        (AGT + "geometry", place.geometry),
    ]
    pairs += [(AGT + "certificate", _certificate_text(c)) for c in certificates]
    if place.geometry and place.geometry.get("type") == "Point":
        lon, lat = place.geometry["coordinates"]
        pairs += [(MDA + "latitude", f"{lat:.6f}"), (MDA + "longitude", f"{lon:.6f}")]
    return {"id": place.uri, "attributes": _attributes(pairs)}


def _epc_class(product: Product, certificates: list[Certificate]) -> dict[str, Any]:
    pairs: list[tuple[str, object]] = [
        (MDA + "descriptionShort", product.name_vi),
        (AGT + "nameVi", product.name_vi),
        (AGT + "nameEn", product.name_en),
        (MDA + "additionalTradeItemIdentification", product.gtin),
        (AGT + "category", product.category),
        (AGT + "image", product.image_url),
        (AGT + "ocopStars", product.ocop_stars),
        (AGT + "ocopCertificate", product.ocop_certificate),
        (AGT + "ocopExpires", product.ocop_expires.isoformat() if product.ocop_expires
         else None),
    ]
    pairs += [(AGT + "certificate", _certificate_text(c)) for c in certificates]
    return {"id": f"https://id.gs1.org/01/{product.gtin}", "attributes": _attributes(pairs)}


def master_data(db: Db, org: Organization) -> dict[str, Any]:
    """``{"vocabularyList": [...]}`` for the organization's places and products."""
    certs = list_certificates(db, org)

    def about(subject: str) -> list[Certificate]:
        return [c for c in certs if c.subject == subject]

    org_certs = [c for c in certs if c.subject_kind == "org"]
    locations = [_location(p, about(p.uri) + org_certs) for p in list_places(db, org)]
    classes = [_epc_class(p, about(p.gtin)) for p in list_products(db, org)]
    vocabularies = []
    if locations:
        vocabularies.append({"type": LOCATION, "vocabularyElementList": locations})
    if classes:
        vocabularies.append({"type": EPC_CLASS, "vocabularyElementList": classes})
    return {"vocabularyList": vocabularies}
