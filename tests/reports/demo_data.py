"""The README's demo, loaded once per test database: the coffee chain with its registry and the
rice cooperative. Shared by the EUDR and methane service, CLI, API and page tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from agritrace.demo import COOP, PALLET, ROASTER, DemoChain, load_demo
from agritrace.reports.rice_demo import RiceDemo, load_report_demos
from agritrace.store.orgs import Organization, find_organization

__all__ = ["PALLET", "Demo", "load"]  # the pallet the demo roaster ships


@dataclass
class Demo:
    chain: DemoChain
    rice: RiceDemo
    coop: Organization
    roaster: Organization
    rice_coop: Organization


def load(engine: Engine) -> Demo:
    chain = load_demo(engine)
    rice = load_report_demos(engine, chain)
    return Demo(chain, rice, find_organization(engine, COOP), find_organization(engine, ROASTER),
                find_organization(engine, rice.cooperative))
