"""A fresh clone without the official GS1 files: their tests skip saying where to put them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance import REPO

# Modules that read the files as they load, and one that reads them only in some tests.
_MODULES = ["tests/epcis/test_formats.py", "tests/epcis/test_validation.py",
            "tests/epcis/test_hashing.py"]


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGRITRACE_CONFORMANCE_DIR": str(folder)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
                           *args], cwd=REPO, env=env, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_without_the_files_collection_succeeds_and_their_tests_skip_naming_the_folder(
        tmp_path: Path) -> None:
    collected = _pytest(tmp_path, "--collect-only", *_MODULES)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ran = _pytest(tmp_path, *_MODULES, "-k", "every_vector_file or declared_ignore_fields")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout  # a test that needs no file still runs
    assert (f"official GS1 conformance files not found in {tmp_path}: put gs1-epcis/ and "
            "event-hash/ there, or set AGRITRACE_CONFORMANCE_DIR") in ran.stdout
    assert "test_hashing.py" in ran.stdout and "test_formats.py" in ran.stdout
