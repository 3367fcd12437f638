"""Holding off Python's cyclic garbage collector while a graph walk allocates.

A trace of a lot that feeds a thousand packs makes tens of thousands of small objects (rows,
edges, visits), all freed by reference counting when the walk ends: none is part of a cycle. The
collector does not know that; it scans the young objects every 700 allocations and, every so
often, the whole heap. Measured on a forward lot trace: about a tenth of the instructions, and
in a process with a large heap (a server, a benchmark) pauses of many milliseconds that land on
a random trace. So a walk runs with the collector paused, and the process collects as usual
once no walk is running. Walks are bounded (``lineage.MAX_NODES``), so the garbage that waits
is bounded too.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_walks = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the collector for the block; safe when walks overlap in several threads."""
    global _walks, _was_enabled
    with _lock:
        if _walks == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _walks += 1
    try:
        yield
    finally:
        with _lock:
            _walks -= 1
            if _walks == 0 and _was_enabled:
                gc.enable()
