"""One handler renders every AgritraceError as RFC 9457 problem+json; nothing else leaks out."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from agritrace.errors import AgritraceError, Problem
from agritrace.store.engine import unreachable

PROBLEM_JSON = "application/problem+json"
# Problem types as the EPCIS 2.0 openapi enumerates them: "epcisException:ValidationException".
TYPE_BASE = "epcisException:"
log = logging.getLogger("agritrace.web")


def problem_response(
    status: int, title: str, detail: str, *, type_name: str | None = None,
    problems: list[Problem] | None = None, instance: str | None = None,
    headers: dict[str, str] | None = None, **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_name if type_name else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if problems:
        body["errors"] = [p.as_dict() | {"message": p.message()} for p in problems]
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def instance_of(request: Request) -> str:
    """The problem's ``instance``: the absolute URI of the resource asked (without its query,
    which may carry a sign-in code)."""
    return str(request.url.replace(query="", fragment=""))


def install(app: FastAPI) -> None:
    @app.exception_handler(AgritraceError)
    async def _agritrace(request: Request, exc: AgritraceError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.retry_after_s is not None:
            headers = {"Retry-After": str(exc.retry_after_s)}
        return problem_response(exc.status, exc.title, exc.detail, type_name=exc.type_name,
                                problems=exc.problems, instance=instance_of(request),
                                headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            Problem(".".join(str(p) for p in err.get("loc", ())), err.get("msg", "valid input"),
                    repr(err.get("input"))[:80])
            for err in exc.errors()
        ]
        return problem_response(400, "The request is not valid", "See errors",
                                type_name="ValidationException", problems=problems,
                                instance=instance_of(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return problem_response(exc.status_code, str(exc.detail), str(exc.detail),
                                instance=instance_of(request))

    @app.exception_handler(DBAPIError)
    @app.exception_handler(psycopg.Error)
    async def _store(request: Request, exc: Exception) -> Response:
        return _failed(request, exc)

    # last: what a middleware raised, which the handlers above do not see
    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return _failed(request, exc)


def _failed(request: Request, exc: Exception) -> Response:
    where = (request.method, request.url.path, getattr(request.state, "request_id", "-"))
    if unreachable(exc):
        # a crashed primary, a failover, a restart: expected in operation, so one line, no stack
        log.warning("store unreachable on %s %s (request id %s): %s", *where,
                    type(exc).__name__)
        return problem_response(503, "The store cannot be reached just now",
                                "Send the request again in a moment; a capture sent twice is "
                                "stored once.", type_name="ImplementationException",
                                instance=instance_of(request), headers={"Retry-After": "5"})
    log.exception("unexpected error on %s %s (request id %s)", *where)
    return problem_response(500, "Internal error",
                            "Something went wrong on our side; it has been logged.",
                            type_name="ImplementationException", instance=instance_of(request))
