"""Reading the diary back from the event log: per plot, per season, and from a harvest lot.

The diary has no table of its own: it is the set of events made by
:func:`agritrace.farm.diary_events.entry_to_event`, found through the ordinary EPCIS query
(``EQ_bizLocation`` for a plot, ``MATCH_epc`` for a season, ``MATCH_epcClass`` for a lot), so
what the farm pages show is exactly what any EPCIS client would see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from agritrace.epcis.document import Event
from agritrace.errors import NoSuchResourceException, Problem, ValidationException
from agritrace.farm.diary import DiaryEntry, EntryKind, Harvest
from agritrace.farm.diary_events import event_to_entry
from agritrace.query import parse_query, run_query
from agritrace.store.orgs import Organization

PAGE = 5000


def query_events(engine: Engine, org: Organization, params: Mapping[str, str]) -> list[Event]:
    """Every event of ``org`` matching EPCIS query ``params``, all pages, in event time order."""
    found: list[Event] = []
    token: str | None = None
    while True:
        page_params = {**params, "perPage": str(PAGE)}
        if token:
            page_params["nextPageToken"] = token
        page = run_query(engine, parse_query(page_params, max_per_page=PAGE), org)
        found += [stored.event for stored in page.events]
        token = page.next_token
        if token is None:
            return found


def _entries(events: list[Event]) -> list[tuple[str, DiaryEntry]]:
    out = []
    for event in events:
        if "agt:entryKind" not in event:
            continue
        try:
            out.append((str(event.get("eventID", "")), event_to_entry(event)))
        except ValidationException:
            continue  # an agt-looking event from elsewhere: not part of the diary
    return out


#: Plots asked for in one query (an EPCIS list parameter) by :func:`plots_entries`.
PLOTS_PER_QUERY = 500


def plots_entries(engine: Engine, org: Organization, plot_uris: Sequence[str]
                  ) -> dict[str, list[DiaryEntry]]:
    """Each plot's whole diary, oldest first, in one query per :data:`PLOTS_PER_QUERY` plots
    (a cooperative's thousands of plots would otherwise cost a query each)."""
    found: dict[str, list[DiaryEntry]] = {uri: [] for uri in plot_uris}
    uris = list(found)
    for start in range(0, len(uris), PLOTS_PER_QUERY):
        chosen = "|".join(uris[start:start + PLOTS_PER_QUERY])
        for _, entry in _entries(query_events(engine, org, {"EQ_bizLocation": chosen})):
            found.setdefault(entry.plot_id, []).append(entry)
    return found


def plot_entries(engine: Engine, org: Organization, plot_uri: str, *,
                 since: date | None = None, until: date | None = None) -> list[DiaryEntry]:
    """The plot's diary, oldest first, optionally within ``since``…``until`` (inclusive)."""
    return [e for e in plots_entries(engine, org, [plot_uri])[plot_uri]
            if (since is None or e.on >= since) and (until is None or e.on <= until)]


def season_entries(engine: Engine, org: Organization, season_uri: str) -> list[DiaryEntry]:
    """The season's diary, oldest first: the care entries (``MATCH_epc``) and its harvests."""
    care = _entries(query_events(engine, org, {"MATCH_epc": season_uri}))
    entries = [e for _, e in care]
    plots = {e.plot_id for e in entries}
    for plot in plots:
        entries += [e for e in plot_entries(engine, org, plot)
                    if isinstance(e, Harvest) and e.season_id == season_uri]
    return sorted(entries, key=lambda e: (e.on, e.kind.value))


def last_entry(engine: Engine, org: Organization, plot_uri: str,
               kind: EntryKind) -> DiaryEntry | None:
    """The plot's latest entry of one kind (the source of a form's defaults)."""
    same = [e for e in plot_entries(engine, org, plot_uri) if e.kind is kind]
    return same[-1] if same else None


@dataclass(frozen=True)
class LotOrigin:
    """A harvest lot traced back to its plot, its season and the diary that produced it."""

    lot_class: str
    harvest: Harvest
    diary: tuple[DiaryEntry, ...]


def lot_origin(engine: Engine, org: Organization, lot_class: str) -> LotOrigin:
    """The harvest that commissioned ``lot_class`` and the diary of its season."""
    harvests = [e for _, e in _entries(query_events(engine, org, {"MATCH_epcClass": lot_class}))
                if isinstance(e, Harvest)]
    if not harvests:
        raise NoSuchResourceException(
            f"No harvest of {org.name} opened the lot {lot_class}",
            [Problem("lot", "a lot opened by a diary harvest entry", lot_class)])
    harvest = harvests[0]
    diary = season_entries(engine, org, harvest.season_id)
    return LotOrigin(lot_class, harvest, tuple(diary))
