"""The eudr and methane commands as a user runs them, on both engines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.demo import PLOTS, ROASTER
from agritrace.settings import get_settings
from tests.reports.demo_data import PALLET, Demo, load

runner = CliRunner()


@pytest.fixture
def demo(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield load(engine)
    get_settings.cache_clear()


def test_readiness_list_and_geojson_of_the_pallet(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "pallet.geojson"
    result = runner.invoke(app, ["eudr", "readiness", PALLET, "--org", ROASTER, "--lang", "en",
                                 "--geojson", str(target)])
    assert result.exit_code == 0, result.output
    assert "Shipment ready for the EU system: 3 plots" in result.stdout
    assert "no risk result for some plots" in result.stdout
    collection = json.loads(target.read_text())
    assert len(collection["features"]) == 3
    assert "103.196412, 21.498731" in target.read_text()  # [lon, lat], six decimals
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [
        "eudr", "readiness", PALLET, "--org", ROASTER, "--format", "csv"]).stdout)))
    assert [(r["producer"], r["ready"]) for r in rows] == [
        ("Lò Văn A", "yes"), ("Lò Văn B", "yes"), ("Lò Văn C", "yes")]


def test_geojson_and_statement_commands(demo: Demo) -> None:
    geo = runner.invoke(app, ["eudr", "geojson", PALLET, "--org", ROASTER])
    assert geo.exit_code == 0, geo.output
    assert json.loads(geo.stdout)["features"][2]["properties"]["ProducerName"] == "Lò Văn C"
    whisp = runner.invoke(app, ["eudr", "geojson", PALLET, "--org", ROASTER, "--whisp"])
    assert [f["properties"]["external_id"] for f in json.loads(whisp.stdout)["features"]] == (
        list(PLOTS))
    made = runner.invoke(app, ["eudr", "statement", demo.chain.green_lot, "--org",
                               demo.coop.name, "--activity", "EXPORT"])
    assert made.exit_code == 0, made.output
    data = orjson.loads(made.stdout)
    assert data["activityType"] == "EXPORT" and data["operator"]["name"] == demo.coop.name
    assert data["commodities"][0]["descriptors"]["goodsMeasure"]["netWeight"] == 560.0


def test_risk_import_then_shown_in_the_readiness_list(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "whisp.csv"
    path.write_text("external_id,risk_pcrop\n" + "".join(f"{p},low\n" for p in PLOTS))
    imported = runner.invoke(app, ["eudr", "risk-import", str(path), "--org", ROASTER])
    assert imported.exit_code == 0, imported.output
    assert "3 plot results imported" in imported.stdout
    shown = runner.invoke(app, ["eudr", "readiness", PALLET, "--org", ROASTER, "--format",
                                "json", "--lang", "en"])
    data = orjson.loads(shown.stdout)
    assert data["risk"] == "low" and "31/12/2020" in data["risk_message"]
    assert [p["risk"] for p in data["plots"]] == ["low", "low", "low"]


def test_a_bad_risk_file_stores_nothing_and_says_where(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "whisp.csv"
    path.write_text("external_id,risk_pcrop\nurn:x:nowhere,low\n")
    result = runner.invoke(app, ["eudr", "risk-import", str(path), "--org", ROASTER])
    assert result.exit_code == 2
    assert "whisp.csv line 2: external_id: expected the URI of a registered plot" in (
        result.output)
    assert "Traceback" not in result.output


def test_methane_season_and_totals(demo: Demo) -> None:
    text = runner.invoke(app, ["methane", "season", "--org", demo.rice.cooperative,
                               "--from", "2025-12-01", "--to", "2025-12-31", "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "not enough data: missing" in text.stdout
    data = orjson.loads(runner.invoke(app, [
        "methane", "season", "--org", demo.rice.cooperative, "--format", "json"]).stdout)
    assert [s["water_regime"] for s in data["seasons"][:3]] == [
        "multiple_drainage", "continuously_flooded", "single_drainage"]
    totals = orjson.loads(runner.invoke(app, ["methane", "totals", "--by", "province",
                                              "--format", "json"]).stdout)
    assert [t["key"] for t in totals] == ["Cần Thơ"]
    assert totals[0]["awd_share"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(("args", "message"), [
    (["eudr", "readiness", "LOT-1", "--org", ROASTER], "not an identifier"),
    (["eudr", "geojson", PALLET, "--org", "Nobody"], "No organization named 'Nobody'"),
    (["eudr", "statement", PALLET, "--org", ROASTER], "netWeight: expected the shipment's "
                                                      "net mass in kg"),
    (["methane", "season", "--org", ROASTER, "--from", "1/12/2025"], "expected a date"),
    (["methane", "totals", "--by", "district"], "expected one of cooperative, province"),
])
def test_errors_are_one_readable_message(demo: Demo, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
