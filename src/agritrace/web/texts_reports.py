"""Texts of the EUDR and rice methane pages (key -> {language -> text})."""

TEXTS: dict[str, dict[str, str]] = {
    "reports_site_name": {"vi": "Báo cáo", "en": "Reports"},
}
