"""The exception hierarchy, named after the EPCIS 2.0 standard's own exceptions.

Each class carries its HTTP status and problem type; one handler in the web layer renders
problem+json (RFC 9457) from any of them, and the CLI prints ``str(exc)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located precisely enough to fix it.

    ``path`` is a field path such as ``epcisBody.eventList[3].epcList[0]``. ``expected`` is
    English (the API's language); ``key`` and ``params``, when set, name the same text in the
    message catalogue (agritrace.web.texts_problems) so a page says it in the reader's language.
    """

    path: str
    expected: str
    found: str
    document: str | None = None
    event_index: int | None = None
    event_id: str | None = None
    line: int | None = None
    key: str | None = field(default=None, compare=False)
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    def located(
        self, *, document: str | None = None, event_index: int | None = None,
        event_id: str | None = None,
    ) -> Problem:
        """A copy with the location filled in where it was unknown."""
        return Problem(
            path=self.path,
            expected=self.expected,
            found=self.found,
            document=self.document if self.document is not None else document,
            event_index=self.event_index if self.event_index is not None else event_index,
            event_id=self.event_id if self.event_id is not None else event_id,
            line=self.line,
            key=self.key,
            params=self.params,
        )

    def message(self) -> str:
        where = []
        if self.document:
            where.append(self.document)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.event_index is not None:
            where.append(f"event {self.event_index}")
        if self.event_id:
            where.append(f"({self.event_id})")
        prefix = " ".join(where)
        text = f"{self.path}: expected {self.expected}, found {self.found}"
        return f"{prefix}: {text}" if prefix else text

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path, "expected": self.expected, "found": self.found,
        }
        for key in ("document", "event_index", "event_id", "line"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


class AgritraceError(Exception):
    """Base of every error we raise on purpose; never shown as a stack trace."""

    status: int = 500
    type_name: str = "ImplementationException"
    title: str = "Internal error"
    # Seconds a client should wait before trying again (a Retry-After header), if it should.
    retry_after_s: int | None = None

    def __init__(self, detail: str, problems: list[Problem] | None = None, *,
                 key: str | None = None, params: Mapping[str, object] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[Problem] = problems or []
        # The detail's text in the message catalogue, for a page in the reader's language.
        self.key = key
        self.params: Mapping[str, object] = params or {}

    def __str__(self) -> str:
        if not self.problems:
            return self.detail
        lines = [self.detail, *(f"  - {p.message()}" for p in self.problems[:50])]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)


class ValidationException(AgritraceError):
    status = 400
    type_name = "ValidationException"
    title = "The document is not valid EPCIS 2.0"


class QueryParameterException(AgritraceError):
    status = 400
    type_name = "QueryParameterException"
    title = "A query parameter is not valid"


class QueryTooLargeException(AgritraceError):
    status = 413
    type_name = "QueryTooLargeException"
    title = "The query would return more events than maxEventCount allows"


class NoSuchResourceException(AgritraceError):
    status = 404
    type_name = "NoSuchResourceException"
    title = "Not found"


class SecurityException(AgritraceError):
    status = 401
    type_name = "SecurityException"
    title = "Not authorised"


class ForbiddenException(SecurityException):
    status = 403
    title = "Forbidden"


class ConflictException(AgritraceError):
    status = 409
    type_name = "ConflictException"
    title = "Conflicts with stored data"


class CaptureLimitExceededException(AgritraceError):
    status = 413
    type_name = "CaptureLimitExceededException"
    title = "The document is too large"


class UnsupportedMediaTypeException(AgritraceError):
    status = 415
    type_name = "UnsupportedMediaTypeException"
    title = "Unsupported content type"


class StoreBusyException(AgritraceError):
    status = 503
    type_name = "ImplementationException"
    title = "The store is busy; try again shortly"
    retry_after_s = 10


class NotAcceptableException(AgritraceError):
    status = 406
    type_name = "NotAcceptableException"
    title = "Cannot answer in the requested format"


@dataclass
class ProblemList:
    """Collects problems while a whole input is checked, so all are reported at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, expected: str, found: object) -> None:
        self.items.append(Problem(path=path, expected=expected, found=describe(found)))

    def __bool__(self) -> bool:
        return bool(self.items)


def describe(value: object, limit: int = 80) -> str:
    """A short, safe rendering of a found value for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "an object"
    elif isinstance(value, list):
        text = f"a list of {len(value)}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
