"""The manager's bulk import pages over HTTP: upload, preview, apply; on both engines."""

from __future__ import annotations

import base64
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine

from agritrace.farm.places import list_places
from agritrace.farm.registry import list_members
from tests.farm.coop import SMALL
from tests.farm.test_importer import MEMBERS_BAD as MEMBERS_CSV
from tests.web.farm_site import DIARY_CSV, Site, event_count, make_site


def _upload(site: Site, kind: str, data: bytes, filename: str) -> str:
    answer = site.client.post("/coop/import", data={"kind": kind},
                              files={"file": (filename, data)})
    assert answer.status_code == 200, answer.text
    return answer.text


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match is not None, name
    return match.group(1)


def _apply(site: Site, preview: str, mode: str) -> tuple[int, str]:
    answer = site.client.post("/coop/import/apply", data={
        "kind": _hidden(preview, "kind"), "filename": _hidden(preview, "filename"),
        "data": _hidden(preview, "data"), "mode": mode})
    return answer.status_code, answer.text


def test_a_preview_marks_each_bad_cell_and_saves_nothing(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    html = _upload(site, "members", MEMBERS_CSV, "thanh-vien.csv")
    assert "4 dòng: 2 dòng hợp lệ, 2 dòng có lỗi. Chưa có gì được lưu." in html
    row3 = html.split('data-row="3"')[1].split("</tr>")[0]
    row4 = html.split('data-row="4"')[1].split("</tr>")[0]
    assert row3.count("cell-error") == 1
    assert "Dòng 3, cột “họ tên”: ô này còn trống, cần điền." in row3
    assert row4.count("cell-error") == 1 and "chairman" in row4
    assert 'id="apply-all"' not in html and "Chỉ lưu 2 dòng hợp lệ" in html
    assert len(list_members(engine, site.coop.org)) == 3


def test_apply_all_refuses_a_file_with_errors_and_good_rows_saves_the_good(
        engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    preview = _upload(site, "members", MEMBERS_CSV, "thanh-vien.csv")
    status, _ = _apply(site, preview, "all")
    assert status == 400 and len(list_members(engine, site.coop.org)) == 3
    status, html = _apply(site, preview, "good")
    assert status == 201 and "Đã lưu 2 dòng; bỏ qua 2 dòng." in html
    names = [m.name for m in list_members(engine, site.coop.org)]
    assert names[-2:] == ["Quàng Văn D", "Tòng Văn G"]


def test_a_diary_file_is_applied_whole_and_once(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    preview = _upload(site, "diary", DIARY_CSV, "nhat-ky.csv")
    assert 'id="apply-all"' in preview and event_count(engine) == 0
    assert _apply(site, preview, "all")[0] == 201 and event_count(engine) == 3
    again = _upload(site, "diary", DIARY_CSV, "nhat-ky.csv")
    assert again.count("đã nhập trước đó") == 3
    assert _apply(site, again, "all")[0] == 201 and event_count(engine) == 3


def test_plots_from_xlsx(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Tên", "Hộ", "Cây trồng", "geometry"])
    sheet.append(["Nương D", "Lò Văn A", "coffee",
                  '{"type": "Polygon", "coordinates": [' + str(SMALL) + "]}"])
    out = io.BytesIO()
    book.save(out)
    preview = _upload(site, "plots", out.getvalue(), "thua.xlsx")
    assert "1 dòng: 1 dòng hợp lệ" in preview
    assert base64.b64decode(_hidden(preview, "data")) == out.getvalue()
    assert len(list_places(engine, site.coop.org)) == 2
    assert _apply(site, preview, "all")[0] == 201
    assert [p.name for p in list_places(engine, site.coop.org)][-1] == "Nương D"


def test_files_that_are_not_tables_are_refused_on_the_page(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    latin1 = site.client.post("/coop/import", data={"kind": "members"},
                              files={"file": ("x.csv", "Tên\nLê Văn Ă\n".encode("cp1258"))})
    assert latin1.status_code == 400 and "UTF-8" in latin1.text
    broken = site.client.post("/coop/import", data={"kind": "plots"},
                              files={"file": ("x.xlsx", b"not a workbook")})
    assert broken.status_code == 400 and "tệp Excel (.xlsx)" in broken.text
    none = site.client.post("/coop/import", data={"kind": "plots"},
                            files={"file": ("", b"")})
    assert none.status_code == 400 and "Hãy chọn một tệp" in none.text


def test_only_managers_import(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    answer = site.client.post("/coop/import", data={"kind": "members"},
                              files={"file": ("m.csv", MEMBERS_CSV)})
    assert answer.status_code == 403 and "cán bộ quản lý" in answer.text
    assert len(list_members(engine, site.coop.org)) == 3


def test_each_template_round_trips_as_one_valid_example_row(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    form = site.client.get("/coop/import").text
    for kind in ("members", "plots", "diary"):
        for extension in ("csv", "xlsx"):
            link = f"/coop/import/template.{extension}?kind={kind}"
            assert f'href="{link}"' in form
            answer = site.client.get(link)
            assert answer.status_code == 200, answer.text
            assert "attachment" in answer.headers["content-disposition"]
            html = _upload(site, kind, answer.content, f"mau.{extension}")
            assert "1 dòng: 1 dòng hợp lệ, 0 dòng có lỗi" in html, (kind, extension, html)
            assert 'id="import-unknown"' not in html and 'id="apply-all"' in html


def test_the_xlsx_template_is_headed_in_vietnamese_with_a_guide_sheet(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    answer = site.client.get("/coop/import/template.xlsx", params={"kind": "plots"})
    book = load_workbook(io.BytesIO(answer.content))
    data, guide = book.worksheets
    header = [c.value for c in data[1]]
    assert header[:3] == ["Tên thửa", "Hộ canh tác", "Cán bộ kỹ thuật"]
    assert "Diện tích (ha)" in header and [c.value for c in data[2]][1] == "Lò Văn A"
    rows = {r[0]: r for r in guide.iter_rows(min_row=2, values_only=True)}
    assert rows["Diện tích (ha)"][1:4] == (
        "Area (ha)", "Số; dấu phẩy hoặc dấu chấm thập phân (1,5 hoặc 1.5)",
        "A number; decimal comma or point (1,5 or 1.5)")
    assert site.client.get("/coop/import/template.pdf").status_code == 404
    assert site.client.get("/coop/import/template.csv?kind=x").status_code == 400


def test_an_unknown_column_is_a_warning_and_errors_follow_the_page_language(
        engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    data = "Họ tên,Vai trò,Quê quán\nQuàng Văn D,Nông dân,Tuần Giáo\n,Nông dân,\n".encode()
    html = _upload(site, "members", data, "tv.csv")
    warning = html.split('id="import-unknown"')[1].split("</p>")[0]
    assert "Không đọc cột “Quê quán”" in warning and "Các cột đã đọc: “Họ tên”, “Vai trò”" \
        in warning
    assert "Dòng 3, cột “Họ tên”: ô này còn trống, cần điền." in html
    answer = site.client.post("/coop/import?lang=en", data={"kind": "members"},
                              files={"file": ("tv.csv", data)})
    assert "Column “Quê quán” is not read" in answer.text
    assert "Row 3, column “Họ tên”: the cell is empty and is needed." in answer.text
    assert "Dòng 3" not in answer.text
