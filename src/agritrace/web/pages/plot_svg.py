"""A plot polygon as a small inline SVG: no map tiles, no external request.

>>> drawing = plot_drawing("p1", {"type": "Polygon", "coordinates": [[[103.1, 21.5],
...     [103.101, 21.5], [103.101, 21.501], [103.1, 21.501], [103.1, 21.5]]]})
>>> drawing is not None and drawing.svg.startswith("<svg")
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from agritrace.farm.geometry import PlotGeometry, check_geometry

_SIZE = 240.0
_PAD = 12.0


@dataclass(frozen=True)
class PlotDrawing:
    svg: Markup
    lat: str
    lon: str
    area_ha: float


def plot_drawing(plot: str, geojson: object, title: str = "") -> PlotDrawing | None:
    """The drawing of a GeoJSON Polygon/MultiPolygon, or None when it cannot be read."""
    check = check_geometry(plot, geojson)
    geometry = check.geometry
    if geometry is None or geometry.point is not None or not geometry.polygons:
        return None
    lon, lat = geometry.centroid
    return PlotDrawing(_svg(geometry, title), f"{lat:.6f}", f"{lon:.6f}", geometry.area_ha)


def _svg(geometry: PlotGeometry, title: str) -> Markup:
    min_lon, min_lat, max_lon, max_lat = geometry.bbox
    # Equirectangular at the plot's latitude: exact enough for a field a few hundred metres wide.
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    width = max((max_lon - min_lon) * squeeze, 1e-9)
    height = max(max_lat - min_lat, 1e-9)
    scale = (_SIZE - 2 * _PAD) / max(width, height)

    def point(lon: float, lat: float) -> str:
        x = _PAD + (lon - min_lon) * squeeze * scale
        y = _PAD + (max_lat - lat) * scale
        return f"{x:.1f} {y:.1f}"

    rings = [ring for polygon in geometry.polygons for ring in polygon]
    d = " ".join("M" + " L".join(point(lon, lat) for lon, lat in ring[:-1]) + " Z"
                 for ring in rings)
    w = 2 * _PAD + width * scale
    h = 2 * _PAD + height * scale
    label = Markup.escape(title)
    return Markup(
        f'<svg class="plot" role="img" aria-label="{label}" viewBox="0 0 {w:.0f} {h:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        f'<path fill-rule="evenodd" d="{d}"/></svg>'
    )
