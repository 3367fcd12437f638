"""Property: on any graph of transformations (cycles and all), a backward trace reaches exactly
the ancestors of a lot and a forward trace exactly its descendants, as a plain search finds them.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from agritrace.trace.lineage import TraceRequest, trace
from tests.trace.chain import FACTORY, LOT_A, at, capture

_runs = itertools.count()
Links = list[tuple[int, int]]


def _reach(links: Links, start: int, forward: bool) -> set[int]:
    following: dict[int, set[int]] = defaultdict(set)
    for source, target in links:
        following[source if forward else target].add(target if forward else source)
    seen: set[int] = set()
    todo = [start]
    while todo:
        for other in following[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return seen


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1,
                      max_size=12, unique=True),
       pick=st.integers(0, 11))
def test_traces_reach_exactly_the_ancestors_and_descendants(
        engine: Engine, links: Links, pick: int) -> None:
    run = next(_runs)

    def lot(n: int) -> str:
        return LOT_A.replace("/10/A1", f"/10/R{run}N{n}")

    capture(engine, [
        {"type": "TransformationEvent", **at(3 + index % 20),
         "inputQuantityList": [{"epcClass": lot(s), "quantity": 1.0 + index, "uom": "KGM"}],
         "outputQuantityList": [{"epcClass": lot(t), "quantity": 1.0, "uom": "KGM"}],
         "readPoint": {"id": FACTORY}}
        for index, (s, t) in enumerate(links)])
    root = links[pick % len(links)][0]
    for forward in (False, True):
        graph = trace(engine, TraceRequest(lot(root), "forward" if forward else "back"))
        expected = {lot(n) for n in _reach(links, root, forward)} | {lot(root)}
        assert set(graph.of_kind("lot")) == expected
        in_cycle = root in _reach(links, root, forward)
        assert any(i.kind == "cycle" for i in graph.inconsistencies) == in_cycle
