"""A cooperative behind the real app, with login tokens, for the farm page tests."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from agritrace.farm.catalog import add_product
from agritrace.farm.registry import create_member_token
from agritrace.settings import Settings
from agritrace.store.orgs import create_token
from agritrace.store.tables import events
from agritrace.web.app import create_app
from tests.farm.coop import CHERRY, Coop, make_coop


@dataclass
class Site:
    client: TestClient
    coop: Coop
    tokens: dict[str, str]

    def sign_in(self, who: str) -> None:
        answer = self.client.post("/login", data={"token": self.tokens[who]},
                                  follow_redirects=False)
        assert answer.status_code == 303, answer.text

    def form_key(self, url: str) -> str:
        """The idempotency key the server put in a form."""
        html = self.client.get(url).text
        return html.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]


def load(engine: Engine) -> tuple[Coop, dict[str, str]]:
    """The hand-built cooperative, its cherry product, and a login token per person."""
    coop = make_coop(engine)
    add_product(engine, coop.manager, {"gtin": CHERRY, "name_vi": "Quả cà phê tươi",
                                       "name_en": "Fresh coffee cherries"})
    tokens = {"a": create_member_token(engine, coop.manager, coop.farmer_a.id),
              "b": create_member_token(engine, coop.manager, coop.farmer_b.id),
              "technical": create_member_token(engine, coop.manager, coop.technical.id),
              "office": create_token(engine, coop.org, "office")}
    return coop, tokens


def app_for(engine: Engine, base_url: str) -> FastAPI:
    return create_app(Settings(database_url="sqlite://", base_url=base_url), engine)


def make_site(engine: Engine) -> Site:
    coop, tokens = load(engine)
    return Site(TestClient(app_for(engine, "http://testserver")), coop, tokens)


def event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


# A season's diary as a cooperative types it: plots by name, semicolons (a Vietnamese Excel).
DIARY_CSV = (
    "kind;plot;on;product;amount;activity;pest\n"
    "fertilizing;Nương A;2026-04-05;NPK 16-16-8;300;;\n"
    "other_care;Nương A;2026-05-01;;;làm cỏ;\n"
    "pest_observation;Nương A;2026-05-20;;;;rệp sáp\n"
).encode()
