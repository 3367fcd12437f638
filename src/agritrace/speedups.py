"""Compiled copies of the modules every captured event and every trace runs through.

Checking, hashing and indexing an event is pure Python, and on a two-core machine it is most of
what capture costs; walking the lineage graph is most of what a trace costs besides the
database. ``scripts/setup`` compiles those modules with mypyc (from the same typed
source, no second implementation) into ``<venv>/agritrace-speedups/``, with the SHA-256 of each
source file. At import, :func:`install` puts the compiled modules in front of the sources only
if every source still has the hash it was compiled from: an edited file turns them all off (the
compiled modules call one another directly), so what runs is always what the source says.
``AGRITRACE_PURE_PYTHON=1`` turns them off too; the test command runs the checking and hashing
tests both ways. :mod:`agritrace.speedups_build` compiles them.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

MODULES = (
    "agritrace.ids.epc",
    "agritrace.epcis.cbv",
    "agritrace.epcis.formats",
    "agritrace.epcis.shapes",
    "agritrace.epcis.parts",
    "agritrace.epcis.rules",
    "agritrace.epcis.validation",
    "agritrace.epcis.hash_values",
    "agritrace.epcis.hashing",
    "agritrace.store.terms",
    "agritrace.capture_rows",
    "agritrace.trace.graph",
    "agritrace.trace.reader",
    "agritrace.trace.walk",
)
PACKAGE = Path(__file__).resolve().parent
TARGET = Path(sys.prefix) / "agritrace-speedups"
MANIFEST = "manifest.json"
SWITCH = "AGRITRACE_PURE_PYTHON"


def source_of(module: str) -> Path:
    return PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")


def fingerprint(module: str) -> str:
    return hashlib.sha256(source_of(module).read_bytes()).hexdigest()


def _manifest(target: Path) -> dict[str, dict[str, str]] | None:
    try:
        loaded = json.loads((target / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def why_not(target: Path = TARGET) -> str | None:
    """None when the compiled modules can be used, else the reason in a sentence."""
    return _usable(target)[0]


def _usable(target: Path) -> tuple[str | None, dict[str, str]]:
    """(why the compiled modules cannot be used or None, their files by module name)."""
    if os.environ.get(SWITCH):
        return f"{SWITCH} is set", {}
    manifest = _manifest(target)
    if manifest is None:
        return f"not built (python -m agritrace.speedups_build writes {target})", {}
    sources, files = manifest.get("sources", {}), manifest.get("files", {})
    if sorted(sources) != sorted(MODULES):
        return "built for another list of modules", {}
    stale = [name for name in MODULES if sources[name] != fingerprint(name)]
    if stale:
        return f"{', '.join(stale)} changed since they were compiled", {}
    missing = [name for name in files.values() if not (target / name).is_file()]
    return (f"{', '.join(missing)} missing" if missing else None), files


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled module files named in the manifest, and nothing else."""

    def __init__(self, target: Path, files: dict[str, str]) -> None:
        self.target = target
        self.files = files

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        name = self.files.get(fullname)
        if name is None:
            return None
        location = str(self.target / name)
        loader = importlib.machinery.ExtensionFileLoader(fullname, location)
        return importlib.util.spec_from_file_location(fullname, location, loader=loader)


def install(target: Path = TARGET) -> bool:
    """Serve the compiled modules from now on, if they match their sources; True if so."""
    reason, files = _usable(target)
    if reason is not None:
        return False
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder(target, files))
    return True


def active() -> bool:
    """Whether the modules in MODULES were loaded compiled."""
    from agritrace.epcis import hashing

    return not (hashing.__file__ or "").endswith(".py")
