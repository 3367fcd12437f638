"""The provinces' open data (issue 13): JSON, CSV and Parquet of the same kept rows, paged in a
stable order with Link headers, refusals said in the reader's language, refreshed by
``agritrace province refresh``, and never a person's data."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, update

from agritrace.farm.places import add_place
from agritrace.farm.registry import org_actor
from agritrace.province import open_data
from agritrace.province.kept import STALE_AFTER_S
from agritrace.province.tables import open_data_kept
from agritrace.vietnam_time import vietnam_now
from tests.province.test_desk import (
    World,
    db,  # noqa: F401  (the CLI's database fixture)
    make_world,
)
from tests.province.test_desk import _run as run_cli
from tests.province.test_kept_background import wait_for

#: Điện Biên's published rows, in their stable order (commune, then crop): plots and hectares
#: registered (None: withheld, fewer than 3 plots).
KNOWN = [("Búng Lao", "coffee", 3, 3.0), ("Mường Nhé", "rice", 1, None),
         ("Sín Thầu", "tea", 3, 1.5), ("xã Ẳng Nưa", "coffee", 3, 6.5989)]
#: What a person's or a business's data would look like in a column name.
PERSONAL = re.compile(r"name|phone|contact|quantity|customer|farmer|email|address", re.I)


def _add(world: World, commune: str, crop: str, count: int, ha: float) -> None:
    for n in range(count):
        add_place(world.client.app.state.engine, org_actor(world.highland), {
            "name": f"Nương của Lò Thị Mai {commune} {n}", "crop": crop, "area_ha": ha,
            "province": "Điện Biên", "commune": commune})


def _province(engine: Engine) -> World:
    world = make_world(engine)
    _add(world, "Búng Lao", "coffee", 3, 1.0)
    _add(world, "Mường Nhé", "rice", 1, 2.0)
    _add(world, "Sín Thầu", "tea", 3, 0.5)
    return world


@pytest.fixture
def world(engine: Engine) -> World:
    return _province(engine)


def _csv_rows(text: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    assert lines[0] == f"# {open_data.LICENCE} {open_data.LICENCE_URL}"
    return list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))


def _get(world: World, fmt: str, **params: Any) -> Any:
    return world.client.get(f"/province/open-data.{fmt}", params={"province": "dien-bien",
                                                                    **params})


def test_the_parquet_file_holds_the_csvs_rows_and_the_known_numbers(world: World) -> None:
    answer = _get(world, "parquet")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    assert answer.headers["access-control-allow-origin"] == "*"
    table = pq.read_table(io.BytesIO(answer.content))
    assert table.schema.metadata[b"license"] == open_data.LICENCE_URL.encode()
    assert str(table.schema.field("as_of").type) == "date32[day]"
    rows = table.to_pylist()
    assert [(r["commune"], r["crop"], r["plots"], r["registered_ha"]) for r in rows] == KNOWN
    served = _csv_rows(_get(world, "csv").text)
    assert len(served) == len(rows)
    for parquet, text in zip(rows, served, strict=True):
        for field in open_data.FIELDS:
            value = parquet[field]
            if value is None:
                assert text[field] == "", field
            elif isinstance(value, float):
                assert float(text[field]) == pytest.approx(value), field
            else:
                assert str(value) == text[field], field


def test_the_json_is_paged_in_a_stable_order_with_link_headers(world: World) -> None:
    first = _get(world, "json", limit=1)
    assert first.status_code == 200, first.text
    assert first.headers["x-total-count"] == "4" and first.json()["total"] == 4
    rows, answer, pages = [], first, 0
    while True:
        pages += 1
        rows += answer.json()["rows"]
        found = re.search(r'<([^>]+)>; rel="next"', answer.headers["link"])
        if found is None:
            break
        assert "to=" in found.group(1)  # pinned to the day the first page was
        answer = world.client.get(found.group(1))
        assert answer.status_code == 200
    assert pages == 4
    assert [(r["commune"], r["crop"], r["plots"], r["registered_ha"]) for r in rows] == [
        (c, k, p, pytest.approx(h) if h else None) for c, k, p, h in KNOWN]
    second = _get(world, "json", page=2, limit=3).json()
    assert second["rows"] == rows[3:] and second["page"] == 2
    # the CSV pages the same way when asked to; by default it is every row
    assert [r["commune"] for r in _csv_rows(_get(world, "csv", page=2, limit=2).text)] == [
        "Sín Thầu", "xã Ẳng Nưa"]
    assert len(_csv_rows(_get(world, "csv").text)) == 4


@pytest.mark.parametrize(("params", "status", "path", "vi", "en"), [
    ({"page": "0"}, 400, "page", "số trang từ 1 đến 1", "a page number from 1 to 1"),
    ({"page": "9", "limit": "2"}, 400, "page", "số trang từ 1 đến 2",
     "a page number from 1 to 2"),
    ({"limit": "5000"}, 400, "limit", "số dòng mỗi trang từ 1 đến 1.000",
     "a number of rows per page from 1 to 1,000"),
    ({"limit": "-1"}, 400, "limit", "số dòng mỗi trang", "rows per page"),
    ({"to": "30/11/2026"}, 400, "to", "một ngày dạng YYYY-MM-DD", "a day as YYYY-MM-DD"),
    ({"to": "2020-01-01"}, 404, "to", "một ngày có số liệu lưu", "a day figures are kept for"),
    ({"province": "Atlantis"}, 400, "province", "mã hoặc tên một tỉnh",
     "a province's code or name"),
    ({"province": "Hà Nội"}, 404, "province", "một tỉnh có sở nông nghiệp",
     "a province whose department"),
])
def test_a_wrong_parameter_is_a_problem_in_the_readers_language(
        world: World, params: dict[str, str], status: int, path: str, vi: str,
        en: str) -> None:
    paging = "page" in params or "limit" in params  # the Parquet file is never paged
    for fmt in ("json", "csv") if paging else ("json", "csv", "parquet"):
        answer = _get(world, fmt, **params)
        assert answer.status_code == status, (fmt, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        [error] = answer.json()["errors"]
        assert error["path"] == path and vi in error["expected"], error
    english = _get(world, "json", lang="en", **params)
    assert english.headers["content-language"] == "en"
    assert en in english.json()["errors"][0]["expected"]


def test_the_open_data_is_kept_and_refreshed_by_the_command(db: Engine) -> None:  # noqa: F811
    world = _province(db)
    before = _get(world, "json").json()
    assert before["asOf"] == vietnam_now().date().isoformat()
    _add(world, "Búng Lao", "coffee", 1, 4.0)
    assert _get(world, "json").json()["rows"] == before["rows"]  # read, not computed again
    assert "dien-bien, dong-thap" in run_cli("province", "refresh")
    after = _get(world, "json").json()["rows"]
    assert (after[0]["plots"], after[0]["registered_ha"]) == (4, pytest.approx(7.0))
    # a day kept is served by its date (the stable URL of a day's figures)
    day = _get(world, "json", to=before["asOf"]).json()
    assert day["rows"] == after
    # without the cron job: a snapshot older than 15 minutes is served while today's is
    # computed again in the background
    _add(world, "Búng Lao", "coffee", 1, 1.0)
    with db.begin() as conn:
        conn.execute(update(open_data_kept).values(
            computed_us=open_data_kept.c.computed_us - (STALE_AFTER_S + 1) * 1_000_000))
    assert _get(world, "json").json()["rows"] == after
    assert wait_for(lambda: _get(world, "json").json()["rows"][0]["plots"] == 5)


def test_never_a_persons_data(world: World) -> None:
    texts = [_get(world, "json").text, _get(world, "csv").text,
             json.dumps(pq.read_table(io.BytesIO(_get(world, "parquet").content)).to_pylist(),
                        default=str, ensure_ascii=False)]
    columns = [*_get(world, "json").json()["rows"][0], *open_data.SCHEMA.names,
               *_csv_rows(texts[1])[0]]
    assert not [c for c in columns if PERSONAL.search(c)]
    for text in texts:
        for private in ("HTX", "Nương", "Lò Thị Mai", "CF-26", "Mốc", "mốc", "100.0",
                        "8931234"):
            assert private not in text, private


def test_the_catalogue_is_json_ld_for_machines_and_a_page_for_people(world: World) -> None:
    _get(world, "json")  # kept once
    ld = world.client.get("/open-data").json()
    [dien_bien] = [d for d in ld["dcat:dataset"] if d["dct:identifier"] == "dien-bien"]
    assert dien_bien["dct:modified"]["@value"].startswith(vietnam_now().date().isoformat())
    kinds = {d["dct:format"]["@id"].rsplit("/", 1)[1] for d in dien_bien["dcat:distribution"]}
    assert kinds == {"JSON", "CSV", "PARQUET"}
    page = world.client.get("/open-data", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Dữ liệu mở vùng trồng" in page.text and 'id="dataset-dien-bien"' in page.text
    assert 'href="/province/open-data.parquet?province=dien-bien"' in page.text
    assert "<script" not in page.text
    english = world.client.get("/open-data", params={"lang": "en"},
                               headers={"Accept": "text/html"})
    assert "Growing-area open data" in english.text


def test_the_export_writes_the_parquet_the_site_serves(db: Engine,  # noqa: F811
                                                       tmp_path: Path) -> None:
    world = _province(db)
    run_cli("export", "open-data", "--out", str(tmp_path))
    written = pq.read_table(tmp_path / "dien-bien.parquet")
    served = pq.read_table(io.BytesIO(_get(world, "parquet").content))
    assert written.equals(served)
    assert json.loads((tmp_path / "dien-bien.json").read_text())["total"] == 4
