"""Granting codes to organizations and naming delegates: the operator's and owners' records.

Every grant and delegation keeps who made it and when; revoking sets ``revoked_us`` and keeps
the row, so the history of who could speak for a code stays readable. The rules that use them
are in :mod:`agritrace.trust`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import ConflictException, NoSuchResourceException, Problem
from agritrace.ids.gs1 import Gln, Gtin
from agritrace.store.orgs import Organization
from agritrace.store.tables import delegations, org_grants, organizations
from agritrace.trust import PREFIX_LENGTHS, Owners

KINDS = ("prefix", "gtin", "gln")


@dataclass(frozen=True)
class Grant:
    org: str
    kind: str
    value: str
    granted_by: str
    granted_us: int
    revoked_us: int | None


def check_grant_value(kind: str, value: str) -> str:
    """The grant's value in its stored form, or a located ValidationException."""
    from agritrace.errors import ValidationException

    if kind == "gtin":
        return str(Gtin.parse(value, field="value"))
    if kind == "gln":
        return str(Gln.parse(value, field="value"))
    if kind == "prefix" and value.isascii() and value.isdigit() and len(value) in PREFIX_LENGTHS:
        return value
    raise ValidationException(f"Not a {kind}: {value!r}", [Problem(
        "value", "a GS1 company prefix of 4 to 12 digits" if kind == "prefix"
        else f"one of {', '.join(KINDS)}", repr(value))])


def grant(engine: Engine, org: Organization, kind: str, value: str, granted_by: str) -> Grant:
    """Grant ``org`` a prefix, GTIN or GLN; 409 when another organization holds that code."""
    value = check_grant_value(kind, value)
    with engine.begin() as conn:
        held = conn.execute(select(org_grants.c.org_id).where(
            org_grants.c.kind == kind, org_grants.c.value == value,
            org_grants.c.revoked_us.is_(None))).scalar()
        if held is not None and held != org.id:
            other = conn.execute(select(organizations.c.name).where(
                organizations.c.id == held)).scalar()
            raise ConflictException(f"{kind} {value} is already granted to {other}", [Problem(
                "value", f"a {kind} no other organization holds (revoke {other}'s grant first)",
                value)])
        now = now_micros()
        if held is None:
            conn.execute(insert(org_grants).values(org_id=org.id, kind=kind, value=value,
                                                   granted_by=granted_by, granted_us=now))
    return Grant(org.name, kind, value, granted_by, now, None)


def revoke_grant(engine: Engine, org: Organization, kind: str, value: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(org_grants).where(
            org_grants.c.org_id == org.id, org_grants.c.kind == kind,
            org_grants.c.value == check_grant_value(kind, value),
            org_grants.c.revoked_us.is_(None)).values(revoked_us=now_micros())).rowcount
    if not done:
        raise NoSuchResourceException(f"{org.name} holds no {kind} {value}")


def grants_of(engine: Engine, org: Organization | None = None) -> list[Grant]:
    query = select(organizations.c.name, org_grants.c.kind, org_grants.c.value,
                   org_grants.c.granted_by, org_grants.c.granted_us, org_grants.c.revoked_us
                   ).join(organizations, organizations.c.id == org_grants.c.org_id)
    if org is not None:
        query = query.where(org_grants.c.org_id == org.id)
    with engine.connect() as conn:
        return [Grant(*row) for row in conn.execute(query.order_by(org_grants.c.id))]


def delegate(engine: Engine, owner: Organization, to: Organization, created_by: str) -> None:
    """Let ``to`` speak for every code ``owner`` holds, until revoked."""
    if owner.id == to.id:
        raise ConflictException("An organization cannot delegate to itself")
    with engine.begin() as conn:
        live = conn.execute(select(delegations.c.id).where(
            delegations.c.owner_id == owner.id, delegations.c.delegate_id == to.id,
            delegations.c.revoked_us.is_(None))).first()
        if live is None:
            conn.execute(insert(delegations).values(owner_id=owner.id, delegate_id=to.id,
                                                    created_by=created_by,
                                                    created_us=now_micros()))


def revoke_delegation(engine: Engine, owner: Organization, to: Organization) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(delegations).where(
            delegations.c.owner_id == owner.id, delegations.c.delegate_id == to.id,
            delegations.c.revoked_us.is_(None)).values(revoked_us=now_micros())).rowcount
    if not done:
        raise NoSuchResourceException(f"{owner.name} has no delegation to {to.name}")


def owner_name(engine: Engine, identifier: str) -> str | None:
    """The name of the organization that owns ``identifier``, for messages."""
    with engine.connect() as conn:
        owner = Owners.load(conn, [identifier]).owner(identifier)
        if owner is None:
            return None
        name: str | None = conn.execute(select(organizations.c.name).where(
            organizations.c.id == owner)).scalar()
    return name
