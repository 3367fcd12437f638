"""What /openapi.json says about the EPCIS routes: request bodies, every answer and its media
types, so that a client generated from it (or schemathesis) meets no surprise.

The routes read the body and the query string themselves (capture streams large documents; the
query takes the standard's open-ended parameter names), so FastAPI cannot infer these; they are
written here once, next to each other, rather than scattered over the routes.
"""

from __future__ import annotations

from typing import Any

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

PROBLEM: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
QUERY_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "type", "epcisBody"],
    "properties": {"type": {"const": "EPCISQueryDocument"}, "epcisBody": {"type": "object"}},
}
COLLECTION: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "type", "member"],
    "properties": {"type": {"const": "Collection"},
                   "member": {"type": "array", "items": {"type": "string"}}},
}
CAPTURE_JOB: dict[str, Any] = {
    "type": "object",
    "required": ["captureID", "running", "success"],
    "properties": {"captureID": {"type": "string"}, "running": {"type": "boolean"},
                   "success": {"type": "boolean"}, "captured": {"type": "integer"},
                   "duplicates": {"type": "integer"}, "rejected": {"type": "integer"},
                   "errors": {"type": "array"}},
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": PROBLEM}}}


Answers = dict[int | str, dict[str, Any]]
_AUTH: Answers = {
    401: _problem("No bearer token, or a revoked one (SecurityException)"),
    403: _problem("The token may not do this (a read-only token writing, a member's sign-in)"),
}
_NOT_ACCEPTABLE: Answers = {
    406: _problem("Accept names no format answered (JSON-LD, JSON, XML)")}

EVENTS_ANSWER: Answers = {
    200: {"description": "An EPCIS query document with the matching events; a Link header "
                         "(rel=next) when there is a next page",
          "content": {"application/ld+json": {"schema": QUERY_DOCUMENT},
                      "application/json": {"schema": QUERY_DOCUMENT},
                      "application/xml": {"schema": {"type": "string"}}}},
    400: _problem("A query parameter is not valid (QueryParameterException), naming it"),
    **_AUTH, **_NOT_ACCEPTABLE,
    413: _problem("More events match than maxEventCount (QueryTooLargeException)"),
}
EVENT_ANSWER: Answers = {
    **EVENTS_ANSWER, 404: _problem("No event with this eventID or hash ID that the caller may "
                                   "read (NoSuchResourceException)")}
LIST_ANSWER: Answers = {
    200: {"description": "The values present among the events the caller may read",
          "content": {"application/ld+json": {"schema": COLLECTION},
                      "application/json": {"schema": COLLECTION}}},
    **_AUTH, **_NOT_ACCEPTABLE,
}
JOB_ANSWER: Answers = {
    200: {"description": "The capture job", "content": {"application/json": {
        "schema": CAPTURE_JOB}}},
    **_AUTH, 404: _problem("No capture job of the caller's with this ID"),
}
CAPTURE_ANSWER: Answers = {
    202: {"description": "Captured (or, with GS1-Capture-Error-Behaviour: proceed, the valid "
                         "events captured); the Location header names the capture job",
          "content": {"application/json": {"schema": CAPTURE_JOB}}},
    400: _problem("The document is not valid EPCIS 2.0: nothing was stored; each problem "
                  "names the event and the field"),
    **_AUTH,
    413: _problem("The body is larger than AGRITRACE_MAX_CAPTURE_BYTES"),
    415: _problem("The Content-Type is not JSON-LD, JSON or XML"),
}

# A subset of the EPCIS 2.0 document every client may rely on: the full schema is GS1's
# EPCIS-JSON-Schema.json (XML documents, application/xml, follow the standard's XSD).
_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["type", "eventTime", "eventTimeZoneOffset", "action", "epcList"],
    "properties": {
        "type": {"const": "ObjectEvent"},
        "eventTime": {"enum": ["2026-05-01T08:00:00+07:00", "2026-05-02T09:30:00Z"]},
        "eventTimeZoneOffset": {"enum": ["+07:00", "+00:00"]},
        "action": {"enum": ["ADD", "OBSERVE", "DELETE"]},
        "bizStep": {"enum": ["commissioning", "shipping", "receiving", "inspecting"]},
        "epcList": {"type": "array", "minItems": 1, "maxItems": 2, "uniqueItems": True,
                    "items": {"enum": [
            "urn:epc:id:sgtin:8931234.012345.S1", "https://id.gs1.org/01/08931234123451/21/S2",
        ]}},
    },
    "additionalProperties": False,
}
CAPTURE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
    "properties": {
        "@context": {"type": "array", "minItems": 1, "maxItems": 1,
                     "items": {"const": EPCIS_CONTEXT}},
        "type": {"const": "EPCISDocument"},
        "schemaVersion": {"const": "2.0"},
        "creationDate": {"enum": ["2026-05-01T08:00:00+07:00"]},
        "epcisBody": {"type": "object", "required": ["eventList"],
                      "properties": {"eventList": {"type": "array", "maxItems": 3,
                                                   "items": _EVENT}},
                      "additionalProperties": False},
    },
    "additionalProperties": False,
}
CAPTURE_REQUEST: dict[str, Any] = {"requestBody": {
    "required": True,
    "description": "An EPCIS 2.0 document in JSON-LD (or plain JSON), or in XML "
                   "(application/xml) following the standard's XSD. The schema shown is a "
                   "subset; the full one is GS1's EPCIS-JSON-Schema.json.",
    "content": {"application/ld+json": {"schema": CAPTURE_BODY},
                "application/json": {"schema": CAPTURE_BODY}},
}}
MEMBER_ANSWER: Answers = {
    200: {"description": "The sub-resources of this value: its events",
          "content": {"application/ld+json": {"schema": COLLECTION},
                      "application/json": {"schema": COLLECTION}}},
    **_AUTH, **_NOT_ACCEPTABLE,
    404: _problem("No event the caller may read has this value"),
}
OPTIONS_ANSWER: Answers = {
    204: {"description": "The methods this resource answers (Allow) and the EPCIS and CBV "
                         "versions (GS1-EPCIS-Version, GS1-CBV-Version)"},
    404: _problem("No such resource"),
}


def _query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_TIME = {"type": "string", "format": "date-time"}
# The parameters every client uses, with schemas whose every value is answered; the others of
# the SimpleEventQuery (MATCH_*, EQ_*, GE_*/LT_* …, docs/api.md) are taken as the standard
# names them, and a value they cannot hold is a 400 naming the parameter.
QUERY_PARAMETERS: dict[str, Any] = {"parameters": [
    _query_parameter("perPage", {"type": "integer", "minimum": 1, "maximum": 10_000},
                     "Events per page (30 unless said)"),
    _query_parameter("orderBy", {"enum": ["eventTime", "recordTime"]},
                     "Order of the events (DESC unless orderDirection says)"),
    _query_parameter("orderDirection", {"enum": ["ASC", "DESC"]}, "ASC or DESC"),
    _query_parameter("GE_eventTime", _TIME, "Events at or after this time"),
    _query_parameter("LT_eventTime", _TIME, "Events before this time"),
    _query_parameter("GE_recordTime", _TIME, "Events recorded at or after this time"),
    _query_parameter("LT_recordTime", _TIME, "Events recorded before this time"),
]}
