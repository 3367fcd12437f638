"""agritrace: traceability for agricultural products on GS1 EPCIS 2.0."""

__version__ = "0.1.0"
