"""What an operator sees of each request: Prometheus metrics at ``/metrics``, a request id, and
one JSON line in the access log.

Every answer carries ``X-Request-ID`` (the client's own, if it sent a short plain one, else a new
random id), and the log line ``agritrace.access`` writes for the request names it, so a user's
"request id …" finds the line and the traceback of a 500 (logged with the same id). The log has
the method, the route template, the status and the time taken: no query string, no client
address, no token (they may hold a sign-in code or say who scanned what).

Request latency per route, counted per status class:

The route label is the route's template (``/01/{rest:path}``), never the path a client sent,
so a scan of a million stamps is one series, not a million. ``/metrics`` answers only a scraper
that sends ``Authorization: Bearer`` with the operator's ``AGRITRACE_METRICS_TOKEN``; without
that setting it is a 404 (latencies per route are an operator's business).

Several worker processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the
workers and every scrape sums them (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
import uuid
from datetime import UTC, datetime

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


ACCESS = logging.getLogger("agritrace.access")
_CLIENT_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


class Metrics:
    """Pure ASGI middleware: a request id on the request (``request.state.request_id``) and its
    answer, its time from start to the response's start in the histogram, and its log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            LATENCY.labels(scope["method"], route, f"{status // 100}xx").observe(elapsed)
            if ACCESS.isEnabledFor(logging.INFO):
                ACCESS.info(json.dumps({
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "request_id": request_id, "method": scope["method"], "route": route,
                    "status": status, "ms": round(elapsed * 1000, 2)}))


def log_requests() -> None:
    """Write the access log's JSON lines to standard error (``serve`` and the workers call it;
    a deployment's own logging configuration may route ``agritrace.access`` elsewhere)."""
    if not ACCESS.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        ACCESS.addHandler(handler)
        ACCESS.setLevel(logging.INFO)
        ACCESS.propagate = False


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id" and _CLIENT_ID.fullmatch(value):
            return str(value.decode())
    return uuid.uuid4().hex


def _route_of(scope: Scope) -> str:
    """The matched route's template; a plain Starlette route (the resolver's stamp paths) sets
    only its endpoint, named then; nothing matched: '(no route)'."""
    route = getattr(scope.get("route"), "path", None)
    if route:
        return str(route)
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return "(no route)"
    named = endpoint if hasattr(endpoint, "__qualname__") else type(endpoint)  # a mounted app
    return f"{named.__module__}.{named.__qualname__}"


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
