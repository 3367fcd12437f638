"""Capture refuses a claim about another owner's code (issue 11, item 1): commissioning,
renaming, decommissioning, destroying or recalling is the owner's word, or its delegate's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agritrace.capture import CaptureReport, capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.store import grants
from agritrace.store.orgs import Organization, create_organization
from agritrace.store.tables import events

SERIAL = "https://id.gs1.org/01/08931234000356/21/X7K9Q2MN3P4R"
LOT = "https://id.gs1.org/01/08931234000356/10/R26-1106"
UNOWNED = "https://id.gs1.org/01/09506000134352/21/S1"  # GS1's example prefix: nobody holds it
STRANGERS_BAG = "https://id.gs1.org/01/08937777000013/21/B1"


def _event(**fields: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": "2026-11-06T09:00:00+07:00",
            "eventTimeZoneOffset": "+07:00", **fields}


def _capture(engine: Engine, org: Organization, *items: dict[str, Any],
             proceed: bool = False) -> CaptureReport:
    doc = Document(kind="EPCISDocument", namespaces={"agt": "https://agritrace.org/voc/"},
                   events=iter(items), name="claims.jsonld",
                   header={"@context": [STANDARD_CONTEXT], "schemaVersion": "2.0",
                           "creationDate": "2026-11-06T00:00:00Z"})
    return capture_document(engine, doc, org, proceed=proceed)


def _stored(engine: Engine, org: Organization) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(events).where(
            events.c.org_id == org.id)) or 0)


@pytest.fixture
def orgs(engine: Engine) -> dict[str, Organization]:
    found = {"owner": create_organization(engine, "HTX Chủ Mã"),
             "packer": create_organization(engine, "Nhà đóng gói"),
             "stranger": create_organization(engine, "Công ty Lạ")}
    grants.grant(engine, found["owner"], "prefix", "8931234", "test")
    grants.grant(engine, found["stranger"], "prefix", "8937777", "test")
    grants.delegate(engine, found["owner"], found["packer"], "test")
    made = _capture(engine, found["owner"], _event(action="ADD", bizStep="commissioning",
                                                    epcList=[SERIAL]))
    assert made.status == "success", made.problems
    return found


@pytest.mark.parametrize(("name", "event"), [
    ("recall", _event(action="OBSERVE", disposition="recalled", epcList=[SERIAL])),
    ("void", _event(action="DELETE", bizStep="decommissioning", epcList=[SERIAL])),
    ("destroy", _event(action="OBSERVE", bizStep="destroying", epcList=[SERIAL])),
    ("rename", _event(action="ADD", epcList=[SERIAL],
                      ilmd={"agt:productName": "Cà phê giả"})),
    ("commission under the owner's prefix", _event(
        action="ADD", bizStep="commissioning",
        quantityList=[{"epcClass": LOT, "quantity": 5.0, "uom": "KGM"}])),
    ("transformation output", {**_event(), "type": "TransformationEvent",
                               "inputEPCList": [STRANGERS_BAG], "outputEPCList": [SERIAL]}),
])
def test_a_strangers_claim_about_an_owned_code_is_refused_and_nothing_stored(
        engine: Engine, orgs: dict[str, Organization], name: str, event: dict[str, Any]) -> None:
    stranger = orgs["stranger"]
    report = _capture(engine, stranger, _event(action="ADD", bizStep="commissioning",
                                               epcList=[STRANGERS_BAG]), event)
    assert report.status == "failure" and report.rejected == 2, name
    assert report.problems[0].event_index == 1
    text = str(report.problems[0].as_dict())
    assert "HTX Chủ Mã" in text and (SERIAL in text or LOT in text), text
    assert _stored(engine, stranger) == 0  # the document is stored whole or not at all


def test_with_proceed_only_the_refused_event_is_left_out(
        engine: Engine, orgs: dict[str, Organization]) -> None:
    stranger = orgs["stranger"]
    report = _capture(engine, stranger,
                      _event(action="ADD", bizStep="commissioning", epcList=[STRANGERS_BAG]),
                      _event(action="OBSERVE", disposition="recalled", epcList=[SERIAL]),
                      proceed=True)
    assert (report.status, report.captured, report.rejected) == ("partial", 1, 1)
    assert report.problems[0].event_index == 1


def test_the_owner_its_delegate_and_custody_events_of_others_are_stored(
        engine: Engine, orgs: dict[str, Organization]) -> None:
    packer = _capture(engine, orgs["packer"],
                      _event(action="OBSERVE", disposition="recalled", epcList=[SERIAL]))
    assert packer.status == "success", packer.problems
    owner = _capture(engine, orgs["owner"],
                     _event(action="DELETE", bizStep="decommissioning", epcList=[SERIAL]))
    assert owner.status == "success", owner.problems
    # receiving, shipping or observing someone else's goods is no claim
    held = _capture(engine, orgs["stranger"],
                    _event(action="OBSERVE", bizStep="receiving", epcList=[SERIAL]),
                    {**_event(), "type": "TransformationEvent", "inputEPCList": [SERIAL],
                     "outputEPCList": [STRANGERS_BAG]})
    assert held.status == "success", held.problems


def test_a_code_nobody_holds_may_be_commissioned_by_anyone(
        engine: Engine, orgs: dict[str, Organization]) -> None:
    report = _capture(engine, orgs["stranger"],
                      _event(action="ADD", bizStep="commissioning", epcList=[UNOWNED]))
    assert report.status == "success", report.problems
