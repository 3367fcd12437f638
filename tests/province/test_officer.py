"""The regulator's one exemption, in the trust rules and in recall.check_may_recall."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from agritrace.errors import ForbiddenException
from agritrace.farm.places import add_place
from agritrace.farm.registry import org_actor
from agritrace.province.areas import check_area, make_regulator
from agritrace.store import grants
from agritrace.store.orgs import create_organization
from agritrace.trace.recall import check_may_recall
from agritrace.trust import Reach, Scope, TokenRole, acting_role, in_reach, may_use, reach_of

LOT = "https://id.gs1.org/01/08931234000356/10/CF-26"


def test_every_readiness_check_is_named_on_the_desk_in_both_languages() -> None:
    from datetime import date

    from agritrace.farm.compliance import PlotRecord, plot_readiness
    from agritrace.web.i18n import CATALOGUE

    judged = plot_readiness(PlotRecord("p", "HTX", "rice", "*", 1.0, date(2026, 1, 1),
                                       date(2026, 2, 1)))
    keys = [f"province_check_{check.name}" for check in judged.checks]
    assert [k for k in keys if set(CATALOGUE.get(k, {})) != {"vi", "en"}] == []


def test_in_reach_is_the_owner_or_for_an_unowned_code_a_capturer_of_the_area() -> None:
    reach = Reach(frozenset({1, 2}), frozenset())
    assert in_reach(reach, 1, ()) and not in_reach(reach, 3, [1])  # an owner outside wins
    assert in_reach(reach, None, [3, 2]) and not in_reach(reach, None, [3])


def test_a_regulators_organization_token_acts_as_an_officer() -> None:
    assert acting_role(TokenRole.ORGANIZATION, "regulator") is TokenRole.OFFICER
    assert acting_role(TokenRole.READ, "regulator") is TokenRole.READ
    assert acting_role(TokenRole.ORGANIZATION, "cooperative") is TokenRole.ORGANIZATION
    officer = TokenRole.OFFICER
    assert may_use(officer, Scope.ORGANIZATION, False) and may_use(officer, Scope.RECALL, True)
    assert not may_use(officer, Scope.ORGANIZATION, True) and not may_use(officer, Scope.FARM,
                                                                          False)
    assert may_use(officer, Scope.PROVINCE, True)
    assert not may_use(TokenRole.READ, Scope.PROVINCE, True)
    assert not may_use(TokenRole.MEMBER, Scope.PROVINCE, False)


def test_a_commune_officer_recalls_a_lot_of_a_cooperative_with_a_plot_there(
        engine: Engine) -> None:
    coop = create_organization(engine, "HTX Cà phê Ẳng Nưa")
    grants.grant(engine, coop, "prefix", "8931234", "test operator")
    add_place(engine, org_actor(coop), {"name": "Nương 1", "crop": "coffee", "area_ha": 1.0,
                                        "province": "Điện Biên", "commune": "Ẳng Nưa"})
    here = create_organization(engine, "UBND xã Ẳng Nưa")
    there = create_organization(engine, "UBND xã Mường Ảng")
    make_regulator(engine, here, check_area("Điện Biên", "xã Ẳng Nưa"), "test operator")
    make_regulator(engine, there, check_area("Điện Biên", "Mường Ảng"), "test operator")
    with engine.connect() as conn:
        assert reach_of(conn, here.id) is not None
    assert check_may_recall(engine, here, [LOT]) == here.id  # read in its own, area-wide view
    with pytest.raises(ForbiddenException) as refused:
        check_may_recall(engine, there, [LOT])
    assert refused.value.problems[0].path == "lots[0]"
    stranger = create_organization(engine, "Công ty Lạ")
    with pytest.raises(ForbiddenException):  # the rule for everyone else is unchanged
        check_may_recall(engine, stranger, [LOT])
