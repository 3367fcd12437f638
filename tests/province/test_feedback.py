"""The feedback desk (issue 13): a consumer's report in the area goes new → assigned (an officer
forwards it to the code's owner) → answered (the owner, from its inbox) → closed (the officer);
past the deadline it is overdue, and the share answered on time is the dashboard's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, update

from agritrace.province import feedback
from agritrace.scans.inbox import tickets_of
from agritrace.scans.log import now_us
from agritrace.scans.tables import tickets
from agritrace.store.orgs import create_token
from agritrace.trust import Reach, TokenRole
from tests.province.test_desk import OFFICER, ORIGIN, World, make_world

DAY_US = 86_400_000_000
OFFICER_ACTS = f"{OFFICER} (Sở NN&MT Điện Biên)"  # the person, of the department


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)  # one report about the Điện Biên cooperative's lot


def _post(world: World, who: str, path: str, **data: str) -> int:
    answer = world.client.post(path, headers=world.auth(who), data=data, follow_redirects=False)
    return answer.status_code


def _only_ticket(world: World, engine: Engine) -> int:
    [ticket] = tickets_of(engine, world.highland)
    return ticket.id


def test_a_report_is_forwarded_answered_and_closed(world: World, engine: Engine) -> None:
    c, number = world.client, _only_ticket(world, engine)
    desk = c.get("/province/tickets", headers=world.auth("dien_bien"))
    assert desk.status_code == 200, desk.text
    assert f'id="ticket-{number}" data-status="new"' in desk.text
    assert "Hạt bị mốc" in desk.text and "HTX Cà phê Ẳng Nưa" in desk.text
    # another province's officer neither sees nor acts on it; a cooperative may not use the desk
    south = c.get("/province/tickets", headers=world.auth("dong_thap"))
    assert south.status_code == 200 and "Hạt bị mốc" not in south.text
    assert _post(world, "dong_thap", f"/province/tickets/{number}/assign") == 404
    assert _post(world, "highland", f"/province/tickets/{number}/assign") == 403
    assert c.get("/province/tickets", headers=world.auth("highland")).status_code == 403
    reader = create_token(engine, world.dien_bien, "auditor", TokenRole.READ)
    refused = c.post(f"/province/tickets/{number}/assign", data={},
                     headers={"Authorization": f"Bearer {reader}", "Origin": ORIGIN})
    assert refused.status_code == 403
    assert _post(world, "dien_bien", f"/province/tickets/{number}/close") == 409  # not answered
    assert _post(world, "dien_bien", f"/province/tickets/{number}/assign") == 303
    assert _post(world, "dien_bien", f"/province/tickets/{number}/assign") == 409  # once
    [ticket] = tickets_of(engine, world.highland)
    assert (ticket.status, ticket.assigned_org_id, ticket.assigned_by) == (
        "assigned", world.highland.id, OFFICER_ACTS)  # recorded as the officer, a person
    # the owner reads the province's request in its inbox and answers there
    inbox = c.get("/coop/tickets", headers=world.auth("highland"))
    assert inbox.status_code == 200 and f'id="forwarded-{number}"' in inbox.text
    answered = c.post(f"/coop/tickets/{number}/close", headers=world.auth("highland"),
                      data={"answer": "Đã thu hồi lô và đổi hàng"})
    assert answered.status_code == 200, answered.text
    desk = c.get("/province/tickets", headers=world.auth("dien_bien"),
                 params={"status": "answered"})
    assert "Đã thu hồi lô và đổi hàng" in desk.text
    assert _post(world, "dien_bien", f"/province/tickets/{number}/close") == 303
    [ticket] = tickets_of(engine, world.highland)
    assert (ticket.status, ticket.closed_by) == ("closed", OFFICER_ACTS)
    english = c.get("/province/tickets", headers=world.auth("dien_bien"), params={"lang": "en"})
    assert "The feedback desk" in english.text
    assert "Closed by Lò Văn Minh (Sở NN&amp;MT Điện Biên)" in english.text
    assert "province_" not in english.text.replace('"province_', "")


def _age(engine: Engine, ticket_id: int, days: float, answered_after: float | None = None
         ) -> None:
    """Make a report received ``days`` ago (answered ``answered_after`` days after receipt)."""
    created = now_us() - int(days * DAY_US)
    values: dict[str, object] = {"created_us": created}
    if answered_after is not None:
        values.update(status="answered", handled_us=created + int(answered_after * DAY_US),
                      handled_by="Chị Hoa", answer="Đã xử lý")
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(**values))


def test_overdue_reports_and_the_share_on_time_match_the_dashboard(world: World,
                                                                   engine: Engine) -> None:
    c = world.client
    for message in ("Tem mờ", "Sai ngày đóng gói", "Nghi hàng giả"):
        sent = c.post("/report", data={"code": "/01/08931234000356/10/CF-26", "kind": "quality",
                                       "message": message, "contact": ""})
        assert sent.status_code == 201, sent.text
    first, *others = sorted(t.id for t in tickets_of(engine, world.highland))
    _age(engine, first, 20)            # unanswered after 20 days: overdue (deadline 15)
    _age(engine, others[0], 10, 3)     # answered in 3 days: on time
    _age(engine, others[1], 25, 16)    # answered in 16 days: late
    _age(engine, others[2], 1)         # 1 day old: open, in time
    desk = c.get("/province/tickets", headers=world.auth("dien_bien"))
    assert "4 phản ánh trên địa bàn, 1 quá hạn" in desk.text
    assert re.search(rf'id="ticket-{first}"[^>]*data-outcome="overdue"', desk.text)
    overdue = c.get("/province/tickets", headers=world.auth("dien_bien"),
                    params={"overdue": "1"}).text
    assert overdue.count('class="ticket"') == 1 and f'id="ticket-{first}"' in overdue
    assert c.get("/province/tickets", headers=world.auth("dien_bien"),
                 params={"status": "late"}).status_code == 400
    figures = c.get("/province/indicators", headers=world.auth("dien_bien")).json()
    assert figures["current"]["tickets"] == {
        "received": 4, "answered_on_time": 1, "answered_late": 1, "overdue": 1,
        "open_in_time": 1, "deadline_days": 15, "on_time_share": pytest.approx(1 / 3)}
    # per month, counted the same way: every report of every month adds up to the same share
    found = feedback.area_tickets(engine, world.dien_bien.id,
                                  Reach(frozenset({world.highland.id}), frozenset()), 15)
    months = feedback.by_month(found)
    assert sum(m.received for m in months) == 4
    assert sum(m.on_time for m in months) == 1 and sum(m.overdue for m in months) == 1
    assert "33 %" in desk.text  # 1 on time of the 3 whose deadline came
    # every report figure of the dashboard links to the reports behind it
    page = c.get("/province", headers=world.auth("dien_bien")).text
    links = dict(re.findall(r'<a href="(/province/tickets\?[^"]*)" class="rows">([^<]*)</a>',
                            page))
    assert len(links) == 5
    for link, shown in links.items():
        rows = c.get(link.replace("&amp;", "&"), headers=world.auth("dien_bien")).text
        assert rows.count('class="ticket"') == int(shown), link
    overdue_link = next(link for link in links if "outcome=overdue" in link)
    behind = c.get(overdue_link.replace("&amp;", "&"), headers=world.auth("dien_bien")).text
    assert f'id="ticket-{first}"' in behind and 'id="figure-filter"' in behind


def test_the_deadline_is_the_setting_and_said_so() -> None:
    from agritrace.settings import Settings

    assert Settings(database_url="sqlite://").ticket_deadline_days == 15
    assert "AGRITRACE_TICKET_DEADLINE_DAYS" in (feedback.__doc__ or "")


def test_a_report_unanswered_at_its_deadline_is_escalated_to_the_department(
        world: World, engine: Engine) -> None:
    c = world.client
    sent = c.post("/report", data={"code": "/01/08931234000356/10/CF-26", "kind": "fake",
                                   "message": "Nghi hàng giả", "contact": ""})
    assert sent.status_code == 201, sent.text
    older, newer = sorted(t.id for t in tickets_of(engine, world.highland))
    _age(engine, older, 14)            # one day before its deadline (15 days): not escalated
    _age(engine, newer, 18)            # three days past it: escalated
    desk = c.get("/province/tickets", headers=world.auth("dien_bien")).text
    assert re.search(rf'id="ticket-{newer}"[^>]*data-state="escalated"', desk)
    assert re.search(rf'id="ticket-{older}"[^>]*data-state="new"', desk)
    assert desk.index(f'id="ticket-{newer}"') < desk.index(f'id="ticket-{older}"')  # first
    assert "tự động chuyển lên Sở NN&amp;MT Điện Biên" in desk and "quá hạn 3 ngày" in desk
    only = c.get("/province/tickets", headers=world.auth("dien_bien"),
                 params={"status": "escalated"}).text
    assert only.count('class="ticket"') == 1 and f'id="ticket-{newer}"' in only
    # forwarded to the owner is not answered: still escalated; answered, it no longer is
    assert _post(world, "dien_bien", f"/province/tickets/{newer}/assign") == 303
    desk = c.get("/province/tickets", headers=world.auth("dien_bien")).text
    assert re.search(rf'id="ticket-{newer}"[^>]*data-state="escalated"', desk)
    _age(engine, newer, 18, 17)
    desk = c.get("/province/tickets", headers=world.auth("dien_bien"), params={"lang": "en"})
    assert re.search(rf'id="ticket-{newer}"[^>]*data-state="answered"', desk.text)
    assert "escalated to" in desk.text  # the rule, said on the desk in English too
