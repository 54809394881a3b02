"""Tests for labels.render: QR labels must scan, fit their stickers and keep Thai as text."""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium
import pytest
from PIL import Image

from fixtures.documents import RENDER_DPI, decode_qr, pdf_pages
from labels.render import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    LabelData,
    check_thai_shaping,
    label_png,
    sheet_pdf,
)

CENTER = "ศูนย์กายอุปกรณ์ เทศบาลเมืองบ้านสวน"
PHONE = "038-184-5555"
TYPES = [
    ("WC", "รถเข็นวีลแชร์", "Wheelchair"),
    ("BD", "เตียงผู้ป่วยปรับระดับ", "Hospital bed"),
    ("WK", "ไม้เท้าสี่ขา", "Walker"),
]


def make_label(n: int, kind: int = 0) -> LabelData:
    code, th, en = TYPES[kind % len(TYPES)]
    tag = f"BS-{code}-{n:05d}"
    return LabelData(tag, f"http://127.0.0.1:5000/d/{tag}", th, en, CENTER, PHONE)


def make_labels(count: int) -> list[LabelData]:
    return [make_label(i + 1, i) for i in range(count)]


def test_thai_shaping_available() -> None:
    assert check_thai_shaping() is True


def test_layouts_fit_a4() -> None:
    assert DEFAULT_LAYOUT in LAYOUTS
    assert {"3x8", "2x7", "3x7"} <= set(LAYOUTS)
    assert LAYOUTS["3x8"].per_sheet == 24
    assert LAYOUTS["2x7"].per_sheet == 14
    assert LAYOUTS["3x7"].per_sheet == 21
    for key, lay in LAYOUTS.items():
        assert lay.key == key
        right = lay.margin_left_mm + lay.cols * lay.label_w_mm + (lay.cols - 1) * lay.gap_x_mm
        bottom = lay.margin_top_mm + lay.rows * lay.label_h_mm + (lay.rows - 1) * lay.gap_y_mm
        assert right <= 210.0 + 0.05, key
        assert bottom <= 297.0 + 0.05, key
        assert lay.description


def test_label_png_size_dpi_and_qr() -> None:
    label = make_label(42)
    img = Image.open(io.BytesIO(label_png(label)))
    assert img.format == "PNG"
    assert abs(img.width - 70 / 25.4 * 300) <= 2
    assert abs(img.height - 37 / 25.4 * 300) <= 2
    assert round(img.info["dpi"][0]) == 300
    img.load()
    assert decode_qr(img) == [label.url]


def test_label_png_other_dpi() -> None:
    label = make_label(7, 1)
    img = Image.open(io.BytesIO(label_png(label, dpi=150)))
    assert abs(img.width - 70 / 25.4 * 150) <= 2
    assert abs(img.height - 37 / 25.4 * 150) <= 2
    assert decode_qr(img) == [label.url]


def test_label_png_long_text_stays_inside() -> None:
    label = LabelData(
        "BS-WC-0000000042",
        "http://127.0.0.1:5000/d/BS-WC-0000000042",
        "เตียงผู้ป่วยปรับระดับไฟฟ้าพร้อมที่นอนลมป้องกันแผลกดทับ",
        "Electric hospital bed with anti-decubitus air mattress",
        "ศูนย์กายอุปกรณ์และอุปกรณ์ช่วยเหลือคนพิการ เทศบาลเมืองบ้านสวน จังหวัดชลบุรี",
        "038-184-5555 ต่อ 1234",
    )
    img = Image.open(io.BytesIO(label_png(label))).convert("L")
    # Right 1 mm of the label must stay blank: text shrank instead of overflowing.
    strip = img.crop((img.width - 12, 0, img.width, img.height))
    assert strip.getextrema()[0] > 200
    assert decode_qr(img) == [label.url]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_sheet_pdf_every_layout(layout: str) -> None:
    labels = make_labels(30)
    per = LAYOUTS[layout].per_sheet
    pages = pdf_pages(sheet_pdf(labels, layout))
    assert len(pages) == math.ceil(30 / per)

    decoded: list[str] = []
    text = ""
    for img, page_text in pages:
        decoded += decode_qr(img)
        text += page_text
    assert len(decoded) == 30
    assert set(decoded) == {lab.url for lab in labels}

    # Real (vector) text, with Thai surviving copy-paste.
    for lab in labels[:3]:
        assert lab.tag in text
        assert lab.type_th in text
        assert lab.type_en in text
    assert "เทศบาลเมืองบ้านสวน" in text
    assert PHONE in text


def test_sheet_pdf_3x8_page_count_default() -> None:
    assert len(pdf_pages(sheet_pdf(make_labels(30)))) == 2


def test_sheet_pdf_text_is_not_image() -> None:
    data = sheet_pdf(make_labels(3))
    doc = pdfium.PdfDocument(data)
    try:
        page = doc[0]
        kinds = {obj.type for obj in page.get_objects()}
        page.close()
    finally:
        doc.close()
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds
    assert pdfium.raw.FPDF_PAGEOBJ_TEXT in kinds


def test_sheet_pdf_title_metadata() -> None:
    doc = pdfium.PdfDocument(sheet_pdf(make_labels(2), title="ป้าย QR ครุภัณฑ์"))
    try:
        assert doc.get_metadata_value("Title") == "ป้าย QR ครุภัณฑ์"
    finally:
        doc.close()


@pytest.mark.parametrize(
    ("start", "count", "pages"),
    [(5, 20, 1), (6, 20, 2), (24, 1, 1), (24, 2, 2), (1, 24, 1), (1, 25, 2)],
)
def test_sheet_pdf_start_offset(start: int, count: int, pages: int) -> None:
    labels = make_labels(count)
    result = pdf_pages(sheet_pdf(labels, "3x8", start=start))
    assert len(result) == pages
    assert {u for img, _ in result for u in decode_qr(img)} == {lab.url for lab in labels}


def test_sheet_pdf_start_skips_positions() -> None:
    # With start=5 on 3x8 the first label sits in row 2, column 2.
    lay = LAYOUTS["3x8"]
    ((img, _),) = pdf_pages(sheet_pdf([make_label(1)], "3x8", start=5))
    px = RENDER_DPI / 25.4
    row, col = divmod(4, lay.cols)
    x0 = lay.margin_left_mm + col * lay.label_w_mm
    y0 = lay.margin_top_mm + row * lay.label_h_mm
    cell = img.crop((round(x0 * px), round(y0 * px),
                     round((x0 + lay.label_w_mm) * px), round((y0 + lay.label_h_mm) * px)))
    assert decode_qr(cell) == [make_label(1).url]
    # Everything outside that cell is blank paper.
    blank = img.copy()
    blank.paste(255, (round(x0 * px), round(y0 * px),
                      round((x0 + lay.label_w_mm) * px), round((y0 + lay.label_h_mm) * px)))
    assert blank.getextrema()[0] == 255


def test_sheet_pdf_long_text_stays_in_cell() -> None:
    long_label = LabelData(
        "BS-WC-0000000042",
        "http://127.0.0.1:5000/d/BS-WC-0000000042",
        "เตียงผู้ป่วยปรับระดับไฟฟ้าพร้อมที่นอนลมป้องกันแผลกดทับ",
        "Electric hospital bed with anti-decubitus air mattress",
        "ศูนย์กายอุปกรณ์และอุปกรณ์ช่วยเหลือคนพิการ เทศบาลเมืองบ้านสวน จังหวัดชลบุรี",
        PHONE,
    )
    for key, lay in LAYOUTS.items():
        ((img, _),) = pdf_pages(sheet_pdf([long_label], key))
        px = RENDER_DPI / 25.4
        right = lay.margin_left_mm + lay.label_w_mm
        # Nothing may be printed past the cell's right edge.
        beyond = img.crop((math.ceil((right - 0.5) * px), 0, img.width, img.height))
        assert beyond.getextrema()[0] > 200, key


@pytest.mark.parametrize(
    ("labels", "kwargs", "message"),
    [
        ([make_label(1)], {"layout": "4x10"}, "layout"),
        ([make_label(1)], {"layout": ""}, "layout"),
        ([make_label(1)], {"start": 0}, "start"),
        ([make_label(1)], {"start": -3}, "start"),
        ([make_label(1)], {"start": 25}, "start"),
        ([make_label(1)], {"layout": "2x7", "start": 15}, "start"),
        ([], {}, "no labels"),
    ],
)
def test_sheet_pdf_rejects_bad_input(labels: list[LabelData], kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sheet_pdf(labels, **kwargs)
