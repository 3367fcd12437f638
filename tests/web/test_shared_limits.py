"""Rate limits and sign-in sessions hold across worker processes and servers (issue 19): two
apps built on one database, as two workers or two servers are, share them."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from agritrace import limits
from agritrace.limits import Limit
from agritrace.limits.tables import rate_limits
from agritrace.scans.tables import tickets
from agritrace.settings import Settings
from agritrace.store.orgs import create_login_code, list_tokens, revoke_token
from agritrace.web.app import create_app
from tests.web.farm_site import load

_REPORT = {"code": "/01/08931234000356/21/ABC", "kind": "fake", "message": "tem lạ",
           "contact": ""}


def _servers(engine: Engine, **settings: object) -> tuple[TestClient, TestClient]:
    """Two apps on one database, each with its own process state, one client address."""
    def one() -> TestClient:
        return TestClient(create_app(Settings(database_url="sqlite://",
                                              base_url="http://testserver", **settings), engine),
                          client=("203.0.113.9", 50000))
    return one(), one()


def _tickets(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tickets)).scalar_one())


def test_the_report_limit_is_shared_by_two_servers(engine: Engine) -> None:
    first, second = _servers(engine, report_per_hour=3)
    assert [c.post("/report", data=_REPORT).status_code for c in (first, second, first)] \
        == [201, 201, 201]
    refused = second.post("/report", data=_REPORT)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
    assert first.post("/report", data=_REPORT).status_code == 429
    other = TestClient(first.app, client=("198.51.100.7", 50000))  # another address is not
    assert other.post("/report", data=_REPORT).status_code == 201
    assert _tickets(engine) == 4


def test_simultaneous_reports_on_two_servers_keep_the_limit(engine: Engine) -> None:
    """Counted and checked in one statement: reports racing on two servers cannot all read
    'under the limit' before any is stored (the old count over the tickets could)."""
    first, second = _servers(engine, report_per_hour=3)
    start = threading.Barrier(8)
    codes: list[int] = []

    def send(client: TestClient) -> None:
        start.wait(timeout=10)
        codes.append(client.post("/report", data=_REPORT).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in (first, second) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes) == [201] * 3 + [429] * 5, codes
    assert _tickets(engine) == 3


def test_wrong_sign_in_codes_are_counted_across_servers(engine: Engine) -> None:
    _, tokens = load(engine)
    first, second = _servers(engine, sign_in_failures_per_hour=3)
    code = create_login_code(engine, tokens["a"]).code
    for client in (first, second, first):
        assert client.post("/login", data={"code": "WRONG-CODE-0000-0000"}).status_code == 401
    refused = second.post("/login", data={"code": "WRONG-CODE-0000-0000"})
    assert refused.status_code == 429 and "quá nhiều lần" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # A guesser that found the right code is refused all the same, on either server...
    assert first.post("/login", data={"code": code}).status_code == 429
    # ...while a farmer at another address signs in with it.
    farmer = TestClient(first.app, client=("198.51.100.7", 50000))
    assert farmer.post("/login", data={"code": code}).url.path == "/my"


def test_a_session_begun_on_one_server_holds_on_another(engine: Engine) -> None:
    coop, tokens = load(engine)
    first, second = _servers(engine)
    code = create_login_code(engine, tokens["a"]).code
    signed_in = first.post("/login", data={"code": code})
    assert signed_in.url.path == "/my"
    second.cookies.update(first.cookies)  # the browser's next request reaches the other server
    assert second.get("/my").status_code == 200 and "Nương" in second.get("/my").text
    third = TestClient(second.app, client=("198.51.100.7", 50000))
    assert third.post("/login", data={"code": code}).status_code == 401  # used once already
    # Signed out everywhere at once when the token is revoked, whichever server is asked.
    [member] = [t for t in list_tokens(engine)
                if t.label.startswith(f"member {coop.farmer_a.id} ")]
    revoke_token(engine, member.id)
    assert second.get("/my", follow_redirects=False).status_code in (303, 401)
    assert first.get("/my", follow_redirects=False).status_code in (303, 401)


def test_the_window_slides_over_its_edge_and_old_counters_go(engine: Engine) -> None:
    hour = 3_600_000_000
    limit = Limit("test", 4, 3600)
    edge = 100 * hour
    # Four hits in the last minute of a window: a fixed window would allow four more at once.
    assert all(limits.hit(engine, limit, "c", edge - 60_000_000).allowed for _ in range(4))
    early = limits.hit(engine, limit, "c", edge + 60_000_000)
    assert not early.allowed and early.retry_after_s == 3540
    assert limits.peek(engine, limit, "c", edge + hour - 60_000_000).allowed  # it has slid
    limits.hit(engine, limit, "other", edge)
    limits._pruned["at_us"] = 0  # the minute between prunes has passed
    limits.hit(engine, limit, "c", edge + 3 * hour)  # the other's two windows have passed
    with engine.connect() as conn:
        keys = conn.execute(select(rate_limits.c.key)).scalars().all()
    assert keys == ["test:c"]


def test_signing_out_on_one_server_ends_the_session_on_every_server(engine: Engine) -> None:
    _, tokens = load(engine)
    first, second = _servers(engine)
    assert first.post("/login", data={"code": create_login_code(engine, tokens["a"]).code}
                      ).url.path == "/my"
    second.cookies.update(first.cookies)  # the same browser, its requests on either server
    assert second.get("/my").status_code == 200
    stolen = dict(first.cookies)  # a copy of the cookie, kept by whoever took it
    assert first.post("/logout").url.path == "/login"
    second.cookies.update(stolen)
    assert second.get("/my", follow_redirects=False).status_code in (303, 401)
    # A token pasted in (an API token, held elsewhere too) is not changed by signing out.
    assert first.post("/login", data={"token": tokens["office"]}).url.path == "/coop"
    first.post("/logout")
    assert second.get("/events", headers={"Authorization": f"Bearer {tokens['office']}"}
                      ).status_code == 200
