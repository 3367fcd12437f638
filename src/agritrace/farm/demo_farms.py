"""What the husbandry demos share (issue 17): a cooperative with its own GS1 prefix registers one
barn or pond, opens its cycle, registers the product it sells and writes the cycle's diary, all
through the registry and diary services as its manager would, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from agritrace.errors import NoSuchResourceException
from agritrace.farm.catalog import add_product
from agritrace.farm.places import add_place, place_by_uri
from agritrace.farm.record import record_entry
from agritrace.farm.registry import Actor, add_member, org_actor
from agritrace.farm.seasons import open_season
from agritrace.store.grants import grant
from agritrace.store.orgs import ensure_organization

Entry = Callable[..., None]  # entry(kind, day, **fields): one diary entry on the demo's place


@dataclass(frozen=True)
class DemoFarm:
    """One cooperative's place, cycle and product; ``place`` and ``product`` as the registry
    takes them (the place's technical manager is added)."""

    cooperative: str
    prefix: str
    manager: str
    technical_manager: tuple[str, str]  # name, phone
    place: dict[str, Any]
    cycle: tuple[str, date, date]  # season URI, start, end
    product: dict[str, Any]
    tag: str  # the diary entries' idempotency keys start with it


def load_farm(engine: Engine, farm: DemoFarm, diary: Callable[[Entry], None]) -> bool:
    """Register ``farm`` and write ``diary`` with it; False (nothing written) when it is there
    already."""
    org = ensure_organization(engine, farm.cooperative, kind="cooperative")
    try:
        place_by_uri(engine, org, farm.place["uri"])
        return False
    except NoSuchResourceException:
        pass
    grant(engine, org, "prefix", farm.prefix, "agritrace demo")
    actor = org_actor(org, farm.manager)
    name, phone = farm.technical_manager
    technical = add_member(engine, actor, name=name, role="technical_manager", phone=phone)
    add_place(engine, actor, {**farm.place, "technical_manager_id": technical.id})
    uri, start, end = farm.cycle
    open_season(engine, actor, {"plot": farm.place["uri"], "uri": uri, "start": start,
                                "end": end})
    add_product(engine, actor, farm.product)
    diary(_writer(engine, actor, farm))
    return True


def _writer(engine: Engine, actor: Actor, farm: DemoFarm) -> Entry:
    def entry(kind: str, day: date, **fields: object) -> None:
        record_entry(engine, actor, kind, {"plot_id": farm.place["uri"], "on": day.isoformat(),
                                           **fields}, f"{farm.tag}:{kind}:{day.isoformat()}")
    return entry
