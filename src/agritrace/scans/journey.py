"""A product's journey grouped by stage, so that a phone shows it short (issue 15).

The farm comes first, one group per plot the product came from, each diary step once with all
its dates and products (a blend of three plots fertilized twice is three lines of "Bón phân",
not six);
then processing, transport and retail, each in time order. A step belongs to the farm when it
happened on one of the product's plots; the other stages follow from its CBV business step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agritrace.ids.epc import lenient_id

STAGES = ("farm", "processing", "transport", "retail")
_TRANSPORT = frozenset({
    "shipping", "receiving", "transporting", "loading", "unloading", "departing", "arriving",
    "staging_outbound", "storing", "holding", "accepting", "consigning", "collecting", "picking",
    "stock_taking", "cycle_counting", "void_shipping", "entering_exiting", "reserving"})
_RETAIL = frozenset({"retail_selling", "stocking", "unpacking", "dispensing"})


def stage_of(word: str) -> str:
    """The stage of a step that did not happen on a plot.

    >>> stage_of("shipping"), stage_of("unpacking"), stage_of("commissioning")
    ('transport', 'retail', 'processing')
    """
    if word in _TRANSPORT:
        return "transport"
    return "retail" if word in _RETAIL else "processing"


def stages(journey: Sequence[Mapping[str, Any]],
           origins: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The non-empty stages in order: ``{"stage", "plots", "steps"}``; the farm's ``plots``
    hold each plot's origin (filled with its registered name later), its place and its steps
    as ``{"step", "dates", "details", "recalled"}``; the other stages' ``steps`` are the
    journey's own, in time order."""
    plots = {lenient_id(origin["plot"]): origin for origin in origins}
    farm: dict[str, dict[str, Any]] = {}
    others: dict[str, list[Mapping[str, Any]]] = {stage: [] for stage in STAGES[1:]}
    for step in journey:
        place = step.get("place_id")
        if place is None or place not in plots:
            # Off the farm a commissioning codes goods or opens a lot: never a harvest.
            coded = {"step": "coding"} if step["step"] == "commissioning" else {}
            others[stage_of(step["step"])].append({**step, **coded})
            continue
        group = farm.setdefault(place, {"origin": plots[place], "place": step["place"],
                                        "steps": {}})
        # A harvest is a commissioning on the plot: said as the harvest it is.
        word = "harvesting" if step["step"] == "commissioning" else step["step"]
        line = group["steps"].setdefault(word, {"step": word, "dates": [], "details": [],
                                                "recalled": False})
        line["dates"] += [step["date"]] if step["date"] not in line["dates"] else []
        line["details"] += [d for d in step["details"] if d not in line["details"]]
        line["recalled"] = line["recalled"] or step["recalled"]
    found = [{"stage": "farm", "steps": [],
              "plots": [group | {"steps": list(group["steps"].values())}
                        for group in farm.values()]}] if farm else []
    return found + [{"stage": stage, "plots": [], "steps": steps}
                    for stage, steps in others.items() if steps]

