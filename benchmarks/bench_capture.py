"""Capture speed on SQLite and PostgreSQL, and our hash IDs/s against the reference implementation.

    .venv/bin/python -m benchmarks.bench_capture [--events 100000] [--hash-events 3000]

Generates a document of realistic agricultural events (harvest commissioning with ILMD, cherry to
green-bean transformations with quantities, packing into cases and pallets, shipments with
source/destination and a purchase order), captures it into a fresh SQLite file and a fresh
PostgreSQL database (each in a child process, so peak memory is the capture's own), then hashes
the same events with our code and with the PyPI package ``epcis-event-hash-generator`` in this
run, checking that both give identical hash IDs.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.progress import Progress

from benchmarks.report import publish

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
COMPANY = "8931234"


def _gtin(item: int) -> str:
    body = f"0{COMPANY}{item:05d}"
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def agricultural_events(count: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """A repeatable stream of ``count`` events shaped like a coffee chain in Dien Bien."""
    rng = random.Random(seed)
    base = 1_777_600_000
    for n in range(count):
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + n * 37)) + ".000+07:00"
        plot = f"urn:epc:id:sgln:{COMPANY}.{rng.randint(1, 9999):05d}.0"
        lot = f"urn:epc:class:lgtin:{COMPANY}.0{rng.randint(1, 99):05d}.L{n // 50}"
        kind = n % 4
        if kind == 0:
            yield {"type": "ObjectEvent", "eventTime": when, "eventTimeZoneOffset": "+07:00",
                   "action": "ADD", "bizStep": "commissioning", "disposition": "active",
                   "quantityList": [{"epcClass": lot, "quantity": rng.randint(200, 900),
                                     "uom": "KGM"}],
                   "readPoint": {"id": plot}, "bizLocation": {"id": plot},
                   "ilmd": {"cbvmda:countryOfOrigin": "VN",
                            "cbvmda:harvestStartDate": when[:10]}}
        elif kind == 1:
            out = f"urn:epc:class:lgtin:{COMPANY}.0{rng.randint(100, 199):05d}.G{n // 50}"
            yield {"type": "TransformationEvent", "eventTime": when,
                   "eventTimeZoneOffset": "+07:00",
                   "bizStep": "commissioning",
                   "inputQuantityList": [{"epcClass": lot, "quantity": 500, "uom": "KGM"}],
                   "outputQuantityList": [{"epcClass": out, "quantity": 100, "uom": "KGM"}],
                   "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00001.0"}}
        elif kind == 2:
            serials = [f"urn:epc:id:sgtin:{COMPANY}.0{rng.randint(200, 299):05d}.{n}-{i}"
                       for i in range(rng.randint(2, 6))]
            yield {"type": "AggregationEvent", "eventTime": when, "eventTimeZoneOffset": "+07:00",
                   "action": "ADD", "bizStep": "packing",
                   "parentID": f"urn:epc:id:sscc:{COMPANY}.{n:010d}",
                   "childEPCs": serials, "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00002.0"}}
        else:
            yield {"type": "ObjectEvent", "eventTime": when, "eventTimeZoneOffset": "+07:00",
                   "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
                   "epcList": [f"urn:epc:id:sscc:{COMPANY}.{n - 1:010d}"],
                   "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00002.0"},
                   "bizTransactionList": [{
                       "type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:{COMPANY}00001:{n}"}],
                   "sourceList": [{"type": "owning_party",
                                   "source": f"urn:epc:id:pgln:{COMPANY}.00001"}],
                   "destinationList": [{"type": "owning_party",
                                        "destination": f"urn:epc:id:pgln:{COMPANY}.00009"}]}


def write_document(path: Path, count: int) -> None:
    with path.open("w") as out, Progress(transient=True) as progress:
        task = progress.add_task(f"generating {count:,} events", total=count)
        out.write(f'{{"@context": ["{CONTEXT}"], "type": "EPCISDocument", "schemaVersion": '
                  '"2.0", "creationDate": "2026-05-01T00:00:00Z", "epcisBody": {"eventList": [\n')
        for n, event in enumerate(agricultural_events(count)):
            out.write(("," if n else "") + json.dumps(event) + "\n")
            if n % 5000 == 0:
                progress.update(task, completed=n)
        out.write("]}}\n")


def _child_capture(url: str, path: str) -> None:
    """Runs in a child process: migrate, capture, print events/s and peak RSS as JSON."""
    from agritrace.capture import capture_document
    from agritrace.epcis.xml_codec import read_document
    from agritrace.store.engine import make_engine
    from agritrace.store.migrate import upgrade
    from agritrace.store.orgs import create_organization

    engine = make_engine(url)
    upgrade(engine)
    org = create_organization(engine, "bench")
    start = time.perf_counter()
    with open(path, "rb") as handle:
        report = capture_document(engine, read_document(handle, path), org)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"captured": report.captured, "rejected": report.rejected,
                      "seconds": elapsed, "peak_mb": peak}))


def _capture_in_child(url: str, path: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_capture", "--child", url,
                           str(path)], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare_hashing(count: int) -> tuple[float, float, int]:
    """Hash IDs/s of ours and of the reference on the same document; asserts identical output."""
    from epcis_event_hash_generator import hash_generator, json_to_py

    from agritrace.epcis.hashing import event_hash_id

    document = {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2026-05-01T00:00:00Z",
                "epcisBody": {"eventList": list(agricultural_events(count))}}
    start = time.perf_counter()
    ours = [event_hash_id(e, {}) for e in document["epcisBody"]["eventList"]]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    reference = hash_generator.epcis_hashes_from_events(
        json_to_py.event_list_from_epcis_document_json(json.loads(json.dumps(document))))
    ref_s = time.perf_counter() - start
    mismatches = sum(1 for a, b in zip(ours, reference, strict=True) if a != b)
    return count / ours_s, count / ref_s, mismatches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--hash-events", type=int, default=3_000)
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"))
    args = parser.parse_args()
    if args.child:
        _child_capture(*args.child)
        return
    from tests.pgserver import postgres_server

    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "events.jsonld"
        write_document(doc, args.events)
        size_mb = doc.stat().st_size / 2**20
        results = {"SQLite": _capture_in_child(f"sqlite:///{tmp}/bench.db", doc)}
        with postgres_server() as url:
            results["PostgreSQL"] = _capture_in_child(url, doc)
    for engine, result in results.items():
        eps = result["captured"] / result["seconds"]
        rows.append([f"capture {args.events:,} events ({size_mb:.0f} MB JSON-LD) into {engine}",
                     f"{eps:,.0f} events/s", f"peak RSS {result['peak_mb']:.0f} MB",
                     "target ≥ 20,000 events/s" if engine == "SQLite" else ""])
    ours, reference, mismatches = compare_hashing(args.hash_events)
    rows.append([f"hash ID, {args.hash_events:,} events: agritrace", f"{ours:,.0f} hashes/s",
                 f"{ours / reference:.1f}× the reference", "target ≥ 20×"])
    rows.append(["hash ID: epcis-event-hash-generator 1.9.3 (reference)",
                 f"{reference:,.0f} hashes/s", f"{mismatches} differing hash IDs", ""])
    publish("capture", "Capture and event hash ID (issue 2)",
            ["measure", "result", "detail", "target"], rows,
            "Capture includes JSON parsing, validation, identifier canonicalisation, hashing, "
            "deduplication and the indexed insert, in one transaction.")


if __name__ == "__main__":
    main()
