"""The demo's province (issue 13): after the demo chain and the farm demo, the department's
officer sees Điện Biên's numbers on /province, with the month's reports counted."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.demo import load_demo
from agritrace.farm.demo import load_farm_demo
from agritrace.province.demo import load_province_demo
from agritrace.settings import Settings
from agritrace.web.app import create_app


def test_the_demo_province_shows_numbers(engine: Engine) -> None:
    load_farm_demo(engine, load_demo(engine))
    officer = load_province_demo(engine)
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    auth = {"Authorization": f"Bearer {officer.token}"}
    figures = client.get("/province/indicators", headers=auth).json()
    now = figures["current"]
    assert now["by_crop"]["coffee"]["registered_ha"] > 0
    assert {row["commune"] for row in now["hectares"]} == {"Ẳng Nưa", "Ẳng Cang"}
    # the plots were registered with their pre-2025 district: kept as history beside the commune
    assert {d for row in now["hectares"] for d in row["former_districts"]} == {"Mường Ảng"}
    # both old communes were merged into xã Mường Ảng (Resolution 1661/NQ-UBTVQH15)
    assert {row["commune_2025"] for row in now["hectares"]} == {"Mường Ảng"}
    assert now["tickets"] == {"received": 6, "answered_on_time": 3, "answered_late": 1,
                              "overdue": 1, "open_in_time": 1, "deadline_days": 15,
                              "on_time_share": 0.6}
    assert len(figures["targets"]) == 4
    page = client.get("/province", headers=auth)
    assert page.status_code == 200 and "60 %" in page.text
    assert "huyện cũ (trước 1/7/2025): Mường Ảng" in page.text
    assert "nay thuộc xã Mường Ảng (từ 1/7/2025)" in page.text
    desk = client.get("/province/tickets", headers=auth)
    assert "6 phản ánh trên địa bàn, 1 quá hạn" in desk.text
    # the recall the officer ordered and closed, and the refused insecticide, with their rows
    assert (now["recalls"]["recalls"], now["recalls"]["by_regulator"],
            now["recalls"]["closed"], now["recalls"]["open_at_end"]) == (1, 1, 1, 0)
    [refused] = [r for r in now["by_ingredient"] if r["severity"] == "refused"]
    assert (refused["commune"], refused["ingredient"], refused["entries"]) == (
        "Ẳng Nưa", "Carbofuran", 2)
    closed = client.get("/province/rows/recalls", headers=auth,
                        params={"status": "closed", "format": "csv"}).text.splitlines()
    assert len(closed) == 2 and ",Lò Thị Hoa,0.0," in closed[1]  # closed by the officer
    # the lot was harvested on a plot of Ẳng Nưa (registered as an SGLN URN, named in the
    # harvest event as a Digital Link)
    assert closed[1].endswith(",Ẳng Nưa coffee")
    entries = client.get("/province/rows/compliance", headers=auth, params={
        "commune": "Ẳng Nưa", "ingredient": "Carbofuran", "format": "csv"}).text.splitlines()
    assert len(entries) == 1 + 2
