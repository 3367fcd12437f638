"""Compressed GS1 Digital Links (issue 12): GS1's published vectors, round trips, located errors.

The vectors are those of the .NET port of GS1's compression prototype
(github.com/Solidsoft-Reply/Gs1DigitalLinkLib, Tests/Features/DecompressGs1DigitalLink.feature
and CompressGs1DigitalLink.feature): compressed segment, and the uncompressed path it stands for.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agritrace.ids.compressed_link import (
    ALPHABET,
    OPTIMISATIONS,
    InvalidCompressedLink,
    _parts,
    compress,
    decompress,
    expand_path,
)
from agritrace.ids.gs1 import CSET82, InvalidIdentifier, check_digit

FULL = [
    ("AN2yxDhfaiaw", "/00/998440410914660971"),
    ("AQnYUc1gmg", "/01/05412345000013"),
    ("AQnYUc1gmiCNV4JG", "/01/05412345000013/10/ABC123"),
    ("AQnYUc1gmiCNV4JGQhcNT6K6c", "/01/05412345000013/10/ABC123/21/72292641703"),
    ("AQnYUc1gmiCNV4JGQhcNT6K6cibQCWN9Pee9tT-PQ",
     "/01/05412345000013/22/AJY3095721P49/10/ABC123/21/72292641703"),
    ("AQnYUc1gmiCNV4JGRNoBLG-nvPe2p_Ho", "/01/05412345000013/22/AJY3095721P49/10/ABC123"),
    ("AQnYUc1gmkax7ipGrOHDPC5YNI8hMz", "/01/05412345000013/235/8TFV883a904GH%263"),
    ("AQnYUc1gmkIXDU-iun", "/01/05412345000013/21/72292641703"),
    ("AQnYUc1gmkIXDU-iunIm0AljfT3nvbU_j0", "/01/05412345000013/22/AJY3095721P49/21/72292641703"),
    ("AQnYUc1gmkTaASxvp7z3tqfx6", "/01/05412345000013/22/AJY3095721P49"),
    ("JTLIetaiHYA", "/253/3060077601309"),
    ("JVUqG5hJ5wA", "/255/5678409730535"),
    ("QBl2DVoxZM2jVm3ZOWEFoxTR5HDgzZg", "/401/0541234537290A41%26GHpp33"),
    ("QCJZyW9mC6Z4", "/402/21173492661712079"),
    ("QUSaVjC_dA", "/414/5060917510004"),
    ("JUa0T-eifdtOO9UFEmlYwv3Q", "/414/5060917510004/254/RP56J920471"),
    ("QUSaVjC_dHBAVlCrg", "/414/5060917510004/7040/5KFX"),
    ("QXSaVjC_dA", "/417/5060917510004"),
    ("cEB2CqjAAkuwatGLJm0as27JywgtGKaPI4cGbM", "/8004/0541234537290A41%26GHpp33/7040/7BVR"),
    ("EEarwSMhC4an0V05E2gEsb6e897an8ewAMGAkftmjYEy",
     "/8006/054123450000130201/22/AJY3095721P49/10/ABC123/21/72292641703"),
    ("gAMJCAXukTMA", "/8003/04965031954585"),
    ("gAYMBI_bNGwJk", "/8006/054123450000130201"),
    ("gBCVYNWjFkzaNWbdk5YQWjFHHkM2cAI0xdvpGo", "/8010/0541234537290A41%23GH33/8011/6639047221"),
    ("gBN05060917511473062B98T", "/8013/5060917511473062B98T"),
    ("gBe1ajAd9ATDmAGXPRfk", "/8017/817019610850151481/8019/4003812"),
    ("gBhbV6rzBENPk", "/8018/411369833821910265"),
]
#: Partially compressed: the key stays in the path, the qualifiers are compressed.
PARTIAL = [
    ("/01/05412345000013/EEarwSM", "/01/05412345000013/10/ABC123"),
    ("/01/05412345000013/EEarwSMhC4an0V04", "/01/05412345000013/10/ABC123/21/72292641703"),
    ("/01/05412345000013/IQuGp9FdORNoBLG-nvPe2p_Ho",
     "/01/05412345000013/22/AJY3095721P49/21/72292641703"),
    ("/414/5060917510004/JUa0T-eifdtOO9Q", "/414/5060917510004/254/RP56J920471"),
]


def _pairs(path: str) -> list[tuple[str, str]]:
    parts = path.strip("/").split("/")
    return [(parts[i], unquote(parts[i + 1])) for i in range(0, len(parts), 2)]


@pytest.mark.parametrize(("segment", "path"), FULL)
def test_gs1_vectors_decompress_and_compress(segment: str, path: str) -> None:
    assert sorted(decompress(segment)) == sorted(_pairs(path))
    assert compress(_pairs(path)) == segment


@pytest.mark.parametrize(("compressed", "path"), PARTIAL)
def test_partially_compressed_vectors(compressed: str, path: str) -> None:
    # our canonical path leaves out a variant (22): records are per GTIN, lot and serial
    assert expand_path(compressed) == re.sub(r"/22/[^/]+", "", path)
    key, rest = _pairs(path)[0], _pairs(path)[1:]
    assert "/".join(("", *key, compress(rest))) == compressed


def test_resolver_keys_expand_to_the_canonical_path_and_attributes_to_the_query() -> None:
    assert expand_path("/AQnYUc1gmiCNV4JGQhcNT6K6cibQCWN9Pee9tT-PQ") == (
        "/01/05412345000013/10/ABC123/21/72292641703")  # 22 is left out, as uncompressed
    expiry = compress([("01", "05412345000013"), ("10", "L/1"), ("17", "290331")])
    assert expand_path("/" + expiry) == "/01/05412345000013/10/L%2F1?17=290331"
    assert expand_path("/gtin/5412345000013/EEarwSM") == "/01/05412345000013/10/ABC123"


def test_uncompressed_paths_are_not_read_as_compressed() -> None:
    for path in ("/01/05412345000013", "/01/05412345000013/10/ABC123", "/01/0541/10",
                 "/01/05412345000013/lot", "/a/b/c/d"):
        assert expand_path(path) is None, path


def _gtin(body: str) -> str:
    return body + str(check_digit(body))


_GTINS = st.from_regex(r"[0-9]{13}", fullmatch=True).map(_gtin)
_TEXT = st.text(alphabet=sorted(CSET82), max_size=20)
_ALNUM = st.text(alphabet=ALPHABET, max_size=20)


@settings(max_examples=200, deadline=None)
@given(gtin=_GTINS, lot=st.one_of(_TEXT, _ALNUM, st.from_regex(r"[0-9]{0,20}", fullmatch=True)),
       serial=_TEXT, expiry=st.from_regex(r"[0-9]{6}", fullmatch=True),
       optimise=st.booleans())
def test_round_trip_gtin_lot_serial_and_expiry(gtin: str, lot: str, serial: str, expiry: str,
                                               optimise: bool) -> None:
    pairs = [("01", gtin), ("10", lot), ("21", serial), ("17", expiry)]
    assert sorted(decompress(compress(pairs, optimise=optimise))) == sorted(pairs)


def _value(ai: str) -> st.SearchStrategy[str]:
    """Any value the AI's format allows, part by part."""
    parts = [st.text(alphabet="0123456789" if p.numeric else sorted(CSET82),
                     min_size=p.length if p.fixed else 0, max_size=p.length)
             for p in _parts(ai)]
    return st.tuples(*parts).map("".join)


@settings(max_examples=150, deadline=None)
@given(code=st.sampled_from(sorted(OPTIMISATIONS)), data=st.data())
def test_every_optimisation_code_round_trips(code: str, data: st.DataObject) -> None:
    pairs = [(ai, data.draw(_value(ai))) for ai in OPTIMISATIONS[code]]
    segment = compress(pairs, optimise=True)
    assert segment != compress(pairs)
    assert sorted(decompress(segment)) == sorted(pairs)


@pytest.mark.parametrize(("segment", "where", "says"), [
    ("AQnYUc1g", "compressed[1]", "the end of the link"),     # GTIN cut short
    ("AQnYUc1gmgA", "compressed[10]", "AI 00"),               # a stray character
    ("AQnYUc1gmh", "compressed[9]", "zero padding bits"),     # padding bits not zero
    ("_w", "compressed[0]", "an AI or an optimisation code"),  # code FF: nothing
    ("EEf", "compressed[2]", "the end of the link"),          # lot's length then nothing
    ("AQ=", "compressed", "URI-safe base 64"),
])
def test_malformed_segments_are_located(segment: str, where: str, says: str) -> None:
    with pytest.raises(InvalidCompressedLink) as caught:
        decompress(segment)
    problem = caught.value.problems[0]
    assert (problem.path, says in problem.expected + problem.found) == (where, True), problem


def test_a_decoded_gtin_with_a_wrong_check_digit_is_refused() -> None:
    segment = compress([("01", "05412345000014")])
    with pytest.raises(InvalidIdentifier, match="check digit"):
        expand_path("/" + segment)
