"""agritrace: traceability for agricultural products on GS1 EPCIS 2.0."""

from agritrace import speedups as _speedups

__version__ = "0.1.0"

_speedups.install()
