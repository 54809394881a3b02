"""Donation receipts (ใบเสร็จรับเงินบริจาค) and in-kind thank-you certificates (อนุโมทนาบัตร).

``receipt_pdf``: one A4 page a cash donor keeps for a tax-deduction claim; ``certificate_pdf``:
one A4 landscape page for a donor of devices. Both are drawn on ``core.pdf.ThaiDocument``, which
shapes the Thai, breaks lines between words and fits text; this module holds only their content
and layout (amounts in figures and words come from core.money). No Flask, no DB.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.money import amount_in_words, format_amount
from core.pdf import FONT_FAMILY, LINE_HEIGHT, ThaiDocument

RECEIPT_TITLE = "ใบเสร็จรับเงินบริจาค"
CERTIFICATE_TITLE = "อนุโมทนาบัตร"
TAX_NOTE = "ผู้บริจาคสามารถนำไปใช้สิทธิลดหย่อนภาษีได้ตามที่กฎหมายกำหนด"
BLESSING = "ขออนุโมทนาบุญ และขอให้ท่านและครอบครัวประสบแต่ความสุข ความเจริญ"
_BODY = 13.5  # body size in pt
_INK, _GREY, _GOLD, _MAROON = (0, 0, 0), (85, 85, 85), (150, 112, 38), (115, 24, 24)


@dataclass(frozen=True)
class ReceiptData:
    receipt_label: str  # "2570/00012": fiscal year (BE) / running number
    date_text: str  # Buddhist Era, already formatted
    center_name: str
    fund_owner: str  # who issues the receipt
    center_address: str
    center_phone: str
    center_tax_id: str  # may be ""
    donor_name: str
    donor_tax_id: str  # may be ""
    donor_address: str  # may be ""
    amount_satang: int
    fund_name: str
    method_text: str
    treasurer_name: str


@dataclass(frozen=True)
class CertificateData:
    date_text: str
    center_name: str
    fund_owner: str
    donor_name: str
    items: tuple[str, ...]  # "รถเข็นวีลแชร์ (มาตรฐาน) 2 คัน มูลค่า 7,000.00 บาท", ...
    signer_name: str
    signer_title: str
    total_satang: int | None = None  # what the gift was booked at; None: not valued
    value_note: str = ""  # how the values were set, e.g. at the reference new price


def _para(pdf: ThaiDocument, text: str, x: float, w: float, style: str = "",
          size: float = _BODY, align: str = "L", color: tuple[int, int, int] = _INK,
          lh: float = 0.0) -> None:
    """Wrapped paragraph at ``x`` from the current y; leaves y below it. Nothing if empty."""
    if not (text or "").strip():
        return
    pdf.set_text_color(*color)
    pdf.paragraph(text, x, w, style, size, line_height=lh or None, align=align)
    pdf.set_text_color(*_INK)


def _signature(pdf: ThaiDocument, x: float, w: float, name: str, role: str,
               suffix: str = "") -> None:
    """A centred "ลงชื่อ ....... suffix" line, then "( name )" and the role under it."""
    pdf.set_font(FONT_FAMILY, "", _BODY)
    sign = f"ลงชื่อ {{}}{' ' + suffix if suffix else ''}"
    dots = pdf.dots(w - 4 - pdf.get_string_width(sign))
    pdf.set_x(x)
    pdf.cell(w, 7, sign.format(dots), align="C", new_x="LMARGIN", new_y="NEXT")
    for text in (f"( {name.strip() or dots[:len(dots) * 3 // 4]} )", role):
        pdf.set_x(x)
        pdf.set_font_size(pdf.fit_size(text, w, _BODY))
        pdf.cell(w, 6.6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font_size(_BODY)


def receipt_pdf(data: ReceiptData) -> bytes:
    """The donation receipt as one A4 portrait page of PDF bytes."""
    d = data
    # One page, no page breaks: the layout shrinks text instead.
    pdf = ThaiDocument(f"{RECEIPT_TITLE} เลขที่ {d.receipt_label}", author=d.fund_owner)
    pdf.add_page()
    left, full = 20.0, pdf.w - 40.0
    pdf.set_margins(left, 18, left)
    pdf.set_y(18)
    _para(pdf, d.fund_owner, left, full, "B", 16.5, "C")
    _para(pdf, d.center_name, left, full, "", 13, "C")
    _para(pdf, d.center_address, left, full, "", 11.5, "C", _GREY)
    contact = [f"{label} {v.strip()}" for label, v in (("โทรศัพท์", d.center_phone or ""), (
        "เลขประจำตัวผู้เสียภาษีอากร", d.center_tax_id or "")) if v.strip()]
    _para(pdf, "    ".join(contact), left, full, "", 11.5, "C", _GREY)
    y = pdf.get_y() + 3
    for dy, width in ((0.0, 0.6), (1.1, 0.2)):
        pdf.set_line_width(width)
        pdf.line(left, y + dy, left + full, y + dy)
    pdf.set_y(y + 6)
    _para(pdf, RECEIPT_TITLE, left, full, "B", 22, "C", lh=12)
    pdf.ln(1)
    _para(pdf, f"เลขที่ {d.receipt_label}", left, full, "B", _BODY, "R")
    _para(pdf, f"วันที่ {d.date_text}", left, full, "", _BODY, "R")
    pdf.ln(4)
    label_w = 50.0
    rows = [("ได้รับเงินจาก", d.donor_name, "B")]
    rows += [("เลขประจำตัวผู้เสียภาษี", d.donor_tax_id, "")] * bool((d.donor_tax_id or "").strip())
    rows += [("ที่อยู่", d.donor_address, "")] * bool((d.donor_address or "").strip())
    rows += [("เพื่อสมทบ", d.fund_name, ""), ("ชำระโดย", d.method_text, "")]
    for label, value, style in rows:
        y = pdf.get_y()
        _para(pdf, label, left + 4, label_w - 4, "", _BODY, color=_GREY)
        pdf.set_y(y)
        _para(pdf, value.strip() or "-", left + label_w, full - label_w, style)
        pdf.ln(2.2)
    # The amount, boxed: figures, then the words in parentheses.
    word_lines = pdf.lines(f"({amount_in_words(d.amount_satang)})", full - 12, "", 14)
    y, box_h = pdf.get_y() + 4, 15 + 7.5 * len(word_lines)
    pdf.set_fill_color(243, 243, 243)
    pdf.set_line_width(0.4)
    pdf.rect(left, y, full, box_h, style="DF")
    pdf.set_y(y + 3)
    _para(pdf, f"จำนวนเงิน {format_amount(d.amount_satang)} บาท", left + 6, full - 12, "B", 17,
          "C", lh=9)
    for line in word_lines:
        _para(pdf, line, left + 6, full - 12, "", 14, "C", lh=7.5)
    pdf.set_y(y + box_h + 7)
    _para(pdf, TAX_NOTE, left, full, "", _BODY)
    _para(pdf, f"{d.fund_owner} ขอขอบคุณที่ท่านร่วมสนับสนุนการให้บริการยืมกายอุปกรณ์"
               "แก่ผู้สูงอายุ ผู้พิการ และผู้ป่วยในชุมชน", left, full, "", _BODY)
    pdf.ln(20)
    _signature(pdf, left + full / 2, full / 2, d.treasurer_name, "เหรัญญิกกองทุน", "ผู้รับเงิน")
    pdf.set_line_width(0.3)  # a frame around the receipt
    pdf.rect(left - 7, 11, full + 14, pdf.get_y() + 8 - 11)
    return bytes(pdf.output())


def _border(pdf: ThaiDocument) -> None:
    """A double rule around the page, thick outside and thin inside, with small corner diamonds."""
    pdf.set_draw_color(*_GOLD)
    for inset, width in ((9.0, 1.3), (12.0, 0.35)):
        pdf.set_line_width(width)
        pdf.rect(inset, inset, pdf.w - 2 * inset, pdf.h - 2 * inset)
    pdf.set_fill_color(*_GOLD)
    for cx in (12.0, pdf.w - 12.0):
        for cy in (12.0, pdf.h - 12.0):
            pdf.polygon([(cx - 2.2, cy), (cx, cy - 2.2), (cx + 2.2, cy), (cx, cy + 2.2)], style="F")


def certificate_pdf(data: CertificateData) -> bytes:
    """The in-kind thank-you certificate as one A4 landscape page of PDF bytes."""
    d = data
    pdf = ThaiDocument(f"{CERTIFICATE_TITLE} {d.donor_name}", orientation="landscape",
                       author=d.fund_owner)
    pdf.add_page()
    _border(pdf)
    left, full = 28.0, pdf.w - 56.0
    pdf.set_margins(left, 20, left)
    pdf.set_y(21)
    _para(pdf, d.fund_owner, left, full, "B", pdf.fit_size(d.fund_owner, full, 15, "B"), "C")
    _para(pdf, d.center_name, left, full, "", pdf.fit_size(d.center_name, full, 13), "C", _GREY)
    pdf.ln(3)
    _para(pdf, CERTIFICATE_TITLE, left, full, "B", 36, "C", _MAROON, lh=17)
    y = pdf.get_y() + 1.5
    pdf.set_line_width(0.5)  # in gold, as the border
    pdf.line(pdf.w / 2 - 40, y, pdf.w / 2 + 40, y)
    pdf.set_y(y + 4)
    _para(pdf, "มอบให้ไว้เพื่อแสดงว่า", left, full, "", 15, "C")
    pdf.ln(1)
    _para(pdf, d.donor_name, left, full, "B", max(pdf.fit_size(d.donor_name, full, 26, "B"), 15),
          "C")
    pdf.ln(1)
    _para(pdf, "ได้บริจาค", left, full, "", 15, "C")
    pdf.ln(0.8)
    # Up to five items one per line, more run on as one paragraph; shrunk to fit the page.
    items = [i.strip() for i in d.items if i.strip()] or ["-"]
    listed = "\n".join(items) if len(items) <= 5 else "   ".join(f"•\u00a0{i}" for i in items)
    rest = [(f"ให้แก่{d.center_name} เพื่อใช้ในการให้บริการยืมกายอุปกรณ์แก่ผู้สูงอายุ ผู้พิการ"
              " และผู้ป่วยในชุมชน", "", 14, _INK, 2.5), (BLESSING, "B", 15, _MAROON, 2.5),
            (f"ให้ไว้ ณ วันที่ {d.date_text}", "", 14, _INK, 2.0)]
    if d.value_note.strip():
        rest.insert(0, (d.value_note, "", 11, _GREY, 0.5))
    if d.total_satang is not None:
        rest.insert(0, (f"รวมมูลค่า {format_amount(d.total_satang)} บาท ({amount_in_words(d.total_satang)})",
                        "B", 14, _INK, 1.5))
    room = pdf.h - 42 - pdf.get_y() - sum(  # 42: the signature
        gap + pt * LINE_HEIGHT * len(pdf.lines(text, full, st, pt)) for text, st, pt, _, gap in rest)
    size, _ = pdf.fit_box(listed, full - 40, room, 15.0, min_size=8.0, step=0.5)
    _para(pdf, listed, left + 20, full - 40, "", size, "C")
    for text, style, size, color, gap in rest:
        pdf.ln(gap)
        _para(pdf, text, left, full, style, size, "C", color)
    pdf.set_y(min(max(pdf.get_y() + 6, pdf.h - 52), pdf.h - 14 - 21.2))
    _signature(pdf, pdf.w / 2 - 55, 110, d.signer_name, d.signer_title)
    return bytes(pdf.output())
