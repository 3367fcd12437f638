"""The REST binding's discovery resources: which event types, EPCs, bizSteps… exist."""

from __future__ import annotations

from sqlalchemy import Engine, select

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
    """The distinct values of one resource among ``org``'s events, sorted."""
    if resource == "epcs":
        column = event_terms.c.value
        statement = (select(column).distinct()
                     .join(events, events.c.id == event_terms.c.event_pk)
                     .where(event_terms.c.role.in_(_EPC_ROLES), events.c.org_id == org.id))
    elif resource in _COLUMNS:
        column = _COLUMNS[resource]
        statement = select(column).distinct().where(column.is_not(None),
                                                    events.c.org_id == org.id)
    else:
        raise NoSuchResourceException(f"No resource {resource!r}")
    with engine.connect() as conn:
        return list(conn.scalars(statement.order_by(column).limit(limit)))
