"""What every ``agritrace`` command shares: the two consoles, a migrated engine, readable exits.

A person should never read a stack trace: errors we raise on purpose are printed as their
message with every problem listed, and the command exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from agritrace.errors import AgritraceError
from agritrace.settings import get_settings
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Where a command's files go unless --out says (git-ignored), never the current folder itself.
OUT = Path("out")


def output_file(path: Path) -> Path:
    """``path`` with its folder made, so that ``--out out/x.csv`` works in a fresh checkout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# Wide enough to measure a table at its natural width, whatever the terminal's.
_UNBOUNDED = 10_000


def print_fitted(renderable: RenderableType) -> None:
    """Print ``renderable`` (a table, or a group holding tables) on ``out`` without cutting a
    column: a table the terminal cannot hold at its columns' least widths (each identifier
    column ``no_wrap``, so a code is one unbroken word) prints each row as "heading: value"
    lines instead (issue 15: at 80 columns the tables cut identifiers and numbers to "…")."""
    parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
    for part in parts:
        if isinstance(part, Table) and not _fits(part):
            _print_rows(part)
        else:
            out.print(part, highlight=False)


def _fits(table: Table) -> bool:
    for column in table.columns:
        if column.no_wrap:  # Rich measures a column by its longest word; this one is not cut
            column.min_width = max(cell_len(line) for cell in (column.header, *column.cells)
                                   for line in _plain(cell).splitlines() or [""])
    least = Measurement.get(out, out.options.update_width(_UNBOUNDED), table).minimum
    return least <= out.width


def _plain(cell: RenderableType) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _print_rows(table: Table) -> None:
    """Each row as lines "heading: value", a value's further lines under its first."""
    headings = [_plain(column.header) for column in table.columns]
    for number, cells in enumerate(zip(*(column.cells for column in table.columns),
                                       strict=True)):
        if number:
            out.print()
        for index, (heading, cell) in enumerate(zip(headings, cells, strict=True)):
            first, *more = _plain(cell).splitlines() or [""]
            lead = f"{heading}: " if index == 0 else f"  {heading}: "
            out.print(Text(lead + first), *(Text(" " * cell_len(lead) + line) for line in more),
                      sep="\n", highlight=False)


def migrated_engine() -> Engine:
    """The configured database, migrated to the newest schema."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    return engine


def fail(exc: AgritraceError | OSError | ValueError, lang: str | None = None) -> typer.Exit:
    """Print ``exc`` (with its problems) on stderr; raise the returned exit. With ``lang``
    ("vi", "en", or "vi/en" for commands whose warnings print both) the message and its
    problems are said in that language where the catalogue has them. Without ``lang``, an
    error the catalogue says (a keyed detail or problem) prints Vietnamese, then English."""
    if lang is None and isinstance(exc, AgritraceError) and (
            exc.key or any(p.key for p in exc.problems)):
        lang = "vi/en"
    text = str(exc) if lang is None or not isinstance(exc, AgritraceError) else (
        _translated(exc, lang))
    # Field paths such as epcList[1] would otherwise be read as Rich markup.
    label = {"vi": "lỗi", "vi/en": "lỗi / error"}.get(lang or "", "error")
    err.print(f"[red]{label}:[/red] {escape(text)}", highlight=False)
    return typer.Exit(code=2)


def _translated(exc: AgritraceError, lang: str) -> str:
    from agritrace.web.i18n import Translator

    said = [Translator(one) for one in lang.split("/")]
    # An error without a catalogue text keeps its own detail (often "vi / en" already).
    detail = exc.detail if len(said) > 1 else said[0].detail(exc, "") or exc.detail
    problems = [" / ".join(dict.fromkeys(t.problem(p) for t in said)) for p in exc.problems[:50]]
    return "\n".join([detail, *(f"  - {p}" for p in problems)])
