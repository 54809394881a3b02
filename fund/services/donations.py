"""Donors and donations: cash with a numbered receipt, devices given in kind and valued."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.th import tin

from core import audit, clock
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.money import MAX_SATANG, LazyBaht
from core.users import User
from devices import services as devices
from devices.models import Acquisition, DeviceType
from fund import memos
from fund.models import (Allocation, DonatedDevice, Donation, DonationKind, Donor, DonorKind, JournalEntry,
                         PaymentMethod, ValueSource)
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
        number = tin.compact(str(raw))  # stdnum says only "invalid format" whatever is wrong
        why = (_l("A tax ID has digits only.") if not number.isdigit() else
               _l("A tax ID has 13 digits.") if len(number) != 13 else
               _l("The check digit does not match; please check the number."))
        raise ValidationError(_l("The tax ID is not valid."), {"tax_id": [why]}) from exc


def get_donor(donor_id: int) -> Donor:
    """Raises NotFound naming ``donor_id``."""
    donor = db.session.get(Donor, donor_id)
    if donor is None:
        raise NotFound(_l("There is no donor %(id)s.", id=donor_id), {"donor_id": [_l("Unknown donor.")]})
    return donor


def create_donor(data: Mapping[str, Any], *, by: User) -> Donor:
    clean = {f: data[f] for f in DONOR_FIELDS if f in data}
    clean["tax_id"] = normalize_tax_id(clean.get("tax_id"))
    clean["kind"] = DonorKind(clean.get("kind") or DonorKind.PERSON)
    if not (clean.get("name") or "").strip():
        raise ValidationError(_l("A donor needs a name."), {"name": [_l("Required.")]})
    donor = Donor(**clean, share_token=secrets.token_urlsafe(24))
    db.session.add(donor)
    db.session.flush()
    audit.record(by, "donor.created", "donor", donor.id, {"kind": donor.kind})
    return donor


def _next_receipt(year: int) -> int:
    return (db.session.scalar(select(func.max(Donation.receipt_number)).where(Donation.fiscal_year == year)) or 0) + 1


def donate_cash(donor: Donor, amount_satang: int, fund_code: str, method: PaymentMethod, *, by: User,
                received_on: dt.date | None = None, description: str = "") -> Donation:
    """Money in: cash debit and income credit in the chosen fund, and a receipt number.

    Raises ValidationError naming ``amount_satang``, NotFound naming ``fund``.
    """
    if amount_satang <= 0:
        raise ValidationError(_l("A donation is more than nothing."),
                              {"amount_satang": [_l("Must be more than zero.")]})
    if amount_satang > MAX_SATANG:
        raise ValidationError(_l("One amount can be at most %(max)s.", max=LazyBaht(MAX_SATANG)),
                              {"amount_satang": [_l("At most %(max)s.", max=LazyBaht(MAX_SATANG))]})
    fund = ledger.get_fund(fund_code)
    received_on = received_on or clock.today()
    year = fiscal_year(received_on)
    entry = ledger.post(received_on, memos.donation(donor.name), "donation",
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
    """Devices given: each is registered (and labelled) now, and valued.

    A device's value is the one the donor states (``value_satang``), else its type's reference
    new price, and the record says which. The gift is booked at the total: devices asset and
    in-kind income in the general fund. Raises ValidationError naming ``devices`` (per item, as
    ``{"devices": {"0": {"type": [...]}}}``) for an unknown type, a stated value of nothing, or a
    device with no value to book (no stated value and a type without a reference price).
    """
    if not items:
        raise ValidationError(_l("List the devices given."), {"devices": [_l("At least one device.")]})
    valued = _valued(items)
    if sum(value for _, value, _ in valued) > MAX_SATANG:
        raise ValidationError(_l("One gift can be booked at most at %(max)s; record these devices as two gifts.",
                                 max=LazyBaht(MAX_SATANG)),
                              {"devices": [_l("Worth more than %(max)s together.", max=LazyBaht(MAX_SATANG))]})
    received_on = received_on or clock.today()
    registered = [devices.register_device(device_type, {
        "brand": item.get("brand", ""), "model": item.get("model", ""), "serial": item.get("serial", ""),
        "location": item.get("location", ""), "acquisition": Acquisition.DONATION, "acquired_on": received_on,
        "acquisition_value_satang": value, "notes": item.get("notes", "")}, by=by)
        for item, (device_type, value, _) in zip(items, valued, strict=True)]
    total = sum(value for _, value, _ in valued)
    entry = None
    if total:
        general = ledger.get_fund(ledger.GENERAL_FUND)
        entry = ledger.post(received_on, memos.in_kind(donor.name), "in_kind",
                            [(ledger.DEVICES, general, total), (ledger.INCOME_KIND, general, -total)], by=by)
    # Donations are append-only: the row is written once, with its value and entry.
    donation = Donation(donor=donor, kind=DonationKind.IN_KIND, amount_satang=total, received_on=received_on,
                        description=description, fiscal_year=fiscal_year(received_on), created_by_id=by.id,
                        entry_id=entry.id if entry is not None else None)
    db.session.add(donation)
    db.session.flush()
    for device, (_, value, source) in zip(registered, valued, strict=True):
        db.session.add(DonatedDevice(donation_id=donation.id, device_id=device.id, value_satang=value,
                                     value_source=source))
    db.session.flush()
    audit.record(by, "donation.received_in_kind", "donation", donation.id,
                 {"devices": len(items), "value_satang": total,
                  "valued_at_reference_price": sum(source == ValueSource.REFERENCE for _, _, source in valued)})
    return donation


def _valued(items: Sequence[Mapping[str, Any]]) -> list[tuple[DeviceType, int, ValueSource]]:
    """Each item's type, value and where the value comes from; ValidationError naming the items that have none."""
    valued, errors = [], {}
    for index, item in enumerate(items):
        code, stated = item.get("type"), item.get("value_satang")
        device_type = _find_type(code)
        if device_type is None:
            errors[str(index)] = {"type": [_l("There is no device type %(code)s.", code=code)]}
        elif stated is not None and stated <= 0:
            errors[str(index)] = {"value_satang": [
                _l("A stated value must be more than zero; leave it out to use the reference new price.")]}
        elif stated is not None:
            valued.append((device_type, stated, ValueSource.DONOR))
        elif device_type.reference_price_satang > 0:
            valued.append((device_type, device_type.reference_price_satang, ValueSource.REFERENCE))
        else:
            errors[str(index)] = {"value_satang": [
                _l("%(type)s has no reference new price, so the value the donor states is needed.",
                   type=device_type.code)]}
    if errors:
        first = next(iter(errors.values()))
        raise ValidationError(_l("Device %(n)d: %(problem)s", n=int(next(iter(errors))) + 1,
                                 problem=next(iter(first.values()))[0]), {"devices": errors})
    return valued


def _find_type(code: str | None) -> DeviceType | None:
    try:
        return devices.get_type(code or "")
    except NotFound:
        return None


def allocated(donation: Donation) -> int:
    """How much of a donation has paid for something (reversed spending gives it back)."""
    return db.session.scalar(select(func.coalesce(func.sum(Allocation.amount_satang), 0))
                             .where(Allocation.donation_id == donation.id))


def get_donation(donation_id: int) -> Donation:
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        raise NotFound(_l("There is no donation %(id)s.", id=donation_id), {"id": [_l("Unknown donation.")]})
    return donation


def is_void(donation: Donation) -> bool:
    return donation.entry_id is not None and ledger.reversal_of(ledger.get_entry(donation.entry_id)) is not None


def not_reversed(entry_id) -> ColumnElement[bool]:
    """SQL: no journal entry reverses the entry ``entry_id`` names."""
    return ~select(JournalEntry.id).where(JournalEntry.reverses_id == entry_id).exists()


def standing() -> ColumnElement[bool]:
    """SQL: the donation stands (the opposite of :func:`is_void`, for a query)."""
    return or_(Donation.entry_id.is_(None), not_reversed(Donation.entry_id))


def donation_for_entry(entry_id: int) -> Donation | None:
    return db.session.scalar(select(Donation).where(Donation.entry_id == entry_id))


def donor_for_user(user: User) -> Donor | None:
    return db.session.scalar(select(Donor).where(Donor.user_id == user.id))


def donor_for_token(token: str) -> Donor:
    donor = db.session.scalar(select(Donor).where(Donor.share_token == token)) if token else None
    if donor is None:
        raise NotFound(_l("This link is not valid."))
    return donor


def check_unspent(donation: Donation) -> None:
    """A donation whose money already paid for something cannot be reversed (Conflict)."""
    if allocated(donation) > 0:
        raise Conflict(_l("This donation already paid for purchases or repairs; reverse those first."),
                       {"state": ["allocated"]})
