"""A small hand-built cooperative for the farm registry, diary, import, API and CLI tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from agritrace.farm.places import Place, add_place
from agritrace.farm.registry import Actor, Member, add_member, org_actor
from agritrace.farm.seasons import Season, open_season
from agritrace.ids.gs1 import vietnam_gtin
from agritrace.store.orgs import Organization, create_organization

# 4.5 ha and 1.6 ha plots in Mường Ảng (Điện Biên), [lon, lat].
BIG = [[103.196412, 21.498731], [103.198508, 21.49856], [103.198782, 21.50001],
       [103.197506, 21.500522], [103.19623, 21.500181], [103.196412, 21.498731]]
SMALL = [[103.203877, 21.493215], [103.205187, 21.493317], [103.205405, 21.494134],
         [103.204205, 21.494339], [103.203768, 21.493828], [103.203877, 21.493215]]
CHERRY = vietnam_gtin("123400011").value


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Coop:
    org: Organization
    manager: Actor
    technical: Member
    farmer_a: Member
    farmer_b: Member
    plot_a: Place
    plot_b: Place
    season_a: Season
    season_b: Season


def make_coop(engine: Engine, name: str = "HTX Cà phê Ẳng Nưa", crop: str = "coffee") -> Coop:
    org = create_organization(engine, name)
    manager = org_actor(org, "Giàng A Páo")
    technical = add_member(engine, manager, name="Lò Thị Hương", role="technical_manager")
    farmer_a = add_member(engine, manager, name="Lò Văn A", role="farmer", phone="0912345671")
    farmer_b = add_member(engine, manager, name="Lò Văn B", role="farmer", phone="0912345672")
    plot_a = add_place(engine, manager, {
        "name": "Nương A", "geometry": polygon(BIG), "crop": crop, "farmer_id": farmer_a.id,
        "technical_manager_id": technical.id, "province": "Điện Biên"}).place
    plot_b = add_place(engine, manager, {
        "name": "Nương B", "geometry": polygon(SMALL), "crop": crop,
        "farmer_id": farmer_b.id}).place
    season_a = open_season(engine, manager, {"plot": plot_a.uri, "start": date(2026, 2, 1),
                                             "sown_on": date(2026, 3, 1)})
    season_b = open_season(engine, manager, {"plot": plot_b.uri, "start": date(2026, 2, 1)})
    return Coop(org, manager, technical, farmer_a, farmer_b, plot_a, plot_b, season_a,
                season_b)
