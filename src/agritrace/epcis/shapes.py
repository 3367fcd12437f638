"""Checks for the value shapes the EPCIS 2.0 JSON schema defines (its ``definitions``).

Each ``check_*`` function takes the :class:`Checker` collecting problems, a value and its path,
and reports what the official schema would reject there, in our own words. They are the building
blocks of :mod:`agritrace.epcis.validation`; the event-level structure lives there.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any

from agritrace.epcis import cbv
from agritrace.epcis.formats import (
    CBV_URI_PREFIXES,
    GS1_VOC_PREFIXES,
    TIME_RANGE,
    is_date_time,
    is_hex_binary,
    is_repeated_uri,
    is_uri,
    is_within_utc_years,
)
from agritrace.errors import Problem, describe

MAX_PROBLEMS = 100

URI = "an absolute URI, e.g. urn:epc:id:sgtin:0614141.107346.2017 or https://example.com/x"
TIME = "an ISO 8601 date-time with a time zone, e.g. 2026-05-01T08:30:00+07:00"
UOM = "a UN/ECE Recommendation 20 unit code: 2-3 capital letters or digits, e.g. KGM"
NUMBER = "a number"

# Prefixes every EPCIS 2.0 JSON-LD document has through the standard context.
STANDARD_PREFIXES: frozenset[str] = frozenset(
    {"epcis", "cbv", "cbvmda", "gs1", "rdfs", "owl", "xsd", "dcterms"}
)
# Schemes a key may use as an absolute URI rather than as a namespace prefix.
_URI_SCHEMES: frozenset[str] = frozenset({"urn", "http", "https", "tag"})

Check = Callable[["Checker", Any, str], None]


class Checker:
    """Collects the problems of one input, up to :data:`MAX_PROBLEMS`."""

    __slots__ = ("namespaces", "problems", "semantic", "xml")

    def __init__(self, namespaces: Collection[str], *, semantic: bool, xml: bool) -> None:
        self.problems: list[Problem] = []
        self.namespaces = namespaces
        self.semantic = semantic
        # Events read from XML are held to what the XSD allows where it is looser than JSON.
        self.xml = xml

    def add(self, path: str, expected: str, found: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(path=path, expected=expected, found=describe(found)))

    def extension_key(
        self, key: str, path: str, what: str, known: Collection[str] = (),
    ) -> None:
        """A key outside the standard fields: the schema wants a URI, we want a known prefix."""
        is_key_uri, prefix = _key_kind(key)
        if not is_key_uri:
            near = closest(key, known) if known else None
            hint = f" (closest: {near!r})" if near else ""
            self.add(path, f"{what}{hint} or an extension field written prefix:name", _key(key))
        elif self.semantic and prefix is not None and prefix not in self.namespaces:
            self._undeclared(key, path)

    def declared_prefix(self, key: str, path: str) -> None:
        prefix = _key_kind(key)[1]
        if prefix is not None and prefix not in self.namespaces:
            self._undeclared(key, path)

    def _undeclared(self, key: str, path: str) -> None:
        self.add(path, "a namespace prefix declared in the document's @context "
                 f"(declared: {', '.join(sorted(self.namespaces)) or 'none'})", _key(key))


@lru_cache(maxsize=1 << 12)
def _key_kind(key: str) -> tuple[bool, str | None]:
    """Whether a field name is a URI, and the prefix it needs declared (None: needs none).

    Field names recur in every event, so the answer is remembered.
    """
    prefix, _, rest = key.partition(":")
    if rest.startswith("//") or prefix in _URI_SCHEMES or prefix in STANDARD_PREFIXES:
        return is_uri(key), None
    return is_uri(key), prefix


def _key(key: str) -> str:
    return f"the field name {key!r}"


def closest(word: str, words: Collection[str]) -> str | None:
    """The most similar word in ``words``, if any is reasonably close.

    >>> closest("shiping", cbv.BIZ_STEPS)
    'shipping'
    """
    found = difflib.get_close_matches(word, list(words), n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(word.lower(), list(words), n=1, cutoff=0.6)
    return found[0] if found else None


def check_uri(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or not is_uri(value):
        c.add(path, URI, value)


def check_repeated_uri(c: Checker, value: Any, path: str) -> None:
    """A URI field whose values recur across events (a location, a class, a device)."""
    if type(value) is not str or not is_repeated_uri(value):
        c.add(path, URI, value)


def check_time(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or not is_date_time(value):
        c.add(path, TIME, value)
    elif not is_within_utc_years(value):
        c.add(path, TIME_RANGE, value)


def check_string(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str:
        c.add(path, "a string", value)


def check_number(c: Checker, value: Any, path: str) -> None:
    if type(value) not in (int, float):
        c.add(path, NUMBER, value)


def check_boolean(c: Checker, value: Any, path: str) -> None:
    if type(value) is not bool:
        c.add(path, "true or false", value)


def check_hex(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or not is_hex_binary(value):
        c.add(path, "hexadecimal digits, e.g. 0A1B", value)


def check_object(c: Checker, value: Any, path: str) -> bool:
    if type(value) is not dict:
        c.add(path, "an object", value)
        return False
    return True


def check_list(c: Checker, value: Any, path: str, min_items: int = 0) -> bool:
    if type(value) is not list:
        c.add(path, "a list", value)
        return False
    if len(value) < min_items:
        c.add(path, f"a list of at least {min_items}", value)
    return True


def check_uri_list(c: Checker, value: Any, path: str, *, unique: bool = False) -> None:
    if type(value) is list and _all_uris(value) and (not unique or len(set(value)) == len(value)):
        return
    if not check_list(c, value, path):
        return
    for i, item in enumerate(value):
        if type(item) is not str or not is_uri(item):
            c.add(f"{path}[{i}]", URI, item)
    if unique:
        check_unique(c, value, path)


def _all_uris(items: list[Any]) -> bool:
    """Whether every item is a URI string (a plain loop: all() over a generator is slower)."""
    for item in items:  # noqa: SIM110
        if type(item) is not str or not is_uri(item):
            return False
    return True


def check_unique(c: Checker, items: list[Any], path: str) -> None:
    """No two entries equal, as JSON Schema compares them (true is not 1; 1 is 1.0)."""
    try:
        if len(set(items)) == len(items):
            return
    except TypeError:
        pass  # unhashable entries: compared one by one below
    scalars: set[tuple[type, Any]] = set()
    nested: list[Any] = []
    for i, item in enumerate(items):
        if isinstance(item, (dict, list)):
            duplicate = any(_same(item, earlier) for earlier in nested)
            nested.append(item)
        else:
            key = (bool if type(item) is bool else str if type(item) is str else float, item)
            duplicate = key in scalars
            scalars.add(key)
        if duplicate:
            c.add(f"{path}[{i}]", "each entry only once", item)


def _same(a: Any, b: Any) -> bool:
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if type(a) is dict and type(b) is dict:
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if type(a) is list and type(b) is list:
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def _vocab_check(vocabulary: str, uri_prefixes: tuple[str, ...]) -> Check:
    words = cbv.VOCABULARIES[vocabulary]
    noun = "GS1 Web Vocabulary term" if uri_prefixes is GS1_VOC_PREFIXES else "CBV word"
    label = f"a {noun}"

    def check(c: Checker, value: Any, path: str) -> None:
        if type(value) is not str:
            c.add(path, f"{label} or a URI, as a string", value)
        elif value in words:
            return
        elif not is_repeated_uri(value):
            near = closest(value, words)
            hint = f" (closest: {near!r})" if near else ""
            c.add(path, f"{label} for {vocabulary}{hint} or an absolute URI", value)
        elif value.startswith(uri_prefixes):
            word = cbv.bare_word(vocabulary, value)
            if word is not None and c.xml:
                return
            near = word or closest(value.rsplit(":", 1)[-1].rsplit("/", 1)[-1], words)
            hint = f" {near!r}" if near else ""
            c.add(path, f"the bare {noun}{hint}: JSON writes standard {vocabulary} values "
                  "without their URI prefix", value)

    return check


check_biz_step = _vocab_check("bizStep", CBV_URI_PREFIXES)
check_disposition = _vocab_check("disposition", CBV_URI_PREFIXES)
check_btt = _vocab_check("bizTransactionType", CBV_URI_PREFIXES)
check_sdt = _vocab_check("sourceDestType", CBV_URI_PREFIXES)
check_error_reason = _vocab_check("errorReason", CBV_URI_PREFIXES)
check_component = _vocab_check("component", CBV_URI_PREFIXES)
check_measurement_type = _vocab_check("measurementType", GS1_VOC_PREFIXES)
check_alert_type = _vocab_check("sensorAlertType", GS1_VOC_PREFIXES)


def check_closed(
    c: Checker, value: Any, path: str, fields: dict[str, Check], required: tuple[str, ...],
) -> None:
    """An object with exactly the given fields (schema: additionalProperties false)."""
    if not check_object(c, value, path):
        return
    for key, item in value.items():
        check = fields.get(key)
        if check is None:
            c.add(f"{path}.{key}", f"only the fields {', '.join(fields)}", _key(key))
        else:
            check(c, item, f"{path}.{key}")
    for key in required:
        if key not in value:
            c.add(f"{path}.{key}", f"{key} (required)", None)


def check_open(
    c: Checker, value: Any, path: str, fields: dict[str, Check], required: tuple[str, ...],
    what: str,
) -> bool:
    """An object with the given fields plus extension fields (schema: propertyNames)."""
    if not check_object(c, value, path):
        return False
    for key, item in value.items():
        check = fields.get(key)
        if check is None:
            c.extension_key(key, f"{path}.{key}", what)
        else:
            check(c, item, f"{path}.{key}")
    for key in required:
        if key not in value:
            c.add(f"{path}.{key}", f"{key} (required)", None)
    return True
