"""The README's demo: a coffee chain that every part of the platform can follow."""

from __future__ import annotations

from sqlalchemy import Engine

from agritrace.demo import ROASTER, load_demo
from agritrace.query import parse_query, run_query
from agritrace.store.orgs import authenticate


def test_demo_chain_is_captured_by_each_organization(engine: Engine) -> None:
    chain = load_demo(engine)
    assert chain.events == 24  # 23 + the bags' stamp batch
    assert len(chain.harvest_lots) == 3 and len(chain.bags) == 24
    roaster = authenticate(engine, chain.tokens[ROASTER])
    bag = run_query(engine, parse_query({"MATCH_anyEPC": chain.bags[0]}), roaster).events
    assert [e.event["bizStep"] for e in bag] == ["commissioning", "commissioning", "packing"]
    assert bag[0].event["type"] == "ObjectEvent"  # the stamp, then the roasting that fills it
    green = run_query(engine, parse_query({"MATCH_anyEPCClass": chain.green_lot}), roaster).events
    assert [e.event["bizStep"] for e in green] == ["receiving", "commissioning"]
