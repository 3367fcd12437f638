"""/healthz and /readyz, as a load balancer asks them."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.store.migrate import alembic_config, upgrade
from agritrace.web.app import create_app


def test_alive_and_ready_then_not_ready_until_migrated(engine: Engine) -> None:
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    command.downgrade(alembic_config(engine), "0014-1")
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert "agritrace db upgrade' (missing 0" in answer.json()["detail"]
    upgrade(engine)
    assert client.get("/readyz").status_code == 200
