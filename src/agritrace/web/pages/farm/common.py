"""What every farm page shares: who is signed in, friendly error pages, the same-origin check
for posts, and field errors in the visitor's language.

The API's one handler turns every :class:`~agritrace.errors.AgritraceError` into problem+json;
a person on a page needs a page instead, so :func:`friendly` catches the same errors around
each page handler and renders them (or problem+json when the page's own script asked for JSON).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ParamSpec, cast
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from agritrace.errors import AgritraceError, ForbiddenException, Problem
from agritrace.farm.compliance import Refused
from agritrace.farm.registry import Actor
from agritrace.web import i18n
from agritrace.web.pages import resolver
from agritrace.web.pages.session import page_actor, page_caller
from agritrace.web.problems import problem_response

P = ParamSpec("P")
STATIC = Path(__file__).resolve().parents[2] / "static"
JSON = "application/json"


class SignInNeeded(Exception):
    """Nobody is signed in: the page sends the visitor to ``/login`` and back."""


@lru_cache(maxsize=1)
def farm_css() -> Markup:
    return Markup((STATIC / "farm.css").read_text(encoding="utf-8"))


def translator(request: Request) -> i18n.Translator:
    return i18n.Translator(i18n.language(request))


def render(request: Request, template: str, status: int = 200, *,
           actor: Actor | None = None, **context: Any) -> HTMLResponse:
    t = translator(request)
    query = [(k, v) for k, v in request.query_params.multi_items()
             if k not in ("lang", "code", "token")]
    lang_href = "?" + urlencode([*query, ("lang", t.other)])
    response = resolver.render(request, template, status, farm_css=farm_css(), actor=actor,
                               lang_href=lang_href, **context)
    # Pages name a person and their plots: never kept by a shared cache or proxy, and the
    # address (which may hold a sign-in code) is never sent to another site.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def signed_in(request: Request) -> Actor:
    actor = page_actor(request)
    if actor is None:
        raise SignInNeeded
    return actor


def manager(request: Request) -> Actor:
    actor = signed_in(request)
    actor.require_manager("use the cooperative's pages")
    return actor


def wants_json(request: Request) -> bool:
    return JSON in request.headers.get("accept", "")


def same_origin(request: Request) -> None:
    """Refuse a post that another site's page made (the cookie is SameSite=Lax as well).

    Browsers send ``Origin`` with every POST; a client without one (curl, a test) is not a
    page riding on someone's cookie.
    """
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return
    netloc = urlsplit(origin).netloc
    allowed = {request.headers.get("host", ""),
               urlsplit(request.app.state.settings.base_url).netloc}
    if netloc not in allowed:
        raise ForbiddenException("This form was posted from another site", [Problem(
            "origin", "a form sent from this site's own pages", origin[:100])])


def local_path(target: str | None, fallback: str) -> str:
    """``?next=`` only ever leads to a page of this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return fallback


def friendly(handler: Callable[P, Response]) -> Callable[P, Response]:
    """Run a page handler; sign-in and service errors become pages, never stack traces."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        request = cast(Request, kwargs["request"])
        try:
            return handler(*args, **kwargs)
        except SignInNeeded:
            if wants_json(request):
                return problem_response(401, "Not signed in", "Sign in again at /login")
            path = request.url.path if request.method == "GET" else (
                urlsplit(request.headers.get("referer", "")).path or request.url.path)
            query = f"?{request.url.query}" if request.method == "GET" and request.url.query \
                else ""
            return RedirectResponse(f"/login?next={quote(path + query)}", status_code=303)
        except AgritraceError as exc:
            if wants_json(request):
                return problem_response(exc.status, exc.title, exc.detail,
                                        type_name=exc.type_name, problems=exc.problems,
                                        instance=request.url.path)
            return error_page(request, exc)

    return wrapper


def error_page(request: Request, exc: AgritraceError) -> HTMLResponse:
    t = translator(request)
    paths = {p.path for p in exc.problems}
    if exc.status == 403:
        text = t("farm_cross_site_text" if "origin" in paths else
                 "farm_manager_only_text" if "role" in paths else
                 "farm_read_only_text" if "token" in paths else "farm_forbidden_text")
        title = t("farm_forbidden_title")
    elif exc.status == 404:
        title, text = t("farm_not_found_title"), t("farm_not_found_text")
    elif exc.status < 500:
        title = t("farm_invalid_title")
        text = exc.text(t.lang) if isinstance(exc, Refused) else t.detail(exc, "farm_invalid_text")
    else:
        title, text = t("farm_error_title"), t.detail(exc, "farm_error_text")
    caller = page_caller(request)  # not page_actor: it may be what refused this request
    return render(request, "farm/error.html", exc.status,
                  actor=caller.actor if caller else None,
                  title=title, text=text, problems=exc.problems if exc.status == 400 else [])


@dataclass(frozen=True)
class FieldError:
    message: str
    detail: str


def field_name(path: str) -> str:
    """The form field a problem path points at: ``spraying.active_ingredients[0]`` ->
    ``active_ingredients``; a missing season is a problem with the date."""
    name = path.split(".", 1)[1] if "." in path else path
    name = name.split("[", 1)[0].split(".", 1)[0]
    return "on" if name == "season_id" else name


def field_errors(t: i18n.Translator, problems: Iterable[Problem]) -> dict[str, FieldError]:
    """One message per field, in plain words, with the exact expectation beside it."""
    out: dict[str, FieldError] = {}
    for problem in problems:
        name = field_name(problem.path)
        if name in out:
            continue
        key = "farm_err_season" if problem.path == "season_id" else f"farm_err_{name}"
        message = t(key)
        if message == key:
            message = t("farm_err_generic")
        out[name] = FieldError(message, t("farm_err_detail", expected=t.expected(problem),
                                          found=t.found(problem)))
    return out


def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")
