"""``agritrace province …``: the operator binds a regulator to its area and issues its officers'
tokens; anyone may print the open data.

The regulator is an organization the operator created on purpose (``agritrace org create …
--kind regulator``): these commands never create one from a typo, they name the closest names
instead (:func:`agritrace.store.orgs.find_organization`). Messages in Vietnamese, then English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agritrace.console import out

province_app = typer.Typer(help="A province's (or commune's) officers: areas, tokens, indicators.",
                           no_args_is_help=True)
OrgArg = Annotated[str, typer.Argument(help="An existing organization's exact name")]


export_app = typer.Typer(help="Write what the site publishes into files.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(province_app, name="province")
    app.add_typer(export_app, name="export")


@province_app.command("regulator")
def regulator_command(
    org: OrgArg,
    province: Annotated[str, typer.Option("--province", help="e.g. 'Đồng Tháp' (or an old "
                                                             "province's name)")],
    commune: Annotated[str, typer.Option("--commune", help="Only this commune")] = "",
    by: Annotated[str, typer.Option("--by", help="Who binds it (recorded)")] = "",
) -> None:
    """Make an existing organization the regulator of a province, or of one commune of it."""
    from agritrace.admin import _engine, _operator
    from agritrace.province.areas import PROVINCES, check_area, make_regulator
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        area = check_area(province, commune)
        chosen = find_organization(engine, org)
        make_regulator(engine, chosen, area, by or _operator())
    where = PROVINCES[area.province].name + (f", {area.commune}" if area.commune else "")
    out.print(f"[green]đã giao địa bàn / area bound[/green]: {escape(chosen.name)} → "
              f"{escape(where)}", highlight=False)


@province_app.command("list")
def list_command() -> None:
    """List the regulators: organization, province code, commune."""
    from sqlalchemy import select

    from agritrace.admin import _engine
    from agritrace.province.tables import regulators
    from agritrace.store.tables import organizations

    with _engine() as engine, engine.connect() as conn:
        rows = conn.execute(select(organizations.c.name, regulators.c.province,
                                   regulators.c.commune).join(
            regulators, regulators.c.org_id == organizations.c.id).order_by(
            organizations.c.name)).all()
    for name, province, commune in rows:
        print(f"{name}\t{province}\t{commune or '-'}")


@province_app.command("token")
def token_command(
    org: OrgArg,
    label: Annotated[str, typer.Option(help="Whose token, e.g. the officer's name")] = "",
    link: Annotated[bool, typer.Option(
        "--link", help="Print a one-time sign-in link for /province instead of the token")]
    = False,
) -> None:
    """Issue an officer's token: it reads its area and orders recalls there, nothing else."""
    from agritrace.admin import _engine, print_new_token
    from agritrace.province.areas import require_area
    from agritrace.store.orgs import find_organization
    from agritrace.trust import TokenRole

    with _engine() as engine:
        chosen = find_organization(engine, org)
        with engine.connect() as conn:
            require_area(conn, chosen)
        print_new_token(engine, chosen, label, TokenRole.OFFICER, link=link,
                        whose=("mã truy cập cán bộ của", "officer's token for"))


@province_app.command("refresh")
def refresh_command() -> None:
    """Recompute every regulator's dashboard figures (last 30 days) and every publishing
    province's open data (as of today) and keep them: run it from cron every 10 minutes, so
    officers and the public read figures at most 15 minutes old without waiting."""
    import time

    from agritrace.admin import _engine
    from agritrace.farm.diary import vietnam_today
    from agritrace.province import open_data
    from agritrace.province.kept import refresh
    from agritrace.settings import get_settings

    started = time.perf_counter()
    with _engine() as engine:
        found = refresh(engine, get_settings().ticket_deadline_days, vietnam_today())
        published = open_data.refresh(engine, vietnam_today())
    out.print(f"đã tính lại / refreshed: {len(found)} "
              f"({time.perf_counter() - started:.1f} s); dữ liệu mở / open data: "
              f"{', '.join(published) or '-'}", highlight=False)


@export_app.command("open-data")
def export_open_data_command(
    out: Annotated[Path, typer.Option("--out", help="The folder to write into")],
    until: Annotated[str, typer.Option("--to", help="The day, YYYY-MM-DD (default today)")] = "",
) -> None:
    """The open data of every province publishing here, as /open-data and
    /province/open-data.* serve it: catalog.jsonld, <province>.csv, .json and .parquet."""
    from datetime import date

    from agritrace.admin import _engine
    from agritrace.farm.diary import vietnam_today
    from agritrace.province.open_data import export
    from agritrace.settings import get_settings

    with _engine() as engine:
        day = date.fromisoformat(until) if until else vietnam_today()
        written = export(engine, out, day, get_settings().base_url)
    for path in written:
        print(path)
