"""Issue 15: a bag's journey is grouped by stage (farm, processing, transport, retail), the farm
by plot with each diary step once, so the phone page is short."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.demo import COOP_SITE, PLOTS, SHOP, load_demo
from agritrace.farm.demo import load_farm_demo
from agritrace.ids.epc import lenient_id
from agritrace.scans.journey import stages
from agritrace.settings import Settings
from agritrace.web.app import create_app


def _step(word: str, day: date, place: str, details: tuple[str, ...] = ()) -> dict[str, object]:
    return {"step": word, "date": day, "place": place, "place_id": place,
            "details": list(details), "by": "x", "recalled": False}


def test_a_plots_steps_are_said_once_with_their_dates_and_the_rest_by_stage() -> None:
    plot, site, shop = (lenient_id(p) for p in (PLOTS[0], COOP_SITE, SHOP))
    journey = [_step("fertilizing", date(2026, 4, 5), plot, ("NPK 16-16-8",)),
               _step("fertilizing", date(2026, 7, 15), plot, ("Phân hữu cơ vi sinh",)),
               _step("commissioning", date(2026, 10, 20), plot),
               _step("commissioning", date(2026, 11, 2), site),
               _step("shipping", date(2026, 11, 4), site),
               _step("unpacking", date(2026, 11, 9), shop)]
    origin = {"plot": PLOTS[0], "name": "Nương cà phê Lò Văn A"}
    farm, processing, transport, retail = stages(journey, [origin])
    assert [g["stage"] for g in (farm, processing, transport, retail)] == [
        "farm", "processing", "transport", "retail"]
    (plot_group,) = farm["plots"]
    assert plot_group["origin"] is origin  # the registry's name, filled in later, shows
    assert [(s["step"], s["dates"], s["details"]) for s in plot_group["steps"]] == [
        ("fertilizing", [date(2026, 4, 5), date(2026, 7, 15)],
         ["NPK 16-16-8", "Phân hữu cơ vi sinh"]),
        ("harvesting", [date(2026, 10, 20)], [])]
    assert [s["step"] for s in processing["steps"]] == ["coding"]  # not a harvest


def test_the_demo_bag_shows_each_plot_once_and_the_stages_in_order(engine: Engine) -> None:
    chain = load_demo(engine)
    load_farm_demo(engine, chain)
    with TestClient(create_app(Settings(database_url="sqlite://"), engine)) as client:
        page = client.get(chain.bags[0].removeprefix("https://id.gs1.org")).text
        english = client.get(chain.bags[0].removeprefix("https://id.gs1.org") + "?lang=en").text
    journey = page[page.index('id="journey"'):]
    order = [journey.index(f'id="stage-{s}"') for s in ("farm", "processing", "transport",
                                                          "retail")]
    assert order == sorted(order)
    for name in ("Lò Văn A", "Lò Văn B", "Lò Văn C"):
        assert journey.count(f'<p class="plot-name">Nương cà phê {name}</p>') == 1
    farm = journey[:order[1]]
    # Each plot: its care, fertilizing (twice, two products), inspection and harvest, once each.
    assert farm.count("<strong>Bón phân</strong>") == 3
    assert farm.count("<strong>Thu hoạch</strong>") == 3
    assert "Vùng trồng và nuôi" in journey and "Cửa hàng" in journey
    assert "On the farm" in english and "At the shop" in english
    # 15 diary events (5 per plot) make 12 lines: pruning, fertilizing, inspection, harvest.
    assert len(re.findall(r"<li><strong>", farm)) == 12
