"""Small shared helpers for tests: an app with an organization and a token, on a real engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.store.orgs import Organization, create_organization, create_token
from agritrace.web.app import create_app


@dataclass
class Api:
    client: TestClient
    org: Organization
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def capture(self, body: bytes, content_type: str = "application/ld+json",
                **headers: str) -> Any:
        return self.client.post("/capture", content=body,
                                headers={**self.auth, "Content-Type": content_type, **headers})

    def get(self, url: str, **headers: str) -> Any:
        return self.client.get(url, headers={**self.auth, **headers})


def make_api(engine: Engine, org_name: str = "Dien Bien Coffee Coop", **settings: Any) -> Api:
    org = create_organization(engine, org_name)
    token = create_token(engine, org, "tests")
    app = create_app(Settings(database_url="sqlite://", **settings), engine)
    return Api(TestClient(app), org, token)


def without_record_time(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "recordTime"}
