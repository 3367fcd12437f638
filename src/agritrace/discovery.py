"""The REST binding's discovery resources: which event types, EPCs, bizSteps… exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, select

from agritrace import query
from agritrace.errors import NoSuchResourceException
from agritrace.store.orgs import Organization
from agritrace.store.tables import event_terms, events

_COLUMNS = {
    "eventTypes": events.c.event_type,
    "bizSteps": events.c.biz_step,
    "bizLocations": events.c.biz_location,
    "readPoints": events.c.read_point,
    "dispositions": events.c.disposition,
}
_EPC_ROLES = ("epc", "child", "parent", "input", "output")


def distinct_values(
    engine: Engine, resource: str, org: Organization, limit: int = 10_000
) -> list[str]:
    """The distinct values of one resource among the events ``org`` may read (its own, and the
    others' that trust.may_read allows, as GET /events answers them), sorted."""
    if resource not in _COLUMNS and resource != "epcs":
        raise NoSuchResourceException(f"No resource {resource!r}")
    with engine.connect() as conn:
        scope = query.readable(conn, org, shared=True)
        assert scope.certain is not None
        values: set[str] = set(conn.scalars(_values(resource, scope.certain).limit(limit)))
        shown = query.readable_ids(conn, scope)
        for start in range(0, len(shown), 1000):
            values |= set(conn.scalars(_values(
                resource, events.c.id.in_(shown[start:start + 1000])).limit(limit)))
    return sorted(values)[:limit]


def _values(resource: str, where: ColumnElement[bool]) -> Select[Any]:
    if resource == "epcs":
        return (select(event_terms.c.value).distinct()
                .join(events, events.c.id == event_terms.c.event_pk)
                .where(event_terms.c.role.in_(_EPC_ROLES), where).order_by(event_terms.c.value))
    column = _COLUMNS[resource]
    return select(column).distinct().where(column.is_not(None), where).order_by(column)
