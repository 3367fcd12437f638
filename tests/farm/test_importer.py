"""Bulk import from CSV and XLSX: preview with row/column errors, never half-applied."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from agritrace.errors import ForbiddenException, ValidationException
from agritrace.farm.importer import apply_import, preview_import
from agritrace.farm.journal import season_entries
from agritrace.farm.places import list_places
from agritrace.farm.registry import list_members
from tests.farm.coop import SMALL, make_coop

MEMBERS_BAD = (
    "họ tên,vai trò,số điện thoại\n"
    "Quàng Văn D,farmer,0912 000 111\n"
    ",farmer,0912000112\n"
    "Lò Thị E,chairman,0912000113\n"
    "Tòng Văn G,farmer,0912000114\n"
).encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_preview_names_row_and_column_and_saves_nothing(engine: Engine) -> None:
    coop = make_coop(engine)
    preview = preview_import(engine, coop.manager, "members", MEMBERS_BAD, "members.csv")
    assert (len(preview.rows), len(preview.good)) == (4, 2)
    assert [p.path for p in preview.errors] == ["row 3, column name", "row 4, column role"]
    assert preview.errors[0].line == 3 and preview.errors[0].document == "members.csv"
    with pytest.raises(ValidationException) as exc:
        apply_import(engine, coop.manager, "members", MEMBERS_BAD, "members.csv")
    assert "nothing was saved" in exc.value.detail
    assert len(list_members(engine, coop.org)) == 3


def test_apply_good_rows_saves_only_the_good_ones(engine: Engine) -> None:
    coop = make_coop(engine)
    result = apply_import(engine, coop.manager, "members", MEMBERS_BAD, "members.csv",
                          apply_good_rows=True)
    assert (result.applied, result.skipped) == (2, 2)
    names = [m.name for m in list_members(engine, coop.org)]
    assert names[-2:] == ["Quàng Văn D", "Tòng Văn G"]


def test_plots_from_xlsx_with_geojson_points_and_bad_rows(engine: Engine) -> None:
    coop = make_coop(engine)
    laos_free = json.dumps({"type": "Polygon", "coordinates": [SMALL]})
    unclosed = json.dumps({"type": "Polygon", "coordinates": [SMALL[:-1]]})
    data = _xlsx([
        ["Tên", "Hộ", "Cây trồng", "geometry", "lat", "lon", "Diện tích ha"],
        ["Nương D", "Lò Văn A", "coffee", laos_free, None, None, None],
        ["Nương E", "0912345672", "coffee", None, 21.493811, 103.204101, 0.8],
        ["Nương F", "Người lạ", "coffee", None, 21.493811, 103.204101, 0.8],
        ["Nương G", "Lò Văn B", "coffee", unclosed, None, None, None],
    ])
    preview = preview_import(engine, coop.manager, "plots", data, "plots.xlsx")
    assert [p.path for p in preview.errors] == ["row 4, column farmer",
                                                "row 5, column geometry"]
    with pytest.raises(ValidationException):
        apply_import(engine, coop.manager, "plots", data, "plots.xlsx")
    assert len(list_places(engine, coop.org)) == 2
    result = apply_import(engine, coop.manager, "plots", data, "plots.xlsx",
                          apply_good_rows=True)
    assert result.applied == 2
    added = {p.name: p for p in list_places(engine, coop.org)}
    assert added["Nương D"].area_ha == pytest.approx(1.6, abs=0.01)
    assert added["Nương E"].farmer_id == coop.farmer_b.id and added["Nương E"].area_ha == 0.8


def test_diary_rows_are_stored_once_even_when_the_file_is_imported_twice(
        engine: Engine) -> None:
    coop = make_coop(engine)
    data = (
        "kind;plot;on;product;amount;dose;activity;pest\n"
        "fertilizing;Nương A;2026-04-05;NPK 16-16-8;300;;;\n"
        "other_care;Nương A;2026-05-01;;;;làm cỏ;\n"
        "pest_observation;Nương A;2026-05-20;;;;;rệp sáp\n"
    ).encode()
    first = apply_import(engine, coop.manager, "diary", data, "diary.csv")
    second = apply_import(engine, coop.manager, "diary", data, "diary.csv")
    assert (first.applied, second.applied, second.skipped) == (3, 0, 3)
    assert len(season_entries(engine, coop.org, coop.season_a.uri)) == 3


def test_a_diary_import_with_a_refused_row_stores_nothing(engine: Engine) -> None:
    coop = make_coop(engine)
    data = (
        "kind,plot,on,product,active_ingredients,dose,dose_unit\n"
        "spraying,Nương A,2026-06-10,Anvil 5SC,,1,l/ha\n"
        "spraying,Nương A,2026-06-12,Furadan 3GR,Carbofuran,20,kg/ha\n"
        "spraying,Nương A,2099-06-12,Anvil 5SC,,1,l/ha\n"
    ).encode()
    preview = preview_import(engine, coop.manager, "diary", data, "d.csv")
    assert [p.path for p in preview.errors] == ["row 3, column active_ingredients",
                                                "row 4, column on"]
    with pytest.raises(ValidationException):
        apply_import(engine, coop.manager, "diary", data, "d.csv")
    assert season_entries(engine, coop.org, coop.season_a.uri) == []
    apply_import(engine, coop.manager, "diary", data, "d.csv", apply_good_rows=True)
    assert len(season_entries(engine, coop.org, coop.season_a.uri)) == 1


def test_only_managers_import(engine: Engine) -> None:
    coop = make_coop(engine)
    with pytest.raises(ForbiddenException):
        preview_import(engine, coop.farmer_a.actor(coop.org), "members", MEMBERS_BAD, "m.csv")
