"""The printed loan agreement: page count and content (Thai lines and glyphs: test_thai_document)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from lending.agreement import OPEN_ENDED, TITLE, AgreementData, agreement_pdf

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
