"""The demo cooperative's registry: members, three Mường Ảng plots, products, VietGAP, seasons.

:func:`load_farm_demo` runs after :func:`agritrace.demo.load_demo` has captured the chain: the
plots and seasons it registers are the ones the demo diary events already name, so the manager's
pages, the readiness report and the trace from a harvest lot back to its diary all work on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from agritrace.demo import BAG, CHERRY, COOP, GREEN, PLOTS, ROASTER, DemoChain
from agritrace.errors import NoSuchResourceException
from agritrace.farm.catalog import add_certificate, add_product
from agritrace.farm.diary import vietnam_today
from agritrace.farm.places import add_place, place_by_uri
from agritrace.farm.profiles import set_profile
from agritrace.farm.registry import Member, add_member, create_member_token, org_actor
from agritrace.farm.seasons import open_season
from agritrace.market.offers import set_offer
from agritrace.store.orgs import ensure_organization

SEASON_BASE = "https://agritrace.org/id/season/muong-ang-2026-"
NEXT_SEASON_BASE = "https://agritrace.org/id/season/muong-ang-2027-"

# Surveyed boundaries in Ẳng Nưa and Ẳng Cang (Mường Ảng, Điện Biên): 4.5 ha, 1.6 ha, 0.9 ha.
POLYGONS = (
    [[103.196412, 21.498731], [103.198508, 21.498563], [103.198782, 21.500012],
     [103.197506, 21.500522], [103.196231, 21.500181], [103.196412, 21.498731]],
    [[103.203877, 21.493215], [103.205187, 21.493317], [103.205405, 21.494134],
     [103.204205, 21.494339], [103.203768, 21.493828], [103.203877, 21.493215]],
    [[103.188954, 21.505612], [103.189848, 21.505473], [103.190047, 21.506263],
     [103.189153, 21.506495], [103.188954, 21.505612]],
)
COMMUNES = ("Ẳng Nưa", "Ẳng Cang", "Ẳng Nưa")
FARMERS = ("Lò Văn A", "Lò Văn B", "Lò Văn C")


@dataclass(frozen=True)
class SignIn:
    """A demo member's sign-in: who it is, with which role, in which organization."""

    name: str
    role: str
    organization: str
    token: str

    @property
    def who(self) -> str:
        """'Giàng A Páo, quản lý / manager, HTX Cà phê Mường Ảng' as the demo prints it."""
        vi, en = ROLE_NAMES[self.role]
        return f"{self.name}, {vi} / {en}, {self.organization}"


#: A member's role as the demo prints it (Vietnamese / English).
ROLE_NAMES = {"manager": ("quản lý", "manager"),
              "technical_manager": ("cán bộ kỹ thuật", "technical manager"),
              "farmer": ("nông dân", "farmer")}


@dataclass
class FarmDemo:
    """What the farm demo registered; sign-ins let a person try the farmer's forms."""

    members: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    sign_ins: list[SignIn] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)


def load_farm_demo(engine: Engine, chain: DemoChain) -> FarmDemo:
    """Register the demo cooperative's master data (once: a second call changes nothing)."""
    coop = ensure_organization(engine, COOP)
    actor = org_actor(coop, "demo")
    demo = FarmDemo(plots=list(PLOTS),
                    seasons=[f"{SEASON_BASE}{i + 1}" for i in range(len(PLOTS))])
    try:
        place_by_uri(engine, coop, PLOTS[0])
        return demo
    except NoSuchResourceException:
        pass
    people: list[Member] = [
        add_member(engine, actor, name="Giàng A Páo", role="manager", phone="0915200301"),
        add_member(engine, actor, name="Lò Thị Hương", role="technical_manager",
                   phone="0915200302"),
        *(add_member(engine, actor, name=name, role="farmer", phone=f"09152003{10 + i}")
          for i, name in enumerate(FARMERS)),
    ]
    for member in people:
        demo.members[member.name] = member.id
        demo.tokens[member.name] = create_member_token(engine, actor, member.id)
        demo.sign_ins.append(SignIn(member.name, member.role.value, coop.name,
                                    demo.tokens[member.name]))
    technical = people[1].id
    for index, plot in enumerate(PLOTS):
        add_place(engine, actor, {
            "uri": plot, "name": f"Nương cà phê {FARMERS[index]}", "kind": "plot",
            "geometry": {"type": "Polygon", "coordinates": [POLYGONS[index]]},
            "farmer_id": people[2 + index].id, "technical_manager_id": technical,
            "commune": COMMUNES[index], "district": "Mường Ảng", "province": "Điện Biên",
            "crop": "coffee", "variety": "Catimor", "market": "EU",
            "area_code": "VN-DB-MA-CF-0101" if index == 0 else None})
        # Coffee is a perennial: a season is a crop year, from after one harvest to the next
        # (the 2026 harvest's year began in November 2025), with nothing sown.
        open_season(engine, actor, {"plot": plot, "uri": demo.seasons[index],
                                    "start": date(2025, 11, 1), "end": date(2026, 10, 31)})
        # The season under way, so a demo farmer can record today's work at once.
        open_season(engine, actor, {"plot": plot, "uri": f"{NEXT_SEASON_BASE}{index + 1}",
                                    "start": min(date(2026, 11, 1), vietnam_today())})
    _products(engine, coop.name)
    set_profile(engine, actor, {"address": "Bản Co Muông, xã Ẳng Nưa, huyện Mường Ảng",
                                "province": "Điện Biên", "phone": "0215 3870 123"})
    set_profile(engine, org_actor(ensure_organization(engine, ROASTER), "demo"), {
        "address": "Số 12 đường Võ Nguyên Giáp, phường Him Lam, TP Điện Biên Phủ",
        "province": "Điện Biên", "phone": "0215 3825 456",
        "website": "https://rangxaydienbien.example.vn"})
    add_certificate(engine, actor, {
        "kind": "VietGAP", "issuer": "Trung tâm Chứng nhận Phù hợp Quacert",
        "number": "VietGAP-TT-25-03-11-0417", "valid_from": date(2025, 3, 15),
        "valid_to": date(2028, 3, 14), "subject_kind": "org"})
    del chain  # the chain's events already name these plots and seasons
    return demo


def _products(engine: Engine, coop_name: str) -> None:
    coop = org_actor(ensure_organization(engine, coop_name), "demo")
    roaster = org_actor(ensure_organization(engine, ROASTER), "demo")
    add_product(engine, coop, {"gtin": str(CHERRY), "name_vi": "Quả cà phê Arabica tươi",
                               "name_en": "Fresh Arabica coffee cherries",
                               "category": "cà phê quả"})
    add_product(engine, coop, {"gtin": str(GREEN), "name_vi": "Cà phê nhân Arabica Mường Ảng",
                               "name_en": "Mường Ảng Arabica green coffee",
                               "category": "cà phê nhân"})
    add_product(engine, roaster, {
        "gtin": str(BAG), "name_vi": "Cà phê rang xay Mường Ảng 250 g",
        "name_en": "Mường Ảng roasted ground coffee, 250 g", "category": "cà phê rang xay",
        "ocop_stars": 4, "ocop_certificate": "1125/QĐ-UBND", "ocop_issued": date(2025, 6, 12)})
    # what the catalogue and the marketplace feeds show beside the trace (agritrace.market)
    set_offer(engine, roaster.org, str(BAG), {"price": "185000", "currency": "VND",
                                              "availability": "in_stock"})
