"""The EUDR and methane HTTP API: bearer tokens, the access rule, formats, problem+json."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.demo import PLOTS
from agritrace.settings import Settings
from agritrace.store.orgs import Organization, create_organization, create_token
from agritrace.web.app import create_app
from tests.reports.demo_data import PALLET, Demo, load


class Client:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.http = TestClient(create_app(Settings(database_url="sqlite://"), engine))

    def as_org(self, org: Organization) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(self.engine, org, 'tests')}"}


@pytest.fixture
def demo(engine: Engine) -> Demo:
    return load(engine)


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(engine)


def test_every_route_needs_a_token(client: Client) -> None:
    for url in ("/eudr/readiness?id=x", "/eudr/geojson?id=x", "/eudr/statement?id=x",
                "/methane/seasons", "/methane/totals"):
        response = client.http.get(url)
        assert response.status_code == 401, url
        assert response.headers["content-type"] == "application/problem+json"
    assert client.http.post("/eudr/risk", content=b"x").status_code == 401


def test_readiness_geojson_and_statement_of_the_pallet(client: Client, demo: Demo) -> None:
    auth = client.as_org(demo.roaster)
    ready = client.http.get(f"/eudr/readiness?id={PALLET}&lang=en", headers=auth).json()
    assert ready["ready"] is True and ready["risk"]["cutoff"] == "2020-12-31"
    assert [p["producer"] for p in ready["plots"]] == ["Lò Văn A", "Lò Văn B", "Lò Văn C"]
    geo = client.http.get(f"/eudr/geojson?id={PALLET}", headers=auth)
    assert geo.headers["content-type"] == "application/geo+json"
    assert len(geo.json()["features"]) == 3
    statement = client.http.get(f"/eudr/statement?id={PALLET}&net_mass=6&commodity=coffee",
                                headers=auth).json()
    assert statement["commodities"][0]["hsHeading"] == "0901"
    pdf = client.http.get(f"/eudr/readiness?id={PALLET}&format=pdf", headers=auth)
    assert pdf.content.startswith(b"%PDF")
    text = client.http.get(f"/eudr/readiness?id={PALLET}&format=csv", headers=auth).text
    assert text.splitlines()[0].startswith("plot,name,producer,country")


def test_an_organization_that_never_handled_the_pallet_gets_no_plot_data(
        client: Client, demo: Demo) -> None:
    stranger = client.as_org(create_organization(client.engine, "Người lạ"))
    response = client.http.get(f"/eudr/readiness?id={PALLET}", headers=stranger)
    assert response.status_code == 404 or response.json()["plots"] == []
    assert "Lò Văn" not in response.text


def test_errors_are_problem_json_naming_the_field(client: Client, demo: Demo) -> None:
    auth = client.as_org(demo.roaster)
    for url, path in ((f"/eudr/statement?id={PALLET}", "netWeight"),
                      ("/eudr/readiness?id=LOT-1", "id"),
                      (f"/eudr/readiness?id={PALLET}&format=xml", "format"),
                      ("/methane/seasons?from=01/12/2025", "from"),
                      ("/methane/totals?by=district", "by")):
        response = client.http.get(url, headers=auth)
        assert response.status_code == 400, url
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["path"] == path, url
    geo = client.http.get(f"/eudr/statement?id={PALLET}", headers=auth).json()
    assert geo["title"] == "The data is not complete for this report"


def test_risk_upload_as_csv_body_and_as_a_form_file(client: Client, demo: Demo) -> None:
    auth = client.as_org(demo.roaster)
    body = "external_id,risk_pcrop\n" + "".join(f"{p},low\n" for p in PLOTS[:2])
    stored = client.http.post("/eudr/risk", content=body.encode(),
                              headers={**auth, "Content-Type": "text/csv"})
    assert stored.status_code == 201 and stored.json()["imported"] == 2
    form = client.http.post("/eudr/risk", headers=auth, files={"file": (
        "whisp.csv", f"external_id,risk_pcrop\n{PLOTS[2]},high\n", "text/csv")})
    assert form.status_code == 201 and form.json()["document"] == "whisp.csv"
    risk = client.http.get(f"/eudr/readiness?id={PALLET}", headers=auth).json()["risk"]
    assert risk["level"] == "high"
    bad = client.http.post("/eudr/risk", headers=auth, files={"file": (
        "bad.csv", "external_id,risk_pcrop\nurn:x:1,low\n", "text/csv")})
    assert bad.status_code == 400
    assert bad.json()["errors"][0] == {
        "path": "external_id", "expected": "the URI of a registered plot", "found": "'urn:x:1'",
        "document": "bad.csv", "line": 2,
        "message": "bad.csv line 2: external_id: expected the URI of a registered plot, "
                   "found 'urn:x:1'"}


def test_methane_seasons_and_totals_are_the_organizations_own(
        client: Client, demo: Demo) -> None:
    rice = client.as_org(demo.rice_coop)
    seasons = client.http.get("/methane/seasons?from=2025-12-01&to=2025-12-31",
                              headers=rice).json()
    assert [s["status"] for s in seasons["seasons"]] == ["estimated"] * 3 + ["not_enough_data"]
    assert seasons["gwp100_ch4"] == 27.0
    (total,) = client.http.get("/methane/totals?by=cooperative", headers=rice).json()
    assert total["key"] == demo.rice.cooperative and total["seasons"] == 4
    coffee = client.as_org(demo.coop)
    assert client.http.get("/methane/seasons", headers=coffee).json()["seasons"] == []
    csv_text = client.http.get("/methane/seasons?format=csv&lang=en", headers=rice).text
    assert "not enough data: missing" in csv_text
    pdf = client.http.get("/methane/seasons?format=pdf", headers=rice)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
