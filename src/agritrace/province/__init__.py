"""The province's desk: administrative areas, officers, indicators and open data."""
