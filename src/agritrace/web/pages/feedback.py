"""The public feedback form and the ticket-code lookup (issue 13), Vietnamese first.

``GET/POST /feedback``: anyone reports a problem (counterfeit, quality, wrong information,
safety, other) about a code, or, naming none, to a province's desk, with an optional contact
and photo. Rate-limited per client with the database's shared limits (the consumer page's
report limit, ``AGRITRACE_REPORT_PER_HOUR``). A refused report (a field, the photo, the limit)
stores nothing. The page answers in the reader's language; a client asking for JSON gets the
ticket code as JSON, and a refusal as problem+json whose messages are in the reader's language.

``GET/POST /feedback/status``: the reporter types the ticket code given when the report was sent
and reads its state, its steps' times and the answer. The code travels in a POST body, never in a
URL: a URL is kept in access logs, browser history and Referer headers, and a code is what lets
its holder read the answer. Looking codes up is rate-limited too (80 random bits make guessing
hopeless; the limit keeps the table from being walked at all). Nothing of the reporter (contact,
text, photo) and no officer's name is ever shown there.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message

from agritrace import limits
from agritrace.errors import Problem, ValidationException
from agritrace.limits import Limit
from agritrace.province import feedback
from agritrace.province.areas import PROVINCES
from agritrace.scans import log
from agritrace.scans.photos import Photo, photo
from agritrace.web import i18n
from agritrace.web.api.deps import engine_of, settings_of
from agritrace.web.headers import request_client
from agritrace.web.pages.resolver import render
from agritrace.web.problems import problem_response

router = APIRouter(include_in_schema=False)
#: Room in a report's body for its text fields and the form's framing, beside the photo.
FORM_ROOM = 16 * 1024
#: Ticket codes one client may look up per hour.
LOOKUPS_PER_HOUR = 30
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _client(request: Request) -> str:
    return log.client_key(request_client(request), settings_of(request).base_url)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = render(request, template, status, kinds=log.TICKET_KINDS,
                      photo_mb=f"{settings_of(request).report_photo_max_bytes / 2**20:g}",
                      provinces=sorted(PROVINCES.values(), key=lambda p: p.name), **context)
    response.headers.update(_PRIVATE)
    return response


@router.get("/feedback")
async def feedback_form(request: Request) -> Response:
    """The report form; ``?code=`` fills in the code (the consumer page links here)."""
    return _page(request, "feedback/form.html", form={
        "code": request.query_params.get("code", "")[:300]}, errors={})


async def _bounded_form(request: Request, most: int) -> FormData:
    """The posted form, its body read no further than ``most`` bytes (a larger one is
    refused before it is held in memory whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise _too_large(most)
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > most:
            raise _too_large(most)
    body = b"".join(chunks)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=1, max_fields=20)


class TooLarge(ValidationException):
    status = 413
    title = "The report is too large"


def _too_large(most: int) -> TooLarge:
    return TooLarge("The report is too large", [i18n.expect(
        "photo", "expect_report_photo_size", None, shown=f"> {most} B",
        most=most - FORM_ROOM)])


async def _photo(form: FormData, most: int) -> Photo | None:
    upload = form.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(most + 1)
    if not content:
        return None
    return photo(content, most)


def _fields(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k, ""))[:3000] for k in (
        "kind", "code", "province", "message", "contact")}


@router.post("/feedback")
async def send_feedback(request: Request) -> Response:
    """Store a report and give its ticket code (201); the form again with what to fix (400,
    413), or 429 with ``Retry-After``."""
    settings = settings_of(request)
    most = settings.report_photo_max_bytes
    fields: dict[str, str] = {}
    try:
        form = await _bounded_form(request, most + FORM_ROOM)
        fields = _fields(form)
        picture = await _photo(form, most)
        opened = await run_in_threadpool(
            log.open_ticket, engine_of(request), fields["code"], fields["kind"],
            fields["message"], fields["contact"], _client(request),
            getattr(request.app.state, "ticket_policy", log.TicketPolicy()),
            # a code's report goes to its owner's desk; the province is for one naming none
            "" if fields["code"].strip() else fields["province"], picture)
    except log.RateLimited as exc:
        return _refused(request, exc, fields, {"Retry-After": str(exc.retry_after_s)})
    except ValidationException as exc:
        return _refused(request, exc, fields)
    if _wants_json(request):
        return JSONResponse({"ticketCode": opened.ticket_code, "status": "new",
                             "lookup": "/feedback/status"}, status_code=201, headers=_PRIVATE)
    return _page(request, "feedback/sent.html", 201, ticket_code=opened.ticket_code)


def _refused(request: Request, exc: ValidationException, fields: dict[str, str],
             headers: dict[str, str] | None = None) -> Response:
    t = i18n.Translator(i18n.language(request))
    said = [t.problem(p) for p in exc.problems]
    limited = exc.status == 429
    if _wants_json(request):
        detail = t("feedback_limited") if limited else "; ".join(said)
        response = problem_response(
            exc.status, exc.title, detail, instance=request.url.path, headers=headers,
            errors=[p.as_dict() | {"message": m} for p, m in zip(exc.problems, said,
                                                                 strict=True)])
        response.headers.update(_PRIVATE)
        return response
    errors = {} if limited else {p.path: m for p, m in zip(exc.problems, said, strict=True)}
    page = _page(request, "feedback/form.html", exc.status, form=fields, errors=errors,
                 limited=limited)
    page.headers.update(headers or {})
    return page


# --- the ticket code ------------------------------------------------------------------------


@router.get("/feedback/status")
async def status_form(request: Request) -> Response:
    """Where a reporter types the ticket code."""
    return _page(request, "feedback/status.html", found=None, asked=False)


@router.post("/feedback/status")
async def status_lookup(request: Request) -> Response:
    """The state and answer of the report a typed ticket code was given for (404: none)."""
    verdict = limits.hit(engine_of(request), Limit("ticket_lookup", LOOKUPS_PER_HOUR, 3600),
                         _client(request))
    if not verdict.allowed:
        page = _page(request, "feedback/status.html", 429, found=None, asked=True,
                     limited=True)
        page.headers["Retry-After"] = str(verdict.retry_after_s)
        return page
    typed = str((await request.form()).get("ticket_code", ""))[:60]
    found = await run_in_threadpool(feedback.public, engine_of(request), typed,
                                    settings_of(request).ticket_deadline_days)
    if _wants_json(request):
        if found is None:
            return problem_response(404, "No report with this ticket code", i18n.Translator(
                i18n.language(request))("feedback_no_ticket"), instance=request.url.path,
                problems=[Problem("ticket_code", "a ticket code given for a report",
                                  "no report's")], headers=_PRIVATE)
        return JSONResponse(found.as_dict(), headers=_PRIVATE)
    return _page(request, "feedback/status.html", 200 if found else 404, found=found,
                 asked=True)


def photo_response(found: Photo) -> Response:
    """A report's photo for the people who may see it: never cached by a shared cache, never
    sniffed or run as anything but the image type its bytes were checked to be."""
    return Response(found.content, media_type=found.media_type, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
        "X-Frame-Options": "DENY", "Content-Disposition": "inline"})

