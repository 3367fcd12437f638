"""EPCIS 2.0 named queries (``/queries``): an organization's saved SimpleEventQuery, run again
under the same reading rule as ``/events``."""
