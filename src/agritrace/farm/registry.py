"""The farm registry's common ground: who acts, transactions, the audit trail, and members.

Every service takes ``db``, an Engine (one transaction per call) or a Connection (the caller's
transaction, so a bulk import can apply many rows atomically), and an :class:`Actor`: the member
behind a login token, or an organization token acting as its manager. Every change of master data
writes a ``registry_history`` row with the old and new values; nothing is silently overwritten.

Places live in :mod:`agritrace.farm.places`, products and certificates in
:mod:`agritrace.farm.catalog`, seasons in :mod:`agritrace.farm.seasons`, the EPCIS master data
export in :mod:`agritrace.farm.masterdata`.

>>> Role("farmer").may_manage, Role("technical_manager").may_manage
(False, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import (
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    ValidationException,
)
from agritrace.farm.tables import member_tokens, members, registry_history
from agritrace.store.orgs import Organization, create_token
from agritrace.store.tables import organizations
from agritrace.trust import Owners, TokenRole
from agritrace.web.i18n import expect, refusal

Db = Engine | Connection


class Role(StrEnum):
    MANAGER = "manager"
    TECHNICAL_MANAGER = "technical_manager"
    FARMER = "farmer"

    @property
    def may_manage(self) -> bool:
        """Managers and technical managers keep the cooperative's registry and every diary."""
        return self is not Role.FARMER


@dataclass(frozen=True)
class Notice:
    """A warning on one field that does not stop the save, in Vietnamese and English."""

    path: str
    vi: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a registered member, or the organization itself (``member_id`` None)."""

    org: Organization
    name: str
    role: Role
    member_id: int | None = None

    def require_manager(self, what: str) -> None:
        """ForbiddenException (vi / en) unless the actor keeps the cooperative's registry."""
        if not self.role.may_manage:
            raise refusal(ForbiddenException, "refuse_manager_only",
                          [expect("role", "expect_manager_role", self.role.value)],
                          name=self.name, role=self.role.value, what=what)


def org_actor(org: Organization, name: str | None = None) -> Actor:
    """The organization acting through its own token or the CLI: a manager without a member."""
    return Actor(org, name or org.name, Role.MANAGER)


@dataclass(frozen=True)
class Member:
    id: int
    org_id: int
    name: str
    role: Role
    phone: str = ""
    active: bool = True

    def actor(self, org: Organization) -> Actor:
        return Actor(org, self.name, self.role, self.id)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role.value,
                "phone": self.phone, "active": self.active}


@dataclass
class Checks:
    """Collects the problems and notices of one input, so all are reported at once."""

    kind: str
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def fail(self, name: str, key: str, found: object, *, shown: str | None = None,
             **params: object) -> None:
        """``key`` names the expectation in the message catalogue (texts_problems)."""
        self.problems.append(expect(f"{self.kind}.{name}", key, found, shown=shown, **params))

    def warn(self, name: str, vi: str, en: str) -> None:
        self.notices.append(Notice(f"{self.kind}.{name}", vi, en))

    def text(self, name: str, value: object, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(name, key, value)
            return ""
        return value.strip()

    def day(self, name: str, value: object, required: str = "") -> date | None:
        """A date from a date or ``YYYY-MM-DD`` text; ``required`` (a catalogue key) says what
        a missing one is."""
        if value in (None, ""):
            if required:
                self.fail(name, required, None)
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(name, "expect_iso_date", value)
            return None

    def phone(self, name: str, value: object) -> str:
        """A phone number without spaces or dots; empty is allowed."""
        phone = str(value or "").replace(" ", "").replace(".", "")
        if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 15):
            self.fail(name, "expect_phone", value)
        return phone

    def fit(self, table: Table, values: Mapping[str, Any]) -> None:
        """Each text no longer than its column holds: PostgreSQL refuses a longer one with an
        error, and SQLite stores it whole (a second rule, kept in the schema alone)."""
        for name, value in values.items():
            column = table.c.get(name)
            length = getattr(column.type, "length", None) if column is not None else None
            if isinstance(value, str) and length and len(value) > length:
                self.fail(name, "expect_at_most_chars", None, shown=str(len(value)),
                          high=length)

    def raise_if_failed(self, title: str) -> None:
        if self.problems:
            raise ValidationException(title, list(self.problems))


@contextmanager
def transaction(db: Db) -> Iterator[Connection]:
    """The caller's connection as it is, or a new transaction on an engine."""
    if isinstance(db, Connection):
        yield db
    else:
        with db.begin() as conn:
            yield conn


def _json(value: Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    # Column names come back as str subclasses (quoted_name), which orjson refuses as keys.
    return orjson.dumps(dict(value), default=_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def require_holder(conn: Connection, actor: Actor, identifier: str, path: str) -> Owners:
    """ForbiddenException unless ``actor``'s organization may register ``identifier`` (a GTIN
    or GLN): the organization holding it or a party it delegates to (:mod:`agritrace.trust`).
    A code no grant covers may be registered by anyone. Returns the owners read, for the caller
    to tell a squatter's earlier registration from a rightful one."""
    owners = Owners.load(conn, [identifier])
    owner = owners.owner(identifier)
    if owner is not None and not owners.may_claim(actor.org.id, identifier):
        name = conn.execute(select(organizations.c.name).where(
            organizations.c.id == owner)).scalar_one()
        raise ForbiddenException(
            f"Mã {identifier} thuộc {name}: chỉ {name} hoặc bên được {name} ủy quyền mới được "
            f"đăng ký mã này / {identifier} is held by {name}: only {name} or a party it "
            "delegates to may register it",
            [Problem(path, "a code your organization holds ('agritrace org grants' lists them)",
                     f"{identifier}, held by {name}")])
    return owners


def write_history(conn: Connection, actor: Actor, table: str, record_id: int,
                  old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
    """Audit one change of master data: who, when, and the row before and after."""
    conn.execute(insert(registry_history).values(
        org_id=actor.org.id, table_name=table, record_id=record_id,
        action="create" if old is None else "update", changed_by=_who(actor),
        changed_us=now_micros(), old=_json(old), new=_json(new)))


def _who(actor: Actor) -> str:
    return f"member:{actor.member_id} {actor.name}" if actor.member_id else f"org {actor.name}"


def history(db: Db, org: Organization, table: str | None = None,
            record_id: int | None = None) -> list[dict[str, Any]]:
    """The audit trail, oldest first, optionally of one table or one record."""
    statement = select(registry_history).where(registry_history.c.org_id == org.id)
    if table is not None:
        statement = statement.where(registry_history.c.table_name == table)
    if record_id is not None:
        statement = statement.where(registry_history.c.record_id == record_id)
    with transaction(db) as conn:
        rows = conn.execute(statement.order_by(registry_history.c.id)).all()
    return [{"table": r.table_name, "record_id": r.record_id, "action": r.action,
             "changed_by": r.changed_by, "changed_us": r.changed_us,
             "old": orjson.loads(r.old) if r.old else None, "new": orjson.loads(r.new)}
            for r in rows]


def org_row(conn: Connection, table: Any, org: Organization, record_id: int, what: str
            ) -> Any:
    """Row ``record_id`` of ``table`` if it is ``org``'s; 404 "No {what} {id} in {org}" if not
    (another organization's row is as unknown as a missing one)."""
    row = conn.execute(select(table).where(table.c.id == record_id,
                                           table.c.org_id == org.id)).first()
    if row is None:
        raise NoSuchResourceException(f"No {what} {record_id} in {org.name}")
    return row


def update_row(conn: Connection, actor: Actor, table: Any, record_id: int,
               changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply checked ``changes`` to one row of the actor's organization, with its history row."""
    row = org_row(conn, table, actor.org, record_id, f"{table.name} record")
    old = {k: v for k, v in row._asdict().items() if k not in ("org_id", "created_us")}
    new = old | dict(changes)
    if new != old:
        conn.execute(update(table).where(table.c.id == record_id).values(**changes))
        write_history(conn, actor, table.name, record_id, old, new)
    return new


# --- members ---------------------------------------------------------------------------------


def _member(row: Any) -> Member:
    return Member(row.id, row.org_id, row.name, Role(row.role), row.phone, bool(row.active))


def check_member(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The checked column values of a member (``partial``: only those given)."""
    checks = Checks("member")
    out: dict[str, Any] = {}
    if not partial or "name" in values:
        out["name"] = checks.text("name", values.get("name"), "expect_member_name")
    if not partial or "role" in values:
        role = values.get("role", Role.FARMER.value)
        if role not in {r.value for r in Role}:
            checks.fail("role", "expect_one_of", role, choices=", ".join(r.value for r in Role))
        out["role"] = str(role)
    if "phone" in values:
        out["phone"] = checks.phone("phone", values["phone"])
    if "active" in values:
        out["active"] = 1 if values["active"] in (True, 1, "1", "true", "yes") else 0
    checks.fit(members, out)
    checks.raise_if_failed("The member is not valid")
    return out


def add_member(db: Db, actor: Actor, *, name: str, role: str = "farmer",
               phone: str = "") -> Member:
    actor.require_manager("register members")
    values = check_member({"name": name, "role": role, "phone": phone})
    with transaction(db) as conn:
        pk = conn.execute(insert(members).values(
            org_id=actor.org.id, created_us=now_micros(), **values)).inserted_primary_key
        assert pk is not None
        write_history(conn, actor, members.name, int(pk[0]), None, values)
    return Member(int(pk[0]), actor.org.id, values["name"], Role(values["role"]),
                  values["phone"])


def update_member(db: Db, actor: Actor, member_id: int, changes: Mapping[str, Any]) -> Member:
    actor.require_manager("change members")
    values = check_member(changes, partial=True)
    with transaction(db) as conn:
        update_row(conn, actor, members, member_id, values)
    return get_member(db, actor.org, member_id)


def get_member(db: Db, org: Organization, member_id: int) -> Member:
    with transaction(db) as conn:
        return _member(org_row(conn, members, org, member_id, "member"))


def list_members(db: Db, org: Organization) -> list[Member]:
    with transaction(db) as conn:
        rows = conn.execute(select(members).where(members.c.org_id == org.id)
                            .order_by(members.c.id)).all()
    return [_member(r) for r in rows]


def find_member(db: Db, org: Organization, name_or_phone: str) -> Member | None:
    """A member by exact name or phone number (how spreadsheets refer to people)."""
    wanted = name_or_phone.strip()
    for member in list_members(db, org):
        if wanted and wanted in (member.name, member.phone):
            return member
    return None


def create_member_token(engine: Engine, actor: Actor, member_id: int) -> str:
    """A login token bound to the organization and to one member; shown once."""
    actor.require_manager("issue login tokens")
    member = get_member(engine, actor.org, member_id)
    token = create_token(engine, actor.org, f"member {member.id} {member.name}", TokenRole.MEMBER)
    with engine.begin() as conn:
        conn.execute(insert(member_tokens).values(token_hash=_digest(token),
                                                  member_id=member.id))
    return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for_token(db: Db, org: Organization, token: str) -> Actor:
    """The actor behind an authenticated token: its member, else the organization itself."""
    with transaction(db) as conn:
        row = conn.execute(select(members).join(
            member_tokens, member_tokens.c.member_id == members.c.id).where(
            member_tokens.c.token_hash == _digest(token), members.c.org_id == org.id)).first()
    if row is None:
        return org_actor(org)
    member = _member(row)
    if not member.active:
        raise ForbiddenException(f"Member {member.name} is no longer active")
    return member.actor(org)
