"""The demo rice cooperative: four ST25 plots in the Mekong delta and their winter–spring diary.

The winter–spring season (vụ Đông Xuân) 2025–2026, sown in December, harvested in March. Each
plot shows one case of the methane report:

1. alternate wetting and drying, straw worked in 40 days before sowing (multiple drainage);
2. continuously flooded, straw worked in 15 days before sowing (the highest emission);
3. one mid-season drainage, no organic amendment (single drainage);
4. sown and harvested but no water entries: "not enough data", never a guess.

Everything goes through the registry and diary services, as a cooperative's manager and its
farmers would enter it, so the report reads it back from the event log like any other season.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from agritrace.demo import ROASTER, DemoChain
from agritrace.errors import NoSuchResourceException
from agritrace.farm.demo import SignIn, load_farm_demo
from agritrace.farm.places import add_place, place_by_uri
from agritrace.farm.record import record_entry
from agritrace.farm.registry import add_member, create_member_token, org_actor
from agritrace.farm.seasons import open_season
from agritrace.store.orgs import ensure_organization

RICE_COOP = "HTX Lúa gạo Hòa Tú"
PROVINCE = "Cần Thơ"
SOWN = date(2025, 12, 10)
HARVEST = date(2026, 3, 25)  # 105 days
PLOT_BASE = "https://agritrace.org/id/place/demo-hoa-tu-"
SEASON_BASE = "https://agritrace.org/id/season/hoa-tu-dx-2026-"
FARMERS = ("Trần Văn Hai", "Nguyễn Thị Ba", "Lê Văn Tư", "Phạm Văn Năm")
MANAGER = "Đặng Thị Mười"
# South-west corners of about 2.2 ha rectangles (0.0015° × 0.0012°) near Hòa Tú, [lon, lat].
CORNERS = ((105.912347, 9.561213), (105.914531, 9.561213), (105.912347, 9.563127),
           (105.914531, 9.563127))


@dataclass
class RiceDemo:
    cooperative: str = RICE_COOP
    plots: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)
    sign_ins: list[SignIn] = field(default_factory=list)
    since: date = SOWN
    until: date = SOWN


def _ring(lon: float, lat: float) -> list[list[float]]:
    east, north = round(lon + 0.001506, 6), round(lat + 0.001204, 6)
    return [[lon, lat], [east, lat], [east, north], [lon, north], [lon, lat]]


def _days(n: int) -> str:
    return (SOWN + timedelta(days=n)).isoformat()


def _water(day: int, action: str, **more: Any) -> tuple[str, dict[str, Any]]:
    return "water", {"on": _days(day), "action": action, **more}


# Days are counted from sowing (negative: before it).
_DIARIES: tuple[tuple[tuple[str, dict[str, Any]], ...], ...] = (
    (_water(-104, "drain", note="rút nước thu hoạch vụ Hè Thu"),
     ("organic_amendment", {"on": _days(-40), "material": "straw", "amount": 5.0,
                            "unit": "t/ha"}),
     ("land_preparation", {"on": _days(-6), "method": "trục đất"}),
     _water(-3, "flood", water_level_cm=5.0),
     ("sowing", {"on": _days(0), "variety": "ST25", "seed_kg_per_ha": 60.0,
                 "method": "sạ cụm"}),
     _water(20, "drain", until=_days(26), water_level_cm=-15.0),
     _water(38, "drain", until=_days(45), water_level_cm=-15.0),
     _water(60, "drain", until=_days(66), water_level_cm=-15.0),
     _water(92, "drain", note="rút nước trước thu hoạch")),
    (_water(-104, "drain"),
     ("organic_amendment", {"on": _days(-15), "material": "straw", "amount": 5.0,
                            "unit": "t/ha"}),
     ("land_preparation", {"on": _days(-6), "method": "trục đất"}),
     _water(-3, "flood", water_level_cm=5.0),
     ("sowing", {"on": _days(0), "variety": "ST25", "seed_kg_per_ha": 100.0,
                 "method": "sạ lan"}),
     _water(95, "drain", note="rút nước trước thu hoạch")),
    (_water(-104, "drain"),
     ("land_preparation", {"on": _days(-6), "method": "trục đất"}),
     _water(-3, "flood"),
     ("sowing", {"on": _days(0), "variety": "ST25", "seed_kg_per_ha": 70.0}),
     _water(35, "drain", until=_days(44), note="phơi ruộng giữa vụ"),
     _water(95, "drain")),
    (("sowing", {"on": _days(0), "variety": "ST25", "seed_kg_per_ha": 80.0}),),
)


def load_rice_demo(engine: Engine) -> RiceDemo:
    """Register the cooperative, its plots and seasons, and record the diaries (once)."""
    coop = ensure_organization(engine, RICE_COOP, kind="cooperative")
    manager = org_actor(coop, "demo")
    demo = RiceDemo(plots=[f"{PLOT_BASE}{i + 1}" for i in range(len(FARMERS))],
                    seasons=[f"{SEASON_BASE}{i + 1}" for i in range(len(FARMERS))],
                    since=SOWN, until=SOWN)
    try:
        place_by_uri(engine, coop, demo.plots[0])
        return demo
    except NoSuchResourceException:
        pass
    office = add_member(engine, manager, name=MANAGER, role="manager", phone="0939300401")
    demo.sign_ins.append(SignIn(office.name, "manager", coop.name,
                                create_member_token(engine, manager, office.id)))
    for index, name in enumerate(FARMERS):
        farmer = add_member(engine, manager, name=name, role="farmer",
                            phone=f"09393004{10 + index}")
        plot, season = demo.plots[index], demo.seasons[index]
        add_place(engine, manager, {
            "uri": plot, "name": f"Ruộng {name}", "kind": "plot", "farmer_id": farmer.id,
            "geometry": {"type": "Polygon", "coordinates": [_ring(*CORNERS[index])]},
            "commune": "Hòa Tú", "province": PROVINCE, "crop": "rice", "variety": "ST25"})
        open_season(engine, manager, {"plot": plot, "uri": season, "start": _days(-110),
                                      "sown_on": SOWN, "end": HARVEST})
        actor = farmer.actor(coop)
        harvest = {"on": HARVEST.isoformat(), "quantity": 6.2, "unit": "t",
                   "lot": f"HT26-DX-{index + 1}"}
        entries = [*_DIARIES[index], ("harvest", harvest)]
        for number, (kind, fields) in enumerate(entries):
            record_entry(engine, actor, kind, {"plot_id": plot, "season_id": season, **fields},
                         f"rice-demo-{index + 1}-{number}")
    return demo


def load_report_demos(engine: Engine, chain: DemoChain) -> RiceDemo:
    """The registry behind the coffee chain (for its EUDR data) and the rice cooperative."""
    load_farm_demo(engine, chain)
    return load_rice_demo(engine)


def demo_commands(chain: DemoChain, rice: RiceDemo, program: str = "agritrace"
                  ) -> tuple[str, str]:
    """The two commands the README's demo promises: the coffee pallet's EUDR readiness list
    with its EU GeoJSON, and the rice season's methane report (run as ``program``)."""
    eudr = (f"{program} eudr readiness {shlex.quote(chain.pallet)} --org {shlex.quote(ROASTER)} "
            "--geojson out/pallet.geojson")
    methane = (f"{program} methane season --org {shlex.quote(rice.cooperative)} "
               f"--from {rice.since.isoformat()} --to {rice.until.isoformat()}")
    return eudr, methane
