"""The dashboard's figures kept in a table, so that a request reads one row instead of judging
every plot of the area (issue 13: a province of 50,000 plots).

What is kept: every figure of :func:`agritrace.province.indicators.indicators` (the period and
the previous one) for one regulator, period and ticket deadline, with the moment it was
computed. How fresh: ``agritrace province refresh`` (run from cron every
:data:`REFRESH_EVERY_S` seconds) recomputes the default period (the last 30 days) of every
regulator; a request uses a kept row younger than :data:`STALE_AFTER_S`. An older row is still
served at once, saying its age, while a background thread (one per figures across every worker,
:mod:`agritrace.province.background`) computes them again; a period never kept before waits at
most :data:`FIRST_WAIT_S` for its computation and is otherwise answered "being computed" (the
15-25 s of a big province are never a request's). Targets are not kept: they are read on each
request.

Why a periodic refresh rather than counters kept on each write: the hectare figures are
judgements (readiness rules, EUDR checks, certificates' validity on the period's last day) that
change with the calendar as well as with writes, and every write path of the product would
have to know the province's rules.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.times import now_micros
from agritrace.province import background, rows
from agritrace.province import indicators as ind
from agritrace.province.tables import kept_figures, regulators

#: How often the refresh command is meant to run (the cron line in docs/province.md).
REFRESH_EVERY_S = 600
#: A kept row older than this is computed again on request.
STALE_AFTER_S = 900
#: A row of a period no one asks for any more is dropped after this.
KEEP_S = 86_400
#: The dashboard's default period, in days up to today.
DEFAULT_DAYS = 30
#: How long a request for figures never kept waits for their computation (a small area's take
#: well under a second) before it is told they are being computed.
FIRST_WAIT_S = 3.0


def default_period(today: date) -> ind.Period:
    return ind.Period(today - timedelta(DEFAULT_DAYS - 1), today)


def _key(regulator: int, period: ind.Period, deadline_days: int) -> Any:
    return ((kept_figures.c.regulator_id == regulator)
            & (kept_figures.c.period_from == period.start.isoformat())
            & (kept_figures.c.period_to == period.end.isoformat())
            & (kept_figures.c.deadline_days == deadline_days))


def compute(engine: Engine, regulator: int, period: ind.Period, deadline_days: int
            ) -> dict[str, Any]:
    """Compute the figures from the tables (every plot judged) and keep them, with the rows
    behind them (:mod:`agritrace.province.rows`)."""
    desk = ind.desk_of(engine, regulator)
    if desk is None:
        raise LookupError(f"organization {regulator} oversees no area")
    # as of when it starts: the stamps and scans, and the lists read from the tables, stop there
    computed = now_micros()
    records = ind.records_of(engine, desk, period)
    figures = ind.indicators(engine, desk, period, deadline_days, computed, records)
    lists = rows.computed(engine, desk, period, records, computed)  # the rows behind them
    try:
        with engine.begin() as conn:
            conn.execute(delete(kept_figures).where(_key(regulator, period, deadline_days)))
            rows.keep(conn, rows.Source(regulator, period, deadline_days, computed), lists)
            conn.execute(insert(kept_figures).values(
                regulator_id=regulator, period_from=period.start.isoformat(),
                period_to=period.end.isoformat(), deadline_days=deadline_days,
                figures=json.dumps(figures, ensure_ascii=False), computed_us=computed))
    except IntegrityError:
        pass  # a concurrent request (or the cron job) kept the same figures first
    return {**figures, "computed_us": computed}


def _kept(engine: Engine, regulator: int, period: ind.Period, deadline_days: int
          ) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(kept_figures.c.figures, kept_figures.c.computed_us).where(
            _key(regulator, period, deadline_days))).first()
    return None if row is None else {**json.loads(row.figures), "computed_us": row.computed_us}


def figures(engine: Engine, regulator: int, period: ind.Period, deadline_days: int,
            now_us: int | None = None) -> dict[str, Any] | None:
    """The kept figures (``computed_us`` says when they were computed). Older than
    :data:`STALE_AFTER_S`: the same, marked ``recomputing``, while they are computed again in
    the background. Never kept: computed in the background, and None when not done within
    :data:`FIRST_WAIT_S` (the caller says they are being computed)."""
    now = now_micros() if now_us is None else now_us
    found = _kept(engine, regulator, period, deadline_days)
    if found is not None and now - found["computed_us"] < STALE_AFTER_S * 1_000_000:
        # fresh, unless the officer asked for them again (recompute) and that is running
        return {**found, "recomputing": background.held(engine, _name(regulator, period,
                                                                      deadline_days))}
    thread = _start(engine, regulator, period, deadline_days)
    if found is not None:
        return {**found, "recomputing": True}
    if thread is not None:
        thread.join(FIRST_WAIT_S)
    return _kept(engine, regulator, period, deadline_days)


def recompute(engine: Engine, regulator: int, period: ind.Period, deadline_days: int) -> None:
    """Compute the figures again now (the page's button, e.g. after a recall) in the
    background, waiting at most :data:`FIRST_WAIT_S`: a small area's are new on the next page,
    a big one's page says they are being computed."""
    thread = _start(engine, regulator, period, deadline_days)
    if thread is not None:
        thread.join(FIRST_WAIT_S)


def _name(regulator: int, period: ind.Period, deadline_days: int) -> str:
    return f"figures {regulator} {period.start} {period.end} {deadline_days}"


def _start(engine: Engine, regulator: int, period: ind.Period, deadline_days: int
           ) -> threading.Thread | None:
    return background.start(engine, _name(regulator, period, deadline_days),
                            lambda: compute(engine, regulator, period, deadline_days))


def refresh(engine: Engine, deadline_days: int, today: date) -> list[int]:
    """Recompute every regulator's default period (the cron job); drop rows of other periods
    not computed for :data:`KEEP_S` (a row kept is served, stale, while it is recomputed)."""
    with engine.connect() as conn:
        found = list(conn.execute(select(regulators.c.org_id).order_by(
            regulators.c.org_id)).scalars())
    for regulator in found:
        compute(engine, regulator, default_period(today), deadline_days)
    with engine.begin() as conn:
        conn.execute(delete(kept_figures).where(
            kept_figures.c.computed_us < now_micros() - KEEP_S * 1_000_000))
        rows.drop_orphans(conn)
    return found
