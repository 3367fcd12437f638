"""Every command's --help reads as written: no text eaten by the terminal's markup, no empty
parentheses, no placeholder left in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from agritrace.cli import app

runner = CliRunner()
EMPTY = re.compile(r"\(\s*[,;]?\s*\)|,\s*\)|\(\s*,")
PLACEHOLDERS = re.compile(r"\b(TODO|FIXME|XXX|TBD|lorem)\b|\{[a-z_]+\}")


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) for the main command and every subcommand (Typer's own click types)."""
    yield path, group
    if hasattr(group, "commands"):
        for name, command in sorted(group.commands.items()):
            yield from commands(command, (*path, name))


ALL = list(commands(typer.main.get_command(app)))


def _words(text: str) -> list[str]:
    return re.findall(r"[\w.-]+", text)


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "agritrace")
def test_help_reads_as_written(path: tuple[str, ...]) -> None:
    command = dict(ALL)[path]
    result = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    # The usage line is Typer's own ("{file}" there names the argument).
    shown = " ".join(" ".join(line for line in result.output.splitlines()
                              if "Usage:" not in line).split())
    assert not EMPTY.search(shown), EMPTY.search(shown)
    assert not PLACEHOLDERS.search(shown), PLACEHOLDERS.search(shown)
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    for text in texts:
        first = text.strip().split("\n\n")[0]
        flat = " ".join(_words(first))
        # Every word of the help's first paragraph is shown: markup such as [lon, lat] is not
        # swallowed on the way to the terminal.
        missing = [w for w in _words(first) if w not in shown]
        assert not missing, f"{' '.join(path)}: {missing} of {flat!r} not shown"
