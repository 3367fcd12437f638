"""The rows behind each figure of the province desk, for the officer who follows a link down.

Every figure of the dashboard links to a list (``/province/rows/{name}``): the plots behind a
hectare figure, the stamps or scans behind a stamp count, the recalls behind a recall count,
the rice seasons behind the methane total, the refused and flagged diary entries behind a count
by ingredient, the products behind the OCOP figures. Each list is computed by the very function
the figure is (:mod:`agritrace.province.indicators`), over the same area
(:func:`agritrace.trust.reach_of`), so its rows add up to the figure.

Fast at a province's size (issue 13: 50,000 plots, a million scans): the lists that judge
(plots, recalls, seasons, diary entries, products) are computed with the kept figures
(:func:`agritrace.province.kept.compute`, the same records) and kept row by row
(``province_figure_rows``), each row with the filters it answers to; a request reads one page of
them, counted and summed in SQL. Stamps and scans are read from the tables as of the figures'
computation (events recorded and scans made before it): the codes scanned are kept with their
counts, and each code's scans read by the index on code and time. Either way a list is what the
figure it came from counted, as of the moment the page names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, select

from agritrace.errors import NoSuchResourceException, Problem, QueryParameterException
from agritrace.farm.refusals import refusals
from agritrace.ids.epc import lenient_id
from agritrace.province import indicators as ind
from agritrace.province.downloads import as_csv
from agritrace.province.tables import kept_figures, kept_rows
from agritrace.reports.methane import SeasonEstimate
from agritrace.reports.methane_store import season_report
from agritrace.scans.tables import scans
from agritrace.store.tables import event_terms, events, organizations
from agritrace.trace.closing import RecallRecord
from agritrace.trust import GS1
from agritrace.vietnam_time import vietnam_datetime

#: The filters each list takes (query parameters), besides the period.
FILTERS: dict[str, tuple[str, ...]] = {
    "plots": ("commune", "crop", "stage"),
    "stamps": ("what",),
    "recalls": ("status", "commune", "crop"),
    "seasons": (),
    "compliance": ("commune", "ingredient", "rule", "severity"),
    "products": ("commune", "which"),
}
COLUMNS: dict[str, list[str]] = {
    "plots": ["plot", "name", "owner", "commune", "crop", "area_ha", "area_code", "status",
              "eudr_ready", "failed_checks"],
    "recalls": ["recall_id", "recorded_by", "ordered_by", "reason", "opened", "closed",
                "closed_by", "days_to_close", "codes", "places"],
    "seasons": ["plot", "name", "season", "cooperative", "area_ha", "water_regime", "ch4_kg",
                "co2e_t", "estimated"],
    "compliance": ["on", "plot", "commune", "recorded_by", "kind", "rule", "severity",
                   "ingredient", "product"],
    "products": ["commune", "gtin", "name", "owner", "ocop_stars", "ocop_expires", "ocop",
                 "stamped", "traced"],
}
#: The lists kept with the figures; the stamps' are read from the tables.
KEPT = tuple(COLUMNS)
#: The OCOP figures a products list is filtered to (left out: every product).
PRODUCT_FIGURES = ("ocop", "stamped", "traced")
STAGES = ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha", "eudr_ready_ha")
STAMP_KINDS = ("issued", "voided", "scanned", "suspicious")
RECALL_STATES = ("opened", "closed", "open_at_end")
#: Rows written or read at a time (the CSV streams, it never holds a whole list).
CHUNK = 2_000


@dataclass(frozen=True)
class Row:
    """One row of a list: the filters it answers to (``key=value``), what it adds to the
    figure (hectares, tonnes of CH4; 1 for the others) and its cells."""

    tags: tuple[str, ...]
    quantity: float
    cells: list[Any]


@dataclass(frozen=True)
class Page:
    """One page of a list: its columns, the rows from ``offset``; ``count`` and ``total``
    (the figure's quantity summed) are of every row the filters keep."""

    name: str
    columns: list[str]
    rows: list[list[Any]]
    count: int
    total: float
    offset: int


@dataclass(frozen=True)
class Source:
    """The kept figures a list belongs to: whose, of which period and deadline, as of when."""

    regulator: int
    period: ind.Period
    deadline_days: int
    as_of_us: int


def _when(micros: int | None) -> str:
    return "" if micros is None else vietnam_datetime(micros).strftime("%Y-%m-%d %H:%M")


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise QueryParameterException(f"Unknown {name}", [Problem(
            name, " | ".join(choices), repr(value[:40]))])
    return value


def _tag(key: str, value: str) -> str:
    return f"{key}={value}".replace("\n", " ")


# --- the kept lists, computed with the figures ------------------------------------------------


def plots(engine: Engine, desk: ind.Desk, period: ind.Period, records: ind.Records
          ) -> list[Row]:
    """The plots behind the hectare figures, each tagged with its commune, crop and the
    figures it counts in (:data:`STAGES`)."""
    found = sorted(ind.judged_plots(engine, desk, period, records), key=lambda p: (
        p.place.commune, p.place.crop or "", p.org.name, p.place.name))
    return [Row((_tag("commune", p.place.commune.strip()), _tag("crop", p.place.crop or ""),
                 *(_tag("stage", s) for s in p.stages)), p.area_ha, [
        p.place.uri, p.place.name, p.org.name, p.place.commune.strip(), p.place.crop or "",
        round(p.area_ha, 4), p.place.area_code or "", p.judged.status, p.eudr_ready,
        "; ".join(c.name for c in p.judged.failed())]) for p in found]


def recalls(engine: Engine, desk: ind.Desk, period: ind.Period, records: ind.Records
            ) -> list[Row]:
    """The recalls the period's figures count, tagged with their states in it
    (:data:`RECALL_STATES`) and the communes and crops of the recalled codes' plots."""
    found = [r for r in ind.area_recalls(engine, desk) if ind.in_period(r, period)]
    placed = ind.recall_places(engine, desk, found)
    recorders = {o.id: o.name for o in desk.orgs}
    with engine.connect() as conn:
        recorders[desk.regulator] = conn.execute(select(organizations.c.name).where(
            organizations.c.id == desk.regulator)).scalar_one()
    return [Row((*(_tag("status", s) for s in RECALL_STATES if _recall_state(r, period, s)),
                 *{_tag("commune", c) for c, _ in placed[r.recall_id]},
                 *(_tag("place", f"{c}\t{k}") for c, k in placed[r.recall_id])), 1, [
        r.recall_id, recorders.get(r.org_id, ""), r.ordered_by, r.reason, _when(r.opened_us),
        _when(r.closed_us), r.closed_by,
        None if r.days_to_close is None else round(r.days_to_close, 1), len(r.codes),
        "; ".join(f"{c} {k}".strip() for c, k in placed[r.recall_id])]) for r in found]


def _recall_state(record: RecallRecord, period: ind.Period, status: str) -> bool:
    if status == "opened":
        return period.since_us <= record.opened_us < period.until_us
    if status == "closed":
        return record.closed_us is not None and (
            period.since_us <= record.closed_us < period.until_us)
    return record.open_at(period.until_us)


def seasons(engine: Engine, desk: ind.Desk, period: ind.Period, records: ind.Records
            ) -> list[Row]:
    """The rice seasons behind the methane total (sown in the period on the area's plots)."""
    report = season_report(engine, list(desk.orgs), since=period.start, until=period.end)
    found = []
    for result in (r for r in report.results if r.plot in desk.reach.places):
        first = [result.plot, report.names.get(result.plot, ""), result.season,
                 result.cooperative, result.area_ha]
        if isinstance(result, SeasonEstimate):
            found.append(Row((), result.ch4_kg.value / 1000, [
                *first, result.water_regime, round(result.ch4_kg.value, 1),
                round(result.co2e_t.value, 3), True]))
        else:
            found.append(Row((), 0.0, [*first, "", None, None, False]))
    return found


def compliance(engine: Engine, desk: ind.Desk, period: ind.Period, records: ind.Records
               ) -> list[Row]:
    """The diary entries behind a count by ingredient: refused (kept by
    :mod:`agritrace.farm.refusals`) and saved with a finding, tagged with their commune,
    ingredient, rule and severity."""
    places = {p.uri: p for p in desk.plots}
    found: list[list[Any]] = []
    for refused in refusals(engine, [o.id for o in desk.orgs], period.since_us,
                            period.until_us):
        if refused.plot in places:
            found.append([refused.entry_on.isoformat(), refused.plot,
                          places[refused.plot].commune.strip(), refused.recorded_by,
                          refused.kind, refused.rule, "refused", refused.ingredient,
                          refused.product])
    for one in ind.findings_in(records, period):
        plot, entry = one.record.plot_id, one.entry
        if plot in places:
            found.append([entry.on.isoformat(), plot, places[plot].commune.strip(),
                          entry.recorded_by, entry.kind.value, one.finding.rule,
                          one.finding.severity.value, one.finding.ingredient or one.product,
                          one.product])
    columns = COLUMNS["compliance"]
    return [Row(tuple(_tag(k, row[columns.index(k)]) for k in FILTERS["compliance"]), 1, row)
            for row in sorted(found, key=lambda r: (r[0], r[1], r[5]))]


def products(engine: Engine, desk: ind.Desk, period: ind.Period, records: ind.Records
             ) -> list[Row]:
    """The products behind the OCOP figures, tagged with their commune and the figures they
    count in (:data:`PRODUCT_FIGURES`)."""
    return [Row((_tag("commune", i.commune),
                 *(_tag("which", w) for w in PRODUCT_FIGURES if getattr(i, w))), 1, [
        i.commune, i.product.gtin, i.product.name_vi, i.owner, i.product.ocop_stars,
        i.product.ocop_expires.isoformat() if i.product.ocop_expires else None, i.ocop,
        i.stamped, i.traced]) for i in ind.ocop_products(engine, desk, period)]


LISTS: dict[str, Callable[[Engine, ind.Desk, ind.Period, ind.Records], list[Row]]] = {
    "plots": plots, "recalls": recalls, "seasons": seasons, "compliance": compliance,
    "products": products}


def computed(engine: Engine, desk: ind.Desk, period: ind.Period, records: ind.Records,
             as_of_us: int) -> dict[str, list[Row]]:
    """Every kept list of the period, from the records its figures were computed from; and
    the codes scanned in it as the stamp figures count them (``scans``, not a page itself:
    the scans lists read their codes and counts from it)."""
    found = {name: make(engine, desk, period, records) for name, make in LISTS.items()}
    with engine.connect() as conn:
        counted = ind.scan_counts(conn, [o.id for o in desk.orgs], period, as_of_us)
    found["scans"] = [Row(("what=scanned", *(("what=suspicious",) if voided else ())), count,
                          [code, count, voided])
                      for code, (count, voided) in sorted(counted.items())]
    return found


def _key(source: Source) -> Any:
    return and_(kept_rows.c.regulator_id == source.regulator,
                kept_rows.c.period_from == source.period.start.isoformat(),
                kept_rows.c.period_to == source.period.end.isoformat(),
                kept_rows.c.deadline_days == source.deadline_days)


def keep(conn: Connection, source: Source, lists: Mapping[str, Sequence[Row]]) -> None:
    """Replace the kept rows of ``source``'s figures (in the transaction keeping them)."""
    conn.execute(delete(kept_rows).where(_key(source)))
    key = {"regulator_id": source.regulator, "period_from": source.period.start.isoformat(),
           "period_to": source.period.end.isoformat(), "deadline_days": source.deadline_days}
    values = [{**key, "list": name, "position": n, "tags": "\n" + "\n".join(row.tags) + "\n",
               "quantity": row.quantity, "cells": json.dumps(row.cells, ensure_ascii=False)}
              for name, found in lists.items() for n, row in enumerate(found)]
    for start in range(0, len(values), CHUNK):
        conn.execute(insert(kept_rows), values[start:start + CHUNK])


def drop_orphans(conn: Connection) -> None:
    """Drop the rows of figures no longer kept (:func:`agritrace.province.kept.refresh`)."""
    conn.execute(delete(kept_rows).where(~exists().where(
        kept_figures.c.regulator_id == kept_rows.c.regulator_id,
        kept_figures.c.period_from == kept_rows.c.period_from,
        kept_figures.c.period_to == kept_rows.c.period_to,
        kept_figures.c.deadline_days == kept_rows.c.deadline_days)))


def _has(conn: Connection, tag: str) -> Any:
    """The condition on a kept row tagged ``tag`` (exactly: SQLite's LIKE ignores case, its
    GLOB does not)."""
    if conn.dialect.name == "sqlite":
        escaped = "".join(f"[{c}]" if c in "*?[" else c for c in tag)
        return kept_rows.c.tags.op("GLOB")(f"*\n{escaped}\n*")
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return kept_rows.c.tags.like(f"%\n{escaped}\n%", escape="\\")


def _wanted(name: str, given: Mapping[str, str]) -> list[str]:
    """The tags a row of list ``name`` needs to be kept by the filters ``given``."""
    if name == "plots":
        return [_tag("stage", _choice("stage", given.get("stage") or "registered_ha", STAGES)),
                *(_tag(k, given[k]) for k in ("commune", "crop") if k in given)]
    if name == "recalls":
        status = given.get("status") or ""
        wanted = [_tag("status", _choice("status", status, RECALL_STATES))] if status else []
        if "commune" in given:  # a crop narrows a commune's recalls, never alone
            wanted.append(_tag("place", f"{given['commune']}\t{given['crop']}")
                          if "crop" in given else _tag("commune", given["commune"]))
        return wanted
    wanted = [_tag(k, v) for k, v in given.items() if k != "which"]
    if given.get("which"):  # left out: every product
        wanted.append(_tag("which", _choice("which", given["which"], PRODUCT_FIGURES)))
    return wanted


def _kept_where(conn: Connection, source: Source, name: str, given: Mapping[str, str]) -> Any:
    return and_(_key(source), kept_rows.c.list == name,
                *(_has(conn, tag) for tag in _wanted(name, given)))


def _kept_page(conn: Connection, source: Source, name: str, given: Mapping[str, str],
               offset: int, limit: int) -> Page:
    where = _kept_where(conn, source, name, given)
    count, total = conn.execute(select(func.count(), func.coalesce(
        func.sum(kept_rows.c.quantity), 0.0)).where(where)).one()
    found = conn.execute(select(kept_rows.c.cells).where(where).order_by(
        kept_rows.c.position).offset(offset).limit(limit)).scalars()
    return Page(name, COLUMNS[name], [json.loads(cells) for cells in found], int(count),
                float(total), offset)


def _kept_all(conn: Connection, source: Source, name: str, given: Mapping[str, str]
              ) -> Iterator[list[Any]]:
    found = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
        select(kept_rows.c.cells).where(_kept_where(conn, source, name, given)).order_by(
            kept_rows.c.position)).scalars()
    for cells in found:
        yield json.loads(cells)


# --- stamps and scans, read from the tables as of the figures ----------------------------------


def _orgs(conn: Connection, source: Source) -> dict[int, str]:
    """The area's organizations and their names (:func:`agritrace.trust.reach_of`)."""
    from agritrace.trust import reach_of

    reach = reach_of(conn, source.regulator)
    ids = sorted(reach.orgs) if reach is not None else []
    return dict(conn.execute(select(organizations.c.id, organizations.c.name).where(
        organizations.c.id.in_(ids))).all()) if ids else {}


def _stamp_query(orgs: Sequence[int], step: str, source: Source) -> Any:
    return ind.item_query(orgs, step, source.period, source.as_of_us).with_only_columns(
        event_terms.c.value, events.c.org_id, events.c.event_time_us)


def _stamps_page(conn: Connection, source: Source, what: str, offset: int, limit: int) -> Page:
    if what in ("issued", "voided"):
        names = _orgs(conn, source)
        if not names:
            return Page("stamps", ["code", "owner", "when"], [], 0, 0.0, offset)
        query = _stamp_query(list(names), _step(what), source)
        count = int(conn.execute(query.with_only_columns(func.count())).scalar_one())
        found = conn.execute(query.order_by(events.c.event_time_us, event_terms.c.value)
                             .offset(offset).limit(limit)).all()
        return Page("stamps", ["code", "owner", "when"], [
            [code, names[org], _when(at)] for code, org, at in found], count, count, offset)
    chosen = _scanned(conn, source, what)
    count = sum(n for n, _ in chosen.values())
    shown = list(islice(_scans(conn, source, chosen, offset), limit))
    return Page("stamps", ["code", "scanned", "voided"], shown, count, count, offset)


def _step(what: str) -> str:
    return "commissioning" if what == "issued" else "decommissioning"


def _scans(conn: Connection, source: Source, chosen: Mapping[str, tuple[int, bool]],
           offset: int = 0) -> Iterator[list[Any]]:
    """The scans of the codes ``chosen`` (as scanned: their scans in the period, whether
    voided), code by code, each code's in time order, from the ``offset``-th. The codes before
    the offset are skipped by their counts; each code's scans are read by the index on (code,
    time), so a page reads a few codes' scans, never the province's million in time order."""
    skip = offset
    for code in sorted(chosen):
        count, voided = chosen[code]
        if skip >= count:
            skip -= count
            continue
        found = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            select(scans.c.scanned_us).where(
                scans.c.code == code, ind.scans_in(source.period, source.as_of_us)).order_by(
                scans.c.scanned_us, scans.c.id).offset(skip)).scalars()
        skip = 0
        shown = lenient_id(GS1 + code.lstrip("/"))
        for at in found:
            yield [shown, _when(at), voided]


def _stamps_all(conn: Connection, source: Source, what: str) -> Iterator[list[Any]]:
    if what in ("issued", "voided"):
        names = _orgs(conn, source)
        if not names:
            return
        found = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            _stamp_query(list(names), _step(what), source).order_by(
                events.c.event_time_us, event_terms.c.value))
        for code, org, at in found:
            yield [code, names[org], _when(at)]
        return
    yield from _scans(conn, source, _scanned(conn, source, what))


def _scanned(conn: Connection, source: Source, what: str) -> dict[str, tuple[int, bool]]:
    """The codes scanned (or of those voided: ``suspicious``) as the figures counted them,
    kept with them: code as scanned -> (scans, voided)."""
    found = conn.execute(select(kept_rows.c.cells).where(
        _kept_where(conn, source, "scans", {}), _has(conn, f"what={what}")).order_by(
        kept_rows.c.position)).scalars()
    return {code: (count, voided) for code, count, voided in map(json.loads, found)}


# --- what the pages ask ---------------------------------------------------------------------


def _checked(name: str, given: Mapping[str, str]) -> dict[str, str]:
    """The filters of list ``name`` among ``given`` (404 for a list the desk has not)."""
    if name not in FILTERS:
        raise NoSuchResourceException(f"No list {name!r} on the desk", [Problem(
            "path", "/province/rows/{" + " | ".join(FILTERS) + "}", repr(name[:40]))])
    wanted = {k: v for k, v in given.items() if k in FILTERS[name]}
    if name == "stamps":
        wanted["what"] = _choice("what", wanted.get("what") or "issued", STAMP_KINDS)
    else:
        _wanted(name, wanted)  # a wrong choice is named before anything is read
    return wanted


def page_of(engine: Engine, source: Source, name: str, given: Mapping[str, str], offset: int,
            limit: int) -> Page:
    """Rows ``offset`` to ``offset + limit`` of the list ``name`` filtered by ``given``
    (only its :data:`FILTERS`), with the count and total of every row it keeps."""
    wanted = _checked(name, given)
    with engine.connect() as conn:
        if name == "stamps":
            return _stamps_page(conn, source, wanted["what"], offset, limit)
        return _kept_page(conn, source, name, wanted, offset, limit)


def csv_of(engine: Engine, source: Source, name: str, given: Mapping[str, str]
           ) -> Iterator[str]:
    """Every row of the list as CSV text, a chunk at a time (:func:`page_of`'s filters); the
    filters are checked before the first chunk is asked for."""
    wanted = _checked(name, given)
    columns = COLUMNS.get(name) or (["code", "owner", "when"] if wanted["what"] in (
        "issued", "voided") else ["code", "scanned", "voided"])

    def chunks() -> Iterator[str]:
        yield as_csv(columns, [])
        with engine.connect() as conn:
            found = (_stamps_all(conn, source, wanted["what"]) if name == "stamps"
                     else _kept_all(conn, source, name, wanted))
            batch: list[list[Any]] = []
            for row in found:
                batch.append(row)
                if len(batch) == CHUNK:
                    yield _body(batch)
                    batch = []
            yield _body(batch)
    return chunks()


def _body(rows: list[list[Any]]) -> str:
    """CSV lines of ``rows`` without the header :func:`agritrace.province.downloads.as_csv`
    writes (its cells made safe the same way)."""
    return as_csv([], rows).split("\n", 1)[1] if rows else ""
