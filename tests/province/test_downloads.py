"""Every table of the province desk downloads as CSV and XLSX with the page's numbers, and the
open data is described by a DCAT-AP catalogue (JSON-LD) at /open-data (issue 13)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from agritrace.province import downloads
from tests.province.test_desk import World, make_world

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _get(world: World, path: str, who: str | None = "dien_bien", **params: str) -> Any:
    headers = world.auth(who) if who else {}
    return world.client.get(path, headers=headers, params=params, follow_redirects=False)


def test_each_table_downloads_as_csv_and_xlsx_with_the_dashboard_s_numbers(
        world: World) -> None:
    figures = _get(world, "/province/indicators").json()
    for name in downloads.TABLES:
        sheet = _get(world, f"/province/tables/{name}.csv")
        assert sheet.status_code == 200, (name, sheet.text)
        assert sheet.headers["content-type"].startswith("text/csv")
        book = _get(world, f"/province/tables/{name}.xlsx")
        assert book.status_code == 200, name
        rows = list(load_workbook(io.BytesIO(book.content)).active.values)  # type: ignore[union-attr]
        assert [str(v) for v in rows[0]] == next(csv.reader(io.StringIO(sheet.text)))
    [row] = list(csv.DictReader(io.StringIO(_get(world, "/province/tables/hectares.csv").text)))
    [coffee] = figures["current"]["hectares"]
    assert (row["commune"], row["crop"], float(row["registered_ha"])) == (
        coffee["commune"], "coffee", coffee["registered_ha"])
    book = load_workbook(io.BytesIO(_get(world, "/province/tables/hectares.xlsx").content))
    values = list(book.active.values)  # type: ignore[union-attr]
    assert values[1][3] == pytest.approx(coffee["registered_ha"])  # a number, not a text
    tickets = list(csv.reader(io.StringIO(_get(world, "/province/tables/tickets.csv").text)))
    assert ["received", "1", "0"] in tickets
    [risk] = list(csv.DictReader(io.StringIO(
        _get(world, "/province/tables/codes_at_risk.csv").text)))
    assert (risk["code"], risk["reasons"]) == ("VN-DB-001", "no_diary (1)")


def test_a_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    text = downloads.as_csv(["owner", "n"], [['=HYPERLINK("http://x")', -1], ["-1", None]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["owner", "n"], ["'=HYPERLINK(\"http://x\")", "-1"], ["'-1", ""]]  # numbers stay


def test_who_may_download(world: World) -> None:
    assert _get(world, "/province/tables/hectares.csv", None).status_code == 303
    assert _get(world, "/province/tables/hectares.csv", "highland").status_code == 403
    assert _get(world, "/province/tables/people.csv").status_code == 404
    assert _get(world, "/province/tables/hectares.pdf").status_code == 404
    south = _get(world, "/province/tables/hectares.csv", "dong_thap").text
    assert "Ẳng Nưa" not in south and "Tân Hồng" in south


def test_the_open_data_catalogue_is_dcat_ap_json_ld(world: World) -> None:
    jsonld = pytest.importorskip("pyld.jsonld")
    answer = _get(world, "/open-data", None)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    assert answer.headers["access-control-allow-origin"] == "*"
    [catalog] = jsonld.expand(answer.json())  # the context is inline: no network
    assert catalog["@type"] == [DCAT + "Catalog"]
    for mandatory in (DCT + "title", DCT + "description", DCT + "publisher"):
        assert catalog[mandatory], mandatory
    datasets = catalog[DCAT + "dataset"]
    assert sorted(d[DCT + "identifier"][0]["@value"] for d in datasets) == [
        "dien-bien", "dong-thap"]
    for dataset in datasets:
        assert dataset["@type"] == [DCAT + "Dataset"]
        assert {t["@language"] for t in dataset[DCT + "title"]} == {"vi", "en"}
        for distribution in dataset[DCAT + "distribution"]:
            url = distribution[DCAT + "accessURL"][0]["@id"]
            assert distribution[DCT + "license"][0]["@id"].startswith(
                "https://creativecommons.org/licenses/by/4.0")
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https"), url
            fetched = world.client.get(f"{parts.path}?{parts.query}")
            assert fetched.status_code == 200, url  # every distribution downloads
