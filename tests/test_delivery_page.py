"""The cooperative's delivery page (issue 16): each subscription with its last delivery, its
last failure, its deliveries by state and its dead letters, in Vietnamese first; a retry button
(a same-origin form) sends the dead letters again."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.subscriptions.outbox import deliver_due
from agritrace.web.app import create_app
from tests.test_subscriptions import Org, shipped
from tests.webhook_receiver import receiving

ORIGIN = "http://testserver"


def test_the_page_shows_dead_letters_and_sends_them_again(engine: Engine) -> None:
    settings = Settings(database_url="sqlite://", subscription_private_dests=True,
                        delivery_timeout_s=2.0, delivery_max_attempts=2, delivery_backoff_s=1.0)
    client = TestClient(create_app(settings, engine))
    with receiving() as hook:
        coop = Org(client, engine, "HTX Chè Suối Giàng")
        made = coop.subscribe(hook.url + "/in")
        coop.capture(shipped(1))
        hook.statuses += [500, 503]
        deliver_due(engine, settings)
        deliver_due(engine, settings, 2**62)  # the second try fails too: a dead letter
        page = client.get("/coop/deliveries", headers=coop.auth)
        assert page.status_code == 200, page.text
        html = page.text
        assert "Thông báo đã gửi" in html and "Truy vấn shipped" in html
        assert hook.url + "/in" in html
        assert "Lần gửi được gần nhất: chưa lần nào" in html
        assert "Đã gửi 0 · đang chờ 0 · dừng 1" in html
        assert "Lỗi gần nhất: HTTP 503" in html
        assert "sự kiện, tạo " in html and "2 lần thử: HTTP 503" in html
        assert f'action="/coop/deliveries/{made["subscriptionID"]}/retry"' in html
        assert "<script" not in html
        english = TestClient(client.app).get("/coop/deliveries?lang=en", headers=coop.auth).text
        assert "Stopped deliveries" in english and "Lần gửi đã dừng" not in english

        forged = client.post(f"/coop/deliveries/{made['subscriptionID']}/retry",
                             headers={**coop.auth, "Origin": "https://evil.example"})
        assert forged.status_code == 403
        again = client.post(f"/coop/deliveries/{made['subscriptionID']}/retry",
                            headers={**coop.auth, "Origin": ORIGIN})
        assert again.status_code == 200, again.text
        assert "1 lần gửi sẽ được gửi lại ở lượt tới." in again.text
        assert "Đã gửi 0 · đang chờ 1 · dừng 0" in again.text
        assert deliver_due(engine, settings).delivered == 1
        html = client.get("/coop/deliveries", headers=coop.auth).text
        assert "Đã gửi 1 · đang chờ 0 · dừng 0" in html and "chưa lần nào" not in html
        assert "Lỗi gần nhất" not in html


def test_another_organization_cannot_retry_a_subscription(engine: Engine) -> None:
    settings = Settings(database_url="sqlite://", subscription_private_dests=True)
    client = TestClient(create_app(settings, engine))
    coop = Org(client, engine, "HTX Chè Suối Giàng")
    other = Org(client, engine, "Công ty Lạ")
    made = coop.subscribe("https://hooks.example.com/in")
    answer = client.post(f"/coop/deliveries/{made['subscriptionID']}/retry",
                         headers={**other.auth, "Origin": ORIGIN})
    assert answer.status_code == 404
    assert made["subscriptionID"] not in client.get("/coop/deliveries", headers=other.auth).text
