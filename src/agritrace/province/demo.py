"""The demo's province: Điện Biên's agriculture department over the demo cooperative's two
communes (Ẳng Nưa, Ẳng Cang), its officer, targets, and a month of consumers' reports about the
cooperative's green coffee (some answered on time, one late, one overdue), so ``/province``
shows numbers right after ``scripts/demo``; a recall the officer ordered on a cherry lot of
the season and closed once the lot was recovered, and a few diary entries the compliance rules
refused (a banned pesticide, twice; a prophylactic antibiotic is not a coffee matter), so
every kind of figure on the desk leads to rows. Runs after the farm demo (the plots it counts).
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, update

from agritrace.demo import CHERRY, COOP, GREEN, PLOTS
from agritrace.farm.compliance import Refused
from agritrace.farm.diary import vietnam_today
from agritrace.farm.record import record_entry
from agritrace.farm.registry import org_actor
from agritrace.province.areas import check_area, make_regulator
from agritrace.province.indicators import set_target
from agritrace.scans.log import TicketPolicy, now_us, open_ticket
from agritrace.scans.tables import tickets
from agritrace.store.orgs import Organization, create_token, ensure_organization
from agritrace.trace.closing import close_recall
from agritrace.trace.recall import check_may_recall, mark_recalled, recall
from agritrace.trust import TokenRole

DEPARTMENT = "Sở Nông nghiệp và Môi trường Điện Biên"
_DAY_US = 86_400_000_000
#: (kind, message, received days ago, answered days after receipt or None)
REPORTS = (
    ("quality", "Cà phê nhân bị ẩm, có mùi mốc", 28, 3.0),
    ("wrong_info", "Ngày thu hoạch trên tem khác với trang truy xuất", 24, 9.0),
    ("quality", "Hạt vỡ nhiều hơn mô tả", 21, 19.0),          # answered late (deadline 15)
    ("fake", "Bao bì in sai tên hợp tác xã", 20, None),        # overdue
    ("quality", "Túi bị rách khi nhận hàng", 12, 2.0),
    ("wrong_info", "Sai khối lượng tịnh", 3, None),            # still within the deadline
)
TARGETS = (("registered_ha", "coffee", "", 12.0), ("coded_ha", "coffee", "", 6.0),
           ("answered_on_time_share", "", "", 90.0), ("registered_ha", "", "Ẳng Nưa", 8.0))


#: The cherry lot the department recalled (harvested on the first plot, kept out of the demo
#: chain's bags, whose pages stay genuine) and why.
RECALLED_LOT = "MA26-C9"
RECALL_REASON = "Dư lượng thuốc bảo vệ thực vật vượt mức cho phép (kiểm tra của Chi cục)"
#: The diary entries the rules refused (their keys, days before today): a banned insecticide on
#: the first plot.
REFUSED = (("demo-refused-1", 6), ("demo-refused-2", 4))

#: The demo officer (a made-up name): what she does on the desk is recorded as hers.
OFFICER_NAME = "Lò Thị Hoa"


@dataclass(frozen=True)
class Officer:
    """The department's officer as the demo prints its sign-in."""

    token: str

    @property
    def who(self) -> str:
        return f"{OFFICER_NAME}, cán bộ / officer, {DEPARTMENT}"


def load_province_demo(engine: Engine) -> Officer:
    """Bind the department to Điện Biên, set its targets, and file the month's reports."""
    department = ensure_organization(engine, DEPARTMENT, kind="regulator")
    make_regulator(engine, department, check_area("Điện Biên"), "agritrace demo")
    for indicator, crop, commune, value in TARGETS:
        set_target(engine, "dien-bien", indicator, crop, value, DEPARTMENT, commune)
    code = f"/01/{GREEN}/10/MA26-G1"  # the cooperative's green-bean lot
    policy = TicketPolicy(per_window=len(REPORTS))
    now = now_us()
    for index, (kind, message, days_ago, answered) in enumerate(REPORTS):
        number = open_ticket(engine, code, kind, message, "", f"demo-{index}", policy).number
        created = now - days_ago * _DAY_US
        values: dict[str, object] = {"created_us": created}
        if answered is not None:
            values.update(status="answered", handled_us=created + int(answered * _DAY_US),
                          handled_by="HTX Cà phê Mường Ảng",
                          answer="Đã liên hệ khách hàng và đổi hàng.")
        with engine.begin() as conn:  # the demo's month happened before today
            conn.execute(update(tickets).where(tickets.c.id == number).values(**values))
    _recall_and_close(engine, department)
    _refused_entries(engine)
    return Officer(create_token(engine, department, OFFICER_NAME, TokenRole.OFFICER))


def _recall_and_close(engine: Engine, department: Organization) -> None:
    """The cooperative harvests a cherry lot on its first plot; the officer orders it recalled
    (recorded as the department's) and closes the recall once it is recovered."""
    coop = org_actor(ensure_organization(engine, COOP), "demo")
    record_entry(engine, coop, "harvest", {
        "plot_id": PLOTS[0], "on": (vietnam_today() - timedelta(days=9)).isoformat(),
        "quantity": 400.0, "unit": "kg", "lot": RECALLED_LOT, "gtin": CHERRY},
        "demo-recalled-harvest")
    lot = f"https://id.gs1.org/01/{CHERRY}/10/{RECALLED_LOT}"
    seen_as = check_may_recall(engine, department, [lot])
    recall_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, lot)}"
    mark_recalled(engine, recall(engine, [lot], viewer=seen_as), department, RECALL_REASON,
                  OFFICER_NAME, recall_id)
    close_recall(engine, department, OFFICER_NAME, recall_id)


def _refused_entries(engine: Engine) -> None:
    """A banned insecticide (carbofuran) the diary refused: counted on the desk by
    ingredient, though the diary keeps no such entry."""
    coop = org_actor(ensure_organization(engine, COOP), "demo")
    for key, days_ago in REFUSED:
        with suppress(Refused):  # refused, as it must be: the refusal is what the desk counts
            record_entry(engine, coop, "spraying", {
                "plot_id": PLOTS[0], "on": (vietnam_today() - timedelta(days=days_ago)
                                            ).isoformat(), "product": "Furadan 3GR",
                "active_ingredients": "Carbofuran", "dose": 20.0, "dose_unit": "kg/ha"}, key)
