"""The feedback desk: consumers' reports about the area's codes, with an answer deadline.

A report (:mod:`agritrace.scans.inbox`) is sent from the consumer page about one code, or from
the public form (``/feedback``) about a code or, naming none, to a province's desk. It is
``new``; the code's owner or an officer may say it was seen (``acknowledged``); an officer of
the area forwards it to the code's owner (``assigned``); the owner answers it from its inbox
(``answered``, :func:`agritrace.scans.inbox.close_ticket`), or the province's department
answers a report that names no code; the officer, having read the answer, closes it
(``closed``). Who did each step, and when, is kept on the report (migrations 0023, 0037) and
listed as its audit trail (:meth:`DeskTicket.trail`). The reporter reads the state and the
answer, nothing else, with the ticket code given when the report was sent (:func:`public`).

Which reports an officer reads and acts on is decided by the trust rules: those about a code
whose owner lies in its area (:func:`agritrace.trust.in_reach`, the same rule as a recall's).
A report about a code nobody holds belongs to no area; a report naming no code belongs to the
desk of the province it was sent to (its department, not a commune's officers).

**Escalation.** A report still unanswered (new or assigned) when its deadline passes is
escalated to the province's department (the regulator of the whole province, above a commune's
officers) at that moment: its state reads ``escalated`` on every desk of the area, with when and
to whom, and the desk lists the escalated reports first. The escalation is derived from the
receipt and the deadline, not written by a job: it cannot be missed or run late, and it is not
a notice (notices of overdue reports, if any, belong to the subscriptions).

**The deadline.** agritrace cites no statute for it: the province's department sets the days
of each category (counterfeit, quality, wrong information, safety) on its desk, and a category
it has not set has the setting ``AGRITRACE_TICKET_DEADLINE_DAYS`` (15 days by default); counted
from the report's receipt. A report's province is its code's owner's (as registered in its
profile), or, for a report naming no code, the one it was sent to. :meth:`Deadlines.due_us` is
the one rule: the desk, the escalation, the dashboard's share, the kept figures and the overdue
notices all use it through :func:`area_tickets`. A report answered by then is on time,
answered later is late, unanswered past it is overdue. The share on time is of the reports whose
deadline has come (answered, or overdue): exactly what the dashboard shows
(:func:`agritrace.province.indicators.tickets` counts with :func:`outcome`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from agritrace.errors import (
    ConflictException,
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    QueryParameterException,
    ValidationException,
)
from agritrace.farm.tables import profiles
from agritrace.province.areas import Area, area_of, province_code
from agritrace.province.tables import kept_figures, regulators, ticket_deadlines
from agritrace.scans.inbox import (
    STATUSES,
    Step,
    Ticket,
    acknowledge_in,
    answer_in,
    every_ticket,
    photo_of,
    ticket_with_code,
)
from agritrace.scans.log import now_us
from agritrace.scans.photos import Photo
from agritrace.scans.tables import tickets
from agritrace.store.tables import organizations
from agritrace.trust import GS1, Owners, Reach, in_reach
from agritrace.vietnam_time import VIETNAM, vietnam_datetime, vietnam_day

_DAY_US = 86_400_000_000
#: What a report's deadline has come to: answered on time or late, overdue, or still in time.
OUTCOMES = ("on_time", "late", "overdue", "open")
#: The categories whose deadline the province sets (``other`` keeps the setting's).
CATEGORIES = ("fake", "quality", "wrong_info", "safety")
MAX_DEADLINE_DAYS = 365


# --- the deadline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    """The days to answer a report: per province and category as set, else ``default_days``."""

    default_days: int
    set_days: Mapping[tuple[str, str], int]

    def days(self, province: str, kind: str) -> int:
        return self.set_days.get((province, kind), self.default_days)

    def due_us(self, ticket: Ticket, province: str) -> int:
        """When the report's answer is due: the one deadline rule."""
        return ticket.created_us + self.days(province, ticket.kind) * _DAY_US

    def of(self, province: str) -> dict[str, int]:
        """A province's days per category, as its desk shows them."""
        return {kind: self.days(province, kind) for kind in CATEGORIES}


def deadlines_of(conn: Connection, default_days: int) -> Deadlines:
    """Every province's deadlines (a few rows), with the setting for the rest."""
    rows = conn.execute(select(ticket_deadlines.c.province, ticket_deadlines.c.kind,
                               ticket_deadlines.c.days))
    return Deadlines(default_days, {(p, k): d for p, k, d in rows})


def check_deadlines(form: Mapping[str, str]) -> dict[str, int]:
    """The days of each category in a form (``days_fake`` …), each 1 to 365."""
    chosen, problems = {}, []
    for kind in CATEGORIES:
        text = form.get(f"days_{kind}", "").strip()
        if text.isdigit() and 1 <= int(text) <= MAX_DEADLINE_DAYS:
            chosen[kind] = int(text)
        else:
            problems.append(Problem(f"days_{kind}", f"a whole number of days from 1 to "
                                    f"{MAX_DEADLINE_DAYS}", repr(text[:20])))
    if problems:
        raise ValidationException("The deadlines are not valid", problems)
    return chosen


def set_deadlines(engine: Engine, area: Area, days: Mapping[str, int], by: str) -> None:
    """The province's department sets its categories' deadlines; a commune's officers may not
    (the deadline is the province's). The kept dashboard figures of the province's desks are
    dropped in the same commit: their share on time was counted with the old deadlines."""
    if area.commune:
        raise ForbiddenException("Only the province's department sets the deadlines", [Problem(
            "token", "an officer of the whole province", f"{area.province} / {area.commune}")])
    with engine.begin() as conn:
        conn.execute(delete(ticket_deadlines).where(ticket_deadlines.c.province == area.province))
        conn.execute(insert(ticket_deadlines), [
            {"province": area.province, "kind": kind, "days": value, "set_by": by[:200],
             "set_us": now_us()} for kind, value in days.items()])
        desks = select(regulators.c.org_id).where(regulators.c.province == area.province)
        conn.execute(delete(kept_figures).where(kept_figures.c.regulator_id.in_(desks)))


# --- the desk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskTicket:
    """A report as the desk shows it: with its code's owner and its deadline."""

    ticket: Ticket
    owner_id: int | None
    owner_name: str
    due_us: int
    outcome: str
    province: str = ""

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

    def trail(self, escalated_to: str = "") -> list[Step]:
        """Every state change, oldest first: the report's own steps and its escalation at the
        deadline if that passed unanswered (it stays in the trail once answered late)."""
        steps = self.ticket.steps()
        if self.outcome in ("overdue", "late"):
            steps.append(Step("escalated", self.due_us, escalated_to))
        return sorted(steps, key=lambda s: s.at_us)

    def as_dict(self) -> dict[str, object]:
        return {**self.ticket.as_dict(), "owner": self.owner_name, "due": self.due.isoformat(),
                "overdue": self.overdue, "outcome": self.outcome, "state": self.state,
                "escalatedAt": vietnam_datetime(self.due_us).isoformat()
                if self.overdue else None,
                "assignedBy": self.ticket.assigned_by, "closedBy": self.ticket.closed_by}


def outcome(ticket: Ticket, due_us: int, now: int) -> str:
    """``on_time``, ``late``, ``overdue`` or ``open`` (unanswered, deadline not yet come)."""
    if ticket.handled_us is not None:
        return "on_time" if ticket.handled_us <= due_us else "late"
    return "overdue" if now > due_us else "open"


def _code_uri(ticket: Ticket) -> str:
    return GS1 + ticket.code.lstrip("/")


def _provinces(conn: Connection, owners: Iterable[int]) -> dict[int, str]:
    """The province each owner registered (its profile), as a province's code."""
    rows = conn.execute(select(profiles.c.org_id, profiles.c.province).where(
        profiles.c.org_id.in_(sorted(set(owners)))))
    return {org: province_code(name) or "" for org, name in rows}


def _desk_tickets(conn: Connection, found: Sequence[Ticket], deadline_days: int, now: int
                  ) -> list[DeskTicket]:
    """Each report with its owner (None: nobody holds its code, or it names none), its
    province and its deadline."""
    owners = Owners.load(conn, [_code_uri(t) for t in found if t.code])
    owner_of = {t.id: owners.owner(_code_uri(t)) if t.code else None for t in found}
    held = sorted({o for o in owner_of.values() if o is not None})
    names = dict(conn.execute(select(organizations.c.id, organizations.c.name).where(
        organizations.c.id.in_(held))).all())
    homes = _provinces(conn, held)
    rules = deadlines_of(conn, deadline_days)
    desk = []
    for ticket in found:
        owner = owner_of[ticket.id]
        province = homes.get(owner, "") if owner is not None else ticket.province
        due = rules.due_us(ticket, province)
        desk.append(DeskTicket(ticket, owner, names.get(owner, "") if owner else "", due,
                               outcome(ticket, due, now), province))
    return desk


def _on_desk(item: DeskTicket, reach: Reach, area: Area | None) -> bool:
    if item.owner_id is not None:
        return in_reach(reach, item.owner_id, ())
    # a report naming no code: the desk of the province it was sent to
    return bool(item.ticket.province) and area is not None and not area.commune and (
        item.ticket.province == area.province)


def area_tickets(engine: Engine, regulator: int, reach: Reach, deadline_days: int,
                 now: int | None = None) -> list[DeskTicket]:
    """Every report on ``regulator``'s desk (about a code whose owner lies in its area, or sent
    to its province naming no code), newest first, each with its deadline."""
    now = now_us() if now is None else now
    found = every_ticket(engine)
    with engine.connect() as conn:
        area = area_of(conn, regulator)
        desk = _desk_tickets(conn, found, deadline_days, now)
    return [item for item in desk if _on_desk(item, reach, area)]


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


def _one(engine: Engine, regulator: int, reach: Reach, deadline_days: int, ticket_id: int
         ) -> DeskTicket:
    for item in area_tickets(engine, regulator, reach, deadline_days):
        if item.ticket.id == ticket_id:
            return item
    raise NoSuchResourceException(f"No report {ticket_id} in the area", [Problem(
        "ticket", "a report about a code whose owner is in the area", str(ticket_id))])


def _refuse(item: DeskTicket, action: str, allowed: Sequence[str]) -> ConflictException:
    return ConflictException(f"Report {item.ticket.id} cannot be {action}", [Problem(
        "status", " or ".join(allowed), item.ticket.status)])


@dataclass(frozen=True)
class Officer:
    """An officer acting on a desk: its organization (the regulator) and area, by name."""

    regulator: int
    reach: Reach
    deadline_days: int
    name: str

    def one(self, engine: Engine, ticket_id: int) -> DeskTicket:
        return _one(engine, self.regulator, self.reach, self.deadline_days, ticket_id)


def acknowledge(engine: Engine, officer: Officer, ticket_id: int) -> DeskTicket:
    """Say a new report was seen (recorded as the officer's, with when)."""
    item = officer.one(engine, ticket_id)
    with engine.begin() as conn:
        if not acknowledge_in(conn, ticket_id, officer.name):
            raise _refuse(item, "acknowledged", ("new",))
    return officer.one(engine, ticket_id)


def assign(engine: Engine, officer: Officer, ticket_id: int) -> DeskTicket:
    """Forward a new (or acknowledged) report to its code's owner (it already reaches the
    owner's inbox; this records that the province asked for an answer, and who asked)."""
    item = officer.one(engine, ticket_id)
    if item.ticket.status not in ("new", "acknowledged") or item.owner_id is None:
        raise _refuse(item, "forwarded", ("new", "acknowledged") if item.owner_id else ())
    with engine.begin() as conn:
        conn.execute(update(tickets).where(
            tickets.c.id == ticket_id, tickets.c.status.in_(("new", "acknowledged"))).values(
            status="assigned", assigned_org_id=item.owner_id, assigned_us=now_us(),
            assigned_by=officer.name[:200]))
    return officer.one(engine, ticket_id)


def answer(engine: Engine, officer: Officer, ticket_id: int, text: str) -> DeskTicket:
    """The province's department answers a report that names no code (there is no owner to
    answer it); a report about a code is the owner's to answer."""
    item = officer.one(engine, ticket_id)
    if item.owner_id is not None:
        raise ConflictException(f"Report {ticket_id} is {item.owner_name}'s to answer", [
            Problem("ticket", "a report naming no code", item.ticket.code)])
    if item.ticket.status not in ("new", "acknowledged", "assigned"):
        raise _refuse(item, "answered", ("new", "acknowledged"))
    with engine.begin() as conn:
        answer_in(conn, ticket_id, officer.name, text)
    return officer.one(engine, ticket_id)


def close(engine: Engine, officer: Officer, ticket_id: int) -> DeskTicket:
    """Close an answered report (the officer has read the answer)."""
    item = officer.one(engine, ticket_id)
    if item.ticket.status != "answered":
        raise _refuse(item, "closed", ("answered",))
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == ticket_id,
                                           tickets.c.status == "answered").values(
            status="closed", closed_us=now_us(), closed_by=officer.name[:200]))
    return officer.one(engine, ticket_id)


def photo(engine: Engine, officer: Officer, ticket_id: int) -> Photo:
    """The photo of a report on the officer's desk; 404 for another or one without."""
    officer.one(engine, ticket_id)
    with engine.connect() as conn:
        found = photo_of(conn, ticket_id)
    if found is None:
        raise NoSuchResourceException(f"Report {ticket_id} has no photo")
    return found


# --- what the reporter reads ----------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    """What a ticket code shows: the category, the state with its steps' times, the deadline
    and the answer with who gave it (an organization, never a person), nothing of the
    reporter's and no officer's name."""

    kind: str
    state: str
    received: datetime
    due: date
    steps: tuple[tuple[str, datetime], ...]
    answer: str
    answered_by: str

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "state": self.state, "received": self.received.isoformat(),
                "due": self.due.isoformat(), "answer": self.answer,
                "answeredBy": self.answered_by,
                "steps": [{"state": s, "at": at.isoformat()} for s, at in self.steps]}


def public(engine: Engine, typed: str, deadline_days: int) -> Public | None:
    """The report a ticket code was given for, as its reporter may read it; None for a code
    that is no report's (a mistyped one too)."""
    with engine.connect() as conn:
        ticket = ticket_with_code(conn, typed)
        if ticket is None:
            return None
        [item] = _desk_tickets(conn, [ticket], deadline_days, now_us())
        if item.owner_id is not None:
            by = item.owner_name
        else:
            by = _department(conn, item.province) or ""
    return Public(ticket.kind, item.state, vietnam_datetime(ticket.created_us), item.due,
                  tuple((s.state, s.at) for s in item.trail()),
                  ticket.answer if ticket.handled_us is not None else "",
                  by if ticket.handled_us is not None else "")


def _department(conn: Connection, province: str) -> str | None:
    return conn.execute(select(organizations.c.name).join(
        regulators, regulators.c.org_id == organizations.c.id).where(
        regulators.c.province == province, regulators.c.commune == "").order_by(
        organizations.c.id).limit(1)).scalar()


def escalated_to(engine: Engine, province: str) -> str | None:
    """The name of the province's department (the regulator of the whole province) reports
    are escalated to, or None when it has no desk here yet."""
    with engine.connect() as conn:
        return _department(conn, province)
