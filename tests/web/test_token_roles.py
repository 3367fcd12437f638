"""Roles on tokens (issue 11, item 6): a farmer's sign-in is not the cooperative's API key, a
read-only token writes nothing, and a revoked token or a deactivated member is refused on the
very next request, over the API and on the pages (cookie sessions included)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, update

from agritrace.farm.registry import update_member
from agritrace.store.orgs import create_token, list_tokens, revoke_token
from agritrace.store.tables import login_codes
from agritrace.trust import TokenRole
from tests.web.farm_site import Site, event_count, make_site

DOCUMENT = json.dumps({
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-01T00:00:00Z",
    "epcisBody": {"eventList": [{
        "type": "ObjectEvent", "eventTime": "2026-11-08T09:00:00+07:00",
        "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "receiving",
        "epcList": ["https://id.gs1.org/01/08931234000356/21/X1"]}]}}).encode()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _capture(site: Site, token: str) -> Any:
    return site.client.post("/capture", content=DOCUMENT, headers={
        **_auth(token), "Content-Type": "application/ld+json"})


def _token_problem(answer: Any) -> str:
    body = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    [problem] = [p for p in body["errors"] if p["path"] == "token"]
    return f"{body['detail']} | {problem['expected']} | {problem['found']}"


def test_a_member_sign_in_reaches_the_farm_only(engine: Engine) -> None:
    site = make_site(engine)
    farmer = site.tokens["a"]
    assert site.client.get("/farm/me", headers=_auth(farmer)).json()["name"] == "Lò Văn A"
    diary = site.client.post("/farm/diary", headers=_auth(farmer), json={
        "kind": "water", "plot_id": site.coop.plot_a.uri, "on": "2026-11-20",
        "action": "irrigate", "idempotency_key": "roles-1"})
    assert diary.status_code == 201, diary.text
    before = event_count(engine)
    for who in ("a", "technical"):  # a farmer, and a manager member: neither is the org's key
        refused = _capture(site, site.tokens[who])
        assert refused.status_code == 403
        assert "member's sign-in" in _token_problem(refused)
        for method, url in (("GET", "/events"), ("POST", "/recall"), ("POST", "/stamps"),
                            ("GET", "/trace/https://id.gs1.org/01/08931234000356"),
                            ("PUT", "/market/offers/08931234000356")):
            answer = site.client.request(method, url, headers=_auth(site.tokens[who]),
                                         json={})
            assert answer.status_code == 403, (who, method, url, answer.text)
    assert event_count(engine) == before
    other = site.client.get("/farm/diary", headers=_auth(farmer),
                            params={"plot": site.coop.plot_b.uri})
    assert other.status_code == 403  # another farmer's plot: the registry's own rule


def test_a_read_only_token_reads_and_every_write_is_refused(engine: Engine) -> None:
    site = make_site(engine)
    reader = create_token(engine, site.coop.org, "dashboard", TokenRole.READ)
    assert site.client.get("/events", headers=_auth(reader)).status_code == 200
    assert site.client.get("/farm/members", headers=_auth(reader)).status_code == 200
    before = event_count(engine)
    refused = _capture(site, reader)
    assert refused.status_code == 403
    assert _token_problem(refused) == (
        "Mã truy cập này chỉ được đọc: không được thay đổi gì / "
        "This token is read-only: it may not change anything | a token that may write "
        "(role 'organization') | a read-only token")
    for method, url, body in (
            ("POST", "/farm/diary", {"kind": "water", "plot_id": site.coop.plot_a.uri,
                                     "on": "2026-11-20", "action": "irrigate",
                                     "idempotency_key": "roles-2"}),
            ("POST", "/farm/members", {"name": "Lò Văn C"}),
            ("POST", "/recall", {"lots": [], "reason": "x"}),
            ("POST", "/stamps", {"gtin": "08931234000356", "count": 1})):
        answer = site.client.request(method, url, headers=_auth(reader), json=body)
        assert answer.status_code == 403, (url, answer.text)
    assert event_count(engine) == before
    # Signed in on the pages with it: the office reads, and no form posts.
    site.client.post("/login", data={"token": reader})
    assert site.client.get("/coop/members").status_code == 200
    post = site.client.post("/coop/members", data={"name": "Lò Văn C", "role": "farmer"})
    assert post.status_code == 403 and "chỉ được xem" in post.text
    assert "Lò Văn C" not in site.client.get("/coop/members").text


def test_a_revoked_token_is_refused_at_once_on_the_api_and_the_pages(engine: Engine) -> None:
    site = make_site(engine)
    office = site.tokens["office"]
    assert site.client.get("/events", headers=_auth(office)).status_code == 200
    site.sign_in("office")
    assert site.client.get("/coop").status_code == 200
    revoke_token(engine, next(t.id for t in list_tokens(engine) if t.label == "office"))
    answer = site.client.get("/events", headers=_auth(office))
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]
    page = site.client.get("/coop", follow_redirects=False)  # the cookie still holds it
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_deactivated_members_sign_in_is_refused_at_once(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    assert site.client.get("/my").status_code == 200
    update_member(engine, site.coop.manager, site.coop.farmer_a.id, {"active": False})
    assert site.client.get("/farm/me", headers=_auth(site.tokens["a"])).status_code in (401, 403)
    page = site.client.get("/my", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    form = site.client.get("/login")  # the sign-in page itself still opens
    assert form.status_code == 200 and 'name="token"' in form.text


def test_a_managers_new_sign_in_is_a_one_time_code_link(engine: Engine) -> None:
    site = make_site(engine)
    issued = site.client.post(f"/farm/members/{site.coop.farmer_a.id}/token",
                              headers=_auth(site.tokens["office"]))
    assert issued.status_code == 201
    body = issued.json()
    assert "token" not in body and "agt_" not in json.dumps(body)
    assert body["link"].endswith(f"/login?code={body['code']}")
    form = site.client.get(body["link"])
    assert f'value="{body["code"]}"' in form.text and "agt_session" not in form.headers.get(
        "set-cookie", "")
    signed = site.client.post("/login", data={"code": body["code"]}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/my"
    cookie = signed.cookies["agt_session"]
    assert cookie.startswith("agt_") and "httponly" in signed.headers["set-cookie"].lower()
    assert site.client.get("/my").status_code == 200
    site.client.cookies.clear()
    again = site.client.post("/login", data={"code": body["code"]})
    assert again.status_code == 401


def test_an_expired_code_signs_nobody_in(engine: Engine) -> None:
    site = make_site(engine)
    code = site.client.post(f"/farm/members/{site.coop.farmer_a.id}/token",
                            headers=_auth(site.tokens["office"])).json()["code"]
    with engine.begin() as conn:
        conn.execute(update(login_codes).values(expires_us=1))
    answer = site.client.post("/login", data={"code": code}, follow_redirects=False)
    assert answer.status_code == 401 and "agt_session" not in answer.headers.get(
        "set-cookie", "")


def test_a_read_only_sign_in_is_refused_a_risk_import_with_a_page(engine: Engine) -> None:
    site = make_site(engine)
    site.client.post("/login", data={"token": create_token(engine, site.coop.org, "dashboard",
                                                           TokenRole.READ)})
    answer = site.client.post("/reports/eudr/risk", data={"csv": "plotId,risk\n"})
    assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/html")
