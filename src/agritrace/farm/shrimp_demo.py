"""The demo shrimp pond: one whiteleg shrimp crop cycle in Cà Mau, from stocking to a harvest lot
whose pack's consumer page shows the pond, its facility code and the cycle's diary (issue 17).

The pond (a place of kind ``pond``), the cycle (its season), stocking, feed, water-quality
readings every five days, disease checks, a treatment whose withdrawal period ends before the
harvest, and the harvest itself.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from agritrace.farm.demo_farms import DemoFarm, Entry, load_farm
from agritrace.ids.gs1 import vietnam_gtin

PREFIX = "8935678"  # the cooperative's own GS1 company prefix; no other demo company holds it
SHRIMP = vietnam_gtin("567800015")
POND = "https://agritrace.org/id/place/demo-tan-hung-dong-ao-3"
STOCKED, HARVESTED = date(2026, 6, 2), date(2026, 8, 25)
LOT = "T3-260825"
FARM = DemoFarm(
    cooperative="HTX Thủy sản Tân Hưng Đông", prefix=PREFIX, manager="Trần Văn Tôm",
    technical_manager=("Nguyễn Thị Thủy", "0915200401"),
    place={"uri": POND, "name": "Ao tôm số 3", "kind": "pond", "area_ha": 0.4,
           "crop": "shrimp_whiteleg", "area_code": "CM-NT-0303", "commune": "Tân Hưng Đông",
           "district": "Cái Nước", "province": "Cà Mau"},
    cycle=("https://agritrace.org/id/season/tan-hung-dong-2026-ao-3", date(2026, 6, 1),
           date(2026, 8, 31)),
    product={"gtin": str(SHRIMP), "name_vi": "Tôm thẻ nguyên con 1 kg",
             "name_en": "Whole whiteleg shrimp, 1 kg", "category": "tôm"},
    tag="shrimp-demo")


def load_shrimp_demo(engine: Engine) -> str:
    """Register the pond, its cycle and its diary (once); the pack's Digital Link path."""
    load_farm(engine, FARM, _diary)
    return f"/01/{SHRIMP}/10/{LOT}"


def _diary(entry: Entry) -> None:
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
