"""Commands write their files into ./out/ (git-ignored) or where --out says, never loose into the
current folder, and an --out folder that does not exist yet is made (issue 12: a run of the
documented commands left print/, recall/ and *.geojson in the checkout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.generator.run import Generated, chain
from tests.conformance import REPO

runner = CliRunner()


def test_recall_and_report_files_go_to_out_or_where_out_says(
        cli_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    made = runner.invoke(app, ["generate", "--size", "300", "--seed", "5"])
    assert made.exit_code == 0, made.output
    generated = Generated()
    for _ in chain(5, 300, generated):
        pass
    assert generated.first is not None
    harvest = generated.first.harvest_lots[0]
    recalled = runner.invoke(app, ["recall", harvest])
    assert recalled.exit_code == 0, recalled.output
    assert sorted(p.name for p in (work / "out" / "recall").iterdir()) == [
        "recall-en.html", "recall-vi.html", "recall.csv", "recall.json"]
    report = runner.invoke(app, ["report", "fsma204", harvest, "--out", "new/folder/lot.xlsx"])
    assert report.exit_code == 0, report.output
    assert sorted(p.name for p in work.iterdir()) == ["new", "out"]
    assert (work / "new" / "folder" / "lot.xlsx").stat().st_size > 0


def test_the_default_output_folder_is_ignored_by_git() -> None:
    assert "/out/" in (REPO / ".gitignore").read_text().splitlines()
