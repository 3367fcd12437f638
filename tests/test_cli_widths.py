"""Issue 15: at 80 columns the CLI's tables cut identifiers (and numbers) to "…". Every table a
command prints keeps each code whole: it fits, or it prints each row as "heading: value" lines."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from rich.table import Column, Table
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.console import print_fitted
from agritrace.demo import PLOTS, ROASTER
from agritrace.trace.summary import SHOWN
from tests.reports.demo_data import PALLET, Demo, load

runner = CliRunner()
NARROW = {"COLUMNS": "80"}


@pytest.fixture
def demo(database_url: str, engine: Engine, environment: Callable[..., None]) -> Demo:
    environment(database_url=database_url)  # the commands read the demo's database
    return load(engine)


def _printed(*args: str) -> str:
    result = runner.invoke(app, list(args), env=NARROW)
    assert result.exit_code in (0, 1), result.output  # 1: a readiness verdict of "not ready"
    return result.stdout


def _table_lines(text: str) -> list[str]:
    """The lines of a table drawn in ``text`` (a sentence may run on: the terminal wraps it)."""
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]


def _cut(text: str) -> list[str]:
    """Lines of a drawn table that cut a cell ("…"), or that run past 80 columns."""
    return [line for line in _table_lines(text) if "…" in line or len(line) > 80]


def test_the_readiness_list_keeps_each_plot_code_whole_at_80_columns(demo: Demo) -> None:
    for lang in ("vi", "en"):
        text = _printed("eudr", "readiness", PALLET, "--org", ROASTER, "--lang", lang)
        assert all(plot in text for plot in PLOTS), text
        assert _table_lines(text) and _cut(text) == [], text
        assert {"vi": "│ 4,50 ", "en": "│ 4.50 "}[lang] in text, text  # the reader's decimals


def test_a_trace_keeps_each_identifier_whole_at_80_columns(demo: Demo) -> None:
    for code, direction in ((PALLET, "back"), (demo.chain.harvest_lots[0], "forward")):
        text = _printed("trace", code, "--direction", direction)
        graph = json.loads(_printed("trace", code, "--direction", direction, "--format", "json"))
        nodes = sorted(graph["nodes"], key=lambda n: (n["depth"], n["kind"], n["id"]))
        identifiers = [node["id"] for node in nodes][:SHOWN]  # the ones the summary lists
        assert len(identifiers) > 5 and all(i in text for i in identifiers), text
        assert not any(line.rstrip().endswith("…") for line in text.splitlines()), text


def test_the_methane_tables_cut_no_number_at_80_columns(demo: Demo) -> None:
    for lang in ("vi", "en"):
        season = _printed("methane", "season", "--org", demo.rice.cooperative, "--lang", lang)
        totals = _printed("methane", "totals", "--by", "province", "--lang", lang)
        for text in (season, totals):
            assert _cut(text) == [], text
        assert "230 (90–566)" in season, season  # a number whole


def test_a_table_too_wide_for_the_terminal_prints_its_rows_as_lines(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code = "https://id.gs1.org/01/08936045000359/21/" + "X" * 40
    table = Table(Column("Mã", no_wrap=True), "Ghi chú")
    table.add_row(code, "hai dòng\nthứ hai")
    monkeypatch.setenv("COLUMNS", "60")
    print_fitted(table)
    assert capsys.readouterr().out.splitlines() == [
        f"Mã: {code}", "  Ghi chú: hai dòng", "           thứ hai"]
