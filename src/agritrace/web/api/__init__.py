"""HTTP APIs: thin adapters over the services."""
