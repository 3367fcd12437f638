"""Making, listing and removing an organization's subscriptions to its named queries.

A subscription body follows the EPCIS 2.0 openapi: ``dest`` and ``signatureToken``, then either
``"stream": true`` or a ``schedule`` (with ``reportIfEmpty``), and ``initialRecordTime`` (events
recorded from then on; now when left out). The answer never shows the token.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, delete, insert, select

from agritrace.epcis.times import format_time, now_micros, parse_time
from agritrace.errors import AgritraceError, NoSuchResourceException, Problem, describe
from agritrace.named_queries import store as queries
from agritrace.settings import Settings
from agritrace.store.orgs import Organization
from agritrace.subscriptions import schedule as schedules
from agritrace.subscriptions.channels import dest_problems
from agritrace.subscriptions.notices import NOTICES_ONLY
from agritrace.subscriptions.tables import forget, subscriptions

FIELDS = frozenset({"dest", "signatureToken", "stream", "schedule", "reportIfEmpty",
                    "initialRecordTime"})


class SubscriptionControlsException(AgritraceError):
    status = 400
    type_name = "SubscriptionControlsException"
    title = "Subscription error"


@dataclass(frozen=True)
class Subscription:
    id: str
    org_id: int
    query_name: str
    dest: str
    signature_token: str | None
    stream: bool
    schedule: dict[str, Any] | None
    report_if_empty: bool
    initial_record_us: int
    min_record_us: int
    created_us: int
    last_notified_us: int | None

    def as_dict(self) -> dict[str, Any]:
        """As the openapi's AbstractQuerySubscriptionResponse shows it: without the token."""
        shown: dict[str, Any] = {
            "subscriptionID": self.id, "queryName": self.query_name, "dest": self.dest,
            "createdAt": format_time(self.created_us, "Z"),
            "initialRecordTime": format_time(self.initial_record_us, "Z"),
            "minRecordTime": format_time(self.min_record_us, "Z"),
            "signed": self.signature_token is not None}
        if self.stream:
            shown["stream"] = True
        else:
            shown["schedule"] = self.schedule
            shown["reportIfEmpty"] = self.report_if_empty
        if self.last_notified_us is not None:
            shown["lastNotifiedAt"] = format_time(self.last_notified_us, "Z")
        return shown


def check(body: Any, settings: Settings) -> dict[str, Any]:
    """The columns of the subscription a POST body asks for, or a SubscriptionControlsException
    naming every problem at once."""
    if not isinstance(body, Mapping):
        raise SubscriptionControlsException(
            "Đăng ký cần một đối tượng JSON / A subscription is a JSON object", [Problem(
                "", '{"dest": …, "stream": true} or {"dest": …, "schedule": {…}}',
                describe(body))])
    problems = [Problem(key, "one of " + ", ".join(sorted(FIELDS)), key[:80])
                for key in body if key not in FIELDS]
    problems += dest_problems(body.get("dest"), settings)
    token = body.get("signatureToken")
    if token is not None and (not isinstance(token, str) or not 1 <= len(token) <= 500):
        problems.append(Problem("signatureToken", "a secret of 1 to 500 characters",
                                describe(token)))
    stream, schedule = body.get("stream"), body.get("schedule")
    values: schedules.Values = {}
    if (stream is True) == (schedule is not None):
        problems.append(Problem("stream", 'either "stream": true or a "schedule", not both',
                                f"stream={describe(stream)}, schedule={describe(schedule)}"))
    elif schedule is not None:
        values, found = schedules.parse(schedule)
        problems += found
    if not isinstance(body.get("reportIfEmpty", False), bool):
        problems.append(Problem("reportIfEmpty", "true or false",
                                describe(body.get("reportIfEmpty"))))
    now = now_micros()
    initial = _initial(body.get("initialRecordTime"), now, problems)
    if problems:
        raise SubscriptionControlsException(
            "Đăng ký không hợp lệ / The subscription is not valid", problems)
    return {"dest": body["dest"], "signature_token": token, "stream": stream is True,
            "schedule": orjson.dumps(schedule).decode() if schedule is not None else None,
            "report_if_empty": bool(body.get("reportIfEmpty", False)),
            "initial_record_us": initial, "min_record_us": initial, "created_us": now,
            "next_run_us": schedules.next_run(values, now) if values else None}


def _initial(raw: Any, now: int, problems: list[Problem]) -> int:
    if raw is None:
        return now
    try:
        return parse_time(str(raw))
    except ValueError:
        problems.append(Problem("initialRecordTime", "a date-time with its zone, e.g. "
                                "2026-12-01T00:00:00Z", describe(raw)))
        return now


def create(engine: Engine, org: Organization, query_name: str, columns: dict[str, Any]
           ) -> Subscription:
    queries.get(engine, org, query_name)  # 404 unless the organization has that query
    made = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(subscriptions).values(id=made, org_id=org.id,
                                                  query_name=query_name, **columns))
    return get(engine, org, query_name, made)


def notices_only(engine: Engine, org: Organization, dest: str, token: str | None,
                 settings: Settings) -> Subscription:
    """A destination that takes ``org``'s notices only (recalls of goods it received, reports
    about its codes, a province's overdue reports): no query, no events. The operator's way to
    give a province's department, which writes no named query, a destination."""
    problems = dest_problems(dest, settings)
    if problems:
        raise SubscriptionControlsException(
            "Đăng ký không hợp lệ / The subscription is not valid", problems)
    made, now = str(uuid.uuid4()), now_micros()
    with engine.begin() as conn:
        conn.execute(insert(subscriptions).values(
            id=made, org_id=org.id, query_name=NOTICES_ONLY, dest=dest, signature_token=token,
            stream=False, schedule=None, report_if_empty=False, initial_record_us=now,
            min_record_us=now, next_run_us=None, created_us=now))
    return get(engine, org, NOTICES_ONLY, made)


def listed(engine: Engine, org: Organization, query_name: str) -> list[Subscription]:
    queries.get(engine, org, query_name)
    with engine.connect() as conn:
        rows = conn.execute(select(subscriptions).where(
            subscriptions.c.org_id == org.id, subscriptions.c.query_name == query_name
        ).order_by(subscriptions.c.created_us, subscriptions.c.id)).all()
    return [_subscription(row) for row in rows]


def get(engine: Engine, org: Organization, query_name: str, subscription_id: str
        ) -> Subscription:
    with engine.connect() as conn:
        row = conn.execute(select(subscriptions).where(
            subscriptions.c.id == subscription_id, subscriptions.c.org_id == org.id,
            subscriptions.c.query_name == query_name)).first()
    if row is None:
        raise _missing(org, query_name, subscription_id)
    return _subscription(row)


def remove(engine: Engine, org: Organization, query_name: str, subscription_id: str) -> None:
    """Unsubscribe: the subscription and what it still owed go (delivered and dead-lettered
    deliveries stay, as its history)."""
    with engine.begin() as conn:
        gone = conn.execute(delete(subscriptions).where(
            subscriptions.c.id == subscription_id, subscriptions.c.org_id == org.id,
            subscriptions.c.query_name == query_name)).rowcount
        if gone:
            forget(conn, [subscription_id])
    if not gone:
        raise _missing(org, query_name, subscription_id)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id, org_id=row.org_id, query_name=row.query_name, dest=row.dest,
        signature_token=row.signature_token, stream=bool(row.stream),
        schedule=orjson.loads(row.schedule) if row.schedule else None,
        report_if_empty=bool(row.report_if_empty), initial_record_us=row.initial_record_us,
        min_record_us=row.min_record_us, created_us=row.created_us,
        last_notified_us=row.last_notified_us)


def _missing(org: Organization, query_name: str, subscription_id: str
             ) -> NoSuchResourceException:
    return NoSuchResourceException(
        f"{org.name} không có đăng ký {subscription_id!r} cho truy vấn {query_name!r} / "
        f"{org.name} has no subscription {subscription_id!r} on {query_name!r}", [Problem(
            "subscriptionID", "the id of one of your subscriptions of that query (GET "
            "/queries/{queryName}/subscriptions lists them)", subscription_id[:200])])
