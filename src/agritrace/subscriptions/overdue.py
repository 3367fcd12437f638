"""Overdue reports reach the province: each report still unanswered past its deadline (its
category's days as the province set them, else ``AGRITRACE_TICKET_DEADLINE_DAYS``: the desk's
own rule, :func:`agritrace.province.feedback.area_tickets`) is told once to each destination of
every regulator whose desk shows it (the code's owner lies in its area). The delivery worker
looks each round (:func:`.outbox.deliver_due`)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from agritrace.epcis.times import format_time
from agritrace.province.feedback import area_tickets
from agritrace.province.tables import regulators
from agritrace.subscriptions.notices import OVERDUE_TYPE, notify
from agritrace.subscriptions.tables import subscriptions
from agritrace.trust import reach_of


def overdue_notices(engine: Engine, deadline_days: int, now: int) -> int:
    """Write the notices of reports overdue at ``now`` not written before; how many."""
    with engine.connect() as conn:
        listening = list(conn.scalars(select(regulators.c.org_id).where(
            regulators.c.org_id.in_(select(subscriptions.c.org_id)))))
        reaches = {org: reach_of(conn, org) for org in listening}
    added = 0
    for org, reach in reaches.items():
        if reach is None:
            continue
        late = [d for d in area_tickets(engine, org, reach, deadline_days, now) if d.overdue]
        with engine.begin() as conn:
            for item in late:
                added += notify(conn, {org: {
                    "type": OVERDUE_TYPE, "ticket": item.ticket.id, "code": item.ticket.code,
                    "kind": item.ticket.kind, "owner": item.owner_name,
                    "status": item.ticket.status,
                    "created": format_time(item.ticket.created_us, "Z"),
                    "due": item.due.isoformat()}}, "overdue", f"overdue/{item.ticket.id}", now)
    return added
