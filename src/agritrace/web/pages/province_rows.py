"""The rows behind the province desk's figures: ``/province/rows/{name}`` (read-only, an
officer's or a regulator's read-only token), as a page or, with ``?format=csv``, a CSV of every
row; and the desk's form that closes a recall of the area (``POST /province/recalls/{id}/
close``, an officer's, recorded as the person whose token it is).

The lists and their filters: :mod:`agritrace.province.rows`. Server-rendered, no script.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from agritrace.errors import AgritraceError
from agritrace.province import downloads
from agritrace.province import rows as lists
from agritrace.trace.closing import close_recall
from agritrace.trust import Scope, may_use
from agritrace.web.api.deps import engine_of
from agritrace.web.pages.province import (
    _area,
    _desk,
    _failure,
    _page_caller,
    _render,
    period_of,
)
from agritrace.web.pages.reports import _same_origin
from agritrace.web.report_files import attachment

router = APIRouter(include_in_schema=False)

#: Rows a page shows; the CSV has them all.
PAGE_ROWS = 500


@router.get("/province/rows/{name}")
async def province_rows(request: Request, name: str) -> Response:
    """One list behind a figure, filtered as the figure's link says, for the asked period."""
    try:
        caller = _page_caller(request, False)
        if isinstance(caller, Response):
            return caller
        area = _area(request, caller)
        period = period_of(request)
        given = {k: v for k, v in request.query_params.items()
                 if k in lists.FILTERS.get(name, ())}
        found = await run_in_threadpool(lists.rows_of, engine_of(request),
                                        _desk(request, caller.org.id), period, name, given)
    except AgritraceError as exc:
        return _failure(request, exc)
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat(),
                       **given})
    if request.query_params.get("format") == "csv":
        return attachment(downloads.as_csv(found.columns, found.rows), downloads.FORMATS["csv"],
                          f"{area.province}-{name}-{period.start}-{period.end}.csv")
    closable = name == "recalls" and may_use(caller.role, Scope.PROVINCE, True)
    return _render(request, "province/rows.html", caller=caller, found=found,
                   shown=found.rows[:PAGE_ROWS], period=period, given=given, query=query,
                   name=name, closable=closable, closed=request.query_params.get("closed"),
                   back=urlencode(
                       {"from": period.start.isoformat(), "to": period.end.isoformat()}))


@router.post("/province/recalls/{recall_id}/close")
async def province_close_recall(request: Request, recall_id: str) -> Response:
    """An officer closes a recall of the area (:func:`agritrace.trust.may_close_recall`):
    its goods are recovered or disposed of. Back to the recalls list."""
    try:
        caller = _page_caller(request, True)
        if isinstance(caller, Response):
            return caller
        _same_origin(request)
        _area(request, caller)
        await run_in_threadpool(close_recall, engine_of(request), caller.org,
                                caller.actor.name, recall_id)
    except AgritraceError as exc:
        return _failure(request, exc)
    back: dict[str, Any] = {k: v for k, v in request.query_params.items()
                            if k in ("from", "to", "status", "commune", "crop")}
    return RedirectResponse(f"/province/rows/recalls?{urlencode(back)}&closed="
                            f"{quote(recall_id, safe='')}", status_code=303)
