"""What a province publishes: the growing-area figures per commune and crop, under CC BY 4.0.

Only aggregates of the registry: plots and hectares registered, coded, ready for a code, not
ready, EUDR-ready. Never a name, a plot, a farmer, a quantity traded or a customer. A commune and
crop with fewer than :data:`MIN_PLOTS` plots is published without its hectares (they would be
one or two households' own), only with its plot count.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from agritrace.province.areas import PROVINCES, SOURCE
from agritrace.province.indicators import Hectares, Period

LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
MIN_PLOTS = 3
FIELDS = ("province", "commune", "crop", "plots", "registered_ha", "coded_ha", "ready_ha",
          "not_ready_ha", "eudr_ready_ha", "as_of")
_HECTARES = FIELDS[4:9]


def rows(province: str, rows_: Sequence[Hectares], period: Period) -> list[dict[str, Any]]:
    """One published row per commune and crop (hectares withheld below :data:`MIN_PLOTS`)."""
    published = []
    for row in rows_:
        figures = row.as_dict()
        shown = row.plots >= MIN_PLOTS
        published.append({"province": province, "commune": row.commune, "crop": row.crop,
                          "plots": row.plots,
                          **{k: figures[k] if shown else None for k in _HECTARES},
                          "as_of": period.end.isoformat()})
    return published


def as_json(province: str, published: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """The rows with what a catalogue needs to cite them: title, publisher, licence, source."""
    name = PROVINCES[province].name
    return {
        "title": f"Vùng trồng theo xã và cây trồng — {name} / Growing areas per commune and "
                 f"crop — {name}",
        "publisher": f"{name} (agritrace)", "license": LICENCE, "licenseUrl": LICENCE_URL,
        "attribution": f"{name}, agritrace open data, CC BY 4.0",
        "distribution": {fmt: f"{base_url.rstrip('/')}/province/open-data.{fmt}?"
                              f"province={province}" for fmt in ("csv", "json")},
        "administrativeUnits": SOURCE, "suppressedBelowPlots": MIN_PLOTS,
        "fields": list(FIELDS), "rows": published}


def as_csv(published: list[dict[str, Any]]) -> str:
    """The rows as CSV (figures with a dot, empty where withheld), the licence in a comment
    line first so a copy passed on keeps it."""
    out = io.StringIO()
    out.write(f"# {LICENCE} {LICENCE_URL}\n")
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(published)
    return out.getvalue()
