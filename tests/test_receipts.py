"""Donation receipts and in-kind certificates: Thai amounts in words, content, one page.

Thai line breaking and glyph coverage are tested for every document in test_thai_document.
"""
from __future__ import annotations

from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from fixtures.documents import CERTIFICATE, RECEIPT, norm
from core.money import amount_in_words, format_amount
from fund.receipts import BLESSING, CERTIFICATE_TITLE, RECEIPT_TITLE, TAX_NOTE, certificate_pdf, receipt_pdf


def extract(pdf: bytes, raw: bool = False) -> tuple[int, str, dict[str, str], tuple[float, float]]:
    """(page count, text (normalised unless ``raw``), metadata, first page size in mm)."""
    with pdfium.PdfDocument(pdf) as doc:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        width, height = doc[0].get_size()
        text = "".join(texts)
        return (len(doc), text if raw else norm(text), doc.get_metadata_dict(),
                (width / 72 * 25.4, height / 72 * 25.4))


@pytest.mark.parametrize("satang, words", [
    (0, "ศูนย์บาทถ้วน"),
    (1, "หนึ่งสตางค์"),
    (50, "ห้าสิบสตางค์"),
    (21, "ยี่สิบเอ็ดสตางค์"),
    (100, "หนึ่งบาทถ้วน"),
    (1_000, "สิบบาทถ้วน"),
    (1_100, "สิบเอ็ดบาทถ้วน"),
    (2_000, "ยี่สิบบาทถ้วน"),
    (2_100, "ยี่สิบเอ็ดบาทถ้วน"),
    (10_100, "หนึ่งร้อยเอ็ดบาทถ้วน"),
    (100_100, "หนึ่งพันเอ็ดบาทถ้วน"),
    (125_000, "หนึ่งพันสองร้อยห้าสิบบาทถ้วน"),
    (125_050, "หนึ่งพันสองร้อยห้าสิบบาทห้าสิบสตางค์"),
    (1_000_001, "หนึ่งหมื่นบาทหนึ่งสตางค์"),
    (3_210_021, "สามหมื่นสองพันหนึ่งร้อยบาทยี่สิบเอ็ดสตางค์"),
    (50_000_000, "ห้าแสนบาทถ้วน"),
    (100_000_000, "หนึ่งล้านบาทถ้วน"),
    (123_456_789, "หนึ่งล้านสองแสนสามหมื่นสี่พันห้าร้อยหกสิบเจ็ดบาทแปดสิบเก้าสตางค์"),
    (1_100_000_000, "สิบเอ็ดล้านบาทถ้วน"),
    (2_100_000_000, "ยี่สิบเอ็ดล้านบาทถ้วน"),
    (200_000_099, "สองล้านบาทเก้าสิบเก้าสตางค์"),
    (120_000_000_000, "หนึ่งพันสองร้อยล้านบาทถ้วน"),
])
def test_amount_in_words(satang: int, words: str) -> None:
    assert amount_in_words(satang) == words


def test_amount_in_words_rejects_negative() -> None:
    with pytest.raises(ValueError):
        amount_in_words(-100)


@pytest.mark.parametrize("satang, text", [
    (0, "0.00"), (5, "0.05"), (50, "0.50"), (100, "1.00"), (125_000, "1,250.00"),
    (125_050, "1,250.50"), (100_000_000, "1,000,000.00"), (123_456_789, "1,234,567.89"),
    (-125_050, "-1,250.50"),
])
def test_format_amount(satang: int, text: str) -> None:
    assert format_amount(satang) == text


def test_receipt_is_one_page_with_the_legal_content() -> None:
    pages, text, meta, (w, h) = extract(receipt_pdf(RECEIPT))
    assert pages == 1 and abs(w - 210) < 1 and abs(h - 297) < 1
    for expected in (RECEIPT_TITLE, RECEIPT.fund_owner, RECEIPT.center_name,
                     RECEIPT.center_address, RECEIPT.center_phone, RECEIPT.center_tax_id,
                     f"เลขที่ {RECEIPT.receipt_label}", f"วันที่ {RECEIPT.date_text}",
                     f"ได้รับเงินจาก {RECEIPT.donor_name}",
                     f"เลขประจำตัวผู้เสียภาษี {RECEIPT.donor_tax_id}", RECEIPT.donor_address,
                     f"เพื่อสมทบ {RECEIPT.fund_name}", RECEIPT.method_text,
                     "จำนวนเงิน 1,250.50 บาท", "(หนึ่งพันสองร้อยห้าสิบบาทห้าสิบสตางค์)", TAX_NOTE,
                     "ผู้รับเงิน", f"( {RECEIPT.treasurer_name} )", "เหรัญญิกกองทุน"):
        assert norm(expected) in text, expected
    assert meta["Title"] == f"{RECEIPT_TITLE} เลขที่ 2570/00012"


def test_receipt_leaves_out_what_was_not_given() -> None:
    bare = replace(RECEIPT, center_tax_id="", donor_tax_id="", donor_address="",
                   amount_satang=125_000)
    pages, text, _, _ = extract(receipt_pdf(bare))
    assert pages == 1
    assert norm("เลขประจำตัวผู้เสียภาษี") not in text and norm("ที่อยู่") not in text
    assert norm("จำนวนเงิน 1,250.00 บาท") in text
    assert norm("(หนึ่งพันสองร้อยห้าสิบบาทถ้วน)") in text
    assert norm(RECEIPT.donor_name) in text and "2570/00012" in text


def test_certificate_is_one_landscape_page() -> None:
    pages, text, meta, (w, h) = extract(certificate_pdf(CERTIFICATE))
    assert pages == 1 and abs(w - 297) < 1 and abs(h - 210) < 1
    for expected in (CERTIFICATE_TITLE, "มอบให้ไว้เพื่อแสดงว่า", CERTIFICATE.donor_name,
                     "ได้บริจาค", *CERTIFICATE.items, BLESSING, CERTIFICATE.date_text,
                     CERTIFICATE.center_name, CERTIFICATE.fund_owner,
                     f"( {CERTIFICATE.signer_name} )", CERTIFICATE.signer_title):
        assert norm(expected) in text, expected
    assert meta["Title"] == f"{CERTIFICATE_TITLE} {CERTIFICATE.donor_name}"


def test_certificate_with_many_items_and_a_long_name_stays_on_one_page() -> None:
    items = tuple(f"เตียงผู้ป่วยปรับระดับไฟฟ้าพร้อมที่นอนลม ชุดที่ {n} 1 เตียง" for n in range(1, 15))
    crowded = replace(CERTIFICATE, items=items, donor_name="มูลนิธิเพื่อผู้สูงอายุและผู้พิการ"
                      "แห่งภาคตะวันออก ในพระบรมราชานุเคราะห์ สาขาจังหวัดชลบุรี")
    pages, text, _, _ = extract(certificate_pdf(crowded))
    assert pages == 1
    assert all(norm(item) in text for item in items)
    assert norm(crowded.donor_name) in text and norm(BLESSING) in text


@pytest.mark.parametrize("kind", ["receipt", "certificate"])
def test_renders_to_png(kind: str, tmp_path) -> None:
    pdf = receipt_pdf(RECEIPT) if kind == "receipt" else certificate_pdf(CERTIFICATE)
    with pdfium.PdfDocument(pdf) as doc:
        page = doc[0]
        image = page.render(scale=110 / 72).to_pil()
        page.close()
    image.save(tmp_path / f"{kind}.png")
    width, height = image.size
    portrait = (210, 297) if kind == "receipt" else (297, 210)
    assert abs(width - portrait[0] / 25.4 * 110) < 2 and abs(height - portrait[1] / 25.4 * 110) < 2
    assert image.convert("L").getextrema()[0] < 50  # there is dark text on it


def test_certificate_shows_the_value_of_a_gift_in_kind() -> None:
    valued = replace(CERTIFICATE, items=("รถเข็นวีลแชร์ (มาตรฐาน) 2 รายการ มูลค่า 7,000.00 บาท *",
                                         "เตียงผู้ป่วยปรับระดับ 1 รายการ มูลค่า 12,900.50 บาท"),
                     total_satang=1_990_050, value_note="* มูลค่าตามราคาอ้างอิงของใหม่")
    pages, text, _, _ = extract(certificate_pdf(valued))
    assert pages == 1
    for expected in (*valued.items, "รวมมูลค่า 19,900.50 บาท (หนึ่งหมื่นเก้าพันเก้าร้อยบาทห้าสิบสตางค์)",
                     valued.value_note, BLESSING, CERTIFICATE.date_text):
        assert norm(expected) in text, expected
    # Not valued (a gift recorded before gifts were valued): no total line.
    assert norm("รวมมูลค่า") not in extract(certificate_pdf(CERTIFICATE))[1]


def test_a_valued_certificate_with_many_items_stays_on_one_page() -> None:
    items = tuple(f"เตียงผู้ป่วยปรับระดับไฟฟ้าพร้อมที่นอนลม ชุดที่ {n} 1 รายการ มูลค่า 25,000.00 บาท *"
                  for n in range(1, 15))
    crowded = replace(CERTIFICATE, items=items, total_satang=35_000_000, value_note="* " + "มูลค่าตามราคาอ้างอิง" * 6)
    pages, text, _, _ = extract(certificate_pdf(crowded))
    assert pages == 1 and all(norm(item) in text for item in items)
    assert norm("รวมมูลค่า 350,000.00 บาท") in text and norm(crowded.signer_title) in text
