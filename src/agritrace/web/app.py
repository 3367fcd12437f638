"""The FastAPI application: the EPCIS 2.0 REST API, the resolver and the pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from agritrace import __version__
from agritrace.capture import fail_abandoned_jobs, resume_captures, stop_captures
from agritrace.scans import log as scans_log
from agritrace.scans.log import TicketPolicy
from agritrace.scans.verdict import Policy
from agritrace.settings import Settings, get_settings
from agritrace.store import partitions
from agritrace.store.engine import make_engine
from agritrace.store.replicas import Replicas
from agritrace.web import headers, metrics, problems, reports_routes
from agritrace.web.api import epcis, farm, health, ledger, market, queries, stamps, trace
from agritrace.web.pages import catalogue, home, province_rows, resolver
from agritrace.web.pages import farm as farm_pages
from agritrace.web.pages import feedback as feedback_pages
from agritrace.web.pages import open_data as open_data_pages
from agritrace.web.pages import province as province_pages
from agritrace.web.read_your_writes import ReadYourWrites

log = logging.getLogger(__name__)
_STOP_WAIT_S = 10.0  # for running captures to reach their next chunk and fail their job


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = app.state.engine
    resume_captures(engine)
    # A capture job whose process died (a crash, a killed worker) would say "running" forever.
    try:
        await run_in_threadpool(fail_abandoned_jobs, app.state.engine)
        # the scan log's months ahead (PostgreSQL), also when no cron runs `db partitions`
        await run_in_threadpool(partitions.ensure_ahead, engine)
    except SQLAlchemyError as exc:  # not migrated or not reachable yet: /readyz says so
        log.warning("capture jobs left running and the scan log's months were not checked: %s",
                    exc)
    yield
    # The server stops once its requests have ended or AGRITRACE_SHUTDOWN_GRACE_S has passed:
    # captures still running (their requests cut off) stop at their next chunk of events, are
    # undone and their jobs failed with the reason, instead of the process's exit leaving them
    # "running".
    left = await run_in_threadpool(stop_captures, engine, _STOP_WAIT_S)
    if left:  # stuck on the store: the next start's check fails them
        log.warning("capture jobs still running at shutdown: %s", ", ".join(left))
    # The consumer pages' scans wait in memory to be written in batches: none is lost on a
    # normal shutdown.
    await run_in_threadpool(scans_log.flush_queues)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app around one engine; migrations are run by the caller (serve / db upgrade)."""
    settings = settings or get_settings()
    # The interactive API docs with Swagger UI served from the package, not from a CDN:
    # pages here make no external request.
    app = FastAPIOffline(
        title="agritrace",
        version=__version__,
        summary="GS1 EPCIS 2.0 repository and traceability platform",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.replicas = _replicas(app.state.engine, settings)
    if app.state.replicas is not None:
        app.add_middleware(ReadYourWrites, replicas=app.state.replicas)
    # Inside the request id, metrics and headers: the consumer page skips the router.
    app.add_middleware(resolver.FastPages)
    app.state.scan_policy = Policy(
        max_devices=settings.scan_max_devices, max_places=settings.scan_max_places,
        max_speed_kmh=settings.scan_max_speed_kmh,
        devices_per_client=settings.scan_devices_per_client,
        per_client_hour=settings.scan_per_client_hour)
    app.state.ticket_policy = TicketPolicy(per_window=settings.report_per_hour, window_s=3600)
    problems.install(app)
    headers.install(app)
    app.add_middleware(metrics.Metrics)
    app.include_router(metrics.router)
    # First: consumer scans are most of the traffic, and routes are tried in order.
    app.include_router(resolver.router)
    app.include_router(epcis.router)
    app.include_router(queries.router)
    app.include_router(farm.router)
    app.include_router(farm_pages.router)
    app.include_router(stamps.router)
    app.include_router(trace.router)
    app.include_router(reports_routes.router)
    app.include_router(market.router)
    app.include_router(catalogue.router)
    app.include_router(home.router)
    app.include_router(province_pages.router)
    app.include_router(province_rows.router)
    app.include_router(feedback_pages.router)
    app.include_router(open_data_pages.router)
    app.include_router(ledger.router)
    app.include_router(health.router)
    app.router.routes.append(resolver.compressed_route)  # last: its one segment shadows none
    return app


def _replicas(primary: Engine, settings: Settings) -> Replicas | None:
    urls = [url.strip() for url in settings.replica_urls.split(",") if url.strip()]
    return Replicas.from_urls(primary, urls) if urls else None
