"""The front door: ``/`` sends each kind of visitor to its place, and ``/scan`` reads a code typed
from under a QR (or pasted from a scanner) and opens its consumer page.

A consumer whose camera will not read a worn QR types the digits printed under it; a buyer pastes
a Digital Link; a scanner sends ``(01)…(21)…`` or the raw string with FNC1. All of them end at the
one canonical path of the Digital Link resolver. A signed-in member or office is offered the way
back to its own pages.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import InvalidIdentifier
from agritrace.web.api import epcis
from agritrace.web.pages import resolver
from agritrace.web.pages.session import page_caller

router = APIRouter(include_in_schema=False)
_DIGITS = re.compile(r"\d{8}|\d{12,14}")  # GTIN-8, -12, -13 or -14 as printed under a barcode
MAX_CODE = 300


def read_code(text: str) -> DigitalLink:
    """The Digital Link of a code as a person or a scanner gives it; InvalidIdentifier else."""
    code = text.strip()
    if _DIGITS.fullmatch(code):
        return DigitalLink.for_gtin(code)
    if code.startswith(("http://", "https://", "/")):
        return DigitalLink.parse(code)
    return DigitalLink.from_element_string(code)


def _home(request: Request, status: int = 200, code: str = "", bad: bool = False) -> Response:
    caller = page_caller(request)
    place = None
    if caller is not None:
        place = "/coop" if caller.actor.role.may_manage else "/my"
    response = resolver.render(request, "home.html", status, code=code, bad=bad, place=place)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@router.get("/")
def home(request: Request) -> Response:
    return epcis.top_level(request) or _home(request)


@router.get("/scan")
def scan(request: Request, code: str = "") -> Response:
    """Open the consumer page of a typed or pasted code; the home page again, saying what it
    could not read, otherwise."""
    code = code[:MAX_CODE]
    try:
        link = read_code(code)
    except InvalidIdentifier:
        return _home(request, 400, code, bad=True)
    return RedirectResponse(link.path, status_code=303)
