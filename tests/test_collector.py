"""The collector pause around graph walks: on inside a walk, back on after, even on errors."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from agritrace.collector import collection_paused
from agritrace.errors import NoSuchResourceException
from agritrace.trace.lineage import TraceRequest, trace
from agritrace.trace.recall import recall
from tests.trace.chain import LOT_A, UNITS, load_chain


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_a_pause_lasts_for_its_block_only() -> None:
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_process_turned_off_stays_off() -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_walks_in_two_threads_resume_only_when_both_end() -> None:
    inside, release = threading.Event(), threading.Event()

    def other_walk() -> None:
        with collection_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_walk)
    with collection_paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled(), "the other thread's walk is still running"
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_traces_and_recalls_leave_the_collector_on(engine: Engine) -> None:
    load_chain(engine)
    trace(engine, TraceRequest(UNITS[0], "back"))
    assert gc.isenabled()
    recall(engine, [LOT_A])
    assert gc.isenabled()
    with pytest.raises(NoSuchResourceException):
        trace(engine, TraceRequest(UNITS[0].replace("U1", "NOPE"), "back"))
    assert gc.isenabled()
