"""What a donor takes away: receipts, the yearly giving statement and the yearly impact summary.

The tax year is the calendar year of the Bangkok day a gift was received (``received_on``),
printed in the Buddhist Era. A reversed (void) gift is on no statement. A donor reads only their
own; the treasurer and admins read any donor's. The center sends a donor their summary by
e-mail through the outbox (core/outbox.py): written with the audit event in the request's unit
of work, sent after it commits. Nothing here names anyone served: the summary is figures from
fund.services.impact.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, clock, outbox
from core.dates import format_date
from core.db import db
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.money import format_amount
from core.users import User
from fund.models import Donation, DonationKind, Donor, ValueSource
from fund.receipts import CertificateData, ReceiptData, certificate_pdf, receipt_pdf
from fund.services import donations, impact
from fund.statements import (SUMMARY_TITLE, Letterhead, StatementData, StatementLine, SummaryData, statement_pdf,
                             summary_pdf)
from fund.steps import STEPS

BE_OFFSET = 543
FIRST_YEAR, LAST_YEAR = 2000, 2200
REFERENCE_NOTE = "* มูลค่าตามราคาอ้างอิงของใหม่ของกายอุปกรณ์ประเภทนั้น เนื่องจากผู้บริจาคมิได้ระบุมูลค่า"
SUMMARY_BODY = ("เรียน {donor}\n\n{fund} ขอส่งสรุปผลการให้ของท่านประจำปี พ.ศ. {year} มาพร้อมนี้ (ไฟล์ PDF แนบ)"
                " ตัวเลขทั้งหมดคำนวณจากบันทึกการยืมกายอุปกรณ์ และไม่มีข้อมูลส่วนบุคคลของผู้รับบริการ\n\n"
                "ขอขอบคุณที่ท่านร่วมสนับสนุนการให้บริการยืมกายอุปกรณ์แก่ผู้สูงอายุ ผู้พิการ และผู้ป่วยในชุมชน\n\n"
                "{fund}\n{center} โทรศัพท์ {phone}\n")


# --- who may read -----------------------------------------------------------------------------

def check_reader(by: User, donor: Donor) -> None:
    """The donor themself, the treasurer or an admin; anyone else is refused (PermissionDenied)."""
    if not STEPS.allows(by, "keep_books") and (donor.user_id is None or donor.user_id != by.id):
        raise PermissionDenied(_l("A donor sees only their own gifts."))


def own_gift(by: User, donation_id: int) -> Donation:
    """A gift of the donor ``by`` is linked to; another donor's, or none, is NotFound (nothing to
    learn about who gave what)."""
    gift = db.session.get(Donation, donation_id)
    if gift is None or gift.donor.user_id is None or gift.donor.user_id != by.id:
        raise NotFound(_l("There is no donation %(id)s among your gifts.", id=donation_id),
                       {"id": [_l("Unknown donation.")]})
    return gift


def tax_year(text: str | int | None, default: int | None = None) -> int:
    """The year a reader names (Common Era, or Buddhist Era from 2400) as the Common Era.

    Empty: ``default``, else this year by the center's clock. Raises ValidationError naming ``year``.
    """
    text = str(text if text is not None else "").strip()
    if not text:
        return default or clock.today().year
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError(_l("Enter the year as four digits."), {"year": [_l("Enter a year such as 2569.")]})
    year = int(text)
    year = year - BE_OFFSET if year >= 2400 else year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(_l("Enter the year as four digits."), {"year": [_l("Enter a year such as 2569.")]})
    return year


# --- gifts ------------------------------------------------------------------------------------

def gifts(donor: Donor, year: int | None = None) -> list[Donation]:
    """The donor's gifts that stand (not reversed), oldest first; only those of ``year`` if given."""
    query = (select(Donation).where(Donation.donor_id == donor.id, donations.standing())
             .options(selectinload(Donation.devices), selectinload(Donation.fund)))
    if year is not None:
        query = query.where(Donation.received_on >= dt.date(year, 1, 1), Donation.received_on <= dt.date(year, 12, 31))
    return list(db.session.scalars(query.order_by(Donation.received_on, Donation.id)))


def years(donor: Donor) -> list[int]:
    """The tax years (Common Era) the donor gave in, newest first."""
    return sorted({gift.received_on.year for gift in gifts(donor)}, reverse=True)


def in_kind_items(gift: Donation) -> tuple[str, ...]:
    """One line per device type given, in Thai: how many, and what they are worth ("*": at the reference price)."""
    by_type: dict[str, list] = {}
    for item in gift.devices:
        by_type.setdefault(item.device.type.name_th, []).append(item)
    lines = []
    for name, items in by_type.items():
        line = f"{name} {len(items)} รายการ"
        if all(item.value_satang is not None for item in items):  # gifts recorded before valuing have none
            line += f" มูลค่า {format_amount(sum(item.value_satang for item in items))} บาท"
            line += " *" if any(item.value_source == ValueSource.REFERENCE for item in items) else ""
        lines.append(line)
    return tuple(lines)


# --- documents --------------------------------------------------------------------------------

def letterhead(config: Mapping[str, Any]) -> Letterhead:
    return Letterhead(config["CENTER_NAME_TH"], config["FUND_NAME_TH"], config["CENTER_ADDRESS"],
                      config["CENTER_PHONE"], config["CENTER_TAX_ID"])


def receipt_document(gift: Donation, signer_name: str, method_text: str,
                     config: Mapping[str, Any]) -> tuple[bytes, str]:
    """A cash gift's receipt, or a gift in kind's certificate: (PDF bytes, file name).

    ``method_text`` is how the money came, in Thai, as the receipt prints it.
    """
    if gift.kind == DonationKind.CASH:
        pdf = receipt_pdf(ReceiptData(
            receipt_label=gift.receipt_label, date_text=format_date(gift.received_on, "th"),
            center_name=config["CENTER_NAME_TH"], fund_owner=config["FUND_NAME_TH"],
            center_address=config["CENTER_ADDRESS"], center_phone=config["CENTER_PHONE"],
            center_tax_id=config["CENTER_TAX_ID"], donor_name=gift.donor.name, donor_tax_id=gift.donor.tax_id or "",
            donor_address=gift.donor.address, amount_satang=gift.amount_satang, fund_name=gift.fund.name_th,
            method_text=method_text, treasurer_name=signer_name))
        return pdf, f"receipt-{gift.receipt_label.replace('/', '-')}.pdf"
    pdf = certificate_pdf(CertificateData(
        date_text=format_date(gift.received_on, "th"), center_name=config["CENTER_NAME_TH"],
        fund_owner=config["FUND_NAME_TH"], donor_name=gift.donor.name, items=in_kind_items(gift),
        signer_name=signer_name, signer_title="เหรัญญิกกองทุน",
        total_satang=gift.amount_satang if gift.entry_id else None,
        value_note=REFERENCE_NOTE if any(i.value_source == ValueSource.REFERENCE for i in gift.devices) else ""))
    return pdf, f"certificate-{gift.id}.pdf"


def recorded_by(gift: Donation) -> str:
    """Who recorded the gift (the receipt's signer when a donor downloads it)."""
    user = db.session.get(User, gift.created_by_id) if gift.created_by_id else None
    return user.display_name if user is not None else ""


def statement_lines(donor: Donor, year: int) -> tuple[StatementLine, ...]:
    lines = []
    for gift in gifts(donor, year):
        in_kind = gift.kind == DonationKind.IN_KIND
        item = "; ".join(in_kind_items(gift)) if in_kind else (gift.fund.name_th if gift.fund else "")
        lines.append(StatementLine(format_date(gift.received_on, "th"), gift.receipt_label, item,
                                   gift.amount_satang, in_kind))
    return tuple(lines)


def statement(donor: Donor, year: int, config: Mapping[str, Any], *, by: User) -> bytes:
    """The yearly giving statement of ``year`` (Common Era) as PDF; a year without gifts says so.

    Raises PermissionDenied for a reader who is not the donor, the treasurer or an admin.
    """
    check_reader(by, donor)
    return statement_pdf(StatementData(letterhead(config), year + BE_OFFSET, donor.name, donor.tax_id or "",
                                       statement_lines(donor, year), format_date(clock.today(), "th")))


def year_impact(donor: Donor, year: int) -> impact.Impact:
    """What the donor's gifts of ``year`` have done, as of today."""
    return impact.for_donations(gifts(donor, year))


def _people(count: str | int) -> str:
    return "น้อยกว่า 3 คน" if count == "<3" else f"{count:,} คน"


def summary_rows(found: impact.Impact) -> tuple[tuple[str, str], ...]:
    """The summary's figures in Thai: no names, no places, fewer than 3 people never counted exactly."""
    rows = [("เงินที่ท่านบริจาค", f"{format_amount(found.given_satang)} บาท")]
    if found.devices_in_kind:
        rows.append(("กายอุปกรณ์ที่ท่านบริจาคเป็นสิ่งของ",
                     f"{found.devices_in_kind:,} รายการ (มูลค่า {format_amount(found.in_kind_satang)} บาท)"))
    rows += [("กายอุปกรณ์ที่ได้มาจากการให้ของท่าน (รวมตามสัดส่วนเงินที่จ่าย)", f"{found.devices_share:,.2f} ชิ้น"),
             ("จำนวนครั้งที่ให้ยืมไปใช้ที่บ้าน", f"{found.loans:,} ครั้ง"),
             ("ผู้รับบริการ", _people(found.people_shown)),
             ("จำนวนวันที่ใช้งานที่บ้าน", f"{found.device_days:,.1f} วัน"),
             ("ค่าใช้จ่ายที่ครอบครัวประหยัดได้ (ราคาใหม่ของกายอุปกรณ์แต่ละครั้งที่ให้ยืม)",
              f"{format_amount(found.savings_satang)} บาท"),
             ("การซ่อมที่ใช้เงินของท่าน", f"{found.repairs_funded:,} ครั้ง ({format_amount(found.repairs_satang)} บาท)")]
    return tuple(rows)


def summary(donor: Donor, year: int, config: Mapping[str, Any], *, by: User) -> bytes:
    """The yearly impact summary of ``year`` (Common Era) as PDF. Raises PermissionDenied as ``statement``."""
    check_reader(by, donor)
    return summary_pdf(SummaryData(letterhead(config), year + BE_OFFSET, donor.name,
                                   format_date(clock.today(), "th"), summary_rows(year_impact(donor, year))))


def summary_subject(year: int) -> str:
    return f"{SUMMARY_TITLE} พ.ศ. {year + BE_OFFSET}"


def send_summary(donor: Donor, year: int, config: Mapping[str, Any], *, by: User) -> outbox.OutboxMessage:
    """Put the donor's yearly impact summary in the outbox, to be e-mailed once the request commits.

    Raises PermissionDenied (not the treasurer or an admin), Conflict naming ``state`` (mail is
    off), ValidationError naming ``email`` (the donor has no e-mail address).
    """
    STEPS.check(by, "send_impact_summary")
    if not outbox.mail_on(config):
        raise Conflict(_l("E-mail is off on this server (no mail server is set); print the summary and hand it over."),
                       {"state": ["mail_off"]})
    address = (donor.email or "").strip()
    if not address:
        raise ValidationError(_l("This donor has no e-mail address; add one to the donor's record first."),
                              {"email": [_l("Required to send by e-mail.")]})
    pdf = summary(donor, year, config, by=by)
    body = SUMMARY_BODY.format(donor=donor.name, fund=config["FUND_NAME_TH"], year=year + BE_OFFSET,
                               center=config["CENTER_NAME_TH"], phone=config["CENTER_PHONE"])
    message = outbox.enqueue(address, summary_subject(year), body, attachment=pdf,
                             attachment_name=f"impact-{year + BE_OFFSET}.pdf", by_id=by.id)
    audit.record(by, "donor.summary_sent", "donor", donor.id, {"year": year, "outbox_id": message.id})
    return message
