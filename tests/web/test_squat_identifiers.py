"""Issue 11, item 4 ("squat identifiers"): only a code's owner, or a party it delegates to,
registers it, stamps it and voids its stamps; on SQLite and PostgreSQL.

The roaster holds the bag's GTIN by a grant; a contract packer packs for it by delegation; a
forger holds nothing. See :mod:`agritrace.trust` for the rule these tests exercise.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select

from agritrace.farm.registry import history, org_actor
from agritrace.farm.seasons import list_seasons, open_season
from agritrace.farm.tables import places, products
from agritrace.settings import Settings
from agritrace.store.grants import delegate, grant, revoke_delegation
from agritrace.store.orgs import Organization, create_organization, create_token
from agritrace.store.tables import events
from agritrace.web.app import create_app
from tests.farm.coop import BIG, polygon

GTIN = "08931234000356"
GLN = "8931234100018"  # the roaster's warehouse
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
    grant(engine, owner.org, "gln", GLN, "test")
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


# --- the farm registry -----------------------------------------------------------------------


def _product(world: World, party: Party, name: str = "Cà phê rang xay") -> object:
    return world.client.post("/farm/products", json={"gtin": GTIN, "name_vi": name},
                             headers=party.auth)


def _place(world: World, party: Party) -> object:
    return world.client.post("/farm/places", json={
        "name": "Kho Mường Thanh", "kind": "warehouse", "gln": GLN, "geometry": polygon(BIG)},
        headers=party.auth)


def _rows(world: World, table: object) -> int:
    with world.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_a_stranger_cannot_register_the_owner_s_gtin_or_gln(world: World) -> None:
    for refused, path in ((_product(world, world.forger), "product.gtin"),
                          (_place(world, world.forger), "place.gln")):
        assert refused.status_code == 403, refused.text  # type: ignore[attr-defined]
        problem = refused.json()  # type: ignore[attr-defined]
        assert "thuộc Công ty Rang xay Điện Biên" in problem["detail"]
        assert "held by Công ty Rang xay Điện Biên" in problem["detail"]
        assert problem["errors"][0]["path"] == path
    assert (_rows(world, products), _rows(world, places)) == (0, 0)
    assert history(world.engine, world.forger.org) == []  # nothing left behind
    # The owner's contract packer may register them (it speaks for them), and the owner too.
    assert _product(world, world.packer).status_code == 201  # type: ignore[attr-defined]
    assert _place(world, world.owner).status_code == 201  # type: ignore[attr-defined]


def test_the_owner_registers_what_a_squatter_registered_before(world: World) -> None:
    """A squatter's rows from before the check: the owner got 409 "already registered"."""
    squatter = org_actor(world.forger.org)
    with world.engine.begin() as conn:
        conn.execute(insert(products).values(org_id=world.forger.org.id, gtin=GTIN,
                                             name_vi="Cà phê giả", created_us=0))
        pk = conn.execute(insert(places).values(
            org_id=world.forger.org.id, uri=f"https://id.gs1.org/414/{GLN}", name="Kho giả",
            kind="plot", crop="coffee", created_us=0)).inserted_primary_key
    season = open_season(world.engine, squatter, {"plot": f"https://id.gs1.org/414/{GLN}",
                                                  "start": date(2026, 2, 1)})
    registered = _product(world, world.owner)
    assert registered.status_code == 201, registered.text  # type: ignore[attr-defined]
    placed = _place(world, world.owner)
    assert placed.status_code == 201, placed.text  # type: ignore[attr-defined]
    assert placed.json()["uri"] == f"https://id.gs1.org/414/{GLN}"  # type: ignore[attr-defined]
    with world.engine.connect() as conn:
        assert conn.scalar(select(products.c.org_id).where(products.c.gtin == GTIN)) \
            == world.owner.org.id
        moved = conn.execute(select(places).where(places.c.id == pk[0])).one()  # type: ignore[index]
    # The squatter keeps its place and season, under an identifier of its own, and is told why.
    assert moved.org_id == world.forger.org.id and moved.uri.startswith("https://agritrace.org/")
    assert [s.id for s in list_seasons(world.engine, world.forger.org)] == [season.id]
    trail = history(world.engine, world.forger.org, "farm_places")
    assert trail[-1]["new"]["uri"] == moved.uri and "held by" in trail[-1]["new"]["reason"]
    # And its stamps request is refused although its product row was there (see above).
    assert _issue(world, world.forger).status_code == 403  # type: ignore[attr-defined]


def test_the_cooperative_import_refuses_another_owner_s_gln(world: World) -> None:
    data = (f"Tên thửa,Cây trồng,Diện tích (ha),Vĩ độ,Kinh độ,GLN\n"
            f'Nương X,Cà phê,"1,5","21,4938","103,2041",{GLN}\n')
    url = "/farm/import?kind=plots&filename=plots.csv"
    preview = world.client.post(url, content=data.encode(), headers=world.forger.auth)
    assert preview.status_code == 200 and "Công ty Rang xay Điện Biên" in preview.text
    answer = world.client.post(f"{url}&apply=true", content=data.encode(),
                               headers=world.forger.auth)
    assert answer.status_code == 400 and "Công ty Rang xay Điện Biên" in answer.text
    assert _rows(world, places) == 0
