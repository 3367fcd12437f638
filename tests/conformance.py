"""Where the official GS1 files are: read in place from ../shared, never copied."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "conformance"
GS1 = SHARED / "gs1-epcis"
HASH_EXAMPLES = SHARED / "event-hash" / "tests" / "examples"
HASH_EXPECTED_EQUAL = SHARED / "event-hash" / "tests" / "expected_equal"
JSON_SCHEMA = GS1 / "EPCIS-JSON-Schema.json"
XSD_DIR = GS1 / "XSD"
OPENAPI = GS1 / "REST Bindings" / "openapi.yaml"


# Official files that are not valid input, left out of the examples every reader must accept.
# AssociationEvent-h.jsonld names "eventID" twice in one event: a JSON parser keeps one of the two
# values and drops the other unseen, so capture refuses repeated keys and this file with them
# (tests/epcis/test_document_rules.py checks it is refused, naming the key).
KNOWN_BAD_JSON = ("JSON/AssociationEvent/AssociationEvent-h.jsonld",)


def json_examples() -> list[Path]:
    """Every official JSON-LD example document (but the known bad ones)."""
    bad = {GS1 / name for name in KNOWN_BAD_JSON}
    return sorted(p for p in (GS1 / "JSON").rglob("*.jsonld") if p not in bad)


def xml_examples() -> list[Path]:
    """Every official XML example document."""
    return sorted((GS1 / "XML").rglob("*.xml"))


def ids(paths: list[Path]) -> list[str]:
    """Readable pytest ids: the path below the conformance folder."""
    return [str(p.relative_to(SHARED)) for p in paths]
