"""Donors and donations: cash with a numbered receipt, devices given in kind."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.th import tin

from core import audit, clock
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.users import User
from devices import services as devices
from devices.models import Acquisition
from fund.models import Allocation, DonatedDevice, Donation, DonationKind, Donor, DonorKind, PaymentMethod
from fund.services import ledger

DONOR_FIELDS = ("name", "kind", "tax_id", "phone", "email", "address", "may_be_named")


def fiscal_year(day: dt.date) -> int:
    """Thai government fiscal year in the Buddhist Era: 1 Oct 2026 starts FY 2570."""
    return day.year + 543 + (1 if day.month >= 10 else 0)


def normalize_tax_id(raw: str | None) -> str | None:
    if not raw or not str(raw).strip():
        return None
    try:
        return tin.validate(str(raw))
    except StdnumError as exc:
        raise ValidationError("invalid tax ID", {"tax_id": [f"not a valid Thai tax ID ({exc})"]}) from exc


def get_donor(donor_id: int) -> Donor:
    donor = db.session.get(Donor, donor_id)
    if donor is None:
        raise NotFound(f"no donor {donor_id}", {"donor_id": ["unknown donor"]})
    return donor


def create_donor(data: Mapping[str, Any], *, by: User) -> Donor:
    clean = {f: data[f] for f in DONOR_FIELDS if f in data}
    clean["tax_id"] = normalize_tax_id(clean.get("tax_id"))
    clean["kind"] = DonorKind(clean.get("kind") or DonorKind.PERSON)
    if not (clean.get("name") or "").strip():
        raise ValidationError("a donor needs a name", {"name": ["required"]})
    donor = Donor(**clean, share_token=secrets.token_urlsafe(24))
    db.session.add(donor)
    db.session.flush()
    audit.record(by, "donor.created", "donor", donor.id, {"kind": donor.kind})
    return donor


def _next_receipt(year: int) -> int:
    return (db.session.scalar(select(func.max(Donation.receipt_number)).where(Donation.fiscal_year == year)) or 0) + 1


def donate_cash(donor: Donor, amount_satang: int, fund_code: str, method: PaymentMethod, *, by: User,
                received_on: dt.date | None = None, description: str = "") -> Donation:
    """Money in: cash debit and income credit in the chosen fund, and a receipt number."""
    if amount_satang <= 0:
        raise ValidationError("a donation is more than nothing", {"amount_satang": ["must be positive"]})
    fund = ledger.get_fund(fund_code)
    received_on = received_on or clock.today()
    year = fiscal_year(received_on)
    entry = ledger.post(received_on, f"donation from {donor.name}", "donation",
                        [(ledger.CASH, fund, amount_satang), (ledger.INCOME_CASH, fund, -amount_satang)], by=by)
    donation = Donation(donor=donor, kind=DonationKind.CASH, amount_satang=amount_satang, fund=fund, method=method,
                        received_on=received_on, description=description, fiscal_year=year,
                        receipt_number=_next_receipt(year), entry_id=entry.id, created_by_id=by.id)
    db.session.add(donation)
    db.session.flush()
    audit.record(by, "donation.received", "donation", donation.id, {"amount_satang": amount_satang,
                                                                     "fund": fund.code})
    return donation


def donate_in_kind(donor: Donor, items: Sequence[Mapping[str, Any]], *, by: User, received_on: dt.date | None = None,
                   description: str = "") -> Donation:
    """Devices given: each is registered (and labelled) now; valued only when the donor states a value."""
    if not items:
        raise ValidationError("list the devices given", {"devices": ["at least one device"]})
    received_on = received_on or clock.today()
    donation = Donation(donor=donor, kind=DonationKind.IN_KIND, amount_satang=0, received_on=received_on,
                        description=description, fiscal_year=fiscal_year(received_on), created_by_id=by.id)
    db.session.add(donation)
    db.session.flush()
    total = 0
    for item in items:
        value = item.get("value_satang")
        device = devices.register_device(devices.get_type(item["type"]), {
            "brand": item.get("brand", ""), "model": item.get("model", ""), "serial": item.get("serial", ""),
            "acquisition": Acquisition.DONATION, "acquired_on": received_on, "acquisition_value_satang": value,
            "notes": item.get("notes", "")}, by=by)
        db.session.add(DonatedDevice(donation_id=donation.id, device_id=device.id))
        total += value or 0
    if total:
        general = ledger.get_fund(ledger.GENERAL_FUND)
        entry = ledger.post(received_on, f"devices given by {donor.name}", "in_kind",
                            [(ledger.DEVICES, general, total), (ledger.INCOME_KIND, general, -total)], by=by)
        donation.entry_id = entry.id
        donation.amount_satang = total
    db.session.flush()
    audit.record(by, "donation.received_in_kind", "donation", donation.id, {"devices": len(items)})
    return donation


def allocated(donation: Donation) -> int:
    """How much of a donation has paid for something (reversed spending gives it back)."""
    return db.session.scalar(select(func.coalesce(func.sum(Allocation.amount_satang), 0))
                             .where(Allocation.donation_id == donation.id))


def get_donation(donation_id: int) -> Donation:
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        raise NotFound(f"no donation {donation_id}", {"id": ["unknown donation"]})
    return donation


def is_void(donation: Donation) -> bool:
    return donation.entry_id is not None and ledger.reversal_of(ledger.get_entry(donation.entry_id)) is not None


def donation_for_entry(entry_id: int) -> Donation | None:
    return db.session.scalar(select(Donation).where(Donation.entry_id == entry_id))


def donor_for_user(user: User) -> Donor | None:
    return db.session.scalar(select(Donor).where(Donor.user_id == user.id))


def donor_for_token(token: str) -> Donor:
    donor = db.session.scalar(select(Donor).where(Donor.share_token == token)) if token else None
    if donor is None:
        raise NotFound("this link is not valid")
    return donor


def check_unspent(donation: Donation) -> None:
    """A donation whose money already paid for something cannot be reversed (Conflict)."""
    if allocated(donation) > 0:
        raise Conflict("this donation already paid for purchases or repairs; reverse those first",
                       {"state": ["allocated"]})
