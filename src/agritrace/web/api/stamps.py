"""Serialized stamps over HTTP: issue a print batch, fetch its PDF sheets and CSV, void stamps.

Every route needs the organization's bearer token. An organization issues stamps only for a
GTIN it speaks for (its own, or its principal's as a contract packer; where no grant covers the
GTIN, the one its product registry holds: :func:`agritrace.labels.stamps.check_gtin_owner`),
reads only its own batches, and voids or re-activates the stamps it issued or speaks for.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from agritrace.errors import NoSuchResourceException
from agritrace.labels import stamps
from agritrace.labels.sheets import layout_named
from agritrace.settings import Settings
from agritrace.store.orgs import Organization
from agritrace.web.api.deps import engine_of, require_org, require_writer, settings_of
from agritrace.web.i18n import expect, refusal

router = APIRouter(tags=["Stamps"])
#: One request issues at most this many; larger runs are several batches.
MAX_PER_REQUEST = 100_000
_CHUNK = 1 << 16


class IssueRequest(BaseModel):
    gtin: str = Field(description="The product's GTIN (8, 12, 13 or 14 digits)")
    lot: str | None = Field(default=None, description="Lot / batch number (AI 10)")
    count: int = Field(ge=1, le=MAX_PER_REQUEST, description="How many stamps to issue")


class CodesRequest(BaseModel):
    codes: list[str] = Field(min_length=1, max_length=10_000,
                             description="Stamp Digital Links, paths or element strings")


@router.post("/stamps", status_code=201)
def issue(body: IssueRequest, org: Annotated[Organization, Depends(require_writer)],
          engine: Annotated[Engine, Depends(engine_of)]) -> JSONResponse:
    """Issue a print batch of serialized stamps (recorded as commissioning events)."""
    stamps.check_gtin_owner(engine, org, body.gtin)
    batch = stamps.issue_stamps(engine, org, body.gtin, body.lot, body.count)
    return JSONResponse(_described(batch), status_code=201,
                        headers={"Location": f"/stamps/{batch.batch_id}.pdf"})


def _described(batch: stamps.StampBatch) -> dict[str, Any]:
    return {"batch": batch.batch_id, "gtin": str(batch.gtin),
            "lot": str(batch.lot) if batch.lot else None, "count": len(batch),
            "issued": batch.issued_at, "pdf": f"/stamps/{batch.batch_id}.pdf",
            "csv": f"/stamps/{batch.batch_id}.csv"}


@router.post("/stamps/void")
def void(body: CodesRequest, org: Annotated[Organization, Depends(require_writer)],
         engine: Annotated[Engine, Depends(engine_of)]) -> dict[str, int]:
    """Void stamps: a decommissioning event; their consumer page then warns."""
    return {"voided": stamps.void_stamps(engine, org, body.codes)}


@router.post("/stamps/activate")
def activate(body: CodesRequest, org: Annotated[Organization, Depends(require_writer)],
             engine: Annotated[Engine, Depends(engine_of)]) -> dict[str, int]:
    """Put voided stamps back in use."""
    return {"activated": stamps.activate_stamps(engine, org, body.codes)}


@router.get("/stamps/{name}")
def batch_file(
    name: str, org: Annotated[Organization, Depends(require_org)],
    engine: Annotated[Engine, Depends(engine_of)],
    settings: Annotated[Settings, Depends(settings_of)],
    layout: Annotated[str, Query(description="Label sheet: 2x7, 3x7, 4x10 or 5x13")] = "3x7",
) -> StreamingResponse:
    """A batch's label sheets (``{batch}.pdf``) or printing-house CSV (``{batch}.csv``)."""
    batch_id, dot, kind = name.rpartition(".")
    if not dot or kind not in ("pdf", "csv"):
        raise refusal(NoSuchResourceException, "refuse_no_batch_file",
                      [expect("name", "expect_batch_file", None, shown=repr(name[:80]))],
                      name=repr(name[:80]))
    layout_named(layout)
    batch = stamps.load_batch(engine, org, batch_id)
    # Written to a spooled file first: an error surfaces as a problem, not a cut-off download.
    spool = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024))  # noqa: SIM115
    if kind == "pdf":
        stamps.write_batch_pdf(batch, spool, settings.base_url, layout)
        media = "application/pdf"
    else:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        stamps.write_batch_csv(batch, text, settings.base_url)
        text.flush()
        text.detach()  # keep the spool open for the response
        media = "text/csv; charset=utf-8"
    spool.seek(0)
    filename = f"stamps-{batch.gtin}-{batch.batch_id[:8]}.{kind}"
    return StreamingResponse(_chunks(spool), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(_CHUNK):
            yield chunk
