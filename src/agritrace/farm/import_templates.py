"""Template files for the import: CSV and XLSX headed in Vietnamese, with one filled example.

The example row is made from the cooperative's own registry (its first farmer, a plot with a
season open today, today's date), so a template uploaded unchanged previews as valid; the
XLSX's second sheet explains each column in Vietnamese and English.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import Engine

from agritrace.farm import import_columns as cols
from agritrace.farm.diary import vietnam_today
from agritrace.farm.import_columns import Column, ImportKind
from agritrace.farm.places import list_places
from agritrace.farm.registry import Actor, Role, list_members
from agritrace.farm.seasons import current_season

# The columns a template shows (the guide sheet lists every column the import reads).
SHOWN: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.MEMBERS: ("name", "role", "phone"),
    ImportKind.PLOTS: ("name", "farmer", "technical_manager", "crop", "variety", "area_ha",
                       "lat", "lon", "commune", "district", "province", "area_code"),
    ImportKind.DIARY: ("kind", "plot", "on", "product", "amount", "unit", "dose", "dose_unit",
                       "active_ingredients", "target_pest", "action", "activity", "pest",
                       "quantity", "lot", "note"),
}
FILENAMES = {ImportKind.MEMBERS: "mau-thanh-vien", ImportKind.PLOTS: "mau-thua-dat",
             ImportKind.DIARY: "mau-nhat-ky"}


def _examples(engine: Engine, actor: Actor, kind: ImportKind) -> dict[str, str]:
    """The example row's cells, from the cooperative's own members and plots where needed."""
    examples = {c.field: c.example for c in cols.COLUMNS[kind]}
    today = vietnam_today()
    if kind is ImportKind.PLOTS:
        people = list_members(engine, actor.org)
        farmers = [m.name for m in people if m.role is Role.FARMER] or ["Nguyễn Văn An"]
        technical = [m.name for m in people if m.role is Role.TECHNICAL_MANAGER] or [""]
        examples |= {"farmer": farmers[0], "technical_manager": technical[0]}
    if kind is ImportKind.DIARY:
        plots = list_places(engine, actor.org, kind="plot")
        open_today = [p.name for p in plots
                      if current_season(engine, actor.org, p.uri, today) is not None]
        examples |= {"plot": (open_today or [p.name for p in plots] or ["Nương A"])[0],
                     "on": today.strftime("%d/%m/%Y")}
    return examples


def _typed(column: Column, text: str) -> Any:
    """A cell as a spreadsheet holds it: numbers as numbers, dates as dates."""
    if not text:
        return None
    if column.accepts in ("number", "integer"):
        return cols.read_number(text)
    if column.accepts == "date":
        day = cols.read_date(text)
        return date.fromisoformat(day) if day else text
    return text


def template_csv(engine: Engine, actor: Actor, kind: ImportKind) -> bytes:
    shown = [cols.column(kind, name) for name in SHOWN[kind]]
    examples = _examples(engine, actor, kind)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.vi for c in shown])
    writer.writerow([examples.get(c.field, "") for c in shown])
    return out.getvalue().encode("utf-8-sig")  # the BOM tells Excel the file is UTF-8


def template_xlsx(engine: Engine, actor: Actor, kind: ImportKind) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    shown = [cols.column(kind, name) for name in SHOWN[kind]]
    examples = _examples(engine, actor, kind)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Dữ liệu"
    sheet.append([c.vi for c in shown])
    sheet.append([_typed(c, examples.get(c.field, "")) for c in shown])
    for index, column in enumerate(shown, start=1):
        sheet.cell(1, index).font = Font(bold=True)
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(
            14, len(column.vi) + 4)
        if column.accepts == "date":
            sheet.cell(2, index).number_format = "DD/MM/YYYY"
    guide = book.create_sheet("Hướng dẫn - Guide")
    guide.append(["Cột", "Column", "Nhận", "Accepts", "Ví dụ / Example",
                  "Tên cột khác cũng đọc được / Other headers read"])
    for column in cols.COLUMNS[kind]:
        vi, en = cols.ACCEPTS[column.accepts]
        guide.append([column.vi, column.en, vi, en, examples.get(column.field, ""),
                      ", ".join(column.aliases)])
    for index, width in enumerate((24, 24, 50, 50, 20, 40), start=1):
        guide.column_dimensions[guide.cell(1, index).column_letter].width = width
        guide.cell(1, index).font = Font(bold=True)
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
