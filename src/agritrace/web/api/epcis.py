"""The EPCIS 2.0 REST binding: capture, capture jobs, event queries and discovery."""

from __future__ import annotations

import tempfile
from typing import IO, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.routing import Match

from agritrace import capture as capture_service
from agritrace import discovery, query
from agritrace.epcis.render import render_query_document
from agritrace.epcis.xml_codec import read_document
from agritrace.errors import (
    CaptureLimitExceededException,
    NoSuchResourceException,
    NotAcceptableException,
    QueryParameterException,
    UnsupportedMediaTypeException,
)
from agritrace.settings import Settings
from agritrace.store.orgs import Organization
from agritrace.web.api import epcis_openapi as doc
from agritrace.web.api.deps import (
    engine_of,
    reader_of,
    require_org,
    require_writer,
    settings_of,
)
from agritrace.web.problems import instance_of, problem_response

router = APIRouter(tags=["EPCIS 2.0"])

STANDARD_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
JSON_TYPES = ("application/ld+json", "application/json")
XML_TYPES = ("application/xml", "text/xml")


async def _spool_body(request: Request, limit: int) -> IO[bytes]:
    """The request body in a temporary file (in memory while small), refusing more than limit."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spool.close()
            raise CaptureLimitExceededException(
                f"The capture body is larger than the limit of {limit} bytes; split the "
                "document or ask the operator to raise AGRITRACE_MAX_CAPTURE_BYTES")
        spool.write(chunk)
    spool.seek(0)
    return spool


def _content_type(request: Request) -> str:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in JSON_TYPES + XML_TYPES:
        raise UnsupportedMediaTypeException(
            f"Capture takes application/ld+json, application/json or application/xml, "
            f"not {ctype or 'a body without Content-Type'!r}")
    return ctype


@router.post("/capture", status_code=202, responses=doc.CAPTURE_ANSWER,
             openapi_extra=doc.CAPTURE_REQUEST)
async def capture(
    request: Request,
    org: Organization = Depends(require_writer),
    engine: Engine = Depends(engine_of),
    settings: Settings = Depends(settings_of),
) -> Response:
    ctype = _content_type(request)
    body = await _spool_body(request, settings.max_capture_bytes)
    proceed = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").lower() == "proceed"
    name = request.headers.get("X-Document-Name", "request body")[:200]
    try:
        report = await run_in_threadpool(_capture_sync, engine, body, name, ctype, org, proceed)
    finally:
        body.close()
    location = f"/capture/{report.job_id}"
    headers = {"Location": location, **STANDARD_HEADERS}
    if not report.stored:
        return problem_response(
            400, "The document is not valid EPCIS 2.0",
            f"Nothing was stored: {report.rejected} of {report.total} events rejected",
            type_name="ValidationException", problems=report.problems,
            instance=instance_of(request),
            headers=headers, captureID=report.job_id)
    return JSONResponse(report.as_dict(), status_code=202, headers=headers)


def _capture_sync(
    engine: Engine, body: IO[bytes], name: str, ctype: str, org: Organization, proceed: bool
) -> capture_service.CaptureReport:
    document = read_document(body, name, ctype)
    return capture_service.capture_document(engine, document, org, proceed=proceed)


@router.get("/capture/{capture_id}", responses=doc.JOB_ANSWER)
def capture_job(
    capture_id: str,
    org: Organization = Depends(require_org),
    engine: Engine = Depends(engine_of),
) -> JSONResponse:
    return JSONResponse(capture_service.capture_job(engine, capture_id, org),
                        headers=STANDARD_HEADERS)


def _wants_xml(request: Request) -> bool:
    accept = request.headers.get("accept", "*/*").lower()
    if "xml" in accept and "json" not in accept:
        return True
    if "json" in accept or "*/*" in accept or not accept.strip():
        return False
    raise NotAcceptableException(
        f"Answers come as application/ld+json, application/json or application/xml, "
        f"not {accept!r}")


def _answer(request: Request, page: query.QueryPage) -> Response:
    xml = _wants_xml(request)
    content = render_query_document(page.events, xml=xml)
    headers = dict(STANDARD_HEADERS)
    if page.next_token:
        params = {k: v for k, v in request.query_params.items() if k != "nextPageToken"}
        params["nextPageToken"] = page.next_token
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return Response(content, media_type=_media(request, xml), headers=headers)


def _media(request: Request, xml: bool) -> str:
    """The media type answered: XML, or JSON-LD unless plain application/json was asked."""
    accept = request.headers.get("accept", "").lower()
    if xml:
        return "application/xml"
    if "application/json" in accept and "application/ld+json" not in accept:
        return "application/json"
    return "application/ld+json"


def _query(request: Request, org: Organization, engine: Engine, settings: Settings,
           extra: dict[str, str] | None = None) -> Response:
    params: dict[str, Any] = dict(request.query_params)
    params.update(extra or {})
    parsed = query.parse_query(params, default_per_page=settings.page_size_default,
                               max_per_page=settings.page_size_max)
    return _answer(request, query.run_query(engine, parsed, org, shared=True))


@router.get("/events", responses=doc.EVENTS_ANSWER, openapi_extra=doc.QUERY_PARAMETERS)
def events(
    request: Request,
    org: Organization = Depends(require_org),
    engine: Engine = Depends(reader_of),
    settings: Settings = Depends(settings_of),
) -> Response:
    return _query(request, org, engine, settings)


@router.get("/events/{event_id:path}", responses=doc.EVENT_ANSWER)
def event(
    event_id: str,
    request: Request,
    org: Organization = Depends(require_org),
    engine: Engine = Depends(reader_of),
) -> Response:
    parsed = query.parse_query({"EQ_eventID": _pasted_hash(event_id, request)})
    page = query.run_query(engine, parsed, org, shared=True)
    if not page.events:
        raise NoSuchResourceException(f"No event with eventID or hash ID {event_id!r}")
    return _answer(request, page)


def _pasted_hash(event_id: str, request: Request) -> str:
    """The event ID, with a hash ID's "?ver=…" given back when it came unencoded (as `agritrace
    hash` prints it, the ``?`` starts the query string)."""
    version = request.query_params.get("ver")
    if event_id.startswith("ni:") and version and "?" not in event_id:
        return f"{event_id}?ver={version}"
    return event_id


_RESOURCE_FILTERS = {
    "eventTypes": "eventType", "epcs": "MATCH_anyEPC", "bizSteps": "EQ_bizStep",
    "bizLocations": "EQ_bizLocation", "readPoints": "EQ_readPoint",
    "dispositions": "EQ_disposition",
}


def collection(members: list[str]) -> dict[str, Any]:
    """A discovery list in the standard's shape (the openapi's ``Collection``)."""
    return {"@context": doc.EPCIS_CONTEXT, "type": "Collection", "member": members}


def _discovery_routes(resource: str, param: str) -> None:
    async def listing(
        request: Request, org: Organization = Depends(require_org),
        engine: Engine = Depends(reader_of),
    ) -> JSONResponse:
        values = await run_in_threadpool(discovery.distinct_values, engine, resource, org)
        return JSONResponse(collection(values), headers=STANDARD_HEADERS,
                            media_type=_media(request, False))

    def filtered(
        value: str,
        request: Request,
        org: Organization = Depends(require_org),
        engine: Engine = Depends(reader_of),
        settings: Settings = Depends(settings_of),
    ) -> Response:
        try:
            query.parse_query({param: value})
        except QueryParameterException as exc:
            # The value is part of the resource's path: a value that cannot exist is no
            # resource, not a bad parameter.
            raise NoSuchResourceException(f"No {resource} {value!r}", exc.problems) from exc
        return _query(request, org, engine, settings, {param: value})

    router.add_api_route(f"/{resource}", listing, methods=["GET"], name=f"list_{resource}",
                         responses=doc.LIST_ANSWER)
    router.add_api_route(f"/{resource}/{{value:path}}/events", filtered, methods=["GET"],
                         name=f"{resource}_events", responses=doc.EVENT_ANSWER)

    def member(
        value: str,
        request: Request,
        org: Organization = Depends(require_org),
        engine: Engine = Depends(reader_of),
    ) -> JSONResponse:
        """The sub-resources of one value (its events), when an event the caller may read
        has it; else a 404 that says no more."""
        try:
            parsed = query.parse_query({param: value, "perPage": "1"})
        except QueryParameterException as exc:
            raise NoSuchResourceException(f"No {resource} {value!r}", exc.problems) from exc
        if not query.run_query(engine, parsed, org, shared=True).events:
            raise NoSuchResourceException(f"No {resource} {value!r} among your events")
        return JSONResponse(collection(["events"]), headers=STANDARD_HEADERS,
                            media_type=_media(request, False))

    router.add_api_route(f"/{resource}/{{value:path}}", member, methods=["GET"],
                         name=f"{resource}_member", responses=doc.MEMBER_ANSWER)


for _resource, _param in _RESOURCE_FILTERS.items():
    _discovery_routes(_resource, _param)


TOP_LEVEL = ["capture", "events", "eventTypes", "epcs", "bizSteps", "bizLocations",
             "readPoints", "dispositions", "queries"]


def top_level(request: Request) -> Response | None:
    """GET / for an EPCIS client (Accept: JSON, not HTML): the top-level resources, as the
    openapi's GET / has them; None for a browser, which gets the home page."""
    accept = request.headers.get("accept", "").lower()
    if "json" not in accept or "text/html" in accept:
        return None
    return JSONResponse(collection(TOP_LEVEL), headers=STANDARD_HEADERS,
                        media_type=_media(request, False))


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@router.options("/{path:path}", status_code=204, responses=doc.OPTIONS_ANSWER)
def options(path: str, request: Request) -> Response:
    """OPTIONS on any resource: 204 with the methods it answers in Allow (and the EPCIS and
    CBV versions); public, as it tells nothing of anyone's data (and answers a CORS preflight).
    """
    allowed = [m for m in _METHODS if _answers(request, m)]
    if not allowed:
        raise NoSuchResourceException(f"No resource /{path}")
    if "GET" in allowed:
        allowed.insert(1, "HEAD")
    headers = {"Allow": ", ".join([*allowed, "OPTIONS"]), **STANDARD_HEADERS}
    return Response(status_code=204, headers=headers)


def _answers(request: Request, method: str) -> bool:
    scope = {**request.scope, "method": method}
    # (This route answers OPTIONS only, so it never matches the methods asked here.)
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes
               if not getattr(getattr(route, "endpoint", None), "fallback", False))
