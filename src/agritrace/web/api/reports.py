"""EUDR and rice methane over HTTP: thin adapters over :mod:`agritrace.reports`.

Every route needs a bearer token. A shipment's plots are found through a trace under the
organization's reading rule, and through the harvests behind the codes its suppliers shipped to
it (:mod:`agritrace.reports.eudr_store`); risk results and rice seasons are the organization's
own.

- ``GET /eudr/readiness?id=…&id=…&lang=vi|en&format=json|csv|pdf``
- ``GET /eudr/geojson?id=…[&partial=true][&whisp=true]``: the EU FeatureCollection
  (``application/geo+json``); ``whisp`` adds the plot URIs as ``external_id`` for Whisp
- ``GET /eudr/statement?id=…&activity=EXPORT&commodity=coffee[&net_mass=&description=…]``
- ``POST /eudr/check[?fix=true]``: a supplier's GeoJSON file checked as the EU system will
- ``POST /eudr/risk?commodity=coffee``: a Whisp CSV as the body (``text/csv``) or as the
  ``file`` field of a form upload; all rows or none are stored
- ``GET /methane/seasons?from=&to=&plot=&gwp=AR6|AR5&lang=&format=json|csv|pdf``
- ``GET /methane/totals?from=&to=&by=cooperative|province``
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.datastructures import UploadFile

from agritrace.errors import Problem, QueryParameterException, ValidationException
from agritrace.reports import eudr_file, eudr_store, exports
from agritrace.reports.eudr import to_geojson_text
from agritrace.reports.methane_store import (
    GROUPINGS,
    SeasonReport,
    report_as_dict,
    season_report,
    total_as_dict,
)
from agritrace.store.orgs import Organization
from agritrace.web import report_files
from agritrace.web.api.deps import engine_of, require_org, require_reader, require_writer
from agritrace.web.i18n import LANGUAGES, Translator

router = APIRouter(tags=["EUDR and rice methane"])
MAX_CSV_BYTES = 5 * 1024 * 1024

Ids = Annotated[list[str], Query(alias="id", description="Lot, item or SSCC identifiers")]
EngineDep = Annotated[Engine, Depends(engine_of)]
OrgDep = Annotated[Organization, Depends(require_org)]
WriterDep = Annotated[Organization, Depends(require_writer)]


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise QueryParameterException(f"Unknown {name} {value!r}", [
            Problem(name, "one of " + ", ".join(allowed), repr(value))])
    return value


def day(name: str, value: str | None) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise QueryParameterException(f"{name} is not a date", [
            Problem(name, "a date as YYYY-MM-DD", repr(value))]) from exc


def verdict(t: Translator, report: exports.ReadinessReport) -> str:
    count = len(report.rows)
    if not count:
        return t("reports_no_plots")
    if report.shipment.unregistered:
        return t("reports_shipment_unregistered", places=len(report.shipment.unregistered))
    if report.not_ready:
        return t("reports_shipment_not_ready", bad=report.not_ready, count=count)
    return t("reports_shipment_ready", count=count)


@router.get("/eudr/readiness")
async def get_readiness(engine: EngineDep, org: OrgDep, ids: Ids, lang: str = "vi",
                        format: str = "json") -> Response:
    """Which plots of a shipment are ready for the EU system, what to fix, and their risk."""
    choice("lang", lang, LANGUAGES)
    choice("format", format, ("json", "csv", "pdf"))
    report = await run_in_threadpool(exports.readiness_report, engine, org, ids, lang)
    if format == "csv":
        return report_files.readiness_csv(list(report.rows))
    if format == "pdf":
        t = Translator(lang)
        return report_files.readiness_pdf(t, list(report.rows), verdict(t, report),
                                          report.risk, report.shipment.identifiers)
    return JSONResponse({
        "identifiers": list(report.shipment.identifiers), "ready": report.ready,
        "plots": [_plot_json(row, lang) for row in report.rows],
        "unregistered": list(report.shipment.unregistered),
        "risk": {"level": report.risk.level, "missing": list(report.risk.missing),
                 "message": report.risk.message_vi if lang == "vi" else report.risk.message_en,
                 "cutoff": "2020-12-31"},
        "hiddenEvents": report.shipment.hidden_events})


def _plot_json(row: exports.ReadinessRow, lang: str) -> dict[str, Any]:
    issues = [{"code": i.code, "severity": i.severity, "ring": i.ring, "vertex": i.vertex,
               "message": i.message_vi if lang == "vi" else i.message_en}
              for i in row.state.issues]
    risk = row.risk
    return {**row.as_dict(), "ready": row.state.ready, "issues": issues,
            "risk": None if risk is None else {
                "level": risk.risk, "column": risk.risk_column,
                "disturbanceAfterCutoff": risk.disturbance_after_cutoff}}


@router.get("/eudr/geojson")
async def get_geojson(engine: EngineDep, org: OrgDep, ids: Ids, partial: bool = False,
                      whisp: bool = False) -> Response:
    """The EU GeoJSON of a shipment's plots; 400 naming every problem if one is not ready.

    ``whisp=true`` adds each plot's URI as ``external_id``, for the Whisp risk analysis."""
    shipment = await run_in_threadpool(eudr_store.find_shipment, engine, org, ids)
    return report_files.geojson(eudr_store.shipment_geojson(
        shipment, strict=not partial, with_ids=whisp))


@router.get("/eudr/statement")
async def get_statement(
    engine: EngineDep, org: OrgDep, ids: Ids, activity: str = "EXPORT",
    commodity: str = "coffee", net_mass: float | None = None, description: str | None = None,
    hs_code: str | None = None, reference: str | None = None,
) -> JSONResponse:
    """The data of the EU due diligence statement for a shipment."""
    shipment = await run_in_threadpool(eudr_store.find_shipment, engine, org, ids)
    return JSONResponse(eudr_store.shipment_statement(
        shipment, activity=activity, commodity=commodity, description=description,
        net_mass_kg=net_mass, hs_code=hs_code, reference=reference,
        operator={"name": org.name, "gln": org.gln}))


async def _body_up_to(request: Request, most: int) -> bytes:
    """The raw body, read no further than ``most`` bytes: a larger one is refused without being
    held in memory whole."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size >= most:
            break
    return b"".join(chunks)[:most]


async def read_upload(request: Request, limit: int, default_name: str, expected: str
                      ) -> tuple[bytes, str]:
    """The uploaded bytes and the file's name, from a form's ``file`` field or the raw body;
    ``expected`` says what the file should be, in the problem when none was sent."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        # (a form without a file part: read as a form, so the page can still read its fields)
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationException("No file uploaded", [
                Problem("file", f"{expected} in the form field 'file'", "nothing")])
        raw, name = await upload.read(limit + 1), upload.filename
    else:
        raw, name = await _body_up_to(request, limit + 1), default_name
    if len(raw) > limit:
        raise ValidationException("The file is too large", [
            Problem("file", f"at most {limit // 1024 // 1024} MB", f"more than {limit} bytes",
                    document=name)])
    return raw, name


async def csv_upload(request: Request) -> tuple[str, str]:
    """The uploaded CSV text and its name (see :func:`read_upload`)."""
    raw, name = await read_upload(request, MAX_CSV_BYTES, "upload.csv", "a CSV file")
    try:
        return raw.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise ValidationException("The file is not UTF-8 text", [
            Problem("file", "a CSV file in UTF-8", f"a byte 0x{raw[exc.start]:02x} at "
                    f"offset {exc.start}", document=name)]) from exc


async def geojson_upload(request: Request) -> tuple[bytes, str]:
    """A supplier's GeoJSON file (see :func:`read_upload`); up to twice the EU's 25 MB, so that
    a file over the EU limit is still checked and told so rather than cut off."""
    return await read_upload(request, 2 * eudr_file.MAX_BYTES, "upload.geojson",
                             "a GeoJSON FeatureCollection")


def check_answer(data: bytes, name: str, fix: bool) -> dict[str, Any]:
    """What ``POST /eudr/check`` answers: the check of the file as sent or, with ``fix``, of the
    corrected file, with the changes made and the corrected collection."""
    if not fix:
        return eudr_file.check_file(data, name).as_dict()
    corrected, changes = eudr_file.fix_file(data, name)
    if corrected is None:  # not a collection to fix: the check says why
        return {**eudr_file.check_file(data, name).as_dict(), "changes": [], "fixed": None}
    fixed = to_geojson_text(corrected).encode()
    # read back as floats: every coordinate has at most 6 decimals now, which a float keeps
    return {**eudr_file.check_file(fixed, name).as_dict(),
            "changes": [c.as_dict() for c in changes], "fixed": orjson.loads(fixed)}


@router.post("/eudr/check")
async def post_check(request: Request, org: Annotated[Organization, Depends(require_reader)],
                     fix: bool = False) -> JSONResponse:
    """Check a supplier's whole EUDR GeoJSON file as the EU information system will (the body,
    ``application/geo+json``, or the ``file`` field of a form upload); nothing is stored.

    Every finding names the feature (index and its own id or name), the JSON path, what was
    expected and what was found, in Vietnamese (``vi``) and English (``en``); ``ready`` lists
    the features the EU system will take. ``fix=true`` checks the corrected file instead and
    adds ``changes`` and the corrected collection as ``fixed``."""
    data, name = await geojson_upload(request)
    return JSONResponse(await run_in_threadpool(check_answer, data, name, fix))


@router.post("/eudr/risk", status_code=201)
async def post_risk(request: Request, engine: EngineDep, org: WriterDep,
                    commodity: str = "coffee") -> JSONResponse:
    """Import per-plot deforestation-risk results (Whisp CSV; ``external_id`` = plot URI)."""
    text, name = await csv_upload(request)
    result = await run_in_threadpool(lambda: eudr_store.import_risks(
        engine, org, text, document=name, commodity=commodity))
    return JSONResponse(status_code=201, content={
        "document": result.document, "imported": len(result.stored),
        "plots": [{"plot": r.plot_id, "risk": r.risk, "line": r.line} for r in result.stored]})


def methane_report(engine: Engine, org: Organization, since: str | None, until: str | None,
                   plot: str | None, gwp: str) -> SeasonReport:
    choice("gwp", gwp, ("AR6", "AR5"))
    return season_report(engine, [org], since=day("from", since), until=day("to", until),
                         plot=plot or None, gwp=gwp)


@router.get("/methane/seasons")
async def get_seasons(
    engine: EngineDep, org: OrgDep,
    since: Annotated[str | None, Query(alias="from")] = None,
    until: Annotated[str | None, Query(alias="to")] = None,
    plot: str | None = None, gwp: str = "AR6", lang: str = "vi", format: str = "json",
) -> Response:
    """CH4 and CO2e per plot for the organization's rice seasons sown in the period."""
    choice("lang", lang, LANGUAGES)
    choice("format", format, ("json", "csv", "pdf"))
    report = await run_in_threadpool(methane_report, engine, org, since, until, plot, gwp)
    if format == "csv":
        return report_files.methane_csv(report, lang)
    if format == "pdf":
        return report_files.methane_pdf(Translator(lang), report, gwp)
    return JSONResponse(report_as_dict(report, gwp))


@router.get("/methane/totals")
async def get_totals(
    engine: EngineDep, org: OrgDep,
    since: Annotated[str | None, Query(alias="from")] = None,
    until: Annotated[str | None, Query(alias="to")] = None,
    by: str = "province", gwp: str = "AR6",
) -> JSONResponse:
    """Totals per cooperative or province, with the share of rice area under AWD."""
    choice("by", by, GROUPINGS)
    report = await run_in_threadpool(methane_report, engine, org, since, until, None, gwp)
    return JSONResponse([total_as_dict(t) for t in report.totals(by)])
