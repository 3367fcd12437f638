"""The commune → former-district data file (issue 13): it cites its source, every row names a
known province, and a plot registered under a pre-2025 commune finds its 2025 commune."""

from __future__ import annotations

from importlib import resources

from agritrace.province.areas import COMMUNES_FILE, PROVINCES, _communes, commune_of


def _text() -> str:
    return resources.files("agritrace.province").joinpath(COMMUNES_FILE).read_text("utf-8")


def test_the_file_cites_its_source_and_coverage() -> None:
    header = [line for line in _text().splitlines() if line.startswith("#")]
    assert any("1661/NQ-UBTVQH15" in line for line in header)
    assert any(line.startswith("# Coverage:") for line in header)


def test_every_row_names_a_known_province_and_a_district() -> None:
    for commune in set(_communes().values()):
        assert commune.province in PROVINCES
        assert commune.former_units and all(commune.former_districts)


def test_an_old_commune_finds_its_new_commune_and_district() -> None:
    found = commune_of("tỉnh Điện Biên", "Xã Chiềng Đông")
    assert found is not None and found.name == "Búng Lao"
    assert found.former_districts == ("Mường Ảng", "Tuần Giáo")
    assert commune_of("Điện Biên", "Mường Ảng") == commune_of("Điện Biên", "Ẳng Cang")
    # a commune the file does not cover, or another province's: shown as registered
    assert commune_of("Điện Biên", "Thanh Xương") is None
    assert commune_of("Đồng Tháp", "Ẳng Nưa") is None


def test_a_ward_and_communes_merged_across_districts() -> None:
    ward = commune_of("Điện Biên", "phường Him Lam")
    assert ward is not None and ward.name == "Điện Biên Phủ"
    assert commune_of("Điện Biên", "xã Thanh Minh") == ward
    across = commune_of("Điện Biên", "Phình Sáng")
    assert across is not None and across.name == "Sáng Nhè"
    assert across.former_districts == ("Tuần Giáo", "Tủa Chùa")
    # a former ward whose name is also a 2025 ward's could be either: shown as registered
    assert commune_of("Điện Biên", "Mường Thanh") is None
