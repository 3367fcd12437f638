"""A supplier's EUDR GeoJSON file at size (issue 20): 10,000 plots checked in seconds.

Run: ``scripts/bench eudr_check`` or ``.venv/bin/python -m benchmarks.bench_eudr_check
[--plots 10000]``

The file is made like a collector's: polygons of about 1 ha on a grid in Điện Biên (with 6
decimals), one in fifty a Point with its Area, and one in a hundred with a defect the check must
find (an unclosed ring, a country code 'VNM', a plot repeated). It is checked as sent, then fixed
and the fixed file checked again, each timed once after a warm-up on a tenth of the file.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from decimal import Decimal
from typing import Any

from agritrace.reports.eudr import to_geojson_text
from agritrace.reports.eudr_file import check_file, fix_file
from benchmarks.report import publish

STEP = 0.0012  # about 130 m between plots; a plot is about 100 m square


def _plot(n: int) -> dict[str, Any]:
    lon, lat = 103.012347 + (n % 200) * STEP, 21.301233 + (n // 200) * STEP
    # written with 6 decimals as a GPS export does (a float would drop trailing zeros)
    ring = [[Decimal(f"{lon + dx:.6f}"), Decimal(f"{lat + dy:.6f}")]
            for dx, dy in ((0, 0), (0.000951, 0.000003), (0.000949, 0.000902),
                           (0.000004, 0.000899), (0, 0))]
    geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
    properties: dict[str, Any] = {"ProducerName": f"Hộ {n // 3}", "ProducerCountry": "VN",
                                  "ProductionPlace": "Mường Ảng, Điện Biên"}
    if n % 50 == 7:
        geometry = {"type": "Point", "coordinates": ring[0]}
        properties["Area"] = 0.9
    elif n % 100 == 13:
        ring.pop()  # unclosed
    elif n % 100 == 31:
        properties["ProducerCountry"] = "VNM"
    return {"type": "Feature", "id": f"T-{n:05d}", "geometry": geometry,
            "properties": properties}


def make_file(count: int) -> bytes:
    features = [_plot(n) for n in range(count)]
    features += [features[n] for n in range(0, count, 500)]  # plots sent twice
    return to_geojson_text({"type": "FeatureCollection", "features": features}).encode()


def timed(action: Any, *args: Any) -> tuple[float, int, Any]:
    """(seconds, peak traced bytes, result): timed alone, then run again under tracemalloc
    (which slows allocation-heavy code about threefold)."""
    started = time.perf_counter()
    result = action(*args)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    action(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plots", type=int, default=10_000)
    count = parser.parse_args().plots
    data = make_file(count)
    check_file(make_file(max(count // 10, 1)), "warm-up.geojson")
    seconds, peak, check = timed(check_file, data, "supplier.geojson")
    fix_seconds, fix_peak, (corrected, changes) = timed(fix_file, data, "supplier.geojson")
    fixed = to_geojson_text(corrected).encode()
    again_seconds, _, again = timed(check_file, fixed, "fixed.geojson")
    size = f"{len(data) / 2**20:,.1f} MB"
    rows = [
        ["check the file as sent", f"{check.features:,} plots, {size}", f"{seconds:,.2f} s",
         f"{check.features / seconds:,.0f} plots/s", f"{peak / 2**20:,.0f} MB",
         f"{len(check.findings):,} findings, {len(check.ready):,} plots ready"],
        ["fix it (--fix)", f"{check.features:,} plots", f"{fix_seconds:,.2f} s",
         f"{check.features / fix_seconds:,.0f} plots/s", f"{fix_peak / 2**20:,.0f} MB",
         f"{len(changes):,} changes"],
        ["check the fixed file", f"{again.features:,} plots", f"{again_seconds:,.2f} s",
         f"{again.features / again_seconds:,.0f} plots/s", "",
         f"{len(again.findings):,} findings, {len(again.ready):,} plots ready"],
    ]
    publish("eudr_check", "A supplier's EUDR GeoJSON file (issue 20)",
            ["step", "file", "time", "speed", "peak memory", "result"], rows,
            notes="In process, one run each after a warm-up on a tenth of the file; peak memory "
                  "is Python's traced allocations. Target: 10,000 plots checked in seconds.")


if __name__ == "__main__":
    main()
