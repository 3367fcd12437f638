"""The consumers' problem reports as the producer and the province see them.

A report names the code it was sent from. It belongs to the owner of that code
(:mod:`agritrace.trust`: the organization holding the longest grant covering it, or whose own
GLN it is), never to whoever registered the GTIN in a farm registry; the province sees every
report. The producer answers a report with a short text; the time it took is what the
province counts (DESIGN: complaints and how fast they were handled). A report is ``new``,
``acknowledged`` once the owner or an officer says it was seen (optional: nothing waits on it),
``assigned`` when a province's officer forwards it to the code's owner, ``answered`` by the
owner (or, for a report naming no code, by the province), and ``closed`` by the officer who
read the answer (:mod:`agritrace.province.feedback`). Each step keeps who and when, and the
desks show them as the report's audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, or_, select, update

from agritrace.errors import (
    ConflictException,
    NoSuchResourceException,
    Problem,
    ValidationException,
)
from agritrace.farm.registry import Actor
from agritrace.scans import receipt
from agritrace.scans.log import now_us
from agritrace.scans.photos import Photo
from agritrace.scans.tables import ticket_photos, tickets
from agritrace.store.orgs import Organization
from agritrace.store.tables import org_grants
from agritrace.trust import GS1, Owners
from agritrace.vietnam_time import vietnam_datetime

STATUSES = ("new", "acknowledged", "assigned", "answered", "closed")
#: The states in which a report still waits for its owner's answer.
WAITING = ("new", "acknowledged", "assigned")
MAX_ANSWER = 1000


@dataclass(frozen=True)
class Step:
    """One state change of a report: which, when, and who (empty: the reporter, or the rule)."""

    state: str
    at_us: int
    by: str

    @property
    def at(self) -> datetime:
        return vietnam_datetime(self.at_us)


@dataclass(frozen=True)
class Ticket:
    id: int
    code: str
    kind: str
    message: str
    contact: str
    created_us: int
    status: str
    handled_us: int | None
    handled_by: str
    answer: str
    assigned_org_id: int | None = None
    assigned_us: int | None = None
    assigned_by: str = ""
    closed_us: int | None = None
    closed_by: str = ""
    acknowledged_us: int | None = None
    acknowledged_by: str = ""
    province: str = ""  # the desk a report naming no code was sent to (the public form)

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_us / 1e6, UTC)

    @property
    def hours_to_handle(self) -> float | None:
        if self.handled_us is None:
            return None
        return (self.handled_us - self.created_us) / 3.6e9

    def steps(self) -> list[Step]:
        """Its stored state changes, oldest first, each with when and who: received,
        acknowledged, forwarded, answered, closed (an escalation is the desk's to add: it
        depends on the deadline, :meth:`agritrace.province.feedback.DeskTicket.trail`)."""
        done = [Step("new", self.created_us, ""),
                Step("acknowledged", self.acknowledged_us or 0, self.acknowledged_by),
                Step("assigned", self.assigned_us or 0, self.assigned_by),
                Step("answered", self.handled_us or 0, self.handled_by),
                Step("closed", self.closed_us or 0, self.closed_by)]
        return sorted((s for s in done if s.at_us), key=lambda s: s.at_us)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "code": self.code, "kind": self.kind, "message": self.message,
                "contact": self.contact, "created": self.created.isoformat(),
                "status": self.status, "answer": self.answer, "handledBy": self.handled_by,
                "hoursToHandle": self.hours_to_handle, "acknowledgedBy": self.acknowledged_by,
                "province": self.province}


def _ticket(row: object) -> Ticket:
    return Ticket(*(getattr(row, name) for name in Ticket.__dataclass_fields__))


# Where a GS1 key's company prefix starts in a Digital Link path (after an indicator digit).
_PREFIX_AT = {"01": 1, "00": 1, "414": 0}


def _about(engine: Engine, org: Organization) -> ColumnElement[bool] | None:
    """The condition "the report is about one of ``org``'s codes", or None if it has none.

    Reports that a grant of ``org`` may cover are read, and kept where ``org`` is the code's
    owner (a longer grant of another organization wins).
    """
    with engine.connect() as conn:
        held = [(kind, value) for kind, value in conn.execute(select(
            org_grants.c.kind, org_grants.c.value).where(
            org_grants.c.org_id == org.id, org_grants.c.revoked_us.is_(None)))]
        if org.gln:
            held.append(("gln", org.gln))
        covered = [_covered(kind, value) for kind, value in held]
        if not covered:
            return None
        rows = conn.execute(select(tickets.c.id, tickets.c.code).where(or_(*covered))).all()
        owners = Owners.load(conn, [GS1 + code.lstrip("/") for _, code in rows])
    mine = [pk for pk, code in rows if owners.owner(GS1 + code.lstrip("/")) == org.id]
    return tickets.c.id.in_(mine) if mine else None


def _covered(kind: str, value: str) -> ColumnElement[bool]:
    """Reports whose code a grant (kind, value) may cover."""
    if kind == "gtin":
        return or_(tickets.c.code == f"/01/{value}", tickets.c.code.startswith(f"/01/{value}/"))
    if kind == "gln":
        return or_(tickets.c.code == f"/414/{value}", tickets.c.code.startswith(f"/414/{value}/"))
    return or_(*(tickets.c.code.like(f"/{ai}/{'_' * skip}{value}%")
                 for ai, skip in _PREFIX_AT.items()))


def _filter(engine: Engine, org: Organization | None, status: str | None) -> list[Ticket]:
    if status is not None and status not in STATUSES:
        raise ValidationException(f"Unknown status {status!r}", [
            Problem("status", " or ".join(STATUSES), repr(status))])
    query = select(tickets).order_by(tickets.c.created_us.desc(), tickets.c.id.desc())
    if status is not None:
        query = query.where(tickets.c.status == status)
    if org is not None:
        about = _about(engine, org)
        if about is None:
            return []
        query = query.where(about)
    with engine.connect() as conn:
        return [_ticket(row) for row in conn.execute(query)]


def tickets_of(engine: Engine, org: Organization, status: str | None = None) -> list[Ticket]:
    """The reports about ``org``'s products and places, newest first."""
    return _filter(engine, org, status)


def every_ticket(engine: Engine, status: str | None = None) -> list[Ticket]:
    """Every report, for the province."""
    return _filter(engine, None, status)


def _answer_text(answer: str) -> str:
    answer = answer.strip()
    if not answer or len(answer) > MAX_ANSWER:
        raise ValidationException("The answer is missing or too long", [Problem(
            "answer", f"what was done, 1 to {MAX_ANSWER} characters", f"{len(answer)}")])
    return answer


def answer_in(conn: Connection, ticket_id: int, by: str, answer: str) -> Ticket:
    """Answer a report still waiting (new, acknowledged or assigned) in ``conn``'s transaction;
    a report answered before keeps its first answer."""
    answer = _answer_text(answer)
    conn.execute(update(tickets).where(tickets.c.id == ticket_id,
                                       tickets.c.status.in_(WAITING)).values(
        status="answered", handled_us=now_us(), handled_by=by[:200], answer=answer))
    return _ticket(conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one())


def acknowledge_in(conn: Connection, ticket_id: int, by: str) -> bool:
    """Mark a new report acknowledged (seen) in ``conn``'s transaction; False when it was no
    longer new."""
    return conn.execute(update(tickets).where(tickets.c.id == ticket_id,
                                              tickets.c.status == "new").values(
        status="acknowledged", acknowledged_us=now_us(),
        acknowledged_by=by[:200])).rowcount == 1


def _owned(conn: Connection, engine: Engine, org: Organization, ticket_id: int) -> Row[Any]:
    about = _about(engine, org)
    row = None if about is None else conn.execute(
        select(tickets).where(tickets.c.id == ticket_id, about)).first()
    if row is None:
        raise NoSuchResourceException(f"No report {ticket_id} about {org.name}'s codes")
    return row


def close_ticket(engine: Engine, actor: Actor, ticket_id: int, answer: str) -> Ticket:
    """Answer one of the organization's reports with a short text (managers only); a report
    answered before keeps its first answer."""
    actor.require_manager("close consumer reports")
    _answer_text(answer)
    with engine.begin() as conn:
        _owned(conn, engine, actor.org, ticket_id)
        return answer_in(conn, ticket_id, actor.name, answer)


def acknowledge_ticket(engine: Engine, actor: Actor, ticket_id: int) -> Ticket:
    """The owner says it has seen a new report (managers only); 409 once it is past new."""
    actor.require_manager("acknowledge consumer reports")
    with engine.begin() as conn:
        row = _owned(conn, engine, actor.org, ticket_id)
        if not acknowledge_in(conn, ticket_id, actor.name):
            raise ConflictException(f"Report {ticket_id} cannot be acknowledged", [Problem(
                "status", "new", row.status)])
        return _ticket(conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one())


def ticket_with_code(conn: Connection, typed: str) -> Ticket | None:
    """The report a ticket code (as typed) was given for, or None."""
    if receipt.normal(typed) is None:
        return None
    row = conn.execute(select(tickets).where(
        tickets.c.code_digest == receipt.digest(typed))).first()
    return None if row is None else _ticket(row)


def with_photos(conn: Connection, ids: Sequence[int]) -> frozenset[int]:
    """Which of these reports came with a photo."""
    return frozenset(conn.execute(select(ticket_photos.c.ticket_id).where(
        ticket_photos.c.ticket_id.in_(ids))).scalars()) if ids else frozenset()


def photo_of(conn: Connection, ticket_id: int) -> Photo | None:
    """A report's photo (the caller has checked who may see it), or None."""
    row = conn.execute(select(ticket_photos.c.media_type, ticket_photos.c.content).where(
        ticket_photos.c.ticket_id == ticket_id)).first()
    return None if row is None else Photo(row.media_type, bytes(row.content))


def owner_photo(engine: Engine, actor: Actor, ticket_id: int) -> Photo:
    """The photo of one of the organization's reports, for its managers; 404 otherwise."""
    actor.require_manager("see consumer reports")
    with engine.connect() as conn:
        _owned(conn, engine, actor.org, ticket_id)
        found = photo_of(conn, ticket_id)
    if found is None:
        raise NoSuchResourceException(f"Report {ticket_id} has no photo")
    return found
