"""``agritrace stamps …``: issue, void and re-activate serialized stamps, and draw one QR code.

Thin adapters over :mod:`agritrace.labels.stamps` and :mod:`agritrace.labels.qr`, imported
when a command runs (the PDF and QR libraries would slow every other ``agritrace`` command).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agritrace.console import err, fail, migrated_engine, out, output_file
from agritrace.errors import AgritraceError
from agritrace.ids.digital_link import DigitalLink
from agritrace.settings import get_settings
from agritrace.store.orgs import chosen_organization, find_organization
from agritrace.web.i18n import both

if TYPE_CHECKING:
    from agritrace.labels.sheets import Label

stamps_app = typer.Typer(help="Serialized QR stamps: issue, void, activate, draw.",
                         no_args_is_help=True)




@stamps_app.command("issue")
def issue(
    org: Annotated[str, typer.Option("--org", help="Issuing organization (an existing one)")],
    gtin: Annotated[str, typer.Option("--gtin", help="The product's GTIN (8 to 14 digits)")],
    count: Annotated[int, typer.Option("--count", min=1, help="How many stamps to issue")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the PDF and the CSV")],
    lot: Annotated[str | None, typer.Option("--lot", help="Lot / batch number (AI 10)")] = None,
    layout: Annotated[str, typer.Option(
        "--layout", help="A4 label sheet: 2x7, 3x7, 4x10 or 5x13")] = "3x7",
) -> None:
    """Issue COUNT stamps as commissioning events; write the label sheets (PDF) and the CSV."""
    from agritrace.labels import stamps
    from agritrace.labels.sheets import layout_named, write_sheets

    try:
        layout_named(layout)
    except AgritraceError as exc:
        raise fail(exc) from exc
    engine = migrated_engine()
    base_url = get_settings().base_url
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    try:
        organization = find_organization(engine, org)
        stamps.check_gtin_owner(engine, organization, gtin)
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("issuing", total=count)
            batch = stamps.issue_stamps(engine, organization, gtin, lot, count,
                                        progress=lambda n: progress.update(task, completed=n))
            out_dir.mkdir(parents=True, exist_ok=True)
            stem = f"stamps-{batch.gtin}-{batch.batch_id[:8]}"
            progress.update(task, description="printing", completed=0)
            with (out_dir / f"{stem}.pdf").open("wb") as pdf:
                sheets = write_sheets(_counted(stamps.labels(batch, base_url),
                                                      lambda n: progress.update(task, advance=n)),
                                             pdf, layout, title=f"agritrace stamps {stem}")
            with (out_dir / f"{stem}.csv").open("w", newline="", encoding="utf-8") as text:
                stamps.write_batch_csv(batch, text, base_url)
    except AgritraceError as exc:
        raise fail(exc) from exc
    issued = both("stamps_issued", count=len(batch), batch=batch.batch_id,
                  pages=sheets.pages, layout=sheets.layout)
    out.print(f"[green]{issued}[/green]", highlight=False)
    out.print(f"  {out_dir / (stem + '.pdf')}\n  {out_dir / (stem + '.csv')}", highlight=False)


def _counted(items: Iterable[Label], tick: Callable[[int], None],
             every: int = 100) -> Iterator[Label]:
    for number, item in enumerate(items, start=1):
        if number % every == 0:
            tick(every)
        yield item


def _lifecycle(codes: list[str], org: str | None, activate: bool) -> None:
    from agritrace.labels import stamps

    engine = migrated_engine()
    try:
        organization = chosen_organization(engine, org)
        change = stamps.activate_stamps if activate else stamps.void_stamps
        done = change(engine, organization, codes)
    except AgritraceError as exc:
        raise fail(exc) from exc
    out.print(both("stamps_activated" if activate else "stamps_voided", count=done),
              highlight=False)


@stamps_app.command("void")
def void(
    codes: Annotated[list[str], typer.Argument(help="Stamp URLs, paths or element strings")],
    org: Annotated[str | None, typer.Option(
        "--org", help="The organization that issued them (may be left out while the store "
                      "holds one)")] = None,
) -> None:
    """Void stamps (lost, damaged, misprinted): a decommissioning event; scans then warn."""
    _lifecycle(codes, org, activate=False)


@stamps_app.command("activate")
def activate(
    codes: Annotated[list[str], typer.Argument(help="Stamp URLs, paths or element strings")],
    org: Annotated[str | None, typer.Option(
        "--org", help="The organization that issued them (may be left out while the store "
                      "holds one)")] = None,
) -> None:
    """Put voided stamps back in use: a new commissioning event."""
    _lifecycle(codes, org, activate=True)


@stamps_app.command("qr")
def qr(
    url: Annotated[str, typer.Argument(help="A GS1 Digital Link (or any URL) to encode")],
    png: Annotated[bool, typer.Option("--png/--svg", help="PNG image or SVG (default)")]
    = False,
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default stdout)")]
    = None,
) -> None:
    """Draw one QR code with its human-readable lines (GTIN, lot, serial) under it."""
    from agritrace.labels.qr import label_lines, qr_png, qr_svg

    try:
        lines = label_lines(DigitalLink.parse(url))
    except AgritraceError:
        lines = ()  # not a Digital Link: the code alone
    data = qr_png(url, lines) if png else qr_svg(url, lines).encode()
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        output_file(out).write_bytes(data)
        err.print(both("file_written", path=out), highlight=False)
