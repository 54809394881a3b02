"""Report tables drawn as pictures: horizontal bars, as SVG drawn on the server.

A :class:`reports.tables.Table` whose ``chart`` names a column is drawn one bar a row: the first
column names the bar (Thai wrapped between words on at most two lines, then cut with "…"), the
bar's length is the row's value and the value is printed at the bar's end, formatted by the
column's kind as the page prints it. No script (the pages' CSP allows none inline) and no
inline style: only SVG presentation attributes. The picture is an image to assistive
technology (``role="img"``), named by the table's heading and described by the data table,
which stays right beside it.

``bars`` gives the plan (labels, lengths, values as text) that the SVG and the printed annual
report (reports/annual.py) both draw, so a figure looks the same on screen and on paper.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask_babel import gettext
from markupsafe import Markup, escape
from PIL import ImageFont

from core.i18n import format_number
from core.money import format_baht
from core.pdf import FONT_FILES, wrap
from reports.tables import COUNT, DAYS, NUMBER, SATANG, SHARE, Column, Table

WIDTH = 360            # px: the picture's width, as on a phone
BOLD_WIDER = 1.15      # how much wider bold digits set than regular ones
FONT_SIZE = 13         # px, labels and values
LINE = 17              # px between label lines
BAR = 16               # px: a bar's thickness
GAP = 10               # px between one bar and the next row's label
MAX_LINES = 2          # a label's lines; the rest is cut with "…"
VALUE_GAP = 6          # px between a bar's end and its value
BAR_FILL = "#2f6db5"   # 5.3:1 on white, 3.4:1 on the dark theme's background
ELLIPSIS = "…"
CHARTED = (COUNT, SHARE, SATANG, DAYS, NUMBER)


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES["B" if bold else ""]), size)


@lru_cache(maxsize=4096)
def text_width(text: str, size: int = FONT_SIZE) -> float:
    """The width in px of ``text`` in Sarabun (the pages' font) at ``size`` px."""
    return _font(size).getlength(text)


def format_value(column: Column, value: Any, locale: str) -> str:
    """A value as the report page prints it (templates/reports/_macros.html ``value``)."""
    if value is None:
        return "–"
    if column.kind == SHARE:
        return f"{format_number(value * 100, locale, 1)}%"
    if column.kind == SATANG:
        return format_baht(value, locale)
    if column.kind == DAYS:
        return f"{format_number(value, locale, 1)} {gettext('days')}"
    if column.kind == NUMBER:
        return format_number(value, locale, 1)
    if column.kind == COUNT:
        return format_number(value, locale)
    return str(value)


def label_lines(text: str, width: float, width_of, max_lines: int = MAX_LINES) -> list[str]:
    """``text`` wrapped between words to ``width``, on at most ``max_lines`` lines, the last
    cut with "…" when the label goes on."""
    lines = wrap(" ".join(str(text).split()) or "–", width, width_of)
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and width_of(last + ELLIPSIS) > width:
        last = last[:-1]
    # A cut must not leave a Thai mark or vowel without its letter: drop back to a whole cluster.
    while last and "\u0e31" <= last[-1] <= "\u0e4e" and last[-1] not in "\u0e32\u0e33\u0e45\u0e46":
        last = last[:-1]
    return [*lines[:max_lines - 1], last.rstrip() + ELLIPSIS]


@dataclass(frozen=True)
class Bar:
    label: str
    value: Any
    text: str          # the value as printed
    share: float       # the bar's length as a share (0..1) of the longest


def bars(table: Table, locale: str) -> list[Bar]:
    """The table's rows as bars: the first column's text, the charted column's value; empty when
    the table has no chart, no rows or a chart column of text."""
    if not table.chart or not table.rows:
        return []
    column = table.column(table.chart)
    if column.kind not in CHARTED:
        return []
    name = table.columns[0]
    values = [row.get(column.key) for row in table.rows]
    longest = max((v for v in values if v is not None and v > 0), default=0)
    return [Bar(format_value(name, row.get(name.key), locale) if name.kind != "text" else str(row.get(name.key) or "–"),
                value, format_value(column, value, locale),
                (value / longest) if longest and value is not None and value > 0 else 0.0)
            for row, value in zip(table.rows, values, strict=True)]


def _text(x: float, y: float, text: str, anchor: str = "start", weight: str = "") -> str:
    bold = ' font-weight="700"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{bold}>{escape(text)}</text>'


def svg(table: Table, locale: str, *, describedby: str) -> Markup | None:
    """The table as horizontal bars in an SVG ``WIDTH`` px wide; None when there is nothing to draw.

    Named by its ``<title>`` (the table's title and the column drawn), described by the data
    table whose id is ``describedby``.
    """
    drawn = bars(table, locale)
    if not drawn:
        return None
    column = table.column(table.chart)
    # The values are bold: a little wider than the regular face text_width measures.
    room = max(text_width(bar.text) for bar in drawn) * BOLD_WIDER + VALUE_GAP
    span = WIDTH - room
    parts, y = [], 0.0
    for bar in drawn:
        for line in label_lines(bar.label, WIDTH, text_width):
            y += LINE
            parts.append(_text(0, y - 4, line))
        y += 2
        length = max(bar.share * span, 1.0 if bar.value else 0.0)
        parts.append(f'<rect x="0" y="{y:.1f}" width="{length:.1f}" height="{BAR}" fill="{BAR_FILL}"/>')
        parts.append(_text(length + VALUE_GAP, y + BAR - 3, bar.text, weight="bold"))
        y += BAR + GAP
    height = round(y)
    title = gettext("%(table)s: %(column)s as bars; the numbers are in the table beside it.",
                    table=table.title, column=column.label)
    key = escape(table.key)
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="chart-{key}-title" '
        f'aria-describedby="{escape(describedby)}" font-family="Sarabun, sans-serif" font-size="{FONT_SIZE}" '
        f'fill="currentColor"><title id="chart-{key}-title">{escape(title)}</title>'
        + "".join(parts) + "</svg>")
