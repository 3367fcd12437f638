"""``/login`` and ``/logout``: a login token entered once, then carried in the session cookie.

``/login?token=…`` (the link the demo prints or a manager sends by SMS) only fills the form in:
signing in is always a POST, so a link can never sign someone in behind their back.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from agritrace.errors import SecurityException
from agritrace.farm.registry import Actor, actor_for_token
from agritrace.store.orgs import authenticate
from agritrace.web.api.deps import engine_of
from agritrace.web.pages.farm.common import friendly, local_path, render, same_origin
from agritrace.web.pages.farm.forms import Form
from agritrace.web.pages.session import page_actor, sign_in, sign_out

router = APIRouter()


def home_of(actor: Actor) -> str:
    return "/coop" if actor.role.may_manage else "/my"


@router.get("/login")
@friendly
def login_form(request: Request, next: str = "", token: str = "") -> Response:
    actor = page_actor(request)
    if actor is not None and not token:
        return RedirectResponse(local_path(next, home_of(actor)), status_code=303)
    return render(request, "farm/login.html", next=local_path(next, ""), token=token[:200],
                  wrong=False)


@router.post("/login")
@friendly
def login(request: Request, form: Form) -> Response:
    same_origin(request)
    token = form.get("token", "").strip()
    target = form.get("next", "")
    engine = engine_of(request)
    try:
        actor = actor_for_token(engine, authenticate(engine, token), token)
    except SecurityException:
        return render(request, "farm/login.html", 401, next=local_path(target, ""), token="",
                      wrong=True)
    response = RedirectResponse(local_path(target, home_of(actor)), status_code=303)
    sign_in(response, token, secure=request.url.scheme == "https")
    return response


@router.post("/logout")
@friendly
def logout(request: Request) -> Response:
    same_origin(request)
    response = RedirectResponse("/login", status_code=303)
    sign_out(response)
    return response
