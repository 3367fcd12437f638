"""Notices: what reaches people through the destinations of their organization's subscriptions
(webhook, e-mail, SMS, Zalo), by the outbox.

- A recall reaches every downstream party that received affected goods. A recipient of an
  affected code is a party identifier (a GLN, a party's Digital Link); the party is the
  organization holding it (:class:`agritrace.trust.Owners`: its own GLN or a grant). Each is told
  of the affected codes it received only (never who else received them).
- A consumer's report (ticket) reaches the owner of the code it was sent from (the same owner
  whose inbox shows it, :mod:`agritrace.scans.inbox`), without the consumer's contact, which stays
  in the inbox.
- An overdue report reaches the province whose desk shows it (:mod:`.overdue`).

Each organization is told once per distinct destination: its oldest subscription to that
destination carries the notice. A notice's delivery id is derived from that subscription and what
it tells (the recall, the ticket), so writing it again adds nothing. A province's department,
which writes no named query, is given a destination for notices only by the operator
(``agritrace subscriptions notices``: a subscription to :data:`NOTICES_ONLY`, which no query can be
named).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, select

from agritrace.epcis.times import format_time, now_micros
from agritrace.store.orgs import Organization
from agritrace.subscriptions.tables import delivery_id, insert_new, subscriptions
from agritrace.trust import GS1, Owners

if TYPE_CHECKING:  # trace.recall writes the notices: no import at run time
    from agritrace.trace.recall import Recall

NOTICE_TYPE = "agritrace:RecallNotice"
TICKET_TYPE = "agritrace:TicketNotice"
OVERDUE_TYPE = "agritrace:OverdueTicketNotice"
#: The query name of a destination that takes notices only (not a valid named query's name).
NOTICES_ONLY = "(notices)"


def notify(conn: Connection, bodies: Mapping[int, dict[str, Any]], kind: str, what: str,
           now: int | None = None) -> int:
    """Write ``bodies[org]`` to each distinct destination of each organization's subscriptions,
    as deliveries of ``kind`` whose ids derive from ``what``; how many were new."""
    if not bodies:
        return 0
    rows = conn.execute(select(subscriptions).where(
        subscriptions.c.org_id.in_(list(bodies))).order_by(
        subscriptions.c.created_us, subscriptions.c.id)).all()
    first_per_dest = {(row.org_id, row.dest): row for row in reversed(rows)}
    when = now_micros() if now is None else now
    return sum(insert_new(conn, row, kind, [(delivery_id(row.id, what),
                                             orjson.dumps(bodies[row.org_id]))], when)
               for row in first_per_dest.values())


def recall_notices(conn: Connection, result: Recall, org: Organization, reason: str) -> int:
    """Write a notice of the recall for each party (not ``org``) that received affected codes,
    in the recall's own transaction ``conn``; how many were new."""
    key = hashlib.sha256(orjson.dumps([sorted(result.lots), result.created])).hexdigest()
    owners = Owners.load(conn, result.recipients)
    received: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for affected in result.affected:
        for party in {owners.owner(r) for r in affected.recipients} - {None, org.id}:
            assert party is not None
            received[party].append({"id": affected.id, "kind": affected.kind,
                                    "lot": affected.lot, "quantity": affected.quantity,
                                    "uom": affected.uom})
    return notify(conn, {party: {
        "type": NOTICE_TYPE, "recalledBy": org.name, "lots": result.lots, "reason": reason,
        "created": result.created, "affected": codes} for party, codes in received.items()},
        "recall", f"recall/{key}")


def code_uri(code: str) -> str:
    """A report's code (a Digital Link path, ``/01/…``) as the identifier its owner holds."""
    return GS1 + code.lstrip("/")


def ticket_notice(conn: Connection, ticket_id: int, code: str, kind: str, message: str,
                  created_us: int) -> int:
    """Tell the owner of ``code`` of a new report, in the report's own transaction ``conn``."""
    owner = Owners.load(conn, [code_uri(code)]).owner(code_uri(code))
    if owner is None:
        return 0
    return notify(conn, {owner: {
        "type": TICKET_TYPE, "ticket": ticket_id, "code": code, "kind": kind,
        "message": message, "created": format_time(created_us, "Z")}},
        "ticket", f"ticket/{ticket_id}", created_us)
