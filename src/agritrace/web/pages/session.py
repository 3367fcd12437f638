"""Who is behind a page request: a token kept in an HttpOnly cookie.

Pages for farmers and managers work without JavaScript, so a person signs in once on ``/login``
(with the one-time code of a sign-in link, or a token pasted in) and the token then rides in a
cookie. Only its hash is stored server side, as for API tokens; the cookie is HttpOnly and
SameSite=Lax, so scripts cannot read it and other sites cannot post with it. Every request
checks the token again, so a revoked token or a deactivated member is signed out at once.
"""

from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy import Engine

from agritrace.errors import SecurityException
from agritrace.farm.registry import Actor
from agritrace.trust import Scope
from agritrace.web.api.deps import (
    SAFE_METHODS,
    SESSION_COOKIE,
    Caller,
    caller_for,
    engine_of,
    reader_of,
)

COOKIE = SESSION_COOKIE
_AGE_S = 30 * 24 * 3600


def token_of(request: Request) -> str | None:
    """The login token from the cookie, or from an ``Authorization: Bearer`` header."""
    token = request.cookies.get(COOKIE)
    if token:
        return token
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def page_caller(request: Request) -> Caller | None:
    """The signed-in caller, or None when nobody is (no token, or one no longer valid). Kept
    on the request: a form's write is then remembered for read-your-writes
    (web/read_your_writes.py), and :func:`page_reader` reads after it."""
    token = token_of(request)
    if not token:
        return None
    try:
        caller = caller_for(engine_of(request), token)
    except SecurityException:  # unknown, revoked, or a deactivated member (403)
        return None
    request.state.caller = caller
    return caller


def page_reader(request: Request) -> Engine:
    """The one engine a read-only page reads for this request (a replica, chosen once so that
    every read of the page comes from the same server): for a signed-in person one that has
    their organization's last write, for anybody else one fresh enough (deps.reader_of)."""
    chosen: Engine | None = getattr(request.state, "reader", None)
    if chosen is None:
        if getattr(request.state, "caller", None) is None:
            page_caller(request)
        chosen = request.state.reader = reader_of(request)
    return chosen


def page_actor(request: Request) -> Actor | None:
    """Who is signed in, allowed to do what this page request does (a read-only token may not
    post a form: ForbiddenException); None when nobody is signed in."""
    caller = page_caller(request)
    if caller is None:
        return None
    caller.require(Scope.FARM, request.method not in SAFE_METHODS)
    return caller.actor


def sign_in(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=_AGE_S, httponly=True, samesite="lax",
                        secure=secure)


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE)
