"""GS1 Digital Link URIs on any host, and the element strings they are equivalent to.

The keys we use are a GTIN with optional lot and serial, an SSCC, and a GLN with an optional
extension (AI 254)::

    https://<host>[/<prefix>]/01/<GTIN-14>[/10/<lot>][/21/<serial>]
    https://<host>[/<prefix>]/00/<SSCC>
    https://<host>[/<prefix>]/414/<GLN>[/254/<extension>]

Parsing is lenient where the GS1 Digital Link standard lets a resolver be (GTIN-8/12/13 widened
to 14 digits, the convenience names ``gtin``/``lot``/``ser``/``sscc``/``gln``/``glnx``, a path
prefix before the key, a trailing slash) and strict where it is not (check digits, the order
of qualifiers, GS1 character set 82, 20 characters at most). ``link.path`` is always the
canonical uncompressed path, so a resolver redirects whenever the request path differs.

A consumer product variant (AI 22, ``/01/…/22/V1/10/…``) is accepted and checked (GS1
character set 82, 20 characters at most) but is not part of ``link.path``: our records are per
GTIN, lot and serial, so a resolver redirects to the same path without it.

The query string is ignored: on a resolver it carries ``linkType`` and friends, and the data
attributes it may carry (``?17=…``) are not part of the key.

>>> link = DigitalLink.parse("https://trace.example.vn/01/8931234567897/10/LOT%2F26/21/X7K9")
>>> link.path
'/01/08931234567897/10/LOT%2F26/21/X7K9'
>>> link.element_string()
'(01)08931234567897(10)LOT/26(21)X7K9'
>>> DigitalLink.from_element_string("(01)08931234567897(10)LOT/26(21)X7K9") == link
True
>>> link.uri("http://127.0.0.1:8000")
'http://127.0.0.1:8000/01/08931234567897/10/LOT%2F26/21/X7K9'

biip (installed) parses Digital Links too, and the tests check that we agree with it; it is not
used here because it only writes ``https`` URIs (our development base URL is ``http``), accepts
every GS1 primary key (we answer for three), and its messages do not say which segment failed.
biip does supply the check digits and the GS1 prefix table, in :mod:`agritrace.ids.gs1`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self
from urllib.parse import quote, unquote, urlsplit

from agritrace.ids.gs1 import (
    Gln,
    GlnExtension,
    Gtin,
    InvalidIdentifier,
    Lot,
    Serial,
    Sscc,
    invalid_identifier,
)

Key = Gtin | Sscc | Gln

#: The canonical host of GS1's global resolver (GS1 Digital Link URI syntax, canonical form).
GS1_CANONICAL_BASE = "https://id.gs1.org"

_KEY_AIS = {"01": "GTIN", "00": "SSCC", "414": "GLN"}
#: Qualifiers allowed after each key, in the only order the standard allows.
_QUALIFIERS: dict[str, tuple[str, ...]] = {"01": ("22", "10", "21"), "00": (),
                                           "414": ("254",)}
_ALIASES = {"gtin": "01", "sscc": "00", "gln": "414", "lot": "10", "ser": "21", "glnx": "254",
            "cpv": "22"}
# A "%" that does not start an escape: unquote() would keep it, and the lot would redirect to
# "%25…", a different lot from the one the label meant.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_FIXED_LENGTH = {"00": 18, "01": 14, "414": 13}
_VARIABLE = ("10", "21", "254")
_GS = "\x1d"  # FNC1 as transmitted by a scanner: ends a variable-length value
_HRI_AI = re.compile(r"\((00|01|10|21|254|414)\)")
_SYMBOLOGY_ID = re.compile(r"^\][A-Za-z][0-9]")
_KEY_LIST = "01 (GTIN), 00 (SSCC) or 414 (GLN)"


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """One identified thing: a GTIN (with lot and/or serial), an SSCC or a GLN (+ extension)."""

    key: Key
    lot: Lot | None = None
    serial: Serial | None = None
    extension: GlnExtension | None = None

    def __post_init__(self) -> None:
        if (self.lot or self.serial) and not isinstance(self.key, Gtin):
            raise invalid_identifier("key", "A lot or serial qualifies a GTIN only.", "a GTIN",
                        type(self.key).__name__)
        if self.extension and not isinstance(self.key, Gln):
            raise invalid_identifier("key", "A GLN extension (254) qualifies a GLN only.", "a GLN",
                        type(self.key).__name__)

    @classmethod
    def for_gtin(cls, gtin: str, lot: str | None = None, serial: str | None = None) -> Self:
        """Build from plain strings, validating each.

        >>> DigitalLink.for_gtin("8931234567897", "L1", "S1").path
        '/01/08931234567897/10/L1/21/S1'
        """
        return cls(
            Gtin.parse(gtin),
            Lot.parse(lot) if lot is not None else None,
            Serial.parse(serial) if serial is not None else None,
        )

    # -- reading -------------------------------------------------------------------------

    @classmethod
    def parse(cls, uri: str) -> Self:
        """Read a Digital Link URI (any host, http or https) or just its path."""
        path = _path_of(uri)
        segments = path.split("/")[1:]
        if len(segments) > 1 and segments[-1] == "":
            segments.pop()
        start = next((i for i, s in enumerate(segments) if _ai_name(s) in _KEY_AIS), None)
        if start is None:
            raise invalid_identifier(
                "path",
                f"Invalid GS1 Digital Link {uri!r}: expected a primary key {_KEY_LIST} "
                f"in the path, found {path!r}.",
                f"a primary key {_KEY_LIST}", repr(path),
            )
        pairs = segments[start:]
        if len(pairs) % 2:
            raise invalid_identifier(
                f"/{pairs[-1]}",
                f"Invalid GS1 Digital Link {uri!r}: expected a value after {pairs[-1]!r}, "
                "found the end of the path.",
                "AI/value pairs", f"{pairs[-1]!r} without a value",
            )
        for i in range(0, len(pairs), 2):
            if _BAD_ESCAPE.search(pairs[i + 1]):
                ai = _ai_name(pairs[i])
                raise invalid_identifier(
                    f"/{ai}",
                    f"Invalid GS1 Digital Link {uri!r}: expected '%' followed by two "
                    f"hexadecimal digits in the value of {ai}, found {pairs[i + 1]!r}.",
                    "percent-escapes as '%' and two hexadecimal digits", repr(pairs[i + 1]),
                )
        decoded = [(_ai_name(pairs[i]), unquote(pairs[i + 1])) for i in range(0, len(pairs), 2)]
        return cls._from_pairs(decoded, source=uri, ordered=True)

    @classmethod
    def from_element_string(cls, text: str) -> Self:
        """Read ``(01)…(10)…(21)…`` or the unbracketed form a scanner sends (FNC1 as GS).

        >>> DigitalLink.from_element_string("]Q3010893123456789710L1\\x1d21S1").path
        '/01/08931234567897/10/L1/21/S1'
        """
        text = _SYMBOLOGY_ID.sub("", text)
        pairs = _hri_pairs(text) if text.startswith("(") else _raw_pairs(text)
        return cls._from_pairs(pairs, source=text, ordered=False)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], *, source: str) -> Self:
        """Build from (AI, value) pairs in any order, e.g. a decompressed link's."""
        return cls._from_pairs(pairs, source=source, ordered=False)

    @classmethod
    def _from_pairs(cls, pairs: list[tuple[str, str]], *, source: str, ordered: bool) -> Self:
        keys = [(ai, value) for ai, value in pairs if ai in _KEY_AIS]
        if len(keys) != 1:
            found = ", ".join(ai for ai, _ in keys) or "none"
            raise invalid_identifier(
                "key",
                f"Invalid GS1 identifier {source!r}: expected exactly one primary key "
                f"{_KEY_LIST}, found {found}.",
                "exactly one primary key", found,
            )
        key_ai, key_value = keys[0]
        qualifiers = [(ai, value) for ai, value in pairs if ai != key_ai]
        _check_qualifiers(key_ai, [ai for ai, _ in qualifiers], source, ordered=ordered)
        by_ai = dict(qualifiers)
        if "22" in by_ai:  # checked, then left out: our records are per GTIN, lot and serial
            Lot.parse(by_ai["22"], field="/22")
        return cls(
            _parse_key(key_ai, key_value),
            Lot.parse(by_ai["10"], field="/10") if "10" in by_ai else None,
            Serial.parse(by_ai["21"], field="/21") if "21" in by_ai else None,
            GlnExtension.parse(by_ai["254"], field="/254") if "254" in by_ai else None,
        )

    # -- writing -------------------------------------------------------------------------

    @property
    def key_ai(self) -> str:
        return {Gtin: "01", Sscc: "00", Gln: "414"}[type(self.key)]

    def pairs(self) -> list[tuple[str, str]]:
        """The (AI, value) pairs in canonical order: the key, then its qualifiers."""
        out = [(self.key_ai, self.key.value)]
        for ai, part in (("10", self.lot), ("21", self.serial), ("254", self.extension)):
            if part is not None:
                out.append((ai, part.value))
        return out

    @property
    def path(self) -> str:
        """The canonical uncompressed path: numeric AIs, GTIN-14, percent-encoded values."""
        return "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in self.pairs())

    def uri(self, base_url: str) -> str:
        """This link on a host, e.g. our own ``AGRITRACE_BASE_URL`` (a path prefix is kept)."""
        return _normalise_base(base_url) + self.path

    def canonical_uri(self) -> str:
        """The GS1 canonical form, on ``id.gs1.org``; equal links give equal strings."""
        return GS1_CANONICAL_BASE + self.path

    def element_string(self) -> str:
        """The human-readable element string, as printed under a barcode."""
        return "".join(f"({ai}){value}" for ai, value in self.pairs())

    def barcode_data(self) -> str:
        """The unbracketed element string with GS (FNC1) after each variable-length value."""
        parts = []
        for ai, value in self.pairs():
            parts.append(ai + value)
            if ai in _VARIABLE:
                parts.append(_GS)
        return "".join(parts).rstrip(_GS)

    def __str__(self) -> str:
        return self.canonical_uri()


def is_canonical(uri: str) -> bool:
    """True when the URI's path is already the canonical path (no redirect needed).

    >>> is_canonical("https://x.vn/01/8931234567897"), is_canonical("https://x.vn/01/08931234567897")
    (False, True)
    """
    return _path_of(uri).endswith(DigitalLink.parse(uri).path)


def _path_of(uri: str) -> str:
    if uri.startswith("/"):
        return uri.split("?", 1)[0].split("#", 1)[0]
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid_identifier(
            "uri",
            f"Invalid GS1 Digital Link {uri!r}: expected an http or https URI or a path "
            "starting with '/'.",
            "an http(s) URI", repr(uri),
        )
    return parts.path or "/"


def _normalise_base(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise invalid_identifier(
            "base_url",
            f"Invalid base URL {base_url!r}: expected http(s)://host[:port][/prefix].",
            "http(s)://host[:port][/prefix]", repr(base_url),
        )
    return base_url.rstrip("/")


def _ai_name(segment: str) -> str:
    return _ALIASES.get(segment, segment)


def _parse_key(ai: str, value: str) -> Key:
    field = f"/{ai}"
    if ai == "01":
        return Gtin.parse(value, field=field)
    if ai == "00":
        return Sscc.parse(value, field=field)
    return Gln.parse(value, field=field)


def _check_qualifiers(key_ai: str, found: list[str], source: str, *, ordered: bool) -> None:
    allowed = _QUALIFIERS[key_ai]
    names = ", ".join(allowed)
    wanted = f"qualifiers {names}" if allowed else "no qualifier"
    for ai in found:
        if ai not in allowed:
            raise invalid_identifier(
                f"/{ai}",
                f"Invalid GS1 identifier {source!r}: after {key_ai} ({_KEY_AIS[key_ai]}) "
                f"expected {wanted}, found {ai!r}.",
                wanted, repr(ai),
            )
    if len(set(found)) != len(found) or (
        ordered and found != sorted(found, key=allowed.index)
    ):
        raise invalid_identifier(
            "path",
            f"Invalid GS1 Digital Link {source!r}: expected each qualifier once in the "
            f"order {names}, found {', '.join(found)}.",
            f"order {names}", ", ".join(found),
        )


def _hri_pairs(text: str) -> list[tuple[str, str]]:
    # A value may itself hold parentheses (set 82 allows them); only "(AI)" for an AI we
    # accept starts a new element, so a value containing e.g. "(10)" cannot be read back.
    marks = list(_HRI_AI.finditer(text))
    if not marks or marks[0].start() != 0:
        raise invalid_identifier(
            "element_string",
            f"Invalid element string {text!r}: expected '(' AI ')' value, with AIs 00, 01, "
            "10, 21, 254, 414.",
            "(AI)value…", repr(text[:20]),
        )
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [(m.group(1), text[m.end() : end]) for m, end in zip(marks, ends, strict=True)]


def _raw_pairs(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    rest = text
    while rest:
        ai = next((a for a in (*_FIXED_LENGTH, *_VARIABLE) if rest.startswith(a)), None)
        if ai is None:
            raise invalid_identifier(
                "element_string",
                f"Invalid element string {text!r}: expected an AI 00, 01, 10, 21, 254 or 414, "
                f"found {rest[:4]!r}.",
                "AI 00, 01, 10, 21, 254 or 414", repr(rest[:4]),
            )
        rest = rest[len(ai) :]
        if ai in _FIXED_LENGTH:
            value, rest = rest[: _FIXED_LENGTH[ai]], rest[_FIXED_LENGTH[ai] :]
        else:
            value, _, rest = rest.partition(_GS)
        pairs.append((ai, value))
        rest = rest.removeprefix(_GS)
    return pairs


__all__ = ["GS1_CANONICAL_BASE", "DigitalLink", "InvalidIdentifier", "Key", "is_canonical"]
