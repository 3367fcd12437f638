"""What an event names, flattened into index rows: identifiers by role, typed terms, columns.

Identifiers are canonicalised (``agritrace.ids.epc.canonical_id``) so an EPC URN and the
equivalent GS1 Digital Link are one value in every query and every lineage walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agritrace.epcis import cbv
from agritrace.epcis.document import Event

Term = tuple[str, str, str | None, float | None, str | None]
"""(role, canonical value, type, quantity, uom)"""

# EPC lists and the role each gives its members.
EPC_LISTS = {
    "epcList": "epc",
    "childEPCs": "child",
    "inputEPCList": "input",
    "outputEPCList": "output",
}
# Quantity lists (epcClass + quantity + uom) and their roles.
QUANTITY_LISTS = {
    "quantityList": "epc_class",
    "childQuantityList": "child_class",
    "inputQuantityList": "input_class",
    "outputQuantityList": "output_class",
}
# Typed lists: (list key, value key, role).
TYPED_LISTS = (
    ("bizTransactionList", "bizTransaction", "biz_transaction"),
    ("sourceList", "source", "source"),
    ("destinationList", "destination", "destination"),
)


def vocabulary_value(vocabulary: str, value: str) -> str:
    """A CBV value in its one stored form: the bare word if it is a CBV word, else the URI."""
    return cbv.bare_word(vocabulary, value) or value


def event_terms(event: Event, canonical: Callable[[str], str]) -> list[Term]:
    terms: list[Term] = []
    for key, role in EPC_LISTS.items():
        terms.extend((role, canonical(epc), None, None, None) for epc in event.get(key) or ())
    parent = event.get("parentID")
    if parent:
        terms.append(("parent", canonical(parent), None, None, None))
    for key, role in QUANTITY_LISTS.items():
        for element in event.get(key) or ():
            terms.append(
                (role, canonical(element["epcClass"]), None, _number(element.get("quantity")),
                 element.get("uom"))
            )
    for key, value_key, role in TYPED_LISTS:
        vocabulary = "bizTransactionType" if role == "biz_transaction" else "sourceDestType"
        for element in event.get(key) or ():
            kind = element.get("type")
            terms.append(
                (role, element[value_key], vocabulary_value(vocabulary, kind) if kind else None,
                 None, None)
            )
    transformation = event.get("transformationID")
    if transformation:
        terms.append(("transformation", transformation, None, None, None))
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        terms.extend(
            ("corrective", corrective, None, None, None)
            for corrective in declaration.get("correctiveEventIDs") or ()
        )
    return terms


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
