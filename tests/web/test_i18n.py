"""Every journey step a consumer can meet is named in Vietnamese and English."""

from __future__ import annotations

from datetime import date

from agritrace.epcis.cbv import BIZ_STEPS
from agritrace.farm.compliance import check_entry
from agritrace.farm.diary import Spraying
from agritrace.farm.diary_events import AGT_BIZSTEP, WATER_STEPS
from agritrace.farm.diary_events import BIZ_STEPS as DIARY_STEPS
from agritrace.farm.geometry import check_geometry
from agritrace.web.i18n import STEPS, Translator, format_amount, format_number


def test_every_cbv_and_diary_step_has_both_languages() -> None:
    diary = {uri.removeprefix(AGT_BIZSTEP) for uri in (*DIARY_STEPS.values(),
                                                        *WATER_STEPS.values())}
    words = set(BIZ_STEPS) | diary
    missing = sorted(w for w in words if set(STEPS.get(w, {})) != {"vi", "en"})
    assert missing == []
    assert Translator("vi").step("crop_caring") == "Chăm sóc"
    assert Translator("en").step("unpacking") == "Unpacked"


def test_one_formatter_writes_the_services_numbers_and_dates_in_each_language() -> None:
    """Issue 15: numbers and dates in the reader's locale, by i18n's formatter rather than by
    hand (1,5 l/ha and dd/mm/yyyy in Vietnamese; 1.5 and 8 Feb 2019 in English)."""
    point = {"type": "Point", "coordinates": [108.051234, 12.681234]}
    (warning,) = check_geometry("Nương A", point, declared_area_ha=1234.5).issues
    assert "thửa 1.234,5 ha" in warning.message_vi and "a 1,234.5 ha plot" in warning.message_en
    paraquat = Spraying(plot_id="urn:x:plot", season_id="urn:x:season", on=date(2026, 6, 1),
                        recorded_by="a", product="Gramoxone 20SL",
                        active_ingredients=("Paraquat",), dose=1.5)
    finding = check_entry(paraquat, crop="coffee")[0]
    assert "từ 08/02/2019" in finding.vi and "since 8 Feb 2019" in finding.en
    assert (format_number(1234.5, "vi", 1), format_amount(4.5, "vi"), format_amount(4.5, "en")) \
        == ("1.234,5", "4,5", "4.5")
