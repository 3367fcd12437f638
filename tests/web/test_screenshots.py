"""A test run rewrites no tracked file: browser tests save their screenshots to a temporary folder,
and only scripts/screenshots refreshes docs/screenshots (issue 12: a run rewrote 15 PNGs)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance import REPO
from tests.web.browser import SHOTS

DOCS = REPO / "docs"


def _digests(folder: Path) -> dict[str, tuple[str, int]]:
    """Content and time of each image: a rewrite of the same pixels is a rewrite too."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*.png"))}


def test_screenshots_go_outside_the_checkout_unless_asked() -> None:
    if os.environ.get("AGRITRACE_SCREENSHOTS"):
        pytest.skip("scripts/screenshots asked for them in the docs")
    assert REPO not in SHOTS.parents


@pytest.mark.browser
@pytest.mark.slow
def test_a_browser_test_leaves_the_docs_screenshots_as_they_were() -> None:
    before = _digests(DOCS)
    env = {k: v for k, v in os.environ.items() if k != "AGRITRACE_SCREENSHOTS"}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "tests/web/test_consumer_demo_browser.py", "-k", "sqlite and demo_bag"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert "1 passed" in ran.stdout, ran.stdout + ran.stderr
    assert _digests(DOCS) == before
    assert (SHOTS / "consumer-demo-vi.png").stat().st_size > 0
