"""Browser hardening (issue 11): every page and API answer forbids framing, sniffing, other
origins and inline code other than the templates' own (by hash)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.web.app import create_app
from agritrace.web.headers import client_address, parse_proxies
from tests.web import stamp_chain
from tests.web.stamp_chain import SERIALS

BASE = "https://trace.example.vn"


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://", base_url=BASE), engine),
                      follow_redirects=False)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_answer_carries_the_headers(engine: Engine, client: TestClient) -> None:
    chain = stamp_chain.load(engine)
    for path in (chain.path(SERIALS[0]), chain.path("NEVER2ISSUED"), "/01/123", "/events",
                 "/.well-known/gs1resolver", "/no/such/page", "/login"):
        answer = client.get(path)
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        # (a page may set a stricter one: the sign-in page sends none to other sites)
        assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "same-origin",
                                              "no-referrer"), path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "http" not in csp, path


def test_the_page_s_inline_style_and_script_are_allowed_by_hash(
        engine: Engine, client: TestClient) -> None:
    chain = stamp_chain.load(engine)
    page = client.get(chain.path(SERIALS[0]))
    csp = page.headers["content-security-policy"]
    blocks = re.findall(r"<(style|script)>(.*?)</\1>", page.text, re.S)
    assert {kind for kind, _ in blocks} == {"style", "script"}
    for kind, body in blocks:
        directive = next(d for d in csp.split("; ") if d.startswith(f"{kind}-src"))
        assert _hash(body) in directive, kind


def test_forwarded_for_is_read_only_from_trusted_proxies() -> None:
    proxies = parse_proxies("10.0.0.0/8, 192.0.2.1")
    assert client_address("10.1.2.3", "203.0.113.5, 192.0.2.1", proxies) == "203.0.113.5"
    assert client_address("198.51.100.2", "203.0.113.5", proxies) == "198.51.100.2"
    assert client_address("10.1.2.3", "", proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", "203.0.113.5", ()) == "10.1.2.3"
