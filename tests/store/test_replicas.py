"""Reads from PostgreSQL streaming replicas (issue 19): a primary and two hot standbys cloned
with pg_basebackup, the app configured with AGRITRACE_REPLICA_URLS. Queries go to the replicas,
round robin; an organization that just wrote reads its write even while the replicas are held
back; a replica that fell behind or went away is not read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from agritrace.market.catalogue import shop_slug
from agritrace.scans.inbox import tickets_of
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.store.replicas import ASK_EVERY_S, Replicas
from tests.helpers import Api, make_api
from tests.pgserver import Cluster, postgres_cluster
from tests.province.test_desk import make_world
from tests.web.market_shop import COFFEE, build_shop

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _document(serial: int) -> bytes:
    return json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-12-01T00:00:00Z",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "eventTime": f"2026-12-01T00:00:{serial:02d}Z",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "shipping",
            "epcList": [f"urn:epc:id:sgtin:0614141.107346.{serial}"]}]},
    }).encode()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster(2) as running:
        yield running


@pytest.fixture
def api(cluster: Cluster) -> Iterator[tuple[Api, Replicas, list[Engine]]]:
    primary = make_engine(cluster.urls[0])
    with primary.begin() as conn:  # each test starts from an empty schema
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(primary)
    standbys = [make_engine(url) for url in cluster.urls[1:]]
    made = make_api(primary, replica_urls=",".join(cluster.urls[1:]))
    replicas = made.client.app.state.replicas  # type: ignore[attr-defined]
    replicas.refresh_s = 0.0  # every read compares with the primary's position now
    _caught_up(primary, standbys)
    yield made, replicas, standbys
    for standby in standbys:
        # a test that failed holding replay back must not stall the next; a killed one is gone
        with suppress(OperationalError):
            _resume([standby])
        standby.dispose()
    replicas.dispose()
    primary.dispose()


def _lsn(engine: Engine, function: str) -> int:
    with engine.connect() as conn:
        query = text(f"SELECT ({function}() - '0/0'::pg_lsn)::bigint")
        return int(conn.execute(query).scalar_one())


def _caught_up(primary: Engine, standbys: list[Engine]) -> None:
    target = _lsn(primary, "pg_current_wal_lsn")
    deadline = time.monotonic() + 20
    while any(_lsn(s, "pg_last_wal_replay_lsn") < target for s in standbys):
        assert time.monotonic() < deadline, "the standbys did not catch up within 20 s"
        time.sleep(0.05)


def _hold_back(standbys: list[Engine]) -> None:
    for standby in standbys:
        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
            # a pause is a request: replay stops a moment later
            deadline = time.monotonic() + 10
            while conn.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar() != "paused":
                assert time.monotonic() < deadline, "replay did not pause within 10 s"
                time.sleep(0.02)


def _resume(standbys: list[Engine]) -> None:
    for standby in standbys:
        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))


def _replayed(made: Api, standbys: list[Engine]) -> Engine:
    """The primary, once both standbys have everything it wrote and the app asked them again."""
    primary: Engine = made.client.app.state.engine  # type: ignore[attr-defined]
    _caught_up(primary, standbys)
    time.sleep(ASK_EVERY_S)
    return primary


def _events(made: Api) -> list[str]:
    answer = made.get("/events?EQ_bizStep=shipping")
    assert answer.status_code == 200, answer.text
    return [e["epcList"][0] for e in answer.json()["epcisBody"]["queryResults"]["resultsBody"]
            ["eventList"]]


def test_queries_read_the_replicas_in_turn(api: tuple[Api, Replicas, list[Engine]]) -> None:
    made, replicas, _ = api
    replicas.served.clear()
    for _ in range(6):
        assert _events(made) == []
    assert replicas.served == {"replica-1": 3, "replica-2": 3}


def test_a_writer_reads_its_write_while_the_replicas_are_held_back(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    made, replicas, standbys = api
    replicas.refresh_s = 3600.0  # the primary's position as first seen: only the write counts
    assert _events(made) == []
    _hold_back(standbys)
    assert made.capture(_document(1)).status_code == 202
    replicas.served.clear()
    assert _events(made) == ["urn:epc:id:sgtin:0614141.107346.1"]
    assert replicas.served == {"primary": 1}  # no replica has the write yet
    for standby in standbys:
        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
    _caught_up(made.client.app.state.engine, standbys)  # type: ignore[attr-defined]
    time.sleep(ASK_EVERY_S)  # the replicas, found behind a moment ago, are asked again
    replicas.served.clear()
    assert _events(made) == ["urn:epc:id:sgtin:0614141.107346.1"]
    assert "primary" not in replicas.served


def test_a_named_query_reads_the_replicas_once_they_have_it(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    made, replicas, standbys = api
    replicas.refresh_s = 3600.0
    _hold_back(standbys)
    definition = {"name": "shipped", "query": {"EQ_bizStep": ["shipping"]}}
    assert made.client.post("/queries", json=definition, headers=made.auth).status_code == 201
    replicas.served.clear()
    assert made.get("/queries/shipped/events").status_code == 200  # the writer's own query
    assert replicas.served == {"primary": 1}
    for standby in standbys:
        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
    _caught_up(made.client.app.state.engine, standbys)  # type: ignore[attr-defined]
    time.sleep(ASK_EVERY_S)
    replicas.served.clear()
    for _ in range(2):
        assert made.get("/queries/shipped/events").status_code == 200
    assert replicas.served == {"replica-1": 1, "replica-2": 1}


def test_the_catalogue_and_its_feeds_read_the_replicas(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    made, replicas, standbys = api
    shop = build_shop(made.client.app.state.engine)  # type: ignore[attr-defined]
    _replayed(made, standbys)
    replicas.served.clear()
    shop_page = f"/o/{shop_slug(shop.coop.id, shop.coop.name)}"
    for path in ("/catalogue", shop_page, f"{shop_page}/feed.csv", "/feeds/products.jsonld",
                 f"/p/{COFFEE}", f"/p/{COFFEE}/qr.png", f"/embed/01/{COFFEE}"):
        # a language's cookie is no sign-in: the visitor is anonymous all the same
        answer = made.client.get(path, headers={"Cookie": "lang=en"})
        assert answer.status_code == 200, (path, answer.text)
    # seven pages, two of them (the product page and the badge) with a verdict read apart
    assert sum(replicas.served.values()) == 9 and "primary" not in replicas.served


def test_a_producer_sees_its_new_price_while_the_replicas_are_held_back(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    made, replicas, standbys = api
    shop = build_shop(made.client.app.state.engine)  # type: ignore[attr-defined]
    _replayed(made, standbys)
    replicas.refresh_s = 3600.0  # the primary's position as first seen: only the write counts
    assert made.client.get("/catalogue").status_code == 200
    _hold_back(standbys)
    bearer = {"Authorization": f"Bearer {shop.token}"}
    put = made.client.put(f"/market/offers/{COFFEE}", headers=bearer,
                          json={"price": "199000", "availability": "in_stock"})
    assert put.status_code == 200, put.text
    replicas.served.clear()
    assert "185.000 VND" in made.client.get("/catalogue").text  # anybody: a replica, behind
    assert "primary" not in replicas.served
    # the producer, signed in on the site or with its token, sees its own edit at once
    signed_in = {"Cookie": f"agt_session={shop.token}"}
    assert "199.000 VND" in made.client.get("/catalogue", headers=signed_in).text
    assert "199.000 VND" in made.client.get(f"/p/{COFFEE}", headers=signed_in).text
    assert made.client.get("/market/offers", headers=bearer).json()[0]["price"] == "199000.00"
    # the producer's three reads on the primary; the product page's verdict on a replica, held
    # back but at the primary's page generation: the offer and its writer's position changed no
    # page (the position was kept on the organization's row, which moved the generation)
    assert replicas.served["primary"] == 3 and sum(replicas.served.values()) == 5
    _resume(standbys)
    _replayed(made, standbys)
    replicas.served.clear()
    assert "199.000 VND" in made.client.get("/catalogue", headers=signed_in).text
    assert "primary" not in replicas.served


def test_the_province_desk_reads_the_replicas_after_the_officers_own_writes(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    made, replicas, standbys = api
    world = make_world(made.client.app.state.engine)  # type: ignore[attr-defined]
    primary = _replayed(made, standbys)
    c, officer = made.client, world.auth("dien_bien")
    replicas.served.clear()
    for path in ("/province", "/province/indicators", "/province/tickets"):
        assert c.get(path, headers=officer).status_code == 200, path
    for path in ("/province/open-data.json?province=dien-bien", "/open-data"):
        assert c.get(path).status_code == 200, path  # public
    assert sum(replicas.served.values()) == 5 and "primary" not in replicas.served
    replicas.refresh_s = 3600.0
    _hold_back(standbys)
    # a target set on the desk's form: the officer's next reads have it
    saved = c.post("/province/targets", headers=officer, follow_redirects=False,
                   data={"indicator": "coded_ha", "crop": "coffee", "value": "2,5"})
    assert saved.status_code == 303, saved.text
    replicas.served.clear()
    targets = c.get("/province/indicators", headers=officer).json()["targets"]
    assert targets == [{"indicator": "coded_ha", "crop": "coffee", "commune": "", "value": 2.5}]
    assert replicas.served == {"primary": 1}
    # another department wrote nothing: it reads a replica
    replicas.served.clear()
    assert c.get("/province/indicators", headers=world.auth("dong_thap")).status_code == 200
    assert "primary" not in replicas.served
    # a report forwarded to its owner: the desk lists it as assigned at once
    [ticket] = tickets_of(primary, world.highland)
    assigned = c.post(f"/province/tickets/{ticket.id}/assign", headers=officer,
                      follow_redirects=False)
    assert assigned.status_code == 303, assigned.text
    desk = c.get("/province/tickets", headers=officer)
    assert f'id="ticket-{ticket.id}" data-status="assigned"' in desk.text


def test_a_consumer_page_reads_a_replica_only_once_it_has_the_primarys_writes(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    """The consumer page and its linkset are rendered from a replica whose page cache generation
    is the primary's; a recall committed while the replicas are held back is shown at once,
    rendered from the primary, and never a "genuine" kept from before."""
    made, replicas, standbys = api
    shop = build_shop(made.client.app.state.engine)  # type: ignore[attr-defined]
    _replayed(made, standbys)
    lot_page, linkset = f"/01/{COFFEE}/10/R26-1106", f"/01/{COFFEE}/10/R26-1106?linkType=all"
    replicas.served.clear()
    assert 'class="verdict recalled"' not in made.client.get(lot_page).text
    assert "Not recalled" in made.client.get(linkset).text
    assert sum(replicas.served.values()) == 2 and "primary" not in replicas.served
    replicas.served.clear()
    assert made.client.get(lot_page).status_code == 200  # kept: no facts read anywhere
    assert not replicas.served
    _hold_back(standbys)
    recall = made.client.post("/recall", headers={"Authorization": f"Bearer {shop.token}"},
                              json={"lots": [f"https://id.gs1.org/{lot_page[1:]}"],
                                    "reason": "dư lượng thuốc bảo vệ thực vật"})
    assert recall.status_code == 201, recall.text
    replicas.served.clear()
    assert 'class="verdict recalled"' in made.client.get(lot_page).text
    assert '"Recalled"' in made.client.get(linkset).text
    assert replicas.served == {"primary": 2}  # the replicas lag: the primary renders
    _resume(standbys)
    _replayed(made, standbys)
    replicas.served.clear()  # a page not kept yet (English) comes from a replica again
    english = made.client.get(lot_page, headers={"Cookie": "lang=en"})
    assert 'class="verdict recalled"' in english.text
    assert sum(replicas.served.values()) == 1 and "primary" not in replicas.served


def test_a_write_no_page_shows_leaves_the_kept_consumer_pages_kept(
        api: tuple[Api, Replicas, list[Engine]]) -> None:
    """Keeping where an organization wrote (read-your-writes) changes nothing a consumer page
    is made from: an offer and another organization's named query leave a kept page kept (no
    facts read: a hit), and a recall still drops it (issue 19/21: the position was kept on the
    organization's row, whose every write dropped every kept page)."""
    made, replicas, standbys = api
    primary: Engine = made.client.app.state.engine  # type: ignore[attr-defined]
    shop = build_shop(primary)
    _replayed(made, standbys)
    lot_page = f"/01/{COFFEE}/10/R26-1106"
    assert made.client.get(lot_page).status_code == 200  # rendered, and kept
    bearer = {"Authorization": f"Bearer {shop.token}"}
    put = made.client.put(f"/market/offers/{COFFEE}", headers=bearer,
                          json={"price": "199000", "availability": "in_stock"})
    assert put.status_code == 200, put.text
    definition = {"name": "shipped", "query": {"EQ_bizStep": ["shipping"]}}
    assert made.client.post("/queries", json=definition, headers=made.auth).status_code == 201
    with primary.connect() as conn:  # both writers' positions are kept, for their next reads
        assert conn.execute(text("SELECT count(*) FROM org_write_positions")).scalar() == 2
    replicas.served.clear()
    assert 'class="verdict recalled"' not in made.client.get(lot_page).text
    assert not replicas.served  # still kept: no facts read anywhere
    recall = made.client.post("/recall", headers=bearer,
                              json={"lots": [f"https://id.gs1.org/{lot_page[1:]}"],
                                    "reason": "dư lượng thuốc bảo vệ thực vật"})
    assert recall.status_code == 201, recall.text
    replicas.served.clear()
    assert 'class="verdict recalled"' in made.client.get(lot_page).text
    assert sum(replicas.served.values()) == 1  # rendered again from its facts


def test_a_replica_that_went_away_is_left_out(
        api: tuple[Api, Replicas, list[Engine]], cluster: Cluster) -> None:
    made, replicas, _ = api
    cluster.kill(2)  # the module's last test: the cluster is not used after it
    replicas.served.clear()
    for _ in range(4):
        assert _events(made) == []
    assert replicas.served == {"replica-1": 4}
