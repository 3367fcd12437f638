"""The cooperative manager's report pages: a shipment's EUDR readiness list with its plots drawn,
and a season's rice methane per plot with totals; CSV, GeoJSON and PDF downloads.

Server-rendered, no script, no external request (plots are inline SVG). Nobody signed in: off to
``/login?next=…``. Errors become a friendly page in the visitor's language, never a trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from agritrace.errors import AgritraceError, ForbiddenException, Problem
from agritrace.farm.registry import Actor
from agritrace.reports import eudr, eudr_file, eudr_store, exports
from agritrace.reports.methane import SeasonEstimate, ipcc2019
from agritrace.reports.methane_store import Result, SeasonReport
from agritrace.web import i18n, report_files
from agritrace.web.api.deps import engine_of
from agritrace.web.api.reports import csv_upload, geojson_upload, methane_report, verdict
from agritrace.web.pages import resolver
from agritrace.web.pages.farm.common import farm_css
from agritrace.web.pages.plot_svg import plot_drawing
from agritrace.web.pages.session import page_actor, page_caller

router = APIRouter(include_in_schema=False)
_CSS = Path(__file__).resolve().parent.parent / "static" / "reports.css"


@lru_cache(maxsize=1)
def _css() -> Markup:
    return Markup(_CSS.read_text(encoding="utf-8"))


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    # The language switch keeps the report's question (codes, dates), only the language changes.
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    other = "en" if i18n.language(request) == "vi" else "vi"
    switch = "?" + urlencode([*kept, ("lang", other)])
    caller = page_caller(request)  # the office's header, with its sign-out, on every report
    response = resolver.render(request, template, status, reports_css=_css(), farm_css=farm_css(),
                               lang_href=switch, actor=caller.actor if caller else None,
                               offline=False, **context)
    # The pages name farmers and their plots: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _signed_in(request: Request) -> Actor | Response:
    try:
        actor = page_actor(request)
    except AgritraceError as exc:  # a read-only sign-in posting a form
        return _failure(request, exc)
    if actor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return actor


async def _page(request: Request, build: Callable[[Actor], Response]) -> Response:
    """Run a page for a signed-in manager; any refusal becomes a friendly page."""
    actor = _signed_in(request)
    if isinstance(actor, Response):
        return actor
    try:
        actor.require_manager("see the cooperative's reports")
        return await run_in_threadpool(build, actor)
    except AgritraceError as exc:
        return _failure(request, exc)


def _failure(request: Request, exc: AgritraceError) -> Response:
    back = "/reports/eudr" if request.url.path.startswith("/reports/eudr") else (
        "/reports/methane")
    return _render(request, "reports/error.html", exc.status, error=exc,
                   forbidden=exc.status == 403, back=back)


def _ids(request: Request) -> list[str]:
    """The shipment's codes: repeated ``id=`` or one ``ids`` box with a code per line."""
    given = request.query_params.getlist("id")
    given += re.split(r"[\s,]+", request.query_params.get("ids", ""))
    return [i for i in given if i.strip()]


def _count(text: str | None) -> int | None:
    """The count an import redirected with (a number, or nothing: the page says only facts)."""
    return int(text) if text and text.isdigit() else None


def _query(ids: list[str]) -> str:
    return "&".join(f"id={quote(i, safe='')}" for i in ids)


# --- EUDR -----------------------------------------------------------------------------------


@router.get("/reports/eudr")
async def eudr_page(request: Request) -> Response:
    ids = _ids(request)

    def build(actor: Actor) -> Response:
        if not ids:
            return _render(request, "reports/eudr.html", report=None, ids=[], query="")
        t = i18n.Translator(i18n.language(request))
        report = exports.readiness_report(engine_of(request), actor.org, ids, t.lang)
        plots = [{"row": row, "data": row.as_dict(), "risk": report_files.risk_label(t, row.risk),
                  "drawing": plot_drawing(row.shipped.record.plot_id,
                                          row.shipped.record.geometry, row.shipped.place.name)}
                 for row in report.rows]
        return _render(request, "reports/eudr.html", report=report, plots=plots, ids=ids,
                       query=_query(ids), verdict=verdict(t, report),
                       imported=_count(request.query_params.get("imported")),
                       commodities=eudr.COMMODITIES.values(),
                       risk=report.risk.message_vi if t.lang == "vi" else report.risk.message_en)
    return await _page(request, build)


@router.get("/reports/eudr/readiness.csv")
async def eudr_csv(request: Request) -> Response:
    def build(actor: Actor) -> Response:
        lang = i18n.language(request)
        report = exports.readiness_report(engine_of(request), actor.org, _ids(request), lang)
        return report_files.readiness_csv(list(report.rows))
    return await _page(request, build)


@router.get("/reports/eudr/readiness.pdf")
async def eudr_pdf(request: Request) -> Response:
    def build(actor: Actor) -> Response:
        t = i18n.Translator(i18n.language(request))
        report = exports.readiness_report(engine_of(request), actor.org, _ids(request), t.lang)
        return report_files.readiness_pdf(t, list(report.rows), verdict(t, report), report.risk,
                                          report.shipment.identifiers)
    return await _page(request, build)


@router.get("/reports/eudr/plots.geojson")
async def eudr_geojson(request: Request) -> Response:
    """The EU file; ``?whisp=1``: the ready plots with their URIs, to send to Whisp."""
    whisp = request.query_params.get("whisp") == "1"

    def build(actor: Actor) -> Response:
        shipment = eudr_store.find_shipment(engine_of(request), actor.org, _ids(request))
        collection = eudr_store.shipment_geojson(shipment, strict=not whisp, with_ids=whisp)
        return report_files.geojson(collection, "whisp.geojson" if whisp else "eudr.geojson")
    return await _page(request, build)


def _same_origin(request: Request) -> None:
    """Refuse a post another site's page made (the session cookie is SameSite=Lax as well)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        raise ForbiddenException("The form was sent from another site", [
            Problem("origin", request.url.netloc, origin)])


def _posting_manager(request: Request, what: str) -> Actor | Response:
    """The signed-in manager posting a form from this site, or the page to answer instead."""
    actor = _signed_in(request)
    if isinstance(actor, Response):
        return actor
    try:
        actor.require_manager(what)
        _same_origin(request)
    except AgritraceError as exc:
        return _failure(request, exc)
    return actor


@router.post("/reports/eudr/risk")
async def eudr_risk(request: Request) -> Response:
    """Import a Whisp CSV from the readiness page, then show the list again with the risks."""
    actor = _posting_manager(request, "import risk results")
    if isinstance(actor, Response):
        return actor
    try:
        text, name = await csv_upload(request)
        form = await request.form()
        result = await run_in_threadpool(
            eudr_store.import_risks, engine_of(request), actor.org, text, document=name,
            commodity=str(form.get("commodity") or "coffee"), imported_by=actor.name)
    except AgritraceError as exc:
        return _failure(request, exc)
    ids = [i for i in re.split(r"[\s,]+", str(form.get("ids", ""))) if i]
    return RedirectResponse(f"/reports/eudr?{_query(ids)}&imported={len(result.stored)}",
                            status_code=303)


#: A page lists this many findings; the command and the API give them all.
CHECK_PAGE_FINDINGS = 500


@router.post("/reports/eudr/check")
async def eudr_check(request: Request) -> Response:
    """Check a supplier's GeoJSON file from the EUDR page and show what was found; the second
    button answers the mechanically fixed file as a download instead."""
    actor = _posting_manager(request, "check a supplier's file")
    if isinstance(actor, Response):
        return actor
    try:
        data, name = await geojson_upload(request)
        fix = (await request.form()).get("action") == "fix"
        corrected, changes = await run_in_threadpool(eudr_file.fix_file, data, name)
        if fix and corrected is not None:
            return report_files.geojson(corrected, f"fixed-{Path(name).stem}.geojson")
        check = await run_in_threadpool(eudr_file.check_file, data, name)
    except AgritraceError as exc:
        return _failure(request, exc)
    vi = i18n.language(request) == "vi"
    shown = check.findings[:CHECK_PAGE_FINDINGS]
    return _render(request, "reports/eudr_check.html", check=check, ready=len(check.ready),
                   ready_list=eudr_file.index_ranges(check.ready),
                   not_ready_list=eudr_file.index_ranges(check.not_ready),
                   whole=[f for f in shown if f.feature is None],
                   per_plot=[f for f in shown if f.feature is not None],
                   more=len(check.findings) - len(shown),
                   changes=[f"{c.label}: {c.what_vi if vi else c.what_en}" for c in changes],
                   message=(lambda f: f.message_vi) if vi else (lambda f: f.message_en))


# --- rice methane ---------------------------------------------------------------------------


def _season_report(request: Request, actor: Actor) -> SeasonReport:
    params = request.query_params
    return methane_report(engine_of(request), actor.org, params.get("from"), params.get("to"),
                          None, "AR6")


def _methane_row(t: i18n.Translator, report: SeasonReport, result: Result) -> dict[str, Any]:
    row: dict[str, Any] = {"result": result, "name": report.names.get(result.plot, result.plot),
                           "estimated": isinstance(result, SeasonEstimate)}
    if isinstance(result, SeasonEstimate):
        row |= {"regime": report_files.regime_label(t, result.water_regime),
                "pre": t(f"reports_pre_{result.pre_season}")}
    else:
        row["message"] = result.message_vi if t.lang == "vi" else result.message_en
    return row


@router.get("/reports/methane")
async def methane_page(request: Request) -> Response:
    def build(actor: Actor) -> Response:
        t = i18n.Translator(i18n.language(request))
        report = _season_report(request, actor)
        tables = ipcc2019()
        rows = [_methane_row(t, report, r) for r in report.results]
        return _render(request, "reports/methane.html", rows=rows,
                       totals=report.totals("cooperative"), provinces=report.totals("province"),
                       since=request.query_params.get("from", ""),
                       until=request.query_params.get("to", ""),
                       query=request.url.query,
                       gwp=t("reports_gwp", gwp=t.number(tables.gwp["AR6"], 1),
                             source=tables.gwp_source), source=tables.source)
    return await _page(request, build)


@router.get("/reports/methane/seasons.csv")
async def methane_csv(request: Request) -> Response:
    def build(actor: Actor) -> Response:
        return report_files.methane_csv(_season_report(request, actor), i18n.language(request))
    return await _page(request, build)


@router.get("/reports/methane/seasons.pdf")
async def methane_pdf(request: Request) -> Response:
    def build(actor: Actor) -> Response:
        t = i18n.Translator(i18n.language(request))
        return report_files.methane_pdf(t, _season_report(request, actor), "AR6")
    return await _page(request, build)
