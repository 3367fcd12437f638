"""Request dependencies: the engine, the settings and the organization behind a bearer token."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from agritrace.errors import SecurityException
from agritrace.settings import Settings
from agritrace.store.orgs import Organization, authenticate


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_org(request: Request) -> Organization:
    """The organization whose bearer token came with the request; 401 without one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SecurityException(
            "This resource needs a bearer token: send 'Authorization: Bearer <token>' "
            "(create one with 'agritrace token create --org NAME')"
        )
    return authenticate(engine_of(request), token.strip())
