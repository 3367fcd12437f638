"""Value and name normalisation for the CBV 2.0 event hash (see :mod:`agritrace.epcis.hashing`).

>>> value("urn:epcglobal:cbv:bizstep:shipping"), value("25.0"), value(True), value("gs1:Speed")
('https://ref.gs1.org/cbv/BizStep-shipping', '25', 'true', 'https://gs1.org/voc/Speed')
>>> time_value("2023-02-02T12:04:03.1415+01:00")
'2023-02-02T11:04:03.142Z'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from agritrace.epcis.cbv import VOCABULARIES, WEB_PREFIXES
from agritrace.ids.epc import lenient_id

_CURIES = (("gs1:", "https://gs1.org/voc/"), ("cbv:", "https://ref.gs1.org/cbv/"))
_URN_TO_WEB = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
# First characters of everything Python's float() accepts once stripped (digits, sign, dot,
# inf, nan); anything else skips the costly try.
_NUMBER_START = frozenset("0123456789+-.iInN")
_INFINITIES = (float("inf"), float("-inf"))


@lru_cache(maxsize=1 << 16)
def text_value(text: str) -> str:
    """A string value normalised: CURIE, CBV URN, number, GS1 identifier (cached)."""
    text = text.strip()
    for prefix, base in _CURIES:
        if text.startswith(prefix):
            text = base + text[len(prefix):]
    if "urn:epcglobal:cbv:" in text:
        for urn, web in _URN_TO_WEB:
            text = text.replace(urn, web)
    if text and text[0] in _NUMBER_START:
        text = _number_text(text)
    if text.startswith(("urn:epc:", "http")):
        return lenient_id(text)
    return text


def _number_text(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in _INFINITIES:
        return text
    return str(int(number)) if number == int(number) else str(number)


def value(item: Any) -> str:
    """Any JSON value as the pre-hash string writes it."""
    kind = type(item)
    if kind is str:
        return text_value(item)
    if kind is int:
        return str(item)
    if kind is bool:
        return "true" if item else "false"
    if kind is float:
        if item.is_integer():
            return str(int(item))
        return repr(item)  # the shortest repr, as float(str) gives; inf and nan kept
    return text_value(str(item))


def vocab_value(vocabulary: str, item: Any) -> str:
    """A CBV bare word as its Web URI, anything else as :func:`value`."""
    if isinstance(item, str) and item in VOCABULARIES[vocabulary]:
        return WEB_PREFIXES[vocabulary] + item
    return value(item)


@lru_cache(maxsize=1 << 14)
def time_value(text: str) -> str:
    """UTC, millisecond precision, ``Z``; the sub-millisecond part rounds half to even.

    Text that is not an ISO 8601 date-time is kept (stripped), as the reference does.
    """
    if len(text) == 24 and text[23] == "Z" and text[19] == "." and text[10] == "T":
        return text  # already canonical, or not a time at all: kept either way
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text.strip()
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    millis, rest = divmod(moment.microsecond, 1000)
    if rest > 500 or (rest == 500 and millis % 2):
        moment += timedelta(microseconds=1000 - rest)  # may carry into the second, and beyond
    # "milliseconds" truncates what is left below the millisecond; [:23] drops "+00:00".
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def name(key: str, namespaces: Mapping[str, str]) -> str:
    """``prefix:local`` as ``{namespace}local`` when the prefix is declared, else unchanged."""
    if ":" not in key:
        return key
    prefix, _, local = key.partition(":")
    namespace = namespaces.get(prefix)
    return key if namespace is None else f"{{{namespace}}}{local}"


def expanded_names(names: Iterable[str], namespaces: Mapping[str, str]) -> frozenset[str]:
    """Field names in both their written and their expanded form."""
    listed = frozenset(names)
    return listed | frozenset(name(n, namespaces) for n in listed)
