"""Seasons: one crop on one plot from a start date (to an end date once closed).

A season's URI is what every diary event of that season names in its ``epcList``, so
``MATCH_epc=<season URI>`` returns the season's diary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import insert, or_, select

from agritrace.epcis.times import now_micros
from agritrace.errors import ConflictException, NoSuchResourceException, Problem
from agritrace.farm.diary import KINDS_BY_PLACE, vietnam_today
from agritrace.farm.places import place_by_uri
from agritrace.farm.registry import Actor, Checks, Db, transaction, update_row, write_history
from agritrace.farm.tables import places, seasons
from agritrace.store.orgs import Organization
from agritrace.web.i18n import expect, refusal

SEASON_BASE = "https://agritrace.org/id/season/"


@dataclass(frozen=True)
class Season:
    id: int
    uri: str
    place_id: int
    plot_uri: str
    crop: str
    variety: str
    start: date
    end: date | None = None
    sown_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _season(row: Any) -> Season:
    return Season(row.id, row.uri, row.place_id, row.plot_uri, row.crop, row.variety,
                  row.start, row.end, row.sown_on)


def _check_dates(checks: Checks, values: Mapping[str, Any]) -> dict[str, Any]:
    today = vietnam_today()
    start = checks.day("start", values.get("start"), "expect_season_start")
    end = checks.day("end", values.get("end"))
    sown = checks.day("sown_on", values.get("sown_on"))
    for name, day in (("start", start), ("end", end), ("sown_on", sown)):
        if day is not None and day > today:
            checks.fail(name, "expect_not_after_today", day.isoformat(), today=today)
    if start and end and end < start:
        checks.fail("end", "expect_after_start", end.isoformat(), start=start)
    if start and sown and sown < start:
        checks.fail("sown_on", "expect_after_start", sown.isoformat(), start=start)
    return {"start": start, "end": end, "sown_on": sown}


def open_season(db: Db, actor: Actor, values: Mapping[str, Any]) -> Season:
    """Open a season on a plot (``plot``: its URI); crop and variety default to the plot's."""
    actor.require_manager("open seasons")
    checks = Checks("season")
    with transaction(db) as conn:
        plot = place_by_uri(conn, actor.org, str(values.get("plot") or ""))
        row = _check_dates(checks, values)
        row["crop"] = str(values.get("crop") or plot.crop)
        row["variety"] = str(values.get("variety") or plot.variety)
        if plot.kind not in KINDS_BY_PLACE:  # plots, barns, ponds and cages hold seasons
            checks.fail("plot", "expect_diary_place", plot.kind)
        checks.raise_if_failed("The season is not valid")
        _refuse_overlap(conn, plot.id, plot.name, row["start"], row["end"])
        uri = str(values.get("uri") or
                  f"{SEASON_BASE}{actor.org.id}-{plot.id}-{quote(row['crop'])}-{row['start']}")
        if conn.execute(select(seasons.c.id).where(seasons.c.uri == uri)).first():
            raise ConflictException(f"A season {uri} already exists",
                                    [expect("season.uri", "expect_new_season", uri)])
        pk = conn.execute(insert(seasons).values(
            org_id=actor.org.id, uri=uri, place_id=plot.id, created_us=now_micros(), **row,
        )).inserted_primary_key
        assert pk is not None
        write_history(conn, actor, seasons.name, int(pk[0]), None, row | {"uri": uri})
        return get_season(conn, actor.org, uri)


def _refuse_overlap(conn: Any, place_id: int, plot_name: str, start: date,
                    end: date | None) -> None:
    """ConflictException when another season of the plot shares a day with start..end (an open
    season runs until it is closed): a diary entry must belong to one season only."""
    query = select(seasons.c.uri, seasons.c.start, seasons.c.end).where(
        seasons.c.place_id == place_id, or_(seasons.c.end.is_(None), seasons.c.end >= start))
    if end is not None:
        query = query.where(seasons.c.start <= end)
    other = conn.execute(query.order_by(seasons.c.start).limit(1)).first()
    if other is None:
        return
    suffix = "" if other.end else "_open"
    problem = expect("start", "expect_no_overlap" + suffix, None,
                     shown=f"{start.isoformat()} to {end.isoformat() if end else 'open'}",
                     season=other.uri, start=other.start, end=other.end)
    raise refusal(ConflictException, "refuse_season_overlap" + suffix, [problem],
                  plot=plot_name, start=other.start, end=other.end)


def close_season(db: Db, actor: Actor, uri: str, end: date) -> Season:
    actor.require_manager("close seasons")
    with transaction(db) as conn:
        season = get_season(conn, actor.org, uri)
        checks = Checks("season")
        row = _check_dates(checks, {"start": season.start, "end": end,
                                    "sown_on": season.sown_on})
        checks.raise_if_failed("The season cannot be closed on that date")
        update_row(conn, actor, seasons, season.id, {"end": row["end"]})
        return get_season(conn, actor.org, uri)


def _select(org: Organization) -> Any:
    return (select(seasons, places.c.uri.label("plot_uri"))
            .join(places, places.c.id == seasons.c.place_id)
            .where(seasons.c.org_id == org.id))


def get_season(db: Db, org: Organization, uri: str) -> Season:
    with transaction(db) as conn:
        row = conn.execute(_select(org).where(seasons.c.uri == uri)).first()
    if row is None:
        raise NoSuchResourceException(f"No season {uri} in {org.name}",
                                      [Problem("season_id", f"a season of {org.name}", uri)])
    return _season(row)


def list_seasons(db: Db, org: Organization, *, plot_uri: str | None = None) -> list[Season]:
    statement = _select(org)
    if plot_uri is not None:
        statement = statement.where(places.c.uri == plot_uri)
    with transaction(db) as conn:
        rows = conn.execute(statement.order_by(seasons.c.start, seasons.c.id)).all()
    return [_season(r) for r in rows]


def current_season(db: Db, org: Organization, plot_uri: str, day: date) -> Season | None:
    """The latest season of the plot that covers ``day`` (the form's default)."""
    covering = [s for s in list_seasons(db, org, plot_uri=plot_uri) if s.covers(day)]
    return covering[-1] if covering else None
