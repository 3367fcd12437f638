"""The compiled speedups: used exactly when they match their sources, and equal to the sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agritrace import speedups
from agritrace.epcis.hashing import event_hash_id
from agritrace.epcis.validation import validate_event
from agritrace.epcis.xml_codec import read_document
from agritrace.errors import AgritraceError
from tests.conformance import json_examples, needs_files, xml_examples


def test_the_compiled_modules_are_loaded_exactly_when_they_match_their_sources() -> None:
    from agritrace.epcis import hashing, validation

    reason = speedups.why_not()
    assert speedups.active() == (reason is None), reason
    if reason is None:
        assert hashing.__file__ and validation.__file__
        assert Path(hashing.__file__).is_relative_to(speedups.TARGET)


def _fake_build(target: Path, sources: dict[str, str]) -> None:
    files = {name: f"{name}.so" for name in speedups.MODULES}
    target.mkdir()
    for name in files.values():
        (target / name).write_bytes(b"")
    (target / speedups.MANIFEST).write_text(json.dumps({"sources": sources, "files": files}))


def test_an_edited_source_turns_the_compiled_modules_off(tmp_path: Path) -> None:
    sources = {name: speedups.fingerprint(name) for name in speedups.MODULES}
    _fake_build(tmp_path / "fresh", sources)
    assert speedups.why_not(tmp_path / "fresh") in (None, f"{speedups.SWITCH} is set")
    sources["agritrace.epcis.hashing"] = "0" * 64
    _fake_build(tmp_path / "stale", sources)
    reason = speedups.why_not(tmp_path / "stale")
    assert reason is not None and "agritrace.epcis.hashing" in reason
    assert not speedups.install(tmp_path / "stale")
    assert "not built" in (speedups.why_not(tmp_path / "none") or "")


def test_the_switch_turns_them_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_build(tmp_path / "b", {name: speedups.fingerprint(name) for name in speedups.MODULES})
    monkeypatch.setenv(speedups.SWITCH, "1")
    assert speedups.why_not(tmp_path / "b") == f"{speedups.SWITCH} is set"


_PURE_ANSWERS = """
import json, sys
from agritrace import speedups
from tests.test_speedups import answers
assert not speedups.active()
print(json.dumps(answers()))
"""


def answers() -> list[list[object]]:
    """Hash ID and problem count of every event of every official example document."""
    out: list[list[object]] = []
    for path in [*json_examples(), *xml_examples()]:
        try:
            doc = read_document(path, path.name)
            events = list(doc.events)
        except AgritraceError as exc:  # not an event document: both must say so alike
            out.append([path.name, type(exc).__name__])
            continue
        for event in events:
            problems = validate_event(event, doc.namespaces, binding=doc.binding)
            out.append([path.name, event_hash_id(event, doc.namespaces), len(problems)])
    return out


@needs_files
def test_compiled_and_pure_python_agree_on_every_official_example() -> None:
    if not speedups.active():
        pytest.skip(f"the compiled speedups are not in use: {speedups.why_not()}")
    pure = subprocess.run([sys.executable, "-c", _PURE_ANSWERS], check=True, text=True,
                          capture_output=True, cwd=Path(__file__).resolve().parents[1],
                          env={**os.environ, speedups.SWITCH: "1"})
    compiled = answers()
    assert len(compiled) > 100
    assert json.loads(pure.stdout) == compiled


def test_the_quick_hash_benchmark_clears_only_caches_that_exist() -> None:
    """benchmarks/bench_hash_quick.py empties the value caches before each cold round; with the
    compiled modules installed a cache that the code no longer has made it fail."""
    bench = pytest.importorskip("benchmarks.bench_hash_quick")
    bench._clear()
