"""Who may say what about which code, and who may read what: the trust rules, in one place.

The log keeps what every party said; a view believes a statement only from a party entitled to
make it, and shows a party only what was shared with it. Every view (capture, consumer page,
trace, recall, reports, registry, stamps) asks this module; none writes the rule again.

**Owners.** An operator grants an organization a GS1 company prefix, or a single GTIN or GLN
(``agritrace org grant-prefix``). The owner of a code is the organization holding the longest
grant that covers the code's key (a single GTIN or GLN beats a prefix). An organization's own GLN,
set by the operator when it was created, counts as a GLN grant. A code no grant covers has no
owner: anyone may capture events about it, and no page calls it genuine.

**Speakers.** The owner of a code and the delegates it named (``agritrace org delegate``) speak
for the code: only they may commission it, rename it (ILMD), decommission, destroy or recall it.
Such statements are *claims* (:func:`claims`). Anyone else's claim about an owned code is refused
at capture.

**Custody.** Other events about a code (shipping, receiving, storing, selling, observing) are
custody events. A page believes one from a speaker, or from a party in the code's chain of
custody: one that a believed event named as destination (:meth:`Custody.follow`).

**Reading.** An organization reads its own events in full, and another's event only where that
event names it as source, destination or owning party: one step back and one step forward, as
Circular 17/2021 and FSMA 204 ask (:func:`may_read`). A regulator (a province's or a commune's
officers, :mod:`agritrace.province.areas`) also reads every event of the organizations and at
the places registered in its area (:class:`Reach`).

>>> key_of("https://id.gs1.org/01/08931234000356/21/X1")
('01', '08931234000356')
>>> grant_candidates("https://id.gs1.org/01/08931234000356/21/X1")[:3]
[('gtin', '08931234000356'), ('prefix', '893123400035'), ('prefix', '89312340003')]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import Connection, and_, select, tuple_

from agritrace.ids.epc import lenient_id
from agritrace.store.tables import delegations, org_grants, organizations

GS1 = "https://id.gs1.org/"
# Keys whose first digit is an indicator or extension digit, not part of the company prefix.
_LEADING_DIGIT = frozenset({"01", "00", "8003"})
# The keys whose company prefix is read here: product, logistic unit, places and parties,
# returnable and individual assets, documents, consignments, service relations, components.
_KEYS = frozenset({"01", "00", "414", "417", "8003", "8004", "253", "255", "401", "402",
                   "8006", "8010", "8017", "8018"})
# A GS1 company prefix has 4 to 12 digits (a one-off GTIN's "prefix" is the GTIN itself).
PREFIX_LENGTHS = range(4, 13)

# Statements only a code's speakers may make.
CLAIM_STEPS = frozenset({"commissioning", "decommissioning", "destroying", "recalling",
                         "encoding", "repairing", "void_shipping"})
# (A holder may still report goods stolen, damaged or failing a pedigree check: custody.)
CLAIM_DISPOSITIONS = frozenset({"recalled", "destroyed", "inactive", "disposed", "active",
                                "encoded", "expired"})
# Roles in which an event names the things it is about (not parties, documents or places).
OBJECT_ROLES = frozenset({"epc", "epc_class", "parent", "child", "child_class", "input",
                          "input_class", "output", "output_class"})
# A transformation's inputs are consumed, not spoken for: a roaster's commissioning of roasted
# bags names the cooperative's green-bean lot as input without claiming it.
_CLAIMABLE_ROLES = OBJECT_ROLES - {"input", "input_class"}
_MADE_ROLES = frozenset({"epc", "epc_class"})
_OUTPUT_ROLES = frozenset({"output", "output_class"})
# Source/destination types that name who receives custody or ownership.
_RECEIVING_TYPES = frozenset({"owning_party", "possessing_party", "location"})
# The steps after which a unit's public journey ends.
END_STEPS = frozenset({"retail_selling", "destroying", "decommissioning"})


# Digits of a key as the canonical Digital Link writes it: a stored term's key is read from
# the path without parsing the whole link again (capture checks a claim per event).
_CANONICAL_DIGITS = {"01": 14, "00": 18, "414": 13, "417": 13}


def key_of(identifier: str) -> tuple[str, str] | None:
    """The GS1 key (AI, digits) of a code, after canonicalisation; None for other URIs."""
    if identifier.startswith(GS1):
        ai, _, rest = identifier[len(GS1):].partition("/")
        value = rest.partition("/")[0]
        if len(value) == _CANONICAL_DIGITS.get(ai) and value.isascii() and value.isdigit():
            return ai, value
    canonical = lenient_id(identifier)
    if not canonical.startswith(GS1):
        return None
    ai, _, rest = canonical[len(GS1):].partition("/")
    if ai not in _KEYS:
        return None
    value = rest.partition("/")[0]
    return ai, value


def grant_candidates(identifier: str) -> list[tuple[str, str]]:
    """The (kind, value) grants that could cover ``identifier``, most specific first."""
    key = _key(identifier)
    return list(_candidates(*key)) if key is not None else []


# Remembered: a consumer page asks for a code's candidates several times (its grants, its
# speakers, its custody), and a lot, a place or a party comes back on every page of its packs.
# Bounded for a long-lived worker: 16,384 candidate lists keyed by whole identifiers cost 28 MB,
# which a product feed of 100,000 GTINs filled; now about 5 MB at most (the candidate lists are
# shared by every lot and serial of one product).
@lru_cache(maxsize=4096)
def _key(identifier: str) -> tuple[str, str] | None:
    return key_of(identifier)


@lru_cache(maxsize=2048)
def _candidates(ai: str, value: str) -> tuple[tuple[str, str], ...]:
    candidates: list[tuple[str, str]] = []
    if ai == "01":
        candidates.append(("gtin", value))
    elif ai in ("414", "417"):
        candidates.append(("gln", value))
    digits = value[1:] if ai in _LEADING_DIGIT else value
    candidates.extend(("prefix", digits[:n]) for n in reversed(PREFIX_LENGTHS)
                      if n <= len(digits) and digits[:n].isdigit())
    return tuple(candidates)


class TokenRole(StrEnum):
    """What a token may do: the whole API, reading only, a member's sign-in, or a regulator's
    officer (reading across its area, ordering recalls there, setting its province's targets)."""

    ORGANIZATION = "organization"
    READ = "read"
    MEMBER = "member"
    OFFICER = "officer"

    @property
    def may_write(self) -> bool:
        return self is TokenRole.ORGANIZATION


class Scope(StrEnum):
    """What a route serves: the organization's own API (events, capture, trace, stamps, reports,
    offers), the cooperative's farm (the ``/farm`` API, the diary and office pages), the order
    of a recall, or the province desk (``/province``)."""

    ORGANIZATION = "organization"
    FARM = "farm"
    RECALL = "recall"
    PROVINCE = "province"


def acting_role(role: TokenRole, org_kind: str) -> TokenRole:
    """The role a token acts in: a regulator's organization token (made before the operator
    bound it to an area, or by ``agritrace token create``) is its officers' token, so a province
    never captures, stamps or registers anything through it."""
    if org_kind == "regulator" and role is TokenRole.ORGANIZATION:
        return TokenRole.OFFICER
    return role


def may_use(role: TokenRole, scope: Scope, write: bool) -> bool:
    """True when a token of ``role`` may call a route of ``scope`` (``write``: one that changes
    something). Organization tokens may do everything but the province desk, read-only tokens may
    read anywhere, and a member's sign-in reaches only the farm, where the member's own role
    (farmer or manager, :mod:`agritrace.farm.registry`) decides further. An officer reads the
    organization API (in its area, :func:`may_read`), orders recalls and sets its province's
    targets, and writes nothing else.

    >>> may_use(TokenRole.OFFICER, Scope.RECALL, True), may_use(TokenRole.OFFICER,
    ...     Scope.ORGANIZATION, True), may_use(TokenRole.READ, Scope.RECALL, True)
    (True, False, False)
    """
    if role is TokenRole.MEMBER:
        return scope is Scope.FARM
    if role is TokenRole.OFFICER:
        return scope in (Scope.RECALL, Scope.PROVINCE) or (
            scope is Scope.ORGANIZATION and not write)
    if scope is Scope.PROVINCE:
        return not write
    return role.may_write or not write


@dataclass(frozen=True)
class Owners:
    """Grants and delegations as far as some codes need them: ask, don't query again."""

    grants: Mapping[tuple[str, str], int] = field(default_factory=dict)
    delegates: Mapping[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, identifiers: Iterable[str]) -> Owners:
        """The grants covering ``identifiers`` and their owners' delegates, in two queries."""
        wanted = {c for i in identifiers for c in grant_candidates(i)}
        return cls.from_rows(_grant_rows(conn, wanted), lambda owners: _delegate_rows(conn, owners))

    @classmethod
    def from_rows(cls, grant_rows: Iterable[tuple[str, str, int]],
                  delegate_rows: object = None) -> Owners:
        """From (kind, value, org_id) rows and a callable giving (owner, delegate) rows for
        a set of owners (or None when no delegate is needed)."""
        grants = {(kind, value): org for kind, value, org in grant_rows}
        delegates: dict[int, set[int]] = {}
        if callable(delegate_rows) and grants:
            for owner, delegate in delegate_rows(set(grants.values())):
                delegates.setdefault(owner, set()).add(delegate)
        return cls(grants, {k: frozenset(v) for k, v in delegates.items()})

    def merged(self, other: Owners) -> Owners:
        """These grants and delegations with ``other``'s (loaded for more codes).

        >>> a = Owners({("gln", "8931234000011"): 1}, {1: frozenset({3})})
        >>> b = Owners({("prefix", "8930000"): 2})
        >>> m = a.merged(b)
        >>> m.owner("https://id.gs1.org/417/8931234000011"), m.owner("https://id.gs1.org/417/8930000000019")
        (1, 2)
        >>> sorted(m.speakers("https://id.gs1.org/417/8931234000011"))
        [1, 3]
        """
        return Owners({**self.grants, **other.grants}, {**self.delegates, **other.delegates})

    def owner(self, identifier: str) -> int | None:
        for candidate in grant_candidates(identifier):
            org = self.grants.get(candidate)
            if org is not None:
                return org
        return None

    def speakers(self, identifier: str) -> frozenset[int]:
        """Who may make claims about ``identifier``: its owner and the owner's delegates."""
        owner = self.owner(identifier)
        if owner is None:
            return frozenset()
        return self.delegates.get(owner, frozenset()) | {owner}

    def may_claim(self, org_id: int, identifier: str) -> bool:
        """True when ``org_id`` may make a claim about ``identifier`` (anyone, if unowned)."""
        owner = self.owner(identifier)
        return owner is None or org_id in self.speakers(identifier)


def _grant_rows(conn: Connection, wanted: Collection[tuple[str, str]]
                ) -> list[tuple[str, str, int]]:
    if not wanted:
        return []
    rows = conn.execute(select(org_grants.c.kind, org_grants.c.value, org_grants.c.org_id).where(
        tuple_(org_grants.c.kind, org_grants.c.value).in_(list(wanted)),
        org_grants.c.revoked_us.is_(None))).all()
    glns = [value for kind, value in wanted if kind == "gln"]
    own = conn.execute(select(organizations.c.gln, organizations.c.id).where(
        organizations.c.gln.in_(glns))).all() if glns else []
    return [(k, v, o) for k, v, o in rows] + [("gln", gln, org) for gln, org in own]


def _delegate_rows(conn: Connection, owners: Collection[int]) -> list[tuple[int, int]]:
    rows = conn.execute(select(delegations.c.owner_id, delegations.c.delegate_id).where(
        and_(delegations.c.owner_id.in_(list(owners)), delegations.c.revoked_us.is_(None)))).all()
    return [(o, d) for o, d in rows]


def claims(event_type: str, action: str | None, biz_step: str | None,
           disposition: str | None, has_ilmd: bool,
           terms: Iterable[tuple[str, str]]) -> set[str]:
    """The codes an event makes a claim about (see the module doc), from its (role, value)
    terms with canonical values; bizStep and disposition as stored (bare CBV words)."""
    terms = list(terms)
    if biz_step in CLAIM_STEPS or disposition in CLAIM_DISPOSITIONS:
        return {value for role, value in terms if role in _CLAIMABLE_ROLES}
    claimed: set[str] = set()
    if event_type == "ObjectEvent" and (action in ("ADD", "DELETE") or has_ilmd):
        claimed |= {value for role, value in terms if role in _MADE_ROLES}
    if event_type == "TransformationEvent":
        claimed |= {value for role, value in terms if role in _OUTPUT_ROLES}
    if event_type in ("AggregationEvent", "AssociationEvent") and action == "ADD" and has_ilmd:
        claimed |= {value for role, value in terms if role == "parent"}
    return claimed


def refused_claims(owners: Owners, org_id: int, claimed: Iterable[str]) -> list[tuple[str, int]]:
    """The (code, owner) pairs of ``claimed`` that ``org_id`` may not claim."""
    refused = []
    for code in claimed:
        if not owners.may_claim(org_id, code):
            owner = owners.owner(code)
            assert owner is not None
            refused.append((code, owner))
    return refused


@dataclass
class Custody:
    """The parties a page believes about one code, growing along its believed events.

    Start with the code's speakers; each believed event that names a party as a receiving
    destination (owning or possessing party, or location) admits the organization that owns that
    party's GLN. A claim is believed only from a speaker; a custody event from anyone admitted.
    """

    speakers: frozenset[int]
    admitted: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.admitted |= self.speakers

    def believes(self, org_id: int, is_claim: bool) -> bool:
        return org_id in (self.speakers if is_claim else self.admitted)

    def follow(self, owners: Owners, destinations: Iterable[tuple[str, str | None]]) -> None:
        """Admit the owners of the receiving destinations of a believed event."""
        for value, kind in destinations:
            if kind is None or kind in _RECEIVING_TYPES:
                org = owners.owner(value)
                if org is not None:
                    self.admitted.add(org)


def party_candidates(destinations: Iterable[str]) -> list[str]:
    """The identifiers whose owners a :class:`Custody` may need (for :meth:`Owners.load`)."""
    return [d for d in destinations if key_of(d) is not None]


@dataclass(frozen=True)
class Reach:
    """What a regulator reads beyond its own: every event captured by an organization registered
    in its area, and every event at a place registered there."""

    orgs: frozenset[int]
    places: frozenset[str]


@dataclass(frozen=True)
class Viewer:
    """Who reads: an organization (by id, with its GLNs and the prefixes it holds), and for a
    regulator what its area holds."""

    org_id: int
    owners: Owners = field(default_factory=Owners)
    reach: Reach | None = None

    def named(self, value: str) -> bool:
        """True when ``value`` (a party or place) belongs to the viewer."""
        return self.owners.owner(value) == self.org_id


def may_read(viewer: Viewer, org_id: int, parties: Iterable[str],
             places: Iterable[str] = ()) -> bool:
    """An event captured by ``org_id`` naming ``parties`` (source, destination, owning party) at
    ``places`` (read point, business location) is readable in full by ``viewer`` when it is the
    viewer's own, it names the viewer, or it lies in the viewer's area (a regulator)."""
    if org_id == viewer.org_id:
        return True
    reach = viewer.reach
    if reach is not None and (org_id in reach.orgs or any(p in reach.places for p in places)):
        return True
    return any(viewer.named(p) for p in parties)


def code_ranges(conn: Connection, org_id: int) -> list[tuple[str, str]]:
    """Ranges of identifiers (from inclusive, to exclusive) holding the parties and places
    ``org_id`` may own (GLNs under its live grants and its own GLN), written as canonical Digital
    Links (/414, /417) or as SGLN/PGLN URNs (sources and destinations are stored as written):
    what a query narrows to in SQL, on the index, before :func:`may_read` decides for each event
    found (a longer grant of another organization may still own a code in these ranges).

    Not in them: a party written as a Digital Link on another domain than id.gs1.org, or named
    by another key than a GLN (a GTIN names a product, not a party). The ranges leave out the
    organization's product codes on purpose: the index is on (value, role), and ranges over its
    own serials made an owner's query of 20,000 events scan them all (8.7 ms instead of 1)."""
    held = [(kind, value) for kind, value in conn.execute(select(
        org_grants.c.kind, org_grants.c.value).where(org_grants.c.org_id == org_id,
                                                     org_grants.c.revoked_us.is_(None)))]
    gln = conn.execute(select(organizations.c.gln).where(organizations.c.id == org_id)).scalar()
    if gln:
        held.append(("gln", gln))
    starts = [start for kind, value in held for start in _code_starts(kind, value)]
    return [(start, start[:-1] + chr(ord(start[-1]) + 1)) for start in starts]


# An EPC URN's company prefix has 6 to 12 digits, then a dot.
_URN_PREFIX_LENGTHS = range(6, 13)


def _code_starts(kind: str, value: str) -> list[str]:
    """How every code covered by one grant begins, in the forms :func:`code_ranges` reads."""
    if kind == "gtin":
        return []
    if kind == "gln":
        urns = [f"urn:epc:id:{scheme}:{value[:n]}.{value[n:12]}"
                for n in _URN_PREFIX_LENGTHS for scheme in ("sgln", "pgln")]
        return [f"{GS1}414/{value}", f"{GS1}417/{value}", *urns]
    starts = [f"{GS1}414/{value}", f"{GS1}417/{value}"]
    for scheme in ("sgln", "pgln"):
        starts.append(f"urn:epc:id:{scheme}:{value}")
        starts += [f"urn:epc:id:{scheme}:{value[:n]}.{value[n:]}"
                   for n in _URN_PREFIX_LENGTHS if n < len(value)]
    return starts


def reach_of(conn: Connection, org_id: int) -> Reach | None:
    """The organizations and places in the area ``org_id`` oversees; None for a non-regulator."""
    from agritrace.farm.tables import places, profiles
    from agritrace.province.areas import area_of

    area = area_of(conn, org_id)
    if area is None:
        return None
    orgs = {o for o, province in conn.execute(select(profiles.c.org_id, profiles.c.province))
            if not area.commune and area.holds(province)}
    held = [(uri, o) for uri, o, province, commune in conn.execute(select(
        places.c.uri, places.c.org_id, places.c.province, places.c.commune))
        if area.holds(province, commune)]
    return Reach(frozenset(orgs | {o for _, o in held}), frozenset(uri for uri, _ in held))


def in_reach(reach: Reach, owner: int | None, capturers: Iterable[int]) -> bool:
    """True when a code lies in a regulator's area, so its officers may order its recall: its
    owner is registered there (or has places there), or, for a code nobody holds, an
    organization of the area captured an event naming it. The one exemption from "only a code's
    speakers recall it" (:func:`agritrace.trace.recall.check_may_recall`, and capture's claim
    check through :func:`orders_recall`)."""
    if owner is not None:
        return owner in reach.orgs
    return any(org in reach.orgs for org in capturers)


def may_close_recall(org_id: int, recorded_by: int, owners: Iterable[int | None],
                     reach: Reach | None) -> bool:
    """True when ``org_id`` may close a recall (say its goods are recovered or disposed of,
    :mod:`agritrace.trace.closing`): the organization that recorded it; the owner of every code
    it marks (a province's recall of a cooperative's lot is closed by the cooperative when the
    goods are back); or a regulator whose area holds the recording organization or those
    owners (:func:`in_reach`). Nobody else, a partner that received the goods included."""
    if org_id == recorded_by:
        return True
    known = {owner for owner in owners if owner is not None}
    if known == {org_id}:
        return True
    if reach is None:
        return False
    return recorded_by in reach.orgs or (bool(known) and known <= reach.orgs)


def orders_recall(conn: Connection, org_id: int, owner: int) -> bool:
    """True when ``org_id`` is a regulator whose area holds ``owner``: its recall of the
    owner's code is an authority's order, not a claim refused at capture."""
    reach = reach_of(conn, org_id)
    return reach is not None and in_reach(reach, owner, ())


def viewer_for(conn: Connection, org_id: int, parties: Iterable[str] = ()) -> Viewer:
    """A viewer able to recognise its own among ``parties``, with a regulator's reach (load once
    per answer)."""
    return Viewer(org_id, Owners.load(conn, parties), reach_of(conn, org_id))


def owns(conn: Connection, org_id: int, identifier: str) -> bool:
    """True when ``org_id`` is the owner of ``identifier`` (not a delegate)."""
    return Owners.load(conn, [identifier]).owner(identifier) == org_id


def may_claim(conn: Connection, org_id: int, identifier: str) -> bool:
    """True when ``org_id`` speaks for ``identifier``: its owner or a delegate, or nobody owns
    it. What a registry entry, a stamp, a recall or a void asks before it is written."""
    return Owners.load(conn, [identifier]).may_claim(org_id, identifier)
