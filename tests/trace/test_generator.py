"""The synthetic chain generator: seeded, valid EPCIS, streamed to files or captured, traceable."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from agritrace.epcis.validation import validate_event
from agritrace.epcis.xml_codec import read_document
from agritrace.errors import ValidationException
from agritrace.farm.diary_events import NAMESPACES
from agritrace.generator.chains import RECIPES, organizations
from agritrace.generator.run import (
    Generated,
    _Bar,
    capture_chain,
    chain,
    parse_size,
    write_documents,
)
from agritrace.trace.lineage import TraceRequest, trace
from agritrace.vietnam_time import vietnam_now


def _dump(seed: int, size: int) -> list[bytes]:
    return [orjson.dumps([org, event]) for org, event in chain(seed, size)]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31), size=st.integers(1, 800))
def test_same_seed_and_size_give_the_same_chain(seed: int, size: int) -> None:
    first = _dump(seed, size)
    assert first == _dump(seed, size)
    assert len(first) >= size
    # A larger size only adds batches.
    assert _dump(seed, size + 400)[:len(first)] == first


def test_another_seed_gives_another_chain() -> None:
    assert _dump(1, 300) != _dump(2, 300)


def test_every_generated_event_is_valid_epcis() -> None:
    result = Generated()
    problems = [(event.get("type"), p.message()) for _org, event in chain(7, 2500, result)
                for p in validate_event(event, dict(NAMESPACES))]
    assert problems == []
    assert {b.recipe for b in [result.first, *result.samples] if b} <= set(RECIPES)
    assert result.batches >= 3 and result.units > 0


def test_documents_are_streamed_in_files_of_bounded_size(tmp_path: Path) -> None:
    result = write_documents(3, 1500, tmp_path, per_file=400, progress=False)
    counts = [len(list(read_document(p.read_bytes(), p.name).events)) for p in result.files]
    assert sum(counts) == result.events >= 1500
    assert max(counts) == 400 and len(result.files) == -(-result.events // 400)


@pytest.mark.parametrize(("text", "size"), [("demo", 600), ("small", 20_000), ("50000", 50_000),
                                            ("300k", 300_000), ("1.5m", 1_500_000)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["tiny", "-5", "0", "k"])
def test_bad_sizes_name_the_choices(text: str) -> None:
    with pytest.raises(ValidationException) as caught:
        parse_size(text)
    assert "demo" in str(caught.value) and repr(text) in str(caught.value)


def test_a_captured_chain_traces_from_unit_to_plot_and_plot_to_every_unit(
        engine: Engine) -> None:
    result = capture_chain(engine, 11, 700, progress=False)
    batch = result.first
    assert batch is not None
    back = trace(engine, TraceRequest(batch.units[-1], "back"))
    assert set(batch.plots) <= set(back.of_kind("location"))
    assert set(batch.seasons) == set(back.of_kind("season"))
    assert set(batch.harvest_lots + batch.processed_lots) <= set(back.of_kind("lot"))
    forward = trace(engine, TraceRequest(batch.plots[0], "forward"))
    assert set(forward.of_kind("item")) == set(batch.units)
    assert set(batch.pallets) <= set(forward.of_kind("logistic_unit"))
    assert forward.inconsistencies == [] and back.inconsistencies == []


def test_a_generated_chain_reads_as_vietnamese_and_its_units_are_fresh() -> None:
    """Issue 15: 'Công ty chế biến coffee Điện Biên', and units past their best-before date
    beside a 'genuine' verdict: rice processed on fixed dates in January 2026 expired in January
    2027. The chain is dated from the day it is generated, whatever that day is."""
    names = {name for recipe in RECIPES.values() for name in organizations(recipe).values()}
    assert "Công ty chế biến cà phê Điện Biên" in names
    assert not {w for name in names for w in name.split()} & {"coffee", "tea", "rice"}
    for today in (date(2025, 1, 20), date(2026, 6, 1), vietnam_now().date()):
        events = [e for _org, e in chain(7, 3_000, today=today)]
        best_before = {date.fromisoformat(e["ilmd"]["cbvmda:bestBeforeDate"])
                       for e in events if "cbvmda:bestBeforeDate" in e.get("ilmd", {})}
        # Rice keeps a year: still good for more than half a year after generation.
        assert best_before and min(best_before) > today + timedelta(days=180), today
        days = sorted(e["eventTime"][:10] for e in events)
        # The crop year before processing: from at most two years back, up to the day before.
        assert str(today.year - 2) <= days[0] and days[-1] < today.isoformat()


def test_the_progress_bar_ends_at_the_events_made() -> None:
    """The chain ends with a whole batch, past the size asked: the bar's total follows."""
    bar = _Bar(1_000, "capturing")
    with bar as advance:
        advance(1_432)
    task = bar.bar.tasks[0]
    assert task.completed == task.total == 1_432
