"""Prometheus metrics: request latency per route, counted per status class, at ``/metrics``.

The route label is the route's template (``/01/{rest:path}``), never the path a client sent,
so a scan of a million stamps is one series, not a million. ``/metrics`` answers only a scraper
that sends ``Authorization: Bearer`` with the operator's ``AGRITRACE_METRICS_TOKEN``; without
that setting it is a 404 (latencies per route are an operator's business).

Several worker processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the
workers and every scrape sums them (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agritrace.web.problems import problem_response

router = APIRouter(include_in_schema=False)

LATENCY = Histogram(
    "agritrace_http_request_duration_seconds", "Time to answer a request, by route template",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10))


class Metrics:
    """Pure ASGI middleware timing each HTTP request (from its start to the response's start)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            LATENCY.labels(scope["method"], _route_of(scope), f"{status // 100}xx").observe(
                time.perf_counter() - started)


def _route_of(scope: Scope) -> str:
    """The matched route's template; a plain Starlette route (the resolver's stamp paths) sets
    only its endpoint, named then; nothing matched: '(no route)'."""
    route = getattr(scope.get("route"), "path", None)
    if route:
        return str(route)
    endpoint = scope.get("endpoint")
    return f"{endpoint.__module__}.{endpoint.__qualname__}" if endpoint else "(no route)"


@router.get("/metrics")
def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        return problem_response(404, "Not found", "Metrics are off: set AGRITRACE_METRICS_TOKEN",
                                instance="/metrics")
    if not secrets.compare_digest(given.encode(), token.encode()):
        return problem_response(401, "Not authorised", "Metrics need the scraper's bearer token",
                                type_name="SecurityException", instance="/metrics")
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
