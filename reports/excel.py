"""A report as an Excel workbook (openpyxl): a sheet of headline figures, then a sheet per table.

Each sheet opens with the report's title and period; headings carry their unit
(``export_header``), numbers stay numbers (``export_value``: baht with two places, shares
in percent) with a number format by the column's kind, and text that starts like a formula
is neutralised as in the CSV (core/spreadsheets.py ``text_cell``).
"""
from __future__ import annotations

import io
import re
from typing import Any

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.spreadsheets import text_cell
from reports.tables import COUNT, DAYS, NUMBER, SATANG, SHARE, TEXT, Column, Report, export_header, export_value

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# export_value gives shares in percent (12.5 for 12.5%), baht with two places, days to a tenth.
FORMATS = {COUNT: "#,##0", SHARE: '0.0"%"', SATANG: "#,##0.00", DAYS: "#,##0.0", NUMBER: "#,##0.0"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_ROW = 4   # rows 1-2: the report and its period; row 4: the headings


def _cell_value(value: Any) -> Any:
    return text_cell(value) if isinstance(value, str) else value


def _sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = _SHEET_FORBIDDEN.sub(" ", " ".join(title.split())).strip("' ") or "Sheet"
    name, n = base[:31], 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _head(sheet: Worksheet, report: Report, headers: list[str]) -> None:
    sheet.cell(row=1, column=1, value=_cell_value(str(report.title)))
    sheet.cell(row=2, column=1, value=_cell_value(report.period.label() if report.period else ""))
    for i, header in enumerate(headers, 1):
        sheet.cell(row=HEADER_ROW, column=i, value=_cell_value(header))
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _figures(sheet: Worksheet, report: Report) -> None:
    previous = report.previous.label() if report.previous else gettext("The period before")
    _head(sheet, report, [gettext("Figure"), report.period.label() if report.period else "", previous])
    for figure in report.figures:
        column = Column(figure.key, figure.label, figure.kind)
        sheet.append([_cell_value(export_header(column)), _cell_value(export_value(column, figure.value)),
                      _cell_value(export_value(column, figure.previous))])
        if figure.kind in FORMATS:
            for cell in sheet[sheet.max_row][1:]:
                cell.number_format = FORMATS[figure.kind]
    _widths(sheet, [48, 18, 18])


def _table(sheet: Worksheet, report: Report, table) -> None:
    _head(sheet, report, [export_header(c) for c in table.columns])
    sheet.cell(row=3, column=1, value=_cell_value(str(table.title))).font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell_value(export_value(c, row.get(c.key))) for c in table.columns])
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]
    if table.note:
        sheet.cell(row=sheet.max_row + 2, column=1, value=_cell_value(str(table.note)))
    _widths(sheet, [32 if c.kind == TEXT or i == 0 else 16 for i, c in enumerate(table.columns)])


def workbook(report: Report) -> bytes:
    """The whole report as .xlsx bytes."""
    book = Workbook()
    taken: set[str] = set()
    sheet = book.active
    sheet.title = _sheet_name(gettext("In figures"), taken)
    _figures(sheet, report)
    for table in report.tables:
        _table(book.create_sheet(_sheet_name(str(table.title), taken)), report, table)
    book.properties.title = str(report.title)
    book.properties.creator = ""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
