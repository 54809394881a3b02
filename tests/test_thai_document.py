"""core.pdf.ThaiDocument and the documents drawn on it: Thai lines break between words, every
glyph prints, and the text comes back out of the PDF as it went in.

The oracle for "between words" is pythainlp's own ``newmm`` segmentation with its stock
dictionary, independent of the breaker's code. pdfium moves zero-width marks in the text it
extracts (it sorts glyphs by position: "ส่งคืน" comes out as "สงค่ ืน", and a raised mark may
even make a line of its own), so texts are compared as the exact sequence of their other
characters plus the exact count of every character, marks included; the printed lines are
found from where each glyph sits.
"""
from __future__ import annotations

import ctypes
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from itertools import accumulate, groupby

import pypdfium2 as pdfium
import pytest
from pythainlp.tokenize import word_tokenize

from core.pdf import EXTRA_WORDS, LINE_HEIGHT, ThaiDocument, fit_lines
from fixtures.documents import AGREEMENT, CERTIFICATE, MARKS, RECEIPT
from fund.receipts import certificate_pdf, receipt_pdf
from labels.render import LabelData, sheet_pdf
from lending.agreement import agreement_pdf

# The four tone marks, ำ, vowels above and below, ็ ์ ๆ ฯ ฤๅ ฦๅ, Thai digits, codes and English.
SAMPLE = ("ผู้ยืมและผู้ดูแลจะใช้กายอุปกรณ์ตามคำแนะนำที่ได้รับ ล็อกเบรกล้อหลังทุกครั้งก่อนลุกขึ้น"
          "น้ำท่วมขังที่ชั้นล่างของบ้าน ก๋วยเตี๋ยวจ๊ะ ฤๅษีฦๅ ฯลฯ ต่างๆ เลขที่๑๒๓๔๕ ฎีกาปฏิบัติฌานฬา"
          " ที่นอนลมป้องกันแผลกดทับ (Alternating pressure mattress) หมายเลขครุภัณฑ์ BS-WC-00042"
          " โทร. 038-184-5555 ศึกษาธิการจังหวัดชลบุรี")
# Long words and no spaces: a breaker that cut between syllables would show it here.
SPACELESS = ("โรงพยาบาลส่งเสริมสุขภาพตำบลประสานงานกับสำนักงานสาธารณสุขจังหวัดและคณะกรรมการกองทุน"
             "หลักประกันสุขภาพเพื่อจัดหากายอุปกรณ์สำหรับผู้ป่วยติดเตียงผู้สูงอายุและผู้พิการในชุมชน"
             "โดยนักกายภาพบำบัดประเมินความเหมาะสมก่อนส่งมอบ")
NOT_FIRST = re.compile(f"[{MARKS}ะาำๅๆ]|ฯ(?!ลฯ)")  # never start a line (ฯลฯ may)
CODES = ("BS-WC-00042", "038-184-5555", "Alternating", "mattress", "๑๒๓๔๕")


def newmm_starts(text: str) -> set[int]:
    """Offsets in ``text`` where a word of pythainlp's stock ``newmm`` (or a space) starts."""
    return {0, *accumulate(len(t) for t in word_tokenize(text, engine="newmm"))}


def base(text: str) -> str:
    """``text`` without whitespace, ZWSP, marks and ำ (drawn as a mark and า): the order that
    pdfium keeps."""
    return re.sub(rf"[\s\u200b{MARKS}ำ]", "", unicodedata.normalize("NFC", text))


def counts(text: str) -> Counter[str]:
    return Counter(re.sub(r"[\s\u200b]", "", text))


# ---- the breaker and the fitting helpers -------------------------------------------

@pytest.fixture(scope="module")
def doc():
    pdf = ThaiDocument("test")
    pdf.add_page()
    yield pdf
    pdf.output()  # closes the font files fpdf2 keeps open until then


TEXTS = [SAMPLE, SPACELESS, " ".join(AGREEMENT.instructions),
         f"{RECEIPT.donor_address} ผู้บริจาคสามารถนำไปใช้สิทธิลดหย่อนภาษีได้ตามที่กฎหมายกำหนด"
         " เลขที่ 2570/00012 กรุงเทพฯ ต่างๆ นานา"]


@pytest.mark.parametrize("width", [40.0, 75.0, 120.0])
@pytest.mark.parametrize("text", TEXTS, ids=["sample", "spaceless", "instructions", "receipt"])
def test_lines_break_only_between_words(doc: ThaiDocument, text: str, width: float) -> None:
    lines = doc.lines(text, width, "", 13.5)
    assert len(lines) > 1
    assert all(doc.get_string_width(line) <= width + 1e-6 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    starts, at = newmm_starts(text), 0
    for line in lines:
        at = text.index(line, at)
        assert at in starts, (line, text[at - 10:at], text[at:at + 10])
        assert not NOT_FIRST.match(line), line
        at += len(line)
    for word in (*CODES, *EXTRA_WORDS):
        assert text.count(word) == sum(line.count(word) for line in lines), word


@pytest.mark.parametrize("text, width, expected", [
    # A code wider than the line is cut where it must: at a word boundary, else a cluster.
    ("BS-WC-0000000000000000042", 20.0, None),
    ("ผู้บริจาคสามารถนำไปใช้สิทธิลดหย่อนภาษี", 6.0, None),
    ("เลขครุภัณฑ์ BS-WC-00042", 40.0, ["เลขครุภัณฑ์", "BS-WC-00042"]),
    ("กายอุปกรณ์ กายอุปกรณ์กายอุปกรณ์", 30.0, ["กายอุปกรณ์", "กายอุปกรณ์", "กายอุปกรณ์"]),
    ("สองบรรทัด\nบรรทัดที่สอง", 200.0, ["สองบรรทัด", "บรรทัดที่สอง"]),
    ("นางสมศรี\u200b ใจดี ☑😀", 200.0, ["นางสมศรี ใจดี ??"]),  # printable: "?" for no glyph
])
def test_lines_cut_only_what_does_not_fit(doc: ThaiDocument, text: str, width: float,
                                          expected: list[str] | None) -> None:
    lines = doc.lines(text, width, "", 13.5)
    if expected is not None:
        assert lines == expected
        return
    assert len(lines) > 2 and "".join(lines) == text
    assert all(doc.get_string_width(line) <= width for line in lines)
    assert not [line for line in lines if NOT_FIRST.match(line)]


@pytest.mark.parametrize("name, lines", [
    ("ศูนย์กายอุปกรณ์", ["ศูนย์กายอุปกรณ์"]),  # fits: one line
    ("ศูนย์กายอุปกรณ์ เทศบาลเมืองบ้านสวน", ["ศูนย์กายอุปกรณ์", "เทศบาลเมืองบ้านสวน"]),  # a space
    ("ศูนย์กายอุปกรณ์เทศบาลเมืองบ้านสวน", ["ศูนย์กายอุปกรณ์", "เทศบาลเมืองบ้านสวน"]),  # a word
])
def test_fit_lines_splits_at_a_space_or_a_word(doc: ThaiDocument, name: str,
                                               lines: list[str]) -> None:
    got, size = fit_lines(name, 26.0, 8.0, doc.measure)
    assert got == lines and 0 < size <= 8.0
    assert all(doc.measure(line, "", size) <= 26.0 for line in got)


@pytest.mark.parametrize("height, shrinks", [(200.0, False), (60.0, True)])
def test_fit_box_shrinks_a_paragraph_into_a_box(doc: ThaiDocument, height: float,
                                                shrinks: bool) -> None:
    size, lines = doc.fit_box(SAMPLE * 3, 100.0, height, 15.0)
    assert (size < 15.0) == shrinks and size > 8.0
    assert lines == doc.lines(SAMPLE * 3, 100.0, "", size)
    assert len(lines) * size * LINE_HEIGHT <= height


@pytest.mark.parametrize("style", ["", "B"])
def test_the_fonts_have_every_thai_character(doc: ThaiDocument, style: str) -> None:
    doc.set_font("Sarabun", style, 12)
    thai = [chr(c) for c in range(0x0E01, 0x0E5C) if unicodedata.category(chr(c)) != "Cn"]
    assert len(thai) == 87
    assert not [c for c in thai if ord(c) not in doc.current_font.cmap]


# ---- every document ----------------------------------------------------------------

def _label(text: str) -> bytes:
    return sheet_pdf([LabelData("BS-WC-00042", "http://127.0.0.1:5000/d/BS-WC-00042",
                                "รถเข็นวีลแชร์", "Wheelchair", text, "038-184-5555")])


# Each document with ``text`` in a field that wraps.
DOCUMENTS: dict[str, Callable[[str], bytes]] = {
    "label": _label,
    "agreement": lambda text: agreement_pdf(replace(AGREEMENT, instructions=(text,))),
    "receipt": lambda text: receipt_pdf(replace(RECEIPT, donor_address=text)),
    "certificate": lambda text: certificate_pdf(replace(CERTIFICATE, items=(text,))),
}


def extract(pdf: bytes) -> str:
    with pdfium.PdfDocument(pdf) as document:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    return "\r\n".join(texts)


def printed_lines(pdf: bytes) -> list[str]:
    """The ``base`` characters of every printed line, by the baseline each glyph sits on."""
    lines: list[str] = []
    x, y = ctypes.c_double(), ctypes.c_double()
    with pdfium.PdfDocument(pdf) as document:
        for page in document:
            textpage = page.get_textpage()
            glyphs = []
            for i in range(textpage.count_chars()):
                char = chr(pdfium.raw.FPDFText_GetUnicode(textpage.raw, i))
                if base(char):
                    pdfium.raw.FPDFText_GetCharOrigin(textpage.raw, i, x, y)
                    glyphs.append((-round(y.value, 1), x.value, char))
            glyphs.sort()
            for _, line in groupby(glyphs, key=lambda glyph: glyph[0]):
                lines.append("".join(char for _, _, char in line))
            textpage.close()
            page.close()
    return lines


def line_breaks(lines: list[str], text: str) -> list[int]:
    """Offsets in ``text`` where a new printed line starts inside it."""
    kept = [i for i, c in enumerate(text) if base(c)]
    flat = "".join(lines)
    start = flat.find(base(text))
    assert start >= 0, "the text is not in the PDF"
    ends = list(accumulate(len(line) for line in lines))
    return [kept[end - start] for end in ends if start < end < start + len(kept)]


@pytest.mark.parametrize("sample", [SAMPLE, SPACELESS], ids=["sample", "spaceless"])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_prints_thai_between_words_and_every_glyph(
        name: str, sample: str, caplog: pytest.LogCaptureFixture) -> None:
    render = DOCUMENTS[name]
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = render(sample)
        plain = extract(render("ก"))
        odd = extract(render("นางสมศรี\u200b ใจดี ☑😀"))
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    text = extract(pdf)

    # The sample's lines break only where newmm starts a word, and codes stay whole.
    lines = printed_lines(pdf)
    breaks = line_breaks(lines, sample)
    assert breaks, "the sample should need more than one line"
    assert set(breaks) <= newmm_starts(sample), [sample[b - 5:b + 5] for b in breaks]
    for word in (*CODES, *EXTRA_WORDS):
        if word in sample:
            assert any(base(word) in line for line in lines), word

    # Every character, tone marks and ำ included, comes back once for each time it went in.
    assert base(sample) in base(text)
    assert counts(text) - counts(plain) == counts(sample) - counts("ก")
    # ำ is two glyphs; the second extracts as ZWSP (core.pdf's ToUnicode fix), never as a
    # control character, and a ZWSP in the input never reaches the PDF.
    for extracted in (text, odd):
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", extracted)
        assert set(re.findall(r"(\S)\s*\u200b", extracted)) <= {"ำ"}
    assert set(re.findall(r"ำ\s*(.)", text)) == {"\u200b"}
    # Characters the font lacks print as "?".
    assert base("นางสมศรี ใจดี ??") in base(odd)
