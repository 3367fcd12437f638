"""How many realistic events per second validate_event checks.

    .venv/bin/python -m benchmarks.bench_validation

Prints its numbers only (not in docs/benchmarks.md): validation is part of the capture
benchmark's events/s; this one isolates it while working on the validator.
"""

from __future__ import annotations

import time
from typing import Any

from agritrace.epcis.validation import validate_event

NAMESPACES = {"vn": "https://agritrace.example.vn/ns/"}

OBJECT_EVENT: dict[str, Any] = {
    "type": "ObjectEvent", "action": "ADD", "eventTime": "2026-05-01T08:30:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "eventID": "ni:///sha-256;a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9?ver=CBV2.0",
    "epcList": [f"https://id.gs1.org/01/08935012345674/21/{n}" for n in range(4)],
    "bizStep": "commissioning", "disposition": "active",
    "readPoint": {"id": "https://id.gs1.org/414/8935012000015"},
    "bizLocation": {"id": "https://id.gs1.org/414/8935012000008"},
    "ilmd": {"vn:harvestDate": "2026-04-28", "vn:plotCode": "DB-MN-0042",
             "cbvmda:lotNumber": "LOT-2026-04"},
}

TRANSFORMATION_EVENT: dict[str, Any] = {
    "type": "TransformationEvent", "eventTime": "2026-05-02T14:00:00+07:00",
    "eventTimeZoneOffset": "+07:00", "bizStep": "commissioning",
    "inputQuantityList": [
        {"epcClass": "https://id.gs1.org/01/08935012345001/10/GREEN-26", "quantity": 1200.0,
         "uom": "KGM"},
        {"epcClass": "https://id.gs1.org/01/08935012345002/10/GREEN-27", "quantity": 300,
         "uom": "KGM"}],
    "outputQuantityList": [
        {"epcClass": "https://id.gs1.org/01/08935012345674/10/ROAST-01", "quantity": 1250.5,
         "uom": "KGM"}],
    "readPoint": {"id": "https://id.gs1.org/414/8935012000015"},
    "bizTransactionList": [{"type": "prodorder", "bizTransaction": "urn:vn:po:2026-0042"}],
}


def variants(template: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Distinct events like a real batch: serials, IDs and times differ; places and classes
    recur (so the URI cache helps exactly as much as it would in production)."""
    out = []
    for n in range(count):
        event = dict(template)
        event["eventTime"] = f"2026-05-{1 + n % 28:02d}T08:{n % 60:02d}:00.000+07:00"
        if "epcList" in event:
            event["epcList"] = [f"https://id.gs1.org/01/08935012345674/21/{n}-{k}"
                                for k in range(4)]
            event["eventID"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        else:
            event["transformationID"] = f"urn:uuid:00000000-0000-4000-9000-{n:012d}"
        out.append(event)
    return out


def events_per_second(template: dict[str, Any], count: int = 50_000) -> float:
    batch = variants(template, count)
    assert all(validate_event(event, NAMESPACES) == [] for event in batch[:100])
    # CPU time of this process, so other work on a shared machine does not count against us.
    start = time.process_time()
    for event in batch:
        validate_event(event, NAMESPACES)
    return count / (time.process_time() - start)


if __name__ == "__main__":
    for name, event in (("ObjectEvent", OBJECT_EVENT), ("TransformationEvent",
                                                        TRANSFORMATION_EVENT)):
        best = max(events_per_second(event) for _ in range(3))
        print(f"{name}: {best:,.0f} events/s (CPU time)")
