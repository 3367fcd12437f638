"""Quick timing: our CBV 2.0 event hash against the reference implementation, same events.

Run: ``.venv/bin/python benchmarks/bench_hash_quick.py`` (from the repository root).

Both sides start from their own already-parsed form of the same events (the reference's tuple
tree, our JSON-LD dicts), so only hashing is timed; a second line times whole files (read +
hash) for both. Our value caches are cleared before every round ("cold") so that repeated
rounds do not flatter us; "warm" keeps them, as a long capture run would.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epcis_event_hash_generator.events_from_file_reader import (
    event_list_from_file,
)
from epcis_event_hash_generator.hash_generator import (
    calculate_hashes_from_pre_hashes,
    derive_prehashes_from_events,
)
from tests.conformance import HASH_EXAMPLES, SHARED

from agritrace.epcis import hash_values
from agritrace.epcis.hashing import event_hash_id
from agritrace.epcis.xml_codec import read_document
from agritrace.ids import epc

ROUNDS = 20


def _files() -> list[Path]:
    """Every file both sides read with the same event count."""
    out = []
    candidates = sorted(HASH_EXAMPLES.glob("*.jsonld")) + sorted(HASH_EXAMPLES.glob("*.xml"))
    candidates += sorted((SHARED / "gs1-epcis" / "JSON").rglob("*.jsonld"))
    for path in candidates:
        try:
            theirs = event_list_from_file(str(path))[2]
            ours = list(read_document(path, path.name).events)
        except Exception:
            continue
        if theirs and len(theirs) == len(ours):
            out.append(path)
    return out


def _clear() -> None:
    epc._convert.cache_clear()
    hash_values.text_value.cache_clear()


def _round_ours(docs: list[tuple[list[dict[str, object]], dict[str, str]]],
                cold: bool) -> float:
    if cold:
        _clear()
    start = time.perf_counter()
    for events, namespaces in docs:
        for event in events:
            event_hash_id(event, namespaces)
    return time.perf_counter() - start


def _round_reference(trees: list[tuple[str, str, list[object]]]) -> float:
    start = time.perf_counter()
    for tree in trees:
        calculate_hashes_from_pre_hashes(derive_prehashes_from_events(tree))
    return time.perf_counter() - start


def _time_files(paths: list[Path]) -> tuple[float, float]:
    start = time.perf_counter()
    for path in paths:
        derive_prehashes_from_events(event_list_from_file(str(path)))
    theirs = time.perf_counter() - start
    _clear()
    start = time.perf_counter()
    for path in paths:
        doc = read_document(path, path.name)
        for event in doc.events:
            event_hash_id(event, doc.namespaces)
    return theirs, time.perf_counter() - start


def main() -> None:
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    paths = _files()
    trees = [event_list_from_file(str(p)) for p in paths]
    docs = []
    for path in paths:
        doc = read_document(path, path.name)
        docs.append((list(doc.events), doc.namespaces))
    count = sum(len(events) for events, _ in docs)
    # Rounds interleave the two sides and the fastest round of each counts, so that other
    # work on a shared machine does not decide the ratio.
    rounds = [(_round_reference(trees), _round_ours(docs, cold=True),
               _round_ours(docs, cold=False)) for _ in range(ROUNDS)]
    theirs, cold, warm = (min(r[i] for r in rounds) for i in range(3))
    print(f"{len(paths)} files, {count} events, best of {ROUNDS} interleaved rounds")
    print(f"reference : {theirs / count * 1e6:8.1f} µs/event")
    print(f"ours cold : {cold / count * 1e6:8.1f} µs/event  ({theirs / cold:5.1f}x faster)")
    print(f"ours warm : {warm / count * 1e6:8.1f} µs/event  ({theirs / warm:5.1f}x faster)")
    their_files, our_files = _time_files(paths)
    print(f"whole files (read + hash): reference {their_files:.3f} s, ours {our_files:.3f} s "
          f"({their_files / our_files:.1f}x)")


if __name__ == "__main__":
    main()
