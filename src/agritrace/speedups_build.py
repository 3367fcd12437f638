"""Compiles the modules of :mod:`agritrace.speedups` with mypyc, unless they are up to date.

    python -m agritrace.speedups_build          # compile (skipped when up to date)
    python -m agritrace.speedups_build status   # say whether they are in use, and why not

A machine without a C compiler keeps running everything as pure Python, only slower.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from agritrace.speedups import (
    MANIFEST,
    MODULES,
    PACKAGE,
    SWITCH,
    TARGET,
    active,
    fingerprint,
    why_not,
)


def build(target: Path = TARGET) -> str:
    """Compile MODULES into ``target`` unless it is up to date; says what it did."""
    if os.environ.get(SWITCH):
        return f"skipped: {SWITCH} is set"
    if why_not(target) is None:
        return "up to date"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(PACKAGE, work / "agritrace",
                        ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", *(str(Path(*m.split(".")).with_suffix(".py"))
                                               for m in MODULES)],
            cwd=work, capture_output=True, text=True, env={**os.environ, "MYPY_CACHE_DIR": tmp})
        if done.returncode != 0:
            raise RuntimeError("mypyc failed:\n" + (done.stdout + done.stderr)[-4000:])
        files = _collect(work, target)
    sources = {name: fingerprint(name) for name in MODULES}
    (target / MANIFEST).write_text(json.dumps({"sources": sources, "files": files}, indent=1))
    return f"compiled {len(MODULES)} modules into {target}"


def _collect(work: Path, target: Path) -> dict[str, str]:
    """Move the built extension files to ``target``; module name -> file name."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    files: dict[str, str] = {}
    for built in work.rglob(f"*{suffix}"):
        if "build" in built.relative_to(work).parts:
            continue
        module = ".".join(built.relative_to(work).with_name(built.name[:-len(suffix)]).parts)
        name = f"{module}{suffix}"
        shutil.move(built, target / name)
        files[module] = name
    if not set(MODULES) <= set(files):
        raise RuntimeError(f"mypyc built {sorted(files)}, not all of {MODULES}")
    return files


def main(argv: Sequence[str]) -> int:
    command = argv[0] if argv else "build"
    if command == "build":
        try:
            print(f"speedups: {build()}")
        except (RuntimeError, OSError) as exc:
            # Everything works without them, only slower: say so and go on.
            print(f"speedups: not built, capture runs as pure Python ({exc})", file=sys.stderr)
        return 0
    if command == "status":
        reason = why_not()
        print("speedups: in use" if reason is None and active() else
              f"speedups: not in use ({reason or 'not loaded'})")
        return 0
    print("usage: python -m agritrace.speedups_build [build|status]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
