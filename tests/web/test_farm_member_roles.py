"""Member roles (issue 11, "roles on tokens"): a farmer's sign-in reaches his own plots' diary,
never the cooperative's registry or another farmer's plots, over the /farm API and the /coop
pages, with a 403 that says why in Vietnamese and English; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.web.farm_site import Site, make_site
from tests.web.test_authorization_matrix import routes


@pytest.fixture
def site(engine: Engine) -> Site:
    return make_site(engine)


def _get(site: Site, who: str, url: str, **params: str) -> Any:
    return site.client.get(url, params=params,
                           headers={"Authorization": f"Bearer {site.tokens[who]}"})


def _refused_as_farmer(answer: Any) -> None:
    assert answer.status_code == 403, answer.text
    detail = answer.json()["detail"]
    assert "là nông dân" in detail and "only a manager or technical manager" in detail


@pytest.mark.parametrize("url", ["/farm/members", "/farm/masterdata", "/farm/history",
                                 "/farm/readiness"])
def test_the_registry_is_the_managers(site: Site, url: str) -> None:
    """GET /farm/members and /farm/masterdata answered a farmer every member's phone and every
    plot's boundary and farmer."""
    _refused_as_farmer(_get(site, "a", url))
    assert _get(site, "technical", url).status_code == 200
    assert _get(site, "office", url).status_code == 200


def test_a_farmer_does_not_import_the_cooperative_s_files(site: Site) -> None:
    answer = site.client.post("/farm/import", params={"kind": "members"},
                              content="Họ tên\nLò Văn Z\n".encode(),
                              headers={"Authorization": f"Bearer {site.tokens['a']}"})
    _refused_as_farmer(answer)


def test_a_farmer_sees_his_own_seasons_and_their_diary_only(site: Site) -> None:
    coop = site.coop
    mine = _get(site, "a", "/farm/seasons")
    assert [s["uri"] for s in mine.json()] == [coop.season_a.uri]  # listed season B too
    assert len(_get(site, "office", "/farm/seasons").json()) == 2
    other = _get(site, "a", "/farm/seasons", plot=coop.plot_b.uri)
    assert other.status_code == 403 and "không phải thửa của" in other.json()["detail"]
    assert _get(site, "a", "/farm/diary", season=coop.season_a.uri).status_code == 200
    # Farmer B's season's diary was answered to farmer A.
    refused = _get(site, "a", "/farm/diary", season=coop.season_b.uri)
    assert refused.status_code == 403 and "may not read or write" in refused.json()["detail"]
    assert _get(site, "b", "/farm/diary", season=coop.season_b.uri).status_code == 200


def _coop_pages(site: Site) -> list[tuple[str, str]]:
    """Every /coop page of the app (a new one is checked without a new line here), with its
    path parameters filled in."""
    fill = {"plot_id": str(site.coop.plot_a.id), "member_id": str(site.coop.farmer_b.id),
            "ticket_id": "1", "extension": "csv", "subscription_id": "1"}
    return [(method, re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path))
            for method, path in routes(site.client.app)  # type: ignore[arg-type]
            if path.startswith("/coop")]


def test_every_coop_page_refuses_a_farmer_in_his_language(site: Site) -> None:
    site.sign_in("a")
    pages = _coop_pages(site)
    assert ("GET", "/coop/members") in pages and len(pages) >= 10
    for method, path in pages:
        answer = site.client.request(method, path, data={"name": "x"},
                                     headers={"Origin": "http://testserver"})
        assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"
        assert "chỉ dành cho cán bộ quản lý" in answer.text, f"{method} {path}"
    english = site.client.get("/coop/members", headers={"Accept-Language": "en"})
    assert english.status_code == 403 and "manager" in english.text.lower()
    site.sign_in("technical")
    assert site.client.get("/coop/members").status_code == 200
