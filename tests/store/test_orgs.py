"""Organizations, tokens and sign-in codes: shown once, stored only as a hash, bound to one
organization; a name that matches none suggests the closest; a code works once, then never."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, update

from agritrace.errors import ConflictException, NoSuchResourceException, SecurityException
from agritrace.farm.registry import create_member_token
from agritrace.store.migrate import alembic_config, upgrade
from agritrace.store.orgs import (
    authenticate,
    create_login_code,
    create_organization,
    create_token,
    find_organization,
    list_tokens,
    normal_code,
    redeem_login_code,
    revoke_token,
)
from agritrace.store.tables import login_codes, organizations, tokens
from agritrace.trust import TokenRole
from tests.farm.coop import make_coop


def test_a_token_authenticates_its_organization_and_is_never_stored(engine: Engine) -> None:
    coop = create_organization(engine, "HTX Cà phê Mường Ảng")
    token = create_token(engine, coop, "ERP")
    credential = authenticate(engine, token)
    assert credential.org == coop and credential.role is TokenRole.ORGANIZATION
    with engine.connect() as conn:
        stored = conn.execute(select(tokens.c.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    with pytest.raises(SecurityException, match="unknown or revoked"):
        authenticate(engine, token + "x")


def test_a_revoked_token_is_refused_at_once_and_listed_without_its_secret(
        engine: Engine) -> None:
    coop = create_organization(engine, "HTX Cà phê Mường Ảng")
    token = create_token(engine, coop, "máy quét", TokenRole.READ)
    [info] = list_tokens(engine, coop)
    assert (info.org, info.role, info.label, info.revoked_us) == (
        coop.name, "read", "máy quét", None)
    assert token not in repr(info)
    assert revoke_token(engine, info.id).revoked_us is not None
    with pytest.raises(SecurityException):
        authenticate(engine, token)
    with pytest.raises(NoSuchResourceException):
        revoke_token(engine, info.id + 1)


def test_an_unknown_name_suggests_the_closest_and_creates_nothing(engine: Engine) -> None:
    create_organization(engine, "HTX Cà phê Mường Ảng")
    create_organization(engine, "Công ty Rang xay Điện Biên")
    with pytest.raises(NoSuchResourceException) as refused:
        find_organization(engine, "HTX ca phe Muong Ang")  # typed without diacritics
    assert "Có phải là: 'HTX Cà phê Mường Ảng'?" in str(refused.value)
    assert "Did you mean: 'HTX Cà phê Mường Ảng'?" in str(refused.value)
    assert refused.value.problems[0].path == "org"
    with pytest.raises(NoSuchResourceException, match="agritrace org create"):
        find_organization(engine, "Siêu thị")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(organizations)).scalar() == 2
    with pytest.raises(ConflictException):
        create_organization(engine, " HTX Cà phê  Mường Ảng ")  # the same name, spaced


def test_a_login_code_works_once_and_gives_the_token_a_new_secret(engine: Engine) -> None:
    coop = create_organization(engine, "HTX Cà phê Mường Ảng")
    token = create_token(engine, coop, "member 1", TokenRole.MEMBER)
    made = create_login_code(engine, token)
    assert len(made.code) == 19 and token not in made.code
    with engine.connect() as conn:
        assert made.code not in conn.execute(select(login_codes.c.code_hash)).scalars().all()
    session = redeem_login_code(engine, made.code.lower().replace("-", " "))  # as typed
    assert session != token
    assert authenticate(engine, session).role is TokenRole.MEMBER
    with pytest.raises(SecurityException):
        authenticate(engine, token)  # nobody was ever shown the old secret
    with pytest.raises(SecurityException, match="unknown, used or expired"):
        redeem_login_code(engine, made.code)


def test_an_expired_code_or_one_of_a_revoked_token_signs_nobody_in(engine: Engine) -> None:
    coop = create_organization(engine, "HTX Cà phê Mường Ảng")
    expired = create_login_code(engine, create_token(engine, coop, "a"))
    with engine.begin() as conn:
        conn.execute(update(login_codes).values(expires_us=1))
    with pytest.raises(SecurityException):
        redeem_login_code(engine, expired.code)
    revoked = create_login_code(engine, create_token(engine, coop, "b"))
    revoke_token(engine, list_tokens(engine)[-1].id)
    with pytest.raises(SecurityException):
        redeem_login_code(engine, revoked.code)


def test_codes_are_read_as_people_type_them() -> None:
    assert normal_code("abcd-efgh-ijkl-mnop") == normal_code("ABCD EFGH 1JK1 MN0P")


def test_sign_ins_issued_before_tokens_had_roles_become_member_tokens(engine: Engine) -> None:
    """Migration 0009 gave every old token the whole API; 0013 gives members theirs back."""
    coop = make_coop(engine)
    token = create_member_token(engine, coop.manager, coop.farmer_a.id)
    command.downgrade(alembic_config(engine), "0013-1")
    with engine.begin() as conn:  # as 0009 left a sign-in issued before it
        conn.execute(update(tokens).values(role="organization"))
    upgrade(engine)
    assert authenticate(engine, token).role is TokenRole.MEMBER
