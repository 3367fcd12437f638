"""Docs that are checked: every setting and every command is documented."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.settings import Settings, get_settings
from tests.conformance import REPO

runner = CliRunner()


def test_every_setting_is_documented() -> None:
    text = (REPO / "docs" / "operations.md").read_text()
    missing = [name for name in Settings.model_fields
               if f"AGRITRACE_{name.upper()}" not in text]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    group = typer.main.get_group(app)
    missing = [name for name in group.commands if f"agritrace {name}" not in readme]
    assert missing == []


# Every agritrace command written in the README and docs/*.md runs, in order per document,
# against a fresh demo store (issue 12: examples failed as written). A line ending in
# "# not run: REASON" is left out; the reasons are few and each is written beside its command.
# A synopsis (with [optional] parts, a|b choices or …) cannot run as written: its command's --help
# must answer and name every --option the synopsis shows.
_DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.M | re.S)
_COMMAND = re.compile(r"^(?:\.venv/bin/)?agritrace\s")
_SYNOPSIS = re.compile(r"\[|…|\.\.\.|\|")
# a word in capitals without digits stands for a value the reader supplies (ID, FILE.xlsx, NAME)
_PLACEHOLDER = re.compile(r"[A-Z][A-Z_-]+(\.[a-z]+)?")


def _is_synopsis(command: str) -> bool:
    return bool(_SYNOPSIS.search(command.split(" #")[0])) or any(
        _PLACEHOLDER.fullmatch(word) for word in _words(command))


def _commands(document: Path) -> list[tuple[int, str]]:
    """(line number, command) of each agritrace command in the document's shell blocks."""
    text = document.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    for block in _SHELL_BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).splitlines()
        at = 0
        while at < len(lines):
            start, line = at, lines[at].strip()
            while line.endswith("\\") and at + 1 < len(lines):  # continued on the next line
                at += 1
                line = f"{line[:-1].rstrip()} {lines[at].strip()}"
            if _COMMAND.match(line):
                found.append((first + start, line))
            at += 1
    return found


def _words(command: str) -> list[str]:
    """The command's words without the program and the trailing comment."""
    return shlex.split(command, comments=True)[1:]


def _synopsis_problems(command: str) -> list[str]:
    words = _words(command)
    path: list[list[str]] = []
    for word in words:
        if not re.fullmatch(r"[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*", word):
            break
        path.append(word.split("|"))
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", command.split(" #")[0]))
    helps = []
    for choice in path[-1] if path else [""]:
        args = [*[alt[0] for alt in path[:-1]], choice, "--help"] if choice else ["--help"]
        shown = runner.invoke(app, args, terminal_width=200)
        if shown.exit_code != 0:
            return [f"{' '.join(args)}: exit {shown.exit_code}"]
        helps.append(shown.stdout)
    return [f"{option} is in no --help of {' '.join(path[0]) if path else ''}"
            for option in sorted(options) if not any(option in text for text in helps)]


def _export_printed_settings(output: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command that prints a setting as NAME=VALUE (log keygen) is followed, as the docs ask
    the reader, by exporting it."""
    for name, value in re.findall(r"^(AGRITRACE_[A-Z_]+)=(\S+)$", output, re.M):
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()


@pytest.fixture
def demo_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working folder with the demo loaded (no generated chains: quick), as a reader has it."""
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    loaded = runner.invoke(app, ["demo", "--no-serve", "--generated", "0"])
    assert loaded.exit_code == 0, loaded.output
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("document", [d for d in _DOCUMENTS if _commands(d)],
                         ids=lambda d: str(d.relative_to(REPO)))
def test_every_documented_command_runs_against_the_demo(document: Path, demo_store: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    failures = []
    for line, command in _commands(document):
        where = f"{document.name}:{line}: {command}"
        if "# not run:" in command:
            assert command.split("# not run:")[1].strip(), f"{where}: say why it is not run"
        elif _is_synopsis(command):
            failures += [f"{where}\n  {p}" for p in _synopsis_problems(command)]
        else:
            ran = runner.invoke(app, _words(command))
            if ran.exit_code != 0:
                failures.append(f"{where}\n  exit {ran.exit_code}: {ran.output[-600:]}")
            _export_printed_settings(ran.output, monkeypatch)
    assert not failures, "\n".join(failures)
    # whatever the commands wrote went to ./out/ (git-ignored), not loose into the folder
    assert {p.name for p in demo_store.iterdir() if not p.name.startswith("demo.db")} <= {"out"}
