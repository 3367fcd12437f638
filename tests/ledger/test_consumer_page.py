"""The consumer page says since when the code's record is in the public log and links to the
inclusion proof of that event, which verifies against the log's signed head (issue 18)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from agritrace.ledger import store, verify
from agritrace.ledger.heads import key_id, new_private_text, signing_key
from agritrace.ledger.tables import ledger_leaves
from agritrace.settings import Settings
from tests.ledger.test_log import ORIGIN
from tests.web import stamp_chain
from tests.web.stamp_chain import SERIALS
from tests.web.test_resolver import make_client


def test_the_page_links_the_first_logged_event_to_its_proof(engine: Engine) -> None:
    chain = stamp_chain.load(engine)
    key = signing_key(Settings(ledger_signing_key=new_private_text()))
    store.publish(engine, ORIGIN, key)
    client = make_client(engine)
    page = client.get(chain.path(SERIALS[0])).text
    with engine.connect() as conn:
        first_us = conn.scalar(select(func.min(ledger_leaves.c.record_time_us)))
    day = datetime.fromtimestamp(first_us / 1e6, UTC) + timedelta(hours=7)
    assert f"Đã ghi vào nhật ký công khai từ {day:%d/%m/%Y}" in page
    link = re.search(r'id="logged">.*?<a href="([^"]+)"', page)
    assert link is not None and "Xem bằng chứng" in page
    proof = client.get(html.unescape(link.group(1)))
    assert proof.status_code == 200
    body = proof.json()
    assert verify.check_proof(body, {key_id(key.public_key()): key.public_key()}) == []
    assert body["inclusion"]["leaf"]["record_time_us"] == first_us
    english = client.get(chain.path(SERIALS[0]) + "?lang=en").text
    assert "Recorded in the public log since" in english and "See the proof" in english
