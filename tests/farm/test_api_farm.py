"""The /farm JSON API over HTTP, on both engines: roles, problem+json naming the field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from agritrace.farm.registry import add_member, create_member_token, org_actor
from agritrace.store.orgs import redeem_login_code
from tests.farm.coop import BIG, CHERRY, SMALL, polygon
from tests.helpers import Api, make_api


def _post(api: Api, url: str, body: Any, token: str | None = None, **headers: str) -> Any:
    auth = {"Authorization": f"Bearer {token or api.token}"}
    return api.client.post(url, json=body, headers=auth | headers)


def _coop(engine: Engine) -> tuple[Api, dict[str, Any]]:
    api = make_api(engine, "HTX Cà phê Ẳng Nưa")
    farmer = _post(api, "/farm/members", {"name": "Lò Văn A", "role": "farmer"}).json()
    other = _post(api, "/farm/members", {"name": "Lò Văn B", "role": "farmer"}).json()
    plot = _post(api, "/farm/places", {"name": "Nương A", "geometry": polygon(BIG),
                                       "crop": "coffee", "farmer_id": farmer["id"]})
    assert plot.status_code == 201, plot.json()
    season = _post(api, "/farm/seasons", {"plot": plot.json()["uri"], "start": "2026-02-01",
                                          "sown_on": "2026-03-01"})
    assert season.status_code == 201, season.json()
    # The API gives a one-time sign-in code; redeeming it is what the member's browser does.
    tokens = {name: redeem_login_code(
        engine, _post(api, f"/farm/members/{m['id']}/token", {}).json()["code"])
        for name, m in (("a", farmer), ("b", other))}
    return api, {"plot": plot.json(), "season": season.json(), "tokens": tokens}


def test_registry_round_trip_with_computed_area_and_history(engine: Engine) -> None:
    api, coop = _coop(engine)
    assert abs(coop["plot"]["area_ha"] - 4.5) < 0.01
    patched = api.client.patch(f"/farm/places/{coop['plot']['id']}", json={"variety": "TN1"},
                               headers=api.auth)
    assert patched.status_code == 200 and patched.json()["variety"] == "TN1"
    history = api.get("/farm/history?table=farm_places").json()
    assert [h["action"] for h in history] == ["create", "update"]
    product = _post(api, "/farm/products", {"gtin": CHERRY, "name_vi": "Quả cà phê",
                                            "name_en": "Coffee cherries"})
    assert product.status_code == 201
    master = api.get("/farm/masterdata").json()["epcisMasterData"]["vocabularyList"]
    assert {v["type"] for v in master} == {"urn:epcglobal:epcis:vtype:BusinessLocation",
                                           "urn:epcglobal:epcis:vtype:EPCClass"}


def test_bad_input_is_problem_json_naming_the_field(engine: Engine) -> None:
    api, _ = _coop(engine)
    gtin = _post(api, "/farm/products", {"gtin": "8931234000111", "name_vi": "x"})
    assert gtin.status_code == 400
    assert gtin.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in gtin.json()["errors"]] == ["product.gtin"]
    bowtie = polygon([SMALL[0], SMALL[2], SMALL[1], SMALL[3], SMALL[0]])
    place = _post(api, "/farm/places", {"name": "X", "geometry": bowtie, "crop": "coffee"})
    assert place.status_code == 400
    assert place.json()["errors"][0]["path"].startswith("place.geometry.coordinates")
    assert api.get("/farm/places").json()[0]["name"] == "Nương A"


def test_a_farmer_writes_his_own_diary_once_per_key(engine: Engine) -> None:
    api, coop = _coop(engine)
    entry = {"kind": "fertilizing", "plot_id": coop["plot"]["uri"], "on": "2026-04-05",
             "product": "NPK 16-16-8", "amount": 300}
    first = _post(api, "/farm/diary", entry, coop["tokens"]["a"], **{"Idempotency-Key": "k1"})
    again = _post(api, "/farm/diary", entry, coop["tokens"]["a"], **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200), first.json()
    assert first.json()["eventID"] == again.json()["eventID"] and again.json()["duplicate"]
    diary = api.get(f"/farm/diary?season={coop['season']['uri']}").json()
    assert [d["kind"] for d in diary] == ["fertilizing"]
    epcis = api.get(f"/events?MATCH_epc={coop['season']['uri']}").json()
    assert len(epcis["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1


def test_a_farmer_writing_to_another_farmers_plot_gets_403(engine: Engine) -> None:
    api, coop = _coop(engine)
    entry = {"kind": "other_care", "plot_id": coop["plot"]["uri"], "on": "2026-05-01",
             "activity": "làm cỏ", "idempotency_key": "k"}
    response = _post(api, "/farm/diary", entry, coop["tokens"]["b"])
    assert response.status_code == 403
    assert response.json()["errors"][0]["path"] == "plot_id"
    assert _post(api, "/farm/members", {"name": "X"}, coop["tokens"]["b"]).status_code == 403
    assert api.client.get("/farm/places", headers={
        "Authorization": f"Bearer {coop['tokens']['b']}"}).json() == []


def test_refusals_and_warnings_over_http(engine: Engine) -> None:
    api, coop = _coop(engine)
    banned = {"kind": "spraying", "plot_id": coop["plot"]["uri"], "on": "2026-06-10",
              "product": "Furadan 3GR", "active_ingredients": ["Carbofuran"], "dose": 20,
              "dose_unit": "kg/ha", "idempotency_key": "k1"}
    refused = _post(api, "/farm/diary", banned)
    assert refused.status_code == 400 and "Carbofuran" in refused.json()["detail"]
    over = banned | {"product": "Anvil 5SC", "active_ingredients": [], "dose": 3,
                     "dose_unit": "l/ha", "idempotency_key": "k2"}
    stored = _post(api, "/farm/diary", over)
    assert stored.status_code == 201
    (warning,) = stored.json()["warnings"]
    assert warning["rule"] == "dose_over_label" and "vượt" in warning["vi"]
    future = _post(api, "/farm/diary", over | {"on": "2099-01-01", "idempotency_key": "k3"})
    assert [e["path"] for e in future.json()["errors"]] == ["spraying.on"]


def test_import_preview_then_apply_good_rows(engine: Engine) -> None:
    api, _ = _coop(engine)
    data = "name,role\nQuàng Văn D,farmer\n,farmer\n".encode()
    url = "/farm/import?kind=members&filename=m.csv"
    preview = api.client.post(url, content=data, headers=api.auth).json()
    assert (preview["good_rows"], preview["bad_rows"]) == (1, 1)
    assert preview["results"][1]["errors"][0]["path"] == "row 3, column name"
    refused = api.client.post(url + "&apply=true", content=data, headers=api.auth)
    assert refused.status_code == 400
    applied = api.client.post(url + "&apply=true&apply_good_rows=true", content=data,
                              headers=api.auth)
    assert applied.json()["applied"] == 1
    assert len(api.get("/farm/members").json()) == 3


def test_readiness_and_defaults(engine: Engine) -> None:
    api, coop = _coop(engine)
    report = api.get("/farm/readiness?as_of=2026-04-30").json()
    assert report["hectares_not_ready"] > 4.4 and report["plots"][0]["status"] == "not_ready"
    defaults = api.client.get(
        f"/farm/diary/defaults?plot={coop['plot']['uri']}&kind=fertilizing",
        headers={"Authorization": f"Bearer {coop['tokens']['a']}"}).json()
    assert defaults["season_id"] is None or defaults["season_id"] == coop["season"]["uri"]
    assert api.get("/farm/readiness?as_of=30/04/2026").status_code == 400


def test_member_tokens_made_by_the_service_work_over_http(engine: Engine) -> None:
    api = make_api(engine)
    member = add_member(engine, org_actor(api.org), name="Cà Thị H",
                        role="technical_manager")
    token = create_member_token(engine, org_actor(api.org), member.id)
    me = api.client.get("/farm/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["name"], me["role"]) == ("Cà Thị H", "technical_manager")
    assert api.client.get("/farm/me").status_code == 401
