"""The README's demo: a coffee chain that every part of the platform can follow."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.demo import (
    BAG,
    CHERRY,
    COOP,
    COOP_PREFIX,
    COOP_SITE,
    GREEN,
    PALLET,
    PLOTS,
    RETAILER,
    RETAILER_PREFIX,
    ROASTER,
    ROASTER_PREFIX,
    ROASTERY,
    SHOP,
    load_demo,
)
from agritrace.query import parse_query, run_query
from agritrace.settings import get_settings
from agritrace.store.orgs import authenticate, find_organization
from agritrace.trust import GS1, Owners

runner = CliRunner()


def test_demo_chain_is_captured_by_each_organization(engine: Engine) -> None:
    chain = load_demo(engine)
    assert chain.events == 24  # 23 + the bags' stamp batch
    assert len(chain.harvest_lots) == 3 and len(chain.bags) == 24
    roaster = authenticate(engine, chain.tokens[ROASTER]).org
    bag = run_query(engine, parse_query({"MATCH_anyEPC": chain.bags[0]}), roaster).events
    assert [e.event["bizStep"] for e in bag] == ["commissioning", "commissioning", "packing"]
    assert bag[0].event["type"] == "ObjectEvent"  # the stamp, then the roasting that fills it
    green = run_query(engine, parse_query({"MATCH_anyEPCClass": chain.green_lot}), roaster).events
    assert [e.event["bizStep"] for e in green] == ["receiving", "commissioning"]


def test_each_demo_company_owns_its_own_gs1_prefix(engine: Engine) -> None:
    """Issue 15: the cooperative, the roaster and the retailer shared the prefix 8931234. Each
    now holds its own Vietnamese prefix (893...), and the demo's codes belong to the company that
    made them, so each event was accepted from the organization that owns what it claims."""
    chain = load_demo(engine)
    assert len({COOP_PREFIX, ROASTER_PREFIX, RETAILER_PREFIX}) == 3
    assert all(p.startswith("893") and len(p) == 7
               for p in (COOP_PREFIX, ROASTER_PREFIX, RETAILER_PREFIX))
    made_by = {COOP: [f"{GS1}01/{CHERRY}", f"{GS1}01/{GREEN}", *PLOTS, COOP_SITE,
                      *chain.harvest_lots, chain.green_lot],
               ROASTER: [f"{GS1}01/{BAG}", ROASTERY, PALLET, chain.roasted_lot, *chain.bags],
               RETAILER: [SHOP]}
    with engine.connect() as conn:
        owners = Owners.load(conn, [code for codes in made_by.values() for code in codes])
    for name, codes in made_by.items():
        org = find_organization(engine, name).id
        assert {code: owners.owner(code) for code in codes} == dict.fromkeys(codes, org)


def test_the_demo_coffee_is_a_perennial_with_a_season_per_crop_year(engine: Engine) -> None:
    """Issue 15: coffee was 'sown' on 1 March and pruned on 20 February, before its planting,
    like an annual crop. A season is now a crop year (November to October) of trees planted
    long ago: nothing sown, the pruning after the season opens, the harvest in it."""
    from datetime import date

    from agritrace.farm.demo import load_farm_demo
    from agritrace.farm.seasons import get_season
    from agritrace.store.orgs import find_organization

    chain = load_demo(engine)
    farm = load_farm_demo(engine, chain)
    coop = find_organization(engine, COOP)
    for uri in farm.seasons:
        season = get_season(engine, coop, uri)
        assert (season.start, season.end, season.sown_on) == (
            date(2025, 11, 1), date(2026, 10, 31), None)
        diary = run_query(engine, parse_query({"MATCH_epc": uri}),
                          authenticate(engine, chain.tokens[COOP]).org).events
        days = [date.fromisoformat(e.event["eventTime"][:10]) for e in diary]
        end = season.end or date.max
        assert days and all(season.start <= day <= end for day in days)
        assert all("agt:sownOn" not in e.event for e in diary)


def test_the_demo_prints_the_eudr_and_methane_commands_and_each_works(
        database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        shown = runner.invoke(app, ["demo", "--no-serve"])
        assert shown.exit_code == 0, shown.output
        # Printed as a person runs them from here: the virtualenv's script unless it is on PATH.
        commands = [line.strip() for line in shown.stdout.splitlines()
                    if re.match(r"\s*\S*agritrace (eudr|methane) ", line)]
        assert len(commands) == 2
        assert Path(shlex.split(commands[0])[0]).name == "agritrace"
        # each sign-in link says whose it is: name, role and organization, both cooperatives
        assert re.search(r"Giàng A Páo, quản lý / manager, HTX Cà phê Mường Ảng: http\S+/login"
                         r"\?code=", shown.stdout)
        assert "Đặng Thị Mười, quản lý / manager, HTX Lúa gạo Hòa Tú: http" in shown.stdout
        assert ", nông dân / farmer, HTX Cà phê Mường Ảng: http" in shown.stdout
        eudr = runner.invoke(app, [*shlex.split(commands[0])[1:], "--lang", "en"])
        assert eudr.exit_code == 0, eudr.output
        assert "Shipment ready for the EU system: 3 plots" in eudr.stdout
        geojson = json.loads((tmp_path / "out" / "pallet.geojson").read_text())
        assert len(geojson["features"]) == 3
        methane = runner.invoke(app, [*shlex.split(commands[1])[1:], "--format", "json"])
        assert methane.exit_code == 0, methane.output
        seasons = json.loads(methane.stdout)["seasons"]
        assert [s["status"] for s in seasons] == ["estimated"] * 3 + ["not_enough_data"]
        _the_generated_chain_traces_and_recalls(shown.stdout, tmp_path)
        held = {tuple(line.split("\t")[:3]) for line in runner.invoke(
            app, ["org", "grants"]).stdout.splitlines()}
        assert {(COOP, "prefix", COOP_PREFIX), (ROASTER, "prefix", ROASTER_PREFIX),
                (RETAILER, "prefix", RETAILER_PREFIX)} <= held
    finally:
        get_settings.cache_clear()


def _the_generated_chain_traces_and_recalls(shown: str, tmp_path: Path) -> None:
    """The demo adds a synthetic chain and prints a trace and a recall that work on it."""
    found = (re.search(r": \S*agritrace (.+)", line) for line in shown.splitlines())
    printed = {m.group(1).split()[0]: m.group(1) for m in found if m}
    back = runner.invoke(app, [*shlex.split(printed["trace"]), "--format", "csv"])
    assert back.exit_code == 0, back.output
    kinds = {row.split(",")[3] for row in back.stdout.splitlines()[1:]}
    assert {"season", "location"} <= kinds  # the unit's trace reaches its plot and season
    recalled = runner.invoke(app, shlex.split(printed["recall"]))
    assert recalled.exit_code == 0, recalled.output
    assert any((tmp_path / "out" / "recall").iterdir())  # the default folder, git-ignored
