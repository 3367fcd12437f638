"""What a province publishes: the growing-area figures per commune and crop, under CC BY 4.0.

Only aggregates of the registry: plots and hectares registered, coded, ready for a code, not
ready, EUDR-ready. Never a name, a plot, a farmer, a quantity traded or a customer. A commune and
crop with fewer than :data:`MIN_PLOTS` plots is published without its hectares (they would be
one or two households' own), only with its plot count.

Kept, not computed per request: ``agritrace province refresh`` keeps each publishing province's
rows as of today (table ``province_open_data``, migration 0039), one snapshot per day, so the
days kept form a series anyone may page through (``?to=``). A request reads a snapshot; a
province never kept is computed once in the background (:mod:`agritrace.province.background`).
Served as JSON and CSV (paged, in a stable order: commune then crop) and Parquet (whole).
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.times import now_micros
from agritrace.province import background
from agritrace.province.areas import PROVINCES, SOURCE
from agritrace.province.indicators import Hectares, Period, desk_of, hectares
from agritrace.province.kept import STALE_AFTER_S
from agritrace.province.tables import open_data_kept, regulators
from agritrace.vietnam_time import vietnam_datetime

#: The EU's controlled vocabularies DCAT-AP asks for (data theme, file type, IANA media type).
_EU = "http://publications.europa.eu/resource/authority/"
_MEDIA = {"csv": ("text/csv", "CSV"), "json": ("application/json", "JSON"),
          "parquet": ("application/vnd.apache.parquet", "PARQUET")}

LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
MIN_PLOTS = 3
FIELDS = ("province", "commune", "crop", "plots", "registered_ha", "coded_ha", "ready_ha",
          "not_ready_ha", "eudr_ready_ha", "as_of")
_HECTARES = FIELDS[4:9]
#: Rows a page of the JSON (or a paged CSV) holds by default, and at most.
PAGE_ROWS = 100
MAX_PAGE_ROWS = 1000
#: The Parquet file's columns: the CSV's, typed (hectares empty where withheld, the day a date).
SCHEMA = pa.schema([("province", pa.string()), ("commune", pa.string()), ("crop", pa.string()),
                    ("plots", pa.int64()), *((name, pa.float64()) for name in _HECTARES),
                    ("as_of", pa.date32())])


@dataclass(frozen=True)
class Snapshot:
    """What a province published as of a day, and when it was computed."""

    province: str
    as_of: date
    rows: list[dict[str, Any]]
    computed_us: int

    @property
    def modified(self) -> str:
        """When the figures were computed, as a Vietnam time (DCAT's ``dct:modified``)."""
        return vietnam_datetime(self.computed_us).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Page:
    """Rows ``start`` to ``start + limit`` of a snapshot (numbered from 1 by ``number``)."""

    number: int
    limit: int
    total: int

    @property
    def start(self) -> int:
        return (self.number - 1) * self.limit

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.limit))

    def of(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows[self.start:self.start + self.limit]


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


def as_json(snapshot: Snapshot, base_url: str, page: Page | None = None) -> dict[str, Any]:
    """The rows (one page of them) with what a catalogue needs to cite them: title, publisher,
    licence, source, the day they are as of and when they were computed."""
    province = snapshot.province
    name = PROVINCES[province].name
    page = page or Page(1, max(1, len(snapshot.rows)), len(snapshot.rows))
    return {
        "title": f"Vùng trồng theo xã và cây trồng — {name} / Growing areas per commune and "
                 f"crop — {name}",
        "publisher": f"{name} (agritrace)", "license": LICENCE, "licenseUrl": LICENCE_URL,
        "attribution": f"{name}, agritrace open data, CC BY 4.0",
        "distribution": {fmt: download_url(base_url, province, fmt) for fmt in _MEDIA},
        "administrativeUnits": SOURCE, "suppressedBelowPlots": MIN_PLOTS,
        "asOf": snapshot.as_of.isoformat(), "modified": snapshot.modified,
        "page": page.number, "limit": page.limit, "total": page.total,
        "fields": list(FIELDS), "rows": page.of(snapshot.rows)}


def download_url(base_url: str, province: str, fmt: str) -> str:
    """The stable address of a province's file (the latest day kept)."""
    return f"{base_url.rstrip('/')}/province/open-data.{fmt}?province={province}"


def as_csv(published: list[dict[str, Any]]) -> str:
    """The rows as CSV (figures with a dot, empty where withheld), the licence in a comment
    line first so a copy passed on keeps it."""
    out = io.StringIO()
    out.write(f"# {LICENCE} {LICENCE_URL}\n")
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(published)
    return out.getvalue()


def as_parquet(snapshot: Snapshot) -> bytes:
    """Every row as one Parquet file (typed columns; the licence and source in the file's
    key-value metadata, so a copy passed on keeps them)."""
    columns: dict[str, list[Any]] = {name: [row[name] for row in snapshot.rows]
                                     for name in FIELDS}
    columns["as_of"] = [date.fromisoformat(day) for day in columns["as_of"]]
    table = pa.Table.from_pydict(columns, schema=SCHEMA).replace_schema_metadata({
        "license": LICENCE_URL, "attribution": f"{PROVINCES[snapshot.province].name}, "
                                               "agritrace open data, CC BY 4.0",
        "administrativeUnits": SOURCE, "modified": snapshot.modified})
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def catalogue(datasets: Sequence[tuple[str, Snapshot | None]], base_url: str
              ) -> dict[str, Any]:
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
        "dcat:dataset": [_dataset(code, snapshot, base) for code, snapshot in datasets]}


def _dataset(code: str, snapshot: Snapshot | None, base: str) -> dict[str, Any]:
    """A province's dataset; when and as of which day it was computed once it is kept."""
    name = PROVINCES[code].name
    kept_: dict[str, Any] = {} if snapshot is None else {
        "dct:modified": {"@type": "http://www.w3.org/2001/XMLSchema#dateTime",
                         "@value": snapshot.modified},
        "dct:temporal": {"@type": "dct:PeriodOfTime",
                         "dcat:endDate": snapshot.as_of.isoformat()}}
    return {**kept_,
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
    url = download_url(base, code, fmt)
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


def compute(engine: Engine, province: str, as_of: date) -> Snapshot | None:
    """What ``province`` publishes as of ``as_of`` (every plot judged: slow for a big
    province), kept; None when no department of it has a desk here."""
    regulator = publishing(engine).get(province)
    desk = None if regulator is None else desk_of(engine, regulator)
    if desk is None:
        return None
    period = Period(as_of, as_of)  # the hectares are as of the period's last day
    snapshot = Snapshot(province, as_of, rows(province, hectares(engine, desk, period), period),
                        now_micros())
    try:
        with engine.begin() as conn:
            conn.execute(delete(open_data_kept).where(
                open_data_kept.c.province == province,
                open_data_kept.c.as_of == as_of.isoformat()))
            conn.execute(insert(open_data_kept).values(
                province=province, as_of=as_of.isoformat(), computed_us=snapshot.computed_us,
                rows=json.dumps(snapshot.rows, ensure_ascii=False)))
    except IntegrityError:
        pass  # another worker kept the same day's rows first
    return snapshot


def kept(engine: Engine, province: str, as_of: date | None = None) -> Snapshot | None:
    """The snapshot kept for ``as_of`` (by default the latest one kept), or None."""
    query = select(open_data_kept).where(open_data_kept.c.province == province)
    if as_of is not None:
        query = query.where(open_data_kept.c.as_of == as_of.isoformat())
    with engine.connect() as conn:
        row = conn.execute(query.order_by(open_data_kept.c.as_of.desc()).limit(1)).first()
    if row is None:
        return None
    return Snapshot(province, date.fromisoformat(row.as_of), json.loads(row.rows),
                    row.computed_us)


def days_kept(engine: Engine, province: str, limit: int = 10) -> list[str]:
    """The latest days a snapshot of ``province`` is kept for (newest first)."""
    with engine.connect() as conn:
        return list(conn.execute(select(open_data_kept.c.as_of).where(
            open_data_kept.c.province == province).order_by(
            open_data_kept.c.as_of.desc()).limit(limit)).scalars())


def served(reader: Engine, primary: Engine, province: str, as_of: date | None, today: date,
           wait_s: float) -> Snapshot | None:
    """The snapshot a request reads: the kept one (from ``reader``, a replica). The latest one
    older than the dashboard's staleness is served as it is while today's is computed in the
    background (so the data moves on without the cron job too); when ``province`` has none
    kept yet (or none for today, when today is asked), today's is computed on the primary in
    the background (one worker at a time) and waited for at most ``wait_s``; None when it is
    still being computed."""
    found = kept(reader, province, as_of) or kept(primary, province, as_of)  # a replica lags
    if found is not None:
        if as_of is None and now_micros() - found.computed_us > STALE_AFTER_S * 1_000_000:
            _start(primary, province, today)
        return found
    if as_of not in (None, today):
        return None
    thread = _start(primary, province, today)
    if thread is not None:
        thread.join(wait_s)
    return kept(primary, province, today)


def _start(primary: Engine, province: str, today: date) -> threading.Thread | None:
    return background.start(primary, f"open data {province} {today}",
                            lambda: compute(primary, province, today))


def catalogued(engine: Engine) -> list[tuple[str, Snapshot | None]]:
    """Every publishing province with its latest snapshot (None before its first)."""
    return [(code, kept(engine, code)) for code in sorted(publishing(engine))]


def refresh(engine: Engine, today: date) -> list[str]:
    """Keep today's rows of every publishing province (``agritrace province refresh``)."""
    provinces = sorted(publishing(engine))
    for code in provinces:
        compute(engine, code, today)
    return provinces


def export(engine: Engine, out: Path, as_of: date, base_url: str) -> list[Path]:
    """Write the open data the site serves into ``out``: the catalogue (catalog.jsonld) and,
    per publishing province, ``<code>.csv``, ``<code>.json`` and ``<code>.parquet`` as of
    ``as_of`` (the kept snapshot, else computed now and kept) (``agritrace export
    open-data``)."""
    out.mkdir(parents=True, exist_ok=True)
    snapshots = []
    for code in sorted(publishing(engine)):
        snapshot = kept(engine, code, as_of) or compute(engine, code, as_of)
        if snapshot is not None:
            snapshots.append(snapshot)
    written = [out / "catalog.jsonld"]
    datasets = [(snapshot.province, snapshot) for snapshot in snapshots]
    written[0].write_text(json.dumps(catalogue(datasets, base_url), ensure_ascii=False,
                                     indent=1), encoding="utf-8")
    for snapshot in snapshots:
        name = out / snapshot.province
        name.with_suffix(".csv").write_text(as_csv(snapshot.rows), encoding="utf-8")
        name.with_suffix(".json").write_text(json.dumps(as_json(snapshot, base_url),
                                                        ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        name.with_suffix(".parquet").write_bytes(as_parquet(snapshot))
        written += [name.with_suffix(f".{fmt}") for fmt in ("csv", "json", "parquet")]
    return written
