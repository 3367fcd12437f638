"""Issue 11, item 4 ("squat identifiers"): only a code's owner, or a party it delegates to,
registers it, stamps it and voids its stamps; on SQLite and PostgreSQL.

The roaster holds the bag's GTIN by a grant; a contract packer packs for it by delegation; a
forger holds nothing. See :mod:`agritrace.trust` for the rule these tests exercise.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select

from agritrace.farm.tables import products
from agritrace.settings import Settings
from agritrace.store.grants import delegate, grant, revoke_delegation
from agritrace.store.orgs import Organization, create_organization, create_token
from agritrace.store.tables import events
from agritrace.web.app import create_app

GTIN = "08931234000356"
BASE = "https://truyxuat.example.vn"


@dataclass
class Party:
    org: Organization
    auth: dict[str, str]


@dataclass
class World:
    engine: Engine
    client: TestClient
    owner: Party
    packer: Party
    forger: Party

    def events(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(events)) or 0)


def _party(engine: Engine, name: str) -> Party:
    org = create_organization(engine, name)
    return Party(org, {"Authorization": f"Bearer {create_token(engine, org, 'tests')}"})


@pytest.fixture
def world(engine: Engine) -> World:
    client = TestClient(create_app(Settings(database_url="sqlite://", base_url=BASE), engine))
    owner = _party(engine, "Công ty Rang xay Điện Biên")
    packer, forger = _party(engine, "Xưởng đóng gói Mường Thanh"), _party(engine, "Forger Ltd")
    grant(engine, owner.org, "gtin", GTIN, "test")
    delegate(engine, owner.org, packer.org, "test")
    return World(engine, client, owner, packer, forger)


def _issue(world: World, party: Party, count: int = 2, gtin: str = GTIN) -> object:
    return world.client.post("/stamps", json={"gtin": gtin, "lot": "R26-1106", "count": count},
                             headers=party.auth)


def _codes(world: World, party: Party, batch: dict[str, str]) -> list[str]:
    table = world.client.get(batch["csv"], headers=party.auth).text
    return [row["digital_link"] for row in csv.DictReader(io.StringIO(table))]


# --- stamps ----------------------------------------------------------------------------------


def test_a_contract_packer_prints_the_owner_s_stamps(world: World) -> None:
    """A delegate's POST /stamps was 403 ("registered by another organization")."""
    issued = _issue(world, world.packer)
    assert issued.status_code == 201, issued.text  # type: ignore[attr-defined]
    code = _codes(world, world.packer, issued.json())[0]  # type: ignore[attr-defined]
    assert "Hàng chính hãng" in world.client.get(code.removeprefix(BASE)).text
    # The owner answers for what its packer printed: it may void and re-activate the stamp.
    voided = world.client.post("/stamps/void", json={"codes": [code]}, headers=world.owner.auth)
    assert voided.status_code == 200 and voided.json() == {"voided": 1}
    back = world.client.post("/stamps/activate", json={"codes": [code]}, headers=world.packer.auth)
    assert back.status_code == 200 and back.json() == {"activated": 1}
    assert "Hàng chính hãng" in world.client.get(code.removeprefix(BASE)).text


def test_a_stranger_cannot_stamp_or_void_the_owner_s_gtin(world: World) -> None:
    # Even after registering the GTIN as its product (a squatter row kept from before the fix).
    with world.engine.begin() as conn:
        conn.execute(insert(products).values(org_id=world.forger.org.id, gtin=GTIN,
                                             name_vi="Cà phê giả", created_us=0))
    before = world.events()
    refused = _issue(world, world.forger)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    problem = refused.json()  # type: ignore[attr-defined]
    assert "Công ty Rang xay Điện Biên" in problem["detail"]
    assert "chỉ" in problem["detail"] and "only" in problem["detail"]  # Vietnamese, then English
    assert problem["errors"][0]["path"] == "gtin"
    assert world.events() == before
    # The owner stamps its GTIN whatever the squatter registered.
    batch = _issue(world, world.owner)
    assert batch.status_code == 201  # type: ignore[attr-defined]
    code = _codes(world, world.owner, batch.json())[0]  # type: ignore[attr-defined]
    voided = world.client.post("/stamps/void", json={"codes": [code]}, headers=world.forger.auth)
    assert voided.status_code == 400 and "Forger Ltd" in voided.text
    assert "Hàng chính hãng" in world.client.get(code.removeprefix(BASE)).text


def test_a_revoked_delegation_stops_the_packer_at_once(world: World) -> None:
    assert _issue(world, world.packer).status_code == 201  # type: ignore[attr-defined]
    revoke_delegation(world.engine, world.owner.org, world.packer.org)
    assert _issue(world, world.packer).status_code == 403  # type: ignore[attr-defined]


def test_a_gtin_nobody_holds_is_stamped_by_who_registered_it(world: World) -> None:
    """No grant: the product registry decides, as before grants existed."""
    unheld = "08930000000019"
    with world.engine.begin() as conn:
        conn.execute(insert(products).values(org_id=world.forger.org.id, gtin=unheld,
                                             name_vi="Chè", created_us=0))
    assert _issue(world, world.forger, gtin=unheld).status_code == 201  # type: ignore[attr-defined]
    assert _issue(world, world.owner, gtin=unheld).status_code == 403  # type: ignore[attr-defined]
