"""What a province publishes: the growing-area figures per commune and crop, under CC BY 4.0.

Only aggregates of the registry: plots and hectares registered, coded, ready for a code, not
ready, EUDR-ready. Never a name, a plot, a farmer, a quantity traded or a customer. A commune and
crop with fewer than :data:`MIN_PLOTS` plots is published without its hectares (they would be
one or two households' own), only with its plot count.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from agritrace.province.areas import PROVINCES, SOURCE
from agritrace.province.indicators import Hectares, Period, desk_of, hectares
from agritrace.province.tables import regulators

#: The EU's controlled vocabularies DCAT-AP asks for (data theme, file type, IANA media type).
_EU = "http://publications.europa.eu/resource/authority/"
_MEDIA = {"csv": ("text/csv", "CSV"), "json": ("application/json", "JSON")}

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


def catalogue(provinces: Sequence[str], base_url: str) -> dict[str, Any]:
    """The open data as a DCAT-AP 3 catalogue in JSON-LD: one dataset per province whose
    department publishes here, each with its CSV and JSON distributions (stable URLs, the
    licence, the theme "agriculture"). What a national portal harvests."""
    base = base_url.rstrip("/")
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/",
                     "vcard": "http://www.w3.org/2006/vcard/ns#"},
        "@id": f"{base}/open-data", "@type": "dcat:Catalog",
        "dct:title": [{"@language": "vi", "@value": "Dữ liệu mở vùng trồng của các tỉnh"},
                      {"@language": "en", "@value": "The provinces' growing-area open data"}],
        "dct:description": [
            {"@language": "vi", "@value": "Số thửa và diện tích vùng trồng theo xã và cây trồng "
                                          "do sở nông nghiệp công bố; chỉ số liệu tổng hợp."},
            {"@language": "en", "@value": "Plots and growing-area hectares per commune and crop "
                                          "published by the agriculture departments; aggregates "
                                          "only."}],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "agritrace"},
        "foaf:homepage": {"@id": f"{base}/open-data"},
        "dct:license": {"@id": LICENCE_URL},
        "dcat:dataset": [_dataset(code, base) for code in provinces]}


def _dataset(code: str, base: str) -> dict[str, Any]:
    name = PROVINCES[code].name
    return {
        "@id": f"{base}/open-data#{code}", "@type": "dcat:Dataset", "dct:identifier": code,
        "dct:title": [{"@language": "vi", "@value": f"Vùng trồng theo xã và cây trồng — {name}"},
                      {"@language": "en",
                       "@value": f"Growing areas per commune and crop — {name}"}],
        "dct:description": [
            {"@language": "vi", "@value": f"Số thửa và diện tích (ha) đã đăng ký, có mã vùng "
                                          f"trồng, đủ điều kiện, chưa đủ điều kiện và sẵn sàng "
                                          f"EUDR theo xã và cây trồng ở {name}. Diện tích được "
                                          f"ẩn khi dưới {MIN_PLOTS} thửa."},
            {"@language": "en", "@value": f"Plots and hectares registered, coded, ready, not "
                                          f"ready and EUDR-ready per commune and crop in {name}. "
                                          f"Hectares are withheld below {MIN_PLOTS} plots."}],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": f"{name} (agritrace)"},
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": name},
        "dcat:theme": {"@id": f"{_EU}data-theme/AGRI"},
        "dcat:keyword": ["vùng trồng", "growing area", "mã số vùng trồng", "EUDR", name],
        "dct:spatial": {"@type": "dct:Location", "dct:title": name},
        "dct:conformsTo": {"@type": "dct:Standard", "dct:title": SOURCE},
        "dct:license": {"@id": LICENCE_URL},
        "dcat:distribution": [_distribution(code, base, fmt) for fmt in _MEDIA]}


def _distribution(code: str, base: str, fmt: str) -> dict[str, Any]:
    media, kind = _MEDIA[fmt]
    url = f"{base}/province/open-data.{fmt}?province={code}"
    return {"@id": f"{base}/open-data#{code}-{fmt}", "@type": "dcat:Distribution",
            "dcat:accessURL": {"@id": url}, "dcat:downloadURL": {"@id": url},
            "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
            "dct:format": {"@id": f"{_EU}file-type/{kind}"},
            "dct:license": {"@id": LICENCE_URL},
            "dct:title": f"{kind} — {PROVINCES[code].name}"}


def publishing(engine: Engine) -> dict[str, int]:
    """Province code -> the department (a whole province's regulator) publishing its data."""
    with engine.connect() as conn:
        found = conn.execute(select(regulators.c.province, regulators.c.org_id).where(
            regulators.c.commune == "").order_by(regulators.c.org_id.desc())).all()
    return {str(row.province): int(row.org_id) for row in found}  # the first department wins


def published(engine: Engine, province: str, period: Period) -> list[dict[str, Any]] | None:
    """What ``province`` publishes for ``period`` (hectares as of its last day), or None when
    no department of it has a desk here."""
    regulator = publishing(engine).get(province)
    desk = None if regulator is None else desk_of(engine, regulator)
    return None if desk is None else rows(province, hectares(engine, desk, period), period)


def export(engine: Engine, out: Path, period: Period, base_url: str) -> list[Path]:
    """Write the open data the site serves into ``out``: the catalogue (catalog.jsonld) and,
    per publishing province, ``<code>.csv`` and ``<code>.json`` (``agritrace export
    open-data``)."""
    out.mkdir(parents=True, exist_ok=True)
    provinces = sorted(publishing(engine))
    written = [out / "catalog.jsonld"]
    written[0].write_text(json.dumps(catalogue(provinces, base_url), ensure_ascii=False,
                                     indent=1), encoding="utf-8")
    for code in provinces:
        found = published(engine, code, period) or []
        (out / f"{code}.csv").write_text(as_csv(found), encoding="utf-8")
        (out / f"{code}.json").write_text(json.dumps(as_json(code, found, base_url),
                                                     ensure_ascii=False, indent=1),
                                          encoding="utf-8")
        written += [out / f"{code}.csv", out / f"{code}.json"]
    return written
