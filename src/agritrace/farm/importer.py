"""Bulk import of members, plots and diary entries from CSV or XLSX, with a preview first.

Cooperatives keep spreadsheets today. An import is read, every row is checked with the same
services a form uses, and a preview lists each row's errors by row number (as the spreadsheet
shows it: the header is row 1) and column. Nothing is saved unless every row is valid, or the
manager chooses to apply the good rows; either way the rows applied go in one transaction (the
diary rows in one capture document), so an import is never half-applied.

Diary rows get an idempotency key from the file's content and the row number (or the ``key``
column), so importing the same file twice stores each entry once.

>>> column_of("place.geometry.coordinates[0][2]", ["name", "geometry"])
'geometry'
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine

from agritrace.errors import AgritraceError, Problem, ValidationException
from agritrace.farm.places import add_place, check_place, list_places
from agritrace.farm.record import Prepared, prepare_entry, store_prepared, stored_event_id
from agritrace.farm.registry import Actor, Notice, add_member, check_member, find_member

# Vietnamese headers cooperatives use, mapped to the field names.
ALIASES = {
    "họ_tên": "name", "tên": "name", "vai_trò": "role", "số_điện_thoại": "phone",
    "sđt": "phone", "điện_thoại": "phone", "thửa": "plot", "ngày": "on", "loại": "kind",
    "cây_trồng": "crop", "giống": "variety", "xã": "commune", "huyện": "district",
    "tỉnh": "province", "diện_tích_ha": "area_ha", "mã_vùng_trồng": "area_code",
    "hộ": "farmer", "nông_dân": "farmer", "cán_bộ_kỹ_thuật": "technical_manager",
}


class ImportKind(StrEnum):
    MEMBERS = "members"
    PLOTS = "plots"
    DIARY = "diary"


@dataclass
class RowResult:
    row: int
    values: dict[str, Any]
    errors: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    prepared: Prepared | None = None
    key: str = ""
    already_imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "ok": self.ok, "already_imported": self.already_imported,
                "errors": [p.as_dict() | {"message": p.message()} for p in self.errors],
                "warnings": [n.as_dict() for n in self.notices]}


@dataclass
class ImportPreview:
    kind: ImportKind
    columns: list[str]
    rows: list[RowResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def good(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def errors(self) -> list[Problem]:
        return [p for r in self.rows for p in r.errors]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "columns": self.columns, "ok": self.ok,
                "rows": len(self.rows), "good_rows": len(self.good),
                "bad_rows": len(self.rows) - len(self.good),
                "results": [r.as_dict() for r in self.rows]}


@dataclass
class ImportResult:
    preview: ImportPreview
    applied: int
    skipped: int

    def as_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "skipped": self.skipped} | self.preview.as_dict()


def _header(name: object) -> str:
    text = str(name or "").strip().lower().replace(" ", "_")
    return ALIASES.get(text, text)


def _cell(value: object) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The header and the non-empty rows (with their spreadsheet row numbers) of a file."""
    spreadsheet = filename.lower().endswith((".xlsx", ".xlsm"))
    raw = _xlsx_rows(data) if spreadsheet else _csv_rows(data)
    if not raw:
        raise ValidationException(f"{filename} is empty", [Problem(
            "row 1", "a header row naming the columns", "nothing", document=filename)])
    header = [_header(h) for h in raw[0]]
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        values = {h: _cell(c) for h, c in zip(header, cells, strict=False)
                  if h and c not in (None, "")}
        if values:
            rows.append((number, values))
    return header, rows


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationException("The CSV file is not UTF-8 text", [Problem(
            "file", "CSV saved as UTF-8 (Excel: CSV UTF-8)", f"byte {exc.start}")]) from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or too little text to tell
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise ValidationException("The file is not a readable XLSX workbook", [Problem(
            "file", "an .xlsx workbook", type(exc).__name__)]) from exc
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def column_of(path: str, columns: Sequence[str]) -> str:
    """The spreadsheet column a problem's field path points at (else the path's field)."""
    parts = path.replace("[", ".").split(".")
    for part in parts:
        if part in columns:
            return part
    return parts[1] if len(parts) > 1 else parts[0]


def _locate(row: int, problems: Sequence[Problem], columns: Sequence[str],
            filename: str) -> list[Problem]:
    return [Problem(f"row {row}, column {column_of(p.path, columns)}", p.expected, p.found,
                    document=filename, line=row) for p in problems]


def preview_import(engine: Engine, actor: Actor, kind: str, data: bytes,
                   filename: str) -> ImportPreview:
    """Check every row; nothing is written."""
    actor.require_manager("import spreadsheets")
    try:
        which = ImportKind(kind)
    except ValueError:
        raise ValidationException("Unknown kind of import", [Problem(
            "kind", "one of " + ", ".join(k.value for k in ImportKind), repr(kind))]) from None
    columns, rows = read_table(data, filename)
    digest = hashlib.sha256(data).hexdigest()[:16]
    check: Callable[[RowResult], None] = {
        ImportKind.MEMBERS: lambda r: _check_member_row(r),
        ImportKind.PLOTS: lambda r: _check_plot_row(engine, actor, r),
        ImportKind.DIARY: lambda r: _check_diary_row(engine, actor, r, digest),
    }[which]
    results = []
    for number, values in rows:
        result = RowResult(number, values)
        try:
            check(result)
        except AgritraceError as exc:
            result.errors = exc.problems or [Problem("row", "a valid row", exc.detail)]
        result.errors = _locate(number, result.errors, columns, filename)
        results.append(result)
    return ImportPreview(which, columns, results)


def _check_member_row(result: RowResult) -> None:
    check_member(result.values)


def _resolve_member(engine: Engine, actor: Actor, result: RowResult, column: str) -> None:
    value = result.values.pop(column, None)
    if value in (None, ""):
        return
    member = find_member(engine, actor.org, str(value))
    if member is None:
        result.errors.append(Problem(f"place.{column}", f"a member of {actor.org.name} (name "
                                     "or phone)", repr(value)))
        return
    result.values[f"{column}_id"] = member.id


def _check_plot_row(engine: Engine, actor: Actor, result: RowResult) -> None:
    values = result.values
    _resolve_member(engine, actor, result, "farmer")
    _resolve_member(engine, actor, result, "technical_manager")
    if "geometry" not in values and "lat" in values and "lon" in values:
        values["geometry"] = {"type": "Point", "coordinates": [values.pop("lon"),
                                                               values.pop("lat")]}
    if result.errors:
        return
    with engine.connect() as conn:
        _, notices = check_place(conn, actor.org, values)
    result.notices.extend(notices)


def _check_diary_row(engine: Engine, actor: Actor, result: RowResult, digest: str) -> None:
    values = dict(result.values)
    kind = str(values.pop("kind", ""))
    result.key = str(values.pop("key", "") or f"import:{digest}:{result.row}")
    plot = str(values.pop("plot", values.pop("plot_id", "")))
    values["plot_id"] = _plot_uri(engine, actor, plot)
    if "season" in values:
        values["season_id"] = values.pop("season")
    if stored_event_id(engine, actor.org, result.key) is not None:
        result.already_imported = True
        return
    result.prepared = prepare_entry(engine, actor, kind, values)
    result.notices.extend(Notice(f.path, f.vi, f.en) for f in result.prepared.findings)


def _plot_uri(engine: Engine, actor: Actor, plot: str) -> str:
    """A plot named by its URI or, as spreadsheets do, by its name."""
    for place in list_places(engine, actor.org):
        if plot in (place.uri, place.name):
            return place.uri
    return plot


def apply_import(engine: Engine, actor: Actor, kind: str, data: bytes, filename: str, *,
                 apply_good_rows: bool = False) -> ImportResult:
    """Check, then save all rows, or only the good ones when the manager chose so."""
    preview = preview_import(engine, actor, kind, data, filename)
    if not preview.ok and not apply_good_rows:
        raise ValidationException(
            f"{filename}: {len(preview.rows) - len(preview.good)} of {len(preview.rows)} rows "
            "have errors; nothing was saved (fix them, or apply only the good rows)",
            preview.errors)
    good = [r for r in preview.good if not r.already_imported]
    if preview.kind is ImportKind.DIARY:
        items = [(r.prepared, r.key) for r in good if r.prepared is not None]
        if items:
            store_prepared(engine, actor.org, items, filename)
    else:
        with engine.begin() as conn:
            for result in good:
                _save(conn, actor, preview.kind, result.values)
    return ImportResult(preview, len(good), len(preview.rows) - len(good))


def _save(conn: Connection, actor: Actor, kind: ImportKind, values: Mapping[str, Any]) -> None:
    if kind is ImportKind.MEMBERS:
        add_member(conn, actor, name=str(values.get("name", "")),
                   role=str(values.get("role") or "farmer"), phone=str(values.get("phone", "")))
    else:
        add_place(conn, actor, values)
