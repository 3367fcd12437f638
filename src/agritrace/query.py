"""EPCIS 2.0 query parameters -> store filters, ordering and keyset pagination.

Parameters follow the REST binding (pipe-separated lists). Identifiers are canonicalised exactly as
at capture, so a query by EPC URN finds events written with Digital Links and vice versa.
A query returns the asking organization's own events and, through the API, the others' that
:func:`agritrace.trust.may_read` lets it read.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Engine, Row, Select, and_, or_, select

from agritrace import query_body, query_sensors
from agritrace.epcis import cbv
from agritrace.epcis.document import Event
from agritrace.epcis.times import format_time, parse_time
from agritrace.errors import (
    AgritraceError,
    Problem,
    QueryParameterException,
    QueryTooLargeException,
)
from agritrace.ids.epc import canonical_id
from agritrace.store.orgs import Organization
from agritrace.store.tables import event_aliases, event_terms, events, sensor_reports
from agritrace.store.terms import QUANTITY_LISTS, vocabulary_value
from agritrace.trust import Owners, Viewer, code_ranges, may_read, reach_of

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
               "AssociationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")

# MATCH_ parameters and the identifier roles each one searches (EPCIS 2.0 section 8.2.7.1).
MATCH_ROLES: dict[str, tuple[str, ...]] = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("epc_class", "child_class"),
    "MATCH_inputEPCClass": ("input_class",),
    "MATCH_outputEPCClass": ("output_class",),
    "MATCH_anyEPCClass": ("epc_class", "child_class", "input_class", "output_class"),
}
TIME_PARAMS = {
    "GE_eventTime": (events.c.event_time_us, True),
    "LT_eventTime": (events.c.event_time_us, False),
    "GE_recordTime": (events.c.record_time_us, True),
    "LT_recordTime": (events.c.record_time_us, False),
}
# EQ_quantity, GT_quantity_KGM …: a quantity element's quantity, in its unit (with conversion).
QUANTITY_PARAM = re.compile(r"(?P<op>EQ|GT|GE|LT|LE)_quantity(?:_(?P<uom>[A-Z0-9]{2,4}))?")
# EQ_example:grade, GT_ILMD_agt:weight, EXISTS_ERROR_DECLARATION_ex:note … (query-schema.json).
EXTENSION_PARAM = re.compile(r"(?P<op>EQ|GT|GE|LT|LE|EXISTS)_(?P<section>ILMD_|"
                             r"ERROR_DECLARATION_)?(?P<name>[a-z][a-zA-Z0-9]*:[\w.-]+)")
EXTENSION_SECTIONS = {None: (), "ILMD_": ("ilmd",),
                      "ERROR_DECLARATION_": ("errorDeclaration",)}
TYPED_PREFIXES = {"EQ_bizTransaction_": "biz_transaction", "EQ_source_": "source",
                  "EQ_destination_": "destination"}
PAGING = {"perPage", "nextPageToken", "orderBy", "orderDirection", "eventCountLimit",
          "maxEventCount"}
ORDER_COLUMNS = {"eventTime": events.c.event_time_us, "recordTime": events.c.record_time_us}


@dataclass
class EventQuery:
    """A parsed query: SQL conditions plus ordering and paging."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    order_by: str = "eventTime"
    descending: bool = False
    per_page: int = 100
    after: tuple[int, int] | None = None
    limit_total: int | None = None
    max_count: int | None = None
    fingerprint: str = ""
    returned: int = 0  # events the earlier pages of an eventCountLimit query returned
    # Conditions on one sensor report row, all of them on the same report (query_sensors).
    sensor: list[ColumnElement[bool]] = field(default_factory=list)


@dataclass
class StoredEvent:
    event: Event
    namespaces: dict[str, str]


@dataclass
class QueryPage:
    events: list[StoredEvent]
    next_token: str | None


def parse_query(
    params: Mapping[str, str], *, default_per_page: int = 100, max_per_page: int = 10_000
) -> EventQuery:
    """Parse REST query parameters; every problem is reported at once, naming the parameter."""
    query = EventQuery(per_page=default_per_page)
    problems: list[Problem] = []
    for name, raw in params.items():
        try:
            _apply(query, name, raw, max_per_page)
        except (ValueError, AgritraceError) as exc:
            problems.append(Problem(name, _expected(name), repr(raw)))
            del exc
    problems += _paging_problems(params)
    if problems:
        raise QueryParameterException(
            "Tham số truy vấn không hợp lệ / The query parameters are not valid", problems)
    if query.sensor:
        query.conditions.append(events.c.id.in_(
            select(sensor_reports.c.event_pk).where(*query.sensor)))
    if "orderBy" in params and "orderDirection" not in params:
        query.descending = True  # EPCIS 2.0 section 8.2.7.1: DESC unless told
    query.fingerprint = _fingerprint(params)
    if "nextPageToken" in params:
        *after, query.returned = _decode_token(params["nextPageToken"], query.fingerprint)
        query.after = after[0], after[1]
    return query


def _paging_problems(params: Mapping[str, str]) -> list[Problem]:
    """The combinations of paging parameters the standard forbids (section 8.2.7.1)."""
    if "eventCountLimit" in params and "maxEventCount" in params:
        return [Problem("maxEventCount", "either eventCountLimit or maxEventCount, not both",
                        f"both: eventCountLimit={params['eventCountLimit']!r}, "
                        f"maxEventCount={params['maxEventCount']!r}")]
    if "eventCountLimit" in params and "orderBy" not in params:
        return [Problem("eventCountLimit", "orderBy with it (which events come first)",
                        "no orderBy")]
    return []


def _apply(query: EventQuery, name: str, raw: str, max_per_page: int) -> None:
    values = [v for v in raw.split("|") if v]
    if name in PAGING:
        _apply_paging(query, name, raw, max_per_page)
    elif query_sensors.is_sensor_parameter(name):
        query.sensor.append(query_sensors.sensor_condition(name, raw))
    elif EXTENSION_PARAM.fullmatch(name):
        found = EXTENSION_PARAM.fullmatch(name)
        assert found is not None
        path = (*EXTENSION_SECTIONS[found["section"]], found["name"])
        query.conditions.append(query_sensors.extension_test(events.c.body, path, found["op"],
                                                             raw))
    elif not values:
        raise ValueError(name)
    elif name == "eventType":
        # The five standard types, or an extension's (named by an IRI or a prefixed name).
        _require_all([v for v in values if ":" not in v], EVENT_TYPES)
        query.conditions.append(events.c.event_type.in_(values))
    elif QUANTITY_PARAM.fullmatch(name):
        found = QUANTITY_PARAM.fullmatch(name)
        assert found is not None
        query.conditions.append(_quantity(found["op"], found["uom"], values))
    elif name == "EQ_action":
        _require_all(values, ACTIONS)
        query.conditions.append(events.c.action.in_(values))
    elif name in TIME_PARAMS:
        column, lower = TIME_PARAMS[name]
        micros = parse_time(raw)
        query.conditions.append(column >= micros if lower else column < micros)
    elif name == "EQ_bizStep":
        query.conditions.append(events.c.biz_step.in_(
            [vocabulary_value("bizStep", v) for v in values]))
    elif name == "EQ_disposition":
        query.conditions.append(events.c.disposition.in_(
            [vocabulary_value("disposition", v) for v in values]))
    elif name in ("EQ_readPoint", "EQ_bizLocation", "WD_readPoint", "WD_bizLocation"):
        # WD_ ("with descendants") is EQ_: no place hierarchy is registered (master data).
        column = events.c.read_point if name.endswith("readPoint") else events.c.biz_location
        query.conditions.append(column.in_([canonical_id(v) for v in values]))
    elif name in MATCH_ROLES:
        query.conditions.append(_term_match(MATCH_ROLES[name], values))
    elif name == "EQ_eventID":
        # A hash ID names the event and its error declaration (which hashes the same); an
        # eventID a repeat of a stored event was sent with is an alias of it (capture).
        aliased = select(event_aliases.c.event_pk).where(event_aliases.c.event_id.in_(values))
        query.conditions.append(or_(events.c.event_id.in_(values), events.c.hash_id.in_(values),
                                    events.c.id.in_(aliased)))
    elif name == "EXISTS_errorDeclaration":
        query.conditions.append(events.c.declared_error == 1)
    elif name == "EQ_transformationID":
        query.conditions.append(_term_in("transformation", values))
    elif name == "EQ_correctiveEventID":
        query.conditions.append(_term_in("corrective", values))
    elif name == "EQ_errorReason":
        query.conditions.append(query_body.text_in(
            ("errorDeclaration", "reason"), _cbv_forms("errorReason", values)))
    elif name in ("GE_errorDeclarationTime", "LT_errorDeclarationTime"):
        query.conditions.append(query_body.time_compared(
            ("errorDeclaration", "declarationTime"), parse_time(raw), name.startswith("GE_")))
    elif name in ("EQ_persistentDisposition_set", "EQ_persistentDisposition_unset"):
        query.conditions.append(query_body.has_any(
            ("persistentDisposition", name.rsplit("_", 1)[1]), _cbv_forms("disposition", values)))
    elif name.startswith("EQ_INNER_ILMD_") and len(name) > len("EQ_INNER_ILMD_"):
        query.conditions.append(query_body.inner_has("ilmd", name[len("EQ_INNER_ILMD_"):],
                                                     values))
    elif _typed_prefix(name):
        prefix, role = _typed_prefix(name)  # type: ignore[misc]
        vocabulary = "bizTransactionType" if role == "biz_transaction" else "sourceDestType"
        kind = vocabulary_value(vocabulary, name[len(prefix):])
        query.conditions.append(_term_in(role, values, kind))
    else:
        raise QueryParameterException(f"Unknown query parameter {name!r}")


def _quantity(op: str, uom: str | None, values: list[str]) -> ColumnElement[bool]:
    """Events with a quantity element (of any class list) compared to the values: in the
    element's own unit, the bound converted from ``uom`` when one is named."""
    amounts = [query_sensors.finite(v) for v in values]
    if op != "EQ" and len(amounts) != 1:
        raise ValueError(values)
    quantity = event_terms.c.quantity
    if uom is None:
        test = query_sensors.compare(op, quantity, amounts, exact=True)
    else:
        test = or_(*(and_(event_terms.c.uom == unit,
                          query_sensors.compare(op, quantity, bounds, exact=unit == uom))
                     for unit, bounds in query_sensors.bounds(amounts, uom, False).items()))
    return events.c.id.in_(select(event_terms.c.event_pk).where(
        event_terms.c.role.in_(tuple(QUANTITY_LISTS.values())), test))


def _cbv_forms(vocabulary: str, values: list[str]) -> list[str]:
    """Each value in every form a stored body may hold it: bare CBV word, URN, web URI."""
    forms = set(values)
    for value in values:
        word = cbv.bare_word(vocabulary, value)
        if word:
            forms |= {word, cbv.URN_PREFIXES[vocabulary] + word,
                      cbv.WEB_PREFIXES[vocabulary] + word}
    return sorted(forms)


def _apply_paging(query: EventQuery, name: str, raw: str, max_per_page: int) -> None:
    if name == "perPage":
        query.per_page = int(raw)
        if not 1 <= query.per_page <= max_per_page:
            raise ValueError(raw)
    elif name == "orderBy":
        if raw not in ORDER_COLUMNS:
            raise ValueError(raw)
        query.order_by = raw
    elif name == "orderDirection":
        if raw not in ("ASC", "DESC"):
            raise ValueError(raw)
        query.descending = raw == "DESC"
    elif name in ("eventCountLimit", "maxEventCount"):
        count = int(raw)
        if count < 0:
            raise ValueError(raw)
        if name == "eventCountLimit":
            query.limit_total = count
        else:
            query.max_count = count


def _typed_prefix(name: str) -> tuple[str, str] | None:
    for prefix, role in TYPED_PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return prefix, role
    return None


def _require_all(values: list[str], allowed: tuple[str, ...]) -> None:
    for value in values:
        if value not in allowed:
            raise ValueError(value)


def _expected(name: str) -> str:
    """What parameter ``name`` takes, in Vietnamese then English."""
    if name in TIME_PARAMS or name.endswith("_errorDeclarationTime"):
        return ("ngày giờ ISO 8601 có múi giờ / an ISO 8601 date-time with a time zone, "
                "e.g. 2026-05-01T08:30:00+07:00")
    if query_sensors.is_sensor_parameter(name):
        return query_sensors.expected(name)
    extension = EXTENSION_PARAM.fullmatch(name)
    if extension:
        return query_sensors.expected(f"{extension['op']}_SENSORREPORT_{extension['name']}")
    quantity = QUANTITY_PARAM.fullmatch(name)
    if quantity:
        return query_sensors.expected(f"{quantity['op']}_value")
    return _EXPECTED.get(name, "một tham số của SimpleEventQuery (EPCIS 2.0) / a parameter of "
                         "the EPCIS 2.0 SimpleEventQuery")


_IDS = "mã EPC hoặc GS1 Digital Link cách nhau bởi | / EPC URIs or GS1 Digital Links separated by |"
_EXPECTED = {
    "eventType": "loại sự kiện cách nhau bởi | / event types separated by |: "
                 + ", ".join(EVENT_TYPES),
    "EQ_action": "ADD, OBSERVE hoặc / or DELETE",
    "perPage": "số sự kiện mỗi trang, ít nhất 1 / a whole number of events per page, at least 1",
    "orderBy": "eventTime hoặc / or recordTime",
    "orderDirection": "ASC hoặc / or DESC",
    **dict.fromkeys((*MATCH_ROLES, "EQ_readPoint", "EQ_bizLocation", "WD_readPoint",
                     "WD_bizLocation"), _IDS),
    **dict.fromkeys(PAGING, "một số nguyên / a whole number"),
}


def _id_condition(column: Any, value: str) -> ColumnElement[bool]:
    """Exact match, or a class match for a pattern such as urn:epc:idpat:sgtin:0614141.107346.*"""
    if value.startswith("urn:epc:idpat:sgtin:") and value.endswith(".*"):
        parts = value[len("urn:epc:idpat:sgtin:"):-2].split(".")
        if len(parts) != 2 or "*" in parts[1]:
            raise ValueError(value)
        product = canonical_id(f"urn:epc:class:lgtin:{parts[0]}.{parts[1]}.x").rsplit("/10/", 1)[0]
        return or_(column == product, column.startswith(product + "/", autoescape=True))
    exact: ColumnElement[bool] = column == canonical_id(value)
    return exact


def _term_match(roles: tuple[str, ...], values: list[str]) -> ColumnElement[bool]:
    matches = or_(*(_id_condition(event_terms.c.value, v) for v in values))
    return events.c.id.in_(
        select(event_terms.c.event_pk).where(event_terms.c.role.in_(roles), matches))


def _term_in(role: str, values: list[str], kind: str | None = None) -> ColumnElement[bool]:
    where = [event_terms.c.role == role, event_terms.c.value.in_(values)]
    if kind is not None:
        where.append(event_terms.c.type == kind)
    return events.c.id.in_(select(event_terms.c.event_pk).where(*where))


def _fingerprint(params: Mapping[str, str]) -> str:
    stable = sorted((k, v) for k, v in params.items() if k != "nextPageToken")
    return hashlib.sha256(orjson.dumps(stable)).hexdigest()[:16]


def _encode_token(sort_value: int, pk: int, fingerprint: str, returned: int) -> str:
    raw = orjson.dumps([sort_value, pk, fingerprint, returned])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, fingerprint: str) -> tuple[int, int, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        sort_value, pk, seen, returned = orjson.loads(base64.urlsafe_b64decode(padded))
        if seen != fingerprint:
            raise ValueError("token belongs to another query")
        return int(sort_value), int(pk), int(returned)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise QueryParameterException(
            "The nextPageToken is not valid for this query",
            [Problem("nextPageToken", "the token from the previous page's Link header, with the "
                     "same other parameters", repr(token[:40]))],
        ) from exc


# Roles whose values name the parties an event shares itself with (trust.may_read).
PARTY_ROLES = ("source", "destination")


@dataclass(frozen=True)
class Readable:
    """Which events a query may return to an organization: the SQL narrowing (a superset) and,
    for events of others, the viewer that :func:`agritrace.trust.may_read` judges them for."""

    condition: ColumnElement[bool]
    viewer: Viewer | None = None
    # The part of the condition that may_read always allows (own events, a regulator's area),
    # and the part that only names candidates (parties in the caller's ranges).
    certain: ColumnElement[bool] | None = None
    candidates: ColumnElement[bool] | None = None


def readable(conn: Connection, org: Organization, shared: bool) -> Readable:
    """The organization's own events, and with ``shared`` also what trust.may_read lets it read
    of others' (naming it as source or destination, or in a regulator's area)."""
    own: ColumnElement[bool] = events.c.org_id == org.id
    if not shared:
        return Readable(own)
    reach = reach_of(conn, org.id)
    certain = [own]
    if reach is not None:
        places = list(reach.places)
        certain += [events.c.org_id.in_(list(reach.orgs)), events.c.read_point.in_(places),
                    events.c.biz_location.in_(places)]
    ranges = [and_(event_terms.c.value >= low, event_terms.c.value < high)
              for low, high in code_ranges(conn, org.id)]
    candidates = events.c.id.in_(select(event_terms.c.event_pk).where(
        event_terms.c.role.in_(PARTY_ROLES), or_(*ranges))) if ranges else None
    sure = or_(*certain)
    return Readable(or_(sure, candidates) if candidates is not None else sure,
                    Viewer(org.id, Owners(), reach), sure, candidates)


def readable_ids(conn: Connection, scope: Readable, batch: int = 1000) -> list[int]:
    """The ids of the candidate events (beyond the certain ones) that may_read allows."""
    if scope.candidates is None or scope.certain is None:
        return []
    found: list[int] = []
    last = 0
    while True:
        rows: list[Row[Any]] = list(conn.execute(select(
            events.c.id, events.c.org_id, events.c.hash_id, events.c.read_point,
            events.c.biz_location).where(scope.candidates, ~scope.certain, events.c.id > last)
            .order_by(events.c.id).limit(batch)))
        found += [row.id for row in _visible(conn, scope.viewer, rows)]
        if len(rows) < batch:
            return found
        last = rows[-1].id


def build_select(query: EventQuery, where: ColumnElement[bool],
                 after: tuple[int, int] | None = None, *, bodies: bool = True) -> Select[Any]:
    column = ORDER_COLUMNS[query.order_by]
    statement = select(events.c.id, events.c.org_id, events.c.hash_id, events.c.read_point,
                       events.c.biz_location, column.label("sort_value"))
    if bodies:
        statement = statement.add_columns(events.c.body, events.c.namespaces,
                                          events.c.record_time_us)
    statement = statement.where(where, *query.conditions)
    if after is not None:
        value, pk = after
        cmp: Callable[[Any, Any], ColumnElement[bool]] = (
            (lambda a, b: a < b) if query.descending else (lambda a, b: a > b))
        statement = statement.where(or_(cmp(column, value),
                                        and_(column == value, cmp(events.c.id, pk))))
    if query.descending:
        return statement.order_by(column.desc(), events.c.id.desc())
    return statement.order_by(column.asc(), events.c.id.asc())


def run_query(engine: Engine, query: EventQuery, org: Organization, *,
              shared: bool = False) -> QueryPage:
    """One page of matching events, with the token for the next page if there is more.

    Without ``shared`` only the organization's own events; with it, also the events of others
    that trust.may_read lets it read (the EPCIS API). Those are fetched in batches and judged
    one by one, so a page holds only readable events and a hidden one is never counted.
    QueryTooLargeException when more events match than ``maxEventCount``."""
    size = query.per_page
    if query.limit_total is not None:
        size = min(size, query.limit_total - query.returned)
    with engine.connect() as conn:
        scope = readable(conn, org, shared)
        if query.max_count is not None and query.after is None:
            _check_count(conn, query, scope, query.max_count)
        found = _collect(conn, query, scope, size + 1, bodies=True) if size > 0 else []
    more = len(found) > size and (query.limit_total is None
                                  or query.returned + size < query.limit_total)
    found = found[:size]
    page = [StoredEvent(_with_record_time(row.body, row.record_time_us),
                        orjson.loads(row.namespaces)) for row in found]
    token = (_encode_token(found[-1].sort_value, found[-1].id, query.fingerprint,
                           query.returned + len(found)) if more else None)
    return QueryPage(page, token)


def _collect(conn: Connection, query: EventQuery, scope: Readable, wanted: int, *,
             bodies: bool) -> list[Row[Any]]:
    """Up to ``wanted`` readable matching rows from the query's position, fetched in batches."""
    found: list[Row[Any]] = []
    after = query.after
    while True:
        statement = build_select(query, scope.condition, after, bodies=bodies).limit(wanted)
        rows = list(conn.execute(statement))
        found += _visible(conn, scope.viewer, rows)
        if len(found) >= wanted or len(rows) < wanted:
            return found[:wanted]
        after = rows[-1].sort_value, rows[-1].id


def _check_count(conn: Connection, query: EventQuery, scope: Readable, most: int) -> None:
    if len(_collect(conn, query, scope, most + 1, bodies=False)) > most:
        raise QueryTooLargeException(
            f"More than maxEventCount={most} events match this query; narrow it, or page "
            "through it with perPage and no maxEventCount", [Problem(
                "maxEventCount", f"at most {most} matching events", f"more than {most}")])


def _visible(conn: Connection, viewer: Viewer | None, rows: list[Row[Any]]) -> list[Row[Any]]:
    """The rows ``viewer`` may read: its own, and the others' that trust.may_read allows."""
    others = [row.id for row in rows if viewer is not None and row.org_id != viewer.org_id]
    if viewer is None or not others:
        return rows
    parties: dict[int, list[str]] = {}
    for pk, value in conn.execute(select(event_terms.c.event_pk, event_terms.c.value).where(
            event_terms.c.event_pk.in_(others), event_terms.c.role.in_(PARTY_ROLES))):
        parties.setdefault(pk, []).append(value)
    viewer = Viewer(viewer.org_id, Owners.load(conn, {v for vs in parties.values() for v in vs}),
                    viewer.reach)
    shown = [row for row in rows if may_read(
        viewer, row.org_id, parties.get(row.id, []),
        [p for p in (row.read_point, row.biz_location) if p])]
    return _without_copies(conn, viewer.org_id, shown)


def _without_copies(conn: Connection, org_id: int, rows: list[Row[Any]]) -> list[Row[Any]]:
    """The rows but another organization's copy of an event the reader captured too (capture
    deduplicates per organization): the reader meets its own copy once."""
    foreign = {row.hash_id for row in rows if row.org_id != org_id}
    if not foreign:
        return rows
    own = set(conn.scalars(select(events.c.hash_id).where(
        events.c.org_id == org_id, events.c.hash_id.in_(foreign))))
    return [row for row in rows if row.org_id == org_id or row.hash_id not in own]


def _with_record_time(body: str, record_time_us: int) -> Event:
    event: Event = orjson.loads(body)
    event["recordTime"] = format_time(record_time_us)
    return event
