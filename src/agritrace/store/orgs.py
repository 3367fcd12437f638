"""Organizations, their API tokens and one-time sign-in codes. Only a SHA-256 of a token or a
code is ever stored.

Organizations are created on purpose (``agritrace org create``, the demo, the generator); every
other command names an existing one, and a name that matches none is an error that suggests the
closest names (:func:`find_organization`), so a typo never creates an organization.

A token has a role (:class:`~agritrace.trust.TokenRole`): an organization's, read-only, or a
cooperative member's sign-in. A sign-in link never carries a token: it carries a one-time code
(:func:`create_login_code`), usable once within :data:`LOGIN_CODE_DAYS` days, whose redemption
gives the token a new secret that only the browser's HttpOnly cookie holds.
"""

from __future__ import annotations

import difflib
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import (
    ConflictException,
    NoSuchResourceException,
    Problem,
    SecurityException,
    ValidationException,
)
from agritrace.store.tables import login_codes, org_write_positions, organizations, tokens
from agritrace.trust import TokenRole

TOKEN_PREFIX = "agt_"
LOGIN_CODE_DAYS = 7
# Crockford's base32: no I, L, O or U, so a code read aloud or typed from an SMS survives.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 16  # 80 random bits
_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    gln: str | None = None
    kind: str = "enterprise"


@dataclass(frozen=True)
class Credential:
    """What a presented token stands for: its organization, its role and its row."""

    org: Organization
    role: TokenRole
    token_id: int
    wrote_lsn: int | None = None  # where its organization last wrote (store.replicas)
    label: str = ""  # whose token it is (an officer's name: the person who acts)


@dataclass(frozen=True)
class TokenInfo:
    """A token as ``agritrace token list`` shows it: never the token nor its hash."""

    id: int
    org: str
    role: str
    label: str
    created_us: int
    revoked_us: int | None


@dataclass(frozen=True)
class LoginCode:
    code: str
    expires_us: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _organization(row: object) -> Organization:
    return Organization(id=row.id, name=row.name, gln=row.gln, kind=row.kind)  # type: ignore[attr-defined]


def create_organization(
    engine: Engine, name: str, *, gln: str | None = None, kind: str = "enterprise"
) -> Organization:
    name = " ".join(name.split())
    if not name:
        raise ValidationException("An organization needs a name", [Problem(
            "name", "a name such as 'HTX Cà phê Mường Ảng'", "an empty name")])
    with engine.begin() as conn:
        if conn.execute(select(organizations.c.id).where(organizations.c.name == name)).first():
            raise ConflictException(f"Tổ chức {name!r} đã có / An organization named {name!r} "
                                    "already exists", [Problem("name", "a new name", name)])
        pk = conn.execute(
            insert(organizations).values(name=name, gln=gln, kind=kind, created_us=now_micros())
        ).inserted_primary_key
    assert pk is not None
    return Organization(id=int(pk[0]), name=name, gln=gln, kind=kind)


def list_organizations(engine: Engine) -> list[Organization]:
    with engine.connect() as conn:
        rows = conn.execute(select(organizations).order_by(organizations.c.name)).all()
    return [_organization(row) for row in rows]


def find_organization(engine: Engine, name: str) -> Organization:
    """The organization named exactly ``name``; otherwise a 404 naming the closest names."""
    with engine.connect() as conn:
        row = conn.execute(select(organizations).where(organizations.c.name == name)).first()
        if row is not None:
            return _organization(row)
        names = list(conn.execute(select(organizations.c.name)).scalars())
    close = ", ".join(repr(n) for n in closest_names(name, names))
    from agritrace.web.i18n import expect, refusal  # only on the error path

    found = expect("org", "expect_existing_org_like" if close else "expect_existing_org", None,
                   shown=repr(name), close=close)
    raise refusal(NoSuchResourceException, "refuse_no_org_close" if close else "refuse_no_org",
                  [found], name=repr(name), close=close)


def closest_names(name: str, names: list[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``names`` closest to ``name``, compared as people type (no case, no
    diacritics), best first."""
    from agritrace.province.areas import fold  # only on the error path

    folded = {fold(candidate): candidate for candidate in names}
    return [folded[f] for f in difflib.get_close_matches(fold(name), list(folded), n, 0.6)]


def ensure_organization(engine: Engine, name: str, **kwargs: str | None) -> Organization:
    """Find or create: for the demo, the generator and tests only, never for a user's ``--org``."""
    try:
        return find_organization(engine, name)
    except NoSuchResourceException:
        return create_organization(engine, name, **kwargs)  # type: ignore[arg-type]


def chosen_organization(engine: Engine, name: str | None) -> Organization:
    """A command's ``--org``: the organization named ``name`` (:func:`find_organization`); left
    out, the store's only organization. With none or several, an error saying what to do: a
    command never guesses between organizations, and never makes one."""
    if name is not None:
        return find_organization(engine, name)
    with engine.connect() as conn:  # enough rows to know if there is a choice, and name 3
        rows = conn.execute(select(organizations).order_by(organizations.c.name).limit(4)).all()
    if len(rows) == 1:
        return _organization(rows[0])
    from agritrace.web.i18n import expect, refusal  # only on the error path

    names = ", ".join(repr(row.name) for row in rows[:3]) + (", …" if len(rows) > 3 else "")
    if not rows:
        raise refusal(NoSuchResourceException, "refuse_no_org_yet",
                      [expect("--org", "expect_org_option", None)])
    raise refusal(ValidationException, "refuse_org_needed",
                  [expect("--org", "expect_org_option_of", None, names=names)],
                  names=names)


def create_token(engine: Engine, org: Organization, label: str = "",
                 role: TokenRole = TokenRole.ORGANIZATION) -> str:
    """A new random bearer token for ``org``; the plain text is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(tokens).values(
                org_id=org.id, token_hash=_digest(token), label=label, created_us=now_micros(),
                role=role.value,
            )
        )
    return token


def authenticate(engine: Engine, token: str) -> Credential:
    """What a bearer token stands for, or SecurityException (401) if unknown or revoked."""
    with engine.connect() as conn:
        row = conn.execute(
            select(organizations, tokens.c.role, tokens.c.id.label("token_id"),
                   tokens.c.label.label("token_label"), org_write_positions.c.wrote_lsn)
            .join(tokens, tokens.c.org_id == organizations.c.id)
            .outerjoin(org_write_positions, org_write_positions.c.org_id == organizations.c.id)
            .where(tokens.c.token_hash == _digest(token), tokens.c.revoked_us.is_(None))
        ).first()
    if row is None:
        raise SecurityException("The bearer token is unknown or revoked")
    return Credential(_organization(row), TokenRole(row.role), row.token_id, row.wrote_lsn,
                      row.token_label)


def list_tokens(engine: Engine, org: Organization | None = None) -> list[TokenInfo]:
    query = select(tokens.c.id, organizations.c.name, tokens.c.role, tokens.c.label,
                   tokens.c.created_us, tokens.c.revoked_us).join(
        organizations, organizations.c.id == tokens.c.org_id)
    if org is not None:
        query = query.where(tokens.c.org_id == org.id)
    with engine.connect() as conn:
        return [TokenInfo(*row) for row in conn.execute(query.order_by(tokens.c.id))]


def revoke_token(engine: Engine, token_id: int) -> TokenInfo:
    """Revoke a token at once (the API and the pages refuse it from the next request)."""
    with engine.begin() as conn:
        conn.execute(update(tokens).where(tokens.c.id == token_id, tokens.c.revoked_us.is_(None))
                     .values(revoked_us=now_micros()))
    for info in list_tokens(engine):
        if info.id == token_id:
            return info
    raise NoSuchResourceException(f"Không có mã truy cập số {token_id} / No token {token_id}",
                                  [Problem("id", "the id of a token ('agritrace token list')",
                                           str(token_id))])


def create_login_code(engine: Engine, token: str, days: int = LOGIN_CODE_DAYS) -> LoginCode:
    """A one-time code that signs a browser in as ``token``. Give it a token nobody was shown
    (a fresh one): redeeming the code replaces the token's secret."""
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    now = now_micros()
    expires = now + days * _DAY_US
    with engine.begin() as conn:
        token_id = conn.execute(select(tokens.c.id).where(
            tokens.c.token_hash == _digest(token))).scalar_one()
        conn.execute(insert(login_codes).values(code_hash=_digest(code), token_id=token_id,
                                                created_us=now, expires_us=expires))
    return LoginCode("-".join(code[i:i + 4] for i in range(0, _CODE_LENGTH, 4)), expires)


@dataclass(frozen=True)
class SignInLink:
    url: str
    code: str
    expires: str  # ISO 8601, UTC


def sign_in_link(engine: Engine, base_url: str, token: str) -> SignInLink:
    """A link that signs a browser in once as ``token`` (a fresh one, see above)."""
    from datetime import UTC, datetime
    from urllib.parse import urlencode

    made = create_login_code(engine, token)
    expires = datetime.fromtimestamp(made.expires_us / 1_000_000, UTC)
    return SignInLink(f"{base_url.rstrip('/')}/login?{urlencode({'code': made.code})}",
                      made.code, expires.isoformat(timespec="seconds"))


def normal_code(code: str) -> str:
    """A code as typed (any case, dashes, spaces, O for 0, I or L for 1) in its stored form.

    >>> normal_code(" abcd-efgh ijkl-mnop ")
    'ABCDEFGH1JK1MN0P'
    """
    text = "".join(code.split()).replace("-", "").upper()
    return text.translate(str.maketrans("OIL", "011"))


def redeem_login_code(engine: Engine, code: str) -> str:
    """The session token a one-time code signs in with: once, before it expires, while its
    token is live. The token gets a new secret, returned here for the cookie only."""
    now = now_micros()
    fresh = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        row = conn.execute(select(login_codes.c.token_id, tokens.c.token_hash).join(
            tokens, tokens.c.id == login_codes.c.token_id).where(
            login_codes.c.code_hash == _digest(normal_code(code)),
            login_codes.c.used_us.is_(None), login_codes.c.expires_us > now,
            tokens.c.revoked_us.is_(None))).first()
        # The guarded update makes two simultaneous redemptions of one code yield one session.
        if row is None or not conn.execute(update(login_codes).where(
                login_codes.c.code_hash == _digest(normal_code(code)),
                login_codes.c.used_us.is_(None)).values(used_us=now)).rowcount:
            raise SecurityException("The sign-in code is unknown, used or expired", [Problem(
                "code", "a sign-in code not used before, within "
                f"{LOGIN_CODE_DAYS} days of its issue", "an unknown, used or expired code")])
        _rekey(conn, row.token_id, row.token_hash, _digest(fresh))
    return fresh


def end_session(engine: Engine, token: str) -> bool:
    """Sign out everywhere: a token whose secret a one-time code gave (it lives only in one
    browser's cookie) gets a new secret nobody is told, so the cookie fails on every server
    from the next request. A token pasted in (an API token, held elsewhere too) is left as it
    is. Whether the session was ended."""
    with engine.begin() as conn:
        row = conn.execute(select(tokens.c.id, tokens.c.token_hash).where(
            tokens.c.token_hash == _digest(token), tokens.c.revoked_us.is_(None),
            select(login_codes.c.code_hash).where(login_codes.c.token_id == tokens.c.id,
                                                  login_codes.c.used_us.is_not(None)).exists(),
        )).first()
        if row is None:
            return False
        _rekey(conn, row.id, row.token_hash, _digest(TOKEN_PREFIX + secrets.token_urlsafe(32)))
    return True


def _rekey(conn: Connection, token_id: int, old: str, new: str) -> None:
    from agritrace.farm.tables import member_tokens  # a member's sign-in is known by its hash

    conn.execute(update(tokens).where(tokens.c.id == token_id).values(token_hash=new))
    conn.execute(update(member_tokens).where(member_tokens.c.token_hash == old)
                 .values(token_hash=new))
