"""What every ``agritrace`` command shares: the two consoles, a migrated engine, readable exits.

A person should never read a stack trace: errors we raise on purpose are printed as their
message with every problem listed, and the command exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
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
