"""The feedback desk: consumers' reports about the area's codes, with an answer deadline.

A report (:mod:`agritrace.scans.inbox`) is sent from the consumer page about one code. It is
``new``; an officer of the area forwards it to the code's owner (``assigned``); the owner
answers it from its inbox (``answered``, :func:`agritrace.scans.inbox.close_ticket`); the
officer, having read the answer, closes it (``closed``). Who did each step, and when, is kept on
the report (migration 0023).

Which reports an officer reads and acts on is decided by the trust rules: those about a code
whose owner lies in its area (:func:`agritrace.trust.in_reach`, the same rule as a recall's).
A report about a code nobody holds belongs to no area.

**Escalation.** A report still unanswered (new or assigned) when its deadline passes is
escalated to the province's department (the regulator of the whole province, above a commune's
officers) at that moment: its state reads ``escalated`` on every desk of the area, with when and
to whom, and the desk lists the escalated reports first. The escalation is derived from the
receipt and the deadline, not written by a job: it cannot be missed or run late, and it is not
a notice (notices of overdue reports, if any, belong to the subscriptions).

**The deadline.** agritrace cites no statute for it: it is the setting
``AGRITRACE_TICKET_DEADLINE_DAYS`` (15 days by default), counted from the report's receipt.
A report answered by then is on time, answered later is late, unanswered past it is overdue. The
share on time is of the reports whose deadline has come (answered, or overdue): exactly what the
dashboard shows (:func:`agritrace.province.indicators.tickets` counts with :func:`outcome`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select, update

from agritrace.errors import (
    ConflictException,
    NoSuchResourceException,
    Problem,
    QueryParameterException,
)
from agritrace.province.tables import regulators
from agritrace.scans.inbox import STATUSES, Ticket, every_ticket
from agritrace.scans.log import now_us
from agritrace.scans.tables import tickets
from agritrace.store.tables import organizations
from agritrace.trust import GS1, Owners, Reach, in_reach
from agritrace.vietnam_time import VIETNAM, vietnam_datetime, vietnam_day

_DAY_US = 86_400_000_000
#: What a report's deadline has come to: answered on time or late, overdue, or still in time.
OUTCOMES = ("on_time", "late", "overdue", "open")


@dataclass(frozen=True)
class DeskTicket:
    """A report as the desk shows it: with its code's owner and its deadline."""

    ticket: Ticket
    owner_id: int | None
    owner_name: str
    due_us: int
    outcome: str

    @property
    def due(self) -> date:
        return vietnam_day(self.due_us)

    @property
    def overdue(self) -> bool:
        return self.outcome == "overdue"

    @property
    def state(self) -> str:
        """The report's status, or ``escalated`` once unanswered past its deadline."""
        return "escalated" if self.overdue else self.ticket.status

    @property
    def overdue_days(self) -> int:
        """Whole days since the deadline passed (0 when it has not)."""
        return max(0, (now_us() - self.due_us) // _DAY_US) if self.overdue else 0

    def as_dict(self) -> dict[str, object]:
        return {**self.ticket.as_dict(), "owner": self.owner_name, "due": self.due.isoformat(),
                "overdue": self.overdue, "outcome": self.outcome, "state": self.state,
                "escalatedAt": vietnam_datetime(self.due_us).isoformat()
                if self.overdue else None,
                "assignedBy": self.ticket.assigned_by, "closedBy": self.ticket.closed_by}


def outcome(ticket: Ticket, deadline_days: int, now: int) -> str:
    """``on_time``, ``late``, ``overdue`` or ``open`` (unanswered, deadline not yet come)."""
    due = ticket.created_us + deadline_days * _DAY_US
    if ticket.handled_us is not None:
        return "on_time" if ticket.handled_us <= due else "late"
    return "overdue" if now > due else "open"


def _code_uri(ticket: Ticket) -> str:
    return GS1 + ticket.code.lstrip("/")


def area_tickets(engine: Engine, reach: Reach, deadline_days: int, now: int | None = None,
                 ) -> list[DeskTicket]:
    """Every report about a code whose owner lies in the area, newest first."""
    now = now_us() if now is None else now
    found = every_ticket(engine)
    with engine.connect() as conn:
        owners = Owners.load(conn, [_code_uri(t) for t in found])
        names = dict(conn.execute(select(organizations.c.id, organizations.c.name)).all())
    desk = []
    for ticket in found:
        owner = owners.owner(_code_uri(ticket))
        if owner is not None and in_reach(reach, owner, ()):
            desk.append(DeskTicket(ticket, owner, names.get(owner, ""),
                                   ticket.created_us + deadline_days * _DAY_US,
                                   outcome(ticket, deadline_days, now)))
    return desk


def count(found: Iterable[DeskTicket]) -> Counter[str]:
    """How many reports came to each outcome."""
    return Counter(t.outcome for t in found)


def on_time_share(counts: Counter[str]) -> float | None:
    """Answered on time among the reports whose deadline has come (answered, or overdue)."""
    due = counts["on_time"] + counts["late"] + counts["overdue"]
    return counts["on_time"] / due if due else None


@dataclass(frozen=True)
class Month:
    """One calendar month (Vietnam time) of reports received."""

    month: str
    received: int
    on_time: int
    late: int
    overdue: int
    share: float | None


def by_month(found: Sequence[DeskTicket]) -> list[Month]:
    """Reports received per month, newest first, with the share answered on time."""
    months: dict[str, list[DeskTicket]] = {}
    for item in found:
        day = datetime.fromtimestamp(item.ticket.created_us / 1e6, UTC).astimezone(VIETNAM)
        months.setdefault(f"{day:%Y-%m}", []).append(item)
    rows = []
    for month in sorted(months, reverse=True):
        counts = count(months[month])
        rows.append(Month(month, len(months[month]), counts["on_time"], counts["late"],
                          counts["overdue"], on_time_share(counts)))
    return rows


#: The states a desk filters on: the stored statuses, and ``escalated``.
STATES = (*STATUSES, "escalated")


def select_tickets(found: Sequence[DeskTicket], status: str = "", overdue: bool = False,
                   outcome: str = "", received: tuple[int, int] | None = None
                   ) -> list[DeskTicket]:
    """The reports of one state (every state: ""), only the overdue ones if asked, of one
    :data:`OUTCOMES` and received within ``received`` (microseconds, end excluded) if given:
    the rows behind a dashboard figure. Escalated reports first, the longest overdue first."""
    if status and status not in STATES:
        raise QueryParameterException(f"Unknown status {status!r}", [Problem(
            "status", " | ".join(STATES), repr(status[:40]))])
    if outcome and outcome not in OUTCOMES:
        raise QueryParameterException(f"Unknown outcome {outcome!r}", [Problem(
            "outcome", " | ".join(OUTCOMES), repr(outcome[:40]))])
    chosen = [t for t in found if status in ("", t.state, t.ticket.status)
              and (not overdue or t.overdue) and outcome in ("", t.outcome)
              and (received is None or received[0] <= t.ticket.created_us < received[1])]
    return sorted(chosen, key=lambda t: (not t.overdue, t.due_us if t.overdue else 0))


def escalated_to(engine: Engine, province: str) -> str | None:
    """The name of the province's department (the regulator of the whole province) reports
    are escalated to, or None when it has no desk here yet."""
    with engine.connect() as conn:
        return conn.execute(select(organizations.c.name).join(
            regulators, regulators.c.org_id == organizations.c.id).where(
            regulators.c.province == province, regulators.c.commune == "").order_by(
            organizations.c.id).limit(1)).scalar()


def _one(engine: Engine, reach: Reach, deadline_days: int, ticket_id: int) -> DeskTicket:
    for item in area_tickets(engine, reach, deadline_days):
        if item.ticket.id == ticket_id:
            return item
    raise NoSuchResourceException(f"No report {ticket_id} in the area", [Problem(
        "ticket", "a report about a code whose owner is in the area", str(ticket_id))])


def _refuse(item: DeskTicket, action: str, allowed: Sequence[str]) -> ConflictException:
    return ConflictException(f"Report {item.ticket.id} cannot be {action}", [Problem(
        "status", " or ".join(allowed), item.ticket.status)])


def assign(engine: Engine, reach: Reach, deadline_days: int, ticket_id: int, by: str
           ) -> DeskTicket:
    """Forward a new report to its code's owner (it already reaches the owner's inbox; this
    records that the province asked for an answer, and who asked)."""
    item = _one(engine, reach, deadline_days, ticket_id)
    if item.ticket.status != "new":
        raise _refuse(item, "forwarded", ("new",))
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == ticket_id,
                                           tickets.c.status == "new").values(
            status="assigned", assigned_org_id=item.owner_id, assigned_us=now_us(),
            assigned_by=by[:200]))
    return _one(engine, reach, deadline_days, ticket_id)


def close(engine: Engine, reach: Reach, deadline_days: int, ticket_id: int, by: str
          ) -> DeskTicket:
    """Close an answered report (the officer has read the answer)."""
    item = _one(engine, reach, deadline_days, ticket_id)
    if item.ticket.status != "answered":
        raise _refuse(item, "closed", ("answered",))
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == ticket_id,
                                           tickets.c.status == "answered").values(
            status="closed", closed_us=now_us(), closed_by=by[:200]))
    return _one(engine, reach, deadline_days, ticket_id)

