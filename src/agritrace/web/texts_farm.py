"""Texts of the farmer's and the cooperative manager's pages (key -> {language -> text})."""

TEXTS: dict[str, dict[str, str]] = {
    "farm_site_name": {"vi": "Nhật ký đồng ruộng", "en": "Farm diary"},
}
