"""Each table of the province desk as a file an officer takes away: CSV or XLSX.

The tables are read from the very figures the page shows (:func:`agritrace.province.indicators.
indicators`), so a download never disagrees with the screen. Columns are named by stable keys
(the JSON's), in the page's order; a cell a spreadsheet would run as a formula (a text starting
with ``=``, ``+``, ``-``, ``@``) is written with a leading apostrophe (OWASP's CSV injection
advice: organizations and communes are typed by people).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from agritrace.errors import NoSuchResourceException, Problem

#: The tables a desk offers, in the page's order.
TABLES = ("hectares", "codes_at_risk", "flags", "by_ingredient", "ocop", "commune_targets",
          "stamps", "tickets", "recalls", "recalls_by_place", "methane")
_SECTIONS = ("stamps", "tickets", "recalls", "methane")
_HECTARES = ("commune", "crop", "plots", "registered_ha", "coded_ha", "ready_ha",
             "not_ready_ha", "eudr_ready_ha")
_COLUMNS = {"by_ingredient": ["commune", "ingredient", "rule", "severity", "entries", "plots"],
            "recalls_by_place": ["commune", "crop", "recalls", "by_regulator", "codes",
                                 "closed", "open_at_end", "median_days_to_close",
                                 "max_days_to_close"]}
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

Table = tuple[list[str], list[list[Any]]]


def table(figures: dict[str, Any], name: str) -> Table:
    """The columns and rows of the desk's table ``name`` (one of :data:`TABLES`)."""
    now, before = figures["current"], figures["previous"]
    if name == "hectares":
        return [*_HECTARES, "not_ready_reasons", "former_districts"], [
            [row[k] for k in _HECTARES] + ["; ".join(
                f"{r['check']} ({r['plots']})" for r in row["not_ready_reasons"]),
                "; ".join(row["former_districts"])]
            for row in now["hectares"]]
    if name == "codes_at_risk":
        columns = ["code", "commune", "crop", "owner", "plots", "area_ha"]
        return [*columns, "reasons"], [
            [row[k] for k in columns] + ["; ".join(
                f"{r['reason']} ({r['plots']})" for r in row["reasons"])]
            for row in now["codes_at_risk"]]
    if name == "flags":
        columns = ["rule", "severity", "product", "entries", "plots"]
        return columns, [[row[k] for k in columns] for row in now.get("flags", [])]
    if name == "ocop":
        columns = ["commune", "products", "ocop", "ocop_share", "ocop_stamped", "ocop_traced",
                   "ocop_traced_share"]
        return columns, [[row.get(k) for k in columns] for row in now["ocop"]]
    if name in ("by_ingredient", "recalls_by_place"):  # figures kept before them lack them
        found = now.get(name, [])
        columns = list(found[0]) if found else _COLUMNS[name]
        return columns, [[row[k] for k in columns] for row in found]
    if name == "commune_targets":
        columns = ["commune", "indicator", "crop", "now", "target", "share"]
        return columns, [[row[k] for k in columns] for row in figures["commune_targets"]]
    if name in _SECTIONS:
        return ["indicator", f"{now['from']}..{now['to']}", f"{before['from']}..{before['to']}"], [
            [key, value, before[name].get(key)] for key, value in now[name].items()]
    raise NoSuchResourceException(f"No table {name!r} on the desk", [Problem(
        "table", " | ".join(TABLES), repr(name[:40]))])


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def as_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else _safe(v) for v in row] for row in rows])
    return out.getvalue()


def as_xlsx(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str) -> bytes:
    """One sheet, a bold frozen header row and an autofilter; numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
