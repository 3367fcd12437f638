"""The stamps API on both engines: issue for an own GTIN, fetch PDF and CSV, void, refusals."""

from __future__ import annotations

import csv
import io

import pypdf
import pytest
from sqlalchemy import Engine, insert

from agritrace.farm.tables import products
from agritrace.store.grants import grant
from agritrace.store.orgs import create_organization, create_token
from tests.helpers import Api, make_api

GTIN = "08931234000356"
FOREIGN_GTIN = "08931234000110"
BASE = "https://truyxuat.example.vn"


@pytest.fixture
def api(engine: Engine) -> Api:
    client = make_api(engine, base_url=BASE)
    other = create_organization(engine, "Other Coop")
    with engine.begin() as conn:
        conn.execute(insert(products), [
            {"org_id": client.org.id, "gtin": GTIN, "name_vi": "Cà phê", "created_us": 0},
            {"org_id": other.id, "gtin": FOREIGN_GTIN, "name_vi": "Chè", "created_us": 0}])
    grant(engine, client.org, "gtin", GTIN, "test")  # its stamps are genuine on the page
    return client


def _issue(api: Api, count: int = 30, gtin: str = GTIN) -> dict[str, object]:
    response = api.client.post("/stamps", json={"gtin": gtin, "lot": "R26-1106", "count": count},
                               headers=api.auth)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    assert response.headers["location"] == body["pdf"]
    return body


def test_issue_then_pdf_and_csv(api: Api) -> None:
    batch = _issue(api)
    assert (batch["count"], batch["gtin"], batch["lot"]) == (30, GTIN, "R26-1106")
    pdf = api.get(f"{batch['pdf']}?layout=4x10")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages) == 1
    table = api.get(str(batch["csv"]))
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8"), newline="")))
    assert len(rows) == 30 and len({r["serial"] for r in rows}) == 30
    assert all(r["digital_link"].startswith(f"{BASE}/01/{GTIN}/10/R26-1106/21/") for r in rows)


def test_void_shows_on_the_consumer_page(api: Api) -> None:
    batch = _issue(api, 2)
    rows = list(csv.DictReader(io.StringIO(api.get(str(batch["csv"])).text)))
    path = rows[0]["digital_link"].removeprefix(BASE)
    assert "Hàng chính hãng" in api.client.get(path).text
    voided = api.client.post("/stamps/void", json={"codes": [rows[0]["digital_link"]]},
                             headers=api.auth)
    assert voided.status_code == 200 and voided.json() == {"voided": 1}
    assert "Tem này đã bị hủy" in api.client.get(path).text
    back = api.client.post("/stamps/activate", json={"codes": [path]}, headers=api.auth)
    assert back.json() == {"activated": 1}
    assert "Hàng chính hãng" in api.client.get(path).text


def test_an_org_issues_only_for_its_own_gtins(api: Api) -> None:
    foreign = api.client.post("/stamps", json={"gtin": FOREIGN_GTIN, "count": 1},
                              headers=api.auth)
    assert foreign.status_code == 403
    unregistered = api.client.post("/stamps", json={"gtin": "08931234000011", "count": 1},
                                   headers=api.auth)
    assert unregistered.status_code == 400 and "register the product" in unregistered.text


def test_another_org_cannot_read_or_void_a_batch(api: Api, engine: Engine) -> None:
    batch = _issue(api, 3)
    rows = list(csv.DictReader(io.StringIO(api.get(str(batch["csv"])).text)))
    other = create_organization(engine, "Forger Ltd")
    headers = {"Authorization": f"Bearer {create_token(engine, other)}"}
    assert api.client.get(str(batch["pdf"]), headers=headers).status_code == 403
    refused = api.client.post("/stamps/void", json={"codes": [rows[0]["digital_link"]]},
                              headers=headers)
    assert refused.status_code == 400 and "not issued by Forger Ltd" in refused.text


@pytest.mark.parametrize(("method", "url", "body"), [
    ("post", "/stamps", {"gtin": GTIN, "count": 1}),
    ("post", "/stamps/void", {"codes": ["/01/08931234000356/21/ABCDEFGH"]}),
    ("get", "/stamps/7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d.pdf", None),
])
def test_every_route_needs_a_token(api: Api, method: str, url: str,
                                   body: dict[str, object] | None) -> None:
    response = api.client.request(method.upper(), url, json=body)
    assert response.status_code == 401


@pytest.mark.parametrize(("url", "status"), [
    ("/stamps/7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d.pdf", 404),
    ("/stamps/not-a-batch.csv", 404),
    ("/stamps/7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d.zip", 404),
    ("/stamps/7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d.pdf?layout=9x9", 400),
])
def test_missing_batches_and_bad_files(api: Api, url: str, status: int) -> None:
    assert api.get(url).status_code == status


@pytest.mark.parametrize("body", [{"gtin": GTIN, "count": 0}, {"gtin": GTIN, "count": 100_001},
                                  {"gtin": "08931234000357", "count": 1}, {"codes": []}])
def test_bad_issue_requests(api: Api, body: dict[str, object]) -> None:
    url = "/stamps/void" if "codes" in body else "/stamps"
    response = api.client.post(url, json=body, headers=api.auth)
    assert response.status_code in (400, 422)
