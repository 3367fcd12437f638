"""Our lexical checks answer what jsonschema's format checkers and the schema's patterns answer.

The one deliberate difference, a trailing newline (which ``$`` in the schema's patterns and in
rfc3987 / rfc3339-validator lets through), is excluded from the comparisons and tested apart.
"""

from __future__ import annotations

import json
import re

import pytest
import rfc3987
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rfc3339_validator import validate_rfc3339

from agritrace.epcis.formats import (
    is_date_time,
    is_hex_binary,
    is_non_gs1_voc_uri,
    is_other_uri,
    is_time_zone_offset,
    is_uom,
    is_uri,
    is_version,
)
from tests.conformance import JSON_SCHEMA, require_files

require_files()
_DEFINITIONS = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))["definitions"]


def _pattern(definition: str) -> re.Pattern[str]:
    return re.compile(_DEFINITIONS[definition]["pattern"])


def _official_uri(value: str) -> bool:
    try:
        rfc3987.parse(value, rule="URI")
    except ValueError:
        return False
    return True


_URI_ALPHABET = "aZ09:/?#[]@!$&'()*+,;=%-._~ \nvéAF"


@settings(max_examples=1500)
@given(st.one_of(
    st.text(_URI_ALPHABET, max_size=16),
    st.tuples(st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9+.-]{0,3}:\Z"),
              st.text(_URI_ALPHABET, max_size=16)).map("".join),
    st.tuples(st.sampled_from(["http://", "urn:", "x://u:p@", "h://[", "s://[v1.x]"]),
              st.text("0123456789abcdef:.]%/?#@", max_size=20)).map("".join),
))
@example("https://id.gs1.org/01/09521234543213/21/1")
@example("http://[2001:db8::1]:8080/a?b#c")
@example("http://[::ffff:192.168.0.1]/")
@example("http://[1:2:3:4:5:6:7::]/")
@example("http://[1::2::3]/")
@example("urn:a%2")
@example("a://b//c")
@example("a:")
def test_uri_matches_rfc3987(value: str) -> None:
    assert is_uri(value) == (_official_uri(value) and not value.endswith("\n"))


@settings(max_examples=800)
@given(st.one_of(
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?"
                  r"([Zz]|[+-][0-9]{2}:[0-9]{2})?\Z"),
    st.text("0123456789-:T.Z+z ", max_size=30),
))
@example("2024-02-29T23:59:59.5Z")
@example("2023-02-29T00:00:00Z")
@example("0000-01-01T00:00:00Z")
@example("2026-05-01t08:30:00.123z")
@example("2026-05-01T24:00:00Z")
@example("2026-05-01T08:30:60Z")
def test_date_time_matches_rfc3339(value: str) -> None:
    official = validate_rfc3339(value.upper())
    assert is_date_time(value) == (official and not value.endswith("\n"))


def test_time_zone_offset_matches_the_schema_pattern_everywhere() -> None:
    pattern = _DEFINITIONS["Event"]["properties"]["eventTimeZoneOffset"]["pattern"]
    for sign in "+-":
        for hours in range(100):
            for minutes in range(100):
                value = f"{sign}{hours:02d}:{minutes:02d}"
                assert is_time_zone_offset(value) == bool(re.search(pattern, value)), value


@given(st.text("AZ09az-\u0661 ", max_size=5))
@example("KGM")
def test_uom_matches_the_schema_pattern(value: str) -> None:
    assert is_uom(value) == bool(_pattern("uom").search(value))


@given(st.text("09afAFgG ", max_size=6))
@example("")
def test_hex_binary_matches_the_schema_pattern(value: str) -> None:
    assert is_hex_binary(value) == bool(_pattern("hexBinary").search(value))


@given(st.text("0123456789.a", max_size=8))
@example("2.0")
@example("2..0")
def test_version_matches_the_schema_pattern(value: str) -> None:
    assert is_version(value) == bool(_pattern("version").search(value))


@pytest.mark.parametrize("value", ["urn:epcglobal:cbv:bizstep:x", "https://ns.gs1.org/cbv/x",
                                   "http://ns.gs1.org/cbv/x", "urn:epcglobal:cbvx"])
def test_cbv_namespace_uris_are_not_other_uris(value: str) -> None:
    assert is_uri(value) and not is_other_uri(value)


@pytest.mark.parametrize("value", ["https://gs1.org/voc/x", "http://www.gs1.org/voc/x"])
def test_gs1_voc_uris_are_not_non_gs1_uris(value: str) -> None:
    assert is_uri(value) and not is_non_gs1_voc_uri(value)


@pytest.mark.parametrize(("check", "value"), [
    (is_uri, "urn:x\n"), (is_date_time, "2026-05-01T08:30:00Z\n"),
    (is_time_zone_offset, "+07:00\n"), (is_uom, "KGM\n"), (is_hex_binary, "0A\n"),
    (is_version, "2.0\n"), (is_version, "\u0662.\u0660"),
])
def test_stricter_than_the_schema(check: object, value: str) -> None:
    assert callable(check)
    assert check(value) is False
