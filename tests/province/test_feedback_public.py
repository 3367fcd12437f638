"""The feedback desk's second half (issue 13): deadlines per category set by the province, the
acknowledged state, the public report form with its ticket code and lookup, photos, and each
report's audit trail. Built on the two-province world of test_desk (one quality report about
the Điện Biên cooperative's lot)."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from agritrace.province import feedback
from agritrace.scans.inbox import tickets_of
from agritrace.scans.log import now_us
from agritrace.scans.tables import ticket_photos, tickets
from agritrace.settings import Settings
from agritrace.subscriptions.overdue import overdue_notices
from agritrace.subscriptions.store import notices_only
from agritrace.web.app import create_app
from tests.province.test_desk import OFFICER, ORIGIN, World, make_world

DAY_US = 86_400_000_000
LOT = "/01/08931234000356/10/CF-26"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x40\x00\x00\x00WEBPVP8 " + b"\x00" * 64
CODE = re.compile(r'id="ticket-code">([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})<')


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _age(engine: Engine, ticket_id: int, days: float) -> None:
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(
            created_us=now_us() - int(days * DAY_US)))


def _count(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(tickets)).scalar_one(),
                conn.execute(select(func.count()).select_from(ticket_photos)).scalar_one())


def _send(client: TestClient, lang: str = "vi", photo: tuple[str, bytes, str] | None = None,
          **form: str) -> tuple[int, str]:
    data = {"kind": "quality", "code": LOT, "message": "Hạt bị mốc", "contact": "", **form}
    answer = client.post(f"/feedback?lang={lang}", data=data,
                         files={"photo": photo} if photo else None)
    return answer.status_code, answer.text


def _lookup(client: TestClient, code: str, lang: str = "vi") -> tuple[int, str]:
    answer = client.post(f"/feedback/status?lang={lang}", data={"ticket_code": code})
    return answer.status_code, answer.text


def _newest(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(tickets.c.id))).scalar_one())


def test_the_province_sets_a_deadline_per_category_used_everywhere(
        world: World, engine: Engine) -> None:
    c, officer = world.client, world.auth("dien_bien")
    [report] = tickets_of(engine, world.highland)  # a quality report
    _age(engine, report.id, 7)  # in time under the default 15 days
    assert c.get("/province/indicators", headers=officer).json()[
        "current"]["tickets"]["overdue"] == 0
    form = {"days_fake": "10", "days_quality": "5", "days_wrong_info": "20", "days_safety": "2"}
    # another province's department, a cooperative and a read-only token may not set them
    assert c.post("/province/deadlines", data=form, headers=world.auth("highland"),
                  follow_redirects=False).status_code == 403
    bad = c.post("/province/deadlines", data={**form, "days_safety": "0"}, headers=officer)
    assert bad.status_code == 400 and "days_safety" in bad.text
    saved = c.post("/province/deadlines", data=form, headers=officer, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    # the desk: due after 5 days, so escalated two days ago
    desk = c.get("/province/tickets", headers=officer).text
    assert re.search(rf'id="ticket-{report.id}"[^>]*data-state="escalated"', desk)
    assert 'id="days_quality"' in desk and 'value="5"' in desk
    # the dashboard's figures (kept ones were dropped when the deadlines changed)
    figures = c.get("/province/indicators", headers=officer).json()["current"]["tickets"]
    assert (figures["overdue"], figures["open_in_time"]) == (1, 0)
    # the overdue notices
    notices_only(engine, world.dien_bien, "https://hooks.example.com/desk", None,
                 Settings(database_url="sqlite://"))
    assert overdue_notices(engine, 15, now_us()) == 1
    # the other province keeps the setting's days
    south = c.get("/province/tickets", headers=world.auth("dong_thap")).text
    assert re.search(r'id="days_quality"[^>]*value="15"', south)


def test_an_acknowledged_report_keeps_its_flow_and_every_step_is_in_the_trail(
        world: World, engine: Engine) -> None:
    c, officer, owner = world.client, world.auth("dien_bien"), world.auth("highland")
    [report] = tickets_of(engine, world.highland)
    seen = c.post(f"/coop/tickets/{report.id}/acknowledge", headers=owner)
    assert seen.status_code == 200 and f'id="acknowledged-{report.id}"' in seen.text
    assert c.post(f"/coop/tickets/{report.id}/acknowledge", headers=owner).status_code == 409
    assert c.post(f"/province/tickets/{report.id}/acknowledge", headers=officer,
                  follow_redirects=False).status_code == 409  # seen already
    # another cooperative cannot acknowledge it
    assert c.post(f"/coop/tickets/{report.id}/acknowledge",
                  headers=world.auth("delta")).status_code == 404
    assert c.post(f"/province/tickets/{report.id}/assign", headers=officer,
                  follow_redirects=False).status_code == 303
    assert c.post(f"/coop/tickets/{report.id}/close", headers=owner,
                  data={"answer": "Đã đổi hàng"}).status_code == 200
    assert c.post(f"/province/tickets/{report.id}/close", headers=officer,
                  follow_redirects=False).status_code == 303
    desk = c.get("/province/tickets", headers=officer).text
    trail = re.search(rf'id="ticket-{report.id}".*?<details class="trail">(.*?)</details>',
                      desk, re.S)
    assert trail is not None
    steps = re.findall(r'data-step="(\w+)">([^<]*)</li>', trail.group(1))
    assert [s for s, _ in steps] == ["new", "acknowledged", "assigned", "answered", "closed"]
    officer_name = f"{OFFICER} (Sở NN&amp;MT Điện Biên)"
    assert "người phản ánh" in steps[0][1]
    assert all(re.search(r"\d{2}:\d{2}", text) for _, text in steps)  # when
    assert officer_name in steps[2][1] and officer_name in steps[4][1]  # who
    assert steps[1][1].endswith(steps[3][1].rsplit("· ", 1)[1])  # the owner's member, twice
    # the owner's inbox lists the same steps, with who and when
    inbox = c.get("/coop/tickets", headers=owner).text
    mine = re.search(rf'id="ticket-{report.id}".*?<details class="trail">(.*?)</details>',
                     inbox, re.S)
    assert mine is not None
    assert re.findall(r'data-step="(\w+)"', mine.group(1)) == [s for s, _ in steps]
    assert officer_name in mine.group(1)


def test_an_officer_acknowledges_a_new_report_and_it_still_escalates(
        world: World, engine: Engine) -> None:
    c, officer = world.client, world.auth("dien_bien")
    [report] = tickets_of(engine, world.highland)
    assert c.post(f"/province/tickets/{report.id}/acknowledge", headers=officer,
                  follow_redirects=False).status_code == 303
    _age(engine, report.id, 16)  # acknowledged is not answered
    desk = c.get("/province/tickets", headers=officer,
                 params={"status": "acknowledged"}).text
    assert re.search(rf'id="ticket-{report.id}"[^>]*data-status="acknowledged"'
                     r'[^>]*data-state="escalated"', desk)
    steps = re.findall(r'data-step="(\w+)"', desk)
    assert steps == ["new", "escalated", "acknowledged"]  # received 16 days ago, seen now


def test_anyone_reports_and_reads_the_reply_by_the_ticket_code(
        world: World, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    c = world.client
    page = c.get("/feedback")
    assert page.status_code == 200 and "Phản ánh về nông sản" in page.text
    assert "An toàn thực phẩm" in page.text  # the safety category
    caplog.set_level(logging.DEBUG)
    status, text = _send(c, kind="safety", contact="0912 345 678",
                         message="Có mùi lạ sau khi pha")
    assert status == 201, text
    match = CODE.search(text)
    assert match is not None
    code = match.group(1)
    number = _newest(engine)
    with engine.connect() as conn:  # the code is nowhere in the table, only its digest
        row = conn.execute(select(tickets).where(tickets.c.id == number)).one()
    assert code.replace("-", "") not in str(tuple(row)) and row.code_digest
    # the reporter reads the state, typed any way, with no contact and no text of theirs
    status, text = _lookup(c, code.lower().replace("-", " "))
    assert status == 200 and 'data-state="new"' in text and "An toàn thực phẩm" in text
    assert "0912 345 678" not in text and "Có mùi lạ" not in text
    # the owner answers; the reporter reads the answer and who gave it (the organization)
    assert c.post(f"/coop/tickets/{number}/close", headers=world.auth("highland"),
                  data={"answer": "Lô đã được thu hồi để kiểm tra"}).status_code == 200
    status, text = _lookup(c, code, "en")
    assert status == 200 and 'data-state="answered"' in text
    assert "Answer from HTX Cà phê Ẳng Nưa" in text and "Lô đã được thu hồi" in text
    assert OFFICER not in text and "0912 345 678" not in text
    answer = c.post("/feedback/status", data={"ticket_code": code},
                    headers={"Accept": "application/json"})
    assert answer.json()["state"] == "answered" and "contact" not in answer.json()
    # a code that is no report's
    assert _lookup(c, "0000-0000-0000-0000")[0] == 404
    assert _lookup(c, "not a code")[0] == 404
    # the code is in no log line and no URL the reporter shares
    assert all(code not in r.getMessage() for r in caplog.records)
    assert 'action="/feedback/status' in text and code not in c.get("/feedback/status").text


def test_a_report_naming_no_code_goes_to_the_province_s_desk(
        world: World, engine: Engine) -> None:
    c = world.client
    status, text = _send(c, code="", province="dien-bien",
                         message="Chợ bán gạo dán nhãn OCOP giả")
    assert status == 201, text
    code = CODE.search(text).group(1)  # type: ignore[union-attr]
    number = _newest(engine)
    north = c.get("/province/tickets", headers=world.auth("dien_bien")).text
    assert f'id="ticket-{number}"' in north and "không có mã, gửi tới tỉnh" in north
    assert f'id="ticket-{number}"' not in c.get(
        "/province/tickets", headers=world.auth("dong_thap")).text
    assert c.post(f"/province/tickets/{number}/assign", headers=world.auth("dien_bien"),
                  follow_redirects=False).status_code == 409  # no owner to forward to
    answered = c.post(f"/province/tickets/{number}/answer", headers=world.auth("dien_bien"),
                      data={"answer": "Đã chuyển quản lý thị trường kiểm tra"},
                      follow_redirects=False)
    assert answered.status_code == 303, answered.text
    status, text = _lookup(c, code)
    assert "Trả lời của Sở NN&amp;MT Điện Biên" in text and "quản lý thị trường" in text
    # a report about a code is its owner's to answer, not the province's
    [mine] = tickets_of(engine, world.highland)
    assert c.post(f"/province/tickets/{mine.id}/answer", headers=world.auth("dien_bien"),
                  data={"answer": "x"}, follow_redirects=False).status_code == 409


def test_a_refused_report_says_why_in_the_reader_s_language_and_stores_nothing(
        world: World, engine: Engine) -> None:
    c, before = world.client, _count(engine)
    status, text = _send(c, code="", province="", message="")
    assert status == 400
    assert "mã trên sản phẩm, hoặc tỉnh nhận phản ánh" in text and 'data-field="message"' in text
    status, text = _send(c, "en", kind="rumour")
    assert status == 400 and "a category (fake | quality" in text
    problem = c.post("/feedback?lang=en", data={"kind": "quality", "code": LOT, "message": ""},
                     headers={"Accept": "application/json"})
    assert problem.status_code == 400
    assert problem.headers["content-type"].startswith("application/problem+json")
    [error] = problem.json()["errors"]
    assert error["path"] == "message" and "a description of 1 to 2,000" in error["message"]
    vi = c.post("/feedback?lang=vi", data={"kind": "quality", "code": LOT, "message": ""},
                headers={"Accept": "application/json"}).json()
    assert "nội dung phản ánh" in vi["errors"][0]["message"]
    assert _count(engine) == before


def test_photos_are_checked_by_their_bytes_and_shown_to_owner_and_officer_only(
        world: World, engine: Engine) -> None:
    c = world.client
    before = _count(engine)
    # named .jpg, but an SVG with a script: refused, nothing stored
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    status, text = _send(c, photo=("anh.jpg", svg, "image/jpeg"))
    assert status == 400 and "ảnh JPEG, PNG hoặc WebP" in text
    assert _count(engine) == before
    for name, content, media in (("a.png", PNG, "image/png"), ("b.bin", JPEG, "image/jpeg"),
                                 ("c", WEBP, "image/webp")):
        status, text = _send(c, photo=(name, content, "application/octet-stream"))
        assert status == 201, text
        number = _newest(engine)
        shown = c.get(f"/coop/tickets/{number}/photo", headers=world.auth("highland"))
        assert shown.status_code == 200 and shown.content == content
        assert shown.headers["content-type"] == media
        assert shown.headers["x-content-type-options"] == "nosniff"
        officer = c.get(f"/province/tickets/{number}/photo", headers=world.auth("dien_bien"))
        assert officer.status_code == 200 and officer.content == content
    code = CODE.search(text).group(1)  # type: ignore[union-attr]
    # nobody else: another province, another cooperative, nobody signed in, the reporter's page
    assert c.get(f"/province/tickets/{number}/photo",
                 headers=world.auth("dong_thap")).status_code == 404
    assert c.get(f"/coop/tickets/{number}/photo",
                 headers=world.auth("delta")).status_code == 404
    assert c.get(f"/coop/tickets/{number}/photo", follow_redirects=False).status_code == 303
    assert "/photo" not in _lookup(c, code)[1]
    desk = c.get("/province/tickets", headers=world.auth("dien_bien")).text
    assert f'href="/province/tickets/{number}/photo"' in desk


def test_a_photo_over_the_limit_leaves_nothing_behind(engine: Engine) -> None:
    world = make_world(engine)
    small = TestClient(create_app(Settings(database_url="sqlite://",
                                           report_photo_max_bytes=2048), engine))
    before = _count(engine)
    status, text = _send(small, photo=("a.png", PNG + b"\x00" * 2048, "image/png"))
    assert status == 400 and "ảnh không quá 2.048 byte" in text
    # a body far over the limit is refused before it is read whole
    status, text = _send(small, photo=("a.png", PNG + b"\x00" * 40_000, "image/png"))
    assert status == 413
    assert _count(engine) == before
    assert _send(small, photo=("a.png", PNG, "image/png"))[0] == 201
    assert world.client.get("/feedback").status_code == 200


def test_the_public_form_is_rate_limited_with_the_shared_limits(engine: Engine) -> None:
    make_world(engine)
    client = TestClient(create_app(Settings(database_url="sqlite://", report_per_hour=3),
                                   engine))
    before = _count(engine)  # the world's own report counted one already
    assert [_send(client)[0] for _ in range(2)] == [201, 201]
    limited = client.post("/feedback", data={"kind": "quality", "code": LOT, "message": "x"},
                          headers={"Accept": "application/json"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "quá nhiều phản ánh" in limited.json()["detail"]
    assert _count(engine) == (before[0] + 2, before[1])
    assert _send(client)[0] == 429  # the form page too


def test_the_consumer_page_report_gives_a_ticket_code(world: World) -> None:
    sent = world.client.post("/report", data={"code": LOT, "kind": "safety",
                                              "message": "Đau bụng", "contact": ""})
    assert sent.status_code == 201 and sent.headers["cache-control"] == "no-store"
    code = re.search(r"Mã phản ánh của bạn: ([0-9A-Z-]{19})", sent.text)
    assert code is not None
    assert 'data-state="new"' in _lookup(world.client, code.group(1))[1]


def test_the_deadline_rule_is_one_function() -> None:
    rules = feedback.Deadlines(15, {("dien-bien", "safety"): 2})
    assert rules.days("dien-bien", "safety") == 2
    assert rules.days("dien-bien", "quality") == 15 and rules.days("ha-noi", "safety") == 15
    assert rules.of("dien-bien") == {"fake": 15, "quality": 15, "wrong_info": 15, "safety": 2}


def test_origin_is_checked_on_the_desk_forms(world: World) -> None:
    other = {**world.auth("dien_bien"), "Origin": "https://evil.example"}
    assert world.client.post("/province/deadlines", headers=other, data={
        "days_fake": "1", "days_quality": "1", "days_wrong_info": "1", "days_safety": "1"},
        follow_redirects=False).status_code == 403
    assert ORIGIN.startswith("http://")


def test_a_report_about_a_code_keeps_its_owner_s_province_whatever_is_chosen(
        world: World, engine: Engine) -> None:
    c = world.client
    short = {"days_fake": "1", "days_quality": "1", "days_wrong_info": "1", "days_safety": "1"}
    assert c.post("/province/deadlines", data=short, headers=world.auth("dong_thap"),
                  follow_redirects=False).status_code == 303
    assert _send(c, province="dong-thap")[0] == 201  # the code is Điện Biên's cooperative's
    number = _newest(engine)
    _age(engine, number, 3)  # past Đồng Tháp's day, within Điện Biên's 15
    north = c.get("/province/tickets", headers=world.auth("dien_bien")).text
    assert re.search(rf'id="ticket-{number}"[^>]*data-state="new"', north)
    assert f'id="ticket-{number}"' not in c.get("/province/tickets",
                                                headers=world.auth("dong_thap")).text
