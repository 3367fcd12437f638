"""Holding off Python's cyclic garbage collector while a trace or a capture allocates.

A trace of a lot that feeds a thousand packs makes tens of thousands of small objects (rows,
edges, visits), and a capture a few per event; reference counting frees them all, none is part
of a cycle. The collector does not know that: it scans the young objects every 700 allocations
and, every so often, the whole heap. Measured on a forward lot trace: about a tenth of the
instructions, and in a process with a large heap (a server, a benchmark) pauses of many
milliseconds that land on a random trace; on capture, about 6 % of the writing process. So
these run with the collector paused, and the process collects as usual once none is running.
What waits meanwhile is bounded: walks stop at ``lineage.MAX_NODES``, and a capture's events
are freed batch by batch (a 400,000-event capture peaks at the memory of a 100,000-event one).
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
