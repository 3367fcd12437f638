"""Request dependencies: the engine, the settings, and who is calling with which token.

Every route that needs a caller declares what it does, once, with one of these dependencies;
:func:`agritrace.trust.may_use` decides whether the token's role allows it:

- :func:`require_org`: reads the organization's data (organization and read-only tokens);
- :func:`require_reader`: computes from what is sent and changes nothing, even over POST;
- :func:`require_writer`: changes it (organization tokens only; a read-only token gets a 403
  saying so, a member's sign-in a 403 saying it reaches the farm only);
- :func:`require_actor`: the farm's routes, which also take a member's sign-in; reading or
  writing follows the HTTP method.

A revoked token, or the sign-in of a member who was deactivated, is refused on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from agritrace.errors import ForbiddenException, SecurityException
from agritrace.farm.registry import Actor, actor_for_token, org_actor
from agritrace.settings import Settings
from agritrace.store.orgs import Credential, Organization, authenticate
from agritrace.store.replicas import Replicas
from agritrace.trust import Scope, TokenRole, acting_role, may_use
from agritrace.web.i18n import LANGUAGES, Translator, expect, refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The cookie a signed-in person's token rides in (web/pages/session.py). Another cookie (the
#: language's, the scan device's) says nobody: its request may read any replica.
SESSION_COOKIE = "agt_session"
# What a token of each role needed to be, and what it was: catalogue keys (texts_services).
_NEEDS = {TokenRole.ORGANIZATION: "expect_token_org", TokenRole.READ: "expect_token_write",
          TokenRole.MEMBER: "expect_token_not_member",
          TokenRole.OFFICER: "expect_token_not_officer"}
_FOUND = {TokenRole.ORGANIZATION: "token_org", TokenRole.READ: "token_read",
          TokenRole.MEMBER: "token_member", TokenRole.OFFICER: "token_officer"}
_REFUSED = {TokenRole.READ: "refuse_read_only", TokenRole.OFFICER: "refuse_officer_scope"}


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def reader_of(request: Request) -> Engine:
    """The engine a read-only route reads from: a replica that has replayed the caller's own
    last write (agritrace.store.replicas), else the primary. Declare it after the route's caller
    dependency; a request with credentials whose caller is not known yet reads the primary."""
    replicas: Replicas | None = request.app.state.replicas
    if replicas is None:
        return engine_of(request)
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is not None:
        return replicas.reader(caller.wrote_lsn)
    if "authorization" in request.headers or SESSION_COOKIE in request.cookies:
        return engine_of(request)
    return replicas.reader()


async def verdict_reader(request: Request, generation: int | None = None) -> Engine:
    """The engine the facts of a page with a verdict are read from (the consumer page and its
    linkset, a product page, the badge): a replica that has reached the primary's page cache
    ``generation`` (read just before by the caller; None: read now), so a recall or a void
    committed on the primary is never answered "genuine"; else the primary
    (agritrace.store.replicas)."""
    replicas: Replicas | None = request.app.state.replicas
    if replicas is None:
        return engine_of(request)
    return await replicas.at_generation(generation)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class Caller:
    """Who calls: the organization, the token's role, and the actor it acts as (the member for
    a member's sign-in, else the organization as its own manager)."""

    org: Organization
    role: TokenRole
    actor: Actor
    wrote_lsn: int | None = None  # where the organization last wrote (store.replicas)

    def require(self, scope: Scope, write: bool) -> None:
        """ForbiddenException unless this caller's token may do what the route does."""
        if may_use(self.role, scope, write):
            return
        found = {f"found_{lang}": Translator(lang)(_FOUND[self.role]) for lang in LANGUAGES}
        raise refusal(ForbiddenException, _REFUSED.get(self.role, "refuse_member_scope"),
                      [expect("token", _NEEDS[self.role], None, shown=found["found_en"],
                              **found)])


def _org_actor(credential: Credential, role: TokenRole) -> Actor:
    """The organization acting; for an officer's token issued to a person (its label), that
    person of the department, so that what an officer does is recorded as theirs."""
    if role is TokenRole.OFFICER and credential.label.strip():
        return org_actor(credential.org, f"{credential.label.strip()} ({credential.org.name})")
    return org_actor(credential.org)


def caller_for(engine: Engine, token: str) -> Caller:
    """The caller behind ``token``; SecurityException (401) when unknown or revoked, 403 when
    it is the sign-in of a member who is no longer active (or of no member at all)."""
    credential = authenticate(engine, token)
    if credential.role is not TokenRole.MEMBER:
        role = acting_role(credential.role, credential.org.kind)
        return Caller(credential.org, role, _org_actor(credential, role), credential.wrote_lsn)
    actor = actor_for_token(engine, credential.org, token)
    if actor.member_id is None:
        raise ForbiddenException("This member sign-in belongs to no member")
    return Caller(credential.org, credential.role, actor, credential.wrote_lsn)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SecurityException(
            "This resource needs a bearer token: send 'Authorization: Bearer <token>' "
            "(create one with 'agritrace token create --org NAME')"
        )
    return token.strip()


def api_caller(request: Request, scope: Scope, write: bool) -> Caller:
    """The bearer token's caller, allowed to do what the route does (looked up once)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:
        caller = caller_for(engine_of(request), bearer_token(request))
        request.state.caller = caller
    caller.require(scope, write)
    return caller


def require_org(request: Request) -> Organization:
    """The organization reading its data; 401 without a live token. A route that changes
    something declares :func:`require_writer`; an unsafe method here counts as a write, so a
    route that forgot to say so still refuses read-only tokens."""
    return api_caller(request, Scope.ORGANIZATION, request.method not in SAFE_METHODS).org


def require_reader(request: Request) -> Organization:
    """The organization asking for something computed that changes nothing, even over POST
    (a file sent to be checked): read-only tokens too."""
    return api_caller(request, Scope.ORGANIZATION, False).org


def require_writer(request: Request) -> Organization:
    """The organization changing its data: an organization token only."""
    return api_caller(request, Scope.ORGANIZATION, True).org


def require_recaller(request: Request) -> Caller:
    """Who orders a recall: an organization token, or a regulator's officer (which may order
    one only in its area: :func:`agritrace.trace.recall.check_may_recall`)."""
    return api_caller(request, Scope.RECALL, True)


def require_actor(request: Request) -> Actor:
    """The farm's caller: a member's sign-in, or the organization as manager."""
    return api_caller(request, Scope.FARM, request.method not in SAFE_METHODS).actor
