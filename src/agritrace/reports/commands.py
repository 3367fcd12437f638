"""CLI commands: ``agritrace eudr readiness|geojson|statement|risk-import|check`` and
``agritrace methane season|totals``.

Thin adapters over :mod:`agritrace.reports.eudr_store` and :mod:`agritrace.reports.methane_store`;
:func:`register` adds them to the main command. Errors print as one readable message (exit 2).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.table import Column, Table
from sqlalchemy import Engine

from agritrace.console import err, fail, migrated_engine, out, output_file, print_fitted
from agritrace.errors import AgritraceError, ValidationException
from agritrace.store.orgs import Organization, find_organization
from agritrace.web.i18n import Translator, expect, refusal

if TYPE_CHECKING:
    from agritrace.reports.eudr_file import FileCheck
    from agritrace.reports.eudr_store import Shipment
    from agritrace.reports.exports import ReadinessRow
    from agritrace.reports.methane import GroupTotal, Interval
    from agritrace.reports.methane_store import SeasonReport

eudr_app = typer.Typer(help="EU Deforestation Regulation: plot readiness, EU GeoJSON, "
                       "statement data, deforestation-risk results.", no_args_is_help=True)
methane_app = typer.Typer(help="Rice methane per plot and season (IPCC 2019 Tier 1) and "
                          "totals per cooperative and province.", no_args_is_help=True)

Ids = Annotated[list[str], typer.Argument(metavar="ID...", help="Lots, items or an SSCC "
                                          "(EPC URN or GS1 Digital Link) of the shipment")]
Org = Annotated[str, typer.Option("--org", help="The organization asking (its reading rule "
                                  "and its risk results apply)")]
Lang = Annotated[str, typer.Option("--lang", help="vi | en")]
Out = Annotated[Path | None, typer.Option("--out", help="Write to a file instead of stdout")]


def register(app: typer.Typer) -> None:
    app.add_typer(eudr_app, name="eudr")
    app.add_typer(methane_app, name="methane")




def _choice(name: str, value: str, allowed: tuple[str, ...], lang: str = "vi") -> str:
    if value not in allowed:
        _refuse(lang, name, "expect_one_of", value, choices=", ".join(allowed))
    return value


def _refuse(lang: str, option: str, key: str, found: object, choices: str = "") -> None:
    """Exit 2 naming the option and what it needs, in the command's language."""
    exc = refusal(ValidationException, "refuse_cli_option",
                  [expect(option, key, found, choices=choices)], option=option)
    raise fail(exc, lang if lang in ("vi", "en") else "vi")


def _emit(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output_file(path).write_text(text, encoding="utf-8")
        err.print(f"written: {path}", highlight=False)


def _shipment(engine: Engine, org: str, ids: list[str]) -> tuple[Organization, Shipment]:
    from agritrace.reports.eudr_store import find_shipment

    organization = find_organization(engine, org)
    return organization, find_shipment(engine, organization, ids)


@eudr_app.command("readiness")
def readiness_command(
    ids: Ids, org: Org, lang: Lang = "vi",
    output_format: Annotated[str, typer.Option("--format", help="text | csv | json")] = "text",
    geojson: Annotated[Path | None, typer.Option(
        "--geojson", help="Also write the EU GeoJSON of the plots that are ready")] = None,
    output: Out = None,
) -> None:
    """Which plots of a shipment are ready for the EU system, what to fix, and their risk."""
    from agritrace.reports import exports
    from agritrace.reports.eudr import to_geojson_text
    from agritrace.reports.eudr_store import shipment_geojson

    _choice("--lang", lang, ("vi", "en"))
    _choice("--format", output_format, ("text", "csv", "json"), lang)
    engine = migrated_engine()
    try:
        report = exports.readiness_report(engine, find_organization(engine, org), ids, lang)
        collection = shipment_geojson(report.shipment, strict=False) if geojson else None
    except AgritraceError as exc:
        raise fail(exc) from exc
    rows, risk, shipment = list(report.rows), report.risk, report.shipment
    if collection is not None and geojson is not None:
        output_file(geojson).write_text(to_geojson_text(collection), encoding="utf-8")
        err.print(f"EU GeoJSON ({len(collection['features'])} of {len(rows)} plots): {geojson}",
                  highlight=False)
    if output_format == "csv":
        _emit(exports.to_csv(exports.READINESS_COLUMNS, [r.as_dict() for r in rows]), output)
    elif output_format == "json":
        _emit(orjson.dumps({"ready": report.ready, "plots": [r.as_dict() for r in rows],
                            "unregistered": list(shipment.unregistered),
                            "risk": risk.level, "risk_message": risk.message_en if lang == "en"
                            else risk.message_vi},
                           option=orjson.OPT_INDENT_2).decode(), output)
    else:
        _print_readiness(rows, report.ready,
                         risk.message_vi if lang == "vi" else risk.message_en,
                         shipment.unregistered, lang)
    raise typer.Exit(code=0 if report.ready else 1)


def _print_readiness(rows: list[ReadinessRow], ready: bool, risk: str,
                     unregistered: tuple[str, ...], lang: str) -> None:
    vi = lang == "vi"
    table = Table(Column("Thửa" if vi else "Plot", no_wrap=True),
                  "Người sản xuất" if vi else "Producer", Column("ha", no_wrap=True),
                  "Sẵn sàng" if vi else "Ready", "Rủi ro" if vi else "Risk",
                  "Cần sửa" if vi else "To fix", highlight=False)
    number = Translator(lang).number
    for row in rows:
        data, area = row.as_dict(), row.shipped.record.area_ha
        table.add_row(f"{data['name']}\n{data['plot']}", data["producer"],
                      "" if area is None else number(area, 2),  # 4,50 in Vietnamese
                      ("có" if vi else "yes") if row.state.ready else ("chưa" if vi else "no"),
                      data["risk"], "\n".join(m for _, m in row.issues))
    print_fitted(table)
    verdict = ("Lô hàng sẵn sàng cho hệ thống EU" if vi else "Shipment ready for the EU system") \
        if ready and rows else ("Lô hàng CHƯA sẵn sàng" if vi else "Shipment NOT ready")
    out.print(f"{verdict}: {len(rows)} {'thửa' if vi else 'plots'}. {risk}", highlight=False)
    for place in unregistered:
        out.print(("Nơi thu hoạch chưa đăng ký: " if vi else "Harvest place not registered: ")
                  + place, highlight=False)


@eudr_app.command("geojson")
def geojson_command(
    ids: Ids, org: Org, output: Out = None,
    partial: Annotated[bool, typer.Option(
        help="Leave out plots that are not ready instead of refusing")] = False,
    whisp: Annotated[bool, typer.Option(
        help="Add each plot's URI as external_id: the file to send to Whisp, not to the EU")]
    = False,
) -> None:
    """The EU GeoJSON FeatureCollection of a shipment's plots (6 decimals, longitude first)."""
    from agritrace.reports.eudr import to_geojson_text
    from agritrace.reports.eudr_store import shipment_geojson

    engine = migrated_engine()
    try:
        _, shipment = _shipment(engine, org, ids)
        collection = shipment_geojson(shipment, strict=not partial, with_ids=whisp)
    except AgritraceError as exc:
        raise fail(exc) from exc
    _emit(to_geojson_text(collection), output)


@eudr_app.command("statement")
def statement_command(
    ids: Ids, org: Org, output: Out = None,
    activity: Annotated[str, typer.Option(help="DOMESTIC | IMPORT | EXPORT | TRADE")]
    = "EXPORT",
    commodity: Annotated[str, typer.Option(help="coffee, cocoa, rubber, …")] = "coffee",
    net_mass: Annotated[float | None, typer.Option(
        "--net-mass", help="Net mass in kg (default: the traced lots' quantity)")] = None,
    description: Annotated[str | None, typer.Option(help="Description of the goods")] = None,
    hs_code: Annotated[str | None, typer.Option("--hs-code", help="A finer HS code")] = None,
    reference: Annotated[str | None, typer.Option(help="Internal reference number")] = None,
) -> None:
    """The due diligence statement data of a shipment, as JSON."""
    from agritrace.reports.eudr_store import shipment_statement

    engine = migrated_engine()
    try:
        organization, shipment = _shipment(engine, org, ids)
        data = shipment_statement(
            shipment, activity=activity, commodity=commodity, description=description,
            net_mass_kg=net_mass, hs_code=hs_code, reference=reference,
            operator={"name": organization.name, "gln": organization.gln})
    except AgritraceError as exc:
        raise fail(exc) from exc
    _emit(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode(), output)


@eudr_app.command("risk-import")
def risk_import_command(
    file: Annotated[Path, typer.Argument(help="The CSV Whisp produced (external_id = the plot "
                                         "URI)")],
    org: Org,
    commodity: Annotated[str, typer.Option(help="Whose risk column to read")] = "coffee",
) -> None:
    """Import per-plot deforestation-risk results; nothing is stored if any row is wrong."""
    from agritrace.reports.eudr_store import import_risks

    engine = migrated_engine()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/red] cannot read {file}: {exc}", highlight=False)
        raise typer.Exit(code=2) from exc
    try:
        result = import_risks(engine, find_organization(engine, org), text, document=file.name,
                              commodity=commodity)
    except AgritraceError as exc:
        raise fail(exc) from exc
    out.print(f"{len(result.stored)} plot results imported from {file.name} "
              "(cut-off date 31/12/2020)", highlight=False)


@eudr_app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="A supplier's EUDR GeoJSON FeatureCollection")],
    lang: Lang = "vi",
    output_format: Annotated[str, typer.Option("--format", help="text | json")] = "text",
    fix: Annotated[Path | None, typer.Option(
        "--fix", help="Write a corrected file here (ring closing, rounding to 6 decimals, "
        "holes split, country codes) and list the changes")] = None,
) -> None:
    """Check a whole GeoJSON file as the EU information system will; exit 1 if a plot is not
    ready."""
    from agritrace.reports.eudr import to_geojson_text
    from agritrace.reports.eudr_file import check_file, fix_file

    _choice("--lang", lang, ("vi", "en"))
    _choice("--format", output_format, ("text", "json"), lang)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(exc) from exc
    if fix is not None:
        corrected, changes = fix_file(data, file.name)
        if corrected is not None:
            output_file(fix).write_text(to_geojson_text(corrected) + "\n", encoding="utf-8")
            data = fix.read_bytes()
            for change in changes:
                err.print(f"{change.label}: {change.what_vi if lang == 'vi' else change.what_en}",
                          highlight=False)
            err.print(("đã ghi" if lang == "vi" else "written") + f": {fix}", highlight=False)
    check = check_file(data, fix.name if fix is not None else file.name)
    if output_format == "json":
        sys.stdout.write(orjson.dumps(check.as_dict()).decode() + "\n")
    else:
        _print_check(check, lang)
    if not check.ok:
        raise typer.Exit(code=1)


def _print_check(check: FileCheck, lang: str) -> None:
    from rich.markup import escape

    from agritrace.reports.eudr_file import index_ranges

    for finding in check.findings:
        colour = "red" if finding.severity == "error" else "yellow"
        text = finding.message_vi if lang == "vi" else finding.message_en
        out.print(f"[{colour}]{escape(finding.path or check.document)}[/{colour}] "
                  f"{escape(text)}", highlight=False)
    ready, total = len(check.ready), check.features
    out.print(f"{ready}/{total} thửa sẵn sàng cho hệ thống EU" if lang == "vi" else
              f"{ready}/{total} plots ready for the EU system", highlight=False)
    for indexes, vi, en in ((check.ready, "sẵn sàng", "ready"),
                            (check.not_ready, "chưa sẵn sàng", "not ready")):
        if indexes:
            out.print(f"{vi if lang == 'vi' else en}: {index_ranges(indexes)}", highlight=False)


def _day(name: str, value: str | None, lang: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _refuse(lang, name, "expect_iso_date", value)
        return None


Since = Annotated[str | None, typer.Option("--from", help="Seasons sown on or after (date)")]
Until = Annotated[str | None, typer.Option("--to", help="Seasons sown on or before (date)")]
Gwp = Annotated[str, typer.Option("--gwp", help="AR6 (27.0) | AR5 (28)")]


def _report(orgs: list[str], since: str | None, until: str | None, plot: str | None,
            gwp: str, lang: str) -> SeasonReport:
    from agritrace.reports.methane_store import every_organization, season_report

    _choice("--gwp", gwp, ("AR6", "AR5"), lang)
    first, last = _day("--from", since, lang), _day("--to", until, lang)
    engine = migrated_engine()
    try:
        chosen: list[Organization] = ([find_organization(engine, o) for o in orgs] if orgs
                                      else every_organization(engine))
        return season_report(engine, chosen, since=first, until=last, plot=plot, gwp=gwp)
    except AgritraceError as exc:
        raise fail(exc, lang) from exc


@methane_app.command("season")
def season_command(
    org: Org, since: Since = None, until: Until = None,
    plot: Annotated[str | None, typer.Option(help="One plot's URI")] = None,
    lang: Lang = "vi", gwp: Gwp = "AR6",
    output_format: Annotated[str, typer.Option("--format", help="text | csv | json")] = "text",
    output: Out = None,
) -> None:
    """CH4 and CO2e per plot for the rice seasons of a cooperative, with its totals."""
    from agritrace.reports import exports
    from agritrace.reports.methane_store import report_as_dict

    _choice("--lang", lang, ("vi", "en"))
    _choice("--format", output_format, ("text", "csv", "json"), lang)
    report = _report([org], since, until, plot, gwp, lang)
    if output_format == "json":
        _emit(orjson.dumps(report_as_dict(report, gwp), option=orjson.OPT_INDENT_2).decode(),
              output)
    elif output_format == "csv":
        _emit(exports.to_csv(exports.METHANE_COLUMNS, exports.methane_rows(report, lang)),
              output)
    else:
        _print_seasons(Translator(lang), report)
        _print_totals(Translator(lang), report.totals("cooperative"), "reports_cooperative")


def _print_seasons(t: Translator, report: SeasonReport) -> None:
    """The page's table in the terminal: the same headings, water regimes and numbers."""
    from agritrace.reports.methane import SeasonEstimate

    table = Table(*(Column(t(k), no_wrap=True) for k in ("reports_plot", "reports_area",
                                                         "reports_days")),
                  *(t(k) for k in ("reports_water", "reports_pre_season")),
                  *(Column(h, no_wrap=True) for h in ("SFo", *(t(k) for k in (
                      "reports_ch4", "reports_co2e", "reports_reduction")))),
                  highlight=False)
    waiting = []
    for result in report.results:
        name = report.names.get(result.plot) or result.plot
        area = "" if result.area_ha is None else t.number(result.area_ha, 2)
        if isinstance(result, SeasonEstimate):
            table.add_row(name, area, str(result.days),
                          t(f"reports_regime_{result.water_regime}"),
                          t(f"reports_pre_{result.pre_season}"), t.number(result.sfo.value, 2),
                          _range(t, result.ch4_kg, 0), _range(t, result.co2e_t, 2),
                          t.number(result.reduction_co2e_t.value, 2))
        else:
            table.add_row(name, area, *["—"] * 7)
            waiting.append(f"{name}: {result.message_vi if t.lang == 'vi' else result.message_en}")
    print_fitted(table)
    for line in waiting:
        out.print(line, highlight=False)


def _range(t: Translator, value: Interval, decimals: int) -> str:
    return (f"{t.number(value.value, decimals)} ({t.number(value.low, decimals)}–"
            f"{t.number(value.high, decimals)})")


def _print_totals(t: Translator, totals: list[GroupTotal], group: str) -> None:
    table = Table(t(group), *(Column(t(k), no_wrap=True) for k in (
        "reports_seasons", "reports_area", "reports_co2e", "reports_baseline",
        "reports_reduction", "reports_awd_share", "reports_drained_share")), highlight=False)
    for total in totals:
        shares = ["—" if s is None else f"{t.number(100 * s)} %" for s in (
            total.awd_share, total.drained_share)]
        table.add_row(total.key, str(total.seasons), t.number(total.area_ha, 2),
                      _range(t, total.co2e_t, 2), t.number(total.baseline_co2e_t.value, 2),
                      t.number(total.reduction_co2e_t.value, 2), *shares)
    print_fitted(table)


@methane_app.command("totals")
def totals_command(
    org: Annotated[list[str] | None, typer.Option(
        "--org", help="Cooperatives to include (default: every organization)")] = None,
    since: Since = None, until: Until = None, gwp: Gwp = "AR6",
    by: Annotated[str, typer.Option(help="cooperative | province")] = "province",
    lang: Lang = "vi",
    output_format: Annotated[str, typer.Option("--format", help="text | csv | json")] = "text",
    output: Out = None,
) -> None:
    """Totals of a season per cooperative or province, with the share of area under AWD."""
    from agritrace.reports import exports
    from agritrace.reports.methane_store import GROUPINGS, total_as_dict

    _choice("--lang", lang, ("vi", "en"))
    _choice("--by", by, GROUPINGS, lang)
    _choice("--format", output_format, ("text", "csv", "json"), lang)
    totals = _report(org or [], since, until, None, gwp, lang).totals(by)
    if output_format == "json":
        _emit(orjson.dumps([total_as_dict(t) for t in totals],
                           option=orjson.OPT_INDENT_2).decode(), output)
    elif output_format == "csv":
        _emit(exports.to_csv(exports.TOTAL_COLUMNS, exports.total_rows(totals)), output)
    else:
        _print_totals(Translator(lang), totals, f"reports_{by}")
