"""Benchmark tables: printed with Rich and kept in docs/benchmarks.md, one section per benchmark.

Each benchmark rewrites only its own section, so they can run separately or all together.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nRun `scripts/bench` (all) or `scripts/bench NAME`. Absolute times move from "
    "run to run on this shared machine; ratios against a reference measured in the same run do "
    "not.\n"
)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def publish(name: str, title: str, columns: list[str], rows: list[list[str]],
            notes: str = "") -> None:
    """Print the table and replace the section ``name`` in docs/benchmarks.md."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"<!-- {name} -->", f"## {title}", "", f"Measured {stamp} on {machine()}.", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if notes:
        lines += ["", notes.strip()]
    lines.append(f"<!-- /{name} -->")
    section = "\n".join(lines) + "\n"
    text = DOCS.read_text() if DOCS.exists() else HEADER
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->\n",
                         re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else (
        text.rstrip("\n") + "\n\n" + section)
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text)
