"""A supplier's EUDR GeoJSON file, checked whole and fixed where the fix is mechanical."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from starlette.requests import Request
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.errors import ValidationException
from agritrace.farm.geometry import check_geometry
from agritrace.farm.tables import places
from agritrace.reports.eudr import to_geojson_text
from agritrace.reports.eudr_file import MAX_BYTES, check_file, fix_file
from agritrace.settings import Settings
from agritrace.store.orgs import create_organization, create_token
from agritrace.web.api.reports import read_upload
from agritrace.web.app import create_app
from agritrace.web.pages.session import COOKIE

runner = CliRunner()

# A 4.5 ha and a 1.6 ha plot in Mường Ảng (Điện Biên), [lon, lat], 6 decimals everywhere.
BIG = [[103.196412, 21.498731], [103.198508, 21.498562], [103.198782, 21.500013],
       [103.197506, 21.500522], [103.196231, 21.500181], [103.196412, 21.498731]]
SMALL = [[103.203877, 21.493215], [103.205187, 21.493317], [103.205405, 21.494134],
         [103.204205, 21.494339], [103.203768, 21.493828], [103.203877, 21.493215]]
# Overlaps the south-east corner of BIG.
OVERLAPPING = [[103.197901, 21.498101], [103.199502, 21.498102], [103.199503, 21.499303],
               [103.197902, 21.499304], [103.197901, 21.498101]]


def shifted(ring: list[list[float]], by: float) -> list[list[float]]:
    return [[round(lon + by, 6), round(lat, 6)] for lon, lat in ring]


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    base = {"ProducerName": "Lò Văn A", "ProducerCountry": "VN",
            "ProductionPlace": "Mường Ảng, Điện Biên"}
    return {"type": "Feature", "properties": {**base, **properties}, "geometry": geometry}


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def document(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def findings(data: bytes) -> dict[tuple[int | None, str], str]:
    check = check_file(data, "supplier.geojson")
    return {(f.feature, f.code): f.path for f in check.findings}


MIXED = document(
    feature(polygon(BIG), id="T-01"),                                          # 0 ready
    feature({"type": "Point", "coordinates": [103.204312, 21.493721]}, Area=1.6),  # 1 ready
    feature({"type": "Point", "coordinates": [103.204312, 21.493721]}),         # 2 no Area
    feature({"type": "Point", "coordinates": [103.211001, 21.490002]}, Area=4.5),  # 3 > 4 ha
    feature(polygon(SMALL), ProducerCountry="VNM"),                             # 4 bad country
    feature(polygon(SMALL[:-1])),                                               # 5 unclosed
    feature(polygon(BIG), id="T-01-again"),                                     # 6 duplicate of 0
    feature(polygon(OVERLAPPING)),                                              # 7 overlaps 0
    feature(polygon(shifted(OVERLAPPING, 0.000101)), ProducerName="Lò Văn B",
            ProductionPlace="B"),                                               # 8 other
    feature({"type": "Point", "coordinates": [103.2, 21.4]}, Area=1.0),         # 9 decimals
    feature({"type": "Point", "coordinates": [21.493721, 103.204312]}, Area=1.0),  # 10 swapped
    feature({"type": "Point", "coordinates": [103.204312, 21.493721]}, Area="2"),  # 11 Area text
    {"type": "Feature", "geometry": polygon(shifted(SMALL, 0.003001)),
     "properties": {"ProducerCountry": "VN"}},
)


def test_a_mixed_file_names_each_finding_by_feature_and_path() -> None:
    check = check_file(MIXED, "supplier.geojson")
    found = {(f.feature, f.code): f for f in check.findings}
    assert found[(2, "missing_area")].path == "features[2].properties.Area"
    assert (3, "point_over_4ha") in found
    assert found[(4, "bad_country")].path == "features[4].properties.ProducerCountry"
    assert "'VNM'" in found[(4, "bad_country")].message_en
    assert found[(5, "unclosed_ring")].path.startswith("features[5].geometry.coordinates[0]")
    assert found[(6, "duplicate_plot")].message_en.endswith(
        "the same geometry as #0 (T-01). Fix: delete the repeated plot.")
    assert "overlaps #0 (T-01)" in found[(7, "overlap")].message_en
    assert "chồng lấn" in found[(7, "overlap")].message_vi
    assert (8, "overlap") not in found  # another producer's plot may lie anywhere
    assert found[(9, "too_few_decimals")].path == "features[9].geometry.coordinates"
    assert (10, "swapped") in found
    assert found[(11, "bad_area")].path == "features[11].properties.Area"
    assert found[(12, "missing_property")].severity == "warning"
    assert found[(12, "missing_property")].label == "#12"
    assert check.ready == [0, 1, 8, 12]
    assert not check.ok


def test_six_written_decimals_count_even_when_they_end_in_zero() -> None:
    text = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            b'{"ProducerName":"A","ProducerCountry":"VN","ProductionPlace":"X","Area":1.5},'
            b'"geometry":{"type":"Point","coordinates":[103.500000,21.400000]}}]}')
    assert check_file(text, "f.geojson").ok


def test_every_geometry_rule_of_the_registry_applies_to_the_file() -> None:
    """The file checker adds to check_geometry; it never says less about a plot."""
    for index, item in enumerate(json.loads(MIXED)["features"]):
        area = item["properties"].get("Area")
        registry = check_geometry(f"#{index}", item["geometry"],
                                  declared_area_ha=area if isinstance(area, float) else None)
        codes = {code for (feature_index, code) in findings(MIXED) if feature_index == index}
        assert {i.code for i in registry.issues} <= codes


def square(lon: float, lat: float, side: float = 0.002) -> list[list[float]]:
    corners = ((0, 0), (side, 0), (side, side), (0, side), (0, 0))
    return [[round(lon + dx, 6), round(lat + dy, 6)] for dx, dy in corners]


# One plot per geometry rule of the registry, between good plots, with where each is reported.
EVERY_RULE = [
    (feature(polygon(BIG), id="OK-1"), None, ""),
    (feature({"type": "Polygon", "coordinates": [square(103.110001, 21.490001, 0.01),
                                                 square(103.114001, 21.494001)]}, id="HOLE"),
     "hole", "geometry.coordinates[1][0]"),
    (feature(polygon([[103.120001, 21.480001], [103.122001, 21.482001],
                      [103.122001, 21.480001], [103.120001, 21.482001],
                      [103.120001, 21.480001]]), id="BOW"),
     "self_intersection", "geometry.coordinates[0][0]"),
    (feature(polygon([[103.140001, 21.480001], [103.142001, 21.480001],
                      [103.141001, 21.480001], [103.141001, 21.481001],
                      [103.140001, 21.480001]]), id="BACK"),
     "overlapping_edges", "geometry.coordinates[0][0]"),
    (feature(polygon([[103.130001, 21.480001], [103.131001, 21.480001],
                      [103.130001, 21.480001]]), id="THIN"),
     "too_few_positions", "geometry.coordinates[0]"),
    (feature(polygon([SMALL[0], SMALL[1], SMALL[1], *SMALL[2:]]), id="REPEAT"),
     "duplicate_point", "geometry.coordinates[0][2]"),
    (feature({"type": "Point", "coordinates": [203.204312, 21.493721]}, Area=1.0, id="FAR"),
     "out_of_range", "geometry.coordinates"),
    (feature({"type": "Point", "coordinates": [2.294481, 48.858371]}, Area=1.0, id="PARIS"),
     "outside_country", "geometry.coordinates"),
    (feature({"type": "LineString", "coordinates": [[103.1, 21.4], [103.2, 21.5]]},
             id="LINE"), "unsupported_type", "geometry.type"),
    (feature(None, id="NOTHING"), "not_geometry", "geometry"),
    (feature({"type": "Polygon", "coordinates": []}, id="EMPTY"), "empty_geometry",
     "geometry.coordinates"),
    (feature({"type": "Point", "coordinates": ["103.204312", 21.493721]}, Area=1.0,
             id="TEXT"), "bad_position", "geometry.coordinates"),
    (feature({"type": "MultiPolygon", "coordinates": [[square(103.150001, 21.470001)],
                                                      [square(103.151001, 21.470001)]]},
             id="TWO"), "invalid_polygon", "geometry.coordinates"),
    (feature(polygon(square(103.500001, 21.000001, 0.4)), id="HUGE"), "area_implausible",
     "geometry.coordinates"),
    (feature({"type": "MultiPolygon", "coordinates": [[shifted(SMALL, 0.01)],
                                                      [shifted(SMALL, 0.02)]]}, id="OK-2"),
     None, ""),
]


@pytest.mark.parametrize("index", range(len(EVERY_RULE)),
                         ids=[rule or "ready" for _, rule, _ in EVERY_RULE])
def test_each_registry_geometry_rule_is_located_in_a_mixed_file(index: int) -> None:
    """Each plot of the mixed file is told its own rule, at its own path, by its index and its
    id, in Vietnamese and English; the good plots around it stay ready."""
    check = check_file(document(*(f for f, _, _ in EVERY_RULE)), "mixed.geojson")
    _, code, path = EVERY_RULE[index]
    own = [f for f in check.findings if f.feature == index]
    if code is None:
        assert index in check.ready and not own, [f.message_en for f in own]
        return
    [finding] = [f for f in own if f.code == code]
    assert finding.path == f"features[{index}].{path}"
    label = EVERY_RULE[index][0]["properties"]["id"]
    assert finding.label == f"#{index} ({label})"
    assert finding.message_vi.startswith(f"Thửa #{index} ({label})")
    assert finding.message_en.startswith(f"Plot #{index} ({label})")
    assert (index in check.ready) == (finding.severity == "warning")


@pytest.mark.parametrize(("data", "code"), [
    (b"", "not_json"),
    (b'{"type": "FeatureCollection", "features": [', "not_json"),
    (b'{"type": "Feature"}', "not_collection"),
    (b'[1, 2]', "not_collection"),
    (b'{"type": "FeatureCollection", "features": []}', "no_features"),
    (b'{"type": "FeatureCollection", "features": [3]}', "not_feature"),
    (b"\xff\xfe", "not_json"),
])
def test_files_that_are_not_collections_of_features(data: bytes, code: str) -> None:
    check = check_file(data, "broken.geojson")
    assert code in {f.code for f in check.findings}
    assert not check.ok and check.ready == []


def test_the_size_limit_of_one_statement() -> None:
    check = check_file(b" " * 11, "big.geojson", max_bytes=10)
    assert [f.code for f in check.findings] == ["too_large"]
    assert MAX_BYTES == 25 * 1024 * 1024


def test_fix_closes_rings_rounds_splits_holes_and_fixes_country_case() -> None:
    many = [[103.2038771, 21.4932154], *SMALL[1:-1]]  # 7 decimals, unclosed
    outer = [[103.110001, 21.490001], [103.120001, 21.490001], [103.120001, 21.500001],
             [103.110001, 21.500001], [103.110001, 21.490001]]
    hole = [[103.114001, 21.494001], [103.116001, 21.494001], [103.116001, 21.496001],
            [103.114001, 21.496001], [103.114001, 21.494001]]
    data = document(feature(polygon(many), ProducerCountry="vn"),
                    feature({"type": "Polygon", "coordinates": [outer, hole]}),
                    feature(polygon(BIG)))
    fixed, changes = fix_file(data, "supplier.geojson")
    assert fixed is not None
    said = [(c.feature, c.what_en) for c in changes]
    assert (0, "ProducerCountry 'vn' → 'VN'") in said
    assert (0, "rounded coordinates to 6 decimals") in said
    assert (0, "closed the ring (repeated the first position at the end)") in said
    assert any(f == 1 and text.startswith("split the polygon with holes") for f, text in said)
    assert all(f != 2 for f, _ in said)  # a good plot is left alone
    first = fixed["features"][0]["geometry"]["coordinates"][0]
    assert first[0] == [Decimal("103.203877"), Decimal("21.493215")] and first[-1] == first[0]
    assert len(fixed["features"]) > 3
    again = check_file(to_geojson_text(fixed).encode(), "fixed")
    assert again.ok, [f.message_en for f in again.findings]
    assert not {f.code for f in again.findings} & {"unclosed_ring", "hole", "bad_country"}


def test_the_command_checks_fixes_and_exits_1_when_a_plot_is_not_ready(tmp_path: Path) -> None:
    source = tmp_path / "supplier.geojson"
    source.write_bytes(MIXED)
    result = runner.invoke(app, ["eudr", "check", str(source), "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "4/13 plots ready for the EU system" in result.stdout
    assert "ready: #0–1, #8, #12\nnot ready: #2–7, #9–11" in result.stdout
    assert "features[4].properties.ProducerCountry" in result.stdout
    vi = runner.invoke(app, ["eudr", "check", str(source)])
    assert "4/13 thửa sẵn sàng cho hệ thống EU" in vi.stdout
    as_json = runner.invoke(app, ["eudr", "check", str(source), "--format", "json"])
    assert json.loads(as_json.stdout)["ready"] == [0, 1, 8, 12]
    good = tmp_path / "good.geojson"
    good.write_bytes(document(feature(polygon(SMALL[:-1]), ProducerCountry="vn")))
    fixed = tmp_path / "fixed.geojson"
    result = runner.invoke(app, ["eudr", "check", str(good), "--fix", str(fixed),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "1/1 plots ready for the EU system" in result.stdout
    assert "closed the ring" in result.stderr
    assert json.loads(fixed.read_text())["features"][0]["properties"]["ProducerCountry"] == "VN"


def _http(engine: Engine) -> tuple[TestClient, str]:
    org = create_organization(engine, "Công ty Xuất khẩu")
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    return client, create_token(engine, org, "check")


def test_post_eudr_check_answers_the_findings_and_stores_nothing(engine: Engine) -> None:
    client, token = _http(engine)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/eudr/check", content=MIXED).status_code == 401
    answer = client.post("/eudr/check", content=MIXED, headers={
        **bearer, "Content-Type": "application/geo+json"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == check_file(MIXED, "upload.geojson").as_dict()
    assert body["ready"] == [0, 1, 8, 12] and not body["ok"]
    finding = next(f for f in body["findings"] if f["code"] == "missing_area")
    assert finding["path"] == "features[2].properties.Area"
    assert finding["vi"].startswith("Thửa #2") and finding["en"].startswith("Plot #2")
    upload = {"file": ("nhacungcap.geojson", MIXED, "application/geo+json")}
    uploaded = client.post("/eudr/check?fix=true", headers=bearer, files=upload)
    fixed = uploaded.json()
    assert fixed["document"] == "nhacungcap.geojson"
    assert {c["feature"] for c in fixed["changes"]} == {5}  # the ring closed
    assert not [f for f in fixed["findings"] if f["code"] == "unclosed_ring"]
    ring = fixed["fixed"]["features"][5]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == SMALL[0]
    none = client.post("/eudr/check", headers=bearer, files={"file": ("", b"", "text/plain")})
    assert none.status_code == 400 and none.headers["content-type"] == "application/problem+json"
    with engine.connect() as conn:  # a check is not a registration
        assert conn.execute(select(func.count()).select_from(places)).scalar_one() == 0


def test_post_eudr_check_tells_a_file_over_the_eu_limit_and_refuses_one_far_over(
        engine: Engine) -> None:
    """Up to twice the EU's 25 MB a file is checked and told it is too large; past that the
    body is refused, read no further than the limit (sent in 1 MB chunks here)."""
    client, token = _http(engine)
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"}
    over = MIXED + b" " * (MAX_BYTES + 1 - len(MIXED))
    told = client.post("/eudr/check", content=over, headers=bearer)
    assert told.status_code == 200
    assert [f["code"] for f in told.json()["findings"]] == ["too_large"]
    assert "over the 25.0 MB limit" in told.json()["findings"][0]["en"]

    def far_over() -> Iterator[bytes]:
        for _ in range(2 * MAX_BYTES // 2**20 + 8):
            yield b" " * 2**20

    refused = client.post("/eudr/check", content=far_over(), headers=bearer)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()["errors"][0]
    assert (problem["path"], problem["expected"]) == ("file", "at most 50 MB")


def test_a_body_far_over_the_limit_is_not_read_to_its_end() -> None:
    """A client sending 200 MB gets its refusal after the limit's worth, not after 200 MB."""
    asked: list[int] = []

    async def receive() -> dict[str, Any]:
        asked.append(1)
        return {"type": "http.request", "body": b" " * 2**20, "more_body": len(asked) < 200}

    request = Request({"type": "http", "method": "POST", "path": "/eudr/check",
                       "headers": [(b"content-type", b"application/geo+json")]}, receive)
    with pytest.raises(ValidationException):
        asyncio.run(read_upload(request, 10 * 2**20, "upload.geojson", "a file"))
    assert len(asked) == 11


def test_the_eudr_page_checks_an_uploaded_file_in_the_readers_language(engine: Engine) -> None:
    client, token = _http(engine)
    client.cookies.set(COOKIE, token)
    form = client.get("/reports/eudr").text
    assert 'action="/reports/eudr/check"' in form and "Kiểm tra tệp GeoJSON" in form
    upload = {"file": ("nhacungcap.geojson", MIXED, "application/geo+json")}
    shown = client.post("/reports/eudr/check", data={"action": "check"}, files=upload)
    assert shown.status_code == 200
    assert "4 trong 13 thửa của nhacungcap.geojson sẵn sàng cho hệ thống EU." in shown.text
    assert "Sẵn sàng: #0–1, #8, #12." in shown.text
    assert "Chưa sẵn sàng: #2–7, #9–11." in shown.text
    assert "features[2].properties.Area" in shown.text
    english = client.post("/reports/eudr/check?lang=en", data={"action": "check"}, files=upload)
    assert "4 of the 13 plots of nhacungcap.geojson are ready" in english.text
    download = client.post("/reports/eudr/check", data={"action": "fix"}, files=upload)
    assert download.headers["content-disposition"].endswith('fixed-nhacungcap.geojson"')
    assert json.loads(download.content)["features"][5]["geometry"]["coordinates"][0][-1] == \
        SMALL[0]
    foreign = client.post("/reports/eudr/check", files=upload,
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
