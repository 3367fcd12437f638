"""Reading posted forms: plain fields, and a spreadsheet upload, with size limits.

These are async dependencies so the page handlers themselves can stay plain functions that
FastAPI runs in its thread pool (the services they call are synchronous).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

MAX_FIELDS = 100
MAX_UPLOAD_MB = 5


async def form_fields(request: Request) -> dict[str, str]:
    """The text fields of a posted form (a repeated name keeps its first value)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    out: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and name not in out:
            out[name] = value
    return out


#: A page handler's parameter for the posted text fields.
Form = Annotated[dict[str, str], Depends(form_fields)]


@dataclass(frozen=True)
class Upload:
    """A spreadsheet sent with the import form, with the form's other fields."""

    fields: dict[str, str]
    filename: str
    data: bytes
    too_big: bool = False


async def upload(request: Request) -> Upload:
    limit = MAX_UPLOAD_MB * 1024 * 1024
    # The apply step sends the previewed file back as a base64 field, a third larger.
    form = await request.form(max_files=1, max_fields=MAX_FIELDS,
                              max_part_size=limit * 4 // 3 + 1024)
    fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return Upload(fields, "", b"")
    data = await file.read(limit + 1)
    return Upload(fields, file.filename, data[:limit], too_big=len(data) > limit)
