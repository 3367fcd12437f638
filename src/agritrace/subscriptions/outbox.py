"""The outbox: what each subscription is owed, written down before it is sent, then sent.

:func:`deliver_due` is one round of the worker (``agritrace subscriptions deliver``, from cron or
a loop): it first writes what became due (new events of stream subscriptions, the runs of
scheduled ones), then sends each pending delivery whose time has come through its channel.

- *Nothing lost.* A delivery is a row before it is a request; the subscription's cursor moves in
  the same transaction. A crash between the two leaves the row pending; a restart sends it.
- *Exactly once in effect.* A delivery's id is derived from the subscription and what it
  carries (an event, or a scheduled run), so writing it again adds nothing; a receiver that
  gets a delivery twice (the server died after sending, before recording) knows it by the
  ``Idempotency-Key`` header. Each stream event is its own delivery.
- *Late commits.* A capture's record time is taken before its transaction commits, so a stream
  scan reaches back :data:`OVERLAP_US` before its cursor; what it finds again has a known id.
- *Retries.* A failed delivery waits ``delivery_backoff_s``, doubled after each failure (at most
  :data:`MAX_WAIT_US`), and after ``delivery_max_attempts`` tries is dead-lettered; ``agritrace
  subscriptions retry`` sends dead ones again. A delivery being sent is leased
  (:data:`LEASE_US`) so two workers do not send it at once.
- *Reading rule.* Events are read with :func:`agritrace.query.run_query` as the subscription's
  organization, exactly as ``GET /queries/{name}/events`` answers it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.json_codec import write_json
from agritrace.epcis.render import merged_namespaces
from agritrace.epcis.times import format_time, now_micros, parse_time
from agritrace.errors import AgritraceError
from agritrace.named_queries import store as queries
from agritrace.query import PAGING, StoredEvent, parse_query, run_query
from agritrace.settings import Settings
from agritrace.store.orgs import Organization
from agritrace.store.tables import events, organizations
from agritrace.subscriptions import schedule as schedules
from agritrace.subscriptions.channels import DeliveryFailed, Message, channel_for
from agritrace.subscriptions.overdue import overdue_notices
from agritrace.subscriptions.tables import (
    deliveries,
    delivery_id,
    subscriptions,
    write_deliveries,
    written,
)

OVERLAP_US = 60_000_000
LEASE_US = 120_000_000
MAX_WAIT_US = 6 * 3600 * 1_000_000
PAGE = 500  # events per page of a scan, and per delivery of a scheduled run
SEND_BATCH = 200  # deliveries sent in one round at most: a round ends


@dataclass
class Round:
    """What one round did."""

    enqueued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"enqueued": self.enqueued, "delivered": self.delivered, "failed": self.failed,
                "dead": self.dead}


def deliver_due(engine: Engine, settings: Settings, now: int | None = None,
                stop: threading.Event | None = None) -> Round:
    """One round: write what became due, then send what is due (``now`` in µs, for tests);
    once ``stop`` is set (the worker was told to stop), no further delivery is begun."""
    now = now_micros() if now is None else now
    done = Round(enqueued=enqueue_due(engine, now)
                 + overdue_notices(engine, settings.ticket_deadline_days, now))
    send_due(engine, settings, now, done, stop)
    return done


def enqueue_due(engine: Engine, now: int) -> int:
    """Write the deliveries every subscription is owed up to ``now``; how many were new."""
    with engine.connect() as conn:
        rows = conn.execute(select(subscriptions, organizations.c.name, organizations.c.gln,
                                   organizations.c.kind).join(
            organizations, organizations.c.id == subscriptions.c.org_id).where(
            subscriptions.c.stream.is_(True) | (subscriptions.c.next_run_us <= now))).all()
    added = 0
    for row in rows:
        org = Organization(row.org_id, row.name, row.gln, row.kind)
        try:
            saved = queries.get(engine, org, row.query_name)
        except AgritraceError:
            continue  # the query went with its subscriptions (removed in the same transaction)
        added += (_enqueue_stream(engine, row, org, saved, now) if row.stream
                  else _enqueue_run(engine, row, org, saved, now))
    return added


def pages(engine: Engine, org: Organization, saved: queries.NamedQuery, low: int, high: int
           ) -> Iterator[list[StoredEvent]]:
    """The saved query's events recorded in [low, high), oldest first, as the org reads them."""
    params = {k: v for k, v in saved.parameters().items() if k not in PAGING}
    params |= {"orderBy": "recordTime", "orderDirection": "ASC", "perPage": str(PAGE)}
    token: str | None = None
    while True:
        parsed = parse_query(params | ({"nextPageToken": token} if token else {}))
        parsed.conditions += [events.c.record_time_us >= low, events.c.record_time_us < high]
        page = run_query(engine, parsed, org, shared=True)
        yield page.events
        token = page.next_token
        if token is None:
            return


def event_key(event: dict[str, Any]) -> str:
    """What tells a stored event from another: its eventID, else a digest of its body."""
    given = event.get("eventID")
    if isinstance(given, str) and given:
        return given
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()


def document(found: list[StoredEvent], query_name: str, subscription_id: str) -> bytes:
    """The EPCISQueryDocument one delivery (or one WebSocket message) carries."""
    namespaces, listed = merged_namespaces(found)
    header = {"schemaVersion": "2.0", "creationDate": format_time(now_micros(), "Z")}
    return write_json(listed, header=header, namespaces=namespaces, kind="EPCISQueryDocument",
                      query_name=query_name, subscription_id=subscription_id)


def _enqueue_stream(engine: Engine, row: Any, org: Organization, saved: queries.NamedQuery,
                    now: int) -> int:
    low = max(row.initial_record_us, row.min_record_us - OVERLAP_US)
    added = 0
    for found in pages(engine, org, saved, low, now + 1):
        if not found:
            continue  # nothing new: no transaction (a commit each round per subscription)
        owed = {delivery_id(row.id, event_key(e.event)): e for e in found}
        latest = max((record_us(e) for e in found), default=row.min_record_us)
        try:
            with engine.begin() as conn:
                # the overlap finds again what was written: only the new ones are rendered
                have = written(conn, list(owed))
                fresh = [(key, document([e], row.query_name, row.id))
                         for key, e in owed.items() if key not in have]
                write_deliveries(conn, row, "events", fresh, now)
                new = len(fresh)
                conn.execute(update(subscriptions).where(subscriptions.c.id == row.id).values(
                    min_record_us=func.max(subscriptions.c.min_record_us, latest)
                    if conn.dialect.name == "sqlite"
                    else func.greatest(subscriptions.c.min_record_us, latest)))
        except IntegrityError:
            continue  # another worker wrote these same deliveries first
        added += new
    return added


def record_us(stored: StoredEvent) -> int:
    return parse_time(stored.event["recordTime"])


def _enqueue_run(engine: Engine, row: Any, org: Organization, saved: queries.NamedQuery,
                 now: int) -> int:
    """A scheduled run that is due: the events recorded since the last run (one catch-up run
    after downtime, not one per missed time), in deliveries of :data:`PAGE` events."""
    run = row.next_run_us
    batches = [page for page in pages(engine, org, saved, row.min_record_us, run) if page]
    if not batches and row.report_if_empty:
        batches = [[]]
    owed = [(delivery_id(row.id, f"run/{run}/{n}"), document(page, row.query_name, row.id))
            for n, page in enumerate(batches)]
    values, _ = schedules.parse(orjson.loads(row.schedule))
    with engine.begin() as conn:
        moved = conn.execute(update(subscriptions).where(
            subscriptions.c.id == row.id, subscriptions.c.next_run_us == run).values(
            min_record_us=run, next_run_us=schedules.next_run(values, now))).rowcount
        if not moved:
            return 0  # another worker ran it
        write_deliveries(conn, row, "events", owed, now)
    return len(owed)


def send_due(engine: Engine, settings: Settings, now: int, done: Round,
             stop: threading.Event | None = None) -> None:
    """Send the pending deliveries whose time has come (at most :data:`SEND_BATCH`), stopping
    between two deliveries once ``stop`` is set: the one being sent is recorded, the others
    are left pending and unleased for the next worker."""
    with engine.connect() as conn:
        due = conn.execute(select(deliveries, subscriptions.c.signature_token,
                                  subscriptions.c.query_name).join(
            subscriptions, subscriptions.c.id == deliveries.c.subscription_id).where(
            deliveries.c.state == "pending", deliveries.c.next_attempt_us <= now).order_by(
            deliveries.c.next_attempt_us, deliveries.c.created_us, deliveries.c.id
        ).limit(SEND_BATCH)).all()
    for row in due:
        if stop is not None and stop.is_set():
            return
        if _lease(engine, row, now):
            _send(engine, settings, row, now, done)


def _lease(engine: Engine, row: Any, now: int) -> bool:
    """Claim a delivery for :data:`LEASE_US`: another worker skips it meanwhile, and if this
    one dies the delivery is due again when the lease ends."""
    with engine.begin() as conn:
        return bool(conn.execute(update(deliveries).where(
            deliveries.c.id == row.id, deliveries.c.state == "pending",
            deliveries.c.next_attempt_us == row.next_attempt_us).values(
            next_attempt_us=now + LEASE_US)).rowcount)


def _send(engine: Engine, settings: Settings, row: Any, now: int, done: Round) -> None:
    body = row.body.encode()
    subject, text = summary(row.kind, orjson.loads(body), row.query_name)
    try:
        channel_for(row.dest, settings).send(row.dest, Message(row.id, body, subject, text),
                                             row.signature_token)
    except DeliveryFailed as exc:
        _failed(engine, settings, row, now, str(exc), done)
        return
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id == row.id).values(
            state="delivered", attempts=row.attempts + 1, delivered_us=now_micros(),
            last_error=None))
        conn.execute(update(subscriptions).where(
            subscriptions.c.id == row.subscription_id).values(last_notified_us=now_micros()))
    done.delivered += 1


def _failed(engine: Engine, settings: Settings, row: Any, now: int, reason: str,
            done: Round) -> None:
    attempts = row.attempts + 1
    dead = attempts >= settings.delivery_max_attempts
    wait = min(int(settings.delivery_backoff_s * 1_000_000) * 2 ** (attempts - 1), MAX_WAIT_US)
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id == row.id).values(
            state="dead" if dead else "pending", attempts=attempts, last_error=reason[:500],
            next_attempt_us=now + wait))
    done.failed += 1
    done.dead += dead


def retry(engine: Engine, org_id: int | None = None, ids: list[str] | None = None,
          now: int | None = None) -> int:
    """Dead-lettered deliveries (all, an organization's, or the given ones) pending again,
    due now with a fresh count of tries; how many."""
    chosen = [deliveries.c.state == "dead"]
    if org_id is not None:
        chosen.append(deliveries.c.org_id == org_id)
    if ids:
        chosen.append(deliveries.c.id.in_(ids))
    with engine.begin() as conn:
        return int(conn.execute(update(deliveries).where(and_(*chosen)).values(
            state="pending", attempts=0,
            next_attempt_us=now_micros() if now is None else now)).rowcount)


def summary(kind: str, body: dict[str, Any], query_name: str) -> tuple[str, str]:
    """A subject and a short text (Vietnamese first, then English) for e-mail, SMS and Zalo."""
    if kind == "recall":
        lots = ", ".join(body.get("lots", []))[:300]
        who, why = body.get("recalledBy", ""), body.get("reason", "")
        return (f"THU HỒI / RECALL: {lots}",
                f"{who} thu hồi {lots}: {why}. Hàng bạn đã nhận bị ảnh hưởng: "
                f"{len(body.get('affected', []))} mã.\n"
                f"{who} recalls {lots}: {why}. Goods you received are affected: "
                f"{len(body.get('affected', []))} codes.")
    if kind == "ticket":
        return (f"PHẢN ÁNH / REPORT #{body.get('ticket')}: {body.get('code', '')}",
                f"Người tiêu dùng phản ánh về mã {body.get('code', '')}: {body.get('message', '')}"
                f"\nXem và trả lời tại /coop/tickets.\n"
                f"A consumer reports on {body.get('code', '')}. Read and answer it at "
                "/coop/tickets.")
    if kind == "overdue":
        return (f"QUÁ HẠN / OVERDUE #{body.get('ticket')}: {body.get('code', '')}",
                f"Phản ánh #{body.get('ticket')} về mã {body.get('code', '')} của "
                f"{body.get('owner', '')} chưa được trả lời, hạn {body.get('due', '')}.\n"
                f"Report #{body.get('ticket')} on {body.get('code', '')} ({body.get('owner', '')})"
                f" is unanswered past its deadline, {body.get('due', '')}.")
    count = len(body.get("epcisBody", {}).get("queryResults", {}).get("resultsBody", {})
                .get("eventList", []))
    return (f"agritrace: {query_name}",
            f"{count} sự kiện mới của truy vấn {query_name} / "
            f"{count} new events of query {query_name}")


@dataclass(frozen=True)
class Counts:
    pending: int = 0
    delivered: int = 0
    dead: int = 0


def counts(engine: Engine, subscription_ids: list[str]) -> dict[str, Counts]:
    """Deliveries per state of each subscription (the cooperative's page, the CLI's list)."""
    found: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for sid, state, n in conn.execute(select(
                deliveries.c.subscription_id, deliveries.c.state, func.count()).where(
                deliveries.c.subscription_id.in_(subscription_ids)).group_by(
                deliveries.c.subscription_id, deliveries.c.state)):
            found.setdefault(sid, {})[state] = n
    return {sid: Counts(**found.get(sid, {})) for sid in subscription_ids}
