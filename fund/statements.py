"""A donor's yearly giving statement and yearly impact summary, as Thai PDF documents.

``statement_pdf``: every gift of one tax year (the calendar year; Buddhist Era in Thai) with its
date, receipt number, fund and amount, gifts in kind with their value, the totals in figures and
in Thai words, and the line on the deduction the receipts carry. ``summary_pdf``: what a donor's
gifts of one year did, in figures only (nobody served is named). Drawn on
``core.pdf.ThaiDocument``, like the receipts; this module holds only content and layout. No
Flask, no DB.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.money import amount_in_words, format_amount
from core.pdf import FONT_FAMILY, LINE_HEIGHT, ThaiDocument
from fund.receipts import TAX_NOTE

STATEMENT_TITLE = "หนังสือสรุปการบริจาคประจำปีภาษี"
SUMMARY_TITLE = "สรุปผลการให้ของท่านประจำปี"
NO_GIFTS = "ไม่มีรายการบริจาคของท่านในปีภาษีนี้"
STATEMENT_NOTE = ("หนังสือนี้สรุปรายการตามใบเสร็จรับเงินที่ออกให้แล้ว เลขที่ใบเสร็จตามที่ระบุ"
                  " สิ่งของบริจาคแสดงตามมูลค่าที่บันทึกรับ")
NO_PERSONAL_DATA = "ตัวเลขทั้งหมดคำนวณจากบันทึกการยืมกายอุปกรณ์ ไม่มีข้อมูลส่วนบุคคลของผู้รับบริการ"
_BODY = 12.5
_INK, _GREY = (0, 0, 0), (85, 85, 85)


@dataclass(frozen=True)
class Letterhead:
    center_name: str
    fund_owner: str
    center_address: str
    center_phone: str
    center_tax_id: str  # may be ""


@dataclass(frozen=True)
class StatementLine:
    date_text: str
    receipt_label: str  # "" for a gift in kind (it has a certificate, not a receipt)
    item_text: str  # the fund, or what was given in kind
    amount_satang: int
    in_kind: bool = False


@dataclass(frozen=True)
class StatementData:
    head: Letterhead
    year_be: int
    donor_name: str
    donor_tax_id: str  # may be ""
    lines: tuple[StatementLine, ...]
    issued_text: str  # the day it was printed, Buddhist Era

    @property
    def cash_satang(self) -> int:
        return sum(line.amount_satang for line in self.lines if not line.in_kind)

    @property
    def in_kind_satang(self) -> int:
        return sum(line.amount_satang for line in self.lines if line.in_kind)


@dataclass(frozen=True)
class SummaryData:
    head: Letterhead
    year_be: int
    donor_name: str
    as_of_text: str
    rows: tuple[tuple[str, str], ...]  # (what, figure as printed), in Thai


def _para(pdf: ThaiDocument, text: str, x: float, w: float, style: str = "", size: float = _BODY,
          align: str = "L", color: tuple[int, int, int] = _INK) -> None:
    if not (text or "").strip():
        return
    pdf.set_text_color(*color)
    pdf.paragraph(text, x, w, style, size, align=align, keep_together=True)
    pdf.set_text_color(*_INK)


def _letterhead(pdf: ThaiDocument, head: Letterhead, left: float, full: float) -> None:
    _para(pdf, head.fund_owner, left, full, "B", 15.5, "C")
    _para(pdf, head.center_name, left, full, "", 12.5, "C")
    _para(pdf, head.center_address, left, full, "", 11, "C", _GREY)
    contact = [f"{label} {value.strip()}" for label, value in (
        ("โทรศัพท์", head.center_phone or ""), ("เลขประจำตัวผู้เสียภาษีอากร", head.center_tax_id or ""))
        if value.strip()]
    _para(pdf, "    ".join(contact), left, full, "", 11, "C", _GREY)
    y = pdf.get_y() + 2.5
    pdf.set_line_width(0.5)
    pdf.line(left, y, left + full, y)
    pdf.set_y(y + 5)


def _document(title: str, head: Letterhead) -> tuple[ThaiDocument, float, float]:
    pdf = ThaiDocument(title, author=head.fund_owner, bottom=18)
    pdf.add_page()
    left = 18.0
    pdf.set_margins(left, 16, left)
    pdf.set_y(16)
    return pdf, left, pdf.w - 2 * left


# Columns of the statement's table: (heading, width in mm, alignment).
_COLUMNS = (("ลำดับ", 12.0, "C"), ("วันที่", 28.0, "C"), ("เลขที่ใบเสร็จ", 28.0, "C"),
            ("รายการ", 74.0, "L"), ("จำนวนเงิน (บาท)", 32.0, "R"))


_HEADINGS = tuple(heading for heading, _, _ in _COLUMNS)


def _row(pdf: ThaiDocument, left: float, cells: tuple[str, ...], style: str = "",
         fill: bool = False, *, repeat_headings: bool = False) -> None:
    """One table row; the item column wraps, the row is as tall as its tallest cell. A row that
    starts a new page is put under the column headings again when ``repeat_headings``."""
    size = _BODY - 1
    wrapped = [pdf.lines(text, width - 2, style, size) for text, (_, width, _) in zip(cells, _COLUMNS, strict=True)]
    line_h = size * LINE_HEIGHT
    height = max(len(lines) for lines in wrapped) * line_h + 1.6
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
        if repeat_headings:
            _row(pdf, left, _HEADINGS, "B", fill=True)
    y, x = pdf.get_y(), left
    pdf.set_fill_color(238, 238, 238)
    pdf.set_line_width(0.2)
    for lines, (_, width, align) in zip(wrapped, _COLUMNS, strict=True):
        pdf.rect(x, y, width, height, style="DF" if fill else "D")
        pdf.set_font(FONT_FAMILY, style, size)
        for n, line in enumerate(lines):
            pdf.set_xy(x + 1, y + 0.8 + n * line_h)
            pdf.cell(width - 2, line_h, line, align=align)
        x += width
    pdf.set_xy(left, y + height)


def statement_pdf(data: StatementData) -> bytes:
    """The yearly giving statement: A4 portrait, as many pages as the gifts need."""
    d = data
    pdf, left, full = _document(f"{STATEMENT_TITLE} พ.ศ. {d.year_be} {d.donor_name}", d.head)
    _letterhead(pdf, d.head, left, full)
    _para(pdf, f"{STATEMENT_TITLE} พ.ศ. {d.year_be}", left, full, "B", 19, "C")
    _para(pdf, f"(1 มกราคม - 31 ธันวาคม {d.year_be})", left, full, "", _BODY, "C", _GREY)
    pdf.ln(3)
    _para(pdf, f"ผู้บริจาค {d.donor_name}", left, full, "B")
    if (d.donor_tax_id or "").strip():
        _para(pdf, f"เลขประจำตัวผู้เสียภาษี {d.donor_tax_id.strip()}", left, full)
    _para(pdf, f"ออกให้ ณ วันที่ {d.issued_text}", left, full)
    pdf.ln(3)
    if not d.lines:
        _para(pdf, f"{NO_GIFTS} (พ.ศ. {d.year_be})", left, full, "B", 14, "C")
        pdf.ln(2)
    else:
        _row(pdf, left, _HEADINGS, "B", fill=True)
        for n, line in enumerate(d.lines, start=1):
            item = f"{line.item_text} (สิ่งของ)" if line.in_kind else line.item_text
            _row(pdf, left, (str(n), line.date_text, line.receipt_label or "-", item,
                             format_amount(line.amount_satang)), repeat_headings=True)
    pdf.ln(4)
    totals = [("รวมเงินบริจาค", d.cash_satang)]
    if d.in_kind_satang:
        totals += [("รวมมูลค่าสิ่งของบริจาค", d.in_kind_satang),
                   ("รวมทั้งสิ้น", d.cash_satang + d.in_kind_satang)]
    for label, amount in totals:
        _para(pdf, f"{label} {format_amount(amount)} บาท ({amount_in_words(amount)})", left, full, "B")
        pdf.ln(1)
    pdf.ln(2)
    _para(pdf, TAX_NOTE, left, full)
    _para(pdf, STATEMENT_NOTE, left, full, "", _BODY - 1, color=_GREY)
    return bytes(pdf.output())


def summary_pdf(data: SummaryData) -> bytes:
    """The yearly impact summary: what a donor's gifts of one year did, in figures."""
    d = data
    pdf, left, full = _document(f"{SUMMARY_TITLE} พ.ศ. {d.year_be} {d.donor_name}", d.head)
    _letterhead(pdf, d.head, left, full)
    _para(pdf, f"{SUMMARY_TITLE} พ.ศ. {d.year_be}", left, full, "B", 19, "C")
    _para(pdf, d.donor_name, left, full, "B", 15, "C")
    _para(pdf, f"ข้อมูล ณ วันที่ {d.as_of_text}", left, full, "", _BODY, "C", _GREY)
    pdf.ln(4)
    label_w = full * 0.62
    for label, figure in d.rows:
        y = pdf.get_y()
        pdf.ensure_room(_BODY * LINE_HEIGHT * 2)
        _para(pdf, label, left + 4, label_w - 4)
        after = pdf.get_y()
        pdf.set_y(y)
        _para(pdf, figure, left + label_w, full - label_w, "B", align="R")
        pdf.set_y(max(after, pdf.get_y()) + 1.5)
    pdf.ln(4)
    _para(pdf, NO_PERSONAL_DATA, left, full, "", _BODY - 1, color=_GREY)
    _para(pdf, f"{d.head.fund_owner} ขอขอบคุณที่ท่านร่วมสนับสนุนการให้บริการยืมกายอุปกรณ์"
               "แก่ผู้สูงอายุ ผู้พิการ และผู้ป่วยในชุมชน", left, full)
    return bytes(pdf.output())
