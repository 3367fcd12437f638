"""The consumers' problem reports as the producer and the province see them.

A report names the code it was sent from. It belongs to the organization whose product that
code is (a GTIN registered in its farm registry) or whose GLN it is; the province sees every
report. The producer closes a report with a short answer; the time it took is what the
province counts (DESIGN: complaints and how fast they were handled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, or_, select, update

from agritrace.errors import NoSuchResourceException, Problem, ValidationException
from agritrace.farm.registry import Actor
from agritrace.farm.tables import products
from agritrace.scans.log import now_us
from agritrace.scans.tables import tickets
from agritrace.store.orgs import Organization

STATUSES = ("open", "closed")
MAX_ANSWER = 1000


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

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_us / 1e6, UTC)

    @property
    def hours_to_handle(self) -> float | None:
        if self.handled_us is None:
            return None
        return (self.handled_us - self.created_us) / 3.6e9

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "code": self.code, "kind": self.kind, "message": self.message,
                "contact": self.contact, "created": self.created.isoformat(),
                "status": self.status, "answer": self.answer, "handledBy": self.handled_by,
                "hoursToHandle": self.hours_to_handle}


def _ticket(row: object) -> Ticket:
    return Ticket(*(getattr(row, name) for name in Ticket.__dataclass_fields__))


def _about(engine: Engine, org: Organization) -> ColumnElement[bool] | None:
    """The condition "the report is about one of ``org``'s codes", or None if it has none.

    Its codes are those under the GTINs it registered, and its GLN.
    """
    with engine.connect() as conn:
        gtins = list(conn.scalars(select(products.c.gtin).where(products.c.org_id == org.id)))
    prefixes = [f"/01/{gtin}" for gtin in gtins] + ([f"/414/{org.gln}"] if org.gln else [])
    if not prefixes:
        return None
    return or_(*(or_(tickets.c.code == p, tickets.c.code.startswith(p + "/")) for p in prefixes))


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


def close_ticket(engine: Engine, actor: Actor, ticket_id: int, answer: str) -> Ticket:
    """Close one of the organization's reports with a short answer (managers only)."""
    actor.require_manager("close consumer reports")
    answer = answer.strip()
    if not answer or len(answer) > MAX_ANSWER:
        raise ValidationException("The answer is missing or too long", [Problem(
            "answer", f"what was done, 1 to {MAX_ANSWER} characters", f"{len(answer)}")])
    about = _about(engine, actor.org)
    with engine.begin() as conn:
        row = None if about is None else conn.execute(
            select(tickets).where(tickets.c.id == ticket_id, about)).first()
        if row is None:
            raise NoSuchResourceException(
                f"No report {ticket_id} about {actor.org.name}'s codes")
        if row.status != "closed":
            conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(
                status="closed", handled_us=now_us(), handled_by=actor.name, answer=answer))
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one()
    return _ticket(row)
