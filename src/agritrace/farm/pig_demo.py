"""The demo pig farm: one fattening herd in Đồng Nai, from stocking to a slaughter lot whose
pack's consumer page shows the barn, its facility code and the herd's diary (issue 17).

The barn (a place of kind ``barn``), the herd (its season), stocking, feed every two weeks,
vaccinations with their batches, disease checks, a death, a treatment of sick pigs whose
28-day withdrawal period ends before the sale, and the sale to slaughter opening the lot.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from agritrace.farm.demo_farms import DemoFarm, Entry, load_farm
from agritrace.ids.gs1 import vietnam_gtin

PREFIX = "8936789"  # the cooperative's own GS1 company prefix; no other demo holds it
PORK = vietnam_gtin("678900012")
BARN = "https://agritrace.org/id/place/demo-xuan-bac-chuong-1"
STOCKED, SOLD = date(2026, 5, 4), date(2026, 9, 10)
LOT = "L1-260910"
FARM = DemoFarm(
    cooperative="HTX Chăn nuôi Xuân Bắc", prefix=PREFIX, manager="Lê Văn Hùng",
    technical_manager=("Phạm Thị Lan", "0913300502"),
    place={"uri": BARN, "name": "Chuồng lợn thịt số 1", "kind": "barn", "crop": "pig",
           "area_code": "DN-CN-0117", "commune": "Xuân Bắc", "district": "Xuân Lộc",
           "province": "Đồng Nai"},
    cycle=("https://agritrace.org/id/season/xuan-bac-2026-chuong-1", date(2026, 5, 1),
           date(2026, 9, 30)),
    product={"gtin": str(PORK), "name_vi": "Thịt lợn ba chỉ 500 g",
             "name_en": "Pork belly, 500 g", "category": "thịt lợn"},
    tag="pig-demo")


def load_pig_demo(engine: Engine) -> str:
    """Register the barn, its herd and its diary (once); the pack's Digital Link path."""
    load_farm(engine, FARM, _diary)
    return f"/01/{PORK}/10/{LOT}"


def _diary(entry: Entry) -> None:
    entry("stocking", STOCKED, species="pig", count=200, breed="Landrace x Yorkshire",
          origin="Trại giống Dabaco Đồng Nai", average_weight_g=22_000)
    entry("vaccination", STOCKED + timedelta(days=7), product="Vắc xin dịch tả lợn cổ điển",
          batch="NAVETCO-0526", disease="dịch tả lợn", count=200)
    entry("vaccination", STOCKED + timedelta(days=30), product="Vắc xin lở mồm long móng",
          batch="AFTOPOR-2611", disease="lở mồm long móng", count=199)
    day = STOCKED + timedelta(days=1)
    while day < SOLD:
        entry("feeding", day, product="Thức ăn hỗn hợp lợn thịt 551", amount=2_400, unit="kg",
              batch=f"TA-{day:%m%d}")
        day += timedelta(days=14)
    for check in (date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)):
        entry("disease_observation", check, disease="dịch tả lợn châu Phi (ASF)", affected=0)
    entry("mortality", date(2026, 6, 18), count=1, cause="viêm phổi")
    entry("treatment", date(2026, 7, 20), product="Amoxicillin 15% LA",
          active_ingredients=["Amoxicillin"], dose=3, dose_unit="ml/head", withdrawal_days=28,
          disease="viêm phổi", count=12)
    entry("animal_sale", SOLD, quantity=21_500, lot=LOT, gtin=str(PORK), head_count=199,
          slaughter=True)
