"""The trace reader's batched look-ups, on both engines."""

from __future__ import annotations

from sqlalchemy import Engine

from agritrace.trace.reader import EventReader
from tests.trace.chain import LOT_A, UNITS, load_chain


def test_a_value_holding_the_list_separator_matches_only_itself(engine: Engine) -> None:
    # PostgreSQL gets a list as one string split on chr(31); a value holding it goes as a list.
    load_chain(engine)
    with engine.connect() as conn:
        reader = EventReader(conn)
        plain = reader.hits([UNITS[0], LOT_A])
        mixed = reader.hits([UNITS[0], LOT_A, f"{UNITS[1]}\x1f{UNITS[2]}"])
        by_event = reader.hits([UNITS[0]])
        pks = {event.pk for _, event in by_event}
        assert reader.bodies(pks).keys() == pks
    assert plain and sorted(plain, key=repr) == sorted(mixed, key=repr)
    assert {term.value for term, _ in mixed} == {UNITS[0], LOT_A}
