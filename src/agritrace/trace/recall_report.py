"""A recall as CSV (one row per affected thing) and as a printable HTML page in Vietnamese or
English (no scripts, no external requests; prints on A4).

"""

from __future__ import annotations

import csv
import io
from html import escape

from agritrace.trace.recall import AFFECTED_KINDS, Affected, Recall
from agritrace.web.i18n import format_amount

CSV_COLUMNS = ("id", "kind", "lot", "quantity", "uom", "last_seen", "last_place",
               "last_biz_step", "owner", "recipients")

TEXT: dict[str, dict[str, str]] = {
    "title": {"vi": "Báo cáo thu hồi sản phẩm", "en": "Product recall report"},
    "basis": {"vi": "Theo Thông tư 17/2021/TT-BNNPTNT: quyết định thu hồi trong 24 giờ.",
              "en": "Under MARD Circular 17/2021: recall decision within 24 hours."},
    "created": {"vi": "Lập lúc", "en": "Created"},
    "lots": {"vi": "Lô bị thu hồi", "en": "Recalled lots"},
    "summary": {"vi": "Tóm tắt", "en": "Summary"},
    "recipients": {"vi": "Bên đã nhận hàng", "en": "Parties that received goods"},
    "sources": {"vi": "Nguồn gốc (truy ngược)", "en": "Sources (upstream)"},
    "affected": {"vi": "Danh sách hàng hóa bị ảnh hưởng", "en": "Affected goods"},
    "problems": {"vi": "Dữ liệu mâu thuẫn", "en": "Inconsistent data"},
    "none": {"vi": "không có", "en": "none"},
    "id": {"vi": "Mã", "en": "Code"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "quantity": {"vi": "Số lượng", "en": "Quantity"},
    "last_seen": {"vi": "Lần cuối ghi nhận", "en": "Last seen"},
    "last_place": {"vi": "Địa điểm cuối", "en": "Last place"},
    "owner": {"vi": "Chủ sở hữu", "en": "Owner"},
    "lot": {"vi": "lô", "en": "lots"},
    "item": {"vi": "đơn vị sản phẩm", "en": "units"},
    "logistic_unit": {"vi": "đơn vị logistics (SSCC)", "en": "logistic units (SSCC)"},
    "product": {"vi": "mã sản phẩm", "en": "products"},
    "location": {"vi": "địa điểm / thửa", "en": "places / plots"},
    "season": {"vi": "mùa vụ", "en": "seasons"},
    "party": {"vi": "bên liên quan", "en": "parties"},
}
LANGUAGES = ("vi", "en")
_CSS = ("body{font-family:sans-serif;font-size:11pt;margin:1.5cm}"
        "table{border-collapse:collapse;width:100%;font-size:9pt}"
        "th,td{border:1px solid #999;padding:2px 4px;text-align:left;word-break:break-all}"
        "h1{color:#b00}@page{size:A4;margin:1.5cm}")


def to_csv(result: Recall) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in result.affected:
        writer.writerow([a.id, a.kind, a.lot, "" if a.quantity is None else f"{a.quantity:g}",
                         a.uom or "", a.last_seen or "", a.last_place or "", a.last_step or "",
                         a.owner or "", " ".join(a.recipients)])
    return out.getvalue()


def to_html(result: Recall, language: str = "vi") -> str:
    """The printable report; ``language`` is ``vi`` (default) or ``en``."""
    lang = language if language in LANGUAGES else "vi"

    def t(key: str) -> str:
        return TEXT[key][lang]

    parts = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
             f"<title>{t('title')}</title><style>{_CSS}</style></head><body>",
             f"<h1>{t('title')}</h1><p>{t('basis')}</p>",
             f"<p>{t('created')}: {escape(_date(result.created, lang))}</p>",
             f"<h2>{t('lots')}</h2>{_list(result.lots, t('none'))}",
             f"<h2>{t('summary')}</h2><ul>"]
    for kind in AFFECTED_KINDS:
        parts.append(f"<li>{t(kind)}: {_count(result.count(kind), lang)}</li>")
    parts.append(f"</ul><h2>{t('recipients')}</h2>{_list(result.recipients, t('none'))}")
    parts.append(f"<h2>{t('sources')}</h2>")
    for kind, values in result.sources.items():
        parts.append(f"<h3>{t(kind) if kind in TEXT else escape(kind)}</h3>"
                     f"{_list(values, t('none'))}")
    if result.inconsistencies:
        parts.append(f"<h2>{t('problems')}</h2><ul>")
        parts.extend(f"<li>{escape(i.detail)}</li>" for i in result.inconsistencies)
        parts.append("</ul>")
    parts.append(f"<h2>{t('affected')}</h2><table><thead><tr>")
    for key in ("id", "kind", "quantity", "last_seen", "last_place", "owner"):
        parts.append(f"<th>{t(key)}</th>")
    parts.append("</tr></thead><tbody>")
    parts.extend(_row(a, lang) for a in result.affected)
    parts.append("</tbody></table></body></html>\n")
    return "".join(parts)


def _row(a: Affected, lang: str) -> str:
    quantity = "" if a.quantity is None else _quantity(a.quantity, lang) + f" {a.uom or ''}"
    cells = (a.id, TEXT[a.kind][lang], quantity.strip(), _date(a.last_seen, lang),
             a.last_place or "", a.owner or "")
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def _quantity(value: float, lang: str) -> str:
    return format_amount(value, lang)


def _count(value: int, lang: str) -> str:
    return format_amount(value, lang)


def _date(text: str | None, lang: str) -> str:
    """dd/mm/yyyy hh:mm on Vietnamese pages, the ISO text on English ones."""
    if not text:
        return ""
    if lang != "vi":
        return text
    day, _, clock = text.partition("T")
    year, month, date = day.split("-")
    return f"{date}/{month}/{year} {clock[:5]}"


def _list(values: list[str], empty: str) -> str:
    if not values:
        return f"<p>{empty}</p>"
    return "<ul>" + "".join(f"<li>{escape(v)}</li>" for v in values) + "</ul>"
