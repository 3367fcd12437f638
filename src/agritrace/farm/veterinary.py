"""Species kept in barns and ponds, and the substances their diaries are checked against.

The banned-substance tables of livestock (feed and husbandry) and aquaculture are data files in
``farm/data/`` with the same columns as the banned-pesticide table, read by the same functions
(:func:`agritrace.farm.pesticides.find_banned` with ``table=``); their header comments name
their legal source. A third file lists antibiotics and the day their use to prevent disease
ended in livestock (Decree 13/2020/NĐ-CP's roadmap), so a new circular means editing data.

>>> sector_of("pig"), sector_of("shrimp_whiteleg"), sector_of("coffee")
('livestock', 'aquaculture', 'crop')
>>> [b.name for b in find_banned(["Salbutamol sulfate"], date(2026, 5, 1), banned_table("pig"))]
['Salbutamol']
>>> antibiotic("Amoxicillin trihydrate").name, antibiotic("Doxycycline 10%").name
('Amoxicillin', 'Doxycycline')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from agritrace.farm.pesticides import data_rows, find_banned, lookup_name, normalize, split_names

__all__ = ["find_banned"]  # re-exported for the doctest above and for callers' convenience

LIVESTOCK_FILE = "banned_substances_livestock_vn.csv"
AQUACULTURE_FILE = "banned_substances_aquaculture_vn.csv"
ANTIBIOTICS_FILE = "veterinary_antibiotics_vn.csv"

Sector = Literal["crop", "livestock", "aquaculture"]

# Species codes (the place's and season's ``crop``) with the names a Vietnamese farmer uses.
LIVESTOCK_SPECIES: dict[str, str] = {
    "pig": "lợn", "chicken": "gà", "duck": "vịt", "cattle": "bò", "buffalo": "trâu",
    "goat": "dê",
}
AQUACULTURE_SPECIES: dict[str, str] = {
    "shrimp_whiteleg": "tôm thẻ chân trắng", "shrimp_tiger": "tôm sú", "pangasius": "cá tra",
    "tilapia": "cá rô phi", "snakehead": "cá lóc", "clam": "nghêu",
}
# The species a place of each kind may keep.
SPECIES_BY_PLACE: dict[str, dict[str, str]] = {
    "barn": LIVESTOCK_SPECIES, "pond": AQUACULTURE_SPECIES, "cage": AQUACULTURE_SPECIES,
}


def sector_of(species: str) -> Sector:
    """Which rules a season's diary answers to, from its crop or species code."""
    if species in LIVESTOCK_SPECIES:
        return "livestock"
    return "aquaculture" if species in AQUACULTURE_SPECIES else "crop"


def species_vi(species: str) -> str:
    return LIVESTOCK_SPECIES.get(species) or AQUACULTURE_SPECIES.get(species) or species


def banned_table(species: str) -> str:
    """The banned-substance file for an animal species (livestock unless aquatic)."""
    return AQUACULTURE_FILE if sector_of(species) == "aquaculture" else LIVESTOCK_FILE


@dataclass(frozen=True)
class Antibiotic:
    name: str
    aliases: tuple[str, ...]
    group: str
    prophylaxis_refused_from: date

    def prophylaxis_refused_on(self, day: date) -> bool:
        return day >= self.prophylaxis_refused_from


@cache
def antibiotics() -> tuple[Antibiotic, ...]:
    return tuple(
        Antibiotic(row["active_ingredient"], split_names(row["aliases"]), row["class"],
                   date.fromisoformat(row["prophylaxis_refused_from"]))
        for row in data_rows(ANTIBIOTICS_FILE))


@cache
def _antibiotic_index() -> dict[str, Antibiotic]:
    return {normalize(name): item for item in antibiotics()
            for name in (item.name, *item.aliases)}


def antibiotic(name: str) -> Antibiotic | None:
    """The antibiotic an ingredient name stands for ("Doxycycline 10%", "Colistin sulfate")."""
    return lookup_name(normalize(name), _antibiotic_index())
