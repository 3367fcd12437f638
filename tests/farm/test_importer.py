"""Bulk import from CSV and XLSX: preview with row/column errors, never half-applied."""

from __future__ import annotations

import io
import json
from dataclasses import asdict

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from agritrace.errors import ForbiddenException, ValidationException
from agritrace.farm.importer import apply_import, preview_import
from agritrace.farm.journal import season_entries
from agritrace.farm.places import list_places
from agritrace.farm.registry import list_members
from tests.farm.coop import SMALL, Coop, make_coop

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
    assert [p.path for p in preview.errors] == ["row 3, column họ tên", "row 4, column vai trò"]
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
    assert [p.path for p in preview.errors] == ["row 4, column Hộ",
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


def _roles(engine: Engine, coop: Coop) -> dict[str, str]:
    return {m.name: m.role.value for m in list_members(engine, coop.org)}


@pytest.mark.parametrize("header", [
    "Họ tên;Vai trò;Số điện thoại", "ho ten;vai tro;sdt", "HỌ  TÊN;VAI TRÒ;SĐT",
    "Name;Role;Phone", "họ_tên;vai_trò;số_điện_thoại"])
def test_member_headers_and_roles_in_vietnamese_or_english_any_spelling(
        engine: Engine, header: str) -> None:
    coop = make_coop(engine)
    data = (header + "\n"
            "Quàng Văn D;Nông dân;0912000111\n"
            "Lò Thị E;nong dan;0912000112\n"
            "Tòng Văn G;Quản lý;0912000113\n"
            "Cầm Thị H;Cán bộ kỹ thuật;0912000114\n"
            "Vì Văn K;Farmer;0912000115\n").encode()
    preview = preview_import(engine, coop.manager, "members", data, "tv.csv")
    assert preview.ok and preview.unknown == [], [e.vi for r in preview.rows for e in r.errors]
    apply_import(engine, coop.manager, "members", data, "tv.csv")
    roles = _roles(engine, coop)
    assert [roles[n] for n in ("Quàng Văn D", "Lò Thị E", "Tòng Văn G", "Cầm Thị H",
                               "Vì Văn K")] == [
        "farmer", "farmer", "manager", "technical_manager", "farmer"]


def test_a_diary_in_vietnamese_words_dates_and_decimal_commas(engine: Engine) -> None:
    coop = make_coop(engine)
    data = (
        "Loại công việc;Thửa;Ngày;Sản phẩm;Lượng;Đơn vị;Liều dùng;Đơn vị liều;Sản lượng;Mã lô\n"
        "Bón phân;Nương A;01/11/2026;NPK 16-16-8;250,5;kg/ha;;;;\n"
        "bon phan;nuong a;5/4/2026;Urê;100;;;;;\n"
        "Phun thuốc;Nương A;2026-06-10;Anvil 5SC;;;0,5;l/ha;;\n"
        "Tưới nước;Nương A;01/05/2026;;;;;;;\n"
        "THU HOẠCH;Nương A;20/11/2026;;;kg;;;1500;L-2611\n"
    ).encode()
    preview = preview_import(engine, coop.manager, "diary", data, "nk.csv")
    assert preview.ok, [e.vi for r in preview.rows for e in r.errors]
    assert preview.unknown == []
    apply_import(engine, coop.manager, "diary", data, "nk.csv")
    entries = {(e.kind.value, e.on.isoformat()): e
               for e in season_entries(engine, coop.org, coop.season_a.uri)}
    assert sorted(entries) == [("fertilizing", "2026-04-05"), ("fertilizing", "2026-11-01"),
                               ("harvest", "2026-11-20"), ("spraying", "2026-06-10"),
                               ("water", "2026-05-01")]
    assert asdict(entries["fertilizing", "2026-11-01"])["amount"] == 250.5
    assert asdict(entries["water", "2026-05-01"])["action"] == "irrigate"
    assert asdict(entries["spraying", "2026-06-10"])["dose"] == 0.5
    assert asdict(entries["harvest", "2026-11-20"])["quantity"] == 1500


def test_plots_read_the_area_and_warn_about_a_column_not_understood(engine: Engine) -> None:
    coop = make_coop(engine)
    data = ("Tên thửa,Hộ canh tác,Cây trồng,Diện tích (ha),Vĩ độ,Kinh độ,Màu đất\n"
            'Nương E,lo van b,Cà phê,"1,5","21,493811","103,204101",đỏ,dốc\n').encode()
    preview = preview_import(engine, coop.manager, "plots", data, "thua.csv")
    assert preview.ok, [e.vi for r in preview.rows for e in r.errors]
    assert preview.unknown == ["Màu đất", "(H)"]
    apply_import(engine, coop.manager, "plots", data, "thua.csv")
    added = {p.name: p for p in list_places(engine, coop.org)}["Nương E"]
    assert (added.area_ha, added.crop, added.farmer_id) == (1.5, "coffee", coop.farmer_b.id)


def test_row_errors_name_the_users_column_in_vietnamese_and_english(engine: Engine) -> None:
    coop = make_coop(engine)
    data = ("Loại công việc,Thửa,Ngày,Sản phẩm,Lượng\n"
            "Bón phân,Nương A,31/02/2026,NPK\n"
            "Bón phân,Nương Z,01/05/2026,NPK\n"
            "Bón phân,Nương A,01/05/2026,NPK\n"
            "Cày bừa,Nương A,01/05/2026,\n"
            "Bón phân,Nương A,01/01/2025,NPK\n"
            "Bón phân,Nương A,01/05/2026,NPK,1.500\n").encode()
    preview = preview_import(engine, coop.manager, "diary", data, "nk.csv")
    said = {e.row: (e.text("vi"), e.text("en")) for r in preview.rows for e in r.errors}
    assert said[2] == ("Dòng 2, cột “Ngày”: không đọc được ngày “31/02/2026”: hãy viết "
                       "dd/mm/yyyy (ví dụ 01/11/2026).",
                       "Row 2, column “Ngày”: “31/02/2026” is not a date: write dd/mm/yyyy "
                       "(e.g. 01/11/2026) or yyyy-mm-dd.")
    assert said[3][0] == "Dòng 3, cột “Thửa”: không có thửa “Nương Z” trong hợp tác xã."
    assert said[4] == ("Dòng 4, cột “Lượng”: ô này còn trống, cần điền.",
                       "Row 4, column “Lượng”: the cell is empty and is needed.")
    assert said[5][0].startswith("Dòng 5, cột “Loại công việc”: không rõ công việc “Cày bừa”")
    assert said[6][0] == "Dòng 6, cột “Ngày”: Ngày này không thuộc vụ nào đang mở của thửa."
    assert said[7][0].startswith("Dòng 7, cột “Lượng”: không đọc được số “1.500”")
    for vi, en in said.values():
        for internal in ("plot_id", "season_id", "sown_on", "recorded_by", "unknown field"):
            assert internal not in vi and internal not in en


def test_excel_numbers_keep_phone_zeros_and_places_keep_their_kind(engine: Engine) -> None:
    coop = make_coop(engine)
    members = _xlsx([["Họ tên", "Vai trò", "Số điện thoại"],
                     ["Quàng Văn D", "Nông dân", 912000111]])
    apply_import(engine, coop.manager, "members", members, "tv.xlsx")
    added = next(m for m in list_members(engine, coop.org) if m.name == "Quàng Văn D")
    assert added.phone == "0912000111"
    places = _xlsx([["Tên", "Loại địa điểm", "Tỉnh"], ["Kho Ẳng Nưa", "warehouse", "Điện Biên"]])
    preview = preview_import(engine, coop.manager, "plots", places, "kho.xlsx")
    assert preview.ok and preview.unknown == [], preview.as_dict()
    apply_import(engine, coop.manager, "plots", places, "kho.xlsx")
    assert {p.name: p.kind for p in list_places(engine, coop.org)}["Kho Ẳng Nưa"] == "warehouse"


def test_plot_errors_are_said_in_vietnamese_without_the_services_english(
        engine: Engine) -> None:
    coop = make_coop(engine)
    data = ("Tên thửa;Hộ canh tác;Cán bộ kỹ thuật;Cây trồng;Vĩ độ;Kinh độ\n"
            "Nương E;Lò Văn A;Lò Văn B;Cà phê;21,49;103,20\n").encode()
    said = [e.vi for r in preview_import(engine, coop.manager, "plots", data, "t.csv").rows
            for e in r.errors]
    assert said == [
        "ô này còn trống, cần điền.",
        "Người phụ trách kỹ thuật phải là cán bộ kỹ thuật hoặc cán bộ quản lý của hợp tác "
        "xã. Đã nhập: 'member 3 (farmer)'."]


def test_a_column_another_kind_of_work_uses_is_said_so_not_in_english(engine: Engine) -> None:
    """Issue 15: a spraying row with an amount read 'Đã nhập: an unknown field'."""
    coop = make_coop(engine)
    data = ("Loại công việc,Thửa,Ngày,Sản phẩm,Lượng,Liều\n"
            "Phun thuốc,Nương A,10/06/2026,Anvil 5SC,20,1\n").encode()
    said = [(e.vi, e.en) for r in preview_import(engine, coop.manager, "diary", data,
                                                 "nk.csv").rows for e in r.errors]
    assert ("cột này không dùng cho loại công việc của dòng này; hãy để trống.",
            "this column is not used by the row's kind of work; leave it empty.") in said
    assert not any("unknown" in vi or "expected" in vi for vi, _ in said)
