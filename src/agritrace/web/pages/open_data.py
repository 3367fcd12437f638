"""The provinces' open data (issue 13): public, CC BY 4.0, aggregates only.

- ``/open-data``: the DCAT-AP catalogue, JSON-LD for a machine and an HTML page for a browser
  (by the Accept header), each dataset with its JSON, CSV and Parquet distributions.
- ``/province/open-data.json|csv|parquet?province=…``: one province's growing areas per commune
  and crop as of a day (``to``, by default the latest day kept). The JSON is paged (``page``,
  ``limit``; default :data:`~agritrace.province.open_data.PAGE_ROWS`), the CSV when asked to be;
  the order is stable (commune, then crop) and each page's ``Link`` header names the next and
  previous pages pinned to the same day, with the total in ``X-Total-Count``. Parquet is the
  whole file.

Everything is read from the kept snapshots (:mod:`agritrace.province.open_data`), on a replica
when there are some (``session.page_reader``; a snapshot never kept is computed on the
primary); a wrong parameter is answered RFC 9457 problem+json in the reader's language
(``?lang=``, default Vietnamese).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from agritrace.errors import (
    AgritraceError,
    NoSuchResourceException,
    QueryParameterException,
    StoreBusyException,
)
from agritrace.farm.diary import vietnam_today
from agritrace.province import open_data
from agritrace.province.areas import PROVINCES, province_code
from agritrace.province.kept import FIRST_WAIT_S
from agritrace.web import i18n
from agritrace.web.api.deps import engine_of, settings_of
from agritrace.web.pages import resolver
from agritrace.web.pages.farm.common import farm_css
from agritrace.web.pages.reports import _css as reports_css
from agritrace.web.pages.session import page_reader
from agritrace.web.problems import instance_of, problem_response

router = APIRouter(include_in_schema=False)
PUBLIC = {"Access-Control-Allow-Origin": "*",
          "Access-Control-Expose-Headers": "Link, X-Total-Count"}
#: Seconds a client is told to wait while a province's figures are computed the first time.
RETRY_AFTER_S = 30


def _problem(request: Request, exc: AgritraceError) -> Response:
    """problem+json with the detail and each problem said in the reader's language."""
    t = i18n.Translator(i18n.language(request))
    headers = {**PUBLIC, "Content-Language": t.lang}
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(exc.retry_after_s)
    extra: dict[str, Any] = {"errors": [
        p.as_dict() | {"expected": t.expected(p), "message": t.problem(p)}
        for p in exc.problems]} if exc.problems else {}
    return problem_response(exc.status, exc.title, t.detail(exc, exc.detail),
                            type_name=exc.type_name, instance=instance_of(request),
                            headers=headers, **extra)


def _number(request: Request, name: str, default: int, high: int, key: str) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    value = int(text) if text.isdigit() and len(text) < 10 else 0
    if not 1 <= value <= high:
        raise i18n.refusal(QueryParameterException, "refuse_open_data_paging", [
            i18n.expect(name, key, text[:20], last=high, high=high)])
    return value


def _day(request: Request) -> date | None:
    text = request.query_params.get("to")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise i18n.refusal(QueryParameterException, "refuse_open_data_day", [
            i18n.expect("to", "expect_open_data_date", text[:40])]) from None


def _snapshot(request: Request) -> open_data.Snapshot:
    """The asked province's snapshot for the asked day; the refusals in between."""
    given = request.query_params.get("province", "")
    code = province_code(given)
    if code is None:
        raise i18n.refusal(QueryParameterException, "refuse_open_data_province", [
            i18n.expect("province", "expect_open_data_province", given[:60])])
    reader, day = page_reader(request), _day(request)
    if code not in open_data.publishing(reader):
        raise i18n.refusal(NoSuchResourceException, "refuse_open_data_unpublished", [
            i18n.expect("province", "expect_open_data_publishing", code)],
            name=PROVINCES[code].name)
    found = open_data.served(reader, engine_of(request), code, day, vietnam_today(),
                             FIRST_WAIT_S)
    if found is not None:
        return found
    if day is not None and day != vietnam_today():
        kept = ", ".join(open_data.days_kept(reader, code)) or "-"
        raise i18n.refusal(NoSuchResourceException, "refuse_open_data_not_kept", [
            i18n.expect("to", "expect_open_data_kept_day", day.isoformat(), days=kept)],
            day=day)
    busy = i18n.refusal(StoreBusyException, "refuse_open_data_computing",
                        seconds=RETRY_AFTER_S)
    busy.retry_after_s = RETRY_AFTER_S
    raise busy


def _paged(request: Request, snapshot: open_data.Snapshot, default: int
           ) -> tuple[open_data.Page, dict[str, str]]:
    """The asked page and its headers (Link with next/prev/first/last pinned to the snapshot's
    day, so a client walking the pages reads one day's rows even across a refresh)."""
    limit = _number(request, "limit", default, open_data.MAX_PAGE_ROWS,
                    "expect_open_data_limit")
    total = len(snapshot.rows)
    last = open_data.Page(1, limit, total).last
    page = open_data.Page(_number(request, "page", 1, last, "expect_open_data_page"), limit,
                          total)
    base = str(request.url.replace(query=""))

    def link(number: int, rel: str) -> str:
        query = {"province": snapshot.province, "to": snapshot.as_of.isoformat(),
                 "page": number, "limit": limit}
        return f'<{base}?{urlencode(query)}>; rel="{rel}"'

    links = [link(1, "first"), link(last, "last")]
    if page.number < last:
        links.append(link(page.number + 1, "next"))
    if page.number > 1:
        links.append(link(page.number - 1, "prev"))
    return page, {**PUBLIC, "Link": ", ".join(links), "X-Total-Count": str(total)}


def _filename(snapshot: open_data.Snapshot, fmt: str) -> str:
    return f'attachment; filename="{snapshot.province}-vung-trong-{snapshot.as_of}.{fmt}"'


@router.get("/province/open-data.json")
async def open_data_json(request: Request) -> Response:
    """A province's published aggregates, one page of them (public, CC BY 4.0)."""
    try:
        snapshot = await run_in_threadpool(_snapshot, request)
        page, headers = _paged(request, snapshot, open_data.PAGE_ROWS)
    except AgritraceError as exc:
        return _problem(request, exc)
    return JSONResponse(open_data.as_json(snapshot, settings_of(request).base_url, page),
                        headers=headers)


@router.get("/province/open-data.csv")
async def open_data_csv(request: Request) -> Response:
    """The same rows as CSV: every one, or a page when ``page`` or ``limit`` is given."""
    try:
        snapshot = await run_in_threadpool(_snapshot, request)
        paged = "page" in request.query_params or "limit" in request.query_params
        page, headers = _paged(request, snapshot,
                               open_data.PAGE_ROWS if paged else max(1, len(snapshot.rows)))
    except AgritraceError as exc:
        return _problem(request, exc)
    return Response(open_data.as_csv(page.of(snapshot.rows)), media_type="text/csv; charset=utf-8",
                    headers={**headers, "Content-Disposition": _filename(snapshot, "csv")})


@router.get("/province/open-data.parquet")
async def open_data_parquet(request: Request) -> Response:
    """Every row as one Parquet file (typed columns, the licence in its metadata)."""
    try:
        snapshot = await run_in_threadpool(_snapshot, request)
    except AgritraceError as exc:
        return _problem(request, exc)
    content = await run_in_threadpool(open_data.as_parquet, snapshot)
    return Response(content, media_type="application/vnd.apache.parquet", headers={
        **PUBLIC, "X-Total-Count": str(len(snapshot.rows)),
        "Content-Disposition": _filename(snapshot, "parquet")})


def _wants_html(request: Request) -> bool:
    """A browser's Accept names text/html before any JSON; a client asking */* gets JSON-LD."""
    accept = request.headers.get("accept", "")
    html = accept.find("text/html")
    json_at = min((i for i in (accept.find("json"), accept.find("ld+json")) if i >= 0),
                  default=-1)
    return html >= 0 and (json_at < 0 or html < json_at)


@router.get("/open-data")
async def open_data_catalogue(request: Request) -> Response:
    """The DCAT-AP catalogue of every province's open data published here: JSON-LD, or an HTML
    page for a browser."""
    snapshots = await run_in_threadpool(lambda: open_data.catalogued(page_reader(request)))
    base = settings_of(request).base_url
    vary = {**PUBLIC, "Vary": "Accept"}
    if not _wants_html(request):
        return JSONResponse(open_data.catalogue(snapshots, base),
                            media_type="application/ld+json", headers=vary)
    other = "en" if i18n.language(request) == "vi" else "vi"
    datasets: list[dict[str, Any]] = [
        {"code": code, "snapshot": snapshot, "name": PROVINCES[code].name,
         "files": {fmt: open_data.download_url("", code, fmt)
                   for fmt in ("json", "csv", "parquet")}} for code, snapshot in snapshots]
    response = resolver.render(request, "open_data/catalogue.html", datasets=datasets,
                               licence=open_data.LICENCE, licence_url=open_data.LICENCE_URL,
                               min_plots=open_data.MIN_PLOTS, reports_css=reports_css(),
                               farm_css=farm_css(), lang_href=f"?lang={other}", actor=None,
                               offline=False)
    response.headers.update(vary)
    return response
