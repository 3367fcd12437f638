"""Page languages: Vietnamese by default, English second; one message catalogue; dates and numbers.

``?lang=en`` on any page switches the language and a cookie remembers it; without either the
page is Vietnamese (the audience is Vietnamese; ``Accept-Language`` on cheap phones is often
English by default, so it is not trusted).

>>> t = Translator("vi")
>>> t("verdict_genuine"), t.date(date(2026, 11, 6)), t.number(1234567.5, 1)
('Hàng chính hãng', '06/11/2026', '1.234.567,5')
>>> en = Translator("en")
>>> en("verdict_genuine"), en.date(date(2026, 11, 6)), en.number(1234567.5, 1)
('Genuine product', '6 Nov 2026', '1,234,567.5')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from agritrace.errors import AgritraceError, Problem, describe
from agritrace.web.texts_farm import TEXTS as FARM_TEXTS
from agritrace.web.texts_feedback import TEXTS as FEEDBACK_TEXTS
from agritrace.web.texts_ledger import TEXTS as LEDGER_TEXTS
from agritrace.web.texts_market import TEXTS as MARKET_TEXTS
from agritrace.web.texts_open_data import TEXTS as OPEN_DATA_TEXTS
from agritrace.web.texts_problems import TEXTS as PROBLEM_TEXTS
from agritrace.web.texts_province import TEXTS as PROVINCE_TEXTS
from agritrace.web.texts_reports import TEXTS as REPORT_TEXTS
from agritrace.web.texts_services import TEXTS as SERVICE_TEXTS

if TYPE_CHECKING:  # the services and the CLI use the catalogue without the web framework
    from fastapi import Request, Response

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
COOKIE = "lang"
_COOKIE_AGE_S = 365 * 24 * 3600
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: key -> {language -> text}. Texts may hold ``{name}`` fields filled by ``Translator(...)``.
CONSUMER_TEXTS: dict[str, dict[str, str]] = {
    "site_name": {"vi": "Truy xuất nguồn gốc", "en": "Product traceability"},
    "home_title": {"vi": "Truy xuất nguồn gốc nông sản", "en": "Farm produce traceability"},
    "home_intro": {"vi": "Quét mã QR trên bao bì bằng máy ảnh điện thoại để xem sản phẩm đến từ "
                         "thửa nào, mùa vụ nào và đã qua những đâu.",
                   "en": "Scan the QR code on the pack with a phone camera to see which plot and "
                         "season the product came from and where it has been."},
    "home_continue": {"vi": "Tiếp tục tới trang của bạn", "en": "Continue to your pages"},
    "home_scan": {"vi": "Mã QR không quét được?", "en": "The QR code will not scan?"},
    "home_code": {"vi": "Nhập dãy số in dưới mã QR hoặc mã vạch, hoặc dán đường dẫn",
                  "en": "Type the digits printed under the QR code or barcode, or paste the link"},
    "home_bad_code": {"vi": "Không đọc được mã “{code}”. Hãy nhập mã sản phẩm 8, 12, 13 hoặc 14 "
                            "số, hoặc đường dẫn bắt đầu bằng https://.",
                      "en": "Could not read the code “{code}”. Type a product code of 8, 12, 13 "
                            "or 14 digits, or a link starting with https://."},
    "home_open": {"vi": "Xem sản phẩm", "en": "Show the product"},
    "home_who": {"vi": "Dành cho", "en": "For"},
    "home_catalogue": {"vi": "Người mua", "en": "Buyers"},
    "home_catalogue_text": {"vi": "danh mục sản phẩm có truy xuất nguồn gốc",
                            "en": "the catalogue of traced products"},
    "home_farmer": {"vi": "Nông dân", "en": "Farmers"},
    "home_farmer_text": {"vi": "ghi nhật ký sản xuất trên điện thoại",
                         "en": "keep the farm diary on a phone"},
    "home_office": {"vi": "Văn phòng hợp tác xã", "en": "Cooperative office"},
    "home_office_text": {"vi": "thành viên, thửa, mùa vụ, nhập dữ liệu và phản ánh của người mua",
                         "en": "members, plots, seasons, imports and buyers' reports"},
    "home_reports": {"vi": "Báo cáo EUDR", "en": "EUDR reports"},
    "home_reports_text": {"vi": "thửa nào của lô hàng sẵn sàng cho EU, kiểm tra tệp GeoJSON",
                          "en": "which plots of a shipment are ready for the EU, GeoJSON checks"},
    "home_methane": {"vi": "phát thải methane lúa", "en": "rice methane"},
    "home_api": {"vi": "Doanh nghiệp", "en": "Businesses"},
    "home_api_text": {"vi": "API GS1 EPCIS 2.0 để gửi và truy vấn sự kiện",
                      "en": "the GS1 EPCIS 2.0 API to send and query events"},
    "home_sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "switch_language": {"vi": "English", "en": "Tiếng Việt"},
    "product": {"vi": "Sản phẩm", "en": "Product"},
    "unnamed_product": {"vi": "Sản phẩm mã {gtin}", "en": "Product {gtin}"},
    "gtin": {"vi": "Mã sản phẩm (GTIN)", "en": "Product code (GTIN)"},
    "lot": {"vi": "Số lô", "en": "Lot"},
    "serial": {"vi": "Số tem", "en": "Stamp serial"},
    "producer": {"vi": "Nhà sản xuất", "en": "Producer"},
    "country": {"vi": "Xuất xứ", "en": "Country of origin"},
    "best_before": {"vi": "Sử dụng tốt nhất trước", "en": "Best before"},
    "expired": {"vi": "Đã hết hạn sử dụng", "en": "Past its best-before date"},
    "certificates": {"vi": "Chứng nhận", "en": "Certificates"},
    "valid_until": {"vi": "hiệu lực đến {date}", "en": "valid until {date}"},
    "expired_on": {"vi": "đã hết hạn ngày {date}", "en": "expired on {date}"},
    "issued_by": {"vi": "cấp bởi {issuer}", "en": "issued by {issuer}"},
    "ocop": {"vi": "Sản phẩm OCOP", "en": "OCOP product"},
    "ocop_stars": {"vi": "{stars} sao", "en": "{stars} stars"},
    "call": {"vi": "Gọi {phone}", "en": "Call {phone}"},
    "blend_of": {"vi": "Sản phẩm được làm từ thu hoạch của {count} thửa:",
                 "en": "Made from the harvest of {count} plots:"},
    "share_location": {"vi": "Gửi vị trí gần đúng (khoảng 10 km) để kiểm tra tem kỹ hơn",
                       "en": "Send your approximate location (about 10 km) for a closer check"},
    "location_shared": {"vi": "Cảm ơn bạn: vị trí gần đúng đã được ghi cho lần quét này.",
                        "en": "Thank you: the approximate location is noted for this scan."},
    "origin": {"vi": "Vùng trồng", "en": "Where it was grown"},
    "plot": {"vi": "Thửa đất", "en": "Plot"},
    "area_code": {"vi": "Mã số vùng trồng", "en": "Growing area code"},
    "area": {"vi": "Diện tích", "en": "Area"},
    "hectares": {"vi": "{value} ha", "en": "{value} ha"},
    "harvest": {"vi": "Thu hoạch", "en": "Harvest"},
    "open_map": {"vi": "Mở trong ứng dụng bản đồ", "en": "Open in a map app"},
    "plot_drawing": {"vi": "Hình thửa đất", "en": "Shape of the plot"},
    "journey": {"vi": "Hành trình sản phẩm", "en": "The product's journey"},
    "no_journey": {"vi": "Chưa có sự kiện nào được ghi.", "en": "No events recorded yet."},
    "stage_farm": {"vi": "Vùng trồng và nuôi", "en": "On the farm"},
    "stage_processing": {"vi": "Sơ chế và chế biến", "en": "Processing"},
    "stage_transport": {"vi": "Vận chuyển và kho", "en": "Transport and storage"},
    "stage_retail": {"vi": "Cửa hàng", "en": "At the shop"},
    "verdict": {"vi": "Kiểm tra tem", "en": "Stamp check"},
    "verdict_genuine": {"vi": "Hàng chính hãng", "en": "Genuine product"},
    "verdict_suspicious": {"vi": "Cần cảnh giác", "en": "Be careful"},
    "verdict_unknown": {"vi": "Mã không có trong hệ thống", "en": "Code not in our records"},
    "verdict_recalled": {"vi": "SẢN PHẨM ĐÃ BỊ THU HỒI", "en": "THIS PRODUCT HAS BEEN RECALLED"},
    "reason_genuine": {"vi": "Mã này đã được nhà sản xuất phát hành và đang còn hiệu lực.",
                       "en": "This code was issued by the producer and is active."},
    "reason_voided": {"vi": "Tem này đã bị hủy: có thể là tem giả hoặc tem tái sử dụng.",
                      "en": "This stamp was voided: it may be fake or reused."},
    "reason_too_many": {"vi": "Tem này đã được quét bởi quá nhiều thiết bị khác nhau ({count} "
                              "thiết bị): có thể bị sao chép.",
                        "en": "This stamp has been scanned by too many different devices "
                              "({count}): it may have been copied."},
    "reason_places": {"vi": "Tem này đã được quét ở quá nhiều nơi khác nhau ({places} nơi): "
                            "có thể bị sao chép.",
                      "en": "This stamp has been scanned in too many different places "
                            "({places}): it may have been copied."},
    "verdict_unverified": {"vi": "Chưa xác minh nhà sản xuất", "en": "Producer not verified"},
    "reason_unverified": {"vi": "Mã này có trong hệ thống, nhưng mã doanh nghiệp GS1 của nó chưa "
                                "được cấp cho tổ chức nào ở đây: không ai bảo đảm đây là hàng "
                                "chính hãng.",
                          "en": "This code is in our records, but its GS1 company prefix is held "
                                "by no organization here: nobody vouches that the product is "
                                "genuine."},
    "others_not_shown": {"vi": "{count} ghi nhận của các bên khác không được hiển thị.",
                         "en": "{count} observations by other parties are not shown."},
    "reason_travel": {"vi": "Tem này được quét ở những nơi quá xa nhau trong thời gian quá "
                            "ngắn: có thể bị sao chép.",
                      "en": "This stamp was scanned in places too far apart for the time "
                            "between the scans: it may have been copied."},
    "reason_unknown": {"vi": "Mã này chưa từng được phát hành. Sản phẩm có thể là hàng giả.",
                       "en": "This code was never issued. The product may be counterfeit."},
    "reason_recalled": {"vi": "Không sử dụng sản phẩm này. Hãy mang trả lại nơi mua.",
                        "en": "Do not use this product. Return it to where you bought it."},
    "first_scan": {"vi": "Quét lần đầu ngày {date}", "en": "First scanned on {date}"},
    "first_scan_place": {"vi": "Quét lần đầu ngày {date} gần {place}",
                         "en": "First scanned on {date} near {place}"},
    "scan_count": {"vi": "Số lần quét: {count}", "en": "Times scanned: {count}"},
    "report": {"vi": "Báo cáo vấn đề", "en": "Report a problem"},
    "report_kind": {"vi": "Loại vấn đề", "en": "Kind of problem"},
    "kind_fake": {"vi": "Nghi hàng giả", "en": "Looks fake"},
    "kind_quality": {"vi": "Chất lượng", "en": "Quality"},
    "kind_wrong_info": {"vi": "Thông tin sai", "en": "Wrong information"},
    "kind_other": {"vi": "Khác", "en": "Other"},
    "report_message": {"vi": "Mô tả", "en": "Description"},
    "report_contact": {"vi": "Liên hệ của bạn (không bắt buộc)",
                       "en": "Your contact (optional)"},
    "report_send": {"vi": "Gửi báo cáo", "en": "Send report"},
    "report_thanks": {"vi": "Cảm ơn bạn. Báo cáo đã được gửi tới nhà sản xuất và cơ quan quản "
                            "lý. Mã phản ánh của bạn: {code}. Hãy ghi lại: tra cứu trạng thái và "
                            "câu trả lời tại /feedback/status; mã sẽ không được hiển thị lại.",
                      "en": "Thank you. The report has been sent to the producer and the "
                            "authorities. Your ticket code: {code}. Write it down: look the "
                            "state and the answer up at /feedback/status; it will not be shown "
                            "again."},
    "report_invalid": {"vi": "Báo cáo chưa hợp lệ: {detail}", "en": "The report is not valid: "
                                                                    "{detail}"},
    "report_limited": {"vi": "Bạn đã gửi quá nhiều báo cáo. Vui lòng thử lại sau.",
                       "en": "You have sent too many reports. Please try again later."},
    "back": {"vi": "Quay lại trang sản phẩm", "en": "Back to the product page"},
    "malformed_title": {"vi": "Mã không hợp lệ", "en": "This code is not valid"},
    "compressed_invalid": {"vi": "Đường dẫn GS1 Digital Link nén không giải mã được",
                           "en": "The compressed GS1 Digital Link does not decode"},
    "part_code_invalid": {"vi": "{part} không hợp lệ ({found})",
                          "en": "the {part} is not valid (expected {expected}, found {found})"},
    "part_code": {"vi": "Mã", "en": "code"},
    "part_gtin": {"vi": "Mã sản phẩm (/01)", "en": "product code (/01)"},
    "part_lot": {"vi": "Số lô (/10)", "en": "lot number (/10)"},
    "part_serial": {"vi": "Số sê-ri (/21)", "en": "serial number (/21)"},
    "part_sscc": {"vi": "Mã kiện hàng (/00)", "en": "logistic unit code (/00)"},
    "part_gln": {"vi": "Mã địa điểm (/414)", "en": "location code (/414)"},
    "part_variant": {"vi": "Mã biến thể sản phẩm (/22)", "en": "product variant (/22)"},
    "part_gln_extension": {"vi": "Phần mở rộng mã địa điểm (/254)",
                           "en": "location code extension (/254)"},
    "malformed_text": {"vi": "Đường dẫn này không phải là mã GS1 hợp lệ: {detail}. Hãy kiểm "
                             "tra lại hoặc quét lại mã QR.",
                       "en": "This link is not a valid GS1 code: {detail}. Check it or scan "
                             "the QR code again."},
    "unknown_title": {"vi": "Không tìm thấy mã này", "en": "We do not know this code"},
    "unknown_text": {"vi": "Mã {code} chưa từng được phát hành trên hệ thống. Sản phẩm có thể "
                           "là hàng giả. Đừng sử dụng nếu nghi ngờ, và hãy báo cho chúng tôi.",
                     "en": "The code {code} was never issued on this platform. The product "
                           "may be counterfeit. Do not use it if in doubt, and tell us."},
    "how_to_report": {"vi": "Bạn có thể báo cáo bằng mẫu dưới đây hoặc gọi đường dây nóng "
                            "của cơ quan quản lý thị trường: 1800 1008.",
                      "en": "You can report it with the form below or call the market "
                            "surveillance hotline: 1800 1008."},
}

#: Every page's texts; each group of pages keeps its own module so their keys stay apart.
CATALOGUE: dict[str, dict[str, str]] = {**CONSUMER_TEXTS, **LEDGER_TEXTS,
                                        **FARM_TEXTS, **REPORT_TEXTS,
                                        **MARKET_TEXTS, **PROVINCE_TEXTS, **PROBLEM_TEXTS,
                                        **SERVICE_TEXTS, **OPEN_DATA_TEXTS,
                                        **FEEDBACK_TEXTS}

# Journey step names: CBV bizStep words and the agritrace diary words.
STEPS: dict[str, dict[str, str]] = {
    "commissioning": {"vi": "Thu hoạch / tạo mã", "en": "Harvested / coded"},
    "coding": {"vi": "Tạo mã / tạo lô", "en": "Coded / lot created"},  # off the farm (journey)
    "sowing": {"vi": "Gieo trồng", "en": "Sowing"},
    "planting": {"vi": "Trồng", "en": "Planting"},
    "fertilizing": {"vi": "Bón phân", "en": "Fertilizing"},
    "spraying": {"vi": "Phun thuốc BVTV", "en": "Crop protection spraying"},
    # Livestock and aquaculture diary steps (farm.diary_events, issue 17).
    "animal_stocking": {"vi": "Thả giống / nhập đàn", "en": "Stocking"},
    "feeding": {"vi": "Cho ăn", "en": "Feeding"},
    "vaccinating": {"vi": "Tiêm phòng", "en": "Vaccination"},
    "treating": {"vi": "Dùng thuốc thú y", "en": "Veterinary treatment"},
    "mortality_recording": {"vi": "Ghi nhận vật nuôi chết", "en": "Mortality recorded"},
    "inspecting": {"vi": "Kiểm tra", "en": "Inspection"},
    "harvesting": {"vi": "Thu hoạch", "en": "Harvest"},
    "commissioning_lot": {"vi": "Tạo lô", "en": "Lot created"},
    "transforming": {"vi": "Chế biến", "en": "Processing"},
    "packing": {"vi": "Đóng gói", "en": "Packing"},
    "shipping": {"vi": "Xuất hàng", "en": "Shipping"},
    "receiving": {"vi": "Nhận hàng", "en": "Receiving"},
    "storing": {"vi": "Lưu kho", "en": "Storage"},
    "retail_selling": {"vi": "Bán lẻ", "en": "Retail sale"},
    "stocking": {"vi": "Lên kệ", "en": "On the shelf"},
    "decommissioning": {"vi": "Hủy mã", "en": "Code voided"},
    "destroying": {"vi": "Tiêu hủy", "en": "Destroyed"},
    "holding": {"vi": "Tạm giữ", "en": "On hold"},
    # The other CBV 2.0 business steps.
    "accepting": {"vi": "Chấp nhận hàng", "en": "Accepted"},
    "arriving": {"vi": "Hàng đến", "en": "Arrived"},
    "assembling": {"vi": "Lắp ráp", "en": "Assembled"},
    "collecting": {"vi": "Thu gom", "en": "Collected"},
    "consigning": {"vi": "Ký gửi", "en": "Consigned"},
    "creating_class_instance": {"vi": "Tạo lô", "en": "Lot created"},
    "cycle_counting": {"vi": "Kiểm kê", "en": "Stock count"},
    "departing": {"vi": "Rời đi", "en": "Departed"},
    "disassembling": {"vi": "Tháo dỡ", "en": "Disassembled"},
    "dispensing": {"vi": "Phân phối", "en": "Dispensed"},
    "encoding": {"vi": "Mã hóa", "en": "Encoded"},
    "entering_exiting": {"vi": "Ra vào", "en": "Entered or left"},
    "installing": {"vi": "Lắp đặt", "en": "Installed"},
    "killing": {"vi": "Giết mổ", "en": "Slaughtered"},
    "loading": {"vi": "Bốc xếp lên xe", "en": "Loaded"},
    "other": {"vi": "Bước khác", "en": "Other step"},
    "picking": {"vi": "Lấy hàng", "en": "Picked"},
    "removing": {"vi": "Gỡ ra", "en": "Removed"},
    "repackaging": {"vi": "Đóng gói lại", "en": "Repackaged"},
    "repairing": {"vi": "Sửa chữa", "en": "Repaired"},
    "replacing": {"vi": "Thay thế", "en": "Replaced"},
    "reserving": {"vi": "Đặt trước", "en": "Reserved"},
    "sampling": {"vi": "Lấy mẫu kiểm nghiệm", "en": "Sampled for testing"},
    "sensor_reporting": {"vi": "Ghi nhận cảm biến", "en": "Sensor reading"},
    "staging_outbound": {"vi": "Chuẩn bị xuất", "en": "Staged for dispatch"},
    "stock_taking": {"vi": "Kiểm kho", "en": "Stock taking"},
    "transporting": {"vi": "Vận chuyển", "en": "Transported"},
    "unloading": {"vi": "Dỡ hàng", "en": "Unloaded"},
    "unpacking": {"vi": "Mở kiện", "en": "Unpacked"},
    "void_shipping": {"vi": "Hủy xuất hàng", "en": "Shipment cancelled"},
    # The agritrace farm diary steps (docs/farm-vocabulary.md).
    "land_preparing": {"vi": "Làm đất", "en": "Land preparation"},
    "irrigating": {"vi": "Tưới nước", "en": "Irrigation"},
    "flooding": {"vi": "Cho nước vào ruộng", "en": "Field flooded"},
    "draining": {"vi": "Rút nước", "en": "Field drained"},
    "soil_amending": {"vi": "Bón hữu cơ / vùi rơm rạ", "en": "Organic amendment"},
    "crop_caring": {"vi": "Chăm sóc", "en": "Crop care"},
}


def pick(query: str | None, cookie: str | None) -> str:
    """The page language: ``?lang=`` first, then the cookie, else Vietnamese.

    >>> pick("en", "vi"), pick(None, "en"), pick("fr", None)
    ('en', 'en', 'vi')
    """
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


def language(request: Request) -> str:
    return pick(request.query_params.get("lang"), request.cookies.get(COOKIE))


def remember(request: Request, response: Response) -> None:
    """Set the cookie when the visitor chose a language with ``?lang=``."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=_COOKIE_AGE_S, samesite="lax",
                            httponly=True)


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """Thousands and decimal separators as each language writes them (vi: 1.234,5)."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_amount(value: float, lang: str) -> str:
    """A measured amount with the decimals it has (at most 3), in the language's separators.

    >>> format_amount(5000, "vi"), format_amount(1.5, "vi"), format_amount(4.5, "en")
    ('5.000', '1,5', '4.5')
    """
    text = format_number(value, lang, 3)
    point = "," if lang == "vi" else "."
    return text.rstrip("0").rstrip(point) if point in text else text


def format_date(day: date, lang: str) -> str:
    if lang == "vi":
        return day.strftime("%d/%m/%Y")
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_value(value: object, lang: str) -> str:
    """A message field as the reader writes it: amounts and dates in the language's form."""
    if isinstance(value, bool) or not isinstance(value, (int, float, date)):
        return str(value)
    if isinstance(value, date):
        return format_date(value, lang)
    return format_amount(value, lang)


def _plain(value: object) -> str:
    """A message field as the API writes it: 5000, 2026-01-05 (what a program parses)."""
    if isinstance(value, float):
        return f"{value:g}"
    return value.isoformat() if isinstance(value, date) else str(value)


def expect(path: str, key: str, found: object, *, shown: str | None = None,
           **params: object) -> Problem:
    """A Problem whose expectation is the catalogue's text ``key``: English in ``expected``
    (the API), and any language on a page through :meth:`Translator.expected`.

    >>> p = expect("harvest.area_ha", "expect_area_ha", -1, high=10000.0)
    >>> p.expected
    'a harvested area above 0 and at most 10000 ha'
    >>> Translator("vi").expected(p)
    'diện tích thu hoạch lớn hơn 0 và không quá 10.000 ha'
    """
    shown = describe(found) if shown is None else shown
    if " " in key:  # an English expectation not in the catalogue yet: said as it is
        return Problem(path, key, shown)
    text = CATALOGUE[key]["en"].format(**{k: _plain(v) for k, v in params.items()})
    return Problem(path, text, shown, key=key, params=params)


E = TypeVar("E", bound=AgritraceError)
#: The English words a Problem's ``found`` may be (errors.describe, farm.record).
_FOUND = {"nothing": "problem_nothing", "an unknown field": "problem_unknown_field"}


def refusal(kind: type[E], key: str, problems: list[Problem] | None = None,
            **params: object) -> E:
    """An error whose detail is the catalogue's text ``key``: both languages in the API's
    ``detail`` ("vi / en"), the reader's one on a page (:meth:`Translator.detail`)."""
    return kind(both(key, **params), problems, key=key, params=params)


def both(key: str, **params: object) -> str:
    """The catalogue's text ``key`` in Vietnamese, then English ("vi / en"), for the API's
    details and the CLI's lines, which have no reader's language to choose by.

    >>> both("stamps_voided", count=1200)
    'đã hủy 1.200 tem / voided 1,200 stamp(s)'
    """
    return " / ".join(Translator(lang)(key, **Translator(lang).fields(params))
                      for lang in LANGUAGES)


@dataclass(frozen=True)
class Translator:
    """``t(key, **fields)`` in one language; an unknown key comes back as itself."""

    lang: str

    def __call__(self, key: str, **fields: Any) -> str:
        entry = CATALOGUE.get(key) or STEPS.get(key)
        if entry is None:
            return key
        text = entry.get(self.lang) or entry[DEFAULT]
        return text.format(**fields) if fields else text

    def step(self, word: str) -> str:
        entry = STEPS.get(word)
        return (entry.get(self.lang) or entry[DEFAULT]) if entry else word.replace("_", " ")

    def date(self, day: date) -> str:
        return format_date(day, self.lang)

    def number(self, value: float, decimals: int = 0) -> str:
        return format_number(value, self.lang, decimals)

    def iso(self, text: str) -> str:
        """A day or a 'YYYY-MM-DD HH:MM' time kept as ISO (as a CSV gives it), as this language
        writes it; any other text as it is."""
        day, _, clock = text.partition(" ")
        try:
            return f"{self.date(date.fromisoformat(day))} {clock}".rstrip()
        except ValueError:
            return text

    def amount(self, value: float) -> str:
        return format_amount(value, self.lang)

    def expected(self, problem: Problem) -> str:
        """What the input should have been, in this language when the catalogue has it."""
        if problem.key not in CATALOGUE:
            return problem.expected
        return self(problem.key, **self.fields(problem.params))

    def found(self, problem: Problem) -> str:
        """What was found; the few words services write for it (describe) in this language,
        or the service's own sentence in it (a ``found_vi`` / ``found_en`` field: a geometry
        check's message)."""
        said = problem.params.get(f"found_{self.lang}")
        if isinstance(said, str):
            return said
        key = _FOUND.get(problem.found)
        return self(key) if key else problem.found

    def problem(self, problem: Problem) -> str:
        """One problem as a sentence in this language (``Problem.message`` is the English)."""
        where = [problem.document or "",
                 "" if problem.line is None else self("problem_line", line=problem.line),
                 "" if problem.event_index is None else self("problem_event",
                                                             index=problem.event_index),
                 f"({problem.event_id})" if problem.event_id else ""]
        text = self("problem_text", path=problem.path, expected=self.expected(problem),
                    found=self.found(problem))
        prefix = " ".join(w for w in where if w)
        return f"{prefix}: {text}" if prefix else text

    def detail(self, exc: AgritraceError, fallback: str) -> str:
        """The error's detail in this language: its catalogue text, else (the detail being
        English) the detail on an English page and the text ``fallback`` on another."""
        if exc.key in CATALOGUE:
            return self(exc.key, **self.fields(exc.params))
        return exc.detail if self.lang == "en" else self(fallback)

    def fields(self, params: Mapping[str, object]) -> dict[str, str]:
        """Message fields in this language's form (amounts, dates)."""
        return {k: format_value(v, self.lang) for k, v in params.items()}

    @property
    def other(self) -> str:
        return next(lang for lang in LANGUAGES if lang != self.lang)
