"""Notices: a recall reaches every downstream party that received affected goods, through the
destinations of that party's subscriptions (webhook, e-mail, SMS, Zalo), by the outbox.

A recipient of an affected code is a party identifier (a GLN, a party's Digital Link); the party
is the organization holding it (:class:`agritrace.trust.Owners`: its own GLN or a grant). Each
organization is told once per destination, of the affected codes it received only (never who
else received them). The notice's delivery id is derived from the subscription and the recall,
so recording it again adds nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, select

from agritrace.epcis.times import now_micros
from agritrace.store.orgs import Organization
from agritrace.subscriptions.outbox import delivery_id, insert_new
from agritrace.subscriptions.tables import subscriptions
from agritrace.trust import Owners

if TYPE_CHECKING:  # trace.recall writes the notices: no import at run time
    from agritrace.trace.recall import Recall

NOTICE_TYPE = "agritrace:RecallNotice"


def recall_notices(engine: Engine, result: Recall, org: Organization, reason: str) -> int:
    """Write a notice of the recall for each party (not ``org``) that received affected codes,
    to each distinct destination of its subscriptions; how many were new."""
    key = hashlib.sha256(orjson.dumps([sorted(result.lots), result.created])).hexdigest()
    with engine.begin() as conn:
        owners = Owners.load(conn, result.recipients)
        received: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for affected in result.affected:
            for party in {owners.owner(r) for r in affected.recipients} - {None, org.id}:
                assert party is not None
                received[party].append({"id": affected.id, "kind": affected.kind,
                                        "lot": affected.lot, "quantity": affected.quantity,
                                        "uom": affected.uom})
        rows = conn.execute(select(subscriptions).where(
            subscriptions.c.org_id.in_(list(received))).order_by(
            subscriptions.c.created_us, subscriptions.c.id)).all() if received else []
        first_per_dest = {(row.org_id, row.dest): row for row in reversed(rows)}
        added = 0
        for (party, _), row in first_per_dest.items():
            body = orjson.dumps({
                "type": NOTICE_TYPE, "recalledBy": org.name, "lots": result.lots,
                "reason": reason, "created": result.created, "affected": received[party]})
            added += insert_new(conn, row, "recall",
                                [(delivery_id(row.id, f"recall/{key}"), body)], now_micros())
    return added
