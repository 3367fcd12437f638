"""The demo prints a sign-in link per cooperative member, each with a one-time code (never a
token, issue 11), and each link works once."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.farm.diary import vietnam_today
from agritrace.settings import Settings, get_settings
from agritrace.store.engine import make_engine
from agritrace.web.app import create_app


def test_the_demo_farmer_link_signs_in_to_his_plot(database_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        shown = CliRunner().invoke(app, ["demo", "--no-serve"])
    finally:
        get_settings.cache_clear()
    assert shown.exit_code == 0, shown.output
    links = dict(re.findall(r"sign in as ([^,]+), .+?: \S+/login\?code=(\S+)", shown.stdout))
    assert {"Giàng A Páo", "Lò Văn A"} <= links.keys()
    assert "agt_" not in shown.stdout.split("Sign-in links")[1]
    engine = make_engine(database_url)
    try:
        client = TestClient(create_app(Settings(database_url=database_url), engine))
        form = client.get("/login", params={"code": links["Lò Văn A"]})
        assert f'value="{links["Lò Văn A"]}"' in form.text  # the link only fills the form in
        assert "agt_session" not in form.headers.get("set-cookie", "")
        plots = client.post("/login", data={"code": links["Lò Văn A"]})
        assert plots.url.path == "/my" and "Nương cà phê Lò Văn A" in plots.text
        assert "Lò Văn B" not in plots.text
        plot = re.search(r'href="/my/plots/(\d+)"', plots.text)
        assert plot is not None
        today = client.post(f"/my/plots/{plot.group(1)}/other_care", data={
            "idempotency_key": "demo-today", "on": vietnam_today().isoformat(),
            "activity": "làm cỏ"})
        assert today.status_code == 201, today.text  # a season is under way in the demo
        office = client.post("/login", data={"code": links["Giàng A Páo"]})
        assert office.url.path == "/coop" and "Đã có mã" in office.text
        client.cookies.clear()
        again = client.post("/login", data={"code": links["Lò Văn A"]})  # used once already
        assert again.status_code == 401 and 'id="login-error"' in again.text
    finally:
        engine.dispose()
