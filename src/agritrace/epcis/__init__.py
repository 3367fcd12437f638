"""The GS1 EPCIS 2.0 / CBV 2.0 standard itself: model, codecs, validation, hash ID."""
