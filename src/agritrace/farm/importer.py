"""Bulk import of members, plots and diary entries from CSV or XLSX, with a preview first.

Cooperatives keep spreadsheets today, headed in Vietnamese (or English), with dates as
dd/mm/yyyy and decimal commas: :mod:`agritrace.farm.import_columns` reads them. An import is
read, every row is checked with the same services a form uses, and a preview lists each row's
errors by row number (as the spreadsheet shows it: the header is row 1) and column, as the file
heads it, in Vietnamese and English. A column the import does not understand is never dropped
silently: the preview warns about it. Nothing is saved unless every row is valid, or the manager
chooses to apply the good rows; either way the rows applied go in one transaction (the diary
rows in one capture document), so an import is never half-applied.

Diary rows get an idempotency key from the file's content and the row number (or the ``key``
column), so importing the same file twice stores each entry once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from agritrace.errors import AgritraceError, Problem, ValidationException
from agritrace.farm import import_columns as cols
from agritrace.farm.compliance import Refused
from agritrace.farm.import_columns import ImportKind
from agritrace.farm.places import Place, add_place, check_place, list_places, place_uri
from agritrace.farm.record import Prepared, prepare_entry, store_prepared, stored_event_id
from agritrace.farm.registry import Actor, Member, Notice, add_member, check_member, list_members
from agritrace.web.i18n import Translator, expect, refusal
from agritrace.web.texts_farm import TEXTS

__all__ = ["ImportKind", "apply_import", "preview_import", "read_table"]

# Fields the services name that a spreadsheet heads otherwise (plot_id is the "Thửa" column).
_PATH_FIELDS = {"plot_id": "plot", "season_id": "on", "sown_on": "on", "farmer_id": "farmer",
                "technical_manager_id": "technical_manager", "recorded_by": "plot"}
# A service's problem said in Vietnamese on the preview, beside its English.
_VI = Translator("vi")


@dataclass(frozen=True)
class Header:
    """One column of the file: its header as written and the field it is read as (or None)."""

    text: str
    field: str | None
    repeated: bool = False


@dataclass(frozen=True)
class CellError:
    """A row's problem in the user's words: the column as the file heads it (as the template
    does when the file has no such column, in each language), what is wrong in vi and en."""

    row: int
    column: str
    vi: str
    en: str
    problem: Problem
    column_en: str = ""

    def text(self, lang: str) -> str:
        if lang == "en":
            where = f"Row {self.row}, column “{self.column_en or self.column}”" if \
                self.column else f"Row {self.row}"
            return f"{where}: {self.en}"
        where = f"Dòng {self.row}, cột “{self.column}”" if self.column else f"Dòng {self.row}"
        return f"{where}: {self.vi}"

    def message(self) -> str:
        return self.problem.message()


@dataclass
class RowResult:
    row: int
    values: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    prepared: Prepared | None = None
    key: str = ""
    already_imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "ok": self.ok, "already_imported": self.already_imported,
                "errors": [e.problem.as_dict() | {"message": e.problem.message(),
                                                  "column": e.column, "vi": e.vi, "en": e.en}
                           for e in self.errors],
                "warnings": [n.as_dict() for n in self.notices]}


@dataclass
class ImportPreview:
    kind: ImportKind
    headers: list[Header]
    rows: list[RowResult]

    @property
    def columns(self) -> list[str]:
        return [h.text for h in self.headers]

    @property
    def unknown(self) -> list[str]:
        """Headers not read: not understood, or a second column for one field."""
        return [h.text for h in self.headers if h.field is None and h.text]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def good(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def errors(self) -> list[Problem]:
        return [e.problem for r in self.rows for e in r.errors]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "columns": self.columns,
                "unknown_columns": self.unknown, "ok": self.ok,
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


# --- reading the file ------------------------------------------------------------------------


def _cell(value: object) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    return value


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The headers as written and the non-empty rows (with their spreadsheet row numbers)."""
    spreadsheet = filename.lower().endswith((".xlsx", ".xlsm"))
    raw = _xlsx_rows(data) if spreadsheet else _csv_rows(data)
    if not raw:
        raise refusal(ValidationException, "refuse_empty_file", [Problem(
            "row 1", "a header row naming the columns", "nothing", document=filename,
            key="expect_header_row")], file=filename)
    headers = [" ".join(str(h if h is not None else "").split()) for h in raw[0]]
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        values = [_cell(c) for c in cells]
        if any(v not in (None, "") for v in values):
            rows.append((number, values))
    return _name_unheaded(headers, rows), rows


def _name_unheaded(headers: list[str], rows: Sequence[tuple[int, list[Any]]]) -> list[str]:
    """A column with values but no header is named by its letter ("(C)"), so the preview can
    warn that it is not read rather than drop it unseen."""
    from openpyxl.utils import get_column_letter

    width = max([len(headers), *(len(cells) for _, cells in rows)])
    named = headers + [""] * (width - len(headers))
    for index, text in enumerate(named):
        if not text and any(index < len(c) and c[index] not in (None, "") for _, c in rows):
            named[index] = f"({get_column_letter(index + 1)})"
    return named


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refusal(ValidationException, "refuse_not_utf8", [expect(
            "file", "expect_utf8", None, shown=f"byte {exc.start}")]) from exc
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
        raise refusal(ValidationException, "refuse_not_xlsx", [expect(
            "file", "expect_xlsx", None, shown=type(exc).__name__)]) from exc
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def understand(kind: ImportKind, texts: Sequence[str]) -> list[Header]:
    """Each header read as its field; an unknown or repeated one is kept, as not read."""
    known, seen, headers = cols.lookup(kind), set(), []
    for text in texts:
        column = known.get(cols.fold(text))
        if column is not None and column.field in seen:
            headers.append(Header(text, None, repeated=True))
            continue
        if column is not None:
            seen.add(column.field)
        headers.append(Header(text, column.field if column else None))
    return headers


# --- cells -----------------------------------------------------------------------------------


class _Row:
    """One row being read: its values by field and the errors met, each in the user's words."""

    def __init__(self, kind: ImportKind, number: int, headers: Sequence[Header]) -> None:
        self.kind, self.number = kind, number
        self.heads = {h.field: h.text for h in headers if h.field}
        self.errors: list[CellError] = []

    def header(self, name: str, lang: str = "vi") -> str:
        """The column as the file heads it, else as the template does."""
        if name in self.heads:
            return self.heads[name]
        return cols.column(self.kind, name).header(lang) if name in _fields(self.kind) else ""

    def fail(self, name: str, vi: str, en: str, expected: str, found: object) -> None:
        column = self.header(name)
        where = f"row {self.number}, column {column}" if column else f"row {self.number}"
        self.errors.append(CellError(self.number, column, vi, en, Problem(
            where, expected, _shown(found), line=self.number), self.header(name, "en")))

    def engine_problem(self, problem: Problem) -> None:
        """A service's problem, located on the column it is about and said plainly."""
        name, said = _field_of(self.kind, problem.path)
        empty = problem.found in ("nothing", "''", "None", "")
        plain = TEXTS.get(f"farm_err_{said}")
        if empty:
            vi, en = "ô này còn trống, cần điền.", "the cell is empty and is needed."
        elif problem.found == "an unknown field":  # e.g. an amount on a spraying row
            vi = "cột này không dùng cho loại công việc của dòng này; hãy để trống."
            en = "this column is not used by the row's kind of work; leave it empty."
        elif plain is not None and problem.found == "none":
            vi, en = plain["vi"], f"{plain['en']} Expected {problem.expected}."
        elif plain is not None:
            vi = f"{plain['vi']} Đã nhập: {_VI.found(problem)}."
            en = f"{plain['en']} Found {problem.found}; expected {problem.expected}."
        else:  # the expectation in each language where the catalogue has it
            vi = f"giá trị {_VI.found(problem)} chưa đúng (cần: {_VI.expected(problem)})."
            en = f"{problem.found} is not valid: expected {problem.expected}."
        self.fail(name or "", vi, en, problem.expected, problem.found)


def _fields(kind: ImportKind) -> set[str]:
    return {c.field for c in cols.COLUMNS[kind]}


def _field_of(kind: ImportKind, path: str) -> tuple[str | None, str]:
    """The column a service's field path is about, and the field it names (whose plain
    message texts_farm may hold: season_id is about the date, "farm_err_season")."""
    for part in re.split(r"[.\[\]]", path):
        name = _PATH_FIELDS.get(part, part)
        if name in _fields(kind):
            return name, part.removesuffix("_id")
    return None, ""


def _shown(value: object) -> str:
    return value if isinstance(value, str) else repr(value)


def _read_cells(row: _Row, headers: Sequence[Header], cells: Sequence[Any]) -> dict[str, Any]:
    """The row's values by field, each cell read as its column accepts; errors on ``row``."""
    values: dict[str, Any] = {}
    for head, cell in zip(headers, cells, strict=False):
        if head.field is None or cell in (None, ""):
            continue
        accepts = cols.column(row.kind, head.field).accepts
        value = _read_cell(row, head.field, accepts, cell)
        if value is not None:
            values[head.field] = value
    return values


def _read_cell(row: _Row, name: str, accepts: str, cell: Any) -> Any:
    if accepts == "date":
        day = cols.read_date(cell)
        if day is None:
            row.fail(name, f"không đọc được ngày “{cell}”: hãy viết dd/mm/yyyy (ví dụ "
                     "01/11/2026).", f"“{cell}” is not a date: write dd/mm/yyyy (e.g. "
                     "01/11/2026) or yyyy-mm-dd.", "a date as dd/mm/yyyy or yyyy-mm-dd", cell)
        return day
    if accepts in ("number", "integer"):
        number = cols.read_number(cell)
        if number is None:
            row.fail(name, f"không đọc được số “{cell}”: viết 1,5 hoặc 1500 (không dùng dấu "
                     "ngăn cách hàng nghìn).", f"“{cell}” is not read as a number: write 1.5 "
                     "or 1500 (no thousands separator).", "a number", cell)
            return None
        return int(number) if accepts == "integer" and number.is_integer() else number
    text = _text(cell, accepts)
    if accepts == "role":
        role = cols.read_role(text)
        if role is None:
            row.fail(name, f"vai trò “{text}” không có: hãy ghi {cols.ACCEPTS['role'][0]}.",
                     f"there is no role “{text}”: write {cols.ACCEPTS['role'][1]}.",
                     "farmer, technical_manager or manager", text)
        return role
    if accepts == "crop":
        return cols.read_crop(text)
    if accepts == "choice":
        return cols.read_choice(name, text)
    return text


def _text(cell: Any, accepts: str) -> str:
    """A cell as text; a spreadsheet's numbers as written (2611, not 2611.0), and a phone
    number whose leading 0 Excel dropped (912345678) given it back."""
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int) and accepts == "phone" and len(str(cell)) == 9:
        return f"0{cell}"
    return str(cell)


# --- checking rows ---------------------------------------------------------------------------


def preview_import(engine: Engine, actor: Actor, kind: str, data: bytes,
                   filename: str) -> ImportPreview:
    """Check every row; nothing is written."""
    actor.require_manager("import spreadsheets")
    try:
        which = ImportKind(kind)
    except ValueError:
        raise ValidationException("Unknown kind of import", [Problem(
            "kind", "one of " + ", ".join(k.value for k in ImportKind), repr(kind))]) from None
    texts, rows = read_table(data, filename)
    headers = understand(which, texts)
    digest = hashlib.sha256(data).hexdigest()[:16]
    people = list_members(engine, actor.org) if which is ImportKind.PLOTS else []
    plots = list_places(engine, actor.org) if which is ImportKind.DIARY else []
    check: Callable[[RowResult, _Row], None] = {
        ImportKind.MEMBERS: lambda r, row: _check_member_row(r),
        ImportKind.PLOTS: lambda r, row: _check_plot_row(engine, actor, r, row, people),
        ImportKind.DIARY: lambda r, row: _check_diary_row(engine, actor, r, row, plots,
                                                          digest),
    }[which]
    results = []
    for number, cells in rows:
        row = _Row(which, number, headers)
        result = RowResult(number, _read_cells(row, headers, cells))
        if not row.errors:
            try:
                check(result, row)
            except Refused as exc:  # the rule says why in plain words, in both languages
                for finding in exc.findings:
                    name = _field_of(which, finding.path)[0] or "kind"
                    row.fail(name, finding.vi, finding.en, finding.expected, finding.found)
            except AgritraceError as exc:
                for problem in exc.problems or [Problem("row", "a valid row", exc.detail)]:
                    row.engine_problem(problem)
        result.errors = [_in_file(e, filename) for e in row.errors]
        results.append(result)
    return ImportPreview(which, headers, results)


def _in_file(error: CellError, filename: str) -> CellError:
    p = error.problem
    return CellError(error.row, error.column, error.vi, error.en,
                     Problem(p.path, p.expected, p.found, document=filename, line=p.line),
                     error.column_en)


def _check_member_row(result: RowResult) -> None:
    check_member(result.values)


def _match(wanted: str, names: Mapping[str, Any]) -> Any:
    """The one thing a cell names, exactly or without case and diacritics; else None."""
    if wanted in names:
        return names[wanted]
    folded = [v for k, v in names.items() if cols.fold(k) == cols.fold(wanted)]
    return folded[0] if len({id(v) for v in folded}) == 1 else None


def _resolve_member(actor: Actor, result: RowResult, row: _Row, name: str,
                    people: Sequence[Member]) -> None:
    value = result.values.pop(name, None)
    if value in (None, ""):
        return
    by_name = {m.name: m for m in people} | {m.phone: m for m in people if m.phone}
    member = _match(str(value), by_name)
    if member is None:
        row.fail(name, f"không có thành viên “{value}” trong {actor.org.name} (ghi họ tên "
                 "hoặc số điện thoại).", f"there is no member “{value}” in "
                 f"{actor.org.name} (write a name or phone number).",
                 f"a member of {actor.org.name} (name or phone)", str(value))
        return
    result.values[f"{name}_id"] = member.id


def _check_plot_row(engine: Engine, actor: Actor, result: RowResult, row: _Row,
                    people: Sequence[Member]) -> None:
    values = result.values
    _resolve_member(actor, result, row, "farmer", people)
    _resolve_member(actor, result, row, "technical_manager", people)
    if "geometry" not in values and "lat" in values and "lon" in values:
        values["geometry"] = {"type": "Point", "coordinates": [values.pop("lon"),
                                                               values.pop("lat")]}
    if row.errors:
        return
    with engine.connect() as conn:
        _, notices = check_place(conn, actor.org, values)
        place_uri(conn, actor, values)  # a GLN another organization holds: this row's error
    result.notices.extend(notices)


def _check_diary_row(engine: Engine, actor: Actor, result: RowResult, row: _Row,
                     plots: Sequence[Place], digest: str) -> None:
    values = dict(result.values)
    kind = cols.read_kind(str(values.pop("kind", "")))
    if kind is None:
        found = str(result.values.get("kind", ""))
        row.fail("kind", f"không rõ công việc “{found}”: hãy ghi một trong: "
                 f"{cols.ACCEPTS['kind'][0].partition(': ')[2]}.",
                 f"unknown work “{found}”: write one of "
                 f"{cols.ACCEPTS['kind'][1].partition(': ')[2]}.",
                 "a kind of diary entry", found)
        return
    result.key = str(values.pop("key", "") or f"import:{digest}:{result.row}")
    plot = str(values.pop("plot", ""))
    place = _match(plot, {p.name: p for p in plots} | {p.uri: p for p in plots})
    if place is None:
        row.fail("plot", f"không có thửa “{plot}” trong hợp tác xã." if plot else
                 "ô này còn trống, cần tên thửa.", f"there is no plot “{plot}” in the "
                 "cooperative." if plot else "the cell is empty: the plot's name is needed.",
                 "the name of one of the cooperative's plots", plot)
        return
    values = kind[1] | values | {"plot_id": place.uri}
    if "season" in values:
        values["season_id"] = values.pop("season")
    if stored_event_id(engine, actor.org, result.key) is not None:
        result.already_imported = True
        return
    result.prepared = prepare_entry(engine, actor, kind[0], values)
    result.notices.extend(Notice(f.path, f.vi, f.en) for f in result.prepared.findings)


# --- saving ----------------------------------------------------------------------------------


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
