"""Serialized stamps on both engines: issued as events, exported, voided, read by the resolver."""

from __future__ import annotations

import csv
import io
import json
import math

import pypdf
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import Engine, insert, select

from agritrace.errors import ForbiddenException, NoSuchResourceException, ValidationException
from agritrace.farm.tables import products
from agritrace.ids.digital_link import DigitalLink
from agritrace.labels import stamps
from agritrace.labels.qr import qr_png
from agritrace.labels.serials import ALPHABET, CSV_COLUMNS
from agritrace.labels.sheets import LAYOUTS
from agritrace.settings import Settings
from agritrace.store.grants import grant
from agritrace.store.orgs import Organization, create_organization
from agritrace.store.tables import event_terms, events
from agritrace.web.app import create_app

GTIN = "08931234000356"
OTHER_GTIN = "08931234000110"
LOT = "R26-1106"
BASE = "https://truyxuat.example.vn"


@pytest.fixture
def org(engine: Engine) -> Organization:
    return create_organization(engine, "Công ty Rang xay Điện Biên")


def _client(engine: Engine) -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://", base_url=BASE), engine),
                      follow_redirects=False)


def _stored(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [json.loads(body) for body in conn.scalars(select(events.c.body)
                                                          .order_by(events.c.id))]


def test_issue_records_one_commissioning_event_per_part(engine: Engine, org: Organization) -> None:
    seen: list[int] = []
    batch = stamps.issue_stamps(engine, org, GTIN, LOT, 25, per_event=10, progress=seen.append)
    assert len(batch) == 25 and len(set(batch.serials)) == 25 and seen == [10, 20, 25]
    assert all(len(s) == 12 and set(s) <= set(ALPHABET) for s in batch.serials)
    stored = _stored(engine)
    assert [len(e["epcList"]) for e in stored] == [10, 10, 5]  # type: ignore[arg-type]
    for part, event in enumerate(stored):
        assert (event["type"], event["action"], event["bizStep"], event["disposition"]) == (
            "ObjectEvent", "ADD", "commissioning", "active")
        assert event["eventID"] == stamps.event_id(batch.batch_id, part)
        assert event["ilmd"] == {"cbvmda:lotNumber": LOT}
    epcs = [uri for e in stored for uri in e["epcList"]]  # type: ignore[attr-defined]
    assert epcs == [f"https://id.gs1.org/01/{GTIN}/21/{s}" for s in batch.serials]
    with engine.connect() as conn:
        indexed = set(conn.scalars(select(event_terms.c.value).where(event_terms.c.role == "epc")))
    assert indexed == set(epcs)


def test_a_batch_reads_back_whole_and_only_for_its_owner(engine: Engine,
                                                         org: Organization) -> None:
    batch = stamps.issue_stamps(engine, org, GTIN, LOT, 7, per_event=3)
    again = stamps.load_batch(engine, org, batch.batch_id)
    assert (again.serials, again.gtin, again.lot) == (batch.serials, batch.gtin, batch.lot)
    with pytest.raises(ForbiddenException):
        stamps.load_batch(engine, create_organization(engine, "Other"), batch.batch_id)
    with pytest.raises(NoSuchResourceException):
        stamps.load_batch(engine, org, "not-a-uuid")
    with pytest.raises(NoSuchResourceException):
        stamps.load_batch(engine, org, "7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d")


def test_issue_without_lot_and_refusals(engine: Engine, org: Organization) -> None:
    batch = stamps.issue_stamps(engine, org, GTIN, None, 2)
    assert "ilmd" not in _stored(engine)[0]
    assert all(link.lot is None for link in batch.links())
    for count in (0, stamps.MAX_BATCH + 1):
        with pytest.raises(ValidationException, match="Cannot issue"):
            stamps.issue_stamps(engine, org, GTIN, LOT, count)
    with pytest.raises(ValidationException, match="check digit"):
        stamps.issue_stamps(engine, org, "08931234000357", LOT, 1)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_csv_and_pdf_of_a_batch(engine: Engine, org: Organization, layout: str) -> None:
    batch = stamps.issue_stamps(engine, org, GTIN, LOT, 30)
    text = io.StringIO(newline="")
    assert stamps.write_batch_csv(batch, text, BASE) == 30
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 30
    assert [r["digital_link"] for r in rows] == [f"{BASE}/01/{GTIN}/10/{LOT}/21/{s}"
                                                 for s in batch.serials]
    pdf = io.BytesIO()
    report = stamps.write_batch_pdf(batch, pdf, BASE, layout)
    pages = math.ceil(30 / LAYOUTS[layout].per_page)
    assert (report.labels, report.pages) == (30, pages)
    assert len(pypdf.PdfReader(io.BytesIO(pdf.getvalue())).pages) == pages


def test_consumer_page_reads_issued_voided_activated_and_unknown(engine: Engine,
                                                                 org: Organization) -> None:
    grant(engine, org, "gtin", GTIN, "test")  # the issuer holds the GTIN: genuine
    batch = stamps.issue_stamps(engine, org, GTIN, LOT, 3)
    first, second, _ = batch.links()
    client = _client(engine)
    page = client.get(first.path)
    assert page.status_code == 200 and "Hàng chính hãng" in page.text

    assert stamps.void_stamps(engine, org, [first.uri(BASE)]) == 1
    voided = client.get(first.path)
    assert voided.status_code == 200 and "Tem này đã bị hủy" in voided.text
    assert "Hàng chính hãng" in client.get(second.path).text  # only that stamp

    assert stamps.activate_stamps(engine, org, [first.element_string()]) == 1
    assert "Hàng chính hãng" in client.get(first.path).text


@pytest.mark.parametrize("lot", [LOT, None])
def test_an_unissued_serial_of_an_issued_gtin_is_unknown(engine: Engine, org: Organization,
                                                         lot: str | None) -> None:
    stamps.issue_stamps(engine, org, GTIN, LOT, 5)
    forged = DigitalLink.for_gtin(GTIN, lot, "FAKE23456789")
    page = _client(engine).get(forged.path)
    assert page.status_code == 404 and "chưa từng được phát hành" in page.text


def test_only_the_issuer_can_void(engine: Engine, org: Organization) -> None:
    batch = stamps.issue_stamps(engine, org, GTIN, LOT, 2)
    other = create_organization(engine, "Forger Ltd")
    before = len(_stored(engine))
    with pytest.raises(ValidationException, match="not issued by Forger Ltd"):
        stamps.void_stamps(engine, other, [next(batch.links()).path])
    with pytest.raises(ValidationException, match="not issued by"):
        stamps.void_stamps(engine, org, [f"/01/{GTIN}/21/NEVER2ISSUED"])
    assert len(_stored(engine)) == before


@pytest.mark.parametrize("code", ["/01/08931234000356", "(00)189312340000000174", "nonsense",
                                  "/01/08931234000357/21/ABC"])
def test_codes_that_are_not_stamps_are_refused_by_name(code: str) -> None:
    with pytest.raises(ValidationException) as caught:
        stamps.stamp_links([code])
    assert any(code[:20] in p.found for p in caught.value.problems)


def test_decoded_qr_of_an_issued_stamp_opens_its_page(engine: Engine, org: Organization) -> None:
    grant(engine, org, "gtin", GTIN, "test")
    link = next(stamps.issue_stamps(engine, org, GTIN, LOT, 1).links())
    image = Image.open(io.BytesIO(qr_png(link.uri(BASE), ["(01) " + GTIN])))
    (decoded,) = zxingcpp.read_barcodes(image)
    assert decoded.text == link.uri(BASE)
    page = _client(engine).get(decoded.text.removeprefix(BASE))
    assert page.status_code == 200 and "Hàng chính hãng" in page.text


def test_gtin_owner_follows_the_product_registry(engine: Engine, org: Organization) -> None:
    other = create_organization(engine, "Other")
    with engine.begin() as conn:
        conn.execute(insert(products), [
            {"org_id": org.id, "gtin": GTIN, "name_vi": "Cà phê", "created_us": 0},
            {"org_id": other.id, "gtin": OTHER_GTIN, "name_vi": "Chè", "created_us": 0}])
    stamps.check_gtin_owner(engine, org, GTIN[1:])  # GTIN-13 is the same product
    with pytest.raises(ForbiddenException):
        stamps.check_gtin_owner(engine, org, OTHER_GTIN)
    with pytest.raises(ValidationException, match="register the product first"):
        stamps.check_gtin_owner(engine, org, "08931234000011")


@settings(max_examples=50, deadline=None)
@given(serial=st.text(ALPHABET, min_size=8, max_size=20),
       lot=st.none() | st.text("ABC123-/", min_size=1, max_size=20))
def test_stamp_codes_parse_in_every_written_form(serial: str, lot: str | None) -> None:
    link = DigitalLink.for_gtin(GTIN, lot, serial)
    forms = [link.uri(BASE), link.path, link.element_string(), link.canonical_uri()]
    assert stamps.stamp_links(forms) == [link] * 4
