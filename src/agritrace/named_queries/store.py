"""Saving, listing and removing an organization's named queries.

A query is kept as posted (the JSON object the EPCIS query schema describes: ``"EQ_bizStep":
["shipping"]``, ``"GE_eventTime": "2026-01-01T00:00:00Z"``, a number for a quantity) and read
back as the REST parameters ``/events`` takes (lists joined by ``|``), checked by the same parser
when it is saved, so a query that could not run is never saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.times import now_micros
from agritrace.errors import (
    ConflictException,
    NoSuchResourceException,
    Problem,
    QueryParameterException,
    describe,
)
from agritrace.named_queries.tables import named_queries
from agritrace.query import parse_query
from agritrace.store.orgs import Organization
from agritrace.subscriptions.tables import forget, subscriptions

# Safe in a URL path segment as it is: letters, digits and . _ - (the Location header names it).
NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")
#: Parameters of a request for a named query's events: the paging of the answer, not its filter.
PAGING = ("perPage", "nextPageToken")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    query: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query}

    def parameters(self) -> dict[str, str]:
        """The query as the REST parameters of ``/events``."""
        return {key: _parameter(value) for key, value in self.query.items()
                if key != "@context"}


def _parameter(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def check(body: Any) -> NamedQuery:
    """The query a POST /queries body defines, or a QueryParameterException naming each
    problem (a name, and a query the ``/events`` parser accepts)."""
    if not isinstance(body, Mapping):
        raise QueryParameterException("The body must be a query definition", [Problem(
            "", 'a JSON object {"name": …, "query": {…}}', describe(body))])
    problems: list[Problem] = []
    name, query = body.get("name"), body.get("query")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        problems.append(Problem("name", "1 to 200 letters, digits, '.', '_' or '-'",
                                describe(name)))
    if not isinstance(query, Mapping):
        problems.append(Problem("query", "a JSON object of query parameters",
                                describe(query)))
    if problems:
        raise QueryParameterException("The query definition is not valid", problems)
    defined = NamedQuery(str(name), dict(query))  # type: ignore[arg-type]  # checked above
    try:
        parse_query(defined.parameters())
    except QueryParameterException as exc:
        raise QueryParameterException(exc.detail, [
            Problem(f"query.{p.path}", p.expected, p.found) for p in exc.problems]) from exc
    return defined


def save(engine: Engine, org: Organization, defined: NamedQuery) -> NamedQuery:
    try:
        with engine.begin() as conn:
            conn.execute(insert(named_queries).values(
                org_id=org.id, name=defined.name, query=orjson.dumps(defined.query).decode(),
                created_us=now_micros()))
    except IntegrityError as exc:
        raise ConflictException(f"{org.name} already has a query named {defined.name!r}", [
            Problem("name", "a name not yet used (DELETE /queries/{name} first)",
                    defined.name)]) from exc
    return defined


def listed(engine: Engine, org: Organization) -> list[NamedQuery]:
    with engine.connect() as conn:
        rows = conn.execute(select(named_queries.c.name, named_queries.c.query).where(
            named_queries.c.org_id == org.id).order_by(named_queries.c.name)).all()
    return [NamedQuery(row.name, orjson.loads(row.query)) for row in rows]


def get(engine: Engine, org: Organization, name: str) -> NamedQuery:
    with engine.connect() as conn:
        row = conn.execute(select(named_queries.c.query).where(
            named_queries.c.org_id == org.id, named_queries.c.name == name)).first()
    if row is None:
        raise _missing(org, name)
    return NamedQuery(name, orjson.loads(row.query))


def remove(engine: Engine, org: Organization, name: str) -> None:
    """Delete the query and, as the openapi says, forcibly unsubscribe its subscriptions."""
    with engine.begin() as conn:
        gone = conn.execute(delete(named_queries).where(
            named_queries.c.org_id == org.id, named_queries.c.name == name)).rowcount
        forget(conn, list(conn.scalars(select(subscriptions.c.id).where(
            subscriptions.c.org_id == org.id, subscriptions.c.query_name == name))))
    if not gone:
        raise _missing(org, name)


def _missing(org: Organization, name: str) -> NoSuchResourceException:
    return NoSuchResourceException(f"{org.name} has no query named {name!r}", [
        Problem("queryName", "the name of one of your queries (GET /queries lists them)",
                name[:200])])
