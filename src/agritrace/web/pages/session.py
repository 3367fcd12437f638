"""Who is behind a page request: a login token kept in an HttpOnly cookie.

Pages for farmers and managers work without JavaScript, so the bearer token the API uses is
entered once on the sign-in page (``/login``) and then rides in a cookie. The cookie holds the
token itself (only its hash is stored server side, as for API tokens); it is HttpOnly and
SameSite=Lax, so scripts cannot read it and other sites cannot post with it.
"""

from __future__ import annotations

from fastapi import Request, Response

from agritrace.errors import SecurityException
from agritrace.farm.registry import Actor, actor_for_token
from agritrace.store.orgs import authenticate
from agritrace.web.api.deps import engine_of

COOKIE = "agt_session"
_AGE_S = 30 * 24 * 3600


def token_of(request: Request) -> str | None:
    """The login token from the cookie, or from an ``Authorization: Bearer`` header."""
    token = request.cookies.get(COOKIE)
    if token:
        return token
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def page_actor(request: Request) -> Actor | None:
    """The signed-in member (or organization), or None when nobody is signed in."""
    token = token_of(request)
    if not token:
        return None
    engine = engine_of(request)
    try:
        org = authenticate(engine, token)
    except SecurityException:
        return None
    return actor_for_token(engine, org, token)


def sign_in(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=_AGE_S, httponly=True, samesite="lax",
                        secure=secure)


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE)
