"""EPCIS 2.0 named queries over REST: ``/queries`` and ``/queries/{queryName}/events``.

A name belongs to the organization that saved it (two organizations' names never collide), and
``…/events`` answers like ``/events`` with the saved parameters: the same reading rule, paging
(``perPage``, ``nextPageToken``, a ``Link: rel="next"``), formats and problems.

``…/subscriptions`` subscribes a destination to a query (:mod:`agritrace.subscriptions`): the
answer is at once; what the subscription is owed is written to the outbox and sent by
``agritrace subscriptions deliver``. ``…/events?stream=true`` opened as a WebSocket is a
subscription for as long as the connection lives (:mod:`agritrace.subscriptions.stream`).
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.websockets import WebSocketState

from agritrace.epcis.times import format_time
from agritrace.errors import (
    AgritraceError,
    Problem,
    QueryParameterException,
    SecurityException,
    UnsupportedMediaTypeException,
)
from agritrace.named_queries import store
from agritrace.settings import Settings
from agritrace.store.orgs import Organization
from agritrace.subscriptions import store as subscriptions
from agritrace.subscriptions.stream import Stream, initial_record_us
from agritrace.trust import Scope
from agritrace.web.api.deps import (
    caller_for,
    engine_of,
    reader_of,
    require_org,
    require_writer,
    settings_of,
)
from agritrace.web.api.epcis import _query
from agritrace.web.problems import problem_response

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


#: Seconds between two looks at the store of an open WebSocket subscription, and the most a
#: client that authenticates by its first message has to send it.
STREAM_POLL_S = 0.5
FIRST_MESSAGE_S = 10.0


@router.websocket("/queries/{queryName}/events")
async def stream_events(websocket: WebSocket, queryName: str) -> None:  # noqa: N803
    """A WebSocket subscription, ``?stream=true`` (optionally ``&initialRecordTime=…``): each
    new event of the query the caller may read, one EPCISQueryDocument a text message, until
    either side closes. The token comes in the handshake's ``Authorization: Bearer`` header or,
    for a browser (which cannot set it), as the first message ``{"token": "…"}``; never in the
    URL. A refusal before the handshake is the problem+json answer; after it, a close with code
    4000 + the HTTP status and the problem's title as reason."""
    engine: Engine = websocket.app.state.engine
    try:
        # from the handshake, not from the token: what is captured while a client sends its
        # first message is sent to it too
        start = initial_record_us(websocket.query_params)
        if "authorization" in websocket.headers:
            token = _bearer(websocket.headers["authorization"])
            stream = await run_in_threadpool(_open, engine, token, queryName, start)
            await websocket.accept(headers=_min_record(stream))
        else:
            await websocket.accept()
            token = await _first_message(websocket)
            stream = await run_in_threadpool(_open, engine, token, queryName, start)
        while True:
            for message in await run_in_threadpool(_due, engine, token, stream):
                await websocket.send_text(message.decode())
            if not await _still_open(websocket, STREAM_POLL_S):
                return
    except AgritraceError as exc:
        await _refuse(websocket, exc)
    except WebSocketDisconnect:
        return  # the client left while a message was on its way


def _open(engine: Engine, token: str, query_name: str, start: int) -> Stream:
    org = _reader(engine, token)
    saved = store.get(engine, org, query_name)  # 404 unless the caller's own query
    return Stream(engine, org, saved.name, start, cursor_us=start)


def _reader(engine: Engine, token: str) -> Organization:
    """The organization behind ``token`` if it may read (as ``GET /events``): looked up again
    before each look at the store, so a revoked token ends the stream."""
    caller = caller_for(engine, token)
    caller.require(Scope.ORGANIZATION, False)
    return caller.org


def _due(engine: Engine, token: str, stream: Stream) -> list[bytes]:
    _reader(engine, token)
    return stream.due()


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SecurityException("This subscription needs a bearer token: 'Authorization: "
                                "Bearer <token>', or the first message {\"token\": \"…\"}")
    return token.strip()


async def _first_message(websocket: WebSocket) -> str:
    with anyio.move_on_after(FIRST_MESSAGE_S):
        got = await websocket.receive()
        if got["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(got.get("code", 1000))
        try:
            sent = orjson.loads(got.get("text") or got.get("bytes") or b"")
        except orjson.JSONDecodeError:
            sent = None
        token = sent.get("token") if isinstance(sent, dict) else None
        if isinstance(token, str) and token.strip():
            return token.strip()
    raise SecurityException("Gửi token trong tin nhắn đầu tiên / Send the token as the first "
                            "message", [Problem("token", '{"token": "…"} within '
                                        f"{FIRST_MESSAGE_S:.0f} s", "no token")])


async def _still_open(websocket: WebSocket, seconds: float) -> bool:
    """Wait ``seconds`` for the next look, reading what the client sends (nothing is asked of
    it); False once it closed."""
    with anyio.move_on_after(seconds):
        while True:
            got = await websocket.receive()
            if got["type"] == "websocket.disconnect":
                return False
    return True


def _min_record(stream: Stream) -> list[tuple[bytes, bytes]]:
    return [(b"gs1-query-min-record-time", format_time(stream.start_us, "Z").encode())]


async def _refuse(websocket: WebSocket, exc: AgritraceError) -> None:
    if websocket.client_state is WebSocketState.CONNECTING:
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(problem_response(
                exc.status, exc.title, exc.detail, type_name=exc.type_name,
                problems=exc.problems, instance=str(websocket.url.replace(query=""))))
            return
        await websocket.accept()
    if websocket.client_state is WebSocketState.CONNECTED:
        await websocket.close(4000 + exc.status, exc.title.encode()[:120].decode(errors="ignore"))
