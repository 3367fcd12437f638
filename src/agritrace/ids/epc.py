"""EPC URNs and GS1 Digital Links -> one canonical identifier string.

Every identifier the store indexes goes through :func:`canonical_id`. An EPC pure-identity URN
(GS1 TDS 2.0: sgtin, sscc, sgln, grai, giai, gsrn, gsrnp, gdti, cpi, sgcn, ginc, gsin, itip,
upui, pgln), an EPC class URN (lgtin), an EPC id pattern that names one class (sgtin, grai,
gdti, sgcn, cpi, itip, upui with a trailing ``*``) and a GS1 Digital Link on any host all become
the canonical Digital Link on ``https://id.gs1.org``, the same form the CBV 2.0 event hash uses:

- uncompressed, AI codes rather than short names (``/gtin/`` -> ``/01/``), GTINs padded to 14;
- only the finest level of identification: a CPV (AI 22) is dropped, and a lot (AI 10) is
  dropped when a serial (AI 21) is present; no query string or fragment;
- values percent-encoded one way: escapes are decoded, then ``! " # % & ( ) * + , / : < > ?``
  and space are encoded with upper-case hex (so ``ab!`` and ``ab%21`` agree).

Anything else (other URIs, other URN schemes, patterns such as ``urn:epc:idpat:sscc:*``) is
returned unchanged.

>>> canonical_id("urn:epc:id:sgtin:0614141.107346.2017")
'https://id.gs1.org/01/10614141073464/21/2017'
>>> canonical_id("https://example.com/gtin/10614141073464/10/L1/21/2017?x=1")
'https://id.gs1.org/01/10614141073464/21/2017'
>>> canonical_id("urn:epc:id:sgln:0614141.07346.0")
'https://id.gs1.org/414/0614141073467'
>>> canonical_id("https://example.com/about")
'https://example.com/about'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from agritrace.errors import Problem, ValidationException

CANONICAL_HOST = "https://id.gs1.org"

_HEX = frozenset("0123456789ABCDEFabcdef")
# GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1).
_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# GS1 AI encodable character set 39, used by the CPI.
_CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Characters an EPC URN may carry unescaped (TDS 2.0 section 6.3; '%' starts an escape).
_URN_CHARS = frozenset(
    "!%'()*+,-.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# URN characters that stand for themselves in every character set and in a Digital Link.
_PLAIN = frozenset("'-.0123456789;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
# Characters a Digital Link value must carry percent-encoded (GS1 Digital Link 1.x, table 7-1,
# plus those an EPC URN already escapes).
_ENCODE = {c: f"%{ord(c):02X}" for c in "!\"#%&()*+,/:<>? "}

# Short names of GS1 Digital Link 1.x and the AI each stands for.
_SHORT_NAMES = {
    "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417",
    "gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253",
    "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004",
    "cpv": "22", "lot": "10", "ser": "21",
}
# Primary-key AIs and the qualifier AIs each may carry, in the standard's order.
_QUALIFIERS: dict[str, tuple[str, ...]] = {
    "01": ("22", "10", "21", "235"), "8006": ("22", "10", "21"), "8010": ("8011",),
    "414": ("254",), "417": (), "8017": (), "8018": (), "255": (), "00": (), "253": (),
    "401": (), "402": (), "8003": (), "8004": (),
}


class InvalidIdentifier(ValidationException):
    """A GS1 identifier (EPC URN or Digital Link) that is malformed."""

    title = "The identifier is not a valid GS1 identifier"


def canonical_id(uri: str, *, path: str = "identifier") -> str:
    """The canonical GS1 Digital Link for a GS1 URN or Digital Link, else ``uri`` unchanged.

    Raises :class:`InvalidIdentifier` for a malformed GS1 URN or Digital Link (wrong digit
    count, bad character, bad check digit in a Digital Link), naming the value.

    >>> canonical_id("urn:epc:id:sscc:0614141.1234567890")
    'https://id.gs1.org/00/106141412345678908'
    >>> canonical_id("urn:epc:id:gsin:4012345.22233344")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    agritrace.ids.epc.InvalidIdentifier: Invalid GS1 identifier 'urn:epc:id:gsin:4012345.22233344'
      - identifier: expected company prefix and shipper reference of 16 digits together, ...
    """
    result, problem = _convert(uri)
    if problem is not None:
        expected, found = problem
        raise InvalidIdentifier(
            f"Invalid GS1 identifier {uri!r}",
            [Problem(path=path, expected=expected, found=found)],
        )
    return uri if result is None else result


def lenient_id(uri: str) -> str:
    """The canonical form when one can be built, else ``uri`` unchanged; never raises.

    This is what the event hash uses: a malformed URN is hashed as written, and a Digital Link
    with a wrong check digit is still normalised (as the reference implementation does).

    >>> lenient_id("urn:epc:id:sgtin:0614141.10734.1")
    'urn:epc:id:sgtin:0614141.10734.1'
    """
    result = _convert(uri)[0]
    return uri if result is None else result


def is_gs1_id(uri: str) -> bool:
    """True when ``uri`` is a well-formed GS1 URN or Digital Link that has a canonical form.

    >>> is_gs1_id("urn:epc:id:pgln:4000001.00000"), is_gs1_id("urn:example:x")
    (True, False)
    """
    result, problem = _convert(uri)
    return result is not None and problem is None


def check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for a key without its check digit.

    >>> check_digit("061414107346")
    7
    """
    # ASCII digits by their code points: int() per character was about 5 % of checking and
    # hashing an event that names an SSCC (callgrind); anything else takes int()'s answer.
    total, weight = 0, 3  # weights 3, 1, 3, … from the right-most digit
    for at in range(len(digits) - 1, -1, -1):
        value = ord(digits[at]) - 48
        if not 0 <= value <= 9:
            return _check_digit_of_text(digits)
        total += value * weight
        weight = 4 - weight
    return -total % 10


def _check_digit_of_text(digits: str) -> int:
    """Digits of any script, as int() reads them; ValueError for anything else."""
    backwards = digits[::-1]
    return -(3 * sum(map(int, backwards[::2])) + sum(map(int, backwards[1::2]))) % 10


_Outcome = tuple[str | None, tuple[str, str] | None]


@lru_cache(maxsize=1 << 16)
def _convert(uri: str) -> _Outcome:
    """(canonical form or None, problem or None), cached: identifiers repeat a lot."""
    if uri.startswith("urn:epc:"):
        return _from_urn(uri)
    if uri.startswith(("https://", "http://")):
        return _from_digital_link(uri)
    return None, None


class _BadPartError(Exception):
    """A part of an identifier that is wrong: what was expected, what was found."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(expected)
        self.expected = expected
        self.found = found


def _cp_ref(cp: str, ref: str, total: int, name: str) -> str:
    """Company prefix + reference, checked: 6-12 digit prefix, ``total`` digits together."""
    if not (6 <= len(cp) <= 12 and is_digits(cp) and len(cp) + len(ref) == total
            and (not ref or is_digits(ref))):
        raise _BadPartError(f"company prefix and {name} of {total} digits together",
                            repr(f"{cp}.{ref}"))
    return cp + ref


@lru_cache(maxsize=1 << 12)
def _gtin(cp: str, item: str) -> str:
    """GTIN-14 from company prefix and indicator + item reference (TDS 2.0 section 6.3.1).

    Cached apart from whole identifiers: serials and lots are new each time, products are not.
    """
    _cp_ref(cp, item, 13, "item reference")
    raw = item[0] + cp + item[1:]  # a prefix has at most 12 digits, so item is never empty
    return raw + str(check_digit(raw))


def _keyed(cp: str, ref: str, total: int, name: str, lead: str = "") -> str:
    raw = lead + _cp_ref(cp, ref, total, name)
    return raw + str(check_digit(raw))


def _text(value: str, limit: int, name: str, cset: frozenset[str] = _CSET82,
          minimum: int = 1) -> str:
    """A serial-like value checked against its character set and length, Digital Link encoded."""
    if cset is _CSET82 and _PLAIN.issuperset(value) and minimum <= len(value) <= limit:
        return value  # nothing to decode, check or encode: the common case
    decoded = decode_value(value)
    if not (minimum <= len(decoded) <= limit and in_cset(decoded, cset)
            and in_cset(value, _URN_CHARS)):
        raise _BadPartError(f"{name} of {minimum}-{limit} characters of the GS1 character set",
                   repr(value))
    return encode_value(decoded)


def _number(value: str, limit: int, name: str) -> str:
    if not (len(value) <= limit and (value == "" or is_digits(value))):
        raise _BadPartError(f"{name} of up to {limit} digits", repr(value))
    return value


def _free_key(cp: str, ref: str, name: str, cset: frozenset[str] = _CSET82) -> str:
    """GIAI, GINC, CPI: a company prefix and up to 30 characters in all."""
    if not (6 <= len(cp) <= 12 and is_digits(cp)):
        raise _BadPartError("company prefix of 6-12 digits", repr(cp))
    return encode_value(cp + decode_value(_text(ref, 30 - len(cp), name, cset)))


_Builder = Callable[[list[str]], str]

# scheme -> (number of dot-separated parts, builder of the path after the host).
_ID_SCHEMES: dict[str, tuple[int, _Builder]] = {
    "sgtin": (3, lambda p: f"/01/{_gtin(p[0], p[1])}/21/{_text(p[2], 20, 'serial')}"),
    "sscc": (2, lambda p: f"/00/{_sscc(p[0], p[1])}"),
    "sgln": (3, lambda p: _sgln(p)),
    "grai": (3, lambda p: f"/8003/{_keyed(p[0], p[1], 12, 'asset type', '0')}"
             f"{_text(p[2], 16, 'serial')}"),
    "giai": (2, lambda p: f"/8004/{_free_key(p[0], p[1], 'asset reference')}"),
    "gsrn": (2, lambda p: f"/8018/{_keyed(p[0], p[1], 17, 'service reference')}"),
    "gsrnp": (2, lambda p: f"/8017/{_keyed(p[0], p[1], 17, 'service reference')}"),
    "gdti": (3, lambda p: f"/253/{_keyed(p[0], p[1], 12, 'document type')}"
             f"{_text(p[2], 17, 'serial')}"),
    "cpi": (3, lambda p: f"/8010/{_free_key(p[0], p[1], 'component reference', _CSET39)}"
            f"/8011/{_number(p[2], 12, 'serial') or _fail('serial of 1-12 digits', p[2])}"),
    "sgcn": (3, lambda p: f"/255/{_keyed(p[0], p[1], 12, 'coupon reference')}"
             f"{_number(p[2], 12, 'serial')}"),
    "ginc": (2, lambda p: f"/401/{_free_key(p[0], p[1], 'consignment reference')}"),
    "gsin": (2, lambda p: f"/402/{_keyed(p[0], p[1], 16, 'shipper reference')}"),
    "itip": (5, lambda p: f"/8006/{_gtin(p[0], p[1])}{_pair(p[2], 'piece')}"
             f"{_pair(p[3], 'total')}/21/{_text(p[4], 20, 'serial')}"),
    "upui": (3, lambda p: f"/01/{_gtin(p[0], p[1])}/235/{_text(p[2], 28, 'TPX')}"),
    "pgln": (2, lambda p: f"/417/{_keyed(p[0], p[1], 12, 'party reference')}"),
}
# EPC id patterns that name exactly one class: the part before the trailing ".*".
_PATTERN_SCHEMES: dict[str, tuple[int, _Builder]] = {
    "sgtin": (2, lambda p: f"/01/{_gtin(p[0], p[1])}"),
    "grai": (2, lambda p: f"/8003/{_keyed(p[0], p[1], 12, 'asset type', '0')}"),
    "gdti": (2, lambda p: f"/253/{_keyed(p[0], p[1], 12, 'document type')}"),
    "sgcn": (2, lambda p: f"/255/{_keyed(p[0], p[1], 12, 'coupon reference')}"),
    "cpi": (2, lambda p: f"/8010/{_free_key(p[0], p[1], 'component reference', _CSET39)}"),
    "itip": (4, lambda p: f"/8006/{_gtin(p[0], p[1])}{_pair(p[2], 'piece')}"
             f"{_pair(p[3], 'total')}"),
    "upui": (2, lambda p: f"/01/{_gtin(p[0], p[1])}"),
}
_LGTIN: tuple[int, _Builder] = (
    3, lambda p: f"/01/{_gtin(p[0], p[1])}/10/{_text(p[2], 20, 'lot')}"
)


def _sscc(cp: str, ref: str) -> str:
    _cp_ref(cp, ref, 17, "serial reference")
    raw = ref[0] + cp + ref[1:]  # the extension digit leads
    return raw + str(check_digit(raw))


def _sgln(p: list[str]) -> str:
    gln = _keyed(p[0], p[1], 12, "location reference")
    if p[2] == "0":
        return f"/414/{gln}"
    return f"/414/{gln}/254/{_text(p[2], 20, 'extension')}"


def _pair(value: str, name: str) -> str:
    if len(value) != 2 or not is_digits(value):
        raise _BadPartError(f"{name} of 2 digits", repr(value))
    return value


def _fail(expected: str, found: str) -> str:
    raise _BadPartError(expected, repr(found))


def _from_urn(uri: str) -> _Outcome:
    if uri.startswith("urn:epc:id:"):
        scheme, _, body = uri[11:].partition(":")
        spec = _ID_SCHEMES.get(scheme)
    elif uri.startswith("urn:epc:class:lgtin:"):
        scheme, body, spec = "lgtin", uri[20:], _LGTIN
    elif uri.startswith("urn:epc:idpat:"):
        scheme, _, body = uri[14:].partition(":")
        spec = _PATTERN_SCHEMES.get(scheme)
        if spec is None or not body.endswith(".*") or body.count("*") != 1:
            return None, None
        body = body[:-2]
    else:
        return None, None
    if spec is None:
        return None, None
    count, build = spec
    parts = body.split(".", count - 1)
    if len(parts) != count:
        return None, (f"{count} dot-separated parts after 'urn:epc:…:{scheme}:'", repr(body))
    try:
        return CANONICAL_HOST + build(parts), None
    except _BadPartError as bad:
        return None, (bad.expected, bad.found)


def encode_value(decoded: str) -> str:
    """A decoded key or qualifier value as the canonical Digital Link writes it.

    >>> encode_value("6789/&%!")
    '6789%2F%26%25%21'
    """
    if not any(c in _ENCODE for c in decoded):
        return decoded
    return "".join(_ENCODE.get(c, c) for c in decoded)


def decode_value(text: str) -> str:
    """Percent-escapes decoded; a ``%`` not followed by two hex digits is kept literally."""
    if "%" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(chr(int(text[i + 1 : i + 3], 16)))
            i += 3
        else:
            out.append(char)
            i += 1
    return "".join(out)


def is_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` alone accepts other scripts)."""
    return text.isascii() and text.isdigit()


def in_cset(text: str, cset: frozenset[str]) -> bool:
    return cset.issuperset(text)




def _key_value(ai: str, value: str) -> tuple[str, tuple[str, str] | None]:
    """The canonical key value and a problem (None when valid); raises when unusable."""
    if ai == "01":
        if not (is_digits(value) and len(value) in (8, 12, 13, 14)):
            raise _BadPartError("GTIN of 8, 12, 13 or 14 digits", repr(value))
        value = value.zfill(14)
        return value, _check(value, "GTIN")
    fixed = _FIXED_KEYS.get(ai)
    if fixed is not None:
        length, name = fixed
        if not (len(value) == length and is_digits(value)):
            raise _BadPartError(f"{name} of {length} digits", repr(value))
        return value, _check(value if ai != "8006" else value[:14], name)
    if ai in ("253", "255", "8003"):
        head, limit, name = {"253": (13, 17, "GDTI"), "255": (13, 12, "GCN"),
                             "8003": (14, 16, "GRAI")}[ai]
        key, serial = value[:head], value[head:]
        if not (len(key) == head and is_digits(key) and len(serial) <= limit
                and (ai != "255" or serial == "" or is_digits(serial))
                and in_cset(serial, _CSET82)):
            raise _BadPartError(f"{name} of {head} digits and up to {limit} serial characters",
                       repr(value))
        return key + encode_value(serial), _check(key, name)
    cset = _CSET39 if ai == "8010" else _CSET82
    if not (1 <= len(value) <= 30 and in_cset(value, cset)):
        raise _BadPartError(f"AI ({ai}) value of 1-30 characters", repr(value))
    return encode_value(value), None


_FIXED_KEYS = {
    "00": (18, "SSCC"), "414": (13, "GLN"), "417": (13, "GLN"), "8017": (18, "GSRN-P"),
    "8018": (18, "GSRN"), "402": (17, "GSIN"), "8006": (18, "ITIP"),
}
_QUALIFIER_LIMITS = {"22": 20, "10": 20, "21": 20, "235": 28, "254": 20, "8011": 12}


def _check(digits: str, name: str) -> tuple[str, str] | None:
    expected = check_digit(digits[:-1])
    if ord(digits[-1]) - 48 == expected:
        return None
    return (f"{name} check digit {expected}", f"{digits[-1]} in {digits!r}")


def _find_key(segments: list[str]) -> int:
    """Index of the primary key's AI in the path segments, or -1."""
    for i in range(len(segments) - 1):
        ai = _SHORT_NAMES.get(segments[i], segments[i])
        if ai in _QUALIFIERS and is_digits(segments[i + 1][:4]) and len(segments[i + 1]) >= 4:
            return i
    return -1


def _from_digital_link(uri: str) -> _Outcome:
    end = len(uri)
    for mark in "?#":
        at = uri.find(mark)
        if 0 <= at < end:
            end = at
    slash = uri.find("/", uri.index("//") + 2)
    if slash < 0 or slash > end:
        return None, None
    segments = uri[slash + 1 : end].split("/")
    start = _find_key(segments)
    if start < 0:
        return None, None
    if segments[-1] == "":
        segments.pop()  # a trailing slash
    ai = _SHORT_NAMES.get(segments[start], segments[start])
    rest = segments[start + 2 :]
    try:
        key, problem = _key_value(ai, decode_value(segments[start + 1]))
        qualifiers = _qualifiers(ai, rest)
    except _BadPartError as bad:
        return None, (bad.expected, bad.found)
    qualifiers.pop("22", None)
    if "21" in qualifiers:
        qualifiers.pop("10", None)
    tail = "".join(f"/{q}/{qualifiers[q]}" for q in _QUALIFIERS[ai] if q in qualifiers)
    return f"{CANONICAL_HOST}/{ai}/{key}{tail}", problem


def _qualifiers(ai: str, rest: list[str]) -> dict[str, str]:
    if len(rest) % 2:
        raise _BadPartError(f"qualifier/value pairs after the ({ai}) key", repr("/".join(rest)))
    found: dict[str, str] = {}
    for i in range(0, len(rest), 2):
        q = _SHORT_NAMES.get(rest[i], rest[i])
        value = decode_value(rest[i + 1])
        limit = _QUALIFIER_LIMITS.get(q)
        if q not in _QUALIFIERS[ai] or limit is None:
            raise _BadPartError(f"a qualifier of ({ai}) among {_QUALIFIERS[ai]}", repr(rest[i]))
        ok = is_digits(value) if q == "8011" else in_cset(value, _CSET82)
        if not (ok and 1 <= len(value) <= limit):
            raise _BadPartError(f"AI ({q}) value of 1-{limit} characters", repr(rest[i + 1]))
        found[q] = encode_value(value)
    return found
