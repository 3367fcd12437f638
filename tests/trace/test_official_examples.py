"""Every official GS1 example with aggregation or transformation events, traced.

The expected links are read straight from each document (an independent oracle): every child of
an ADD/OBSERVE aggregation or association is contained in its parent, and every output of a
transformation is made from every input of it, unless an error declaration in the document
names the event (nor a declaration itself). Tracing each child and output one step back must
find exactly those links.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.xml_codec import read_document
from agritrace.ids.epc import lenient_id
from agritrace.store.orgs import ensure_organization
from agritrace.trace.lineage import TraceRequest, trace
from tests.conformance import ids, json_examples, require_files, xml_examples

require_files()
_KINDS = ("AggregationEvent", "AssociationEvent", "TransformationEvent")


def _with_links(paths: list[Path]) -> list[Path]:
    return [p for p in paths if any(kind.encode() in p.read_bytes() for kind in _KINDS)
            and b"EPCISQueryDocument" not in p.read_bytes()[:4000]]


EXAMPLES = _with_links(json_examples() + xml_examples())


def _events(path: Path) -> list[dict[str, Any]]:
    return list(read_document(path.read_bytes(), path.name).events)


def _expected(events: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    declared = {e.get("eventID") for e in events if "errorDeclaration" in e}
    links: set[tuple[str, str, str]] = set()
    for event in events:
        # A declaration, and the event it declares erroneous, are not facts to follow.
        if "errorDeclaration" in event or (event.get("eventID") in declared
                                           and event.get("eventID")):
            continue
        if event["type"] in _KINDS[:2] and event.get("action") in ("ADD", "OBSERVE"):
            children = list(event.get("childEPCs") or ()) + [
                q["epcClass"] for q in event.get("childQuantityList") or ()]
            if event.get("parentID"):
                links |= {(lenient_id(c), lenient_id(event["parentID"]), "contained")
                          for c in children}
        elif event["type"] == "TransformationEvent":
            inputs = list(event.get("inputEPCList") or ()) + [
                q["epcClass"] for q in event.get("inputQuantityList") or ()]
            outputs = list(event.get("outputEPCList") or ()) + [
                q["epcClass"] for q in event.get("outputQuantityList") or ()]
            links |= {(lenient_id(i), lenient_id(o), "transformed")
                      for i in inputs for o in outputs}
    return links


def test_the_examples_include_both_kinds_of_link() -> None:
    kinds = {link[2] for path in EXAMPLES for link in _expected(_events(path))}
    assert kinds == {"contained", "transformed"}
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=ids(EXAMPLES))
def test_official_links_are_traced_one_step_back(engine: Engine, path: Path) -> None:
    events = _events(path)
    report = capture_document(engine, read_document(path.read_bytes(), path.name),
                              ensure_organization(engine, "GS1 examples"))
    assert report.rejected == 0, [p.message() for p in report.problems]
    expected = _expected(events)
    found: set[tuple[str, str, str]] = set()
    for target in sorted({t for _, t, kind in expected if kind == "transformed"}
                         | {c for c, _, kind in expected if kind == "contained"}):
        graph = trace(engine, TraceRequest(target, "back", depth=1))
        found |= {(e.source, e.target, e.relation) for e in graph.edges.values()
                  if e.relation in ("contained", "transformed")
                  and (e.target == target or e.source == target)}
    assert found == expected
