"""EPCIS 2.0 named queries over REST: ``/queries`` and ``/queries/{queryName}/events``.

A name belongs to the organization that saved it (two organizations' names never collide), and
``…/events`` answers like ``/events`` with the saved parameters: the same reading rule, paging
(``perPage``, ``nextPageToken``, a ``Link: rel="next"``), formats and problems.

``…/subscriptions`` subscribes a destination to a query (:mod:`agritrace.subscriptions`): the
answer is at once; what the subscription is owed is written to the outbox and sent by
``agritrace subscriptions deliver``.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from agritrace.errors import Problem, QueryParameterException, UnsupportedMediaTypeException
from agritrace.named_queries import store
from agritrace.settings import Settings
from agritrace.store.orgs import Organization
from agritrace.subscriptions import store as subscriptions
from agritrace.web.api.deps import (
    engine_of,
    reader_of,
    require_org,
    require_writer,
    settings_of,
)
from agritrace.web.api.epcis import _query

router = APIRouter(tags=["Queries"])
EngineDep = Annotated[Engine, Depends(engine_of)]


@router.get("/queries")
def list_queries(org: Annotated[Organization, Depends(require_org)],
                 engine: EngineDep) -> JSONResponse:
    """The organization's named queries, each with its definition."""
    return JSONResponse([q.as_dict() for q in store.listed(engine, org)])


@router.post("/queries", status_code=201)
async def create_query(request: Request, org: Annotated[Organization, Depends(require_writer)],
                       engine: EngineDep) -> Response:
    """Save a named query: ``{"name": "myQuery", "query": {"EQ_bizStep": ["shipping"]}}``."""
    body = await _json_body(request, "a JSON query definition")
    saved = store.save(engine, org, store.check(body))
    return JSONResponse(saved.as_dict(), status_code=201,
                        headers={"Location": f"/queries/{saved.name}"})


async def _json_body(request: Request, expected: str) -> Any:
    if not request.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
        raise UnsupportedMediaTypeException("Nội dung phải là JSON / The body must be JSON", [
            Problem("Content-Type", "application/json",
                    request.headers.get("content-type", "none"))])
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise QueryParameterException("Nội dung không phải JSON / The body is not JSON", [
            Problem("", expected, str(exc)[:120])]) from exc


@router.get("/queries/{queryName}")
def get_query(queryName: str, org: Annotated[Organization, Depends(require_org)],  # noqa: N803
              engine: EngineDep) -> JSONResponse:
    return JSONResponse(store.get(engine, org, queryName).as_dict())


@router.delete("/queries/{queryName}", status_code=204)
def delete_query(queryName: str,  # noqa: N803 (the standard's name)
                 org: Annotated[Organization, Depends(require_writer)],
                 engine: EngineDep) -> Response:
    store.remove(engine, org, queryName)
    return Response(status_code=204)


@router.get("/queries/{queryName}/events")
def query_events(request: Request, queryName: str,  # noqa: N803
                 org: Annotated[Organization, Depends(require_org)],
                 engine: Annotated[Engine, Depends(reader_of)],
                 settings: Annotated[Settings, Depends(settings_of)]) -> Response:
    """The saved query's events, as ``/events`` answers them (from a replica, as they do);
    only paging may be added."""
    other = [k for k in request.query_params if k not in store.PAGING]
    if other:
        raise QueryParameterException("A named query's filter is its own", [
            Problem(name, "only perPage or nextPageToken beside a named query", name)
            for name in other])
    saved = store.get(engine, org, queryName)
    return _query(request, org, engine, settings, saved.parameters())


@router.get("/queries/{queryName}/subscriptions", tags=["Subscriptions"])
def list_subscriptions(queryName: str,  # noqa: N803
                       org: Annotated[Organization, Depends(require_org)],
                       engine: EngineDep) -> JSONResponse:
    """The query's subscriptions (never their signatureToken)."""
    return JSONResponse([s.as_dict() for s in subscriptions.listed(engine, org, queryName)])


@router.post("/queries/{queryName}/subscriptions", status_code=201, tags=["Subscriptions"])
async def subscribe(request: Request, queryName: str,  # noqa: N803
                    org: Annotated[Organization, Depends(require_writer)], engine: EngineDep,
                    settings: Annotated[Settings, Depends(settings_of)]) -> JSONResponse:
    """Subscribe ``dest`` to the query: ``{"dest": "https://…", "signatureToken": "…",
    "stream": true}`` or with ``"schedule": {"hour": "1", "minute": "5"}`` (UTC)."""
    body = await _json_body(request, "a JSON subscription")
    made = subscriptions.create(engine, org, queryName, subscriptions.check(body, settings))
    return JSONResponse(made.as_dict(), status_code=201, headers={
        "Location": f"/queries/{queryName}/subscriptions/{made.id}"})


@router.get("/queries/{queryName}/subscriptions/{subscriptionID}", tags=["Subscriptions"])
def get_subscription(queryName: str, subscriptionID: str,  # noqa: N803
                     org: Annotated[Organization, Depends(require_org)],
                     engine: EngineDep) -> JSONResponse:
    return JSONResponse(subscriptions.get(engine, org, queryName, subscriptionID).as_dict())


@router.delete("/queries/{queryName}/subscriptions/{subscriptionID}", status_code=204,
               tags=["Subscriptions"])
def unsubscribe(queryName: str, subscriptionID: str,  # noqa: N803
                org: Annotated[Organization, Depends(require_writer)],
                engine: EngineDep) -> Response:
    """Unsubscribe: what it still owed is not sent."""
    subscriptions.remove(engine, org, queryName, subscriptionID)
    return Response(status_code=204)
