"""One dict of public facts per scanned code, from the event log: what the consumer page and the
linkset are both rendered from.

The walk goes one step back at a time (Circular 02/2024: "one step back, one step forward"):
from the item to its lot (ILMD ``lotNumber``), from an output to the inputs of the transformation
that made it, from a harvested lot to its season's diary (ILMD ``agt:season``), and forward from
an item to the case or pallet it was packed in. Only what may be public is copied out: steps,
dates, places, product names of inputs applied; never quantities, prices, customers or
transactions (no ``quantity``, ``bizTransactionList``, ``sourceList`` or ``destinationList``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from urllib.parse import quote

import orjson
from sqlalchemy import Engine

from agritrace.epcis import cbv
from agritrace.farm.diary import vietnam_today
from agritrace.ids.digital_link import GS1_CANONICAL_BASE, DigitalLink
from agritrace.ids.epc import lenient_id
from agritrace.ids.gs1 import Gln, Gtin, Sscc
from agritrace.scans import registry
from agritrace.scans.journey import stages
from agritrace.scans.verdict import History, Policy, Status, decide
from agritrace.store.raw import AsyncRaw, awaiting
from agritrace.trust import END_STEPS, Custody, Owners, claims, grant_candidates
from agritrace.vietnam_time import vietnam_day

MAX_DEPTH = 8
MAX_EVENTS = 200
MAX_PER_PARTY = 20  # events of one party other than the scanned code's speakers, per step
MAX_ORIGINS = 20  # plots listed for a blend; the page stays small
VOID_DISPOSITIONS = frozenset({"inactive", "destroyed", "disposed", "stolen", "no_pedigree_match"})
VOID_STEPS = frozenset({"decommissioning", "destroying"})
# The events that set whether a stamp is in use: the newest of them decides (a shipment or a
# scan afterwards does not bring a voided stamp back).
_LIFECYCLE_STEPS = VOID_STEPS | {"commissioning"}
_LIFECYCLE_DISPOSITIONS = VOID_DISPOSITIONS | {"active"}
# Parsed event bodies by hash ID and row id: events are immutable, and a stamp's commissioning
# event names a thousand stamps, so every scan of any of them would parse it again.
_BODY_CACHE_SIZE = 2048
# Public detail fields of an event (diary extension terms), copied to the journey as written.
_PUBLIC_DETAILS = ("agt:product", "agt:activeIngredients", "agt:variety", "agt:material",
                   "agt:targetPest", "agt:activity", "agt:method", "agt:species",
                   "agt:seedOrigin", "agt:breed")
_CONSUMED = frozenset({"input", "input_class"})
# Roles in which an event makes (commissions) what it names, so its ILMD describes it.
_MADE = frozenset({"epc", "epc_class", "output", "output_class"})
_ILMD_DATES = ("cbvmda:bestBeforeDate", "cbvmda:itemExpirationDate", "cbvmda:sellByDate")


def identifiers(link: DigitalLink) -> dict[str, str]:
    """The canonical ids (as the store indexes them) a scanned link stands for.

    >>> sorted(identifiers(DigitalLink.parse("/01/08931234567897/10/L1/21/S1")).items())
    ... # doctest: +NORMALIZE_WHITESPACE
    [('item', 'https://id.gs1.org/01/08931234567897/21/S1'),
     ('lot', 'https://id.gs1.org/01/08931234567897/10/L1'),
     ('product', 'https://id.gs1.org/01/08931234567897')]
    """
    key = link.key
    if isinstance(key, Sscc):
        return {"item": f"{GS1_CANONICAL_BASE}/00/{key}"}
    if isinstance(key, Gln):
        return {"place": f"{GS1_CANONICAL_BASE}/414/{key}"}
    product = f"{GS1_CANONICAL_BASE}/01/{key}"
    ids = {"product": product}
    if link.lot is not None:
        ids["lot"] = f"{product}/10/{quote(str(link.lot), safe='')}"
    if link.serial is not None:
        ids["item"] = f"{product}/21/{quote(str(link.serial), safe='')}"
    return ids


async def answer(engine: Engine, link: DigitalLink, policy: Policy, base_url: str,
                 generation: int | None = None) -> dict[str, Any]:
    """The facts of ``link`` read on one connection, with the verdict of the log alone (unknown,
    recalled, voided, unverified: no scan history) and the :class:`Status` it came from under
    ``"status"``, for a caller that adds a scan history (the consumer page).

    ``generation``: the page cache's generation read before (:mod:`agritrace.pagecache`);
    facts kept in this process (the owners of codes) are then those of that generation, never
    older. Statements run in autocommit: each read sees what is committed, as it would in a
    read-committed transaction, and the page pays no BEGIN or COMMIT round trip.
    """
    async with awaiting(engine) as raw:
        facts, status = await gather(raw, link, base_url, generation)
        await registry.enrich(raw, facts, vietnam_today())
    facts["status"] = status
    facts["verdict"] = decide(status, History(), policy)
    return facts


async def gather(raw: AsyncRaw, link: DigitalLink, base_url: str,
                 generation: int | None = None) -> tuple[dict[str, Any], Status]:
    """Everything public about ``link`` that the page believes (:func:`_believed`), and what the
    log says of it for the verdict."""
    ids = identifiers(link)
    own = _own_ids(ids)
    start = await _direct_ids(raw, ids) if "item" not in ids and "lot" not in ids else own
    lot_only = "lot" in ids and "item" not in ids
    seeds = await _lot_made(raw, ids["product"], str(link.lot)) if lot_only else set()
    root = await _owners(raw, {c for code in start for c in grant_candidates(code)}, generation)
    favoured = frozenset().union(*(root.speakers(code) for code in start))
    found = await _walk(raw, start, ids.get("item"), seeds, ids.get("lot"), favoured)
    found.sort(key=lambda e: (e["_time_us"], e["_pk"]))  # ties: in the order stored
    owners = await _owners(raw, _codes(found, start), generation)
    trusted = _believed(found, start, owners, unit="item" in ids)
    shown = trusted.events
    direct = [e for e in shown if e["_direct"]]
    status = _status(direct, shown, serialized="item" in ids, owned=trusted.owned)
    origins = _origins(shown)
    journey = [_step(e) for e in shown]
    return {
        "code": link.path,
        "uri": link.uri(base_url),
        "element_string": link.element_string(),
        "kind": type(link.key).__name__.lower(),
        "gtin": str(link.key) if isinstance(link.key, Gtin) else None,
        "lot": str(link.lot) if link.lot else _ilmd(direct, "cbvmda:lotNumber"),
        "serial": str(link.serial) if link.serial else None,
        "product": _product(shown, link),
        "producer": direct[0]["_by"] if direct else None,
        "origin": origins[0] if origins else None,
        "origins": origins,
        "journey": journey,
        "stages": stages(journey, origins),
        "certificates": _certificates(shown),
        "best_before": _best_before(direct),
        "recalled": status.recalled,
        "others": trusted.others,
        "logged": await _logged(raw, direct),
    }, status


# The first of the code's own events appended to the verifiable log (issue 18, docs/ledger.md):
# the page says since when the code's record is there and links to that event's inclusion proof.
_LOGGED = ("SELECT hash_id, record_time_us FROM ledger_leaves WHERE event_pk IN ({}) "
           "ORDER BY leaf_index LIMIT 1")


async def _logged(raw: AsyncRaw, direct: list[dict[str, Any]]) -> dict[str, Any] | None:
    pks = [e["_pk"] for e in direct[:100]]  # the earliest ones: a bounded IN list
    rows = await raw.rows(_LOGGED.format(", ".join("?" * len(pks))), pks) if pks else []
    if not rows:
        return None
    hash_id, record_time_us = rows[0]
    return {"since": vietnam_day(record_time_us),
            "proof": "/log/proof/inclusion?event=" + quote(hash_id, safe="")}


def _own_ids(ids: dict[str, str]) -> set[str]:
    return {v for k, v in ids.items() if k != "product"} or {ids["product"]}


_PRODUCT_IDS = "SELECT DISTINCT value FROM event_terms WHERE value LIKE ? LIMIT ?"


async def _direct_ids(raw: AsyncRaw, ids: dict[str, str]) -> set[str]:
    """For a GTIN-only or GLN scan: every class/item of that product, or the place itself."""
    if "place" in ids:
        return {ids["place"]}
    prefix = ids["product"]
    return {v for (v,) in await raw.rows(_PRODUCT_IDS, (prefix + "%", MAX_EVENTS))
            if v == prefix or v.startswith((prefix + "/10/", prefix + "/21/"))}


# The events that made items of one GTIN with one lot in their ILMD (a lot code's own events
# name the lot; its bags are named one by one). The lot is matched in the stored body, which is
# compact JSON; the range on event_terms keeps only events naming items of the GTIN.
_LOT_MADE = ("SELECT e.id FROM events e WHERE e.biz_step = 'commissioning' "
             "AND e.body LIKE ? ESCAPE '!' AND EXISTS (SELECT 1 FROM event_terms t "
             "WHERE t.event_pk = e.id AND t.role IN ('epc', 'output') "
             "AND t.value >= ? AND t.value < ?) ORDER BY e.id LIMIT ?")
MAX_LOT_EVENTS = 20


async def _lot_made(raw: AsyncRaw, product: str, lot: str) -> set[int]:
    written = orjson.dumps({"cbvmda:lotNumber": lot}).decode()[1:-1]
    pattern = "%" + "".join("!" + c if c in "!%_" else c for c in written) + "%"
    items = product + "/21/"
    return {pk for (pk,) in await raw.rows(_LOT_MADE, (pattern, items, items[:-1] + "0",
                                                        MAX_LOT_EVENTS))}


async def _walk(raw: AsyncRaw, start: set[str], item: str | None = None,
                seeds: set[int] | frozenset[int] = frozenset(), lot: str | None = None,
                favoured: Collection[int] = ()) -> list[dict[str, Any]]:
    """The events around ``start``, one step at a time; ``seeds``: events that made ``lot``'s
    items, walked as if they named the lot itself; ``favoured``: the organizations whose events
    are read first (the scanned code's speakers)."""
    seen_ids: set[str] = set(start)
    frontier, direct = set(start), set(start)
    result: dict[int, dict[str, Any]] = {}
    for _ in range(MAX_DEPTH):
        if not frontier or len(result) >= MAX_EVENTS:
            break
        rows = await _events_naming(raw, frontier, direct, set(result), seeds, favoured)
        seeds = frozenset()
        following: set[str] = set()
        for row in rows:
            named = {(role, value) for role, value in row.terms if value in frontier}
            if not named and lot is not None and row.seed:
                made = "output" if row.body.get("type") == "TransformationEvent" else "epc"
                named = {(made, lot)}
            roles = {role for role, _ in named}
            if roles and roles <= _CONSUMED:
                continue  # a later use of an input: siblings, not this item's history
            event = dict(row.body)  # a copy: the parsed body is shared through the cache
            values = {v for _, v in row.terms} | {v for _, v in named}
            event.update(_pk=row.id, _by=row.org_name, _org=row.org_id,
                         _time_us=row.event_time_us, _step=row.biz_step,
                         _disposition=row.disposition, _direct=bool(direct & values),
                         _item=item in values, _place=row.biz_location or row.read_point)
            following |= _believable(event, named, values, row)
            result[row.id] = event
        frontier = following - seen_ids
        seen_ids |= frontier
    return list(result.values())


def _believable(event: dict[str, Any], named: set[tuple[str, str]], values: set[str],
                row: _Row) -> set[str]:
    """Note on ``event`` what :func:`_believed` weighs (what it names and claims, where it
    sends custody, where it leads) and return where it leads."""
    ilmd = event.get("ilmd")
    event["_named"] = values
    event["_values"] = values | {p for p in (row.biz_location, row.read_point) if p}
    event["_claims"] = claims(event.get("type", ""), event.get("action"), row.biz_step,
                              row.disposition, bool(ilmd), named)
    event["_dest"] = [(d["destination"], _kind(d.get("type")))
                      for d in event.get("destinationList") or ()
                      if isinstance(d, dict) and isinstance(d.get("destination"), str)]
    event["_next"] = _next_ids(event, named)
    return set(event["_next"])


def _kind(value: object) -> str | None:
    return (cbv.bare_word("sourceDestType", value) or value) if isinstance(value, str) else None


class _Trusted(NamedTuple):
    events: list[dict[str, Any]]
    others: int  # events of parties the page does not believe
    owned: bool  # an organization holds the scanned code


def _believed(found: list[dict[str, Any]], start: set[str], owners: Owners, unit: bool
              ) -> _Trusted:
    """The events a consumer page believes (agritrace.trust), in time order.

    Reached from the scanned code through believed events only: a claim about a code from its
    speakers, a custody event from a speaker of a code it names or a party a believed event sent
    custody to. A unit's journey ends at its sale or the end of its life; its speakers' claims
    after that (a recall of it or of a lot it was made from) still count. A code no organization
    holds is spoken for by whoever made claims about it, and its verdict says so.
    """
    speakers_of = _Memo(owners.speakers)
    speakers = frozenset().union(*(speakers_of(code) for code in start))
    owned = bool(speakers)
    if not owned:
        speakers = frozenset(e["_org"] for e in found if e["_claims"] & start)
    custody = Custody(speakers)
    reached, believed = set(start), set[int]()
    # A code no organization holds (a season, an unowned input) reached through a believed event
    # is spoken for by that event's party: the cooperative's harvest names its season's diary.
    named_by: dict[str, set[int]] = {}

    def speaks(code: str) -> Collection[int]:
        return speakers_of(code) or named_by.get(code, ())

    grew = True
    while grew:  # until no believed event admits a party or reaches a code
        grew = False
        for event in found:
            if (event["_pk"] in believed or not event["_values"] & reached
                    or not _credible(event, speaks, custody, reached)):
                continue
            believed.add(event["_pk"])
            reached |= event["_next"]
            for code in event["_next"]:
                if not speakers_of(code):
                    named_by.setdefault(code, set()).add(event["_org"])
            custody.follow(owners, event["_dest"])
            grew = True
    events = [e for e in found if e["_pk"] in believed]
    end = next((e["_time_us"] for e in events if unit and e["_direct"]
                and e["_step"] in END_STEPS), None)
    if end is not None:
        events = [e for e in events if e["_time_us"] <= end or e["_claims"]]
    return _Trusted(events, len(found) - len(believed), owned)


class _Memo(dict[str, frozenset[int]]):
    """A code's speakers, asked once per page (each asks for its grant candidates)."""

    def __init__(self, speakers: Callable[[str], frozenset[int]]) -> None:
        super().__init__()
        self._speakers = speakers

    def __missing__(self, code: str) -> frozenset[int]:
        found = self[code] = self._speakers(code)
        return found

    def __call__(self, code: str) -> frozenset[int]:
        return self[code]


def _credible(event: dict[str, Any], speaks: Callable[[str], Collection[int]],
              custody: Custody, reached: set[str]) -> bool:
    org = event["_org"]
    claimed = event["_claims"] & reached
    if claimed:
        return all(org in (speaks(code) or custody.admitted) for code in claimed)
    return custody.believes(org, False) or any(
        org in speaks(code) for code in event["_values"] & reached)


def _codes(found: list[dict[str, Any]], start: set[str]) -> set[tuple[str, str]]:
    """The grants that may cover a code or a receiving party of the events found (places
    matter only where a place was scanned: it is then in ``start``)."""
    codes = set(start)
    for event in found:
        codes |= event["_named"]
        codes.update(value for value, _ in event["_dest"])
    return {candidate for code in codes for candidate in grant_candidates(code)}


# The grants covering some codes (an organization's own GLN counts as one) and the delegates of
# their holders, as tagged rows: one round trip.
_OWNERS = ("SELECT 'g', kind, value, org_id FROM org_grants WHERE revoked_us IS NULL AND {v1} "
           "UNION ALL SELECT 'g', 'gln', gln, id FROM organizations WHERE {g1} "
           "UNION ALL SELECT 'd', '', CAST(owner_id AS TEXT), delegate_id FROM delegations "
           "WHERE revoked_us IS NULL AND owner_id IN (SELECT org_id FROM org_grants "
           "WHERE revoked_us IS NULL AND {v2} UNION SELECT id FROM organizations WHERE {g2})")


# Grants change by an operator's command, rarely; every pack of a product asks for the same
# ones (a serial's candidates are its GTIN's). Kept a few seconds per process and database, and
# per page cache generation when the caller read one: a page stored under a generation never
# holds the owners of an older one (a grant change bumps it).
_OWNERS_TTL_S = 5.0
_OWNERS_KEPT = 1024
_owners_seen: dict[tuple[str, int | None, frozenset[tuple[str, str]]], tuple[float, Owners]] = {}


async def _owners(raw: AsyncRaw, wanted: set[tuple[str, str]], generation: int | None = None
                  ) -> Owners:
    key = (raw.database, generation, frozenset(wanted))
    seen = _owners_seen.get(key)
    now = time.monotonic()
    if seen is not None and seen[0] > now:
        return seen[1]
    owners = await _load_owners(raw, wanted)
    if len(_owners_seen) >= _OWNERS_KEPT:
        _owners_seen.clear()
    _owners_seen[key] = (now + _OWNERS_TTL_S, owners)
    return owners


async def _load_owners(raw: AsyncRaw, wanted: set[tuple[str, str]]) -> Owners:
    if not wanted:
        return Owners()
    values = {value for _, value in wanted}
    glns = {value for kind, value in wanted if kind == "gln"} or {""}
    (v, pv), (g, pg) = raw.among("value", values), raw.among("gln", glns)
    sql = _OWNERS.format(v1=v, g1=g, v2=v, g2=g)
    grants, delegates = [], []
    for tag, kind, value, org in await raw.rows(sql, (*pv, *pg, *pv, *pg)):
        if tag == "d":
            delegates.append((int(value), org))
        elif (kind, value) in wanted:
            grants.append((kind, value, org))
    return Owners.from_rows(grants, lambda held: [(o, d) for o, d in delegates if o in held])


# Events naming one of the ids, or at one of them as a place (declarations of errors left out),
# the scanned code's speakers' first and every other party's first few only: another party's
# flood of events about a code cannot push its owner's out of the walk's limit.
# each with the terms by which it names any of the ids asked for (a LEFT JOIN: an event found by
# its place may name none). A stamp batch's event names a thousand others: only these are read.
# The union keeps each branch on its own index on both engines (an OR with a subquery does not);
# the unary plus keeps SQLite off the event_pk index, which would walk all thousand terms.
# An event declared erroneous (a declaration of the same content or the same eventID, as trace
# reads it) is left out; its corrective events are ordinary events and are shown.
_EVENTS = ("SELECT e.id, e.hash_id, e.event_time_us, e.biz_step, e.disposition, e.biz_location, "
           "e.read_point, o.name, o.id, t.role, t.value FROM (SELECT id, hash_id, event_time_us, "
           "biz_step, disposition, biz_location, read_point, org_id FROM (SELECT id, hash_id, "
           "event_time_us, biz_step, disposition, biz_location, read_point, org_id, "
           "ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY event_time_us, id) AS nth "
           "FROM events WHERE id IN "
           "(SELECT event_pk FROM event_terms WHERE {value} "
           "UNION SELECT id FROM events WHERE {biz_location} "
           "UNION SELECT id FROM events WHERE {read_point}{seeds}) "
           "AND declared_error = 0 AND NOT EXISTS (SELECT 1 FROM events d WHERE d.dedupe_key = "
           "CAST(events.org_id AS VARCHAR(20)) || '/' || events.hash_id || '#declared') "
           "AND (events.event_id IS NULL OR NOT "
           "EXISTS (SELECT 1 FROM events d WHERE d.event_id = events.event_id AND "
           "d.declared_error = 1))) k WHERE nth <= ? OR {favoured} "
           "ORDER BY CASE WHEN {favoured} THEN 0 ELSE 1 END, event_time_us, id LIMIT ?) e "
           "JOIN organizations o ON o.id = e.org_id "
           "LEFT JOIN event_terms t ON +t.event_pk = e.id AND t.{terms} "
           "ORDER BY e.event_time_us, e.id")
_BODIES = "SELECT id, body FROM events WHERE {id}"


async def _events_naming(raw: AsyncRaw, values: set[str], direct: set[str],
                         skip: set[int], seeds: Collection[int] = (),
                         favoured: Collection[int] = ()) -> list[_Row]:
    """The events naming ``values`` (or among ``seeds``) and not in ``skip``, in time order,
    ``favoured`` organizations' first; one query."""
    conditions = [raw.among(column, ids) for column, ids in (
        ("value", values), ("biz_location", values), ("read_point", values),
        ("value", values | direct))]
    (by_value, p1), (by_location, p2), (by_point, p3), (terms, p4) = conditions
    by_seed, p5 = raw.among("id", seeds) if seeds else ("", [])
    by_org, p6 = raw.among("org_id", favoured) if favoured else ("1 = 0", [])
    sql = _EVENTS.format(value=by_value, biz_location=by_location, read_point=by_point,
                         terms=terms, seeds=f" UNION SELECT id FROM events WHERE {by_seed}"
                         if seeds else "", favoured=by_org)
    params = (*p1, *p2, *p3, *p5, MAX_PER_PARTY, *p6, *p6, MAX_EVENTS, *p4)
    events: dict[int, tuple[_Event, list[tuple[str, str]]]] = {}
    for *columns, role, value in await raw.rows(sql, params):
        if columns[0] in skip:
            continue
        named = events.setdefault(columns[0], (_Event(*columns), []))[1]
        if role is not None:
            named.append((role, value))
    if not events:
        return []
    bodies = await _bodies(raw, [(e.id, e.hash_id) for e, _ in events.values()])
    return [_Row(e, named, bodies[e.id], e.id in seeds) for e, named in events.values()]


class _BodyCache:
    """A small thread-safe LRU of parsed event bodies, keyed by (row id, hash ID)."""

    def __init__(self, size: int) -> None:
        self._size, self._items = size, OrderedDict[tuple[int, str], dict[str, Any]]()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> dict[str, Any] | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[int, str], body: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = body
            if len(self._items) > self._size:
                self._items.popitem(last=False)


_BODIES_CACHE = _BodyCache(_BODY_CACHE_SIZE)


async def _bodies(raw: AsyncRaw, keys: list[tuple[int, str]]) -> dict[int, dict[str, Any]]:
    found = {pk: body for pk, hash_id in keys if (body := _BODIES_CACHE.get((pk, hash_id)))}
    missing = {pk: hash_id for pk, hash_id in keys if pk not in found}
    if missing:
        by_id, params = raw.among("id", missing)
        for pk, text in await raw.rows(_BODIES.format(id=by_id), params):
            found[pk] = orjson.loads(text)
            _BODIES_CACHE.put((pk, missing[pk]), found[pk])
    return found


class _Event(NamedTuple):
    id: int
    hash_id: str
    event_time_us: int
    biz_step: str | None
    disposition: str | None
    biz_location: str | None
    read_point: str | None
    org_name: str
    org_id: int


class _Row:
    def __init__(self, row: _Event, terms: list[tuple[str, str]], body: dict[str, Any],
                 seed: bool = False) -> None:
        self.id, self.body, self.org_name, self.org_id = row.id, body, row.org_name, row.org_id
        self.seed = seed
        self.event_time_us, self.biz_step = row.event_time_us, row.biz_step
        self.disposition, self.read_point = row.disposition, row.read_point
        self.biz_location, self.terms = row.biz_location, terms


def _next_ids(event: dict[str, Any], named: set[tuple[str, str]]) -> set[str]:
    """One step back (inputs, lot, season) or forward (the parent it was packed into).

    ``named`` holds the (role, id) pairs by which the event names the walk's current ids.
    """
    roles = {role for role, _ in named}
    found: set[str] = set()
    if roles & {"output", "output_class"}:
        found |= {lenient_id(e) for e in event.get("inputEPCList") or ()}
        found |= {lenient_id(q["epcClass"]) for q in event.get("inputQuantityList") or ()}
    if roles & {"child", "child_class"} and event.get("parentID"):
        found.add(lenient_id(event["parentID"]))
    if not roles & _MADE:
        return found
    ilmd = event.get("ilmd") or {}
    if isinstance(ilmd.get("agt:season"), str):
        found.add(ilmd["agt:season"])
    lot = ilmd.get("cbvmda:lotNumber")
    if isinstance(lot, str):
        for role, value in named:
            if role in ("epc", "output") and "/21/" in value:
                found.add(value.split("/21/")[0] + "/10/" + quote(lot, safe=""))
    return found


def _status(direct: list[dict[str, Any]], found: list[dict[str, Any]],
            serialized: bool, owned: bool) -> Status:
    # A serialized stamp is issued only if an event names that very item: events of its lot
    # say nothing about a serial a forger made up.
    own = [e for e in direct if e["_item"]] if serialized else direct
    last = next((e for e in reversed(own) if e["_disposition"] in _LIFECYCLE_DISPOSITIONS
                 or e["_step"] in _LIFECYCLE_STEPS), None)
    voided = last is not None and (last["_disposition"] in VOID_DISPOSITIONS
                                   or last["_step"] in VOID_STEPS)
    recalled = any(e["_disposition"] == "recalled" or e["_step"] == "recalling" for e in found)
    return Status(issued=bool(own), voided=voided, recalled=recalled, serialized=serialized,
                  owned=owned)


def _word(value: str | None) -> str | None:
    if not value:
        return None
    return cbv.bare_word("bizStep", value) or value.rstrip("/").rsplit("/", 1)[-1]


def _step(event: dict[str, Any]) -> dict[str, Any]:
    details = [str(v) if not isinstance(v, list) else ", ".join(map(str, v))
               for k in _PUBLIC_DETAILS if (v := event.get(k))]
    return {
        "step": _word(event["_step"]) or event.get("type", "event"),
        "date": _local_day(event),
        "place": _place_label(event.get("_place")),
        "place_id": event.get("_place"),
        "by": event["_by"],
        "details": details,
        "recalled": event["_disposition"] == "recalled",
    }


def _local_day(event: dict[str, Any]) -> date:
    time = event.get("eventTime")
    if isinstance(time, str):
        try:
            return datetime.fromisoformat(time).date()
        except ValueError:
            pass
    return vietnam_day(event["_time_us"])


def _place_label(place: str | None) -> str | None:
    """A location in words a consumer can read: the GLN, or the id as written."""
    if not place:
        return None
    if place.startswith(GS1_CANONICAL_BASE + "/414/"):
        return "GLN " + place.rsplit("/414/", 1)[1].replace("/254/", " · ")
    return place


def _ilmd(found: Iterable[dict[str, Any]], key: str) -> Any:
    for event in found:
        value = (event.get("ilmd") or {}).get(key)
        if value:
            return value
    return None


def _product(found: list[dict[str, Any]], link: DigitalLink) -> dict[str, Any]:
    name = _ilmd(found, "agt:productName") or next(
        (e["agt:productName"] for e in found if e.get("agt:productName")), None)
    return {"name": name, "gtin": str(link.key), "image": _ilmd(found, "agt:productImage"),
            "country": _ilmd(found, "cbvmda:countryOfOrigin")}


def _origins(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each plot a harvest in the walk names, in time order: a blend has several."""
    origins: dict[str, dict[str, Any]] = {}
    for event in found:
        ilmd = event.get("ilmd") or {}
        plot = ilmd.get("agt:plot") if isinstance(ilmd, dict) else None
        if not isinstance(plot, str) or plot in origins or len(origins) >= MAX_ORIGINS:
            continue
        origins[plot] = {
            "plot": plot,
            "season": ilmd.get("agt:season"),
            "harvest_start": ilmd.get("cbvmda:harvestStartDate"),
            "harvest_end": ilmd.get("cbvmda:harvestEndDate"),
            "area_code": ilmd.get("agt:growingAreaCode"),
            "commune": ilmd.get("agt:commune"),
            "province": ilmd.get("agt:province"),
            "geometry": ilmd.get("agt:plotGeometry"),
        }
    return list(origins.values())


def _certificates(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    certificates: list[dict[str, Any]] = []
    for event in found:
        for cert in (event.get("ilmd") or {}).get("agt:certificates") or ():
            if isinstance(cert, dict) and cert not in certificates:
                certificates.append({k: cert.get(k) for k in ("scheme", "number", "validUntil")})
    return certificates


def _best_before(direct: list[dict[str, Any]]) -> dict[str, Any] | None:
    for key in _ILMD_DATES:
        value = _ilmd(direct, key)
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value[:10])
            except ValueError:
                continue
            return {"date": day, "expired": day < datetime.now(UTC).date()}
    return None
