"""Organizations and their API tokens. Only a SHA-256 of a token is ever stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from agritrace.epcis.times import now_micros
from agritrace.errors import NoSuchResourceException, SecurityException
from agritrace.store.tables import organizations, tokens

TOKEN_PREFIX = "agt_"


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    gln: str | None = None
    kind: str = "enterprise"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_organization(
    engine: Engine, name: str, *, gln: str | None = None, kind: str = "enterprise"
) -> Organization:
    with engine.begin() as conn:
        pk = conn.execute(
            insert(organizations).values(name=name, gln=gln, kind=kind, created_us=now_micros())
        ).inserted_primary_key
    assert pk is not None
    return Organization(id=int(pk[0]), name=name, gln=gln, kind=kind)


def find_organization(engine: Engine, name: str) -> Organization:
    with engine.connect() as conn:
        row = conn.execute(select(organizations).where(organizations.c.name == name)).first()
    if row is None:
        raise NoSuchResourceException(f"No organization named {name!r}")
    return Organization(id=row.id, name=row.name, gln=row.gln, kind=row.kind)


def ensure_organization(engine: Engine, name: str, **kwargs: str | None) -> Organization:
    try:
        return find_organization(engine, name)
    except NoSuchResourceException:
        return create_organization(engine, name, **kwargs)  # type: ignore[arg-type]


def create_token(engine: Engine, org: Organization, label: str = "") -> str:
    """A new random bearer token for ``org``; the plain text is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(tokens).values(
                org_id=org.id, token_hash=_digest(token), label=label, created_us=now_micros()
            )
        )
    return token


def authenticate(engine: Engine, token: str) -> Organization:
    """The organization a bearer token belongs to, or SecurityException."""
    with engine.connect() as conn:
        row = conn.execute(
            select(organizations)
            .join(tokens, tokens.c.org_id == organizations.c.id)
            .where(tokens.c.token_hash == _digest(token), tokens.c.revoked_us.is_(None))
        ).first()
    if row is None:
        raise SecurityException("The bearer token is unknown or revoked")
    return Organization(id=row.id, name=row.name, gln=row.gln, kind=row.kind)
