"""The province desk: ``/province`` (the officers' dashboard, Vietnamese first), its JSON twin
``/province/indicators``, the targets form (the public open data: :mod:`.open_data`).

Who may: a regulator's officer (:class:`agritrace.trust.TokenRole`, ``OFFICER``) reads and sets
targets; a regulator's read-only token reads; any other organization is told the desk is for
officers (403); nobody signed in goes to ``/login`` (the page) or gets a 401 (the API).
Server-rendered, no script, no external request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine

from agritrace.epcis.times import now_micros
from agritrace.errors import (
    AgritraceError,
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    QueryParameterException,
    StoreBusyException,
    ValidationException,
)
from agritrace.farm.diary import vietnam_today
from agritrace.province import charts, downloads, feedback, kept, report
from agritrace.province import indicators as ind
from agritrace.province.areas import PROVINCES, Area, area_of
from agritrace.scans import inbox
from agritrace.trust import Reach, Scope, reach_of
from agritrace.vietnam_time import vietnam_datetime
from agritrace.web import i18n, report_files
from agritrace.web.api.deps import SAFE_METHODS, Caller, api_caller, engine_of, settings_of
from agritrace.web.pages import resolver
from agritrace.web.pages.farm.common import farm_css
from agritrace.web.pages.feedback import photo_response
from agritrace.web.pages.reports import _css as reports_css
from agritrace.web.pages.reports import _same_origin
from agritrace.web.pages.session import page_caller, page_reader
from agritrace.web.report_files import attachment

router = APIRouter(include_in_schema=False)
#: Codes at risk listed on the page (largest first); the download has every one.
AT_RISK_ROWS = 50
MAX_DAYS = 3660


# --- who asks -------------------------------------------------------------------------------


def _reader(request: Request) -> Engine:
    """Where the desk reads: a GET from a replica that has the officer's organization's own
    last write (a target, a ticket action, a recall: session.page_reader), a form from the
    primary it writes to (its checks see what it changes)."""
    return page_reader(request) if request.method in SAFE_METHODS else engine_of(request)


def _area(request: Request, caller: Caller) -> Area:
    """The area the caller's organization oversees; 403 for an organization that is none."""
    with _reader(request).connect() as conn:
        area = area_of(conn, caller.org.id)
    if area is None:
        raise _oversees_nothing(caller)
    return area


def _oversees_nothing(caller: Caller) -> ForbiddenException:
    return ForbiddenException(f"{caller.org.name} oversees no area", [Problem(
        "token", "the token of a province's or commune's officers", caller.org.name)])


def _page_caller(request: Request, write: bool) -> Caller | Response:
    caller = page_caller(request)
    if caller is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    caller.require(Scope.PROVINCE, write)
    return caller


# --- the period -----------------------------------------------------------------------------


def _day(name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise QueryParameterException(f"{name} is not a date", [Problem(
            name, "a date as YYYY-MM-DD, e.g. 2026-11-01", repr(text[:40]))]) from exc


def period_of(request: Request) -> ind.Period:
    """``from``/``to`` (days, both included); by default the last 30 days up to today."""
    end = _day("to", request.query_params.get("to")) or vietnam_today()
    start = _day("from", request.query_params.get("from")) or kept.default_period(end).start
    if start > end or (end - start).days >= MAX_DAYS:
        raise QueryParameterException("The period is not valid", [Problem(
            "from", f"a day on or before 'to' ({end}), at most {MAX_DAYS} days before it",
            str(start))])
    return ind.Period(start, end)


#: Seconds the "being computed" page waits before it reloads itself.
RELOAD_S = 10


def _computing() -> StoreBusyException:
    busy = i18n.refusal(StoreBusyException, "refuse_open_data_computing", seconds=RELOAD_S)
    busy.retry_after_s = RELOAD_S
    return busy


def _desk(request: Request, regulator: int) -> ind.Desk:
    desk = ind.desk_of(engine_of(request), regulator)
    assert desk is not None  # the caller's area was read just before
    return desk


def _figures(request: Request, caller: Caller, period: ind.Period) -> dict[str, Any]:
    area = _area(request, caller)
    # kept figures (province.kept): one row read, not every plot judged per request; from the
    # primary, as a miss keeps what it computes
    figures = kept.figures(engine_of(request), caller.org.id, period,
                           settings_of(request).ticket_deadline_days)
    if figures is None:  # never kept: computing in the background, not while the officer waits
        raise _computing()
    figures["area"] = {"province": area.province, "commune": area.commune,
                       "name": PROVINCES[area.province].name}
    goals = ind.targets_of(_reader(request), area.province)
    figures["targets"] = [{"indicator": k, "crop": c, "commune": m, "value": v}
                          for (k, c, m), v in sorted(goals.items())]
    figures["commune_targets"] = ind.commune_progress(figures["current"]["hectares"], goals)
    return figures


# --- the dashboard --------------------------------------------------------------------------


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    other = "en" if i18n.language(request) == "vi" else "vi"
    response = resolver.render(request, template, status, reports_css=reports_css(),
                               farm_css=farm_css(), lang_href="?" + urlencode(
                                   [*kept, ("lang", other)]), actor=None, offline=False,
                               **context)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _translator(request: Request) -> i18n.Translator:
    return i18n.Translator(i18n.language(request))


def _failure(request: Request, exc: AgritraceError) -> Response:
    if exc.key == "refuse_open_data_computing":  # a page that reloads itself until they are
        response = _render(request, "province/computing.html", 202, seconds=RELOAD_S)
        response.headers["Retry-After"] = str(RELOAD_S)
        return response
    return _render(request, "province/error.html", exc.status, error=exc,
                   forbidden=exc.status == 403)


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def _compare(figures: dict[str, Any]) -> dict[str, Any]:
    """What the page shows beside each figure: the previous period's, the change, the target."""
    now, before = figures["current"], figures["previous"]
    targets = {(t["indicator"], t["crop"]): t["value"] for t in figures["targets"]
               if not t["commune"]}
    crops = []
    for crop, values in sorted(now["by_crop"].items(), key=lambda kv: (kv[0] == "", kv[0])):
        old = before["by_crop"].get(crop, {})
        crops.append({"crop": crop, "rows": [
            {"name": name, "now": values[name], "before": old.get(name, 0.0),
             "change": values[name] - old.get(name, 0.0), "target": targets.get((name, crop))}
            for name in ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha",
                         "eudr_ready_ha")]})
    sections = {}
    for section in ("stamps", "tickets", "recalls", "methane"):
        sections[section] = [{"name": name, "now": value, "before": before[section][name],
                              "change": _change(value, before[section][name])
                              if isinstance(value, int | float) else None}
                             for name, value in now[section].items() if name != "deadline_days"]
    share = now["tickets"]["on_time_share"]
    goal = targets.get(("answered_on_time_share", ""))
    return {"crops": crops, "sections": sections, "on_time_target": goal,
            "on_time_percent": None if share is None else 100 * share}


Read = tuple[Caller, ind.Period, dict[str, Any]]


async def _read(request: Request, check: Callable[[], None] = lambda: None) -> Read | Response:
    """The signed-in caller, the asked period and its figures (after ``check``); else the
    response to send: the sign-in redirect, or the error page."""
    try:
        caller = _page_caller(request, False)
        if isinstance(caller, Response):
            return caller
        check()
        period = period_of(request)
        figures = await run_in_threadpool(_figures, request, caller, period)
    except AgritraceError as exc:
        return _failure(request, exc)
    return caller, period, figures


@router.get("/province")
async def province_page(request: Request) -> Response:
    read = await _read(request)
    if isinstance(read, Response):
        return read
    caller, period, figures = read
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    drawn = [(chart, charts.svg(chart))
             for chart in charts.charts(_translator(request), figures)]
    # a big province has hundreds of codes at risk: the page shows the largest, the download
    # has them all (a long table costs every officer's page its render time)
    at_risk = sorted(figures["current"]["codes_at_risk"], key=lambda c: -c["area_ha"])
    return _render(request, "province/desk.html", figures=figures, compare=_compare(figures),
                   charts=drawn, computed=vietnam_datetime(figures["computed_us"]),
                   at_risk=at_risk[:AT_RISK_ROWS], at_risk_total=len(at_risk),
                   fresh_for=kept.STALE_AFTER_S // 60,
                   recomputing=figures.get("recomputing", False),
                   age_minutes=(now_micros() - figures["computed_us"]) // 60_000_000,
                   period=period, previous=period.previous(), query=query, caller=caller,
                   target_names=ind.TARGETS, deadline=settings_of(request).ticket_deadline_days,
                   tables=downloads.TABLES,
                   saved=request.query_params.get("saved") == "1")


@router.post("/province/refresh")
async def province_refresh(request: Request) -> Response:
    """Compute the figures of the period again now (the page's "recompute" button): the kept
    ones may be up to kept.STALE_AFTER_S old. In the background, so a big province's officer is
    back on the page (saying they are being computed) within kept.FIRST_WAIT_S. Reading-only
    tokens may: nothing is changed."""
    try:
        posted = _posting(request, write=False)
        if isinstance(posted, Response):
            return posted
        caller, _ = posted
        period = period_of(request)
        await run_in_threadpool(kept.recompute, engine_of(request), caller.org.id, period,
                                settings_of(request).ticket_deadline_days)
    except AgritraceError as exc:
        return _failure(request, exc)
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    return RedirectResponse(f"/province?{query}", status_code=303)


@router.get("/province/report.pdf")
async def province_report(request: Request) -> Response:
    """The dashboard as a printable PDF (charts and every table), in the reader's language."""
    read = await _read(request)
    if isinstance(read, Response):
        return read
    _, period, figures = read
    content = await run_in_threadpool(report.dashboard_pdf, _translator(request), figures,
                                      period)
    return attachment(content, report_files.PDF,
                      f"{figures['area']['province']}-{period.start}-{period.end}.pdf")


@router.get("/province/indicators")
async def province_indicators(request: Request) -> JSONResponse:
    """Every figure of the dashboard, for the caller's area and period, as JSON."""
    caller = api_caller(request, Scope.PROVINCE, False)
    period = period_of(request)
    return JSONResponse(await run_in_threadpool(_figures, request, caller, period),
                        headers={"Cache-Control": "private, no-cache"})


@router.get("/province/tables/{name}.{fmt}")
async def province_table(request: Request, name: str, fmt: str) -> Response:
    """One table of the dashboard (same caller, area and period) as CSV or XLSX."""
    def known() -> None:
        if fmt not in downloads.FORMATS or name not in downloads.TABLES:
            raise NoSuchResourceException(f"No download {name}.{fmt}", [Problem(
                "path", f"/province/tables/{{{' | '.join(downloads.TABLES)}}}.{{csv | xlsx}}",
                f"{name[:40]}.{fmt[:10]}")])

    read = await _read(request, known)
    if isinstance(read, Response):
        return read
    _, period, figures = read
    columns, rows = downloads.table(figures, name)
    content: str | bytes = (downloads.as_csv(columns, rows) if fmt == "csv" else
                            downloads.as_xlsx(columns, rows, name))
    return attachment(content, downloads.FORMATS[fmt],
                      f"{figures['area']['province']}-{name}-{period.start}-{period.end}.{fmt}")


def _target(form: dict[str, str]) -> tuple[str, str, float]:
    indicator, crop = form.get("indicator", ""), form.get("crop", "").strip()
    if len(form.get("commune", "").strip()) > 100:
        raise ValidationException("The commune is too long", [Problem(
            "commune", "a commune's name of at most 100 characters (empty: the province)",
            form["commune"].strip()[:60])])
    if indicator not in ind.TARGETS:
        raise ValidationException("Unknown indicator", [Problem(
            "indicator", "one of " + ", ".join(ind.TARGETS), repr(indicator[:60]))])
    if len(crop) > 40:
        raise ValidationException("The crop is too long", [Problem(
            "crop", "a crop key of at most 40 characters (empty: every crop)", crop[:60])])
    try:
        value = float(form.get("value", "").replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e9:
        raise ValidationException("The target is not a number", [Problem(
            "value", "a number of 0 or more, e.g. 9959 (hectares) or 93 (percent)",
            repr(form.get("value", "")[:40]))])
    return indicator, crop, value


def _posting(request: Request, write: bool = True) -> tuple[Caller, Area] | Response:
    """An officer posting a desk form from this site: who and its area (or the sign-in
    redirect to answer instead). ``write`` False for a form that changes nothing (recompute),
    which a regulator's read-only token may post."""
    caller = _page_caller(request, write)
    if isinstance(caller, Response):
        return caller
    _same_origin(request)
    return caller, _area(request, caller)


async def _fields(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


@router.post("/province/targets")
async def province_targets(request: Request) -> Response:
    """An officer sets a target (form post from the dashboard); back to the dashboard."""
    try:
        posted = _posting(request)
        if isinstance(posted, Response):
            return posted
        caller, area = posted
        form = await _fields(request)
        indicator, crop, value = _target(form)
        # a commune's officers set their commune's targets only
        commune = area.commune or form.get("commune", "").strip()
        await run_in_threadpool(ind.set_target, engine_of(request), area.province, indicator,
                                crop, value, caller.actor.name, commune)
    except AgritraceError as exc:
        return _failure(request, exc)
    return RedirectResponse("/province?saved=1", status_code=303)


# --- the feedback desk ----------------------------------------------------------------------


def _reach(request: Request, caller: Caller) -> Reach:
    with _reader(request).connect() as conn:
        reach = reach_of(conn, caller.org.id)
    if reach is None:
        raise _oversees_nothing(caller)
    return reach


def _officer(request: Request, caller: Caller) -> feedback.Officer:
    return feedback.Officer(caller.org.id, _reach(request, caller),
                            settings_of(request).ticket_deadline_days, caller.actor.name)


def _tickets_page(request: Request, caller: Caller, status: int = 200, **context: Any
                  ) -> Response:
    chosen = request.query_params.get("status", "")
    overdue = request.query_params.get("overdue") == "1"
    outcome = request.query_params.get("outcome", "")
    # a dashboard figure's link names its period: only the reports received in it
    asked = "from" in request.query_params or "to" in request.query_params
    period = period_of(request) if asked else None
    received = None if period is None else (period.since_us, period.until_us)
    days = settings_of(request).ticket_deadline_days
    found = feedback.area_tickets(_reader(request), caller.org.id, _reach(request, caller), days)
    counts = feedback.count(found)
    area = _area(request, caller)
    above = feedback.escalated_to(_reader(request), area.province)
    with _reader(request).connect() as conn:
        deadlines = feedback.deadlines_of(conn, days).of(area.province)
        photos = inbox.with_photos(conn, [d.ticket.id for d in found])
    return _render(request, "province/tickets.html", status, caller=caller, deadline=days,
                   deadlines=deadlines, may_set=not area.commune, photos=photos,
                   shown=feedback.select_tickets(found, chosen, overdue, outcome, received),
                   chosen=chosen, outcome=outcome, period=period,
                   overdue=overdue, statuses=feedback.STATES, months=feedback.by_month(found),
                   escalated_to=above or caller.org.name,
                   counts=counts, share=feedback.on_time_share(counts), total=len(found),
                   done=request.query_params.get("done", ""), **context)


@router.get("/province/tickets")
async def province_tickets(request: Request) -> Response:
    """The area's reports (filter by ``status`` and ``overdue=1``), with the share answered on
    time per month and each report's audit trail; the deadline of each category."""
    try:
        caller = _page_caller(request, False)
        if isinstance(caller, Response):
            return caller
        return await run_in_threadpool(_tickets_page, request, caller)
    except AgritraceError as exc:
        return _failure(request, exc)


async def _act(request: Request, ticket_id: int, action: str) -> Response:
    try:
        posted = _posting(request)
        if isinstance(posted, Response):
            return posted
        caller, _ = posted
        officer = _officer(request, caller)
        if action == "answer":
            text = (await _fields(request)).get("answer", "")
            await run_in_threadpool(feedback.answer, engine_of(request), officer, ticket_id,
                                    text)
        else:
            step = {"acknowledge": feedback.acknowledge, "assign": feedback.assign,
                    "close": feedback.close}[action]
            await run_in_threadpool(step, engine_of(request), officer, ticket_id)
    except AgritraceError as exc:
        return _failure(request, exc)
    return RedirectResponse(f"/province/tickets?done={action}#ticket-{ticket_id}",
                            status_code=303)


@router.post("/province/tickets/{ticket_id}/acknowledge")
async def acknowledge_ticket(request: Request, ticket_id: int) -> Response:
    """An officer says a new report was seen (kept with who and when)."""
    return await _act(request, ticket_id, "acknowledge")


@router.post("/province/tickets/{ticket_id}/assign")
async def assign_ticket(request: Request, ticket_id: int) -> Response:
    """An officer forwards a new report to its code's owner, who answers from its inbox."""
    return await _act(request, ticket_id, "assign")


@router.post("/province/tickets/{ticket_id}/answer")
async def answer_ticket(request: Request, ticket_id: int) -> Response:
    """The province's department answers a report that names no code (no owner to)."""
    return await _act(request, ticket_id, "answer")


@router.post("/province/tickets/{ticket_id}/close")
async def close_ticket(request: Request, ticket_id: int) -> Response:
    """An officer closes a report the owner answered."""
    return await _act(request, ticket_id, "close")


@router.get("/province/tickets/{ticket_id}/photo")
async def ticket_photo(request: Request, ticket_id: int) -> Response:
    """A report's photo, for the officers whose desk shows the report (never public)."""
    try:
        caller = _page_caller(request, False)
        if isinstance(caller, Response):
            return caller
        found = await run_in_threadpool(feedback.photo, _reader(request),
                                        _officer(request, caller), ticket_id)
    except AgritraceError as exc:
        return _failure(request, exc)
    return photo_response(found)


@router.post("/province/deadlines")
async def province_deadlines(request: Request) -> Response:
    """The province's department sets the answer deadline of each category, in days."""
    try:
        posted = _posting(request)
        if isinstance(posted, Response):
            return posted
        caller, area = posted
        days = feedback.check_deadlines(await _fields(request))
        await run_in_threadpool(feedback.set_deadlines, engine_of(request), area, days,
                                caller.actor.name)
    except AgritraceError as exc:
        return _failure(request, exc)
    return RedirectResponse("/province/tickets?done=deadlines#deadlines", status_code=303)
