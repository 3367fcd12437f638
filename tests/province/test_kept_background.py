"""A kept-figures miss never makes the officer wait for the computation (issue 13: 15-25 s at
50,000 plots): stale figures are served at once, saying their age, while one worker computes
them again; figures never kept are computed in the background and the page says so and reloads
itself. Only one worker computes the same figures at a time (a lease in the database)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, update

from agritrace.farm.places import add_place
from agritrace.farm.registry import org_actor
from agritrace.province import background, kept
from agritrace.province.tables import kept_figures
from agritrace.vietnam_time import vietnam_now
from tests.province.test_desk import World, make_world


def wait_for(condition: Callable[[], object], timeout_s: float = 15.0) -> bool:
    """Poll ``condition`` until true (a background computation finished), at most
    ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _name(world: World, engine: Engine) -> str:
    period = kept.default_period(vietnam_now().date())
    return f"figures {world.dien_bien.id} {period.start} {period.end} 15"


def _kept_now(world: World, engine: Engine) -> None:
    """The officer's first page computes and keeps the figures; its thread gives the lease
    back just after."""
    assert world.client.get("/province", headers=world.auth("dien_bien")).status_code == 200
    assert wait_for(lambda: not background.held(engine, _name(world, engine)))


def test_stale_figures_are_served_at_once_with_their_age_and_computed_again(
        world: World, engine: Engine) -> None:
    officer = world.auth("dien_bien")
    _kept_now(world, engine)
    add_place(engine, org_actor(world.highland), {
        "name": "Nương 4", "crop": "coffee", "area_ha": 2.0, "province": "Điện Biên",
        "commune": "Ẳng Nưa"})
    with engine.begin() as conn:  # kept 40 minutes ago
        conn.execute(update(kept_figures).values(
            computed_us=kept_figures.c.computed_us - 40 * 60 * 1_000_000))
    # another worker is computing them: this request neither waits nor computes them twice
    assert background.take(engine, _name(world, engine), "another worker")
    page = world.client.get("/province", headers=officer)
    assert page.status_code == 200
    assert 'id="recomputing"' in page.text and "cách đây 40 phút" in page.text
    assert "6,60" in page.text  # the kept figures, not a blank page
    english = world.client.get("/province", headers=officer, params={"lang": "en"})
    assert "computed 40 minutes ago" in english.text
    background.give_back(engine, _name(world, engine), "another worker")

    def registered() -> float:
        answer = world.client.get("/province/indicators", headers=officer).json()
        return float(answer["current"]["by_crop"]["coffee"]["registered_ha"])

    assert registered() == pytest.approx(6.6, abs=0.01)  # still the stale row, recomputing
    assert wait_for(lambda: registered() == pytest.approx(8.6, abs=0.01))
    # the notice goes once the computation has given its lease back (just after keeping)
    assert wait_for(lambda: 'id="recomputing"' not in world.client.get(
        "/province", headers=officer).text)


def test_figures_never_kept_say_they_are_being_computed(world: World, engine: Engine) -> None:
    officer = world.auth("dien_bien")
    assert background.take(engine, _name(world, engine), "another worker")
    started = time.monotonic()
    page = world.client.get("/province", headers=officer)
    assert time.monotonic() - started < kept.FIRST_WAIT_S  # not blocked by the other worker
    assert page.status_code == 202 and page.headers["retry-after"] == "10"
    assert '<meta http-equiv="refresh" content="10">' in page.text
    assert "Đang tính số liệu" in page.text and 'id="computing"' in page.text
    api = world.client.get("/province/indicators", headers=officer)
    assert api.status_code == 503 and api.headers["retry-after"] == "10"
    assert api.headers["content-type"] == "application/problem+json"
    assert "being computed" in api.json()["detail"]
    background.give_back(engine, _name(world, engine), "another worker")
    # the lease is free: this request computes them in the background and, the area being
    # small, has them within the wait
    assert world.client.get("/province", headers=officer).status_code == 200


def test_one_worker_at_a_time_holds_a_lease_until_it_ends(engine: Engine) -> None:
    now = 1_000_000_000_000
    assert background.take(engine, "figures x", "worker 1", now)
    assert not background.take(engine, "figures x", "worker 2", now + 1)
    assert background.take(engine, "figures y", "worker 2", now)  # another computation
    # worker 1 died holding it: the lease ends and another worker takes it over
    assert background.take(engine, "figures x", "worker 2",
                           now + background.LEASE_S * 1_000_000 + 1)
    background.give_back(engine, "figures x", "worker 1")  # no longer its: nothing happens
    assert not background.take(engine, "figures x", "worker 3",
                                now + background.LEASE_S * 1_000_000 + 2)


def test_the_recompute_button_does_not_wait_for_a_computation_already_running(
        world: World, engine: Engine) -> None:
    officer = world.auth("dien_bien")
    _kept_now(world, engine)
    assert background.take(engine, _name(world, engine), "another worker")
    started = time.monotonic()
    pressed = world.client.post("/province/refresh", headers=officer, follow_redirects=False)
    assert pressed.status_code == 303 and time.monotonic() - started < kept.FIRST_WAIT_S
    page = world.client.get(pressed.headers["location"], headers=officer)
    assert 'id="recomputing"' in page.text  # the kept figures, saying they are being computed
    background.give_back(engine, _name(world, engine), "another worker")
    assert 'id="recomputing"' not in world.client.get("/province", headers=officer).text
