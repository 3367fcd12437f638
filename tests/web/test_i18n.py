"""Every journey step a consumer can meet is named in Vietnamese and English."""

from __future__ import annotations

from agritrace.epcis.cbv import BIZ_STEPS
from agritrace.farm.diary_events import AGT_BIZSTEP, WATER_STEPS
from agritrace.farm.diary_events import BIZ_STEPS as DIARY_STEPS
from agritrace.web.i18n import STEPS, Translator


def test_every_cbv_and_diary_step_has_both_languages() -> None:
    diary = {uri.removeprefix(AGT_BIZSTEP) for uri in (*DIARY_STEPS.values(),
                                                        *WATER_STEPS.values())}
    words = set(BIZ_STEPS) | diary
    missing = sorted(w for w in words if set(STEPS.get(w, {})) != {"vi", "en"})
    assert missing == []
    assert Translator("vi").step("crop_caring") == "Chăm sóc"
    assert Translator("en").step("unpacking") == "Unpacked"
