"""``agritrace farm …``: the registry, seasons, diary, import and readiness from a terminal.

The CLI acts as the organization's manager (``--org``); messages are readable, never tracebacks,
and warnings are printed in Vietnamese and English.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from agritrace.console import err, fail, migrated_engine, out
from agritrace.errors import AgritraceError
from agritrace.farm.registry import Actor, Notice, org_actor
from agritrace.store.orgs import chosen_organization

farm_app = typer.Typer(help="Farm registry, seasons, diary, import and code readiness.",
                       no_args_is_help=True)
member_app = typer.Typer(help="Members of the organization.", no_args_is_help=True)
plot_app = typer.Typer(help="Plots, packing houses and warehouses.", no_args_is_help=True)
product_app = typer.Typer(help="Products (GTIN, names, OCOP).", no_args_is_help=True)
season_app = typer.Typer(help="Seasons on plots.", no_args_is_help=True)
diary_app = typer.Typer(help="The farming diary.", no_args_is_help=True)
for _sub, _name in ((member_app, "member"), (plot_app, "plot"), (product_app, "product"),
                    (season_app, "season"), (diary_app, "diary")):
    farm_app.add_typer(_sub, name=_name)

OrgOption = Annotated[str | None, typer.Option(
    "--org", help="An existing organization's name (may be left out while the store holds one)")]


@contextmanager
def _session(org: str | None) -> Iterator[tuple[Engine, Actor]]:
    """An engine and the organization acting as manager; errors become readable exits."""
    engine = migrated_engine()
    try:
        yield engine, org_actor(chosen_organization(engine, org), "cli")
    except (AgritraceError, OSError, ValueError) as exc:  # OSError etc.: an unreadable file
        raise fail(exc, "vi/en") from exc  # as the warnings: Vietnamese, then English
    finally:
        engine.dispose()


def _warn(notices: Any) -> None:
    for notice in notices:
        if isinstance(notice, Notice):
            err.print(f"[yellow]warning[/yellow] {notice.path}: {notice.vi} / {notice.en}",
                      highlight=False)
        else:
            err.print(f"[yellow]{notice.severity.value}[/yellow] {notice.path}: {notice.vi} / "
                      f"{notice.en}", highlight=False)


def _json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@member_app.command("add")
def member_add(name: str, org: OrgOption = None,
               role: Annotated[str, typer.Option(help="manager, technical_manager or farmer")]
               = "farmer", phone: str = "",
               token: Annotated[bool, typer.Option(
                   help="Also print a one-time sign-in link (7 days)")] = False,
               ) -> None:
    """Register a member."""
    from agritrace.farm.registry import add_member, create_member_token
    from agritrace.settings import get_settings
    from agritrace.store.orgs import sign_in_link

    with _session(org) as (engine, actor):
        member = add_member(engine, actor, name=name, role=role, phone=phone)
        out.print(f"member {member.id}: {member.name} ({member.role.value})", highlight=False)
        if token:
            link = sign_in_link(engine, get_settings().base_url,
                                create_member_token(engine, actor, member.id))
            err.print(f"đường dẫn đăng nhập một lần / one-time sign-in link (hết hạn / expires "
                      f"{link.expires}):", highlight=False)
            print(link.url)


@member_app.command("list")
def member_list(org: OrgOption = None) -> None:
    """List the members as JSON."""
    from agritrace.farm.registry import list_members

    with _session(org) as (engine, actor):
        _json([m.as_dict() for m in list_members(engine, actor.org)])


@plot_app.command("add")
def plot_add(
    name: str, org: OrgOption = None,
    geojson: Annotated[Path | None, typer.Option(help="GeoJSON geometry or Feature file")]
    = None,
    crop: str = "", variety: str = "", area_ha: float | None = None,
    farmer: Annotated[str, typer.Option(help="The farming member's name or phone")] = "",
    kind: str = "plot", uri: str = "", gln: str = "", commune: str = "", district: str = "",
    province: str = "", code: Annotated[str, typer.Option(help="Growing-area code")] = "",
    market: str = "*",
) -> None:
    """Register a plot (area computed from the GeoJSON polygon), packing house or warehouse."""
    from agritrace.farm.places import add_place
    from agritrace.farm.registry import find_member

    with _session(org) as (engine, actor):
        values: dict[str, Any] = {
            "name": name, "kind": kind, "crop": crop, "variety": variety, "area_ha": area_ha,
            "uri": uri, "gln": gln, "commune": commune, "district": district,
            "province": province, "area_code": code, "market": market,
            "geometry": json.loads(geojson.read_text()) if geojson else None}
        if farmer:
            member = find_member(engine, actor.org, farmer)
            if member is None:
                err.print(f"[red]error:[/red] no member named {farmer!r}")
                raise typer.Exit(code=2)
            values["farmer_id"] = member.id
        saved = add_place(engine, actor, values)
        _warn(saved.notices)
        area = f"{saved.place.area_ha:g} ha" if saved.place.area_ha else "no area"
        out.print(f"{saved.place.kind} {saved.place.id}: {saved.place.uri} ({area})",
                  highlight=False)


@product_app.command("add")
def product_add(gtin: str, name_vi: Annotated[str, typer.Option("--name-vi")],
                org: OrgOption = None,
                name_en: Annotated[str, typer.Option("--name-en")] = "", category: str = "",
                image_url: str = "", ocop_stars: int | None = None,
                ocop_certificate: str = "", ocop_issued: str = "") -> None:
    """Register a product by GTIN (check digit verified)."""
    from agritrace.farm.catalog import add_product

    with _session(org) as (engine, actor):
        product, notices = add_product(engine, actor, {
            "gtin": gtin, "name_vi": name_vi, "name_en": name_en, "category": category,
            "image_url": image_url, "ocop_stars": ocop_stars,
            "ocop_certificate": ocop_certificate, "ocop_issued": ocop_issued})
        _warn(notices)
        out.print(f"product {product.gtin}: {product.name_vi}", highlight=False)


@season_app.command("open")
def season_open(plot: Annotated[str, typer.Argument(help="The plot's URI")],
                start: Annotated[str, typer.Option(help="YYYY-MM-DD")],
                org: OrgOption = None, crop: str = "", variety: str = "",
                sown_on: str = "", uri: str = "") -> None:
    """Open a season on a plot."""
    from agritrace.farm.seasons import open_season

    with _session(org) as (engine, actor):
        season = open_season(engine, actor, {"plot": plot, "start": start, "crop": crop,
                                             "variety": variety, "sown_on": sown_on,
                                             "uri": uri})
        out.print(f"season {season.uri} ({season.crop}, from {season.start})", highlight=False)


@diary_app.command("add")
def diary_add(
    kind: Annotated[str, typer.Argument(help="fertilizing, spraying, harvest, …")],
    plot: Annotated[str, typer.Option(help="The plot's URI")],
    field: Annotated[list[str] | None, typer.Option(
        "--field", "-f", help="A field as NAME=VALUE, e.g. -f product='NPK 16-16-8'")] = None,
    on: Annotated[str, typer.Option(help="YYYY-MM-DD (default today)")] = "",
    key: Annotated[str, typer.Option(help="Idempotency key (default: from the fields)")] = "",
    org: OrgOption = None,
) -> None:
    """Record a diary entry; refusals exit 2, warnings are printed."""
    from agritrace.farm.diary import vietnam_today
    from agritrace.farm.record import record_entry

    fields: dict[str, Any] = {"plot_id": plot, "on": on or vietnam_today().isoformat()}
    for item in field or []:
        name, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]error:[/red] --field expects NAME=VALUE, found {item!r}")
            raise typer.Exit(code=2)
        fields[name.strip()] = value
    key = key or "cli:" + json.dumps([kind, fields], sort_keys=True, ensure_ascii=False)[:190]
    with _session(org) as (engine, actor):
        recorded = record_entry(engine, actor, kind, fields, key)
        _warn(recorded.findings)
        state = "already recorded" if recorded.duplicate else "recorded"
        out.print(f"{kind} {state}: {recorded.event_id}", highlight=False)


@farm_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file")],
    kind: Annotated[str, typer.Option(help="members, plots or diary")],
    org: OrgOption = None,
    apply_good_rows: Annotated[bool, typer.Option(help="Save the valid rows, skip the others")]
    = False,
    dry_run: Annotated[bool, typer.Option(help="Only show the preview")] = False,
) -> None:
    """Import members, plots or diary entries; nothing is saved if a row is wrong, unless
    --apply-good-rows."""
    from agritrace.farm.importer import apply_import, preview_import

    with _session(org) as (engine, actor):
        data = file.read_bytes()
        preview = preview_import(engine, actor, kind, data, file.name)
        for row in preview.rows:
            for problem in row.errors:
                err.print(f"  - {problem.message()}", highlight=False, markup=False)
        out.print(f"{file.name}: {len(preview.rows)} rows, {len(preview.good)} valid",
                  highlight=False)
        if dry_run:
            raise typer.Exit(code=0 if preview.ok else 1)
        result = apply_import(engine, actor, kind, data, file.name,
                              apply_good_rows=apply_good_rows)
        out.print(f"{result.applied} rows saved, {result.skipped} skipped", highlight=False)


@farm_app.command("profile")
def profile(org: OrgOption = None, address: str | None = None, province: str | None = None,
            phone: str | None = None, email: str | None = None,
            website: str | None = None) -> None:
    """Show, or change with options, the address and contact on the products' pages."""
    from agritrace.farm.profiles import get_profile, set_profile

    given = {"address": address, "province": province, "phone": phone, "email": email,
             "website": website}
    with _session(org) as (engine, actor):
        changes = {name: value for name, value in given.items() if value is not None}
        shown = set_profile(engine, actor, changes) if changes else get_profile(engine,
                                                                               actor.org.id)
        _json(shown.as_dict())


@farm_app.command("tickets")
def tickets(org: OrgOption = None,
            province: Annotated[bool, typer.Option(
                help="Every report, whatever organization it is about")] = False,
            status: Annotated[str | None, typer.Option(
                help="new, acknowledged, assigned, answered or closed")] = None,
            ) -> None:
    """Buyers' reports sent from the consumer pages, newest first, as JSON."""
    from agritrace.scans.inbox import every_ticket, tickets_of

    if province:  # about every organization: --org is not asked for
        engine = migrated_engine()
        try:
            _json([t.as_dict() for t in every_ticket(engine, status)])
        except AgritraceError as exc:
            raise fail(exc) from exc
        finally:
            engine.dispose()
        return
    with _session(org) as (engine, actor):
        _json([t.as_dict() for t in tickets_of(engine, actor.org, status)])


@farm_app.command("readiness")
def readiness(org: OrgOption = None,
              as_of: Annotated[str, typer.Option(help="YYYY-MM-DD (default today)")] = "",
              ) -> None:
    """Growing-area code readiness: hectares coded, ready and not ready, per plot."""
    from agritrace.farm.readiness import readiness_report

    with _session(org) as (engine, actor):
        day = date.fromisoformat(as_of) if as_of else None
        report = readiness_report(engine, actor.org, as_of=day)
        out.print(f"{report.cooperative_id}: coded {report.hectares_coded:g} ha, ready "
                  f"{report.hectares_ready:g} ha, not ready {report.hectares_not_ready:g} ha",
                  highlight=False)
        for plot in report.plots:
            failed = "; ".join(c.vi for c in plot.failed())
            out.print(f"  {plot.plot_id} {plot.area_ha:g} ha {plot.status}"
                      + (f": {failed}" if failed else ""), highlight=False)


@farm_app.command("masterdata")
def masterdata(org: OrgOption = None) -> None:
    """Print the registry as EPCIS master data (vocabularyList JSON)."""
    from agritrace.farm.masterdata import master_data

    with _session(org) as (engine, actor):
        _json({"epcisMasterData": master_data(engine, actor.org)})
