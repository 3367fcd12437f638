"""EPCIS 2.0 named queries: save, list, read, run with paging, delete; each organization's own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.store.orgs import create_organization, create_token
from agritrace.trust import TokenRole
from agritrace.web.app import create_app


def _event(n: int, step: str) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": f"2026-11-0{n}T09:00:00+07:00",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": step,
            "epcList": [f"https://id.gs1.org/01/09506000134352/21/Q{n}"]}


@pytest.fixture
def api(engine: Engine) -> tuple[TestClient, dict[str, dict[str, str]]]:
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    orgs = {name: create_organization(engine, name) for name in ("Kho A", "Kho B")}
    auth = {name: {"Authorization": f"Bearer {create_token(engine, org, 't')}"}
            for name, org in orgs.items()}
    auth["reader"] = {"Authorization": "Bearer " + create_token(
        engine, orgs["Kho A"], "r", role=TokenRole.READ)}
    document = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2026-11-09T00:00:00Z",
                "epcisBody": {"eventList": [_event(n, "shipping" if n % 2 else "receiving")
                                            for n in range(1, 8)]}}
    sent = client.post("/capture", content=json.dumps(document), headers={
        **auth["Kho A"], "Content-Type": "application/ld+json"})
    assert sent.status_code == 202, sent.text
    return client, auth


def test_a_named_query_is_saved_listed_run_page_by_page_and_deleted(
        api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, auth = api
    definition = {"name": "shipped", "query": {"EQ_bizStep": ["shipping"],
                                               "eventType": ["ObjectEvent"]}}
    made = client.post("/queries", json=definition, headers=auth["Kho A"])
    assert made.status_code == 201 and made.headers["location"] == "/queries/shipped"
    assert client.get("/queries", headers=auth["Kho A"]).json() == [definition]
    assert client.get("/queries/shipped", headers=auth["reader"]).json() == definition
    first = client.get("/queries/shipped/events?perPage=2", headers=auth["Kho A"])
    assert first.status_code == 200
    found = [e["epcList"][0][-2:] for e in first.json()["epcisBody"]["queryResults"][
        "resultsBody"]["eventList"]]
    nxt = first.headers["link"].split(";")[0].strip("<>")
    assert nxt.startswith("/queries/shipped/events?") and "nextPageToken=" in nxt
    while nxt:
        page = client.get(nxt, headers=auth["Kho A"])
        found += [e["epcList"][0][-2:] for e in page.json()["epcisBody"]["queryResults"][
            "resultsBody"]["eventList"]]
        nxt = page.headers.get("link", "").split(";")[0].strip("<>")
    assert sorted(found) == ["Q1", "Q3", "Q5", "Q7"]  # the shipping events, each once
    assert client.post("/queries", json=definition, headers=auth["Kho A"]).status_code == 409
    assert client.delete("/queries/shipped", headers=auth["reader"]).status_code == 403
    assert client.delete("/queries/shipped", headers=auth["Kho A"]).status_code == 204
    assert client.get("/queries/shipped", headers=auth["Kho A"]).status_code == 404


def test_names_are_each_organizations_and_bad_definitions_are_refused(
        api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, auth = api
    mine = {"name": "all", "query": {"eventType": ["ObjectEvent"]}}
    assert client.post("/queries", json=mine, headers=auth["Kho A"]).status_code == 201
    assert client.post("/queries", json=mine, headers=auth["Kho B"]).status_code == 201
    assert client.get("/queries/all/events", headers=auth["Kho B"]).json()["epcisBody"][
        "queryResults"]["resultsBody"]["eventList"] == []  # B's query reads as B
    bad = client.post("/queries", json={"name": "a b", "query": {"EQ_nothing": ["x"]}},
                      headers=auth["Kho A"])
    assert bad.status_code == 400
    paths = {e["path"] for e in bad.json()["errors"]}
    assert "name" in paths
    wrong = client.post("/queries", json={"name": "x", "query": {"EQ_nothing": ["x"]}},
                        headers=auth["Kho A"])
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["path"].startswith("query.")
    assert client.post("/queries", content="name=x", headers={
        **auth["Kho A"], "Content-Type": "text/plain"}).status_code == 415
    extra = client.get("/queries/all/events?EQ_bizStep=shipping", headers=auth["Kho A"])
    assert extra.status_code == 400
