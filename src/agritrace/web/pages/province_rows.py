"""The rows behind the province desk's figures: ``/province/rows/{name}`` (read-only, an
officer's or a regulator's read-only token), as a page or, with ``?format=csv``, a CSV of every
row, streamed; and the desk's form that closes a recall of the area (``POST /province/recalls/{id}/
close``, an officer's, recorded as the person whose token it is).

The lists and their filters: :mod:`agritrace.province.rows`. Server-rendered, no script.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from agritrace.errors import AgritraceError, Problem, QueryParameterException
from agritrace.province import downloads, kept
from agritrace.province import indicators as ind
from agritrace.province import rows as lists
from agritrace.trace.closing import close_recall
from agritrace.trust import Scope, may_use
from agritrace.vietnam_time import vietnam_datetime
from agritrace.web.api.deps import engine_of, settings_of
from agritrace.web.pages.province import (
    _area,
    _computing,
    _failure,
    _page_caller,
    _posting,
    _render,
    period_of,
)

router = APIRouter(include_in_schema=False)

#: Rows a page shows; the CSV has them all.
PAGE_ROWS = 500


def _page_number(request: Request) -> int:
    text = request.query_params.get("page") or "1"
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise QueryParameterException("page is not a page number", [Problem(
            "page", "a page number from 1", repr(text[:40]))])
    return int(text)


def _source(request: Request, regulator: int, period: ind.Period) -> lists.Source:
    """The kept figures the list belongs to; when never kept, they are computed in the
    background and the page says so (as the desk does)."""
    days = settings_of(request).ticket_deadline_days
    figures = kept.figures(engine_of(request), regulator, period, days)
    if figures is None:
        raise _computing()
    return lists.Source(regulator, period, days, figures["computed_us"])


@router.get("/province/rows/{name}")
async def province_rows(request: Request, name: str) -> Response:
    """One list behind a figure, filtered as the figure's link says, for the asked period: a
    page of :data:`PAGE_ROWS` rows (``?page=``) with the count and total of every row, or with
    ``?format=csv`` every row, streamed."""
    try:
        caller = _page_caller(request, False)
        if isinstance(caller, Response):
            return caller
        area = _area(request, caller)
        period = period_of(request)
        number = _page_number(request)
        given = {k: v for k, v in request.query_params.items()
                 if k in lists.FILTERS.get(name, ())}
        source = await run_in_threadpool(_source, request, caller.org.id, period)
        if request.query_params.get("format") == "csv":
            body = lists.csv_of(engine_of(request), source, name, given)
            return StreamingResponse(body, media_type=downloads.FORMATS["csv"], headers={
                "Content-Disposition": f'attachment; filename="{area.province}-{name}-'
                                       f'{period.start}-{period.end}.csv"',
                "Cache-Control": "private, no-cache"})
        found = await run_in_threadpool(lists.page_of, engine_of(request), source, name, given,
                                        (number - 1) * PAGE_ROWS, PAGE_ROWS)
    except AgritraceError as exc:
        return _failure(request, exc)
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat(),
                       **given})
    closable = name == "recalls" and may_use(caller.role, Scope.PROVINCE, True)
    return _render(request, "province/rows.html", caller=caller, found=found, period=period,
                   given=given, query=query, name=name, closable=closable,
                   closed=request.query_params.get("closed"), number=number,
                   pages=max(1, -(-found.count // PAGE_ROWS)),
                   as_of=vietnam_datetime(source.as_of_us),
                   back=urlencode(
                       {"from": period.start.isoformat(), "to": period.end.isoformat()}))


@router.post("/province/recalls/{recall_id}/close")
async def province_close_recall(request: Request, recall_id: str) -> Response:
    """An officer closes a recall of the area (:func:`agritrace.trust.may_close_recall`):
    its goods are recovered or disposed of. Back to the recalls list."""
    try:
        posted = _posting(request)
        if isinstance(posted, Response):
            return posted
        caller, _ = posted
        period = period_of(request)
        await run_in_threadpool(close_recall, engine_of(request), caller.org,
                                caller.actor.name, recall_id)
        # the list shows the close: its figures computed again (a small area's at once)
        await run_in_threadpool(kept.recompute, engine_of(request), caller.org.id, period,
                                settings_of(request).ticket_deadline_days)
    except AgritraceError as exc:
        return _failure(request, exc)
    back: dict[str, Any] = {k: v for k, v in request.query_params.items()
                            if k in ("from", "to", "status", "commune", "crop")}
    return RedirectResponse(f"/province/rows/recalls?{urlencode(back)}&closed="
                            f"{quote(recall_id, safe='')}", status_code=303)
