"""/metrics: a Prometheus scrape with the operator's token, per route template, never per path."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.web.app import create_app


def _counts(text: str) -> dict[tuple[str, str, str], float]:
    family = next(f for f in text_string_to_metric_families(text)
                  if f.name == "agritrace_http_request_duration_seconds")
    return {(s.labels["method"], s.labels["route"], s.labels["status"]): s.value
            for s in family.samples if s.name.endswith("_count")}


def test_a_scrape_counts_requests_by_route_template(engine: Engine) -> None:
    client = TestClient(create_app(Settings(database_url="sqlite://", metrics_token="t0k"),
                                   engine))
    before = _counts(client.get("/metrics", headers={"Authorization": "Bearer t0k"}).text)
    for serial in ("A1", "A2", "A3"):  # three stamps: one series
        client.get(f"/01/08931234000356/21/{serial}")
    client.get("/healthz")
    client.get("/farm/me")  # 401 without a token
    after = _counts(client.get("/metrics", headers={"Authorization": "Bearer t0k"}).text)

    def grew(key: tuple[str, str, str]) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert grew(("GET", "/healthz", "2xx")) == 1
    assert grew(("GET", "/farm/me", "4xx")) == 1
    stamp = [k for k in after if k[1].endswith("resolver.resolve") and k[2] == "4xx"]
    assert len(stamp) == 1 and grew(stamp[0]) == 3
    assert not [k for k in after if "A1" in k[1]]  # never a series per path


def test_metrics_need_the_scrapers_token_and_are_off_without_one(engine: Engine) -> None:
    on = TestClient(create_app(Settings(database_url="sqlite://", metrics_token="t0k"), engine))
    assert on.get("/metrics").status_code == 401
    assert on.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    off = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    assert off.get("/metrics", headers={"Authorization": "Bearer t0k"}).status_code == 404


def test_each_answer_has_a_request_id_and_one_json_log_line(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    with caplog.at_level(logging.INFO, logger="agritrace.access"):
        own = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.01"})
        odd = client.get("/login?code=ABCD-EFGH-JKMN-PQRS",
                         headers={"X-Request-ID": "<script>" * 20})
    assert own.headers["x-request-id"] == "lb-7f3a.01"  # a load balancer's id, kept
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])  # a new one instead
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "agritrace.access"]
    assert [(x["request_id"], x["route"], x["status"]) for x in lines] == [
        ("lb-7f3a.01", "/healthz", 200), (odd.headers["x-request-id"], "/login", 200)]
    assert "ABCD" not in caplog.text  # no query string (a sign-in code) in the log
