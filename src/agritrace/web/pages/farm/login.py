"""``/login`` and ``/logout``: a one-time code (or a token) entered once, then the session cookie.

A sign-in link (``/login?code=…``, made by ``agritrace``, the manager's members page or the demo)
carries a one-time code, never a token, since addresses land in logs and browser histories. The
link only fills the form in: signing in is always a POST, so a link can never sign someone in
behind their back. The POST redeems the code (once, within its days) and sets the cookie; a
token pasted into the same field (it starts with ``agt_``) signs in as itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from agritrace import limits
from agritrace.errors import SecurityException
from agritrace.limits import Limit
from agritrace.scans.log import client_key
from agritrace.store.orgs import TOKEN_PREFIX, end_session, redeem_login_code
from agritrace.trust import TokenRole
from agritrace.web.api.deps import Caller, caller_for, engine_of, settings_of
from agritrace.web.headers import request_client
from agritrace.web.pages.farm.common import friendly, local_path, render, same_origin
from agritrace.web.pages.farm.forms import Form
from agritrace.web.pages.session import page_caller, sign_in, sign_out, token_of

router = APIRouter()


def home_of(caller: Caller) -> str:
    """Where a sign-in lands: a province's officer at its desk, a manager in the office."""
    if caller.role is TokenRole.OFFICER:
        return "/province"
    return "/coop" if caller.actor.role.may_manage else "/my"


@router.get("/login")
@friendly
def login_form(request: Request, next: str = "", code: str = "") -> Response:
    caller = page_caller(request)
    if caller is not None and not code:
        return RedirectResponse(local_path(next, home_of(caller)), status_code=303)
    return render(request, "farm/login.html", next=local_path(next, ""), token=code[:40],
                  wrong=False)


@router.post("/login")
@friendly
def login(request: Request, form: Form) -> Response:
    same_origin(request)
    secret = (form.get("code") or form.get("token", "")).strip()
    target = form.get("next", "")
    engine = engine_of(request)
    client, limit = _failures(request)
    ahead = limits.peek(engine, limit, client)
    if not ahead.allowed:
        return _refused(request, target, ahead.retry_after_s)
    try:
        token = secret if secret.startswith(TOKEN_PREFIX) else redeem_login_code(engine, secret)
        caller = caller_for(engine, token)
    except SecurityException:
        failed = limits.hit(engine, limit, client)
        if not failed.allowed:
            return _refused(request, target, failed.retry_after_s)
        return render(request, "farm/login.html", 401, next=local_path(target, ""), token="",
                      wrong=True)
    response = RedirectResponse(local_path(target, home_of(caller)), status_code=303)
    sign_in(response, token, secure=request.url.scheme == "https")
    return response


def _failures(request: Request) -> tuple[str, Limit]:
    """Who enters codes (the client address's salted digest, as the report form keys it) and
    how many wrong ones it may enter: counted in the database, so a guesser spreading its
    tries over workers and servers gets no more."""
    settings = settings_of(request)
    return (client_key(request_client(request), settings.base_url),
            Limit("sign_in", settings.sign_in_failures_per_hour, 3600))


def _refused(request: Request, target: str, retry_after_s: int) -> Response:
    page = render(request, "farm/login.html", 429, next=local_path(target, ""), token="",
                  wrong=True, limited=True)
    page.headers["Retry-After"] = str(retry_after_s)
    return page


@router.post("/logout")
@friendly
def logout(request: Request) -> Response:
    same_origin(request)
    token = token_of(request)
    if token:  # the session ends on every server, not only in this browser
        end_session(engine_of(request), token)
    response = RedirectResponse("/login", status_code=303)
    sign_out(response)
    return response
