"""Tokens: shown once, stored only as a hash, bound to one organization."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from agritrace.errors import SecurityException
from agritrace.store.orgs import authenticate, create_organization, create_token
from agritrace.store.tables import tokens


def test_a_token_authenticates_its_organization_and_is_never_stored(engine: Engine) -> None:
    coop = create_organization(engine, "HTX Cà phê Mường Ảng")
    token = create_token(engine, coop, "ERP")
    assert authenticate(engine, token) == coop
    with engine.connect() as conn:
        stored = conn.execute(select(tokens.c.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    with pytest.raises(SecurityException, match="unknown or revoked"):
        authenticate(engine, token + "x")
