"""Refused diary entries, kept as counted facts.

A diary entry the compliance rules refuse (:class:`agritrace.farm.compliance.Refused`: a banned
or withdrawn active ingredient, a substance banned in husbandry, an antibiotic given to prevent
disease) is not saved: the log holds what was done, and a refused spraying was not recorded as
done. That a farmer tried to record it is still a fact a province follows (issue 13: compliance
refusals by ingredient, per commune). Each refused ingredient is kept as one row: who, which
plot, which entry kind, the rule, the ingredient and product, the entry's day and when it was
refused. No free text is asked of the farmer. The entry's idempotency key makes a phone that
sends the same refused entry again count once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.times import now_micros
from agritrace.farm.compliance import Finding, Severity
from agritrace.farm.diary import DiaryEntry
from agritrace.farm.registry import Actor
from agritrace.farm.tables import diary_refusals


@dataclass(frozen=True)
class Refusal:
    """One refused ingredient of one entry."""

    org_id: int
    plot: str
    recorded_by: str
    kind: str
    rule: str
    ingredient: str
    product: str
    entry_on: date
    refused_us: int


def record(engine: Engine, actor: Actor, entry: DiaryEntry, findings: Sequence[Finding],
           key: str) -> None:
    """Keep the refused findings of ``entry`` (once per entry key, rule and ingredient)."""
    refused = [f for f in findings if f.severity is Severity.REFUSED]
    now = now_micros()
    product = str(getattr(entry, "product", "") or "")
    with engine.begin() as conn:
        for finding in refused:
            try:
                with conn.begin_nested():
                    conn.execute(insert(diary_refusals).values(
                        org_id=actor.org.id, key=key, plot=entry.plot_id,
                        member_id=actor.member_id, recorded_by=actor.name[:200],
                        kind=entry.kind.value, rule=finding.rule,
                        ingredient=(finding.ingredient or product)[:200],
                        product=product[:200], entry_on=entry.on, refused_us=now))
            except IntegrityError:
                continue  # the same entry sent again: counted once


def refusals(engine: Engine, org_ids: Sequence[int], since_us: int, until_us: int
             ) -> list[Refusal]:
    """The refusals of these organizations' diaries between the two times (until excluded)."""
    if not org_ids:
        return []
    t = diary_refusals.c
    with engine.connect() as conn:
        rows = conn.execute(select(
            t.org_id, t.plot, t.recorded_by, t.kind, t.rule, t.ingredient, t.product,
            t.entry_on, t.refused_us).where(
            t.org_id.in_(list(org_ids)), t.refused_us >= since_us, t.refused_us < until_us)
            .order_by(t.refused_us, t.id)).all()
    return [Refusal(*row) for row in rows]
