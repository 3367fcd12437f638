"""Diary entries as EPCIS 2.0 events (JSON-LD compact form), and back.

Each entry becomes one ``ObjectEvent``:

- the *what* is the season's crop on the plot: ``epcList`` holds the season URI, so a query
  ``MATCH_epc=<season>`` returns the whole diary of that season; a harvest instead commissions
  (``ADD``) a lot in ``quantityList`` with ILMD naming plot, season, harvest dates and country of
  origin;
- *where* is the plot: ``readPoint`` and ``bizLocation`` both carry the plot URI;
- *when* is the entry's day at its time, or at 12:00 in Vietnam (UTC+7) when only the day is
  known (noon keeps the day the same in UTC);
- *why* is a CBV bizStep where one fits (``commissioning`` for a harvest, ``inspecting`` for pest
  monitoring), else a term of the agritrace vocabulary ``https://agritrace.org/voc/bizstep/``
  (see ``docs/farm-vocabulary.md``); the structured details are ``agt:`` extension fields.

The output depends on nothing but the entry and the idempotency key: the same key always gives
the same ``eventID`` (a name-based UUID), so a phone that re-sends an entry after losing the
network cannot create a second event.

>>> from datetime import date
>>> from agritrace.farm.diary import PestObservation
>>> entry = PestObservation(plot_id="urn:epc:id:sgln:8930000.00012.P7",
...     season_id="https://agritrace.org/id/season/S1", on=date(2026, 3, 9),
...     recorded_by="member:42", pest="rầy nâu", density_per_m2=300)
>>> event = entry_to_event(entry, "phone-7f3a:0001")
>>> event["bizStep"], event["eventTime"], event["agt:pest"]
('inspecting', '2026-03-09T12:00:00+07:00', 'rầy nâu')
>>> event_to_entry(event) == entry
True
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from agritrace.epcis.document import Event
from agritrace.errors import Problem, ValidationException
from agritrace.farm.diary import (
    ENTRY_TYPES,
    TAGGED_KINDS,
    AmendmentMaterial,
    DiaryEntry,
    EntryKind,
    Harvest,
    Movement,
    TreatmentPurpose,
    WaterAction,
    WaterEvent,
    WaterQuality,
)

AGT_NAMESPACE = "https://agritrace.org/voc/"
AGT_BIZSTEP = "https://agritrace.org/voc/bizstep/"
AGT_LOT = "https://agritrace.org/id/lot/"
NAMESPACES: dict[str, str] = {"agt": AGT_NAMESPACE}
OFFSET = "+07:00"
_NOON = time(12, 0)
# Fixed forever: changing it would give every re-sent entry a new eventID.
_EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c2e-5b0a-5c8e-9d47-a9b1c3e5f702")

WATER_STEPS: dict[WaterAction, str] = {
    WaterAction.IRRIGATE: AGT_BIZSTEP + "irrigating",
    WaterAction.FLOOD: AGT_BIZSTEP + "flooding",
    WaterAction.DRAIN: AGT_BIZSTEP + "draining",
}
BIZ_STEPS: dict[EntryKind, str] = {
    EntryKind.LAND_PREPARATION: AGT_BIZSTEP + "land_preparing",
    EntryKind.SOWING: AGT_BIZSTEP + "sowing",
    EntryKind.FERTILIZING: AGT_BIZSTEP + "fertilizing",
    EntryKind.SPRAYING: AGT_BIZSTEP + "spraying",
    EntryKind.ORGANIC_AMENDMENT: AGT_BIZSTEP + "soil_amending",
    EntryKind.PEST_OBSERVATION: "inspecting",
    EntryKind.OTHER_CARE: AGT_BIZSTEP + "crop_caring",
    EntryKind.HARVEST: "commissioning",
    EntryKind.STOCKING: AGT_BIZSTEP + "animal_stocking",
    EntryKind.FEEDING: AGT_BIZSTEP + "feeding",
    EntryKind.VACCINATION: AGT_BIZSTEP + "vaccinating",
    EntryKind.TREATMENT: AGT_BIZSTEP + "treating",
    EntryKind.DISEASE_OBSERVATION: "inspecting",
    EntryKind.MORTALITY: AGT_BIZSTEP + "mortality_recording",
    EntryKind.MOVEMENT: "departing",
    EntryKind.WATER_QUALITY: "sensor_reporting",
    EntryKind.ANIMAL_SALE: "commissioning",
}

# A water-quality reading's measures as EPCIS 2.0 sensor reports: the GS1 measurement type,
# the substance (an InChIKey, as the standard's examples name one) and the UN/ECE Rec. 20 unit
# (CEL degree Celsius, M1 milligram per litre, NX part per thousand). pH has no GS1 type: it
# gets an agritrace one. Each is found with the standard EQ_type / EQ_chemicalSubstance and
# value parameters (LT_value_M1=4: dissolved oxygen under 4 mg/L; docs/api.md).
_INCHIKEY = "https://identifiers.org/inchikey:"
SENSOR_MEASURES: dict[str, dict[str, str]] = {
    "temperature_c": {"type": "Temperature", "uom": "CEL"},
    "ph": {"type": AGT_NAMESPACE + "measurement/pH"},
    "dissolved_oxygen_mg_l": {"type": "MassConcentration",
                              "chemicalSubstance": _INCHIKEY + "MYMOFIZGZYHOMD-UHFFFAOYSA-N",
                              "uom": "M1"},
    "salinity_ppt": {"type": "Dimensionless", "uom": "NX"},
    "ammonia_mg_l": {"type": "MassConcentration",
                     "chemicalSubstance": _INCHIKEY + "QGZKDVFQNNGYKY-UHFFFAOYSA-N",
                     "uom": "M1"},
}

# Per kind: (entry attribute, extension key) pairs carried as they are.
_FIELDS: dict[EntryKind, tuple[tuple[str, str], ...]] = {
    EntryKind.LAND_PREPARATION: (("method", "agt:method"),),
    EntryKind.SOWING: (("variety", "agt:variety"), ("seed_kg_per_ha", "agt:seedKgPerHa"),
                       ("plants_per_ha", "agt:plantsPerHa"), ("method", "agt:method")),
    EntryKind.FERTILIZING: (("product", "agt:product"), ("amount", "agt:amount"),
                            ("unit", "agt:unit"), ("n_percent", "agt:nitrogenPercent")),
    EntryKind.SPRAYING: (("product", "agt:product"),
                         ("active_ingredients", "agt:activeIngredients"), ("dose", "agt:dose"),
                         ("dose_unit", "agt:doseUnit"), ("target_pest", "agt:targetPest"),
                         ("phi_days", "agt:preHarvestIntervalDays")),
    EntryKind.WATER: (("action", "agt:waterAction"), ("until", "agt:until"),
                      ("water_level_cm", "agt:waterLevelCm")),
    EntryKind.ORGANIC_AMENDMENT: (("material", "agt:material"), ("amount", "agt:amount"),
                                  ("unit", "agt:unit"),
                                  ("days_before_cultivation", "agt:daysBeforeCultivation")),
    EntryKind.PEST_OBSERVATION: (("pest", "agt:pest"),
                                 ("incidence_percent", "agt:incidencePercent"),
                                 ("density_per_m2", "agt:densityPerM2")),
    EntryKind.OTHER_CARE: (("activity", "agt:activity"),),
    EntryKind.HARVEST: (("quantity", "agt:quantity"), ("unit", "agt:unit"),
                        ("area_ha", "agt:harvestedAreaHa")),
    EntryKind.STOCKING: (("species", "agt:species"), ("origin", "agt:seedOrigin"),
                         ("count", "agt:animalCount"), ("breed", "agt:breed"),
                         ("average_weight_g", "agt:averageWeightG")),
    EntryKind.FEEDING: (("product", "agt:product"), ("amount", "agt:amount"),
                        ("unit", "agt:unit"), ("batch", "agt:batch"),
                        ("active_ingredients", "agt:activeIngredients")),
    EntryKind.VACCINATION: (("product", "agt:product"), ("batch", "agt:batch"),
                            ("disease", "agt:disease"), ("count", "agt:animalCount")),
    EntryKind.TREATMENT: (("product", "agt:product"),
                          ("active_ingredients", "agt:activeIngredients"), ("dose", "agt:dose"),
                          ("dose_unit", "agt:doseUnit"),
                          ("withdrawal_days", "agt:withdrawalPeriodDays"),
                          ("purpose", "agt:treatmentPurpose"), ("disease", "agt:disease"),
                          ("count", "agt:animalCount")),
    EntryKind.DISEASE_OBSERVATION: (("disease", "agt:disease"),
                                    ("affected", "agt:animalsAffected")),
    EntryKind.MORTALITY: (("count", "agt:animalCount"), ("cause", "agt:cause")),
    EntryKind.MOVEMENT: (("destination", "agt:destination"), ("count", "agt:animalCount")),
    EntryKind.WATER_QUALITY: (),  # carried in sensorElementList
    EntryKind.ANIMAL_SALE: (("quantity", "agt:quantity"), ("unit", "agt:unit"),
                            ("area_ha", "agt:harvestedAreaHa"), ("head_count", "agt:headCount"),
                            ("slaughter", "agt:slaughter")),
}


def event_id(idempotency_key: str) -> str:
    """The eventID an idempotency key always maps to.

    >>> event_id("phone-7f3a:0001") == event_id("phone-7f3a:0001")
    True
    """
    return f"urn:uuid:{uuid.uuid5(_EVENT_ID_NAMESPACE, idempotency_key)}"


def biz_step(entry: DiaryEntry) -> str:
    if isinstance(entry, WaterEvent):
        return WATER_STEPS[entry.action]
    return BIZ_STEPS[entry.kind]


def lot_class(entry: Harvest) -> str:
    """The class of the harvested lot: a GS1 Digital Link when the product has a GTIN.

    Without a GTIN the lot gets an agritrace URI; the store must keep lot codes unique then.
    """
    if entry.gtin is not None:
        return f"https://id.gs1.org/01/{entry.gtin}/10/{quote(entry.lot, safe='')}"
    return AGT_LOT + quote(entry.lot, safe="")


def entry_to_event(entry: DiaryEntry, idempotency_key: str) -> Event:
    """The EPCIS 2.0 event that records this diary entry."""
    if not idempotency_key.strip():
        raise ValidationException("An idempotency key is needed", [Problem(
            path="idempotency_key", expected="a non-empty key made by the sender",
            found="nothing")])
    moment = datetime.combine(entry.on, entry.at or _NOON).isoformat(timespec="seconds")
    event: Event = {
        "type": "ObjectEvent",
        "eventID": event_id(idempotency_key),
        "eventTime": moment + OFFSET,
        "eventTimeZoneOffset": OFFSET,
    }
    if isinstance(entry, Harvest):
        event.update(_harvest_what(entry))
    else:
        tags = list(getattr(entry, "animals", ()))  # tagged animals: MATCH_epc=<ear tag>
        event.update({"epcList": [entry.season_id, *tags], "action": "OBSERVE"})
    event["bizStep"] = biz_step(entry)
    if isinstance(entry, Harvest):
        event["disposition"] = "active"
    event["readPoint"] = {"id": entry.plot_id}
    event["bizLocation"] = {"id": entry.plot_id}
    if isinstance(entry, Movement):
        event["destinationList"] = [{"type": "location", "destination": entry.destination}]
    if isinstance(entry, WaterQuality):
        event["sensorElementList"] = [_sensor_element(entry, event["eventTime"])]
    if isinstance(entry, Harvest):
        event["ilmd"] = _harvest_ilmd(entry)
    event["agt:entryKind"] = entry.kind.value
    event["agt:recordedBy"] = entry.recorded_by
    if entry.sown_on is not None:
        event["agt:sownOn"] = entry.sown_on.isoformat()
    if entry.note:
        event["agt:note"] = entry.note
    for attribute, key in _FIELDS[entry.kind]:
        value = _json_value(getattr(entry, attribute))
        if value is not None:
            event[key] = value
    return event


def _sensor_element(entry: WaterQuality, moment: str) -> dict[str, Any]:
    reports = [SENSOR_MEASURES[name] | {"value": value}
               for name in SENSOR_MEASURES if (value := getattr(entry, name)) is not None]
    return {"sensorMetadata": {"time": moment}, "sensorReport": reports}


def _sensor_values(event: Event) -> dict[str, float]:
    """The water-quality fields of a reading, matched on each report's type, substance, unit."""
    out: dict[str, float] = {}
    for element in event.get("sensorElementList") or ():
        for report in element.get("sensorReport") or ():
            for name, spec in SENSOR_MEASURES.items():
                if all(report.get(k) == v for k, v in spec.items()) and "value" in report:
                    out[name] = float(report["value"])
    return out


def _harvest_what(entry: Harvest) -> Event:
    return {
        "epcList": [],
        "action": "ADD",
        "quantityList": [{"epcClass": lot_class(entry), "quantity": entry.kilograms,
                          "uom": "KGM"}],
    }


def _harvest_ilmd(entry: Harvest) -> dict[str, Any]:
    return {
        "cbvmda:countryOfOrigin": entry.country_of_origin,
        "cbvmda:harvestStartDate": entry.on.isoformat(),
        "cbvmda:harvestEndDate": (entry.until or entry.on).isoformat(),
        "cbvmda:lotNumber": entry.lot,
        "agt:plot": entry.plot_id,
        "agt:season": entry.season_id,
    }


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "agt:until": date.fromisoformat,
    "agt:activeIngredients": tuple,
    "agt:waterAction": WaterAction,
    "agt:material": AmendmentMaterial,
    "agt:treatmentPurpose": TreatmentPurpose,
}


def event_to_entry(event: Event) -> DiaryEntry:
    """The diary entry an event made by :func:`entry_to_event` records (for reports on
    the diary, such as rice methane); raises ValidationException for any other event."""
    try:
        kind = EntryKind(event["agt:entryKind"])
        moment = datetime.fromisoformat(event["eventTime"])
        args: dict[str, Any] = {
            "plot_id": event["bizLocation"]["id"],
            "on": moment.date(),
            "at": None if moment.time() == _NOON else moment.time(),
            "recorded_by": event["agt:recordedBy"],
            "note": event.get("agt:note", ""),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationException("Not a farming diary event", [Problem(
            path=str(exc), expected="an event made from a diary entry",
            found="an event without it")]) from exc
    if "agt:sownOn" in event:
        args["sown_on"] = date.fromisoformat(event["agt:sownOn"])
    for attribute, key in _FIELDS[kind]:
        if key in event:
            args[attribute] = _CONVERT.get(key, lambda v: v)(event[key])
    cls = ENTRY_TYPES[kind]
    if kind is EntryKind.WATER_QUALITY:
        args.update(_sensor_values(event))
    if issubclass(cls, Harvest):
        ilmd = event["ilmd"]
        args.update(season_id=ilmd["agt:season"], lot=ilmd["cbvmda:lotNumber"],
                    country_of_origin=ilmd["cbvmda:countryOfOrigin"],
                    gtin=_gtin_of(event["quantityList"][0]["epcClass"]))
        end = date.fromisoformat(ilmd["cbvmda:harvestEndDate"])
        args["until"] = None if end == args["on"] else end
    else:
        args["season_id"] = event["epcList"][0]
        if kind in TAGGED_KINDS:
            args["animals"] = tuple(event["epcList"][1:])
    return cls(**args)  # type: ignore[return-value]


def _gtin_of(epc_class: str) -> str | None:
    prefix = "https://id.gs1.org/01/"
    return epc_class[len(prefix):len(prefix) + 14] if epc_class.startswith(prefix) else None
