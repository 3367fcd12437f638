"""What the farmer's form shows for each kind of diary entry, and how an entry reads back.

The fields, their units and their choices come from :mod:`agritrace.farm.diary`; which fields
are required is read from the entry dataclasses themselves, so the form cannot drift from the
rules. Fields a farmer rarely needs sit under "more" (``extra``) so the form stays short.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from agritrace.farm.compliance import check_entry
from agritrace.farm.diary import (
    AMENDMENT_UNITS,
    DOSE_UNITS,
    DRUG_DOSE_UNITS,
    ENTRY_TYPES,
    FEED_UNITS,
    FERTILIZER_UNITS,
    HARVEST_UNITS,
    WATER_MEASURES,
    AmendmentMaterial,
    DiaryEntry,
    EntryKind,
    TreatmentPurpose,
    WaterAction,
)
from agritrace.farm.pesticides import registered_products
from agritrace.farm.places import Place
from agritrace.web.i18n import Translator


@dataclass(frozen=True)
class Field:
    name: str
    input: str = "text"  # text, number, date, select, textarea
    choices: tuple[str, ...] = ()
    step: str = "any"
    suggestions: tuple[str, ...] = ()
    extra: bool = False
    unit_of: str | None = None  # this select is the unit of that amount field


def _select(name: str, choices: Iterable[str], unit_of: str | None = None) -> Field:
    return Field(name, "select", tuple(choices), unit_of=unit_of)


_ON = Field("on", "date")
_NOTE = Field("note", "textarea", extra=True)
_TAGS = Field("animals", extra=True)  # ear tags of tagged animals, separated by commas

FORMS: dict[EntryKind, tuple[Field, ...]] = {
    EntryKind.LAND_PREPARATION: (
        Field("method", suggestions=("cày", "bừa", "phay đất", "làm đất tối thiểu")),),
    EntryKind.SOWING: (
        Field("variety"), _select("method", ("sowing", "planting")),
        Field("seed_kg_per_ha", "number", extra=True),
        Field("plants_per_ha", "number", step="1", extra=True)),
    EntryKind.FERTILIZING: (
        Field("product", suggestions=("NPK 16-16-8", "Urê", "DAP", "Kali clorua",
                                      "Phân hữu cơ vi sinh")),
        Field("amount", "number"), _select("unit", FERTILIZER_UNITS, "amount"),
        Field("n_percent", "number", extra=True)),
    EntryKind.SPRAYING: (
        Field("product"), Field("dose", "number"), _select("dose_unit", DOSE_UNITS, "dose"),
        Field("target_pest"), Field("active_ingredients", extra=True),
        Field("phi_days", "number", step="1", extra=True)),
    EntryKind.WATER: (
        _select("action", (a.value for a in WaterAction)), Field("until", "date", extra=True),
        Field("water_level_cm", "number", extra=True)),
    EntryKind.ORGANIC_AMENDMENT: (
        _select("material", (m.value for m in AmendmentMaterial)), Field("amount", "number"),
        _select("unit", AMENDMENT_UNITS, "amount"),
        Field("days_before_cultivation", "number", step="1", extra=True)),
    EntryKind.PEST_OBSERVATION: (
        Field("pest", suggestions=("rệp sáp", "rầy nâu", "sâu cuốn lá", "đạo ôn", "gỉ sắt",
                                   "mọt đục quả")),
        Field("incidence_percent", "number"), Field("density_per_m2", "number", extra=True)),
    EntryKind.OTHER_CARE: (
        Field("activity", suggestions=("làm cỏ", "tỉa cành", "tủ gốc", "trồng cây che bóng")),),
    EntryKind.HARVEST: (
        Field("quantity", "number"), _select("unit", HARVEST_UNITS, "quantity"), Field("lot"),
        _select("gtin", ()), Field("until", "date", extra=True),
        Field("area_ha", "number", extra=True)),
    # Barns and ponds (issue 17).
    EntryKind.STOCKING: (
        Field("species"), Field("origin"), Field("count", "number", step="1"),
        Field("breed", extra=True), Field("average_weight_g", "number", extra=True),
        _TAGS),
    EntryKind.FEEDING: (
        Field("product"), Field("amount", "number"), _select("unit", FEED_UNITS, "amount"),
        Field("batch", extra=True), Field("active_ingredients", extra=True)),
    EntryKind.VACCINATION: (
        Field("product"), Field("batch"), Field("disease"),
        Field("count", "number", step="1", extra=True), _TAGS),
    EntryKind.TREATMENT: (
        Field("product"), Field("dose", "number"), _select("dose_unit", DRUG_DOSE_UNITS, "dose"),
        Field("withdrawal_days", "number", step="1"),
        _select("purpose", (p.value for p in TreatmentPurpose)), Field("disease"),
        Field("active_ingredients"), Field("count", "number", step="1", extra=True), _TAGS),
    EntryKind.DISEASE_OBSERVATION: (
        Field("disease"), Field("affected", "number", step="1")),
    EntryKind.MORTALITY: (Field("count", "number", step="1"), Field("cause"), _TAGS),
    EntryKind.MOVEMENT: (Field("destination"), Field("count", "number", step="1"), _TAGS),
    EntryKind.WATER_QUALITY: tuple(Field(name, "number") for name, *_ in WATER_MEASURES),
    EntryKind.ANIMAL_SALE: (
        Field("quantity", "number"), _select("unit", HARVEST_UNITS, "quantity"), Field("lot"),
        _select("gtin", ()), Field("head_count", "number", step="1"),
        _select("slaughter", ("false", "true"))),
}


def fields_of(kind: EntryKind) -> tuple[Field, ...]:
    return (_ON, *FORMS[kind], _NOTE)


def required(kind: EntryKind) -> frozenset[str]:
    """The fields the entry cannot be made without (``on`` too: the form always sends it)."""
    names = {f.name for f in dataclasses.fields(ENTRY_TYPES[kind]) if f.init
             and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    return frozenset(names - {"plot_id", "season_id", "recorded_by"})


def spraying_suggestions(crop: str) -> tuple[str, ...]:
    """Products the sample registry lists for the crop: a datalist, not a limit."""
    return tuple(dict.fromkeys(p.name for p in registered_products() if p.crop == crop))


def form_values(defaults: Mapping[str, Any]) -> dict[str, str]:
    """Service defaults (``entry_defaults``) as the strings an HTML input holds."""
    out: dict[str, str] = {}
    for name, value in defaults.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            out[name] = ", ".join(str(v) for v in value)
        elif isinstance(value, float) and value.is_integer():
            out[name] = str(int(value))
        else:
            out[name] = str(value)
    return out


def entry_fields(kind: EntryKind, form: Mapping[str, str]) -> dict[str, str]:
    """The posted fields that belong to this kind (a stray field is not passed on)."""
    names = {f.name for f in fields_of(kind)}
    return {name: value.strip() for name, value in form.items()
            if name in names and value.strip()}


def choice_label(t: Translator, value: str) -> str:
    label = t(f"farm_choice_{value}")
    return value if label == f"farm_choice_{value}" else label


def summary(t: Translator, entry: DiaryEntry) -> str:
    """The entry's own facts in one line: ``NPK 16-16-8 · 300 kg/ha · N 16 %``."""
    parts: list[str] = []
    for spec in FORMS[entry.kind]:
        value = getattr(entry, spec.name, None)
        if spec.unit_of is not None or value in (None, "", ()):
            continue
        unit = next((getattr(entry, f.name) for f in FORMS[entry.kind]
                     if f.unit_of == spec.name), None)
        shown = _shown(t, value)
        if unit:
            shown += f" {unit}"
        elif isinstance(value, int | float | date) and not isinstance(value, bool):
            shown = f"{t('farm_f_' + spec.name)}: {shown}"
        parts.append(shown)
    if entry.note:
        parts.append(entry.note)
    return " · ".join(parts)


def _shown(t: Translator, value: object) -> str:
    if isinstance(value, bool):
        return choice_label(t, str(value).lower())
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return t.date(value)
    if isinstance(value, float):
        return t.number(value, 0 if value.is_integer() else 2)
    if isinstance(value, int):
        return t.number(value)
    return choice_label(t, str(getattr(value, "value", value)))


def with_findings(t: Translator, place: Place, diary: Sequence[DiaryEntry],
                  crops: dict[str, str]) -> list[dict[str, Any]]:
    """The diary (oldest first in), newest first out, each entry with its one-line summary and
    what the compliance rules say about it given the entries before it (``crops``: the crop of
    each season, else the plot's)."""
    rows = []
    for index, entry in enumerate(diary):
        crop = crops.get(entry.season_id, place.crop)
        findings = check_entry(entry, crop=crop, history=diary[:index])
        rows.append({"entry": entry, "summary": summary(t, entry), "findings": findings})
    return list(reversed(rows))
