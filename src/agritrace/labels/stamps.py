"""Serialized stamps as events: issue a print batch, void or re-activate stamps, export a batch.

A print batch is a run of stamps for one GTIN (and lot) with unguessable serials
(:mod:`agritrace.labels.serials`). It is recorded in the event log through the ordinary capture
path as ObjectEvents, action ``ADD``, bizStep ``commissioning``, disposition ``active``, each
naming up to :data:`PER_EVENT` stamps in ``epcList`` (their canonical GS1 Digital Links) with
the lot in ILMD ``cbvmda:lotNumber``, so the resolver walks from a stamp to its lot. The event
IDs are derived from the batch id and the part number, so a batch is found again by its id with
indexed look-ups and no table of its own.

Voiding follows CBV 2.0: ``decommissioning`` (the identifier is retired, action ``DELETE``)
with disposition ``inactive``. Re-activating a voided stamp commissions it again (``ADD``,
``commissioning``, ``active``). The consumer page reads the newest of these events
(:func:`agritrace.scans.facts.gather`): issued and active is genuine, voided is suspicious, a
serial that no event names is unknown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, TextIO

import orjson
from sqlalchemy import Engine, inspect, select

from agritrace.capture import CaptureReport, capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.errors import (
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    ValidationException,
)
from agritrace.farm.diary_events import NAMESPACES
from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import Gtin, Lot, Serial
from agritrace.labels import serials as serial_gen
from agritrace.labels.qr import label_lines
from agritrace.labels.serials import Stamp, write_csv
from agritrace.labels.sheets import Label, Layout, SheetReport, write_sheets
from agritrace.store.grants import owner_name
from agritrace.store.orgs import Organization
from agritrace.store.tables import event_terms, events
from agritrace.trust import GS1, Owners
from agritrace.vietnam_time import vietnam_now
from agritrace.web.i18n import expect, refusal

#: Stamps named by one commissioning event: small enough for quick capture and page look-ups.
PER_EVENT = 1000
#: A print batch larger than this is several batches (and several PDF files) anyway.
MAX_BATCH = 1_000_000
OFFSET = "+07:00"
# Fixed forever: event IDs of every batch ever issued are derived from it.
_BATCH_NAMESPACE = uuid.UUID("0d5b7c1e-6f0a-5e39-8a4d-2c9e61b3f7a4")
_CHECK_CHUNK = 500


@dataclass(frozen=True)
class StampBatch:
    """One print batch: its id, the owner, the GTIN and lot, and the serials in print order."""

    batch_id: str
    org_id: int
    gtin: Gtin
    lot: Lot | None
    serials: tuple[str, ...]
    issued_at: str

    def stamps(self) -> Iterator[Stamp]:
        return serial_gen.stamps(self.gtin, self.lot, self.serials)

    def links(self) -> Iterator[DigitalLink]:
        return (stamp.link for stamp in self.stamps())

    def __len__(self) -> int:
        return len(self.serials)


def event_id(batch_id: str, part: int) -> str:
    """The event ID of part ``part`` of a batch (a name-based UUID, stable forever).

    >>> event_id("7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d", 0) == event_id(
    ...     "7b0c9e4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d", 0)
    True
    """
    return f"urn:uuid:{uuid.uuid5(_BATCH_NAMESPACE, f'{batch_id}:{part}')}"


def _now() -> str:
    return vietnam_now().isoformat(timespec="microseconds")


def _document(events_: Iterable[Event], name: str) -> Document:
    header = {"schemaVersion": "2.0", "creationDate": _now(),
              "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]}
    return Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), header=header,
                    events=iter(events_), name=name)


def _item(gtin: Gtin, serial: str) -> str:
    return DigitalLink(gtin, None, Serial.parse(serial)).canonical_uri()


def _commissioning(batch: StampBatch, part: int, serials: Sequence[str],
                   location: str | None) -> Event:
    event: Event = {
        "type": "ObjectEvent", "eventTime": batch.issued_at, "eventTimeZoneOffset": OFFSET,
        "eventID": event_id(batch.batch_id, part),
        "epcList": [_item(batch.gtin, s) for s in serials],
        "action": "ADD", "bizStep": "commissioning", "disposition": "active",
        "agt:stampBatch": batch.batch_id,
    }
    if location:
        event["readPoint"] = {"id": location}
        event["bizLocation"] = {"id": location}
    if batch.lot is not None:
        event["ilmd"] = {"cbvmda:lotNumber": batch.lot.value}
    return event


def _checked(report: CaptureReport, what: str) -> CaptureReport:
    if report.status != "success":
        raise ValidationException(f"The {what} events were refused: "
                                  + "; ".join(p.message() for p in report.problems[:5]),
                                  report.problems)
    return report


def _taken(engine: Engine, items: list[str]) -> set[str]:
    """Which of these canonical item ids some event already names."""
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(items), _CHECK_CHUNK):
            chunk = items[start:start + _CHECK_CHUNK]
            found.update(conn.scalars(select(event_terms.c.value).where(
                event_terms.c.value.in_(chunk)).distinct()))
    return found


def _fresh_serials(engine: Engine, gtin: Gtin, count: int, length: int) -> list[str]:
    # A collision with an issued serial is about one in 10^6 per million stamps, but a stamp
    # must never name two packs: look the whole part up at once and draw again for any clash.
    drawn = serial_gen.issue_serials(count, length=length)
    while True:
        taken = _taken(engine, [_item(gtin, s) for s in drawn])
        if not taken:
            return drawn
        kept = [s for s in drawn if _item(gtin, s) not in taken]
        drawn = kept + serial_gen.issue_serials(count - len(kept), existing=set(kept),
                                                length=length)


def issue_stamps(
    engine: Engine, org: Organization, gtin: str, lot: str | None, count: int, *,
    per_event: int = PER_EVENT, length: int = serial_gen.DEFAULT_LENGTH,
    location: str | None = None, progress: Callable[[int], None] | None = None,
    issued_at: str | None = None,
) -> StampBatch:
    """Draw ``count`` new serials for ``gtin`` (and ``lot``) and record them as one print batch.

    Every part of ``per_event`` stamps is captured in its own transaction as it is drawn;
    ``progress`` is called with the number of stamps recorded so far. ``issued_at`` (an EPCIS
    eventTime with a +07:00 offset) defaults to now.
    """
    key = Gtin.parse(gtin)
    lot_value = Lot.parse(lot) if lot else None
    if not 1 <= count <= MAX_BATCH:
        raise refusal(ValidationException, "refuse_stamp_count",
                      [expect("count", "expect_range", count, low=1, high=MAX_BATCH)],
                      count=count)
    if not 1 <= per_event <= 10_000:
        raise refusal(ValidationException, "refuse_stamps_per_event",
                      [expect("per_event", "expect_range", per_event, low=1, high=10_000)],
                      count=per_event)
    batch = StampBatch(str(uuid.uuid4()), org.id, key, lot_value, (), issued_at or _now())
    issued: list[str] = []
    for part, start in enumerate(range(0, count, per_event)):
        serials = _fresh_serials(engine, key, min(per_event, count - start), length)
        event = _commissioning(batch, part, serials, location)
        _checked(capture_document(engine, _document([event], f"stamps {batch.batch_id}"), org),
                 "commissioning")
        issued.extend(serials)
        if progress is not None:
            progress(len(issued))
    return StampBatch(batch.batch_id, org.id, key, lot_value, tuple(issued), batch.issued_at)


def load_batch(engine: Engine, org: Organization, batch_id: str) -> StampBatch:
    """A batch issued by ``org``, read back from its commissioning events."""
    try:
        uuid.UUID(batch_id)
    except ValueError:
        raise refusal(NoSuchResourceException, "refuse_batch_not_uuid",
                      [expect("batch", "expect_uuid", None, shown=repr(batch_id[:60]))],
                      batch=repr(batch_id[:60])) from None
    parts: list[tuple[int, str]] = []
    with engine.connect() as conn:
        while True:
            wanted = {event_id(batch_id, n): n for n in range(len(parts), len(parts) + 100)}
            rows = conn.execute(select(events.c.event_id, events.c.org_id, events.c.body).where(
                events.c.event_id.in_(list(wanted)))).all()
            for row in rows:
                if row.org_id != org.id:
                    raise refusal(ForbiddenException, "refuse_batch_of_other", batch=batch_id)
                parts.append((wanted[row.event_id], row.body))
            if len(rows) < len(wanted):
                break
    if not parts:
        raise refusal(NoSuchResourceException, "refuse_no_batch",
                      [expect("batch", "expect_issued_batch", None, shown=repr(batch_id))],
                      batch=repr(batch_id), org=org.name)
    return _batch_from(batch_id, org.id, [body for _, body in sorted(parts)])


def _batch_from(batch_id: str, org_id: int, bodies: list[str]) -> StampBatch:
    serials: list[str] = []
    gtin = lot = None
    issued_at = ""
    for text in bodies:
        body = orjson.loads(text)
        issued_at = issued_at or body["eventTime"]
        lot = lot or (body.get("ilmd") or {}).get("cbvmda:lotNumber")
        for uri in body["epcList"]:
            link = DigitalLink.parse(uri)
            gtin = gtin or link.key
            serials.append(str(link.serial))
    assert isinstance(gtin, Gtin)  # written by _commissioning, always SGTINs
    return StampBatch(batch_id, org_id, gtin, Lot.parse(lot) if lot else None, tuple(serials),
                      issued_at)


def stamp_links(codes: Iterable[str]) -> list[DigitalLink]:
    """Parse stamp codes (Digital Link URIs or paths, or element strings) that carry a serial."""
    links, problems = [], []
    for index, code in enumerate(codes):
        text = code.strip()
        try:
            link = (DigitalLink.from_element_string(text) if text.startswith("(")
                    else DigitalLink.parse(text))
        except ValidationException as exc:
            found = exc.problems[0].message() if exc.problems else exc.detail
            # The rule that failed is said in GS1's English terms: a page says the code alone.
            problems.append(expect(f"codes[{index}]", "expect_stamp_link", None,
                                   shown=f"{text[:120]!r} ({found})",
                                   found_vi=repr(text[:120])))
            continue
        if not isinstance(link.key, Gtin) or link.serial is None:
            problems.append(expect(f"codes[{index}]", "expect_stamp_serial", None,
                                   shown=repr(text[:120])))
            continue
        links.append(link)
    if problems:
        raise refusal(ValidationException, "refuse_not_stamps", problems)
    if not links:
        raise refusal(ValidationException, "refuse_no_stamps",
                      [expect("codes", "expect_one_or_more", None, shown="0")])
    return links


def _owned(engine: Engine, org: Organization, items: list[str]) -> set[str]:
    """Which of these items ``org`` commissioned."""
    owned: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(items), _CHECK_CHUNK):
            query = (select(event_terms.c.value)
                     .join(events, events.c.id == event_terms.c.event_pk)
                     .where(event_terms.c.value.in_(items[start:start + _CHECK_CHUNK]),
                            event_terms.c.role == "epc", events.c.org_id == org.id,
                            events.c.biz_step == "commissioning").distinct())
            owned.update(conn.scalars(query))
    return owned


def _foreign(engine: Engine, org: Organization, items: list[str]) -> list[str]:
    """The stamps among ``items`` that ``org`` may neither void nor re-activate: it did not
    issue them, and no grant makes it their owner or the owner's delegate (so the owner answers
    for the stamps its contract packer printed, and a delegate for its principal's)."""
    issued = _owned(engine, org, items)
    rest = [item for item in items if item not in issued]
    with engine.connect() as conn:
        owners = Owners.load(conn, rest)
    return [item for item in rest
            if owners.owner(item) is None or not owners.may_claim(org.id, item)]


def _lifecycle(engine: Engine, org: Organization, codes: Iterable[str], *, action: str,
               biz_step: str, disposition: str, what: str) -> int:
    # The lot is dropped: an SGTIN is the GTIN and serial (as the store indexes it).
    canonical = list(dict.fromkeys(
        DigitalLink(link.key, None, link.serial).canonical_uri() for link in stamp_links(codes)))
    foreign = _foreign(engine, org, canonical)
    if foreign:
        raise refusal(ValidationException, "refuse_foreign_stamps",
                      [expect("codes", "expect_stamps_of", None, shown=f, org=org.name)
                       for f in foreign[:20]], count=len(foreign), org=org.name)
    event: Event = {"type": "ObjectEvent", "eventTime": _now(), "eventTimeZoneOffset": OFFSET,
                    "epcList": canonical, "action": action, "bizStep": biz_step,
                    "disposition": disposition}
    _checked(capture_document(engine, _document([event], what), org), what)
    return len(canonical)


def void_stamps(engine: Engine, org: Organization, codes: Iterable[str]) -> int:
    """Retire stamps (lost, damaged, misprinted): decommissioning, disposition inactive."""
    return _lifecycle(engine, org, codes, action="DELETE", biz_step="decommissioning",
                      disposition="inactive", what="void")


def activate_stamps(engine: Engine, org: Organization, codes: Iterable[str]) -> int:
    """Put voided stamps back in use: commissioned again, disposition active."""
    return _lifecycle(engine, org, codes, action="ADD", biz_step="commissioning",
                      disposition="active", what="activate")


def check_gtin_owner(engine: Engine, org: Organization, gtin: str) -> None:
    """Refuse stamps for a GTIN that ``org`` does not speak for, before any is drawn.

    A GTIN that a grant covers is stamped by its owner and the parties it delegates to (a
    contract packer prints the owner's stamps), whoever's product registry names it: the grant
    is the proof (:func:`agritrace.trust.may_claim`). A GTIN no grant covers has no owner to ask,
    so the product registry stands in: only the organization that registered it stamps it
    (without the registry's table, an older database, any such GTIN is accepted).
    """
    from agritrace.farm.tables import products

    key = str(Gtin.parse(gtin))
    code = f"{GS1}01/{key}"
    with engine.connect() as conn:
        owners = Owners.load(conn, [code])
        registrant = (conn.scalar(select(products.c.org_id).where(products.c.gtin == key))
                      if inspect(conn).has_table(products.name) else org.id)
    if owners.owner(code) is not None:
        if not owners.may_claim(org.id, code):
            owner = owner_name(engine, code)
            raise ForbiddenException(
                f"GTIN {key} thuộc {owner}: chỉ {owner} hoặc bên được {owner} ủy quyền mới được "
                f"in tem cho mã này / GTIN {key} is held by {owner}: only {owner} or a party it "
                "delegates to may issue its stamps",
                [Problem("gtin", f"a GTIN {org.name} holds or packs for its owner",
                         f"{key}, held by {owner}")])
        return
    if registrant is None:
        raise ValidationException(
            f"GTIN {key} chưa có trong danh mục sản phẩm của {org.name}: hãy đăng ký sản phẩm "
            f"trước / GTIN {key} is not in {org.name}'s product registry: register the product "
            "first.", [Problem("gtin", f"a GTIN registered by {org.name}", key)])
    if registrant != org.id:
        raise ForbiddenException(
            f"GTIN {key} do tổ chức khác đăng ký / GTIN {key} is registered by another "
            "organization.", [Problem("gtin", f"a GTIN registered by {org.name}", key)])


def labels(batch: StampBatch, base_url: str) -> Iterator[Label]:
    """One label per stamp: its Digital Link on our host in the QR code, its AIs beside it."""
    for link in batch.links():
        yield Label(link.uri(base_url), label_lines(link))


def write_batch_pdf(batch: StampBatch, out: BinaryIO, base_url: str,
                    layout: Layout | str = "3x7", *, workers: int = 1) -> SheetReport:
    """The batch as A4 label sheets (PDF), streamed to ``out``."""
    return write_sheets(labels(batch, base_url), out, layout, workers=workers,
                        title=f"agritrace stamps {batch.gtin} {batch.lot or ''}".strip())


def write_batch_csv(batch: StampBatch, out: TextIO, base_url: str) -> int:
    """The printing-house CSV of the batch (see :func:`agritrace.labels.serials.write_csv`)."""
    return write_csv(batch.stamps(), out, base_url)
