"""Recording a diary entry for a member: authorise, check, store once, answer with warnings.

:func:`record_entry` is the one path from a farmer's form (or the API, the CLI, an import) to the
event log:

1. the idempotency key is looked up first: an entry the phone re-sends after losing the network
   answers with the event already stored and stores nothing;
2. authorisation: a farmer writes only to his own plots, a manager or technical manager to any
   plot of the cooperative;
3. the entry is built from plain fields (dates as ``YYYY-MM-DD``) and validated
   (:mod:`agritrace.farm.diary`); it must name a season of that plot, and a harvest's GTIN must be
   a registered product;
4. compliance (:func:`agritrace.farm.compliance.check_entry`): a refusal raises, warnings come
   back in Vietnamese and English;
5. the event is captured through :func:`agritrace.capture.capture_document` and the key kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.epcis.times import now_micros
from agritrace.errors import ForbiddenException, Problem, ValidationException, describe
from agritrace.farm import refusals
from agritrace.farm.catalog import get_product
from agritrace.farm.compliance import Finding, Severity, check_entry, raise_refusals
from agritrace.farm.diary import (
    ENTRY_TYPES,
    KINDS_BY_PLACE,
    DiaryEntry,
    EntryKind,
    Harvest,
    vietnam_today,
)
from agritrace.farm.diary_events import NAMESPACES, entry_to_event, event_id, event_to_entry
from agritrace.farm.journal import last_entry, query_events, season_entries
from agritrace.farm.places import Place, place_by_uri
from agritrace.farm.registry import Actor, Db, transaction
from agritrace.farm.seasons import Season, current_season, get_season
from agritrace.farm.tables import diary_keys
from agritrace.store.orgs import Organization
from agritrace.web.i18n import expect, refusal

_DATES = ("on", "until", "sown_on")
# Fields a form never pre-fills from the last entry: they describe this entry alone.
_NOT_DEFAULTS = {"on", "at", "note", "recorded_by", "lot", "quantity", "until", "plot_id",
                 "season_id", "sown_on", "pest", "incidence_percent", "density_per_m2"}


@dataclass(frozen=True)
class Prepared:
    """An entry ready to store: checked, authorised, with its compliance findings."""

    entry: DiaryEntry
    place: Place
    season: Season
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Recorded:
    event_id: str
    entry: DiaryEntry
    findings: tuple[Finding, ...] = ()
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "eventID": self.event_id, "duplicate": self.duplicate,
            "kind": self.entry.kind.value,
            "warnings": [{"rule": f.rule, "severity": f.severity.value, "path": f.path,
                          "vi": f.vi, "en": f.en} for f in self.findings],
        }


def build_entry(kind: str, fields: Mapping[str, Any], recorded_by: str) -> DiaryEntry:
    """A diary entry from plain form or JSON fields; every wrong field is named at once."""
    try:
        cls = ENTRY_TYPES[EntryKind(kind)]
    except ValueError:
        raise ValidationException("Unknown kind of diary entry", [Problem(
            "kind", "one of " + ", ".join(k.value for k in EntryKind), describe(kind))]) from None
    names = {f.name: f for f in dataclasses.fields(cls) if f.init}
    problems = [expect(f"{kind}.{name}", "expect_one_of", None, shown="an unknown field",
                       choices=", ".join(sorted(names))) for name in fields if name not in names]
    args: dict[str, Any] = {"recorded_by": recorded_by}
    for name, value in fields.items():
        if name not in names or value in (None, ""):
            continue
        try:
            args[name] = _convert(name, value)
        except (TypeError, ValueError):
            problems.append(expect(f"{kind}.{name}", _expected(name), value))
    missing = [n for n, f in names.items() if n not in args
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    problems += [expect(f"{kind}.{n}", "expect_value", None) for n in missing]
    if problems:
        raise refusal(ValidationException, "refuse_entry_invalid", problems, entry=kind)
    return cls(**args)  # type: ignore[return-value]


def _convert(name: str, value: Any) -> Any:
    if name in _DATES:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if name == "at":
        return value if isinstance(value, time) else time.fromisoformat(str(value))
    if name in ("active_ingredients", "animals"):
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(str(i).strip() for i in items if str(i).strip())
    if name in ("amount", "dose", "quantity", "seed_kg_per_ha", "n_percent", "area_ha",
                "incidence_percent", "density_per_m2", "water_level_cm", "average_weight_g",
                "temperature_c", "ph", "dissolved_oxygen_mg_l", "salinity_ppt", "ammonia_mg_l"):
        return float(value)
    if name in ("plants_per_ha", "phi_days", "days_before_cultivation", "count", "affected",
                "withdrawal_days", "head_count"):
        return int(value)
    if name == "slaughter":
        return value if isinstance(value, bool) else _yes(str(value))
    return str(value)


def _yes(text: str) -> bool:
    """A form's or a file's yes/no: true, 1, yes, có, on; false, 0, no, không, off."""
    word = text.strip().casefold()
    if word in ("true", "1", "yes", "có", "co", "on", "x"):
        return True
    if word in ("false", "0", "no", "không", "khong", "off", ""):
        return False
    raise ValueError(text)


def _expected(name: str) -> str:
    if name in _DATES:
        return "a date as YYYY-MM-DD"
    if name == "slaughter":
        return "yes or no (true or false)"
    return "expect_time" if name == "at" else "expect_number"


def authorise(actor: Actor, place: Place) -> None:
    """A farmer reads and writes only his own plots' diary; managers every plot's."""
    if actor.role.may_manage or (actor.member_id is not None
                                 and place.farmer_id == actor.member_id):
        return
    raise refusal(ForbiddenException, "refuse_not_your_plot",
                  [expect("plot_id", "expect_plot_of", place.uri, name=actor.name)],
                  plot=place.name, name=actor.name)


Refusing = Callable[[DiaryEntry, Sequence[Finding]], None]


def prepare_entry(engine: Engine, actor: Actor, kind: str, fields: Mapping[str, Any],
                  *, history: Sequence[DiaryEntry] | None = None,
                  refused: Refusing | None = None) -> Prepared:
    """Check an entry completely without storing it (the import preview uses this too);
    ``refused`` is told of an entry the compliance rules refuse, before the refusal is raised."""
    org = actor.org
    place = place_by_uri(engine, org, str(fields.get("plot_id") or ""))
    authorise(actor, place)
    season = _season_for(engine, org, place, fields)
    values = dict(fields) | {"plot_id": place.uri, "season_id": season.uri}
    if season.sown_on is not None and not values.get("sown_on"):
        values["sown_on"] = season.sown_on
    _check_kind_of_place(kind, place)
    entry = build_entry(kind, values, actor.name)
    _check_in_season(entry, season)
    if isinstance(entry, Harvest) and entry.gtin is not None:
        get_product(engine, org, entry.gtin)  # an unknown product is refused
    if history is None:
        history = season_entries(engine, org, season.uri)
    findings = check_entry(entry, crop=season.crop, history=history)
    if refused is not None and any(f.severity is Severity.REFUSED for f in findings):
        refused(entry, findings)
    raise_refusals(findings)
    return Prepared(entry, place, season, tuple(findings))


def _check_kind_of_place(kind: str, place: Place) -> None:
    """A barn keeps no spraying, a rice plot no vaccination: the kinds follow the place."""
    kinds = KINDS_BY_PLACE.get(place.kind, ())
    if kind not in kinds:
        raise ValidationException(f"A {place.kind} keeps no {kind} entries", [expect(
            "kind", "expect_kind_of_place", kind, place_kind=place.kind,
            choices=", ".join(kinds) or "-")])


def _season_for(engine: Engine, org: Organization, place: Place,
                fields: Mapping[str, Any]) -> Season:
    if fields.get("season_id"):
        season = get_season(engine, org, str(fields["season_id"]))
        if season.place_id != place.id:
            raise ValidationException("The season belongs to another plot", [expect(
                "season_id", "expect_season_of", season.uri, plot=place.uri)])
        return season
    try:
        on = date.fromisoformat(str(fields.get("on"))) if fields.get("on") else vietnam_today()
    except ValueError:
        on = vietnam_today()
    covering = current_season(engine, org, place.uri, on)
    if covering is None:
        raise ValidationException(f"No open season on {place.name}", [expect(
            "season_id", "expect_season_covering", None, shown="none", plot=place.uri, on=on)])
    return covering


def _check_in_season(entry: DiaryEntry, season: Season) -> None:
    # Perennial care may precede the season's start; nothing may come after its end.
    if season.end is not None and entry.on > season.end:
        raise ValidationException("The entry is after the end of the season", [expect(
            f"{entry.kind.value}.on", "expect_until_season_end", None,
            shown=entry.on.isoformat(), end=season.end)])


def _document(events: list[Event], name: str) -> Document:
    header = {"schemaVersion": "2.0", "creationDate": vietnam_today().isoformat() + "T00:00:00Z",
              "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]}
    return Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), header=header,
                    events=iter(events), name=name)


def stored_event_id(db: Db, org: Organization, key: str) -> str | None:
    with transaction(db) as conn:
        row = conn.execute(select(diary_keys.c.event_id).where(
            diary_keys.c.org_id == org.id, diary_keys.c.key == key)).first()
    return None if row is None else str(row.event_id)


def _stored_entry(engine: Engine, org: Organization, eid: str) -> DiaryEntry:
    events = query_events(engine, org, {"EQ_eventID": eid})
    return event_to_entry(events[0])


def _event(entry: DiaryEntry, key: str) -> Event:
    # The CBV hash ID leaves eventID out, so two identical entries (a second spraying the same
    # day) would hash alike and the second be dropped as a duplicate; the key keeps them apart.
    event = entry_to_event(entry, key)
    event["agt:entryKey"] = key
    return event


def store_prepared(engine: Engine, org: Organization,
                   items: Sequence[tuple[Prepared, str]], name: str = "diary") -> list[str]:
    """Capture prepared entries as one document (all or nothing) and keep their keys."""
    events = [_event(p.entry, key) for p, key in items]
    report = capture_document(engine, _document(events, name), org)
    if report.status != "success":
        raise ValidationException("The diary entries could not be stored", report.problems)
    with engine.begin() as conn:
        for event, (_, key) in zip(events, items, strict=True):
            try:
                with conn.begin_nested():
                    conn.execute(insert(diary_keys).values(
                        org_id=org.id, key=key, event_id=event["eventID"],
                        created_us=now_micros()))
            except IntegrityError:
                continue  # the same key raced in from a second request: one event either way
    return [str(e["eventID"]) for e in events]


def record_entry(engine: Engine, actor: Actor, kind: str, fields: Mapping[str, Any],
                 idempotency_key: str) -> Recorded:
    """Record one diary entry; the same key again returns the stored event (``duplicate``)."""
    key = idempotency_key.strip()
    if not key:
        raise ValidationException("An idempotency key is needed", [Problem(
            "idempotency_key", "a key made by the phone for this entry", "nothing")])
    stored = stored_event_id(engine, actor.org, key)
    if stored is not None:
        return Recorded(stored, _stored_entry(engine, actor.org, stored), (), True)
    # a refused entry is not stored, but that it was tried is counted (farm.refusals)
    prepared = prepare_entry(engine, actor, kind, fields, refused=lambda entry, findings:
                             refusals.record(engine, actor, entry, findings, key))
    eid = store_prepared(engine, actor.org, [(prepared, key)], f"diary {key}")[0]
    assert eid == event_id(key)
    return Recorded(eid, prepared.entry, prepared.findings)


def entry_defaults(engine: Engine, actor: Actor, plot_uri: str, kind: str) -> dict[str, Any]:
    """What a form for a new entry starts with: today, the current season, and the fields of
    the last entry of the same kind on the plot (product, dose, variety…)."""
    if kind not in EntryKind.__members__.values():
        raise ValidationException(f"Unknown diary entry kind {kind!r}", [Problem(
            "kind", "one of " + ", ".join(k.value for k in EntryKind), describe(kind))])
    place = place_by_uri(engine, actor.org, plot_uri)
    authorise(actor, place)
    today = vietnam_today()
    season = current_season(engine, actor.org, place.uri, today)
    out: dict[str, Any] = {"kind": kind, "plot_id": place.uri, "on": today.isoformat(),
                           "season_id": season.uri if season else None}
    previous = last_entry(engine, actor.org, place.uri, EntryKind(kind))
    if previous is not None:
        for f in dataclasses.fields(previous):
            value = getattr(previous, f.name)
            if f.init and f.name not in _NOT_DEFAULTS and value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else (
                    value.value if hasattr(value, "value") else value)
    return out
