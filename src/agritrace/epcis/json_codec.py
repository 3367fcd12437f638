"""The EPCIS 2.0 JSON-LD binding: read (streaming for large inputs) and write (streaming).

Reading keeps every value as sent. Small inputs are parsed whole with orjson; a file or
stream larger than ``WHOLE_LIMIT`` is read twice with ijson's C backend — a first pass for the
header, a second that yields events one at a time — so a million-event document never sits in
memory. A non-seekable stream is first spooled to a temporary file.

>>> doc = read_json(b'{"type": "EPCISDocument", "schemaVersion": "2.0", '
...                 b'"epcisBody": {"eventList": [{"type": "ObjectEvent"}]}}', "d.json")
>>> doc.kind, doc.header, list(doc.events)
('EPCISDocument', {'schemaVersion': '2.0'}, [{'type': 'ObjectEvent'}])
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import ijson  # type: ignore[import-untyped]
import orjson

from agritrace.epcis.document import STANDARD_CONTEXT, Document, Event
from agritrace.errors import Problem, ValidationException, describe

Source = bytes | str | Path | IO[bytes]

# Above this many bytes a file or stream is streamed instead of parsed whole.
WHOLE_LIMIT = 16 * 1024 * 1024

KINDS = ("EPCISDocument", "EPCISQueryDocument")
_EVENTS_PREFIX = {
    "EPCISDocument": "epcisBody.eventList",
    "EPCISQueryDocument": "epcisBody.queryResults.resultsBody.eventList",
}
_CONTEXT_KEYS = ("@context", "type", "epcisBody")


def read_json(source: Source, name: str) -> Document:
    """Read an EPCIS JSON-LD document or query document; events are yielded lazily."""
    if isinstance(source, str):
        return _from_object(_loads(source.encode(), name), name)
    if isinstance(source, bytes):
        return _from_object(_loads(source, name), name)
    if isinstance(source, Path):
        if source.stat().st_size <= WHOLE_LIMIT:
            return _from_object(_loads(source.read_bytes(), name), name)
        return _stream(source.open("rb"), name)
    return _read_stream(source, name)


def _read_stream(stream: IO[bytes], name: str) -> Document:
    head = stream.read(WHOLE_LIMIT + 1)
    if len(head) <= WHOLE_LIMIT:
        return _from_object(_loads(head, name), name)
    # The spool is closed by the event iterator once the events have been read.
    spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
    spool.write(head)
    shutil.copyfileobj(stream, spool, 1024 * 1024)
    spool.seek(0)
    return _stream(spool, name)


def _loads(data: bytes, name: str) -> Any:
    try:
        root = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        reason = exc.msg
        if "depth" in reason or "ecursion" in reason:
            raise _too_deep(name, exc.lineno) from None
        raise _malformed(name, reason, exc.lineno) from None
    try:
        # A tenth of the parse: the store writes each event with orjson.
        written = orjson.dumps(root)
    except TypeError as exc:
        if "ecursion" in str(exc):
            raise _too_deep(name, None) from None
    else:
        if not _same_strings(data, written):
            _refuse_repeated_keys(data, name)
    return root


# A repeated key is read as its last value, the earlier silently lost (RFC 8259 §4: names
# "SHOULD be unique"; the EPCIS schema's objects have one value per name). Found without a
# second parse: orjson writes every key and string the input held, less those of a repeated
# key, so the written text holds fewer quotes. It may hold more, never fewer, for a quote the
# input escaped as \u0022; those are counted in. Any other difference is looked at closely.
_ESCAPED_QUOTE = re.compile(rb"\\u0022", re.IGNORECASE)


def _same_strings(data: bytes, written: bytes) -> bool:
    sent = data.count(b'"')
    if b"\\u" in data:
        sent += len(_ESCAPED_QUOTE.findall(data))
    return written.count(b'"') == sent


class _Repeated(dict[str, Any]):
    """An object read with a repeated key (the key kept aside to name it)."""

    repeated = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    marked = _Repeated(found)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.repeated = key
            break
        seen.add(key)
    return marked


def _refuse_repeated_keys(data: bytes, name: str) -> None:
    """Raise a problem naming the first repeated key and where it is, if there is one."""
    try:
        root = json.loads(data, object_pairs_hook=_pairs)
    except ValueError:  # read by orjson, not by this parser: no repeated key was found
        return
    found = _first_repeated(root, "")
    if found is None:
        return
    path, key, index = found
    problem = Problem(path=path, expected="each key once in an object (a repeated key's "
                      "earlier value would be silently lost)", found=f"{key!r} more than once",
                      document=name, event_index=index)
    raise ValidationException(f"{name}: a key is repeated in an object", [problem])


def _first_repeated(value: Any, path: str, index: int | None = None
                    ) -> tuple[str, str, int | None] | None:
    if isinstance(value, _Repeated):
        return (f"{path}.{value.repeated}" if path else value.repeated), value.repeated, index
    items: Any = (value.items() if isinstance(value, dict)
                  else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
        at = key if isinstance(key, int) and path.endswith("eventList") else index
        found = _first_repeated(item, where, at)
        if found is not None:
            return found
    return None


# orjson writes JSON nested at most this deep (objects and arrays together, the root counting
# one); events are stored as orjson writes them, so a deeper document is refused when read.
MAX_NESTING = 254


def _too_deep(name: str, line: int | None) -> ValidationException:
    problem = Problem(path="", expected=f"JSON nested at most {MAX_NESTING} objects or arrays "
                      "deep", found="a deeper document", document=name, line=line)
    return ValidationException(f"{name} is nested too deeply", [problem])


def _malformed(name: str, reason: str, line: int | None, index: int | None = None) -> Exception:
    problem = Problem(path="", expected="well-formed JSON", found=reason, document=name,
                      line=line, event_index=index)
    return ValidationException(f"{name} is not well-formed JSON", [problem])


def _not_epcis(name: str, found: str, path: str = "") -> ValidationException:
    problem = Problem(path=path or "type", expected="an EPCISDocument or EPCISQueryDocument object",
                      found=found, document=name)
    return ValidationException(f"{name} is not an EPCIS document", [problem])


def _kind_of(root: Any, name: str) -> str:
    if not isinstance(root, dict):
        raise _not_epcis(name, describe(root), path="(root)")
    kind = root.get("type")
    if kind not in KINDS:
        raise _not_epcis(name, describe(kind))
    return str(kind)


def _split_context(context: Any) -> tuple[dict[str, str], list[Any]]:
    """@context string entries become namespaces; anything else is kept as sent."""
    entries = context if isinstance(context, list) else [context] if context else []
    namespaces: dict[str, str] = {}
    extras: list[Any] = []
    for entry in entries:
        if entry == STANDARD_CONTEXT:
            continue
        if not isinstance(entry, dict):
            extras.append(entry)
            continue
        rest = {}
        for key, value in entry.items():
            if isinstance(value, str) and not key.startswith("@") and ":" not in key:
                namespaces[key] = value
            else:
                rest[key] = value
        if rest:
            extras.append(rest)
    return namespaces, extras


def _make(kind: str, head: dict[str, Any], events: Iterator[Event], name: str,
          results: dict[str, Any]) -> Document:
    if "@context" not in head:
        # The schema requires it, and the validator never sees it: the codec consumes it.
        raise ValidationException(f"{name}: not an EPCIS 2.0 JSON-LD document", [Problem(
            "@context", f'a JSON-LD context that starts with "{STANDARD_CONTEXT}"', "nothing",
            document=name)])
    _check_body(kind, head.get("epcisBody", _ABSENT), name)
    _check_context(head["@context"], name)
    namespaces, extras = _split_context(head.get("@context"))
    header = {k: v for k, v in head.items() if k not in _CONTEXT_KEYS}
    return Document(kind=kind, namespaces=namespaces, header=header, events=events, name=name,
                    context_extras=extras, query_name=results.get("queryName"),
                    subscription_id=results.get("subscriptionID"))


_ABSENT = object()


def _check_context(context: Any, name: str) -> None:
    """The codec consumes @context, so it checks its shape: a URI, an object, or a list of
    them (the schema's); a stray value such as ``[false]`` would otherwise pass unseen."""
    entries = context if isinstance(context, list) else [context]
    for index, entry in enumerate(entries):
        if not isinstance(entry, str | dict) or (isinstance(entry, str) and ":" not in entry):
            path = f"@context[{index}]" if isinstance(context, list) else "@context"
            raise ValidationException(f"{name}: the @context is not valid", [Problem(
                path, "a context URI or an object", describe(entry), document=name)])


def _check_body(kind: str, body: Any, name: str) -> None:
    """The official JSON schema requires the body, and a capture document's body its event
    list: a document without them is no EPCIS document (not one that holds no events)."""
    expected = ("an epcisBody object holding the eventList" if kind == "EPCISDocument"
                else "an epcisBody object holding the queryResults")
    if not isinstance(body, dict):
        found = "nothing" if body is _ABSENT else describe(body)
        raise ValidationException(f"{name}: the document has no body", [Problem(
            "epcisBody", expected, found, document=name)])
    if kind == "EPCISDocument" and "eventList" not in body:
        raise ValidationException(f"{name}: the document's body has no event list", [Problem(
            "epcisBody.eventList", "a list of events (empty if there are none)", "nothing",
            document=name)])


def _from_object(root: Any, name: str) -> Document:
    kind = _kind_of(root, name)
    body = root.get("epcisBody")
    results: dict[str, Any] = {}
    if kind == "EPCISQueryDocument":
        results = _dig(body, ("queryResults",))
        events = _dig(results, ("resultsBody",)).get("eventList", [])
    else:
        events = _dig(body, ()).get("eventList", [])
    if not isinstance(events, list):
        raise _not_epcis(name, describe(events), path=_EVENTS_PREFIX[kind])
    return _make(kind, root, _checked_events(events, name, kind), name, results)


def _dig(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _checked_events(events: Iterable[Any], name: str, kind: str) -> Iterator[Event]:
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            problem = Problem(path=f"{_EVENTS_PREFIX[kind]}[{index}]", expected="an event object",
                              found=describe(event), document=name, event_index=index)
            raise ValidationException(f"{name}: an event is not an object", [problem])
        yield event


# --- streaming ------------------------------------------------------------------------------

_TAIL = 4096


def _stream(handle: IO[bytes], name: str) -> Document:
    head, kind = _scan_header(handle, name)
    prefix = _EVENTS_PREFIX[kind]
    results = head.get("epcisBody", {}).get("queryResults", {})
    return _make(kind, head, _stream_events(handle, name, kind, prefix), name, results)


def _scan_header(handle: IO[bytes], name: str) -> tuple[dict[str, Any], str]:
    """Everything but the event list, with the events skipped without being built."""
    builder = ijson.ObjectBuilder()
    lists = {prefix: kind for kind, prefix in _EVENTS_PREFIX.items()}
    skipping = item = ""
    index = -1
    try:
        for prefix, event, value in ijson.parse(handle, use_float=True):
            if skipping:
                if prefix == item and event not in ("end_map", "end_array", "map_key"):
                    index += 1
                elif prefix == skipping and event == "end_array":
                    builder.event("end_array", None)
                    skipping = ""
                continue
            builder.event(event, value)
            if event == "start_array" and prefix in lists:
                if _tail_is_closing(handle, lists[prefix]):
                    builder.event("end_array", None)
                    break
                skipping, item = prefix, prefix + ".item"
    except ijson.JSONError as exc:
        raise _malformed(name, str(exc), None, index if skipping else None) from None
    root = builder.value
    # After an early stop the builder holds the body as far as the list; that is all there is.
    return root, _kind_of(root, name)


_CLOSING = {"EPCISDocument": 2, "EPCISQueryDocument": 4}


def _tail_is_closing(handle: IO[bytes], kind: str) -> bool:
    """Whether the document visibly ends with the event list, so no header key follows it.

    Asked when the list starts, so that a large document is not tokenised twice: documents
    written by machines put the body last. The list must close right after an event object (or
    be empty) and only the body's and the root's braces may follow. Only a header key placed
    after the body whose value is an object ending in a list of objects could pass for that; no
    EPCIS header field has that shape. Otherwise the header scan reads past the list.
    """
    here = handle.tell()
    size = handle.seek(0, io.SEEK_END)
    handle.seek(max(0, size - _TAIL))
    tail = handle.read()
    handle.seek(here)
    closing = rb"[\[}]\s*\]\s*" + rb"\}\s*" * _CLOSING[kind] + rb"\Z"
    return re.search(closing, tail) is not None


def _stream_events(handle: IO[bytes], name: str, kind: str, prefix: str) -> Iterator[Event]:
    handle.seek(0)
    index = 0
    try:
        for event in ijson.items(handle, prefix + ".item", use_float=True):
            if not isinstance(event, dict):
                problem = Problem(path=f"{prefix}[{index}]", expected="an event object",
                                  found=describe(event), document=name, event_index=index)
                raise ValidationException(f"{name}: an event is not an object", [problem])
            yield event
            index += 1
    except ijson.JSONError as exc:
        raise _malformed(name, str(exc), None, index) from None
    finally:
        handle.close()


# --- writing --------------------------------------------------------------------------------


def iter_json(
    events: Iterable[Event], *, header: dict[str, Any] | None = None,
    namespaces: dict[str, str] | None = None, context_extras: list[Any] | None = None,
    kind: str = "EPCISDocument", query_name: str | None = None,
    subscription_id: str | None = None,
) -> Iterator[bytes]:
    """Render a document as chunks of UTF-8 JSON, one event at a time."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    context: list[Any] = [STANDARD_CONTEXT]
    context += [{prefix: uri} for prefix, uri in (namespaces or {}).items()]
    context += context_extras or []
    root: dict[str, Any] = {"@context": context, "type": kind}
    root.update((k, v) for k, v in (header or {}).items() if k not in _CONTEXT_KEYS)
    opening = orjson.dumps(root)[:-1] + b',"epcisBody":{'
    closing = b"]}}"
    if kind == "EPCISQueryDocument":
        results: dict[str, Any] = {}
        if subscription_id is not None:
            results["subscriptionID"] = subscription_id
        results["queryName"] = query_name or "SimpleEventQuery"
        opening += b'"queryResults":' + orjson.dumps(results)[:-1] + b',"resultsBody":{'
        closing += b"}}"
    yield opening + b'"eventList":['
    first = True
    for event in events:
        yield (b"" if first else b",") + orjson.dumps(event)
        first = False
    yield closing


def write_json(events: Iterable[Event], **options: Any) -> bytes:
    """The whole document as bytes; see ``iter_json`` for the options."""
    return b"".join(iter_json(events, **options))


def document_to_json(doc: Document) -> Iterator[bytes]:
    """Render a read Document back as JSON chunks."""
    return iter_json(doc.events, header=doc.header, namespaces=doc.namespaces,
                     context_extras=doc.context_extras, kind=doc.kind,
                     query_name=doc.query_name, subscription_id=doc.subscription_id)
