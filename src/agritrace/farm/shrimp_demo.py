"""The demo shrimp pond: one whiteleg shrimp crop cycle in Cà Mau, from stocking to a harvest lot
whose pack's consumer page shows the pond, its facility code and the cycle's diary (issue 17).

Everything goes through the registry and diary services, as a cooperative's manager would enter
it: the pond (a place of kind ``pond``), the cycle (its season), stocking, feed, water-quality
readings every five days, disease checks, a treatment whose withdrawal period ends before the
harvest, and the harvest itself.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from agritrace.errors import NoSuchResourceException
from agritrace.farm.catalog import add_product
from agritrace.farm.places import add_place, place_by_uri
from agritrace.farm.record import record_entry
from agritrace.farm.registry import Actor, add_member, org_actor
from agritrace.farm.seasons import open_season
from agritrace.ids.gs1 import vietnam_gtin
from agritrace.store.grants import grant
from agritrace.store.orgs import ensure_organization

SHRIMP_COOP = "HTX Thủy sản Tân Hưng Đông"
PREFIX = "8935678"  # the cooperative's own GS1 company prefix (the roaster holds 8931234)
SHRIMP = vietnam_gtin("567800015")
POND = "https://agritrace.org/id/place/demo-tan-hung-dong-ao-3"
CYCLE = "https://agritrace.org/id/season/tan-hung-dong-2026-ao-3"
STOCKED, HARVESTED = date(2026, 6, 2), date(2026, 8, 25)
LOT = "T3-260825"


def load_shrimp_demo(engine: Engine) -> str:
    """Register the pond, its cycle and its diary (once); the pack's Digital Link path."""
    org = ensure_organization(engine, SHRIMP_COOP, kind="cooperative")
    path = f"/01/{SHRIMP}/10/{LOT}"
    try:
        place_by_uri(engine, org, POND)
        return path
    except NoSuchResourceException:
        pass
    grant(engine, org, "prefix", PREFIX, "agritrace demo")
    actor = org_actor(org, "Trần Văn Tôm")
    technical = add_member(engine, actor, name="Nguyễn Thị Thủy", role="technical_manager",
                           phone="0915200401")
    add_place(engine, actor, {
        "uri": POND, "name": "Ao tôm số 3", "kind": "pond", "area_ha": 0.4,
        "crop": "shrimp_whiteleg", "area_code": "CM-NT-0303", "commune": "Tân Hưng Đông",
        "district": "Cái Nước", "province": "Cà Mau", "technical_manager_id": technical.id})
    open_season(engine, actor, {"plot": POND, "uri": CYCLE, "start": date(2026, 6, 1),
                                "end": date(2026, 8, 31)})
    add_product(engine, actor, {"gtin": str(SHRIMP), "name_vi": "Tôm thẻ nguyên con 1 kg",
                                "name_en": "Whole whiteleg shrimp, 1 kg",
                                "category": "tôm"})
    _diary(engine, actor)
    return path


def _diary(engine: Engine, actor: Actor) -> None:
    def entry(kind: str, day: date, **fields: object) -> None:
        record_entry(engine, actor, kind, {"plot_id": POND, "on": day.isoformat(), **fields},
                     f"shrimp-demo:{kind}:{day.isoformat()}")

    entry("stocking", STOCKED, species="shrimp_whiteleg", count=120_000,
          origin="Trại giống Việt Úc Bạc Liêu", breed="Việt Úc SPF")
    day = STOCKED + timedelta(days=1)
    while day < HARVESTED:
        entry("water_quality", day, temperature_c=29.5, ph=7.8, dissolved_oxygen_mg_l=5.1,
              salinity_ppt=15, ammonia_mg_l=0.3)
        if (day - STOCKED).days % 10 == 1:
            entry("feeding", day, product="Thức ăn tôm Grobest 2", amount=40, unit="kg")
        day += timedelta(days=5)
    for check in (date(2026, 6, 20), date(2026, 7, 20), date(2026, 8, 15)):
        entry("disease_observation", check, disease="đốm trắng (WSSV)", affected=0)
    entry("treatment", date(2026, 7, 25), product="Florfenicol 10%",
          active_ingredients=["Florfenicol"], dose=2, dose_unit="g/kg", withdrawal_days=12,
          disease="hoại tử gan tụy")
    entry("harvest", HARVESTED, quantity=2400, lot=LOT, gtin=str(SHRIMP), area_ha=0.4)
