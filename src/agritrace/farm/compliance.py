"""Compliance rules, computed when a diary entry is made, and growing-area code readiness.

Per entry (:func:`check_entry`), each finding in plain Vietnamese with English beside it:

- a banned or withdrawn active ingredient (by name, or by a known trade name) is **refused**:
  the entry must not be saved (:func:`raise_refusals`);
- a harvest before the pre-harvest interval of a spraying in the same season has passed is
  **flagged**, naming the product and the safe date;
- a dose over the label maximum, a product not registered for the crop, or a product not in
  the registered-product table are **warnings**.

Per plot (:func:`plot_readiness`), the requirements for a growing-area code (mã số vùng trồng):
diary continuity, a named technical manager, pest monitoring, only permitted inputs and the
minimum area for the crop and export market; per cooperative (:func:`cooperative_readiness`),
the hectares already coded, ready, and not ready. Thresholds are configuration
(:class:`ReadinessRules`), since they differ by crop and market.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from agritrace.errors import Problem, ValidationException
from agritrace.farm.diary import (
    AnimalSale,
    DiaryEntry,
    DiseaseObservation,
    Feeding,
    Harvest,
    PestObservation,
    Spraying,
    Treatment,
    TreatmentPurpose,
    WaterQuality,
)
from agritrace.farm.pesticides import (
    CROPS,
    BannedIngredient,
    banned_by_trade_name,
    dose_in,
    find_banned,
    product_registrations,
    registration_for,
)
from agritrace.farm.veterinary import antibiotic, banned_table, sector_of, species_vi
from agritrace.web.i18n import format_amount, format_date


class Severity(StrEnum):
    REFUSED = "refused"  # the entry is not saved
    FLAGGED = "flagged"  # saved, but the lot needs attention before it is sold
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on an entry, ready to show the farmer."""

    rule: str
    severity: Severity
    path: str
    vi: str
    en: str
    expected: str
    found: str
    #: The active ingredient or substance the rule is about ("" when none is named): what the
    #: province counts refusals and flags by.
    ingredient: str = ""

    def as_problem(self) -> Problem:
        return Problem(path=self.path, expected=self.expected, found=self.found)


def _d(day: date) -> str:
    """A date in a Vietnamese text (dd/mm/yyyy), by the one formatter of every page."""
    return format_date(day, "vi")


def _e(day: date) -> str:
    """A date in an English text (6 Nov 2026)."""
    return format_date(day, "en")


def _crop_vi(crop: str) -> str:
    return CROPS.get(crop, crop)


def check_entry(entry: DiaryEntry, *, crop: str,
                history: Iterable[DiaryEntry] = ()) -> list[Finding]:
    """The findings for a new entry, given the plot's crop and the season's earlier entries."""
    if isinstance(entry, Spraying):
        return _check_spraying(entry, crop)
    if isinstance(entry, Treatment | Feeding):
        return _check_substances(entry, crop)
    if isinstance(entry, Harvest):
        return _check_harvest(entry, crop, history)
    return []


class Refused(ValidationException):
    """An entry the rules refuse; ``text(lang)`` says why in the farmer's language."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        super().__init__(self.text("vi") + " / " + self.text("en"),
                         [f.as_problem() for f in self.findings])

    def text(self, lang: str) -> str:
        return " ".join(f.vi if lang == "vi" else f.en for f in self.findings)


def raise_refusals(findings: Sequence[Finding]) -> None:
    """Raise Refused when any finding refuses the entry."""
    refused = [f for f in findings if f.severity is Severity.REFUSED]
    if refused:
        raise Refused(refused)


def _check_spraying(entry: Spraying, crop: str) -> list[Finding]:
    banned = _banned_in(entry, crop)
    if banned:
        return banned
    registrations = product_registrations(entry.product)
    if not registrations:
        return [Finding(
            "unknown_product", Severity.WARNING, "spraying.product",
            f"Không tìm thấy thuốc {entry.product} trong danh mục thuốc đã đăng ký của hệ "
            "thống; hãy kiểm tra lại tên thuốc trên bao bì.",
            f"{entry.product} is not in the registered-product table; check the name on "
            "the label.",
            "a product registered in Vietnam", repr(entry.product))]
    registration = registration_for(entry.product, crop)
    if registration is None:
        crops = ", ".join(sorted({_crop_vi(r.crop) for r in registrations}))
        return [Finding(
            "not_registered_for_crop", Severity.WARNING, "spraying.product",
            f"Thuốc {entry.product} không được đăng ký sử dụng trên cây {_crop_vi(crop)} "
            f"(chỉ đăng ký cho: {crops}).",
            f"{entry.product} is not registered for {crop} (registered for: "
            f"{', '.join(sorted({r.crop for r in registrations}))}).",
            f"a product registered for {crop}", repr(entry.product))]
    dose = dose_in(entry.dose, entry.dose_unit, registration.dose_unit)
    label = f"{format_amount(registration.max_dose, 'vi')} {registration.dose_unit}"
    given = f"{format_amount(entry.dose, 'vi')} {entry.dose_unit}"
    label_en = f"{format_amount(registration.max_dose, 'en')} {registration.dose_unit}"
    given_en = f"{format_amount(entry.dose, 'en')} {entry.dose_unit}"
    plain = f"{entry.dose:g} {entry.dose_unit}"  # the API's found value
    if dose is None:
        return [Finding(
            "dose_unit_mismatch", Severity.WARNING, "spraying.dose_unit",
            f"Liều {given} không so được với liều trên nhãn {entry.product} ({label}): "
            "thuốc dạng lỏng tính theo lít, dạng bột/hạt tính theo kg.",
            f"The dose {given_en} cannot be compared with the label dose of {entry.product} "
            f"({label_en}): liquids are measured in litres, powders and granules in kg.",
            f"a dose in {registration.dose_unit}", plain)]
    if dose > registration.max_dose:
        return [Finding(
            "dose_over_label", Severity.WARNING, "spraying.dose",
            f"Liều {given} của {entry.product} vượt liều tối đa trên nhãn ({label}).",
            f"The dose {given_en} of {entry.product} is over the label maximum ({label_en}).",
            f"at most {registration.max_dose:g} {registration.dose_unit}", plain)]
    return []


def _banned_in(entry: Spraying, crop: str) -> list[Finding]:
    names = list(entry.active_ingredients)
    registration = registration_for(entry.product, crop)
    if registration is not None:
        names += registration.active_ingredients
    findings = [_banned_finding(item, "spraying.active_ingredients", entry.product)
                for item in find_banned(names, entry.on)]
    by_name = banned_by_trade_name(entry.product)
    if by_name is not None and by_name.applies_on(entry.on) and by_name not in find_banned(
            names, entry.on):
        findings.append(_banned_finding(by_name, "spraying.product", entry.product))
    return findings


def _banned_finding(item: BannedIngredient, path: str, product: str) -> Finding:
    if item.status == "banned":
        why_vi = f"thuộc danh mục thuốc BVTV cấm sử dụng tại Việt Nam ({item.legal_basis_vi})"
        why_en = f"is banned in Vietnam ({item.legal_basis})"
    else:
        day = item.refused_from
        since_vi, since_en = (_d(day), _e(day)) if day else ("", "")
        why_vi = (f"đã bị loại khỏi danh mục thuốc BVTV được phép sử dụng, cấm buôn bán và "
                  f"sử dụng từ {since_vi} ({item.legal_basis_vi})")
        why_en = (f"was removed from the list of permitted pesticides; its sale and use are "
                  f"prohibited since {since_en} ({item.legal_basis})")
    return Finding(
        "banned_ingredient", Severity.REFUSED, path,
        f"Hoạt chất {item.name} (trong {product}) {why_vi}. Không ghi nhận lần phun này; "
        "hãy dùng thuốc trong danh mục được phép.",
        f"The active ingredient {item.name} (in {product}) {why_en}. This spraying is "
        "refused; use a permitted product.",
        "only active ingredients permitted in Vietnam", repr(item.name), item.name)


def phi_days(spraying: Spraying, crop: str) -> int | None:
    """The pre-harvest interval of a spraying: as entered, else from the product's label."""
    if spraying.phi_days is not None:
        return spraying.phi_days
    registration = registration_for(spraying.product, crop)
    return None if registration is None else registration.phi_days


def _check_harvest(entry: Harvest, crop: str, history: Iterable[DiaryEntry]) -> list[Finding]:
    """A harvest, sale or slaughter before the interval of an earlier spraying (pre-harvest
    interval) or veterinary treatment (withdrawal period) of the season has run out is flagged
    with the safe date: the latest of them binds."""
    earlier = [e for e in history if isinstance(e, Spraying | Treatment)
               and e.plot_id == entry.plot_id and e.season_id == entry.season_id
               and e.on <= entry.on]
    findings: list[Finding] = []
    binding: tuple[date, Spraying | Treatment, int] | None = None
    for applied in earlier:
        days = applied.withdrawal_days if isinstance(applied, Treatment) else phi_days(
            applied, crop)
        if days is None and isinstance(applied, Spraying):
            findings.append(_phi_unknown(applied))
            continue
        safe = applied.on + timedelta(days=days or 0)
        if safe > entry.on and (binding is None or safe > binding[0]):
            binding = (safe, applied, days or 0)
    if binding is not None:
        safe, applied, days = binding
        findings.insert(0, _withdrawal_finding(entry, safe, applied, days)
                        if isinstance(applied, Treatment)
                        else _phi_finding(entry, safe, applied, days))
    return findings


def _phi_finding(entry: Harvest, safe: date, spraying: Spraying, days: int) -> Finding:
    return Finding(
        "pre_harvest_interval", Severity.FLAGGED, "harvest.on",
        f"Thu hoạch ngày {_d(entry.on)} khi chưa hết thời gian cách ly của {spraying.product} "
        f"(phun ngày {_d(spraying.on)}, cách ly {days} ngày). Ngày thu hoạch an toàn: "
        f"{_d(safe)}. Lô {entry.lot} cần được giữ lại và kiểm tra dư lượng.",
        f"Harvest on {_e(entry.on)} is within the pre-harvest interval of {spraying.product} "
        f"(sprayed {_e(spraying.on)}, interval {days} days). Safe harvest date: {_e(safe)}. "
        f"Hold lot {entry.lot} and test it for residues.",
        f"a harvest on or after {safe.isoformat()}", entry.on.isoformat())


def _withdrawal_finding(entry: Harvest, safe: date, treatment: Treatment, days: int) -> Finding:
    if isinstance(entry, AnimalSale):
        what_vi, what_en = ("Giết mổ", "Slaughter") if entry.slaughter else ("Xuất bán", "Sale")
    else:
        what_vi, what_en = "Thu hoạch", "Harvest"
    return Finding(
        "withdrawal_period", Severity.FLAGGED, f"{entry.kind.value}.on",
        f"{what_vi} ngày {_d(entry.on)} khi chưa hết thời gian ngừng thuốc của "
        f"{treatment.product} (dùng ngày {_d(treatment.on)}, ngừng thuốc {days} ngày). Ngày "
        f"an toàn: {_d(safe)}. Lô {entry.lot} cần được giữ lại và kiểm tra tồn dư thuốc.",
        f"{what_en} on {_e(entry.on)} is within the withdrawal period of {treatment.product} "
        f"(given {_e(treatment.on)}, withdrawal {days} days). Safe date: {_e(safe)}. "
        f"Hold lot {entry.lot} and test it for drug residues.",
        f"a date on or after {safe.isoformat()}", entry.on.isoformat())


def _check_substances(entry: Treatment | Feeding, species: str) -> list[Finding]:
    """Substances banned in husbandry or aquaculture are refused; so is an antibiotic given to
    livestock to prevent disease once the roadmap has ended that use."""
    table = banned_table(species)
    path = f"{entry.kind.value}.active_ingredients"
    found = find_banned(entry.active_ingredients, entry.on, table)
    findings = [_substance_finding(item, path, entry.product, species) for item in found]
    by_name = banned_by_trade_name(entry.product, table)
    if by_name is not None and by_name.applies_on(entry.on) and by_name not in found:
        findings.append(_substance_finding(by_name, f"{entry.kind.value}.product",
                                           entry.product, species))
    if isinstance(entry, Treatment) and entry.purpose is TreatmentPurpose.PROPHYLAXIS:
        findings += _prophylaxis(entry, species)
    if isinstance(entry, Feeding):
        findings += _antibiotic_in_feed(entry)
    return findings


def _antibiotic_in_feed(entry: Feeding) -> list[Finding]:
    """A feed with an antibiotic in it: its purpose and withdrawal period are not recorded."""
    drugs = [a for name in entry.active_ingredients if (a := antibiotic(name)) is not None]
    if not drugs:
        return []
    names = ", ".join(dict.fromkeys(a.name for a in drugs))
    return [Finding(
        "antibiotic_in_feed", Severity.WARNING, "feeding.active_ingredients",
        f"Thức ăn {entry.product} có kháng sinh ({names}). Không trộn kháng sinh vào thức ăn "
        "để phòng bệnh; nếu dùng để trị bệnh, hãy ghi thêm mục 'Dùng thuốc thú y' với thời "
        "gian ngừng thuốc để biết ngày xuất bán an toàn.",
        f"The feed {entry.product} contains antibiotics ({names}). Antibiotics may not be mixed "
        "into feed to prevent disease; if it treats a disease, also record a veterinary "
        "treatment with its withdrawal period so the safe sale date is known.",
        "a feed without antibiotics, or a treatment entry", names)]


def _substance_finding(item: BannedIngredient, path: str, product: str,
                       species: str) -> Finding:
    where_vi = ("nuôi trồng thủy sản" if sector_of(species) == "aquaculture"
                else "chăn nuôi")
    where_en = "aquaculture" if sector_of(species) == "aquaculture" else "animal husbandry"
    since_vi = since_en = ""
    if item.status == "withdrawn" and item.refused_from is not None:
        since_vi, since_en = f" từ {_d(item.refused_from)}", f" since {_e(item.refused_from)}"
    return Finding(
        "banned_substance", Severity.REFUSED, path,
        f"Chất {item.name} (trong {product}) bị cấm sử dụng trong {where_vi}{since_vi} "
        f"({item.legal_basis_vi}). Không ghi nhận mục này; hãy dùng sản phẩm được phép.",
        f"{item.name} (in {product}) is banned in {where_en} in Vietnam{since_en} "
        f"({item.legal_basis}). This entry is refused; use a permitted product.",
        f"only substances permitted in {where_en}", repr(item.name), item.name)


def _prophylaxis(entry: Treatment, species: str) -> list[Finding]:
    drugs = [a for name in entry.active_ingredients if (a := antibiotic(name)) is not None]
    if not drugs:
        return []
    names = ", ".join(dict.fromkeys(a.name for a in drugs))
    if sector_of(species) != "livestock":
        return [Finding(
            "antibiotic_prophylaxis", Severity.WARNING, "treatment.purpose",
            f"{entry.product} chứa kháng sinh ({names}): chỉ dùng kháng sinh để trị bệnh, "
            "theo chỉ định của cán bộ thú y, không dùng để phòng bệnh.",
            f"{entry.product} contains antibiotics ({names}): use antibiotics to treat a "
            "disease, as a veterinarian prescribes, not to prevent one.",
            "treatment", "prophylaxis")]
    refused = [a for a in drugs if a.prophylaxis_refused_on(entry.on)]
    if not refused:
        return []
    since = min(a.prophylaxis_refused_from for a in refused)
    return [Finding(
        "antibiotic_prophylaxis", Severity.REFUSED, "treatment.purpose",
        f"Không được dùng kháng sinh {names} (trong {entry.product}) để phòng bệnh cho "
        f"{species_vi(species)} từ {_d(since)} (Luật Chăn nuôi 2018, Nghị định 13/2020/NĐ-CP). "
        "Kháng sinh chỉ dùng để trị bệnh; nếu vật nuôi đang bệnh, hãy ghi mục đích là điều trị.",
        f"The antibiotic {names} (in {entry.product}) may not be given to prevent disease in "
        f"{species} since {_e(since)} (Law on Animal Husbandry 2018, Decree 13/2020/ND-CP). "
        "Antibiotics are for treatment only; if the animals are sick, record it as a treatment.",
        "treatment (antibiotics are not allowed for prevention)", "prophylaxis", names)]


def _phi_unknown(spraying: Spraying) -> Finding:
    return Finding(
        "pre_harvest_interval_unknown", Severity.WARNING, "spraying.phi_days",
        f"Không rõ thời gian cách ly của {spraying.product} (phun ngày {_d(spraying.on)}); "
        "hãy ghi số ngày cách ly trên nhãn thuốc.",
        f"The pre-harvest interval of {spraying.product} (sprayed {_e(spraying.on)}) is "
        "unknown; record the interval printed on the label.",
        "a pre-harvest interval in days", "nothing")


# --- growing-area code readiness -------------------------------------------------------------

# Minimum plot area in hectares per crop and export market; "*" matches any. The often cited
# 10 ha for fruit exported to China is an example to be confirmed per market, not a rule.
DEFAULT_MIN_AREA_HA: Mapping[str, Mapping[str, float]] = {
    "*": {"*": 0.0},
    "durian": {"CN": 10.0},
    "dragon_fruit": {"CN": 10.0},
    "mango": {"CN": 10.0},
    "lychee": {"CN": 10.0},
}


@dataclass(frozen=True)
class ReadinessRules:
    """The configurable thresholds of the growing-area code readiness report."""

    max_gap_days: int = 30
    min_pest_observations: int = 1
    min_area_ha: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: DEFAULT_MIN_AREA_HA)
    # Barns and ponds (VietGAHP, VietGAP for aquaculture): their diary is kept more often,
    # disease is watched, and a pond's water is measured at least every few days.
    animal_max_gap_days: int = 7
    min_disease_observations: int = 1
    max_days_between_water_readings: int = 7

    def area_threshold(self, crop: str, market: str) -> float:
        """The most specific threshold: crop and market, crop, market, then the default.

        >>> ReadinessRules().area_threshold("durian", "CN"), ReadinessRules().area_threshold(
        ...     "rice", "EU")
        (10.0, 0.0)
        """
        for c, m in ((crop, market), (crop, "*"), ("*", market), ("*", "*")):
            if m in self.min_area_ha.get(c, {}):
                return self.min_area_ha[c][m]
        return 0.0


@dataclass(frozen=True)
class PlotRecord:
    """What the readiness report needs to know about one plot over the period checked."""

    plot_id: str
    cooperative_id: str
    crop: str
    market: str
    area_ha: float
    period_start: date
    as_of: date
    entries: tuple[DiaryEntry, ...] = ()
    technical_manager: str | None = None
    area_code: str | None = None


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    vi: str
    en: str


@dataclass(frozen=True)
class PlotReadiness:
    plot_id: str
    cooperative_id: str
    area_ha: float
    coded: bool
    checks: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def status(self) -> str:
        """``coded`` when a code is granted, else ``ready`` or ``not_ready``."""
        return "coded" if self.coded else "ready" if self.ready else "not_ready"

    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]


@dataclass(frozen=True)
class CooperativeReadiness:
    cooperative_id: str
    hectares_coded: float
    hectares_ready: float
    hectares_not_ready: float
    plots: tuple[PlotReadiness, ...]

    @property
    def coded_at_risk(self) -> list[str]:
        """Coded plots that fail a requirement now: their code could be revoked."""
        return [p.plot_id for p in self.plots if p.coded and not p.ready]


def plot_readiness(plot: PlotRecord, rules: ReadinessRules | None = None) -> PlotReadiness:
    """A plot against the growing-area code requirements; a barn against VietGAHP's and a pond
    or cage against VietGAP's for aquaculture (the place's ``crop`` is then its species)."""
    rules = rules or ReadinessRules()
    sector = sector_of(plot.crop)
    checks: tuple[CheckResult, ...]
    if sector == "crop":
        checks = (_continuity(plot, rules.max_gap_days), _technical_manager(plot),
                  _pest_monitoring(plot, rules), _permitted_inputs(plot), _area(plot, rules))
    else:
        checks = (_continuity(plot, rules.animal_max_gap_days), _technical_manager(plot),
                  _disease_monitoring(plot, rules), _animal_inputs(plot),
                  _withdrawal_respected(plot))
        if sector == "aquaculture":
            checks += (_water_monitoring(plot, rules),)
    return PlotReadiness(plot.plot_id, plot.cooperative_id, plot.area_ha,
                         plot.area_code is not None, checks)


def cooperative_readiness(plots: Iterable[PlotRecord], rules: ReadinessRules | None = None,
                          ) -> dict[str, CooperativeReadiness]:
    """Per cooperative: hectares coded, ready for a code, and not ready, with each plot."""
    by_coop: dict[str, list[PlotReadiness]] = {}
    for plot in plots:
        by_coop.setdefault(plot.cooperative_id, []).append(plot_readiness(plot, rules))
    return {coop: _summary(coop, reports) for coop, reports in sorted(by_coop.items())}


def _summary(coop: str, reports: list[PlotReadiness]) -> CooperativeReadiness:
    def hectares(status: str) -> float:
        return round(sum(r.area_ha for r in reports if r.status == status), 4)

    return CooperativeReadiness(coop, hectares("coded"), hectares("ready"),
                                hectares("not_ready"), tuple(reports))


def diary_gaps(plot: PlotRecord, max_gap_days: int) -> list[tuple[date, date, int]]:
    """Spans longer than ``max_gap_days`` with no entry, from the period start to the harvest
    (or to ``as_of`` while the crop is still in the field)."""
    days = sorted({e.on for e in plot.entries if plot.period_start <= e.on <= plot.as_of})
    harvests = [e.until or e.on for e in plot.entries if isinstance(e, Harvest)]
    end = min(max(harvests), plot.as_of) if harvests else plot.as_of
    marks = [plot.period_start, *[d for d in days if d <= end], end]
    return [(a, b, (b - a).days) for a, b in pairwise(marks)
            if (b - a).days > max_gap_days]


def _continuity(plot: PlotRecord, max_gap_days: int) -> CheckResult:
    gaps = diary_gaps(plot, max_gap_days)
    if not gaps:
        return CheckResult(
            "diary_continuity", True,
            f"Nhật ký ghi liên tục (không có khoảng trống quá {max_gap_days} ngày).",
            f"The diary is continuous (no gap over {max_gap_days} days).")
    vi = "; ".join(f"{n} ngày từ {_d(a)} đến {_d(b)}" for a, b, n in gaps)
    en = "; ".join(f"{n} days from {_e(a)} to {_e(b)}" for a, b, n in gaps)
    return CheckResult(
        "diary_continuity", False,
        f"Nhật ký bị gián đoạn quá {max_gap_days} ngày: {vi}.",
        f"The diary has gaps over {max_gap_days} days: {en}.")


def _technical_manager(plot: PlotRecord) -> CheckResult:
    name = (plot.technical_manager or "").strip()
    if name:
        return CheckResult("technical_manager", True, f"Cán bộ kỹ thuật phụ trách: {name}.",
                           f"Technical manager: {name}.")
    return CheckResult("technical_manager", False,
                       "Chưa có cán bộ kỹ thuật phụ trách vùng trồng.",
                       "No technical manager is named for the growing area.")


def _pest_monitoring(plot: PlotRecord, rules: ReadinessRules) -> CheckResult:
    count = sum(1 for e in plot.entries if isinstance(e, PestObservation))
    return _often_enough("pest_monitoring", count, rules.min_pest_observations,
                         "điều tra sâu bệnh", "pest observations")


def _often_enough(rule: str, count: int, need: int, what_vi: str, what_en: str) -> CheckResult:
    """A check that the diary holds at least ``need`` entries of one kind."""
    return CheckResult(rule, count >= need, f"Đã ghi {count} lần {what_vi} (cần ít nhất {need}).",
                       f"{count} {what_en} recorded (at least {need} needed).")


def _permitted_inputs(plot: PlotRecord) -> CheckResult:
    bad: list[str] = []
    unverified: list[str] = []
    for entry in plot.entries:
        if not isinstance(entry, Spraying):
            continue
        for finding in check_entry(entry, crop=plot.crop):
            if finding.rule in ("banned_ingredient", "not_registered_for_crop"):
                bad.append(f"{entry.product} ({_d(entry.on)})")
            elif finding.rule == "unknown_product":
                unverified.append(entry.product)
    if bad:
        listed = ", ".join(dict.fromkeys(bad))
        return CheckResult("permitted_inputs", False,
                           f"Đã dùng thuốc không được phép cho cây {_crop_vi(plot.crop)}: "
                           f"{listed}.",
                           f"Products not permitted for {plot.crop} were used: {listed}.")
    note_vi = note_en = ""
    if unverified:
        listed = ", ".join(dict.fromkeys(unverified))
        note_vi = f" Chưa xác minh được: {listed}."
        note_en = f" Not verified: {listed}."
    return CheckResult("permitted_inputs", True,
                       "Chỉ dùng thuốc BVTV được phép." + note_vi,
                       "Only permitted plant-protection products were used." + note_en)


def _disease_monitoring(plot: PlotRecord, rules: ReadinessRules) -> CheckResult:
    count = sum(1 for e in plot.entries if isinstance(e, DiseaseObservation))
    return _often_enough("disease_monitoring", count, rules.min_disease_observations,
                         "kiểm tra dịch bệnh", "disease checks")


def _animal_inputs(plot: PlotRecord) -> CheckResult:
    """No banned substance in feed or drugs, no antibiotic given to prevent disease."""
    bad = [f"{entry.product} ({_d(entry.on)})" for entry in plot.entries
           if isinstance(entry, Treatment | Feeding)
           and any(f.severity is Severity.REFUSED for f in check_entry(entry, crop=plot.crop))]
    if bad:
        listed = ", ".join(dict.fromkeys(bad))
        return CheckResult("permitted_inputs", False,
                           f"Đã dùng thuốc hoặc thức ăn không được phép: {listed}.",
                           f"Drugs or feed not permitted were used: {listed}.")
    return CheckResult("permitted_inputs", True,
                       "Chỉ dùng thuốc thú y và thức ăn được phép.",
                       "Only permitted veterinary drugs and feed were used.")


def _withdrawal_respected(plot: PlotRecord) -> CheckResult:
    entries = sorted(plot.entries, key=lambda e: e.on)
    early = [f"{e.lot} ({_d(e.on)})" for i, e in enumerate(entries) if isinstance(e, Harvest)
             and any(f.rule == "withdrawal_period"
                     for f in check_entry(e, crop=plot.crop, history=entries[:i]))]
    if early:
        listed = ", ".join(early)
        return CheckResult("withdrawal_respected", False,
                           f"Xuất bán hoặc thu hoạch khi chưa hết thời gian ngừng thuốc: "
                           f"{listed}.",
                           f"Sold or harvested within a withdrawal period: {listed}.")
    return CheckResult("withdrawal_respected", True,
                       "Không xuất bán, thu hoạch trong thời gian ngừng thuốc.",
                       "Nothing was sold or harvested within a withdrawal period.")


def _water_monitoring(plot: PlotRecord, rules: ReadinessRules) -> CheckResult:
    """The pond's water measured at least every ``max_days_between_water_readings`` days from
    stocking (the period start) to the harvest or ``as_of``."""
    readings = [e for e in plot.entries if isinstance(e, WaterQuality)]
    marked = replace(plot, entries=tuple(readings) + tuple(
        e for e in plot.entries if isinstance(e, Harvest)))
    gaps = diary_gaps(marked, rules.max_days_between_water_readings)
    need = rules.max_days_between_water_readings
    if not gaps:
        return CheckResult(
            "water_monitoring", True,
            f"Đã đo chất lượng nước {len(readings)} lần, không cách nhau quá {need} ngày.",
            f"Water quality measured {len(readings)} times, never more than {need} days "
            "apart.")
    vi = "; ".join(f"{n} ngày từ {_d(a)} đến {_d(b)}" for a, b, n in gaps)
    en = "; ".join(f"{n} days from {_e(a)} to {_e(b)}" for a, b, n in gaps)
    return CheckResult(
        "water_monitoring", False,
        f"Không đo chất lượng nước quá {need} ngày: {vi}.",
        f"Water quality not measured for over {need} days: {en}.")


def _area(plot: PlotRecord, rules: ReadinessRules) -> CheckResult:
    need = rules.area_threshold(plot.crop, plot.market)
    return CheckResult(
        "area_threshold", plot.area_ha >= need,
        f"Diện tích {format_amount(plot.area_ha, 'vi')} ha (tối thiểu "
        f"{format_amount(need, 'vi')} ha cho {_crop_vi(plot.crop)}, "
        f"thị trường {plot.market}).",
        f"Area {format_amount(plot.area_ha, 'en')} ha (minimum {format_amount(need, 'en')} ha "
        f"for {plot.crop}, market "
        f"{plot.market}).")
