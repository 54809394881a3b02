"""The printable annual report: every report a reader may read for a period, as a Thai A4 PDF.

Laid out like the program report the center's design starts from: the center's name and the
period, then each report with its headline figures in boxes, each table drawn as bars (when it
names a chart column) and printed as a table; the money is a report like the others. Drawn on
``core.pdf.ThaiDocument`` (Thai shaped, lines broken between words); this module holds only the
layout. The reports are built by the caller in Thai (the document is Thai); no Flask, no DB.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.pdf import FONT_FAMILY, ThaiDocument
from reports import charts
from reports.tables import TEXT, Column, Report, Table

TITLE = "รายงานผลการดำเนินงาน"
NOTHING = "ไม่มีข้อมูลในช่วงเวลานี้"
NO_REPORT = "ไม่มีรายงานที่ท่านมีสิทธิ์อ่าน"
_MARGIN, _TOP, _BOTTOM = 16.0, 14.0, 16.0
_BODY, _LH = 10.5, 5.6
_INK, _GREY, _RULE, _SHADE = (0, 0, 0), (90, 90, 90), (160, 160, 160), (236, 240, 246)
_BAR = (47, 109, 181)
_FIGURES_PER_ROW = 3
_FIGURE_H = 21.0


@dataclass(frozen=True)
class AnnualData:
    center_name: str
    period_label: str          # "ปีงบประมาณ 2569"
    previous_label: str        # the period before's label ("" when not compared)
    printed_on: str            # the day printed, Buddhist Era, already formatted
    reports: Sequence[Report]  # built with Thai labels


def _footers(pdf: ThaiDocument, text: str) -> None:
    """The report and page number at the foot of every page, drawn once all pages are laid out
    (so that output() maps every glyph drawn, a footer's too, back to its text)."""
    last = pdf.page
    for page in range(1, last + 1):
        pdf.page = page
        pdf.set_xy(_MARGIN, pdf.h - 11)
        pdf.set_font(FONT_FAMILY, "", 8.5)
        pdf.set_text_color(*_GREY)
        pdf.cell(pdf.epw, 5, f"{text}   หน้า {page}/{last}", align="R")
    pdf.page = last
    pdf.set_text_color(*_INK)


def _para(pdf: ThaiDocument, text: str, x: float, w: float, style: str = "", size: float = _BODY,
          lh: float = _LH, align: str = "L", color: tuple[int, int, int] = _INK) -> None:
    pdf.set_text_color(*color)
    pdf.paragraph(text, x, w, style, size, line_height=lh, align=align, keep_together=True)
    pdf.set_text_color(*_INK)


def _heading(pdf: ThaiDocument, text: str, size: float, room: float) -> None:
    """A heading kept on the page with ``room`` mm of what follows it."""
    pdf.ensure_room(size * 0.6 + room)
    pdf.ln(2)
    _para(pdf, text, _MARGIN, pdf.epw, "B", size, size * 0.55)


def _figures(pdf: ThaiDocument, report: Report, previous_label: str) -> None:
    if not report.figures:
        return
    gap = 3.0
    w = (pdf.epw - gap * (_FIGURES_PER_ROW - 1)) / _FIGURES_PER_ROW
    for start in range(0, len(report.figures), _FIGURES_PER_ROW):
        pdf.ensure_room(_FIGURE_H + gap)
        y = pdf.get_y()
        for i, figure in enumerate(report.figures[start:start + _FIGURES_PER_ROW]):
            x = _MARGIN + i * (w + gap)
            column = Column(figure.key, figure.label, figure.kind)
            pdf.set_fill_color(*_SHADE)
            pdf.rect(x, y, w, _FIGURE_H, style="F")
            value = charts.format_value(column, figure.value, "th")
            pdf.set_xy(x + 2, y + 1.5)
            pdf.set_font(FONT_FAMILY, "B", pdf.fit_size(value, w - 4, 17, "B"))
            pdf.cell(w - 4, 8, value)
            label = str(figure.label)
            size, lines = pdf.fit_box(label, w - 4, 8.5, 9, min_size=6.5)
            pdf.set_xy(x + 2, y + 9.5)
            for line in lines[:2]:
                pdf.set_x(x + 2)
                pdf.cell(w - 4, size * 0.45, line, new_x="LMARGIN", new_y="NEXT")
            if previous_label and figure.previous is not None:
                before = f"{previous_label}: {charts.format_value(column, figure.previous, 'th')}"
                pdf.set_xy(x + 2, y + _FIGURE_H - 4.2)
                pdf.set_font(FONT_FAMILY, "", pdf.fit_size(before, w - 4, 7.5))
                pdf.set_text_color(*_GREY)
                pdf.cell(w - 4, 3.5, before)
                pdf.set_text_color(*_INK)
        pdf.set_y(y + _FIGURE_H + gap)


def _bars(pdf: ThaiDocument, table: Table) -> None:
    """The table's chart column as horizontal bars: the label left, the bar and its value right."""
    drawn = charts.bars(table, "th")
    if not drawn:
        return
    label_w, size, bar_h = 52.0, 9.0, 4.2
    pdf.set_font(FONT_FAMILY, "B", size)
    room = max(pdf.get_string_width(bar.text) for bar in drawn) + 2
    span = pdf.epw - label_w - 3 - room
    for bar in drawn:
        lines = charts.label_lines(bar.label, label_w - 2 * pdf.c_margin, lambda s: pdf.measure(s, "", size))
        h = max(len(lines) * size * 0.45, bar_h) + 1.8
        pdf.ensure_room(h)
        y = pdf.get_y()
        pdf.set_font(FONT_FAMILY, "", size)
        for k, line in enumerate(lines):
            pdf.set_xy(_MARGIN, y + k * size * 0.45)
            pdf.cell(label_w, size * 0.45, line, align="R")
        x = _MARGIN + label_w + 3
        length = max(bar.share * span, 0.4 if bar.value else 0.0)
        if length:
            pdf.set_fill_color(*_BAR)
            pdf.rect(x, y + 0.3, length, bar_h - 0.6, style="F")
        pdf.set_font(FONT_FAMILY, "B", size)
        pdf.set_xy(x + length + 1.2, y)
        pdf.cell(room, bar_h, bar.text)
        pdf.set_y(y + h)
    pdf.ln(1.5)


def _widths(pdf: ThaiDocument, columns: Sequence[Column]) -> list[float]:
    if len(columns) == 1:
        return [pdf.epw]
    first = max(pdf.epw * 0.36, pdf.epw - 27.0 * (len(columns) - 1))
    rest = (pdf.epw - first) / (len(columns) - 1)
    return [first] + [rest] * (len(columns) - 1)


def _row(pdf: ThaiDocument, cells: list[str], widths: list[float], columns: Sequence[Column], *,
         head: bool = False) -> None:
    size, style = (8.5, "B") if head else (9.0, "")
    wrapped = [pdf.lines(text, w - 2, style, size) if (head or i == 0 or c.kind == TEXT) else [text]
               for i, (text, w, c) in enumerate(zip(cells, widths, columns, strict=True))]
    lh = size * 0.47
    h = max(len(lines) for lines in wrapped) * lh + 1.6
    pdf.ensure_room(h)
    y, x = pdf.get_y(), _MARGIN
    if head:
        pdf.set_fill_color(*_SHADE)
        pdf.rect(_MARGIN, y, pdf.epw, h, style="F")
    for lines, w, column, index in zip(wrapped, widths, columns, range(len(columns)), strict=True):
        align = "L" if index == 0 or column.kind == TEXT else "R"
        for k, line in enumerate(lines):
            pdf.set_font(FONT_FAMILY, style, pdf.fit_size(line, w - 2, size, style) if len(lines) == 1 else size)
            pdf.set_xy(x + 1, y + 0.8 + k * lh)
            pdf.cell(w - 2, lh, line, align=align)
        x += w
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.15)
    pdf.line(_MARGIN, y + h, _MARGIN + pdf.epw, y + h)
    pdf.set_draw_color(*_INK)
    pdf.set_y(y + h)


def _table(pdf: ThaiDocument, table: Table) -> None:
    _heading(pdf, str(table.title), 11.5, 24)
    _bars(pdf, table)
    widths = _widths(pdf, table.columns)
    header = [str(c.label) + {"share": " (%)", "satang": " (บาท)"}.get(c.kind, "") for c in table.columns]
    _row(pdf, header, widths, table.columns, head=True)
    for row in table.rows:
        if pdf.get_y() + 8 > pdf.page_break_trigger:   # the headings again on the new page
            pdf.add_page()
            _row(pdf, header, widths, table.columns, head=True)
        _row(pdf, [_cell(c, row.get(c.key)) for c in table.columns], widths, table.columns)
    if not table.rows:
        _para(pdf, NOTHING, _MARGIN + 1, pdf.epw - 2, "", 9, 5, color=_GREY)
    if table.note:
        _para(pdf, str(table.note), _MARGIN, pdf.epw, "", 8.5, 4.6, color=_GREY)
    pdf.ln(2)


def _cell(column: Column, value) -> str:
    """A table cell: like the page, but shares and baht without their signs (the heading says the unit)."""
    text = charts.format_value(column, value, "th")
    if value is None:
        return text
    return text.removesuffix("%").replace("฿", "") if column.kind in ("share", "satang") else text


def annual_pdf(data: AnnualData) -> bytes:
    """The annual report as A4 PDF bytes."""
    d = data
    pdf = ThaiDocument(f"{TITLE} {d.period_label}", author=d.center_name, bottom=_BOTTOM)
    pdf.set_margins(_MARGIN, _TOP, _MARGIN)
    pdf.add_page()
    _para(pdf, d.center_name, _MARGIN, pdf.epw, "B", 16, 8, "C")
    _para(pdf, f"{TITLE} {d.period_label}", _MARGIN, pdf.epw, "B", 14, 7.5, "C")
    _para(pdf, f"พิมพ์เมื่อ {d.printed_on} · ตัวเลขทุกตัวรวมจากบันทึกของศูนย์", _MARGIN, pdf.epw, "", 9.5,
          5, "C", _GREY)
    pdf.set_line_width(0.4)
    pdf.line(_MARGIN, pdf.get_y() + 1.5, _MARGIN + pdf.epw, pdf.get_y() + 1.5)
    pdf.ln(4)
    if not d.reports:
        _para(pdf, NO_REPORT, _MARGIN, pdf.epw)
    for report in d.reports:
        _heading(pdf, str(report.title), 14, _FIGURE_H + 6)
        _figures(pdf, report, d.previous_label)
        for table in report.tables:
            _table(pdf, table)
    _footers(pdf, f"{d.center_name} · {TITLE} {d.period_label}")
    return bytes(pdf.output())
