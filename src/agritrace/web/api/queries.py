"""EPCIS 2.0 named queries over REST: ``/queries`` and ``/queries/{queryName}/events``.

A name belongs to the organization that saved it (two organizations' names never collide), and
``…/events`` answers like ``/events`` with the saved parameters: the same reading rule, paging
(``perPage``, ``nextPageToken``, a ``Link: rel="next"``), formats and problems. Subscriptions
(``…/subscriptions``) are not offered yet.
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
from agritrace.web.api.deps import engine_of, require_org, require_writer, settings_of
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
    if not request.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
        raise UnsupportedMediaTypeException("A query definition is JSON", [Problem(
            "Content-Type", "application/json", request.headers.get("content-type", "none"))])
    try:
        body: Any = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise QueryParameterException("The body is not JSON", [
            Problem("", "a JSON query definition", str(exc)[:120])]) from exc
    saved = store.save(engine, org, store.check(body))
    return JSONResponse(saved.as_dict(), status_code=201,
                        headers={"Location": f"/queries/{saved.name}"})


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
                 org: Annotated[Organization, Depends(require_org)], engine: EngineDep,
                 settings: Annotated[Settings, Depends(settings_of)]) -> Response:
    """The saved query's events, as ``/events`` answers them; only paging may be added."""
    other = [k for k in request.query_params if k not in store.PAGING]
    if other:
        raise QueryParameterException("A named query's filter is its own", [
            Problem(name, "only perPage or nextPageToken beside a named query", name)
            for name in other])
    saved = store.get(engine, org, queryName)
    return _query(request, org, engine, settings, saved.parameters())
