"""Where the official GS1 files are: read in place, never copied (they are not part of the product).

AGRITRACE_CONFORMANCE_DIR names their folder, relative to the checkout unless absolute; the default
is ../shared/conformance. Without them the tests that read them skip, each saying where to put them
(`needs_files` on a test, `require_files()` for a module that reads them as it is imported), and
every other test runs.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / os.environ.get("AGRITRACE_CONFORMANCE_DIR", "../shared/conformance")).resolve()
GS1 = SHARED / "gs1-epcis"
HASH_EXAMPLES = SHARED / "event-hash" / "tests" / "examples"
HASH_EXPECTED_EQUAL = SHARED / "event-hash" / "tests" / "expected_equal"
JSON_SCHEMA = GS1 / "EPCIS-JSON-Schema.json"
XSD_DIR = GS1 / "XSD"
OPENAPI = GS1 / "REST Bindings" / "openapi.yaml"

PRESENT = GS1.is_dir() and HASH_EXAMPLES.is_dir()
MISSING = (f"official GS1 conformance files not found in {SHARED}: put gs1-epcis/ and "
           "event-hash/ there, or set AGRITRACE_CONFORMANCE_DIR (default ../shared/conformance, "
           "from the checkout)")
needs_files = pytest.mark.skipif(not PRESENT, reason=MISSING)


def require_files() -> None:
    """Skip the importing test module when the files are absent (it reads them as it loads)."""
    if not PRESENT:
        # pytest reports a module-level skip where it was raised (here): name the test module
        # being imported, which may be a helper's importer, so that the skip says what it skips.
        files = (Path(frame.filename) for frame in inspect.stack(0))
        module = next(p for p in files if p.name.startswith("test_"))
        pytest.skip(f"{module.relative_to(REPO)}: {MISSING}", allow_module_level=True)


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
