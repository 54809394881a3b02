"""The printed loan agreement: page count, content, Thai line breaking, glyph coverage."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from lending import agreement
from lending.agreement import OPEN_ENDED, TITLE, ZWSP, AgreementData, agreement_pdf, wrap_thai

INSTRUCTIONS = (
    "ล็อกเบรกล้อหลังทั้งสองข้างทุกครั้งก่อนให้ผู้ป่วยลุกขึ้นหรือนั่งลง",
    "พับที่วางเท้าขึ้นก่อนย้ายตัวผู้ป่วยเข้าหรือออกจากรถเข็น",
    "ตรวจลมยางและความตึงของเบรกทุกสัปดาห์",
    "เช็ดทำความสะอาดเบาะและโครงด้วยผ้าชุบน้ำหมาด ไม่ฉีดน้ำโดยตรงและไม่ตากแดดเป็นเวลานาน",
    "ห้ามใช้รถเข็นขึ้นลงบันไดหรือทางลาดชันโดยไม่มีผู้ช่วยจับด้านหลัง",
    "หากพบล้อหลวม เบรกไม่ทำงาน หรือโครงแตกร้าว ให้หยุดใช้และโทรแจ้งศูนย์ทันที",
)
DATA = AgreementData(
    loan_number="L-000123",
    center_name="ศูนย์กายอุปกรณ์ เทศบาลเมืองบ้านสวน",
    center_address="ตำบลบ้านสวน อำเภอเมืองชลบุรี จังหวัดชลบุรี 20000",
    center_phone="038-184-5555",
    date_text="24 พ.ย. 2569",
    device_tag="BS-WC-00042",
    device_type_th="รถเข็นวีลแชร์ (มาตรฐาน)",
    device_details="Yuwell H051 หมายเลขเครื่อง YU123456",
    device_condition_th="ดี",
    borrower_name="นางสมศรี ใจดี",
    borrower_id_masked="x-xxxx-xxxxx-12-3",
    borrower_address="12/3 หมู่ 4 ถนนสุขุมวิท ตำบลบ้านสวน อำเภอเมืองชลบุรี จังหวัดชลบุรี 20000",
    borrower_phone="081-234-5678",
    caregiver_name="นายสมชาย ใจดี",
    caregiver_relation="บุตร",
    caregiver_phone="089-765-4321",
    instructions=INSTRUCTIONS,
    acknowledged_by="นายสมชาย ใจดี (บุตร)",
    expected_return_text="",
    staff_name="นางสาวพรทิพย์ รักงาน",
)
NO_CAREGIVER = replace(DATA, caregiver_name="", caregiver_relation="", caregiver_phone="",
                       acknowledged_by="นางสมศรี ใจดี")
MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"


def norm(text: str) -> str:
    """Comparable text: no whitespace/ZWSP, and no Thai combining marks.

    pdfium extracts harfbuzz-positioned marks in glyph order, which differs from
    the logical order for some stacks (e.g. "ที่" comes out as "ท่ี"), so marks
    are dropped on both sides of every comparison.
    """
    return re.sub(rf"[\s\u200b{MARKS}]", "", unicodedata.normalize("NFC", text))


def render(data: AgreementData) -> tuple[int, str]:
    """(page count, normalised text of all pages)."""
    with pdfium.PdfDocument(agreement_pdf(data)) as doc:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return len(doc), norm("".join(texts))


@pytest.fixture(scope="module")
def with_caregiver() -> tuple[int, str]:
    return render(DATA)


@pytest.fixture(scope="module")
def without_caregiver() -> tuple[int, str]:
    return render(NO_CAREGIVER)


def test_fits_two_pages_and_has_the_key_content(with_caregiver: tuple[int, str]) -> None:
    pages, text = with_caregiver
    assert 1 <= pages <= 2
    for expected in (TITLE, DATA.borrower_name, DATA.device_tag, DATA.loan_number,
                     DATA.center_name, DATA.borrower_id_masked, DATA.date_text,
                     "ผู้ยืมจะไม่นำกายอุปกรณ์ไปขาย จำนำ ให้เช่า หรือให้ผู้อื่นยืมต่อ",
                     "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล", *INSTRUCTIONS):
        assert norm(expected) in text, expected
    assert norm(f"หน้า 1/{pages}") in text and norm(f"หน้า {pages}/{pages}") in text


def test_caregiver_section_and_signature(with_caregiver: tuple[int, str],
                                         without_caregiver: tuple[int, str]) -> None:
    _, text = with_caregiver
    assert norm("ผู้ดูแล/ญาติ") in text and norm("ผู้ดูแล/ผู้รับแทน") in text
    assert norm(f"( {DATA.caregiver_name} )") in text
    assert text.count(norm("ลงชื่อ ...")) == 4

    pages, text = without_caregiver
    assert pages <= 2
    assert norm("ผู้ดูแล/ญาติ") not in text and norm("ผู้ดูแล/ผู้รับแทน") not in text
    assert norm(DATA.caregiver_name) not in text
    assert text.count(norm("ลงชื่อ ...")) == 3
    for role in ("ผู้ยืม", "เจ้าหน้าที่ผู้ส่งมอบ", "พยาน"):
        assert norm(role) in text
    assert norm(f"( {DATA.staff_name} )") in text


def test_open_ended_and_dated_return(with_caregiver: tuple[int, str]) -> None:
    _, text = with_caregiver
    assert norm(OPEN_ENDED) in text
    assert norm("ภายในวันที่") not in text

    pages, text = render(replace(DATA, expected_return_text="30 พ.ย. 2570"))
    assert pages <= 2
    assert norm(OPEN_ENDED) not in text
    assert norm("กำหนดคืน30 พ.ย. 2570") in text
    assert norm("ส่งคืนกายอุปกรณ์ภายในวันที่ 30 พ.ย. 2570 หรือเมื่อหมดความจำเป็น") in text


def test_only_glyphs_the_font_has_reach_the_pdf(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """Text handed to cell() never contains ZWSP or a character missing from Sarabun."""
    seen: list[tuple[str, frozenset[int]]] = []
    original = agreement._Doc.cell

    def spy(self: agreement._Doc, *args: object, **kwargs: object) -> object:
        text = kwargs.get("text", args[2] if len(args) > 2 else "")
        seen.append((str(text), frozenset(self.current_font.cmap)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(agreement._Doc, "cell", spy)
    odd = replace(DATA, borrower_name="นางสมศรี ใจดี ☑😀", device_details="Yuwell\u200bH051 ✓")
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        agreement_pdf(odd)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    assert len(seen) > 50
    for text, cmap in seen:
        assert ZWSP not in text
        missing = {c for c in text if ord(c) not in cmap and c != "{" and c != "}"}
        assert not missing, (text, missing)
    assert any("นางสมศรี ใจดี ??" in text for text, _ in seen)


def test_lines_fit_and_keep_every_character() -> None:
    pdf = agreement._Doc()
    pdf.add_page()
    pdf.add_font("Sarabun", "", str(agreement._FONTS[""]))
    pdf.set_text_shaping(True)
    text = "".join(agreement.clauses(DATA)) + " " + "".join(INSTRUCTIONS)
    for width in (40.0, 90.0, 160.0):
        lines = agreement._lines(pdf, text, width)
        assert len(lines) > 1
        assert all(pdf.get_string_width(line) <= width + 0.2 for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        # No line starts with a combining mark, i.e. no cluster was cut.
        assert not [line for line in lines if re.match(f"[{MARKS}าำะๆฯ]", line)]
    pdf.output()  # also closes the font file fpdf2 keeps open until then


def test_page_one_renders_to_png(tmp_path) -> None:
    with pdfium.PdfDocument(agreement_pdf(DATA)) as doc:
        page = doc[0]
        image = page.render(scale=110 / 72).to_pil()
        page.close()
    out = tmp_path / "agreement_p1.png"
    image.save(out)
    width, height = image.size
    assert abs(width - 210 / 25.4 * 110) < 2 and abs(height - 297 / 25.4 * 110) < 2
    assert image.convert("L").getextrema()[0] < 50  # there is dark text on it


def breaks(text: str) -> list[int]:
    """Indexes in ``text`` before which wrap_thai put a ZWSP."""
    out, i = [], 0
    for ch in wrap_thai(text):
        if ch == ZWSP:
            out.append(i)
        else:
            i += 1
    return out


@pytest.mark.parametrize("text", [
    "ผู้ยืมต้องดูแลรักษากายอุปกรณ์ให้สะอาดอยู่เสมอ",
    "ทุกวันทำความสะอาดเบาะรองนั่ง",
    "กรุงเทพฯ เป็นเมืองหลวง ต่างๆ นานา",
    "น้ำท่วมขังที่ชั้นล่างของบ้าน",
    "เตียงผู้ป่วยปรับระดับด้วยมือหมุน 3 ไกร์",
    "Yuwell H051 หมายเลขเครื่อง YU123456 รุ่นปี 2024",
    "BS-WC-00042/ครุภัณฑ์เลขที่๑๒๓๔๕",
    "ศูนย์จะเก็บรวบรวมและใช้ข้อมูลส่วนบุคคลตามพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562",
    "ที่นอนลมป้องกันแผลกดทับ (Alternating pressure mattress)",
    "กำลังสำคัญ ทำงาน จำนวนมาก",
    "",
])
def test_wrap_thai_breaks_only_between_syllables(text: str) -> None:
    wrapped = wrap_thai(text)
    assert wrapped.replace(ZWSP, "") == text
    for i in breaks(text):
        before, after = text[i - 1], text[i]
        assert not re.match(f"[{MARKS}าำะๆฯ]", after), (text, i)
        # Both neighbours are Thai letters/marks: never inside Latin words or numbers.
        assert "\u0e01" <= before <= "\u0e4e" and "\u0e01" <= after <= "\u0e4e", (text, i)
        assert not ("\u0e50" <= before <= "\u0e59" or "\u0e50" <= after <= "\u0e59")


@pytest.mark.parametrize("text, expected", [
    ("ผู้ยืม", "ผู้|ยืม"),
    ("ดูแลรักษา", "ดู|แลรัก|ษา"),
    ("ทำความสะอาด", "ทำ|ความ|สะ|อาด"),
    ("ทุกวัน", "ทุกวัน"),  # ก is the final of ทุก, not the start of a กว cluster
    ("การประกอบ", "การ|ประ|กอบ"),
    ("เป็นการใช้งาน", "เป็น|การ|ใช้|งาน"),
    ("กายอุปกรณ์ที่ยืม", "กายอุปกรณ์|ที่|ยืม"),
    ("Yuwell H051", "Yuwell H051"),
    ("๒๕๖๙", "๒๕๖๙"),
])
def test_wrap_thai_examples(text: str, expected: str) -> None:
    assert wrap_thai(text).replace(ZWSP, "|") == expected
