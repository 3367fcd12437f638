"""The demo's province: Điện Biên's agriculture department over the demo cooperative's two
communes (Ẳng Nưa, Ẳng Cang), its officer, targets, and a month of consumers' reports about the
cooperative's green coffee (some answered on time, one late, one overdue), so ``/province``
shows numbers right after ``scripts/demo``. Runs after the farm demo (the plots it counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, update

from agritrace.demo import GREEN
from agritrace.province.areas import check_area, make_regulator
from agritrace.province.indicators import set_target
from agritrace.scans.log import TicketPolicy, now_us, open_ticket
from agritrace.scans.tables import tickets
from agritrace.store.orgs import create_token, ensure_organization
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
    return Officer(create_token(engine, department, OFFICER_NAME, TokenRole.OFFICER))
