"""Which official files say the same thing in both bindings, and how to compare them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agritrace.epcis import cbv
from tests.conformance import GS1, HASH_EXAMPLES

_J = GS1 / "JSON"
_X = GS1 / "XML"

# (JSON file, XML file): every JSON event must equal an XML event once normalised.
PAIRS = [
    (_J / "Example_9.6.1-ObjectEvent.jsonld", _X / "Example_9.6.1-ObjectEvent-2020_06_18a.xml"),
    (_J / "Example-TransactionEvents-2020_07_03y.jsonld",
     _X / "Example-TransactionEvent-2020_07_03y.xml"),
    (_J / "WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.jsonld",
     _X / "WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.xml"),
    *[(_J / f"WithFullCombinationOfFields/{kind}_event_all_possible_fields.jsonld",
       _X / f"WithFullCombinationOfFields/{kind}_event_all_possible_fields.xml")
      for kind in ("aggregation", "association", "object", "transaction", "transformation")],
    # (AssociationEvent-h.jsonld repeats a key: tests.conformance.KNOWN_BAD_JSON)
    *[(_J / f"AssociationEvent/AssociationEvent-{c}.jsonld",
       _X / "AssociationEvent/AssociationEventExamples.xml") for c in "abcdefg"],
    *[(p, p.with_suffix(".xml")) for p in sorted(HASH_EXAMPLES.glob("*.jsonld"))
      if p.with_suffix(".xml").exists()],
]

# Where the official files of a pair disagree in content (not in form): normalised keys, or key
# prefixes, that are not compared. Everything else must be equal.
_EXT = ("http://example.com/ext1/",)
_FULL = ("eventID", "certificationInfo", "errorDeclaration", "sensorElementList", "ilmd",
         "action", *_EXT)
DISAGREE: dict[str, tuple[str, ...]] = {
    "Example_9.6.1-ObjectEvent.jsonld": ("eventID",),
    "Example-TransactionEvents-2020_07_03y.jsonld": ("urn:gs1:epcisapp:rail/vehicle",),
    "ErrorDeclarationAndCorrectiveEvent.jsonld": ("inputQuantityList", "readPoint"),
    **{f"{kind}_event_all_possible_fields.jsonld": _FULL
       for kind in ("aggregation", "association", "object", "transaction", "transformation")},
    **{f"AssociationEvent-{c}.jsonld": ("eventID", "errorDeclaration") for c in "abcdefgh"},
    "CertificationInfoAndSensorReportWithCRS.jsonld": ("sensorElementList",),
}


def comparable(event: dict[str, Any], ignored: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if not k.startswith(ignored)}


_CBV_FIELDS = {"bizStep": "bizStep", "disposition": "disposition"}
_TIMES = {"eventTime", "recordTime", "declarationTime", "time", "startTime", "endTime"}


def normal(value: Any, namespaces: dict[str, str], key: str = "") -> Any:
    """The binding-independent content: the differences the codecs keep verbatim removed.

    CBV words in any form -> bare words; ``gs1:`` measurement types -> bare; timestamps -> UTC
    instants; extension keys -> their namespace URI (trailing ``/`` ignored); XML attributes of
    extension elements (``@`` members, which JSON cannot carry) dropped; one-item extension
    lists -> the item (XML cannot tell them apart).
    """
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k.startswith("@"):
                continue
            out[_expand(k, namespaces)] = normal(v, namespaces, k)
        return out
    if isinstance(value, list):
        items = [normal(v, namespaces, key) for v in value]
        return items[0] if ":" in key and len(items) == 1 else items
    if isinstance(value, str):
        return _scalar(value.strip(), key)
    if ":" in key and isinstance(value, bool):
        return "true" if value else "false"  # XML has no types for extension values
    if ":" in key and isinstance(value, int | float):
        return str(value)
    return value


def _expand(key: str, namespaces: dict[str, str]) -> str:
    prefix, _, local = key.partition(":")
    if local and prefix in namespaces:
        return namespaces[prefix].rstrip("/:") + "/" + local
    return key


def _scalar(value: str, key: str) -> Any:
    if value.startswith("cbv:"):
        value = "https://ref.gs1.org/cbv/" + value[4:]
    if key in _TIMES:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    if key in _CBV_FIELDS or key in ("set", "unset"):
        return cbv.bare_word("bizStep" if key == "bizStep" else "disposition", value) or value
    if key == "type" and value.startswith("gs1:"):
        return value[4:]
    for vocabulary in ("bizTransactionType", "sourceDestType", "errorReason"):
        word = cbv.bare_word(vocabulary, value) if key in ("type", "reason") else None
        if word:
            return word
    return value
