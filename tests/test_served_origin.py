"""One public origin: `serve`/`demo --port` and AGRITRACE_BASE_URL decide every absolute URL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.cli import served_settings
from agritrace.demo import load_demo
from agritrace.settings import get_settings
from agritrace.web.app import create_app


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AGRITRACE_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_demo_on_port_8100_links_8100_everywhere(engine: Engine) -> None:
    settings = served_settings("127.0.0.1", 8100)
    assert settings.base_url == "http://127.0.0.1:8100"
    chain = load_demo(engine)
    client = TestClient(create_app(settings, engine))
    bag = chain.bags[0].removeprefix("https://id.gs1.org")
    page = client.get(bag).text
    urls = set(re.findall(r'"(?:url|identifier)": "([^"]+)"', page))
    assert urls == {f"http://127.0.0.1:8100{bag}"}, urls
    linkset = client.get(bag + "?linkType=all").json()
    assert linkset["linkset"][0]["anchor"] == f"http://127.0.0.1:8100{bag}"


def test_a_configured_public_origin_wins_over_the_listening_port(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGRITRACE_BASE_URL", "https://truyxuat.example.vn")
    get_settings.cache_clear()
    assert served_settings("0.0.0.0", 8100).base_url == "https://truyxuat.example.vn"
