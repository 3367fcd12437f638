"""Trace, recall and regulator reports over HTTP: thin adapters over :mod:`agritrace.trace`.

Every route needs a bearer token; what the organization behind it may read is decided by
:mod:`agritrace.trace.access` (its own events and the events naming it as source or destination:
one step back, one step forward; the rest hidden and counted). Only a lot's owner or its
delegate may record its recall (:func:`agritrace.trace.recall.check_may_recall`).

- ``GET /trace/{id}?direction=back|forward|both&depth=&since=&until=&format=json|csv|dot``
- ``GET /recall?lot=…&lot=…&format=json|csv|html&lang=vi|en`` (or ``plot=…&since=&until=``)
- ``POST /recall`` ``{"lots": […], "reason": "…"}``: records the recall as events (its
  ``recallID`` in the answer)
- ``POST /recall/{recallID}/close``: the recall's goods are recovered or disposed of
  (:mod:`agritrace.trace.closing`; the recorder, the codes' owner or the area's regulator)
- ``GET /reports/fsma204?lot=…&since=&until=&format=csv|xlsx``
- ``GET /reports/one-step?lot=…&format=json|csv``
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from agritrace.epcis.times import parse_time
from agritrace.errors import Problem, QueryParameterException
from agritrace.store.orgs import Organization
from agritrace.trace import fsma204, recall_report
from agritrace.trace.closing import close_recall
from agritrace.trace.lineage import TraceRequest, check_direction, trace
from agritrace.trace.one_step import one_step
from agritrace.trace.recall import (
    Recall,
    check_may_recall,
    lots_of_plot,
    mark_recalled,
    recall,
)
from agritrace.web.api.deps import Caller, engine_of, require_org, require_recaller

router = APIRouter(tags=["Trace and recall"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRACE_FORMATS = ("json", "csv", "dot")


def _time(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise QueryParameterException(f"{name} is not a date-time", [Problem(
            name, "an ISO 8601 date-time with a time zone, e.g. 2026-03-01T00:00:00+07:00",
            repr(value))]) from exc


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise QueryParameterException(f"Unknown {name} {value!r}", [
            Problem(name, "one of " + ", ".join(allowed), repr(value))])
    return value


@router.get("/trace/{identifier:path}")
async def get_trace(
    identifier: str,
    engine: Annotated[Engine, Depends(engine_of)],
    org: Annotated[Organization, Depends(require_org)],
    direction: str = "both", depth: int | None = None, since: str | None = None,
    until: str | None = None, format: str = "json",
) -> Response:
    """The lineage graph of an identifier (EPC URN, GS1 Digital Link or other URI)."""
    _choice("format", format, TRACE_FORMATS)
    request = TraceRequest(identifier, check_direction(direction), depth,
                           _time("since", since), _time("until", until))
    graph = await run_in_threadpool(trace, engine, request, viewer=org.id)
    if format == "csv":
        return Response(graph.to_csv(), media_type="text/csv; charset=utf-8")
    if format == "dot":
        return Response(graph.to_dot(), media_type="text/vnd.graphviz; charset=utf-8")
    return JSONResponse(graph.to_json())


def _recall(engine: Engine, org: Organization, lots: list[str], plot: str | None,
            since: str | None, until: str | None) -> Recall:
    chosen = list(lots)
    if plot:
        chosen += lots_of_plot(engine, plot, _time("since", since), _time("until", until),
                               viewer=org.id)
    if not chosen:
        raise QueryParameterException("Nothing to recall", [Problem(
            "lot", "one or more lot=… parameters, or plot=… with since/until", "none")])
    return recall(engine, chosen, viewer=org.id)


@router.get("/recall")
async def get_recall(
    engine: Annotated[Engine, Depends(engine_of)],
    org: Annotated[Organization, Depends(require_org)],
    lot: Annotated[list[str] | None, Query()] = None, plot: str | None = None,
    since: str | None = None, until: str | None = None,
    format: str = "json", lang: str = "vi",
) -> Response:
    """The recall list of lots (or of a plot's harvests in a period), without recording it."""
    _choice("format", format, ("json", "csv", "html"))
    _choice("lang", lang, recall_report.LANGUAGES)
    result = await run_in_threadpool(_recall, engine, org, lot or [], plot, since, until)
    if format == "csv":
        return Response(recall_report.to_csv(result), media_type="text/csv; charset=utf-8")
    if format == "html":
        return Response(recall_report.to_html(result, lang),
                        media_type="text/html; charset=utf-8")
    return JSONResponse(result.as_dict())


@router.post("/recall", status_code=201)
async def post_recall(
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(require_recaller)],
    body: Annotated[dict[str, Any], Body()],
) -> JSONResponse:
    """Record a recall: every affected code gets an event with disposition ``recalled``
    (a province's officer may order one on a lot in its area, recorded as the province's and
    naming the officer who ordered it)."""
    org = caller.org
    lots = body.get("lots")
    reason = body.get("reason")
    if not isinstance(lots, list) or not lots or not all(isinstance(x, str) for x in lots):
        raise QueryParameterException("The recall needs its lots", [
            Problem("lots", "a non-empty list of lot identifiers", repr(lots))])
    if not isinstance(reason, str) or not reason.strip():
        raise QueryParameterException("The recall needs a reason", [
            Problem("reason", "a text saying why (e.g. pesticide residue above the MRL)",
                    repr(reason))])
    seen_as = await run_in_threadpool(check_may_recall, engine, org, lots)
    result = await run_in_threadpool(recall, engine, lots, viewer=seen_as)
    person = caller.actor.name if caller.actor.name != org.name else ""
    recall_id = f"urn:uuid:{uuid.uuid4()}"
    report = await run_in_threadpool(mark_recalled, engine, result, org, reason.strip(), person,
                                     recall_id)
    return JSONResponse(status_code=201 if report.status == "success" else 500, content={
        "recallID": recall_id, "recall": result.as_dict(), "capture": report.as_dict()})


@router.post("/recall/{recall_id}/close")
async def post_recall_close(
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(require_recaller)], recall_id: str,
) -> JSONResponse:
    """Close a recall: its goods are recovered or disposed of (they stay recalled). The
    organization that recorded it, the owner of its codes, or the area's regulator may; 404
    for anyone else, 409 when it is closed already."""
    record = await run_in_threadpool(close_recall, engine, caller.org, caller.actor.name,
                                     recall_id)
    return JSONResponse({"recallID": record.recall_id, "closedBy": record.closed_by,
                         "daysToClose": record.days_to_close})


@router.get("/reports/fsma204")
async def get_fsma204(
    engine: Annotated[Engine, Depends(engine_of)],
    org: Annotated[Organization, Depends(require_org)],
    lot: Annotated[list[str], Query()], since: str | None = None, until: str | None = None,
    format: str = "csv",
) -> Response:
    """The FDA FSMA 204 sortable spreadsheet for lots and a date range."""
    _choice("format", format, ("csv", "xlsx"))
    rows = await run_in_threadpool(fsma204.fsma_rows, engine, lot, since_us=_time("since", since),
                                   until_us=_time("until", until), viewer=org.id)
    if format == "csv":
        return Response(fsma204.to_csv(rows), media_type="text/csv; charset=utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fsma204.xlsx"
        fsma204.write_xlsx(rows, path)
        content = path.read_bytes()
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="fsma204.xlsx"'})


@router.get("/reports/one-step")
async def get_one_step(
    engine: Annotated[Engine, Depends(engine_of)],
    org: Annotated[Organization, Depends(require_org)],
    lot: str, format: str = "json",
) -> Response:
    """One step back, one step forward for a lot (Circulars 17/2021 and 02/2024)."""
    _choice("format", format, ("json", "csv"))
    report = await run_in_threadpool(one_step, engine, lot, viewer=org.id)
    if format == "csv":
        return Response(report.to_csv(), media_type="text/csv; charset=utf-8")
    return JSONResponse(report.as_dict())
