"""Compressed GS1 Digital Link paths: decompression, and compression for the round trip.

The GS1 Digital Link URI syntax (1.2 and later, section "Compression of GS1 Digital Link URIs")
lets a label carry a shorter link: its AI/value pairs packed into bits and written in the
URI-safe base 64 alphabet (RFC 4648 section 5) as one path segment, either the whole path
(``https://id.gs1.org/AQnYUc1gmiCNV4JG``) or after an uncompressed primary key
(``/01/05412345000013/EEarwSM``, "partially compressed").

The bits are a sequence of elements. Each starts with 8 bits read as two hexadecimal digits:

* two decimal digits begin an AI; the AI's length (2, 3 or 4 digits) follows from those two
  (GS1 General Specifications), and its further digits come 4 bits each;
* anything else is an optimisation code standing for a fixed sequence of AIs (table below).

Each AI's value follows in the parts its format gives (biip's table of GS1 AIs): a fixed-length
number in the fewest bits that hold it; a variable-length number after a length field; an
alphanumeric part after a 3-bit encoding indicator (and a length field when variable), each
character then in 4 (hexadecimal), 6 (base 64) or 7 (ASCII) bits, or all digits as one number.
A length field holds the largest length the format allows. The last character is padded with
zero bits.

>>> expand_path("/AQnYUc1gmiCNV4JG")
'/01/05412345000013/10/ABC123'
>>> compress([("01", "05412345000013"), ("10", "ABC123")])
'AQnYUc1gmiCNV4JG'

Where the GS1 prototype (gs1/GS1DigitalLinkCompressionPrototype) drops the leading zeros of a
value written as one number ("007" read back as "7"), this module keeps them: the length field
says how many digits there are. Non-GS1 key=value pairs (the standard's "F" elements) are not
read: such a link is answered as not decodable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as _AI_TABLE

from agritrace.errors import Problem
from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import InvalidIdentifier

#: URI-safe base 64 (RFC 4648 section 5), the characters of a compressed segment.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_HEX = "0123456789ABCDEF"

# Encoding indicators of an alphanumeric part (3 bits), GS1 Digital Link URI syntax,
# "Compression", encoding of alphanumeric values. Tried in this order when writing.
_NUMBER, _HEX_LOWER, _HEX_UPPER, _BASE64, _ASCII = 0, 1, 2, 3, 4
_CHARSETS = ((_NUMBER, re.compile(r"[0-9]+")), (_HEX_UPPER, re.compile(r"[0-9A-F]+")),
             (_HEX_LOWER, re.compile(r"[0-9a-f]+")), (_BASE64, _SEGMENT))

#: Optimisation codes: one 8-bit code for a common sequence of AIs (GS1 Digital Link URI
#: syntax, "Compression", table of optimisations; as in GS1's compression prototype).
OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"),
    "0E": ("01", "7003"), "0F": ("01", "30"), "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"), "1C": ("01", "11"), "1D": ("01", "16"), "1E": ("01", "91"),
    "1F": ("01", "10", "15"),
    **{f"2{c}": ("01", f"310{i}") for i, c in enumerate("ABCDEF")},
    **{f"3{c}": ("01", f"320{i}") for i, c in enumerate("ABCDEF")},
    "9A": ("8010", "8011"), "9B": ("8017", "8019"), "9C": ("8018", "8019"),
    "9D": ("414", "254"),
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{c}": ("255", f"394{i}") for i, c in enumerate("ABCD")},
}

#: The AIs a resolver path carries (key and qualifiers); other AIs go to the query string.
_PATH_AIS = frozenset({"00", "01", "414", "10", "21", "22", "254"})
_PARTIAL_KEYS = {"01": "01", "00": "00", "414": "414", "gtin": "01", "sscc": "00",
                 "gln": "414"}
_NOT_COMPRESSED = frozenset({"lot", "ser", "cpv", "glnx"})


class InvalidCompressedLink(InvalidIdentifier):
    """A path segment that looks like a compressed Digital Link but does not decode."""

    title = "The compressed GS1 Digital Link does not decode"


@dataclass(frozen=True, slots=True)
class _Part:
    numeric: bool
    length: int  # the fixed length, or the longest a variable part may be
    fixed: bool


@cache
def _ai_length(first_two: str) -> int | None:
    """How many digits an AI starting with these two has (GS1 General Specifications)."""
    return next((len(ai) for ai in _AI_TABLE if ai[:2] == first_two), None)


@cache
def _parts(ai: str) -> tuple[_Part, ...]:
    """The value's parts from biip's format, e.g. ``N3+N13[+X..17]`` → N13, X..17.

    An optional part (in brackets) is written with a length field, like a variable one;
    consecutive fixed-length numbers are one number (ITIP's N14+N2+N2 is 18 digits).
    """
    parts: list[_Part] = []
    for optional, kind, dots, size in re.findall(r"(\[?)\+?([NXYZ])(\.\.)?(\d+)",
                                                 _AI_TABLE[ai].format)[1:]:
        part = _Part(kind == "N", int(size), not (optional or dots))
        if parts and part.numeric and part.fixed and parts[-1].numeric and parts[-1].fixed:
            part = _Part(True, parts.pop().length + part.length, True)
        parts.append(part)
    return tuple(parts)


def _number_bits(digits: int) -> int:
    # The standard's formula, float and all: 59 digits take 197 bits, one more than needed.
    return math.ceil(digits * math.log2(10) + 0.01)


# -- reading -------------------------------------------------------------------------------


class _Reader:
    def __init__(self, segment: str) -> None:
        self.segment = segment
        self.bits = "".join(f"{ALPHABET.index(c):06b}" for c in segment)
        self.pos = 0

    def fail(self, expected: str, found: str, at: int | None = None) -> InvalidCompressedLink:
        char = (self.pos if at is None else at) // 6
        return InvalidCompressedLink(
            f"Invalid compressed GS1 Digital Link {self.segment!r} at character {char + 1}: "
            f"expected {expected}, found {found}.",
            [Problem(path=f"compressed[{char}]", expected=expected, found=found)])

    def take(self, count: int, what: str) -> int:
        if self.pos + count > len(self.bits):
            raise self.fail(what, "the end of the link")
        value = int(self.bits[self.pos:self.pos + count] or "0", 2)
        self.pos += count
        return value


def decompress(segment: str) -> list[tuple[str, str]]:
    """The (AI, value) pairs a compressed segment holds, in the order written.

    >>> decompress("AN2yxDhfaiaw")
    [('00', '998440410914660971')]
    """
    if not _SEGMENT.fullmatch(segment):
        raise InvalidCompressedLink(
            f"Invalid compressed GS1 Digital Link {segment!r}: expected only the characters "
            "A-Z a-z 0-9 - _.", [Problem(path="compressed", expected="URI-safe base 64",
                                         found=repr(segment[:40]))])
    reader = _Reader(segment)
    pairs: list[tuple[str, str]] = []
    while len(reader.bits) - reader.pos >= 6:
        start = reader.pos
        code = _HEX[reader.take(4, "an AI")] + _HEX[reader.take(4, "an AI")]
        if code.isdigit():
            ai = _read_ai(reader, code, start)
            pairs.append((ai, _read_value(reader, ai)))
        elif code in OPTIMISATIONS:
            pairs.extend((ai, _read_value(reader, ai)) for ai in OPTIMISATIONS[code])
        else:
            raise reader.fail("an AI or an optimisation code", repr(code), start)
    if "1" in reader.bits[reader.pos:]:
        raise reader.fail("zero padding bits", repr(reader.bits[reader.pos:]))
    if not pairs:
        raise reader.fail("at least one AI", "none")
    return pairs


def _read_ai(reader: _Reader, first_two: str, start: int) -> str:
    length = _ai_length(first_two)
    if length is None:
        raise reader.fail("a GS1 Application Identifier", repr(first_two), start)
    ai = first_two
    for _ in range(length - 2):
        digit = reader.take(4, f"the digits of AI {ai}…")
        if digit > 9:
            raise reader.fail("a decimal digit of an AI", _HEX[digit], reader.pos - 4)
        ai += str(digit)
    if ai not in _AI_TABLE:
        raise reader.fail("a GS1 Application Identifier", repr(ai), start)
    return ai


def _read_value(reader: _Reader, ai: str) -> str:
    value = ""
    for part in _parts(ai):
        what = f"the value of AI {ai}"
        if part.numeric:
            digits = part.length if part.fixed else _read_length(reader, part, ai)
            value += _read_number(reader, digits, what)
            continue
        encoding = reader.take(3, f"the encoding of AI {ai}")
        chars = part.length if part.fixed else _read_length(reader, part, ai)
        value += _read_chars(reader, encoding, chars, what)
    return value


def _read_length(reader: _Reader, part: _Part, ai: str) -> int:
    at = reader.pos
    length = reader.take(part.length.bit_length(), f"the length of AI {ai}")
    if length > part.length:
        raise reader.fail(f"at most {part.length} characters in AI {ai}", str(length), at)
    return length


def _read_number(reader: _Reader, digits: int, what: str) -> str:
    at = reader.pos
    text = str(reader.take(_number_bits(digits), what)).zfill(digits)
    if len(text) > digits and digits:
        raise reader.fail(f"{digits} digits in {what}", text, at)
    return text if digits else ""


def _read_chars(reader: _Reader, encoding: int, count: int, what: str) -> str:
    if encoding == _NUMBER:
        return _read_number(reader, count, what)
    if encoding in (_HEX_LOWER, _HEX_UPPER):
        text = "".join(_HEX[reader.take(4, what)] for _ in range(count))
        return text.lower() if encoding == _HEX_LOWER else text
    if encoding == _BASE64:
        return "".join(ALPHABET[reader.take(6, what)] for _ in range(count))
    if encoding == _ASCII:
        return "".join(chr(reader.take(7, what)) for _ in range(count))
    raise reader.fail("an encoding indicator 0 to 4", str(encoding), reader.pos - 3)


# -- writing -------------------------------------------------------------------------------


def compress(pairs: list[tuple[str, str]], *, optimise: bool = False) -> str:
    """The compressed segment for these pairs: AIs in ascending order, as GS1's own tools
    write them; with ``optimise``, sequences in :data:`OPTIMISATIONS` take one code each."""
    values = dict(pairs)
    bits: list[str] = []
    left = sorted(values)
    while optimise and (codes := [c for c, ais in OPTIMISATIONS.items()
                                  if set(ais) <= set(left)]):
        code = max(codes, key=lambda c: len("".join(OPTIMISATIONS[c])))
        bits.append("".join(f"{_HEX.index(h):04b}" for h in code))
        bits.extend(_value_bits(ai, values[ai]) for ai in OPTIMISATIONS[code])
        left = [ai for ai in left if ai not in OPTIMISATIONS[code]]
    for ai in left:
        bits.append("".join(f"{int(d):04b}" for d in ai) + _value_bits(ai, values[ai]))
    joined = "".join(bits)
    joined += "0" * (-len(joined) % 6)
    return "".join(ALPHABET[int(joined[i:i + 6], 2)] for i in range(0, len(joined), 6))


def _value_bits(ai: str, value: str) -> str:
    if ai not in _AI_TABLE:
        raise ValueError(f"unknown AI {ai!r}")
    out, rest = "", value
    for part in _parts(ai):
        text, rest = (rest[:part.length], rest[part.length:]) if part.fixed else (rest, "")
        if (part.fixed and len(text) != part.length) or len(text) > part.length:
            raise ValueError(f"AI {ai}: {value!r} does not fit {_AI_TABLE[ai].format}")
        size = "" if part.fixed else f"{len(text):0{part.length.bit_length()}b}"
        if part.numeric:
            if text and not text.isdigit():
                raise ValueError(f"AI {ai}: expected digits, found {text!r}")
            out += size + _number(text)
            continue
        encoding = next((e for e, chars in _CHARSETS if chars.fullmatch(text)), _ASCII)
        out += f"{encoding:03b}" + size + _chars(encoding, text)
    if rest:
        raise ValueError(f"AI {ai}: {value!r} is longer than {_AI_TABLE[ai].format}")
    return out


def _number(digits: str) -> str:
    return f"{int(digits or '0'):0{_number_bits(len(digits))}b}"


def _chars(encoding: int, text: str) -> str:
    if encoding == _NUMBER:
        return _number(text)
    if encoding in (_HEX_LOWER, _HEX_UPPER):
        return "".join(f"{_HEX.index(c.upper()):04b}" for c in text)
    if encoding == _BASE64:
        return "".join(f"{ALPHABET.index(c):06b}" for c in text)
    if any(ord(c) > 127 for c in text):
        raise ValueError(f"{text!r} has characters outside 7-bit ASCII")
    return "".join(f"{ord(c):07b}" for c in text)


# -- the resolver's view -------------------------------------------------------------------


def _starts_like_compressed(segment: str) -> bool:
    """Whether a lone path segment opens as a compressed link does: with an AI or an
    optimisation code. A mistyped page name (``/dashbord``) stays a 404, not a 400."""
    if len(segment) < 2 or not _SEGMENT.fullmatch(segment):
        return False
    code = f"{ALPHABET.index(segment[0]) * 4 + ALPHABET.index(segment[1]) // 16:02X}"
    return code in OPTIMISATIONS or (code.isdigit() and _ai_length(code) is not None)


def expand_path(path: str) -> str | None:
    """The canonical uncompressed path (and query, for data attributes such as ``17``) of a
    compressed request path; None when the path is not compressed.

    A whole path of one segment, or a primary key and its value followed by one more segment,
    is read as compressed; a segment that does not decode raises
    :class:`InvalidCompressedLink`, a decoded link that breaks a GS1 rule (a check digit)
    :class:`InvalidIdentifier`.

    >>> expand_path("/01/05412345000013/EEarwSM")
    '/01/05412345000013/10/ABC123'
    >>> expand_path("/01/05412345000013/10/ABC123") is None
    True
    """
    segments = path.split("?", 1)[0].strip("/").split("/")
    if len(segments) == 1 and _starts_like_compressed(segments[0]):
        pairs = decompress(segments[0])
    elif (len(segments) == 3 and segments[0] in _PARTIAL_KEYS
          and _SEGMENT.fullmatch(segments[2]) and not segments[2].isdigit()
          and segments[2] not in _NOT_COMPRESSED):
        pairs = [(_PARTIAL_KEYS[segments[0]], segments[1]), *decompress(segments[2])]
    else:
        return None
    link = DigitalLink.from_pairs([(ai, v) for ai, v in pairs if ai in _PATH_AIS],
                                  source=path)
    attributes = "&".join(f"{ai}={quote(value, safe='')}"
                          for ai, value in sorted(pairs) if ai not in _PATH_AIS)
    return link.path + (f"?{attributes}" if attributes else "")


__all__ = ["ALPHABET", "OPTIMISATIONS", "InvalidCompressedLink", "compress", "decompress",
           "expand_path"]
