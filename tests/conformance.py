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


def json_examples() -> list[Path]:
    """Every official JSON-LD example document."""
    return sorted((GS1 / "JSON").rglob("*.jsonld"))


def xml_examples() -> list[Path]:
    """Every official XML example document."""
    return sorted((GS1 / "XML").rglob("*.xml"))


def ids(paths: list[Path]) -> list[str]:
    """Readable pytest ids: the path below the conformance folder."""
    return [str(p.relative_to(SHARED)) for p in paths]
