"""The interactive API documentation is served from the app itself, with no external request."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from agritrace.settings import Settings
from agritrace.web.app import create_app


def test_the_api_docs_load_nothing_from_another_site() -> None:
    client = TestClient(create_app(Settings(database_url="sqlite://")))
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assets = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", page.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert "/openapi.json" in page.text
    assert client.get("/openapi.json").json()["info"]["title"] == "agritrace"
