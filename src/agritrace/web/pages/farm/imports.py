"""Bulk import of members, plots or diary entries from CSV/XLSX: upload, preview, apply.

Nothing is stored before the manager confirms. The preview page carries the file itself back
(base64 in a hidden field), so no upload is kept on the server between the two steps; the
apply step checks every row again (:func:`agritrace.farm.importer.apply_import`), so a file
changed in between is judged as it is then.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from agritrace.errors import NoSuchResourceException, Problem, ValidationException
from agritrace.farm import import_columns, import_templates, importer
from agritrace.farm.registry import Actor
from agritrace.web import i18n
from agritrace.web.api.deps import engine_of
from agritrace.web.pages.farm.common import friendly, manager, render, same_origin, translator
from agritrace.web.pages.farm.forms import MAX_UPLOAD_MB, Upload, upload

router = APIRouter()
Uploaded = Annotated[Upload, Depends(upload)]
KINDS = tuple(k.value for k in importer.ImportKind)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request: Request, actor: Actor, status: int = 200, *, kind: str = "members",
          message: str = "", problems: list[Problem] | None = None) -> Response:
    return render(request, "farm/import.html", status, actor=actor, kinds=KINDS, kind=kind,
                  message=message, tone="ok" if status < 300 else "bad",
                  problems=problems or [], preview=None, max_mb=MAX_UPLOAD_MB)


def _file_problem(request: Request, actor: Actor, sent: Upload, kind: str) -> Response | None:
    t = translator(request)
    if not sent.filename or not sent.data:
        return _form(request, actor, 400, kind=kind, message=t("farm_import_no_file"))
    if sent.too_big:
        return _form(request, actor, 413, kind=kind,
                     message=t("farm_import_too_big", size=MAX_UPLOAD_MB))
    return None


def _shown(cell: object, t: i18n.Translator) -> str:
    if cell is None:
        return ""
    return t.date(cell) if isinstance(cell, date) else str(cell)


def _cells(preview: importer.ImportPreview, data: bytes, filename: str,
           t: i18n.Translator) -> list[dict[str, Any]]:
    """Each row as the file has it, with the errors of each of its cells."""
    _, raw = importer.read_table(data, filename)
    cells = {number: [_shown(c, t) for c in row] for number, row in raw}
    shown = set(preview.columns)
    rows = []
    for result in preview.rows:
        by_column: dict[str, list[importer.CellError]] = {}
        for error in result.errors:
            by_column.setdefault(error.column, []).append(error)
        rows.append({"result": result, "cells": cells.get(result.row, []),
                     "by_column": by_column,
                     "elsewhere": [e for c, es in by_column.items() if c not in shown
                                   for e in es]})
    return rows


def _unknown(request: Request, preview: importer.ImportPreview) -> str:
    """The warning naming the columns not read, and those that are, in the page's words."""
    if not preview.unknown:
        return ""
    t = translator(request)
    known = {h.field: h.text for h in preview.headers if h.field is not None}
    other = ", ".join(f"“{c.header(t.lang)}”" for c in import_columns.COLUMNS[preview.kind]
                      if c.field not in known)
    return t("farm_import_unknown", columns=", ".join(f"“{c}”" for c in preview.unknown),
             known=", ".join(f"“{c}”" for c in known.values()) or "-", other=other or "-")


def _preview_page(request: Request, actor: Actor, kind: str, data: bytes, filename: str,
                  status: int = 200) -> Response:
    preview = importer.preview_import(engine_of(request), actor, kind, data, filename)
    return render(request, "farm/import.html", status, actor=actor, kinds=KINDS, kind=kind,
                  message="", problems=[], preview=preview, filename=filename,
                  rows=_cells(preview, data, filename, translator(request)), max_mb=MAX_UPLOAD_MB,
                  unknown=_unknown(request, preview),
                  data=base64.b64encode(data).decode("ascii"))


@router.get("/coop/import/template.{extension}")
@friendly
def template(request: Request, extension: str, kind: str = "members") -> Response:
    """A template file of one kind, headed in Vietnamese with a filled example row."""
    actor = manager(request)
    try:
        which = import_columns.ImportKind(kind)
    except ValueError:
        raise ValidationException("Unknown kind of import", [Problem(
            "kind", "one of " + ", ".join(KINDS), repr(kind))]) from None
    name = import_templates.FILENAMES[which]
    engine = engine_of(request)
    if extension == "csv":
        body, media = import_templates.template_csv(engine, actor, which), "text/csv"
    elif extension == "xlsx":
        body, media = import_templates.template_xlsx(engine, actor, which), XLSX
    else:
        raise NoSuchResourceException(f"No template as .{extension}", [Problem(
            "extension", "csv or xlsx", repr(extension))])
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{extension}"'})


@router.get("/coop/import")
@friendly
def import_form(request: Request, kind: str = "members") -> Response:
    return _form(request, manager(request), kind=kind if kind in KINDS else "members")


@router.post("/coop/import")
@friendly
def preview(request: Request, sent: Uploaded) -> Response:
    same_origin(request)
    actor = manager(request)
    kind = sent.fields.get("kind", "")
    refused = _file_problem(request, actor, sent, kind)
    if refused is not None:
        return refused
    try:
        return _preview_page(request, actor, kind, sent.data, sent.filename)
    except ValidationException as exc:  # not a table at all: empty, not UTF-8, not XLSX
        return _form(request, actor, 400, kind=kind, problems=exc.problems,
                     message=translator(request).detail(exc, "farm_invalid_text"))


@router.post("/coop/import/apply")
@friendly
def apply(request: Request, sent: Uploaded) -> Response:
    same_origin(request)
    actor = manager(request)
    kind, filename = sent.fields.get("kind", ""), sent.fields.get("filename", "import.csv")
    try:
        data = base64.b64decode(sent.fields.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        return _form(request, actor, 400, kind=kind,
                     message=translator(request)("farm_import_no_file"))
    good_rows = sent.fields.get("mode") == "good"
    try:
        result = importer.apply_import(engine_of(request), actor, kind, data, filename,
                                       apply_good_rows=good_rows)
    except ValidationException:
        return _preview_page(request, actor, kind, data, filename, 400)
    t = translator(request)
    return _form(request, actor, 201, kind=kind,
                 message=t("farm_import_done", applied=result.applied, skipped=result.skipped))
