"""Run the generator: EPCIS 2.0 JSON-LD documents streamed to files, or captured into the store.

Sizes are counted in events: ``demo`` (about 600), ``small`` (20k), ``medium`` (200k),
``large`` (2M), ``huge`` (10M), or a number such as ``50000``, ``300k`` or ``1.5m``. The chain
stops at the end of the batch that reaches the size, so a size gives a few more events.

Memory does not grow with the size: events stream to their file or to capture in bounded
buffers, and only a sample of the batches (``Generated.samples``) is kept for a caller to pick
identifiers from.

>>> parse_size("300k"), parse_size("demo")
(300000, 600)
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.errors import Problem, ValidationException
from agritrace.farm.diary_events import NAMESPACES
from agritrace.generator.chains import (
    BIG_FROM,
    RECIPES,
    Batch,
    BatchBuilder,
    organizations,
    recipe_of,
)
from agritrace.store.orgs import Organization, ensure_organization
from agritrace.vietnam_time import vietnam_now

SIZES = {"demo": 600, "small": 20_000, "medium": 200_000, "large": 2_000_000,
         "huge": 10_000_000}
SAMPLE_EVERY = 25
T = TypeVar("T")
MAX_SAMPLES = 400


@dataclass
class Generated:
    """What a run produced: counts, the first batch and samples of the others.

    The candidates are 1 batch in 25; at most MAX_SAMPLES of them are kept, chosen uniformly
    (reservoir sampling, seeded), so memory stays bounded whatever the size.

    In large chains the first batch is a big one (see ``chains.BIG_FROM``); the samples skip the
    big batches, which are rare, so picks from them are typical.
    """

    events: int = 0
    batches: int = 0
    units: int = 0
    first: Batch | None = None
    samples: list[Batch] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    organizations: set[str] = field(default_factory=set)


def parse_size(text: str) -> int:
    """A size name or a count of events (``50000``, ``300k``, ``1.5m``)."""
    value = text.strip().lower()
    if value in SIZES:
        return SIZES[value]
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if scale > 1 else value
    try:
        size = int(float(number) * scale)
    except ValueError:
        size = 0
    if size <= 0:
        raise ValidationException(f"Unknown size {text!r}", [Problem(
            "size", "one of " + ", ".join(SIZES) + " or a positive number of events such as "
            "50000, 300k or 1.5m", repr(text))])
    return size


def chain(seed: int, size: int, result: Generated | None = None, *, today: date | None = None
          ) -> Iterator[tuple[str, Event]]:
    """(organization name, event) for a chain of at least ``size`` events, in batch order,
    dated from ``today`` (by default the day in Vietnam): see ``chains.PROCESSED_DAYS_AGO``."""
    result = result if result is not None else Generated()
    picker = random.Random(seed)
    day = today or vietnam_now().date()
    for number in itertools.count():
        if result.events >= size:
            return
        builder = BatchBuilder(seed, number, day, big=size >= BIG_FROM)
        names = organizations(builder.recipe)
        for role, event in builder.events():
            result.events += 1
            yield names[role], event
        count_batch(result, builder.batch, picker)


def count_batch(result: Generated, batch: Batch, picker: random.Random) -> None:
    """Add a finished batch (its events already counted) to ``result``: its units, its
    organizations, and the first batch or a sample."""
    result.batches += 1
    result.units += len(batch.units)
    result.organizations.update(organizations(recipe_of(batch.number)).values())
    if batch.number == 0:
        result.first = batch
    elif batch.number % SAMPLE_EVERY == 1:
        _keep(result, batch, batch.number // SAMPLE_EVERY, picker)


def _keep(result: Generated, batch: Batch, seen: int, picker: random.Random) -> None:
    if len(result.samples) < MAX_SAMPLES:
        result.samples.append(batch)
        return
    slot = picker.randint(0, seen)
    if slot < MAX_SAMPLES:
        result.samples[slot] = batch


def write_documents(seed: int, size: int, out_dir: Path, *, per_file: int = 100_000,
                    progress: bool = True) -> Generated:
    """Stream the chain into EPCIS 2.0 JSON-LD documents of at most ``per_file`` events."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = Generated()
    with _progress(progress, size, "writing documents") as advance:
        handle: IO[bytes] | None = None
        in_file = 0
        head = _head(vietnam_now())
        for _org, event in chain(seed, size, result):
            if handle is None or in_file >= per_file:
                _close(handle)
                path = out_dir / f"chain-{seed}-{len(result.files) + 1:04d}.jsonld"
                result.files.append(path)
                handle = path.open("wb")
                handle.write(head)
                in_file = 0
            handle.write(b"\n" if in_file == 0 else b",\n")
            handle.write(orjson.dumps(event))
            in_file += 1
            advance(1)
        _close(handle)
    return result


def _head(created: datetime) -> bytes:
    """A document's opening, up to its event list, created at ``created``."""
    return orjson.dumps({"@context": [STANDARD_CONTEXT, NAMESPACES], "type": "EPCISDocument",
                         "schemaVersion": "2.0",
                         "creationDate": created.isoformat(timespec="seconds")})[:-1] + (
        b',"epcisBody":{"eventList":[')


def _close(handle: IO[bytes] | None) -> None:
    if handle is not None:
        handle.write(b"\n]}}\n")
        handle.close()


def capture_chain(engine: Engine, seed: int, size: int, *, per_document: int = 20_000,
                  progress: bool = True, today: date | None = None) -> Generated:
    """Capture the chain into the store, each event by the organization it belongs to."""
    result = Generated()
    orgs = _organizations(engine)
    with _progress(progress, size, "capturing") as advance:
        for name, events in documents(chain(seed, size, result, today=today), per_document):
            _flush(engine, orgs, name, events)
            advance(len(events))
    return result


def documents(owned: Iterable[tuple[str, T]], per_document: int) -> Iterator[tuple[str, list[T]]]:
    """(organization name, its items) in documents of ``per_document`` items, each sent as soon
    as it is full, then the rest of each organization's (in the order they first came): the
    order capture stores events in, hence their ids."""
    buffers: dict[str, list[T]] = {}
    for name, item in owned:
        buffer = buffers.setdefault(name, [])
        buffer.append(item)
        if len(buffer) >= per_document:
            yield name, buffer
            buffers[name] = []
    for name, buffer in buffers.items():
        if buffer:
            yield name, buffer


def _organizations(engine: Engine) -> dict[str, Organization]:
    """The chains' organizations, each granted the codes it speaks for (again: no change):
    the processor holds its recipe's company prefix (its products, cases, pallets, plant); the
    cooperative its harvest and processed-lot GTINs and its plots' and site's GLNs; the
    distributor and the retailer the GLNs of their places in each chain."""
    from agritrace.store.grants import grant

    orgs: dict[str, Organization] = {}
    for recipe in RECIPES.values():
        names = organizations(recipe)
        for name in names.values():
            orgs[name] = orgs.get(name) or ensure_organization(engine, name)
        held = {"processor": [("prefix", f"893{recipe.company}")],
                "coop": [("gtin", recipe.gtin(1)), ("gln", recipe.gln(1)),
                         ("gln", recipe.gln(2)),
                         *(("gtin", recipe.gtin(10 + stage))
                           for stage in range(len(recipe.stages)))],
                "distributor": [("gln", recipe.gln(4))], "retailer": [("gln", recipe.gln(5))]}
        for role, codes in held.items():
            for kind, value in codes:
                grant(engine, orgs[names[role]], kind, value, "agritrace generate")
    return orgs


def _flush(engine: Engine, orgs: dict[str, Organization], name: str,
           events: list[Event]) -> None:
    if not events:
        return
    org = orgs[name]
    doc = Document(kind="EPCISDocument", namespaces=dict(NAMESPACES),
                   header={"schemaVersion": "2.0",
                           "creationDate": vietnam_now().isoformat(timespec="seconds")},
                   events=iter(events), name=f"generated by {name}")
    report = capture_document(engine, doc, org)
    if report.status != "success":
        raise ValidationException("The generated chain did not capture", report.problems[:20])


def _progress(enabled: bool, total: int, label: str) -> AbstractContextManager[Any]:
    if not enabled:
        return nullcontext(lambda _n: None)
    return _Bar(total, label)


class _Bar:
    def __init__(self, total: int, label: str) -> None:
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                            TimeRemainingColumn())
        self.task = self.bar.add_task(label, total=total)
        self.pending = self.done = 0

    def __enter__(self) -> Any:
        self.bar.__enter__()
        return self._advance

    def _advance(self, count: int) -> None:
        # Redrawing per event would cost more than generating it.
        self.pending += count
        if self.pending >= 1000:
            self._show()

    def _show(self) -> None:
        # The chain ends with a whole batch, a little past the size asked: the bar's total
        # grows to the events made, so it never reads 10,432/10,000 (104 %).
        self.done += self.pending
        self.pending = 0
        total = self.bar.tasks[0].total or 0
        self.bar.update(self.task, completed=self.done, total=max(total, self.done))

    def __exit__(self, *exc: object) -> None:
        self._show()
        self.bar.__exit__(None, None, None)
