"""The trace, recall, report and generate commands as a user runs them, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.generator.run import Generated, chain
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from tests.trace.chain import LOT_A, load_chain

runner = CliRunner()
SEED, SIZE = 5, 700


pytestmark = pytest.mark.usefixtures("cli_database")


def _generated() -> Generated:
    result = Generated()
    for _ in chain(SEED, SIZE, result):
        pass
    assert result.first is not None
    return result


def test_generate_then_trace_recall_and_report(tmp_path: Path) -> None:
    made = runner.invoke(app, ["generate", "--size", str(SIZE), "--seed", str(SEED)])
    assert made.exit_code == 0, made.output
    batch = _generated().first
    assert batch is not None
    assert f"{_generated().events:,} events captured" in made.stdout
    back = runner.invoke(app, ["trace", batch.units[0], "--direction", "back", "--format",
                               "json"])
    assert back.exit_code == 0, back.output
    graph = orjson.loads(back.stdout)
    assert set(batch.seasons) <= {n["id"] for n in graph["nodes"]}
    read = runner.invoke(app, ["trace", batch.units[0], "--direction", "back"],
                         terminal_width=80)
    assert read.exit_code == 0, read.output
    # Vietnamese first (issue 15), English on request
    assert read.stdout.startswith(f"Truy xuất {batch.units[0]} (ngược về nguồn): ")
    headline = read.stdout.splitlines()[0]
    assert "mùa vụ" in headline and " lô" in headline and "season" not in headline
    english = runner.invoke(app, ["trace", batch.units[0], "--direction", "back", "--lang",
                                  "en"], terminal_width=80).stdout
    assert english.startswith(f"Trace {batch.units[0]} (back): ")
    assert "season" in english and "lot" in english and "mùa vụ" not in english
    # a long identifier wraps inside its column, never cut with an ellipsis
    assert "…" not in read.stdout.split("more:")[0]
    joined = "".join(line.strip() for line in read.stdout.splitlines())
    assert all(season in joined for season in batch.seasons)
    dot = runner.invoke(app, ["trace", batch.plots[0], "--direction", "forward",
                              "--format", "dot"])
    assert dot.exit_code == 0 and dot.stdout.count(batch.units[0]) >= 1
    out = tmp_path / "recall"
    recalled = runner.invoke(app, ["recall", batch.harvest_lots[0], "--out", str(out)])
    assert recalled.exit_code == 0, recalled.output
    assert sorted(p.name for p in out.iterdir()) == [
        "recall-en.html", "recall-vi.html", "recall.csv", "recall.json"]
    assert f"{len(batch.units)} item" in recalled.stdout
    sheet = tmp_path / "fsma.xlsx"
    fsma = runner.invoke(app, ["report", "fsma204", batch.harvest_lots[0], "--out", str(sheet)])
    assert fsma.exit_code == 0 and sheet.read_bytes()[:2] == b"PK"
    step = runner.invoke(app, ["report", "one-step", batch.processed_lots[-1], "--format",
                               "csv"])
    assert step.exit_code == 0 and step.stdout.startswith("direction,relation")


def test_recall_mark_needs_an_existing_organization_that_owns_the_lot(
        cli_database: Path, tmp_path: Path) -> None:
    """``agritrace recall --mark --org`` names an existing organization (a typo creates none)
    and records the recall only for the lot's owner or its delegate."""
    engine = make_engine(f"sqlite:///{cli_database}")
    upgrade(engine)
    load_chain(engine)
    engine.dispose()
    args = ["recall", LOT_A, "--mark", "--reason", "dư lượng", "--out", str(tmp_path / "r")]
    typo = runner.invoke(app, [*args, "--org", "HTX Tets"])
    assert typo.exit_code != 0 and "HTX Test" in typo.output  # suggests the closest name
    factory = runner.invoke(app, [*args, "--org", "Nhà máy Test"])
    assert factory.exit_code != 0 and "HTX Test" in factory.output
    assert not (tmp_path / "r").exists()
    owner = runner.invoke(app, [*args, "--org", "HTX Test"])
    assert owner.exit_code == 0, owner.output
    assert "recall recorded: 1 events (success)" in owner.output
    orgs = runner.invoke(app, ["org", "list"])
    assert "HTX Tets" not in orgs.output


def test_generate_documents(tmp_path: Path) -> None:
    made = runner.invoke(app, ["generate", "--size", "500", "--out", str(tmp_path / "docs"),
                               "--per-file", "300"])
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "docs").glob("*.jsonld"))) == 2


@pytest.mark.parametrize(("args", "message"), [
    (["trace", "LOT-1"], "not an identifier"),
    (["trace", "https://id.gs1.org/01/08931234000103/10/NONE"], "No event names"),
    (["trace", "urn:x:1", "--direction", "up"], "Unknown direction"),
    (["generate", "--size", "tiny"], "Unknown size"),
])
def test_errors_are_one_readable_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
