"""The front door: '/' sends each visitor to its place; '/scan' opens a typed or pasted code."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.farm.registry import create_member_token
from agritrace.settings import Settings
from agritrace.web.app import create_app
from agritrace.web.pages.session import COOKIE
from tests.farm.coop import make_coop


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://"), engine))


def test_the_home_page_is_vietnamese_first_and_links_every_place(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in page.text and "Truy xuất nguồn gốc nông sản" in page.text
    for href in ("/catalogue", "/my", "/coop", "/reports/eudr", "/reports/methane", "/docs",
                 "/login"):
        assert f'href="{href}"' in page.text, href
    english = client.get("/?lang=en").text
    assert '<html lang="en">' in english and "Farm produce traceability" in english


@pytest.mark.parametrize(("typed", "path"), [
    ("08931234000356", "/01/08931234000356"),
    (" 8931234000356 ", "/01/08931234000356"),  # GTIN-13 as printed under an EAN-13
    ("(01)08931234000356(10)R26-1106", "/01/08931234000356/10/R26-1106"),
    ("]Q3010893123456789710L1\x1d21S1", "/01/08931234567897/10/L1/21/S1"),
    ("https://shop.example/01/08931234000356/21/X7K9", "/01/08931234000356/21/X7K9"),
])
def test_a_typed_code_opens_its_consumer_page(client: TestClient, typed: str, path: str) -> None:
    answer = client.get("/scan", params={"code": typed}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == path


def test_a_code_that_cannot_be_read_is_said_so_in_the_readers_words(client: TestClient) -> None:
    answer = client.get("/scan", params={"code": "8931234000357<b>"})
    assert answer.status_code == 400
    assert "Không đọc được mã “8931234000357&lt;b&gt;”" in answer.text
    assert 'value="8931234000357&lt;b&gt;"' in answer.text  # kept in the box, escaped
    english = client.get("/scan", params={"code": "8931234000357", "lang": "en"})
    assert "Could not read the code “8931234000357”" in english.text
    check_digit = client.get("/scan", params={"code": "08931234000357"})
    assert check_digit.status_code == 400 and "expected check digit" not in check_digit.text


def test_a_signed_in_member_is_offered_the_way_to_its_pages(engine: Engine,
                                                            client: TestClient) -> None:
    coop = make_coop(engine, "HTX Cửa Trước")
    client.cookies.set(COOKIE, create_member_token(engine, coop.manager, coop.farmer_a.id))
    assert '<p id="continue"><a href="/my">' in client.get("/").text
    client.cookies.set(COOKIE, create_member_token(engine, coop.manager, coop.technical.id))
    assert '<p id="continue"><a href="/coop">' in client.get("/").text
    assert 'href="/login"' not in client.get("/").text
