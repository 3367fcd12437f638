"""The farmer's and the manager's pages over HTTP through the real app, on both engines."""

from __future__ import annotations

import re
from datetime import date

from fastapi.routing import APIRoute
from sqlalchemy import Engine

from agritrace.farm.diary import vietnam_today
from agritrace.farm.journal import plot_entries
from agritrace.farm.seasons import close_season
from agritrace.web.pages.farm import farmer, imports, login, manager, offline
from agritrace.web.pages.session import COOKIE
from tests.conformance import REPO
from tests.farm.coop import CHERRY
from tests.web.farm_site import event_count, make_site


def _form_url(site_plot_id: int, kind: str) -> str:
    return f"/my/plots/{site_plot_id}/{kind}"


def test_sign_in_sets_an_httponly_lax_cookie_and_goes_to_next(engine: Engine) -> None:
    site = make_site(engine)
    plot = site.coop.plot_a.id
    page = site.client.get(f"/my/plots/{plot}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/my/plots/{plot}"
    login = site.client.get(page.headers["location"])
    assert 'lang="vi"' in login.text and "Mã đăng nhập" in login.text
    assert f'value="/my/plots/{plot}"' in login.text

    wrong = site.client.post("/login", data={"token": "not-a-token"}, follow_redirects=False)
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    assert COOKIE not in wrong.headers.get("set-cookie", "")

    good = site.client.post("/login", data={"token": site.tokens["a"],
                                            "next": f"/my/plots/{plot}"},
                            follow_redirects=False)
    assert (good.status_code, good.headers["location"]) == (303, f"/my/plots/{plot}")
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "Nương A" in site.client.get(f"/my/plots/{plot}").text

    site.client.post("/logout")
    assert site.client.get("/my", follow_redirects=False).status_code == 303


def test_next_never_leads_off_the_site(engine: Engine) -> None:
    site = make_site(engine)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = site.client.post("/login", data={"token": site.tokens["a"], "next": target},
                                  follow_redirects=False)
        assert answer.headers["location"] == "/my"
    office = site.client.post("/login", data={"token": site.tokens["office"]},
                              follow_redirects=False)
    assert office.headers["location"] == "/coop"


def test_a_farmer_sees_only_his_plots_and_a_form_with_todays_date(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    plots = site.client.get("/my").text
    assert "Nương A" in plots and "Nương B" not in plots
    form = site.client.get(_form_url(site.coop.plot_a.id, "fertilizing")).text
    assert f'name="on" type="date" value="{vietnam_today().isoformat()}"' in form
    assert re.search(r'name="idempotency_key" value="form-[0-9a-f]{32}"', form)
    assert 'data-offline' in form and "Bón phân" in form


def test_a_form_saves_one_event_and_a_retry_saves_nothing_more(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    url = _form_url(site.coop.plot_a.id, "fertilizing")
    key = site.form_key(url)
    fields = {"idempotency_key": key, "on": "2026-04-05", "product": "NPK 16-16-8",
              "amount": "300", "unit": "kg/ha"}
    saved = site.client.post(url, data=fields)
    assert saved.status_code == 201 and "Đã ghi vào nhật ký: Bón phân ngày 05/04/2026" in saved.text
    again = site.client.post(url, data=fields)
    assert again.status_code == 200 and "đã được lưu trước đó" in again.text
    assert event_count(engine) == 1
    [entry] = plot_entries(engine, site.coop.org, site.coop.plot_a.uri)
    assert (entry.product, entry.amount, entry.recorded_by) == ("NPK 16-16-8", 300.0, "Lò Văn A")
    # The next form starts from this entry: same product, same amount.
    form = site.client.get(url).text
    assert 'value="NPK 16-16-8"' in form and 'name="amount" type="number" value="300"' in form
    assert key not in form
    diary = site.client.get(f"/my/plots/{site.coop.plot_a.id}").text
    assert "NPK 16-16-8 · 300 kg/ha" in diary


def test_a_banned_ingredient_is_refused_on_its_field_and_nothing_saved(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    url = _form_url(site.coop.plot_a.id, "spraying")
    refused = site.client.post(url, data={
        "idempotency_key": site.form_key(url), "on": "2026-06-10", "product": "Furadan 3GR",
        "active_ingredients": "Carbofuran", "dose": "20", "dose_unit": "kg/ha"})
    assert refused.status_code == 400
    assert "Hoạt chất Carbofuran" in refused.text and "cấm sử dụng" in refused.text
    assert "The active ingredient" not in refused.text  # Vietnamese page: Vietnamese half
    assert re.search(r'name="active_ingredients"[^>]*aria-invalid="true"', refused.text)
    assert 'value="Furadan 3GR"' in refused.text  # what the farmer typed is kept
    assert event_count(engine) == 0


def test_wrong_fields_are_marked_in_plain_words_and_nothing_saved(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    url = _form_url(site.coop.plot_a.id, "fertilizing")
    refused = site.client.post(url, data={"idempotency_key": site.form_key(url),
                                          "on": "2026-04-05", "product": "Urê",
                                          "amount": "-5", "unit": "kg/ha"})
    assert refused.status_code == 400
    assert re.search(r'name="amount"[^>]*aria-invalid="true"', refused.text)
    assert "Lượng phải lớn hơn 0" in refused.text and "found -5" not in refused.text
    assert "Cần: lượng lớn hơn 0 và không quá 5.000 kg/ha; đã nhập: -5" in refused.text
    assert "an amount above" not in refused.text  # issue 15: no English inside the page
    before_sowing = site.client.post(_form_url(site.coop.plot_a.id, "pest_observation"), data={
        "idempotency_key": "k-early", "on": "2026-02-15", "pest": "rệp sáp"})
    assert before_sowing.status_code == 400 and "(01/03/2026)" in before_sowing.text
    assert event_count(engine) == 0


def test_pre_harvest_interval_is_flagged_after_the_save(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    plot = site.coop.plot_a.id
    site.client.post(_form_url(plot, "spraying"), data={
        "idempotency_key": "k-spray", "on": "2026-06-10", "product": "Anvil 5SC", "dose": "1",
        "dose_unit": "l/ha", "phi_days": "14"})
    harvest = site.client.post(_form_url(plot, "harvest"), data={
        "idempotency_key": "k-harvest", "on": "2026-06-20", "quantity": "800", "unit": "kg",
        "lot": "NA26-1", "gtin": CHERRY})
    assert harvest.status_code == 201, harvest.text
    assert "thời gian cách ly của Anvil 5SC" in harvest.text and "24/06/2026" in harvest.text
    english = site.client.post(_form_url(plot, "harvest") + "?lang=en", data={
        "idempotency_key": "k-harvest", "on": "2026-06-20", "quantity": "800", "unit": "kg",
        "lot": "NA26-1"})
    assert english.status_code == 200 and "already saved" in english.text
    assert event_count(engine) == 2


def test_a_farmer_writing_to_another_farmers_plot_gets_a_friendly_403(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("b")
    url = _form_url(site.coop.plot_a.id, "other_care")
    page = site.client.get(url)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Bạn không có quyền" in page.text and "Traceback" not in page.text
    posted = site.client.post(url, data={"idempotency_key": "k", "on": "2026-05-01",
                                         "activity": "làm cỏ"})
    assert posted.status_code == 403 and event_count(engine) == 0
    assert site.client.get("/coop").status_code == 403  # and no manager pages


def test_a_post_from_another_site_is_refused(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    answer = site.client.post(_form_url(site.coop.plot_a.id, "other_care"),
                              data={"idempotency_key": "k", "on": "2026-05-01",
                                    "activity": "làm cỏ"},
                              headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "không được gửi từ trang" in answer.text
    same = site.client.post(_form_url(site.coop.plot_a.id, "other_care"),
                            data={"idempotency_key": "k", "on": "2026-05-01",
                                  "activity": "làm cỏ"},
                            headers={"Origin": "http://testserver"})
    assert same.status_code == 201
    assert event_count(engine) == 1


def test_the_offline_queue_endpoint_answers_json_once_per_key(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    url = _form_url(site.coop.plot_a.id, "other_care")
    fields = {"idempotency_key": "phone-0001", "on": "2026-05-01", "activity": "làm cỏ"}
    json_accept = {"Accept": "application/json"}
    first = site.client.post(url, data=fields, headers=json_accept)
    again = site.client.post(url, data=fields, headers=json_accept)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["eventID"] == again.json()["eventID"] and again.json()["duplicate"]
    bad = site.client.post(url, data=fields | {"idempotency_key": "phone-0002", "on": "x"},
                           headers=json_accept)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert {e["path"] for e in bad.json()["errors"]} == {"other_care.on"}
    site.client.post("/logout")
    signed_out = site.client.post(url, data=fields, headers=json_accept)
    assert signed_out.status_code == 401
    assert event_count(engine) == 1


def test_the_service_worker_may_control_the_farmer_pages(engine: Engine) -> None:
    site = make_site(engine)
    worker = site.client.get("/my/sw.js")
    assert worker.headers["service-worker-allowed"] == "/my"
    assert worker.headers["content-type"].startswith("text/javascript")
    script = site.client.get("/my/farm.js").text
    assert "idempotency_key" in script and "http" not in script.replace("http-equiv", "")


def test_manager_pages_list_members_plots_seasons_and_readiness(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("technical")
    overview = site.client.get("/coop")
    assert overview.status_code == 200 and "Sẵn sàng cấp mã số vùng trồng" in overview.text
    assert "Nương A" in overview.text and "Chưa có cán bộ kỹ thuật" in overview.text
    members = site.client.get("/coop/members").text
    assert "Lò Văn A" in members and "Cán bộ kỹ thuật" in members
    plots = site.client.get("/coop/plots").text
    assert plots.count("<svg class=\"plot\"") == 2 and "4,5" in plots
    seasons = site.client.get("/coop/seasons").text
    assert "01/02/2026" in seasons and "đang mở" in seasons


def test_a_manager_adds_a_member_and_a_wrong_one_is_not_saved(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    added = site.client.post("/coop/members", data={"name": "Quàng Văn D", "role": "farmer",
                                                    "phone": "0912000111"})
    assert added.status_code == 201 and "Đã thêm Quàng Văn D" in added.text
    wrong = site.client.post("/coop/members", data={"name": "Lò Thị E", "role": "farmer",
                                                    "phone": "12ab"})
    assert wrong.status_code == 400
    assert re.search(r'id="m-phone"[^>]*aria-invalid="true"', wrong.text)
    assert "Lò Thị E" not in wrong.text.split('id="members"')[1].split("</table>")[0]
    token = site.client.post("/coop/members/1/token")
    assert token.status_code == 201 and "/login?code=" in token.text
    assert "agt_" not in token.text  # the link holds a one-time code, never a token


def test_the_plot_diary_shows_warnings_to_the_manager(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    site.client.post(_form_url(site.coop.plot_a.id, "spraying"), data={
        "idempotency_key": "k1", "on": "2026-06-10", "product": "Anvil 5SC", "dose": "5",
        "dose_unit": "l/ha"})
    site.sign_in("office")
    page = site.client.get(f"/coop/plots/{site.coop.plot_a.id}")
    assert page.status_code == 200
    assert "vượt liều tối đa trên nhãn" in page.text and "Lò Văn A" in page.text
    assert "<svg" in page.text


def test_a_manager_opens_a_season_and_bad_dates_are_marked(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("office")
    overlapping = site.client.post("/coop/seasons", data={"plot": site.coop.plot_b.uri,
                                                          "start": "2026-11-15"})
    assert overlapping.status_code == 409  # plot B's season since 01/02/2026 is still open
    assert "đã có mùa vụ từ 01/02/2026 đến nay (chưa đóng)" in overlapping.text
    close_season(engine, site.coop.manager, site.coop.season_b.uri, date(2026, 11, 14))
    opened = site.client.post("/coop/seasons", data={"plot": site.coop.plot_b.uri,
                                                     "start": "2026-11-15"})
    assert opened.status_code == 201 and "Nương B" in opened.text
    future = site.client.post("/coop/seasons", data={"plot": site.coop.plot_b.uri,
                                                     "start": "2099-01-01"})
    assert future.status_code == 400
    assert re.search(r'id="s-start"[^>]*aria-invalid="true"', future.text)
    assert "15/11/2026" in future.text and "01/01/2099" not in future.text.split("<h2>")[0]


def test_the_farmer_pages_in_english_keep_the_query(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    page = site.client.get(_form_url(site.coop.plot_a.id, "spraying") + "?lang=en")
    assert 'lang="en"' in page.text and "Spraying" in page.text and ">Save<" in page.text
    login = site.client.get("/login?next=/my&lang=en&code=ABCD-EFGH-JKMN-PQRS")
    assert 'href="?next=%2Fmy&amp;lang=vi"' in login.text  # the switch keeps next, not code
    assert login.headers["referrer-policy"] == "same-origin"


def test_every_farm_page_route_is_documented() -> None:
    text = (REPO / "docs" / "farm-pages.md").read_text()
    routes = [(method, re.sub(r"\{\w+_id\}", "{id}", route.path))
              for part in (login, offline, farmer, manager, imports)
              for route in part.router.routes if isinstance(route, APIRoute)
              for method in sorted(route.methods)]
    assert len(routes) >= 15
    assert [f"{m} {p}" for m, p in routes if f"{m} {p}" not in text] == []


def test_a_form_posted_without_its_key_is_refused_and_says_why(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    answer = site.client.post(_form_url(site.coop.plot_a.id, "other_care"),
                              data={"on": "2026-05-01", "activity": "làm cỏ"})
    assert answer.status_code == 400 and "a key made by the phone" in answer.text
    assert re.search(r'name="idempotency_key" value="form-[0-9a-f]{32}"', answer.text)
    assert event_count(engine) == 0


def test_the_farmers_diary_shows_the_warning_of_a_harvest_too_soon(engine: Engine) -> None:
    site = make_site(engine)
    site.sign_in("a")
    plot = site.coop.plot_a.id
    for key, kind, fields in (
            ("k1", "spraying", {"on": "2026-06-10", "product": "Anvil 5SC", "dose": "1",
                                "phi_days": "14"}),
            ("k2", "harvest", {"on": "2026-06-20", "quantity": "800", "lot": "NA26-1"})):
        assert site.client.post(_form_url(plot, kind),
                                data=fields | {"idempotency_key": key}).status_code == 201
    diary = site.client.get(f"/my/plots/{plot}").text
    assert diary.index("20/06/2026") < diary.index("10/06/2026")  # newest first
    assert "Ngày thu hoạch an toàn: 24/06/2026" in diary
