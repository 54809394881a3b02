"""The printed loan agreement: page count and content (Thai lines and glyphs: test_thai_document)."""
from __future__ import annotations

from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from fixtures.documents import AGREEMENT, norm
from lending.agreement import OPEN_ENDED, TITLE, AgreementData, agreement_pdf

NO_CAREGIVER = replace(AGREEMENT, caregiver_name="", caregiver_relation="", caregiver_phone="",
                       acknowledged_by="นางสมศรี ใจดี")


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
    return render(AGREEMENT)


@pytest.fixture(scope="module")
def without_caregiver() -> tuple[int, str]:
    return render(NO_CAREGIVER)


def test_fits_two_pages_and_has_the_key_content(with_caregiver: tuple[int, str]) -> None:
    pages, text = with_caregiver
    assert 1 <= pages <= 2
    for expected in (TITLE, AGREEMENT.borrower_name, AGREEMENT.device_tag, AGREEMENT.loan_number,
                     AGREEMENT.center_name, AGREEMENT.borrower_id_masked, AGREEMENT.date_text,
                     "ผู้ยืมจะไม่นำกายอุปกรณ์ไปขาย จำนำ ให้เช่า หรือให้ผู้อื่นยืมต่อ",
                     "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล", *AGREEMENT.instructions):
        assert norm(expected) in text, expected
    assert norm(f"หน้า 1/{pages}") in text and norm(f"หน้า {pages}/{pages}") in text


def test_caregiver_section_and_signature(with_caregiver: tuple[int, str],
                                         without_caregiver: tuple[int, str]) -> None:
    _, text = with_caregiver
    assert norm("ผู้ดูแล/ญาติ") in text and norm("ผู้ดูแล/ผู้รับแทน") in text
    assert norm(f"( {AGREEMENT.caregiver_name} )") in text
    assert text.count(norm("ลงชื่อ ...")) == 4

    pages, text = without_caregiver
    assert pages <= 2
    assert norm("ผู้ดูแล/ญาติ") not in text and norm("ผู้ดูแล/ผู้รับแทน") not in text
    assert norm(AGREEMENT.caregiver_name) not in text
    assert text.count(norm("ลงชื่อ ...")) == 3
    for role in ("ผู้ยืม", "เจ้าหน้าที่ผู้ส่งมอบ", "พยาน"):
        assert norm(role) in text
    assert norm(f"( {AGREEMENT.staff_name} )") in text


def test_open_ended_and_dated_return(with_caregiver: tuple[int, str]) -> None:
    _, text = with_caregiver
    assert norm(OPEN_ENDED) in text
    assert norm("ภายในวันที่") not in text

    pages, text = render(replace(AGREEMENT, expected_return_text="30 พ.ย. 2570"))
    assert pages <= 2
    assert norm(OPEN_ENDED) not in text
    assert norm("กำหนดคืน30 พ.ย. 2570") in text
    assert norm("ส่งคืนกายอุปกรณ์ภายในวันที่ 30 พ.ย. 2570 หรือเมื่อหมดความจำเป็น") in text


def test_page_one_renders_to_png(tmp_path) -> None:
    with pdfium.PdfDocument(agreement_pdf(AGREEMENT)) as doc:
        page = doc[0]
        image = page.render(scale=110 / 72).to_pil()
        page.close()
    out = tmp_path / "agreement_p1.png"
    image.save(out)
    width, height = image.size
    assert abs(width - 210 / 25.4 * 110) < 2 and abs(height - 297 / 25.4 * 110) < 2
    assert image.convert("L").getextrema()[0] < 50  # there is dark text on it
