"""Health for load balancers and orchestrators: ``/healthz`` (the process answers) and
``/readyz`` (it can serve: the database answers and its schema is the code's).

Neither needs a token or says anything an outsider could use beyond "up" or "not ready, why".
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from agritrace.store.migrate import pending
from agritrace.web.api.deps import engine_of
from agritrace.web.problems import problem_response

router = APIRouter(tags=["Operations"])


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is alive (it does not touch the database)."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers and every migration is applied; 503 otherwise."""
    reason = await run_in_threadpool(_not_ready, engine_of(request))
    if reason:
        return problem_response(503, "Not ready", reason, instance="/readyz",
                                headers={"Retry-After": "5"})
    return JSONResponse({"status": "ready"}, headers={"Cache-Control": "no-store"})


def _not_ready(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        missing = pending(engine)
    except SQLAlchemyError as exc:
        return f"the database does not answer ({type(exc).__name__})"
    if missing:
        return "the database needs 'agritrace db upgrade' (missing " + ", ".join(
            sorted(missing)) + ")"
    return None
