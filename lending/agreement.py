"""Printable loan agreement (บันทึกข้อตกลงการยืมกายอุปกรณ์), signed at delivery.

``agreement_pdf`` renders the A4 Thai PDF on ``core.pdf.ThaiDocument``, which shapes the
Thai, breaks lines between words and keeps extracted text right; this module holds only the
agreement's content and layout. No Flask, no DB.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.pdf import FONT_FAMILY, ThaiDocument

TITLE = "บันทึกข้อตกลงการยืมกายอุปกรณ์"
OPEN_ENDED = "ยืมจนกว่าจะหมดความจำเป็น"

@dataclass(frozen=True)
class AgreementData:
    loan_number: str
    center_name: str
    center_address: str
    center_phone: str
    date_text: str  # Buddhist Era, already formatted
    device_tag: str
    device_type_th: str
    device_details: str
    device_condition_th: str
    borrower_name: str
    borrower_id_masked: str
    borrower_address: str
    borrower_phone: str
    caregiver_name: str  # "" when there is none
    caregiver_relation: str
    caregiver_phone: str
    instructions: tuple[str, ...]
    acknowledged_by: str
    expected_return_text: str  # "" when open-ended
    staff_name: str


def clauses(d: AgreementData) -> list[str]:
    """The terms of use and return, in formal Thai."""
    due = f"ภายในวันที่ {d.expected_return_text} หรือ" if d.expected_return_text.strip() else ""
    return [
        "ศูนย์ให้ยืมกายอุปกรณ์ตามบันทึกนี้โดยไม่คิดค่าใช้จ่าย ผู้ยืมไม่ต้องชำระค่าเช่า ค่ามัดจำ"
        " หรือค่าธรรมเนียมใด ๆ ทั้งสิ้น",
        "ผู้ยืมจะใช้กายอุปกรณ์เพื่อประโยชน์ของผู้ยืมตามที่ระบุในบันทึกนี้เท่านั้น",
        "ผู้ยืมและผู้ดูแลจะใช้กายอุปกรณ์ตามคำแนะนำที่ได้รับ ดูแลรักษาให้สะอาด"
        " และอยู่ในสภาพพร้อมใช้งานอย่างปลอดภัยอยู่เสมอ",
        "ผู้ยืมจะไม่นำกายอุปกรณ์ไปขาย จำนำ ให้เช่า หรือให้ผู้อื่นยืมต่อ และจะไม่ดัดแปลงกายอุปกรณ์"
        "โดยไม่ได้รับความยินยอมจากศูนย์",
        "หากกายอุปกรณ์ชำรุด เสียหาย หรือสูญหาย ผู้ยืมหรือผู้ดูแลจะแจ้งศูนย์โดยเร็ว ทางโทรศัพท์"
        f"หมายเลข {d.center_phone} และงดใช้อุปกรณ์ที่ชำรุดจนกว่าจะได้รับการแก้ไข",
        "ผู้ยืมยินยอมให้เจ้าหน้าที่หรืออาสาสมัครของศูนย์เข้าเยี่ยมบ้าน ติดตามการใช้งาน"
        " และตรวจสภาพกายอุปกรณ์ตามสมควร",
        f"ผู้ยืมหรือผู้ดูแลจะส่งคืนกายอุปกรณ์{due}เมื่อหมดความจำเป็นในการใช้งาน เมื่อย้ายที่อยู่"
        "ออกนอกพื้นที่ให้บริการ หรือเมื่อผู้ยืมถึงแก่กรรม โดยส่งคืนในสภาพเดียวกับที่ได้รับ"
        " เว้นแต่การเสื่อมสภาพตามปกติจากการใช้งาน",
        "ศูนย์อาจเรียกคืนกายอุปกรณ์ได้ หากมีการใช้งานไม่เป็นไปตามข้อตกลงนี้ หรือมีเหตุจำเป็นอื่น"
        " โดยจะแจ้งให้ผู้ยืมทราบล่วงหน้าตามสมควร",
        "ศูนย์จะเก็บรวบรวมและใช้ข้อมูลส่วนบุคคลของผู้ยืมและผู้ดูแลเฉพาะเพื่อการให้บริการยืม"
        "กายอุปกรณ์และการติดตามผลเท่านั้น ตามพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562",
    ]


_MARGIN, _TOP, _BOTTOM = 18.0, 14.0, 16.0  # layout in mm; the bottom leaves room for the footer
_BODY, _LH = 11.5, 5.9  # body size (pt) and line height: Thai marks stack high and low
_LABEL_W = 43.0


class _Agreement(ThaiDocument):
    loan_number = ""  # shown in the footer of every page

    def footer(self) -> None:
        self.set_xy(_MARGIN, self.h - 11)
        self.set_font(FONT_FAMILY, "", 9)
        self.set_text_color(90)  # {nb} is fpdf2's alias for the page count
        self.cell(self.epw, 5, f"เลขที่ {self.loan_number}   หน้า {self.page_no()}/{{nb}}",
                  align="R")
        self.set_text_color(0)


def _para(pdf: ThaiDocument, text: str, x: float, w: float, style: str = "",
          size: float = _BODY, lh: float = _LH, align: str = "L") -> None:
    """Wrapped paragraph at ``x``, kept on one page; leaves y below it."""
    pdf.paragraph(text, x, w, style, size, line_height=lh, align=align, keep_together=True)


def _heading(pdf: ThaiDocument, text: str) -> None:
    pdf.ensure_room(3 * _LH)  # never leave a heading alone at the bottom of a page
    pdf.ln(1.6)
    _para(pdf, text, _MARGIN, pdf.epw, "B", 12.5, 6.6)


def _row(pdf: ThaiDocument, label: str, value: str, style: str = "") -> None:
    x, w = _MARGIN + 4 + _LABEL_W, pdf.epw - _LABEL_W - 4
    pdf.ensure_room(_LH * len(pdf.lines(value, w, style, _BODY)))
    y = pdf.get_y()
    pdf.set_text_color(70)
    _para(pdf, label, _MARGIN + 4, _LABEL_W - 1)  # labels are short: one line
    pdf.set_text_color(0)
    pdf.set_y(y)
    _para(pdf, value.strip() or "-", x, w, style)


def _numbered(pdf: ThaiDocument, n: int, text: str, indent: float, tick: bool = False) -> None:
    w = pdf.epw - indent
    pdf.ensure_room(_LH * len(pdf.lines(text, w, "", _BODY)))
    y = pdf.get_y()
    if tick:  # a drawn check box: Sarabun has no ☑ or ✓ glyph
        x = _MARGIN + 3.5
        pdf.set_line_width(0.3)
        pdf.rect(x, y + 1.3, 3.2, 3.2)
        pdf.polyline([(x + 0.6, y + 3.0), (x + 1.35, y + 3.9), (x + 2.7, y + 1.8)])
    pdf.set_xy(_MARGIN + indent - 7.5, y)
    pdf.cell(7, _LH, f"{n}.", align="R")
    pdf.set_y(y)
    _para(pdf, text, _MARGIN + indent, w)


def _signatures(pdf: ThaiDocument, signers: list[tuple[str, str]]) -> None:
    """Two columns of "ลงชื่อ ..... role" with "( name )" centred under the dots."""
    col_w, block_h = pdf.epw / 2, 2 * _LH + 10
    pdf.set_font(FONT_FAMILY, "", _BODY)
    pre = pdf.get_string_width("ลงชื่อ ")
    # One dotted-line length for all blocks, leaving room for the longest role.
    dots = pdf.dots(col_w - 6 - pre - max(pdf.get_string_width(role) for role, _ in signers))
    dots_w, y0 = pdf.get_string_width(dots), pdf.get_y()
    for k, (role, name) in enumerate(signers):
        x, y = _MARGIN + (k % 2) * col_w, y0 + (k // 2) * block_h
        pdf.set_xy(x, y)
        pdf.cell(None, _LH, f"ลงชื่อ {dots} {role}")
        pdf.set_xy(x + pre, y + _LH + 1.5)
        shown = f"( {name.strip() or dots[:len(dots) * 4 // 5]} )"
        # A long name may overhang the dots as far as the column's left edge, then shrinks.
        pdf.set_font_size(pdf.fit_size(shown, dots_w + 2 * pre - 2, _BODY))
        pdf.cell(dots_w, _LH, shown, align="C")
        pdf.set_font_size(_BODY)
    pdf.set_y(y0 + (len(signers) + 1) // 2 * block_h - 4)


def agreement_pdf(data: AgreementData) -> bytes:
    """The loan agreement as A4 PDF bytes (two pages with typical data)."""
    d, has_cg = data, bool(data.caregiver_name.strip())
    # No automatic page breaks: ensure_room() keeps rows and clauses whole instead.
    pdf = _Agreement(f"{TITLE} {d.loan_number}", bottom=_BOTTOM)
    pdf.loan_number = d.loan_number
    pdf.set_margins(_MARGIN, _TOP, _MARGIN)
    pdf.add_page()
    full = pdf.epw
    _para(pdf, d.center_name, _MARGIN, full, "B", 15, 7.5, "C")
    _para(pdf, d.center_address, _MARGIN, full, "", 11, 5.4, "C")
    _para(pdf, f"โทรศัพท์ {d.center_phone}", _MARGIN, full, "", 11, 5.4, "C")
    pdf.set_line_width(0.4)
    pdf.line(_MARGIN, pdf.get_y() + 1.5, _MARGIN + full, pdf.get_y() + 1.5)
    pdf.ln(4.5)
    _para(pdf, TITLE, _MARGIN, full, "B", 16, 8.5, "C")
    _para(pdf, f"เลขที่ {d.loan_number}    วันที่ {d.date_text}", _MARGIN, full, "", 12, 6.2, "C")
    pdf.ln(2)
    _para(pdf, f"บันทึกนี้ทำขึ้นระหว่าง {d.center_name} ซึ่งต่อไปเรียกว่า \"ศูนย์\" กับผู้ยืม"
               " ตามรายละเอียดด้านล่าง เพื่อเป็นหลักฐานการยืมกายอุปกรณ์ ดังต่อไปนี้", _MARGIN, full)
    sections = [("ผู้ยืม", [("ชื่อ-สกุล", d.borrower_name), ("เลขประจำตัวประชาชน",
                          d.borrower_id_masked), ("ที่อยู่", d.borrower_address),
                          ("โทรศัพท์", d.borrower_phone)])]
    sections += [("ผู้ดูแล/ญาติ", [("ชื่อ-สกุล", d.caregiver_name), ("ความเกี่ยวข้องกับผู้ยืม",
                                  d.caregiver_relation), ("โทรศัพท์", d.caregiver_phone)])] * has_cg
    sections.append(("กายอุปกรณ์ที่ยืม", [
        ("ประเภท", d.device_type_th), ("หมายเลขครุภัณฑ์", d.device_tag),
        ("ยี่ห้อ/รุ่น/หมายเลข", d.device_details), ("สภาพเมื่อส่งมอบ", d.device_condition_th),
        ("กำหนดคืน", d.expected_return_text.strip() or OPEN_ENDED)]))
    number = iter(range(1, 9))
    for title, rows in sections:
        _heading(pdf, f"{next(number)}. {title}")
        for label, value in rows:
            _row(pdf, label, value, "B" if label == "หมายเลขครุภัณฑ์" else "")
    _heading(pdf, f"{next(number)}. คำแนะนำการใช้งานที่ได้รับ")
    _para(pdf, "เจ้าหน้าที่ได้อธิบายและสาธิตการใช้งานและการดูแลรักษากายอุปกรณ์"
               " ให้ผู้ยืมหรือผู้ดูแลแล้ว ดังนี้" if d.instructions else "-", _MARGIN + 4, full - 4)
    for i, item in enumerate(d.instructions, 1):
        _numbered(pdf, i, item, 15, tick=True)
    if d.acknowledged_by.strip():
        _para(pdf, f"ผู้รับทราบคำแนะนำ: {d.acknowledged_by}", _MARGIN + 4, full - 4)
    _heading(pdf, f"{next(number)}. ข้อตกลงการยืม")
    for i, clause in enumerate(clauses(d), 1):
        _numbered(pdf, i, clause, 10)
    signers = [("ผู้ยืม", d.borrower_name)] + [("ผู้ดูแล/ผู้รับแทน", d.caregiver_name)] * has_cg \
        + [("เจ้าหน้าที่ผู้ส่งมอบ", d.staff_name), ("พยาน", "")]
    # Keep the closing sentence, the signatures and the note together.
    pdf.ensure_room(10 + 4 * _LH + (len(signers) + 1) // 2 * (2 * _LH + 10))
    pdf.ln(3)
    _para(pdf, "ผู้ยืมได้อ่านหรือได้ฟังการอ่านข้อตกลงข้างต้นและเข้าใจโดยตลอดแล้ว"
               " จึงลงลายมือชื่อไว้เป็นหลักฐาน", _MARGIN + 4, full - 4)
    pdf.ln(7)
    _signatures(pdf, signers)
    _para(pdf, "หมายเหตุ: กรณีผู้ยืมลงลายมือชื่อไม่ได้ ให้พิมพ์ลายนิ้วหัวแม่มือซ้ายแทน"
               " โดยมีพยานลงชื่อรับรอง", _MARGIN, full, "", 10, 5.0)
    return bytes(pdf.output())
