"""Render QR asset labels for lent assistive devices (wheelchairs, beds, walkers).

Two outputs share one layout plan so that the single-label PNG preview and the
printable sheet look the same:

* ``label_png`` -- one 70 x 37 mm label as a PNG (Pillow; Thai shaped by raqm).
* ``sheet_pdf`` -- an A4 PDF for sticker sheets (``core.pdf.ThaiDocument``; QR drawn as
  vector rectangles so it stays sharp at any printer resolution).

Sizes and line breaks come from ``core.pdf``'s fitting helpers, measured by each back end.
Pure functions only: no Flask, no database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from collections.abc import Sequence

import qrcode
from PIL import Image, ImageDraw, ImageFont, features

from core.pdf import FONT_FAMILY, FONT_FILES, MM_PER_PT, Measure, ThaiDocument, fit_lines, fit_size

MM_PER_INCH = 25.4

# Nominal geometry of a single label (the PNG, and the "3x8" sheet cell).
LABEL_W_MM = 70.0
LABEL_H_MM = 37.0


@dataclass(frozen=True)
class LabelData:
    tag: str
    url: str
    type_th: str
    type_en: str
    center_name: str
    center_phone: str


@dataclass(frozen=True)
class SheetLayout:
    key: str
    cols: int
    rows: int
    label_w_mm: float
    label_h_mm: float
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float
    gap_y_mm: float
    description: str

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows

    def cell_origin(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm) of the cell at 0-based ``index`` on a sheet, row-major."""
        row, col = divmod(index, self.cols)
        return (
            self.margin_left_mm + col * (self.label_w_mm + self.gap_x_mm),
            self.margin_top_mm + row * (self.label_h_mm + self.gap_y_mm),
        )


LAYOUTS: dict[str, SheetLayout] = {
    layout.key: layout
    for layout in (
        # 8 x 37 mm = 296 mm, so only 1 mm of the page height is left over;
        # 0.5 mm top keeps the grid centred on typical 70 x 37 sheets.
        SheetLayout("3x8", 3, 8, 70.0, 37.0, 0.0, 0.5, 0.0, 0.0,
                    "A4, 24 labels 70 x 37 mm (3 x 8)"),
        SheetLayout("2x7", 2, 7, 99.1, 38.1, 4.65, 15.15, 2.5, 0.0,
                    "A4, 14 labels 99.1 x 38.1 mm (2 x 7, Avery L7163)"),
        SheetLayout("3x7", 3, 7, 63.5, 38.1, 7.2, 15.15, 2.5, 0.0,
                    "A4, 21 labels 63.5 x 38.1 mm (3 x 7, Avery L7160)"),
    )
}
DEFAULT_LAYOUT = "3x8"


def check_thai_shaping() -> bool:
    """True when Pillow can shape complex scripts (raqm), needed for Thai in PNGs."""
    return bool(features.check("raqm"))


# ---- Layout plan shared by PNG and PDF -------------------------------------
# Each back end supplies its own core.pdf.Measure, so that the plan uses the real
# shaped advance widths of that back end.


@dataclass(frozen=True)
class _Line:
    text: str
    style: str  # "" or "B"
    size_pt: float
    x_mm: float
    baseline_mm: float


@dataclass(frozen=True)
class _Plan:
    qr_size_mm: float
    lines: tuple[_Line, ...]


# Padding keeps text away from the die-cut edge: label printers and sticker
# sheets are routinely misaligned by about a millimetre.
_PAD_RIGHT_MM = 1.8
_PAD_Y_MM = 2.6
# The QR quiet zone already supplies white space, so text starts right after it.
_QR_TEXT_GAP_MM = 0.4
# Nominal sizes (pt) on a 37 mm high label; scaled with the label height.
_SIZE_TAG = 15.0
_SIZE_TYPE_TH = 12.0
_SIZE_TYPE_EN = 9.5
_SIZE_CENTER = 7.0
_MAX_GROW = 1.2
# Below this fraction of the nominal size, splitting the centre name onto two
# lines reads better than shrinking it further.
_WRAP_BELOW = 0.85


@lru_cache(maxsize=256)
def _pil_font(style: str, size_px: float) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if check_thai_shaping() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONT_FILES[style]), size_px, layout_engine=engine)


_METRIC_PX = 400


@lru_cache(maxsize=1024)
def _ink_em(text: str, style: str) -> tuple[float, float]:
    """Ink (above, below) the baseline in em, from the shaped glyphs.

    Thai marks stack to very different heights (กิ่ vs ปั้, ู under ผ), so fixed
    line spacing either wastes a cramped label or lets marks collide. Pillow's
    raqm uses harfbuzz like fpdf2 does, so one measurement serves both outputs.
    """
    if not check_thai_shaping():
        # Unshaped bboxes are unreliable; assume the tallest Thai stack.
        return 1.22, 0.35
    _, top, _, bottom = _pil_font(style, _METRIC_PX).getbbox(text, anchor="ls")
    return max(-top, 0) / _METRIC_PX, max(bottom, 0) / _METRIC_PX


def _extent(text: str, style: str, size_pt: float) -> tuple[float, float]:
    """(above, below) baseline in mm, with a small gap so lines never touch."""
    size_mm = size_pt * MM_PER_PT
    above, below = _ink_em(text, style)
    # Floors at cap height / descender keep baselines evenly spaced when a line
    # happens to have no tall or deep glyphs.
    return (max(above, 0.72) + 0.06) * size_mm, (max(below, 0.2) + 0.06) * size_mm


def _phone_text(phone: str) -> str:
    phone = phone.strip()
    # A bare number on a device is ambiguous to the public; "โทร." (tel.) says
    # whom to call. Leave it alone if the caller already added a prefix.
    if phone and (phone[0].isdigit() or phone[0] == "+"):
        return f"โทร. {phone}"
    return phone


def _group_height(group: list[tuple[str, str, float]]) -> float:
    return sum(sum(_extent(text, style, size)) for text, style, size in group)


def _plan(label: LabelData, w_mm: float, h_mm: float, measure: Measure) -> _Plan:
    # QR takes the full height; on narrow labels cap it so text keeps some room.
    qr = min(h_mm, w_mm * 0.55)
    x = qr + _QR_TEXT_GAP_MM
    avail = max(w_mm - x - _PAD_RIGHT_MM, 1.0)
    room = h_mm - 2 * _PAD_Y_MM

    # Sizes follow the label height; wide labels (99 mm) may also grow a little
    # so the text column does not look lost. Narrow ones shrink per line below.
    ref_avail = LABEL_W_MM - LABEL_H_MM - _QR_TEXT_GAP_MM - _PAD_RIGHT_MM
    scale = h_mm / LABEL_H_MM * min(max(avail / ref_avail, 1.0), _MAX_GROW)
    for _ in range(6):
        def fit(text: str, style: str, base_pt: float, scale: float = scale) -> tuple[str, str, float]:
            return text, style, fit_size(text, avail, base_pt * scale, measure, style)

        top = [fit(label.tag, "B", _SIZE_TAG), fit(label.type_th, "", _SIZE_TYPE_TH),
               fit(label.type_en, "", _SIZE_TYPE_EN)]
        names, name_pt = fit_lines(label.center_name, avail, _SIZE_CENTER * scale, measure,
                                   max_lines=2, shrink=_WRAP_BELOW)
        bottom = [(name, "", name_pt) for name in names]
        bottom.append(fit(_phone_text(label.center_phone), "", _SIZE_CENTER))
        top = [t for t in top if t[0]]
        bottom = [b for b in bottom if b[0]]
        # Top group hangs from the top, bottom group stands on the bottom; they
        # need a small gap between them or the whole block is scaled down.
        gap = 1.2 * scale
        needed = _group_height(top) + _group_height(bottom) + gap
        if needed <= room:
            break
        scale *= (room / needed) * 0.98

    lines: list[_Line] = []
    y = _PAD_Y_MM
    for text, style, size in top:
        above, below = _extent(text, style, size)
        lines.append(_Line(text, style, size, x, y + above))
        y += above + below
    y = h_mm - _PAD_Y_MM
    for text, style, size in reversed(bottom):
        above, below = _extent(text, style, size)
        lines.append(_Line(text, style, size, x, y - below))
        y -= above + below
    # Reading order, so copy-paste from the PDF comes out top to bottom.
    return _Plan(qr, tuple(sorted(lines, key=lambda line: line.baseline_mm)))


def _qr_matrix(url: str) -> list[list[bool]]:
    """QR modules including the 4-module quiet zone, row-major, True = dark."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.get_matrix()


def _dark_runs(matrix: list[list[bool]]) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        c = 0
        for dark, group in groupby(row):
            length = len(list(group))
            if dark:
                runs.append((r, c, length))
            c += length
    return runs


# ---- PNG -------------------------------------------------------------------

def _px_size(size_pt: float, dpi: int) -> float:
    # Quantised so the font cache gets hits across labels.
    return max(round(size_pt * dpi / 72 * 4) / 4, 1.0)


def label_png(label: LabelData, *, dpi: int = 300) -> bytes:
    """A 70 x 37 mm label as PNG bytes at ``dpi`` (grayscale, dpi metadata set)."""
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    px_per_mm = dpi / MM_PER_INCH
    w_px = round(LABEL_W_MM * px_per_mm)
    h_px = round(LABEL_H_MM * px_per_mm)

    def measure(text: str, style: str, size_pt: float) -> float:
        return _pil_font(style, _px_size(size_pt, dpi)).getlength(text) / px_per_mm

    plan = _plan(label, LABEL_W_MM, LABEL_H_MM, measure)
    img = Image.new("L", (w_px, h_px), 255)
    draw = ImageDraw.Draw(img)

    matrix = _qr_matrix(label.url)
    n = len(matrix)
    qr_px = round(plan.qr_size_mm * px_per_mm)
    # Rounded module edges give crisp, gap-free modules filling the square
    # exactly, even though qr_px / n is rarely an integer.
    edges = [round(i * qr_px / n) for i in range(n + 1)]
    qr_top = (h_px - qr_px) // 2
    for r, c, length in _dark_runs(matrix):
        draw.rectangle((edges[c], qr_top + edges[r], edges[c + length] - 1,
                        qr_top + edges[r + 1] - 1), fill=0)

    for line in plan.lines:
        font = _pil_font(line.style, _px_size(line.size_pt, dpi))
        draw.text((line.x_mm * px_per_mm, line.baseline_mm * px_per_mm), line.text,
                  font=font, fill=0, anchor="ls")

    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


# ---- PDF -------------------------------------------------------------------

def _pdf_label(pdf: ThaiDocument, label: LabelData, x0: float, y0: float,
               w_mm: float, h_mm: float) -> None:
    plan = _plan(label, w_mm, h_mm, pdf.measure)

    matrix = _qr_matrix(label.url)
    module = plan.qr_size_mm / len(matrix)
    qy = y0 + (h_mm - plan.qr_size_mm) / 2
    for r, c, length in _dark_runs(matrix):
        pdf.rect(x0 + c * module, qy + r * module, length * module, module, style="F")

    for line in plan.lines:
        pdf.set_font(FONT_FAMILY, line.style, line.size_pt)
        fs = pdf.font_size  # in mm
        # cell() puts the baseline at y + h/2 + 0.3 * font size; invert that so
        # the baseline lands where the plan wants it.
        pdf.set_xy(x0 + line.x_mm, y0 + line.baseline_mm - 0.8 * fs)
        pdf.cell(w=None, h=fs, text=line.text, new_x="RIGHT", new_y="TOP")


def sheet_pdf(labels: Sequence[LabelData], layout: str = DEFAULT_LAYOUT, *,
              start: int = 1, title: str = "Labels") -> bytes:
    """An A4 PDF of labels on sticker sheets.

    ``start`` is the 1-based position of the first label on the first sheet, so
    a partly used sheet can be fed again; later sheets start at position 1.
    """
    sheet = LAYOUTS.get(layout)
    if sheet is None:
        raise ValueError(f"unknown label layout {layout!r}; choose one of {sorted(LAYOUTS)}")
    if not 1 <= start <= sheet.per_sheet:
        raise ValueError(
            f"start must be between 1 and {sheet.per_sheet} for layout {layout!r}, got {start}")
    if not labels:
        raise ValueError("no labels to print")

    pdf = ThaiDocument(title, creator="assistive-device lending center labels")
    # Sticker paper: no margins or decorations.
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.set_fill_color(0)
    pdf.set_text_color(0)
    for i, label in enumerate(labels):
        page, cell = divmod(start - 1 + i, sheet.per_sheet)
        if page + 1 > pdf.pages_count:
            pdf.add_page()
        x, y = sheet.cell_origin(cell)
        _pdf_label(pdf, label, x, y, sheet.label_w_mm, sheet.label_h_mm)
    return bytes(pdf.output())

