"""CBV 2.0 vocabularies, shared by validation, hashing and the codecs.

The word lists are the CBV 2.0 standard vocabulary (the terms the GS1 JSON-LD context defines).
In JSON a value may be the bare word (``shipping``) or a URI; these helpers map both ways.
"""

from __future__ import annotations

# Business steps (CBV 2.0 section 7.1).
BIZ_STEPS: frozenset[str] = frozenset(
    {
        'accepting',
        'arriving',
        'assembling',
        'collecting',
        'commissioning',
        'consigning',
        'creating_class_instance',
        'cycle_counting',
        'decommissioning',
        'departing',
        'destroying',
        'disassembling',
        'dispensing',
        'encoding',
        'entering_exiting',
        'holding',
        'inspecting',
        'installing',
        'killing',
        'loading',
        'other',
        'packing',
        'picking',
        'receiving',
        'removing',
        'repackaging',
        'repairing',
        'replacing',
        'reserving',
        'retail_selling',
        'sampling',
        'sensor_reporting',
        'shipping',
        'staging_outbound',
        'stock_taking',
        'stocking',
        'storing',
        'transporting',
        'unloading',
        'unpacking',
        'void_shipping',
    }
)

# Dispositions (CBV 2.0 section 7.2).
DISPOSITIONS: frozenset[str] = frozenset(
    {
        'active',
        'available',
        'completeness_inferred',
        'completeness_verified',
        'conformant',
        'container_closed',
        'container_open',
        'damaged',
        'destroyed',
        'dispensed',
        'disposed',
        'encoded',
        'expired',
        'in_progress',
        'in_transit',
        'inactive',
        'mismatch_class',
        'mismatch_instance',
        'mismatch_quantity',
        'needs_replacement',
        'no_pedigree_match',
        'non_conformant',
        'non_sellable_other',
        'partially_dispensed',
        'recalled',
        'reserved',
        'retail_sold',
        'returned',
        'sellable_accessible',
        'sellable_not_accessible',
        'stolen',
        'unavailable',
        'unknown',
    }
)

# Business transaction types (CBV 2.0 section 7.3).
BIZ_TRANSACTION_TYPES: frozenset[str] = frozenset(
    {
        'bol',
        'cert',
        'desadv',
        'inv',
        'pedigree',
        'po',
        'poc',
        'prodorder',
        'recadv',
        'rma',
        'testprd',
        'testres',
        'upevt',
    }
)

# Source/destination types (CBV 2.0 section 7.4).
SOURCE_DEST_TYPES: frozenset[str] = frozenset(
    {
        'location',
        'owning_party',
        'possessing_party',
    }
)

# Error reasons (CBV 2.0 section 7.5).
ERROR_REASONS: frozenset[str] = frozenset(
    {
        'did_not_occur',
        'incorrect_data',
    }
)

# Sensor components (CBV 2.0 section 7.6).
COMPONENTS: frozenset[str] = frozenset(
    {
        'altitude',
        'axial_distance',
        'azimuth',
        'easting',
        'elevation_angle',
        'height',
        'latitude',
        'longitude',
        'northing',
        'polar_angle',
        'spherical_radius',
        'x',
        'y',
        'z',
    }
)

# Sensor measurement types (GS1 Web Vocabulary).
MEASUREMENT_TYPES: frozenset[str] = frozenset(
    {
        'AbsoluteHumidity',
        'AbsorbedDose',
        'AbsorbedDoseRate',
        'Acceleration',
        'Altitude',
        'AmountOfSubstance',
        'AmountOfSubstancePerUnitVolume',
        'Angle',
        'AngularAcceleration',
        'AngularMomentum',
        'AngularVelocity',
        'Area',
        'Capacitance',
        'Conductance',
        'Conductivity',
        'Count',
        'Density',
        'Dimensionless',
        'DoseEquivalent',
        'DoseEquivalentRate',
        'DynamicViscosity',
        'ElectricCharge',
        'ElectricCurrent',
        'ElectricCurrentDensity',
        'ElectricFieldStrength',
        'Energy',
        'Exposure',
        'Force',
        'Frequency',
        'Illuminance',
        'Inductance',
        'Irradiance',
        'KinematicViscosity',
        'Length',
        'LinearMomentum',
        'Luminance',
        'LuminousFlux',
        'LuminousIntensity',
        'MagneticFlux',
        'MagneticFluxDensity',
        'MagneticVectorPotential',
        'Mass',
        'MassConcentration',
        'MassFlowRate',
        'MassPerAreaTime',
        'MemoryCapacity',
        'MolalityOfSolute',
        'MolarEnergy',
        'MolarMass',
        'MolarVolume',
        'Power',
        'Pressure',
        'RadiantFlux',
        'RadiantIntensity',
        'Radioactivity',
        'RelativeHumidity',
        'Resistance',
        'Resistivity',
        'SolidAngle',
        'SpecificVolume',
        'Speed',
        'SurfaceDensity',
        'SurfaceTension',
        'Temperature',
        'Time',
        'Torque',
        'Voltage',
        'Volume',
        'VolumeFlowRate',
        'VolumeFraction',
        'VolumetricFlux',
        'Wavenumber',
    }
)

# Sensor alert types (GS1 Web Vocabulary).
SENSOR_ALERT_TYPES: frozenset[str] = frozenset(
    {
        'ALARM_CONDITION',
        'ERROR_CONDITION',
    }
)

# The URN prefix of each vocabulary as EPCIS 1.x / XML writes it.
URN_PREFIXES: dict[str, str] = {
    "bizStep": "urn:epcglobal:cbv:bizstep:",
    "disposition": "urn:epcglobal:cbv:disp:",
    "bizTransactionType": "urn:epcglobal:cbv:btt:",
    "sourceDestType": "urn:epcglobal:cbv:sdt:",
    "errorReason": "urn:epcglobal:cbv:er:",
}

# The Web URI prefix of each vocabulary as the JSON-LD context expands bare words.
WEB_PREFIXES: dict[str, str] = {
    "bizStep": "https://ref.gs1.org/cbv/BizStep-",
    "disposition": "https://ref.gs1.org/cbv/Disp-",
    "bizTransactionType": "https://ref.gs1.org/cbv/BTT-",
    "sourceDestType": "https://ref.gs1.org/cbv/SDT-",
    "errorReason": "https://ref.gs1.org/cbv/ER-",
    "component": "https://ref.gs1.org/cbv/Comp-",
    "measurementType": "https://gs1.org/voc/",
    "sensorAlertType": "https://gs1.org/voc/",
}

VOCABULARIES: dict[str, frozenset[str]] = {
    "bizStep": BIZ_STEPS,
    "disposition": DISPOSITIONS,
    "bizTransactionType": BIZ_TRANSACTION_TYPES,
    "sourceDestType": SOURCE_DEST_TYPES,
    "errorReason": ERROR_REASONS,
    "component": COMPONENTS,
    "measurementType": MEASUREMENT_TYPES,
    "sensorAlertType": SENSOR_ALERT_TYPES,
}


def bare_word(vocabulary: str, value: str) -> str | None:
    """The CBV bare word a value stands for, whichever form it was written in, else None.

    >>> bare_word("bizStep", "urn:epcglobal:cbv:bizstep:shipping")
    'shipping'
    >>> bare_word("bizStep", "https://ref.gs1.org/cbv/BizStep-shipping")
    'shipping'
    >>> bare_word("bizStep", "https://example.com/steps/drying") is None
    True
    """
    words = VOCABULARIES[vocabulary]
    if value in words:
        return value
    for prefixes in (URN_PREFIXES, WEB_PREFIXES):
        prefix = prefixes.get(vocabulary)
        if prefix and value.startswith(prefix) and value[len(prefix):] in words:
            return value[len(prefix):]
    return None


def to_urn(vocabulary: str, value: str) -> str:
    """The value as the URN an EPCIS 1.x/XML system writes, when it is a CBV word.

    >>> to_urn("disposition", "in_transit")
    'urn:epcglobal:cbv:disp:in_transit'
    """
    word = bare_word(vocabulary, value)
    prefix = URN_PREFIXES.get(vocabulary)
    if word is None or prefix is None:
        return value
    return prefix + word

