"""Vietnam's banned pesticide active ingredients and a sample of registered products, as data.

Both tables live in ``farm/data/`` as CSV files whose header comments name their legal source
(Circular 75/2025/TT-BNNMT and the MARD withdrawal decisions), so a new circular means editing a
data file, not code. Names are compared after :func:`normalize`, which ignores case, accents,
punctuation and the salt or formulation words that follow a name ("Paraquat dichloride",
"Glyphosate IPA salt", "Fipronil 800 g/kg").

>>> find_banned(["Paraquat dichloride"], on=date(2026, 5, 1))[0].name
'Paraquat'
>>> find_banned(["Chlorantraniliprole"], on=date(2026, 5, 1))
[]
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Literal, TypeVar

BANNED_FILE = "banned_pesticides_vn.csv"
PRODUCTS_FILE = "registered_products_vn_sample.csv"

# Crop codes used across the farm module, with the names a Vietnamese farmer uses.
CROPS: dict[str, str] = {
    "rice": "lúa",
    "coffee": "cà phê",
    "tea": "chè",
    "durian": "sầu riêng",
    "dragon_fruit": "thanh long",
    "pepper": "hồ tiêu",
    "pomelo": "bưởi",
    "mango": "xoài",
    "lychee": "vải",
    "vegetables": "rau",
}

# Words that may follow an active ingredient's name without making it another ingredient.
_SALT_WORDS = frozenset({
    "salt", "salts", "dichloride", "chloride", "isopropylamine", "ipa", "ammonium",
    "potassium", "sodium", "dimethylamine", "dma", "amine", "ester", "trimesium", "technical",
    "tech", "g", "kg", "l", "ml", "gl", "sc", "ec", "wp", "wg", "sl", "sp", "gr", "ew", "od",
    "cs", "sulfate", "sulphate", "hydrochloride", "hcl", "trihydrate", "fumarate", "tartrate",
    "phosphate",
})
T = TypeVar("T")
_QUANTITY = re.compile(r"^\d[\d.]*[a-z%]*$")

Status = Literal["banned", "withdrawn"]
DOSE_TO_BASE: dict[str, tuple[str, float]] = {
    "l/ha": ("l/ha", 1.0), "ml/ha": ("l/ha", 0.001), "kg/ha": ("kg/ha", 1.0),
    "g/ha": ("kg/ha", 0.001),
}


@dataclass(frozen=True)
class BannedIngredient:
    """An active ingredient that may not be used, and the legal instrument that says so."""

    name: str
    aliases: tuple[str, ...]
    group: str
    status: Status
    legal_basis: str  # in English, as the API and the English pages cite it
    legal_basis_vi: str  # as a Vietnamese reader cites it ("Quyết định 278/QĐ-… ngày …")
    refused_from: date | None
    trade_names: tuple[str, ...]

    def applies_on(self, day: date) -> bool:
        """Banned ingredients always; withdrawn ones from the day their use ended."""
        return self.refused_from is None or day >= self.refused_from


@dataclass(frozen=True)
class RegisteredProduct:
    """One product's registration for one crop: label maximum dose and pre-harvest interval."""

    name: str
    active_ingredients: tuple[str, ...]
    crop: str
    target: str
    max_dose: float
    dose_unit: str
    phi_days: int
    registrant: str


@lru_cache(maxsize=8192)
def normalize(name: str) -> str:
    """A spelling-independent key for an ingredient or product name.

    >>> normalize("  Chlorpyrifos-Ethyl "), normalize("2.4 D"), normalize("Thiophanate Methyl")
    ('chlorpyrifos ethyl', '2 4 d', 'thiophanate methyl')
    """
    text = unicodedata.normalize("NFKD", name.casefold().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", text).split())


def lookup_name(candidate: str, index: Mapping[str, T]) -> T | None:
    """The entry whose name is the candidate, perhaps followed by salt or formulation words;
    the longest name wins, so "parathion methyl" is not read as "parathion"."""
    words = candidate.split()
    for size in range(len(words), 0, -1):
        item = index.get(" ".join(words[:size]))
        if item is not None and all(
                w in _SALT_WORDS or _QUANTITY.match(w) for w in words[size:]):
            return item
    return None


def data_rows(filename: str) -> Iterator[dict[str, str]]:
    text = resources.files("agritrace.farm").joinpath("data", filename).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    yield from csv.DictReader(io.StringIO("\n".join(lines)))


def split_names(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


@cache
def banned_ingredients(table: str = BANNED_FILE) -> tuple[BannedIngredient, ...]:
    """Every row of a banned-substance table (``table``: its file in ``farm/data``; the
    livestock and aquaculture tables have the same columns, see ``farm.veterinary``)."""
    return tuple(
        BannedIngredient(
            name=row["active_ingredient"], aliases=split_names(row["aliases"]),
            group=row["group"],
            status="banned" if row["status"] == "banned" else "withdrawn",
            legal_basis=row["legal_basis"], legal_basis_vi=row["legal_basis_vi"],
            refused_from=date.fromisoformat(row["refused_from"]) if row["refused_from"] else None,
            trade_names=split_names(row["trade_names"]),
        )
        for row in data_rows(table)
    )


@cache
def _name_index(table: str) -> dict[str, BannedIngredient]:
    return {normalize(name): item for item in banned_ingredients(table)
            for name in (item.name, *item.aliases)}


@cache
def _trade_index(table: str) -> dict[str, BannedIngredient]:
    return {normalize(name): item for item in banned_ingredients(table)
            for name in item.trade_names}


def banned_ingredient(name: str, table: str = BANNED_FILE) -> BannedIngredient | None:
    """The banned or withdrawn entry an ingredient name stands for, whatever the date."""
    return lookup_name(normalize(name), _name_index(table))


def find_banned(active_ingredients: Iterable[str], on: date,
                table: str = BANNED_FILE) -> list[BannedIngredient]:
    """The ingredients among these that may not be used on that day, each once."""
    found: list[BannedIngredient] = []
    for name in active_ingredients:
        item = banned_ingredient(name, table)
        if item is not None and item.applies_on(on) and item not in found:
            found.append(item)
    return found


def banned_by_trade_name(product: str, table: str = BANNED_FILE) -> BannedIngredient | None:
    """A banned ingredient known by this trade name (Gramoxone, Furadan 3GR, Regent 800WG)."""
    return lookup_name(normalize(product), _trade_index(table))


@cache
def registered_products() -> tuple[RegisteredProduct, ...]:
    """The sample registered-product table, one row per product and crop."""
    return tuple(
        RegisteredProduct(
            name=row["product"], active_ingredients=split_names(row["active_ingredients"]),
            crop=row["crop"], target=row["target"], max_dose=float(row["max_dose"]),
            dose_unit=row["dose_unit"], phi_days=int(row["phi_days"]),
            registrant=row["registrant"],
        )
        for row in data_rows(PRODUCTS_FILE)
    )


def product_registrations(product: str) -> list[RegisteredProduct]:
    """Every crop registration of a product, found by its trade name; empty when unknown."""
    return list(_registrations_by_name().get(normalize(product), ()))


@cache
def _registrations_by_name() -> dict[str, tuple[RegisteredProduct, ...]]:
    index: dict[str, tuple[RegisteredProduct, ...]] = {}
    for product in registered_products():
        key = normalize(product.name)
        index[key] = (*index.get(key, ()), product)
    return index


def registration_for(product: str, crop: str) -> RegisteredProduct | None:
    return next((p for p in product_registrations(product) if p.crop == crop), None)


def dose_in(value: float, unit: str, target_unit: str) -> float | None:
    """A dose converted to another unit of the same kind, or None across mass and volume.

    >>> dose_in(750, "ml/ha", "l/ha"), dose_in(1, "kg/ha", "l/ha")
    (0.75, None)
    """
    base, factor = DOSE_TO_BASE[unit]
    target_base, target_factor = DOSE_TO_BASE[target_unit]
    if base != target_base:
        return None
    return round(value * factor / target_factor, 9)
