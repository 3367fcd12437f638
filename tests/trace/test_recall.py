"""Recall on the hand-built chain: who has what, where; recorded as events; printable reports."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Engine, select

from agritrace.epcis.times import parse_time
from agritrace.errors import ForbiddenException, NoSuchResourceException
from agritrace.store.grants import delegate
from agritrace.store.orgs import create_organization, find_organization
from agritrace.store.tables import event_terms, events
from agritrace.trace import recall_report
from agritrace.trace.recall import check_may_recall, lots_of_plot, mark_recalled, recall
from agritrace.web.i18n import format_amount
from tests.trace.chain import (
    CASE,
    CASE_2,
    FACTORY,
    LOT_A,
    PLOT,
    SEASON,
    SHOP,
    SHOP_PARTY,
    UNITS,
    WAREHOUSE,
    at,
    load_chain,
)


def test_a_recall_lists_every_downstream_code_with_its_whereabouts(engine: Engine) -> None:
    load_chain(engine)
    result = recall(engine, [LOT_A])
    found = {a.id: a for a in result.affected}
    assert set(found) == {LOT_A, *UNITS[:3], CASE, CASE_2}
    assert {k: result.count(k) for k in ("lot", "item", "logistic_unit")} == {
        "lot": 1, "item": 3, "logistic_unit": 2}
    # Re-cased at the shop on day 9, after travelling in CASE to the shop.
    assert (found[UNITS[0]].last_place, found[UNITS[0]].last_seen) == (
        SHOP, "2025-03-09T09:00:00.000+07:00")
    assert found[UNITS[0]].recipients == [SHOP_PARTY] and found[UNITS[0]].owner == SHOP_PARTY
    # Never cased, never shipped: still where it was made.
    assert (found[UNITS[2]].last_place, found[UNITS[2]].owner) == (FACTORY, None)
    # The case is followed only while it held goods of the lot: not to the warehouse after.
    assert found[CASE].last_place == SHOP
    assert all(a.last_place != WAREHOUSE for a in result.affected)
    assert (found[LOT_A].quantity, found[LOT_A].uom) == (1000.0, "KGM")
    assert (found[UNITS[1]].quantity, found[UNITS[1]].uom) == (1.0, "EA")
    assert result.sources == {"location": [PLOT], "season": [SEASON]}
    assert result.recipients == [SHOP_PARTY]


def test_a_plot_and_a_harvest_period_name_the_lots(engine: Engine) -> None:
    load_chain(engine)
    assert lots_of_plot(engine, PLOT, parse_time(at(1)["eventTime"]),
                        parse_time(at(3)["eventTime"])) == [LOT_A]
    with pytest.raises(NoSuchResourceException):
        lots_of_plot(engine, PLOT, parse_time(at(3)["eventTime"]), None)


def _recalled(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(
            select(event_terms.c.value).join(events, events.c.id == event_terms.c.event_pk)
            .where(events.c.disposition == "recalled")))


def test_marking_a_recall_records_recalled_events_on_the_recorders_own_codes(
        engine: Engine) -> None:
    """The farm's recall of its lot names its lot only: the units and cases the factory made
    from it are the factory's codes (their pages show the recall through the input lot)."""
    load_chain(engine)
    result = recall(engine, [LOT_A])
    assert {a.id for a in result.affected} > {LOT_A}
    report = mark_recalled(engine, result, find_organization(engine, "HTX Test"),
                           "dư lượng thuốc BVTV vượt MRL")
    assert report.status == "success" and report.captured == 1
    assert _recalled(engine) == {LOT_A}
    factory = mark_recalled(engine, recall(engine, [UNITS[0]]),
                            find_organization(engine, "Nhà máy Test"), "theo HTX Test")
    assert factory.status == "success"
    assert _recalled(engine) == {LOT_A, UNITS[0], CASE, CASE_2}


def test_only_the_owner_or_its_delegate_may_record_a_recall(engine: Engine) -> None:
    load_chain(engine)
    stranger = create_organization(engine, "Người lạ")
    with pytest.raises(ForbiddenException) as refused:
        check_may_recall(engine, stranger, [LOT_A])
    assert "HTX Test" in str(refused.value)
    check_may_recall(engine, find_organization(engine, "HTX Test"), [LOT_A])
    delegate(engine, find_organization(engine, "HTX Test"), stranger, "test")
    check_may_recall(engine, stranger, [LOT_A])


def test_csv_and_html_reports(engine: Engine) -> None:
    load_chain(engine)
    result = recall(engine, [LOT_A])
    rows = list(csv.DictReader(io.StringIO(recall_report.to_csv(result))))
    assert [r["id"] for r in rows] == [a.id for a in result.affected]
    assert tuple(rows[0]) == recall_report.CSV_COLUMNS
    vi = recall_report.to_html(result, "vi")
    en = recall_report.to_html(result, "en")
    assert '<html lang="vi">' in vi and "Báo cáo thu hồi sản phẩm" in vi
    assert "09/03/2025 09:00" in vi and "1.000 KGM" in vi
    assert '<html lang="en">' in en and "Product recall report" in en and "1,000 KGM" in en
    for page in (vi, en):
        assert "<script" not in page and "http://" not in page
        assert all(a.id in page for a in result.affected)


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (1234567.25, "1.234.567,25"),
                                              (0.5, "0,5")])
def test_vietnamese_numbers(value: float, text: str) -> None:
    assert format_amount(value, "vi") == text  # the formatter the recall page uses


def test_a_delegate_recalls_as_the_owner_sees_the_lot(engine: Engine) -> None:
    load_chain(engine)
    owner = find_organization(engine, "HTX Test")
    packer = create_organization(engine, "Nhà đóng gói")
    assert check_may_recall(engine, owner, [LOT_A]) == owner.id
    delegate(engine, owner, packer, "test")
    seen_as = check_may_recall(engine, packer, [LOT_A])
    assert seen_as == owner.id
    assert [a.id for a in recall(engine, [LOT_A], viewer=seen_as).affected] == \
        [a.id for a in recall(engine, [LOT_A], viewer=owner.id).affected] != []
    with pytest.raises(NoSuchResourceException):  # the packer's own view holds none of it
        recall(engine, [LOT_A], viewer=packer.id)
