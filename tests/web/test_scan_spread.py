"""A code's distinct devices and places, kept as its scans are written (issue 21, migration 0045):
the verdict counts them exactly, from one row, whatever the code's scan count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic import command
from psycopg import sql
from sqlalchemy import Engine, inspect, select, text

from agritrace import pagecache
from agritrace.scans import log
from agritrace.scans.log import ScanQueue, Visit
from agritrace.scans.tables import scan_devices, scan_places, scan_totals
from agritrace.scans.verdict import Policy
from agritrace.store.migrate import alembic_config
from tests.web import stamp_chain
from tests.web.stamp_chain import SERIALS, Chain
from tests.web.test_resolver import NOV_12_2026_9H, make_client

HOUR_US = 3_600_000_000
HANOI, HAIPHONG, HUE = (21.0, 105.8), (20.8, 106.7), (16.5, 107.6)


@pytest.fixture
def chain(engine: Engine) -> Chain:
    return stamp_chain.load(engine)


def _totals(engine: Engine, code: str) -> tuple[int, int, int]:
    """The code's scans, devices and places, once this process's waiting scans are written."""
    log.queue(engine).flush()
    with engine.connect() as conn:
        return tuple(conn.execute(
            select(scan_totals.c.scans, scan_totals.c.devices, scan_totals.c.places)
            .where(scan_totals.c.code == code)).one())


def _scan(code: str, n: int, device: str, place: tuple[float, float] | None = None
          ) -> tuple[Any, ...]:
    return (code, NOV_12_2026_9H + n * HOUR_US, *(place or (None, None)), "", device, f"c{n}")


def test_a_batch_counts_the_devices_and_places_new_to_each_code(engine: Engine) -> None:
    queue = ScanQueue(engine)
    first, other = "/01/08931234000356/21/SPREAD1", "/01/08931234000356/21/SPREAD2"
    places = (HANOI, HAIPHONG, None)
    for n in range(600):  # more than one statement's rows
        assert queue.add(_scan(first, n, f"d{n}", places[n % 3]))
    assert queue.add(_scan(first, 600, "d0", HANOI))  # a device and a place seen before
    for n in range(2):  # the same devices and place, another code: counted for it
        assert queue.add(_scan(other, n, f"d{n}", HANOI))
    assert queue.flush() == 603
    assert _totals(engine, first) == (601, 600, 2)
    assert _totals(engine, other) == (2, 2, 1)
    for n, device, place in ((601, "d1", HAIPHONG), (602, "new", HUE), (603, "new", None)):
        assert queue.add(_scan(first, n, device, place))
    assert queue.flush() == 3  # a later batch counts only what is new to the code
    assert _totals(engine, first) == (604, 601, 3)
    with engine.connect() as conn:
        assert conn.execute(select(scan_places).where(scan_places.c.code == first)
                            .order_by(scan_places.c.lat)).all() == [
            (first, *HUE), (first, *HAIPHONG), (first, *HANOI)]


def test_two_workers_batches_count_each_device_and_place_once(engine: Engine) -> None:
    """Two processes' queues write the same codes' devices and places at once, queued in
    opposite orders: each waits for the other's rows rather than locking them in turn, and each
    device and place is counted once."""
    codes = [f"/01/08931234000356/21/TWO{n:02d}" for n in range(20)]
    queues = (ScanQueue(engine), ScanQueue(engine))
    for queue, order in zip(queues, (codes, codes[::-1]), strict=True):
        for n, code in enumerate(order):
            for device in ("a", "b", "c"):
                assert queue.add((code, NOV_12_2026_9H + n, *HANOI, "", device, device))
    with ThreadPoolExecutor(2) as pool:
        assert sum(pool.map(ScanQueue.flush, queues)) == 120
    assert {_totals(engine, code) for code in codes} == {(6, 3, 1)}


def test_the_verdict_names_every_device_and_place_of_a_much_scanned_stamp(
        engine: Engine, chain: Chain) -> None:
    path = chain.path(SERIALS[0])
    places = (HANOI, HAIPHONG, HUE, (10.8, 106.7), (12.2, 109.2), (11.9, 108.4))
    queue = log.queue(engine)
    for n in range(40):  # a day apart: no impossible travel
        assert queue.add(_scan(path, 24 * n, f"d{n}", places[n % 6]))
    queue.flush()
    page = make_client(engine).get(path).text
    # exact, not the window's bound (17 devices and 6 places before migration 0045)
    assert "quá nhiều thiết bị khác nhau (41 thiết bị)" in page
    assert "quá nhiều nơi khác nhau (6 nơi)" in page and "Số lần quét: 41" in page
    english = make_client(engine, client=("10.0.0.9", 1)).get(path + "?lang=en").text
    assert "too many different devices (42)" in english


def test_a_location_shared_after_the_scan_was_written_counts_its_place(
        engine: Engine, chain: Chain) -> None:
    path = chain.path(SERIALS[1])
    # the second phone's place is the first's once made coarse (21.0, 105.8): counted once
    for n, (lat, lon), before, after in ((1, (21.03, 105.81), 0, 1), (2, (21.01, 105.83), 1, 1),
                                         (3, (10.78, 106.70), 1, 2)):
        phone = make_client(engine, client=(f"10.0.0.{n}", 1))
        phone.get(path)
        assert _totals(engine, path) == (n, n, before)  # written without a place
        shared = phone.get(f"{path}?lat={lat}&lon={lon}&located=1")  # goes on the written scan
        assert shared.status_code == 200 and "vị trí gần đúng đã được ghi" in shared.text
        assert _totals(engine, path) == (n, n, after)


def test_the_migration_counts_the_scans_kept_and_goes_back(engine: Engine) -> None:
    code = "/01/08931234000356/21/KEPT1"
    config = alembic_config(engine)
    command.downgrade(config, "0044")
    with engine.begin() as conn:
        for n, device, lat, lon in ((0, "d0", *HANOI), (1, "d0", *HANOI), (2, "d1", None, None)):
            conn.execute(text("INSERT INTO scans (code, scanned_us, lat, lon, device, client) "
                              "VALUES (:code, :at, :lat, :lon, :device, 'c')"),
                         {"code": code, "at": NOV_12_2026_9H + n, "lat": lat, "lon": lon,
                          "device": device})
        conn.execute(text("INSERT INTO scan_totals (code, scans, first_us) VALUES (:c, 3, :at)"),
                     {"c": code, "at": NOV_12_2026_9H})
    command.upgrade(config, "heads")
    assert _totals(engine, code) == (3, 2, 1)
    with engine.connect() as conn:
        assert conn.execute(select(scan_devices.c.device).order_by(scan_devices.c.device)
                            ).scalars().all() == ["d0", "d1"]
    command.downgrade(config, "0044")
    assert {c["name"] for c in inspect(engine).get_columns("scan_totals")} == {
        "code", "scans", "first_us"}
    assert not {"scan_devices", "scan_places"} & set(inspect(engine).get_table_names())
    command.upgrade(config, "heads")


def _rows_read(plan: dict[str, Any]) -> list[tuple[str, int]]:
    """Each table's or index's scan in an EXPLAIN ANALYZE plan (JSON), and the rows it read."""
    read = [(plan["Relation Name"], plan["Actual Rows"] * plan["Actual Loops"])
            ] if "Relation Name" in plan else []
    for child in plan.get("Plans", ()):
        read += _rows_read(child)
    return read


def test_the_pages_statement_reads_a_bounded_number_of_scans(engine: Engine) -> None:
    """PostgreSQL's generic plan of the page's statement (the one the app runs) reads a few
    rows for a code scanned 2,000 times, not each of them (a DISTINCT over its scans did)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL plan")
    code, now = "/01/08931234000356/21/HOT1", log.now_us()
    queue = ScanQueue(engine)
    for n in range(2000):
        place = (20.0 + n % 10 / 10, 105.0) if n % 3 == 0 else (None, None)
        assert queue.add((code, now - n * 1_000_000, *place, "", f"d{n}", f"c{n % 500}"))
    queue.flush()
    policy = Policy()
    params = log.read_params(code, Visit("dX", "cX"), now - log.DAY_US, now - HOUR_US, policy)
    statement = log._read(pagecache.GENERATION)
    for n in range(1, statement.count("?") + 1):
        statement = statement.replace("?", f"${n}", 1)
    with engine.connect() as conn:
        driver: Any = conn.connection.driver_connection
        driver.execute("ANALYZE scans")  # as autovacuum leaves it: the plan fits the rows
        driver.execute("SET plan_cache_mode = force_generic_plan")
        driver.execute(f"PREPARE page_read AS {statement}")
        explained = driver.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page_read ({})")
                                   .format(sql.SQL(", ").join(map(sql.Literal, params))))
        plan = explained.fetchone()[0][0]["Plan"]
    read = _rows_read(plan)
    # the newest window, the first scan, one row of each small table (and a row per partition
    # a merge of partitions starts from)
    assert sum(rows for _, rows in read) <= 3 * policy.window, read
