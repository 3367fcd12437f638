"""Code readiness from the store, on a hand-built cooperative whose answer is known."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from agritrace.farm.places import add_place, update_place
from agritrace.farm.readiness import readiness_report
from agritrace.farm.record import record_entry
from agritrace.farm.seasons import open_season
from tests.farm.coop import Coop, make_coop

THIRD = [[103.188954, 21.505612], [103.189848, 21.505473], [103.190047, 21.506263],
         [103.189153, 21.506495], [103.188954, 21.505612]]


def _care(engine: Engine, coop: Coop, plot: str, days: list[str], pest_on: str) -> None:
    manager = coop.manager
    for day in days:
        kind, fields = (("pest_observation", {"pest": "rệp sáp", "incidence_percent": 2})
                        if day == pest_on else ("other_care", {"activity": "làm cỏ"}))
        record_entry(engine, manager, kind, {"plot_id": plot, "on": day, **fields},
                     f"{plot}:{day}")


def test_readiness_on_a_hand_built_cooperative(engine: Engine) -> None:
    coop = make_coop(engine)
    # A: 4.5 ha, coded, technical manager, a continuous diary with pest monitoring -> coded.
    update_place(engine, coop.manager, coop.plot_a.id, {"area_code": "VN-DB-MA-0101"})
    _care(engine, coop, coop.plot_a.uri, ["2026-02-20", "2026-03-15", "2026-04-10"],
          "2026-03-15")
    # B: 1.6 ha, the same diary but no technical manager and a 60-day gap -> not ready.
    _care(engine, coop, coop.plot_b.uri, ["2026-02-20", "2026-04-21"], "2026-04-21")
    # C: 0.9 ha, everything in order -> ready.
    plot_c = add_place(engine, coop.manager, {
        "name": "Nương C", "geometry": {"type": "Polygon", "coordinates": [THIRD]},
        "crop": "coffee", "technical_manager_id": coop.technical.id}).place
    open_season(engine, coop.manager, {"plot": plot_c.uri, "start": "2026-02-01"})
    _care(engine, coop, plot_c.uri, ["2026-02-25", "2026-03-20", "2026-04-15"], "2026-03-20")

    report = readiness_report(engine, coop.org, as_of=date(2026, 4, 30))

    assert report.hectares_coded == pytest.approx(4.5, abs=0.01)
    assert report.hectares_ready == pytest.approx(0.9, abs=0.01)
    assert report.hectares_not_ready == pytest.approx(1.6, abs=0.01)
    by_plot = {p.plot_id: p for p in report.plots}
    assert [c.name for c in by_plot[coop.plot_b.uri].failed()] == ["diary_continuity",
                                                                   "technical_manager"]
    assert report.coded_at_risk == []
    # A coded plot whose diary stops is at risk of losing its code.
    later = readiness_report(engine, coop.org, as_of=date(2026, 6, 30))
    assert coop.plot_a.uri in later.coded_at_risk
