"""Every journey step a consumer can meet is named in Vietnamese and English."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

from agritrace.epcis.cbv import BIZ_STEPS
from agritrace.farm.compliance import check_entry
from agritrace.farm.diary import Spraying
from agritrace.farm.diary_events import AGT_BIZSTEP, WATER_STEPS
from agritrace.farm.diary_events import BIZ_STEPS as DIARY_STEPS
from agritrace.farm.geometry import check_geometry
from agritrace.web.i18n import CATALOGUE, STEPS, Translator, format_amount, format_number


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


SRC = Path(__file__).resolve().parents[2] / "src" / "agritrace"


def test_every_message_has_both_languages_and_every_use_names_a_message() -> None:
    """Issue 15: a text without its translation, or a page or service naming a message the
    catalogue lacks (it would print the key itself), fails here."""
    formatter = string.Formatter()

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in formatter.parse(text) if name}

    untranslated = [k for k, v in CATALOGUE.items()
                    if set(v) != {"vi", "en"} or not all(t.strip() for t in v.values())]
    # Both languages are formatted with the same fields: the Vietnamese may leave one out
    # (the role of a farmer is in "nông dân"), never name one the English lacks.
    unfilled = [k for k, v in CATALOGUE.items() if fields(v["vi"]) - fields(v["en"])]
    assert untranslated == [] and unfilled == []
    named = {m.group(1) for page in (SRC / "web" / "templates").rglob("*.html")
             for m in re.finditer(r'\bt\("([a-z0-9_]+)"[,)]', page.read_text("utf-8"))}
    named |= {m.group(1) for module in SRC.rglob("*.py")
              for m in re.finditer(r'"((?:expect|refuse)_[a-z0-9_]+)"', module.read_text("utf-8"))}
    assert sorted(named - set(CATALOGUE) - set(STEPS)) == []


# Texts the same in both languages on purpose: units, symbols and names, no sentence.
SAME_IN_BOTH = frozenset({"hectares", "farm_plot_area", "farm_signed_in_as", "farm_f_ph",
                          "reports_ch4", "reports_co2e", "reports_eudr_nav",
                          "province_col_ch4_kg"})


def untranslated_texts(catalogue: dict[str, dict[str, str]]) -> list[str]:
    """Keys whose Vietnamese is the English (not marked as the same on purpose), or reads as
    English prose: a text someone copied or forgot to translate, whatever its words."""
    from tests.web.test_i18n_messages import looks_english

    def prose(text: str) -> str:  # fields and markup are not words a reader reads
        return re.sub(r"<[^>]+>|\{[^}]*\}", " ", text)
    return sorted(k for k, v in catalogue.items() if looks_english(prose(v["vi"]))
                  or (v["vi"] == v["en"] and k not in SAME_IN_BOTH))


def test_no_catalogue_text_leaves_its_vietnamese_in_english() -> None:
    """Issue 15: the word-list detector let through English that avoids its words. Every
    catalogue text differs in its two languages unless marked the same on purpose, and no
    Vietnamese text reads as English."""
    assert untranslated_texts({**CATALOGUE, **STEPS}) == []
    assert untranslated_texts({
        "copied": {"vi": "Scan again later", "en": "Scan again later"},
        "forgotten": {"vi": "Please type the code again", "en": "Type the code again"},
        "unit": {"vi": "{value} kg", "en": "{value} kg"},
        "hectares": {"vi": "{value} ha", "en": "{value} ha"}}) == ["copied", "forgotten", "unit"]
