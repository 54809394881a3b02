"""Money out: devices bought and repairs paid, each traced to the donations that paid."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from core import audit, clock
from core.db import db
from core.errors import Conflict, ValidationError
from core.money import MAX_SATANG, LazyBaht
from core.users import User
from devices import services as devices
from devices.models import Acquisition, Device, DeviceType
from fund import memos
from fund.memos import Memo
from fund.models import Allocation, Donation, DonationKind, Fund, PurchasedDevice, Purpose, Spending
from fund.services import donations as donation_services
from fund.services import ledger
from fund.steps import STEPS

EXPENSE_ACCOUNT = {Purpose.PURCHASE: ledger.PURCHASES, Purpose.REPAIR: ledger.REPAIRS}
DEVICE_FIELDS = ("brand", "model", "serial", "location")


def remaining(donation: Donation) -> int:
    if donation.kind != DonationKind.CASH or donation_services.is_void(donation):
        return 0
    return donation.amount_satang - donation_services.allocated(donation)


def fund_rank(fund: Fund, purpose: Purpose) -> int:
    """Which allowed fund pays first (lowest first): the money with the fewest other uses.

    0: restricted to this purpose and this device type; 1: to this purpose; 2: to this device
    type; 3: unrestricted. So a bed's repair is paid from the repairs fund before the beds fund,
    and the beds fund before the general fund; a bed's purchase from the beds fund first.
    Only funds that ``allow`` the spending are ranked.
    """
    if not fund.restricted:
        return 3
    if fund.purpose == purpose:
        return 0 if fund.device_type_id is not None else 1
    return 2 if fund.device_type_id is not None else 3


def _allowed_funds(purpose: Purpose, device_type: DeviceType | None, fund: Fund | None) -> list[Fund]:
    if fund is not None:
        if not fund.allows(purpose, device_type):
            raise ValidationError(_l("Fund %(fund)s may not pay for this.", fund=fund.code),
                                  {"fund": [_l("This fund is restricted to another purpose or device type.")]})
        return [fund]
    allowed = [f for f in ledger.list_funds() if f.allows(purpose, device_type)]
    return sorted(allowed, key=lambda f: (fund_rank(f, purpose), f.code))


def _fifo(amount: int, funds: Sequence[Fund], by: User) -> list[tuple[Donation, int]]:
    plan: list[tuple[Donation, int]] = []
    left = amount
    for fund in funds:
        for donation in db.session.scalars(select(Donation).where(Donation.fund_id == fund.id,
                                                                   Donation.kind == DonationKind.CASH)
                                           .order_by(Donation.received_on, Donation.id)):
            take = min(left, remaining(donation))
            if take > 0:
                plan.append((donation, take))
                left -= take
            if left == 0:
                return plan
    raise not_enough_money(left, by)


def not_enough_money(short_satang: int, by: User | None) -> Conflict:
    """The error for money the allowed funds do not hold. Who may spend is not always who may see
    the balances (maintenance's repairs are paid on their finishing, a supervisor's approval):
    the amount short, which tells the balance, only for those who keep the books."""
    if STEPS.allows(by, "keep_books"):
        return Conflict(_l("Not enough money: the funds allowed to pay for this are %(short)s short.",
                           short=LazyBaht(short_satang)),
                        {"amount_satang": [_l("%(short)s more than the allowed funds hold.",
                                              short=LazyBaht(short_satang))]})
    return Conflict(_l("Not enough money: the funds allowed to pay for this do not hold enough."),
                    {"amount_satang": [_l("More than the allowed funds hold.")]})


def _chosen(amount: int, chosen: Sequence[Mapping[str, int]], funds: Sequence[Fund]) -> list[tuple[Donation, int]]:
    plan = []
    for item in chosen:
        donation = db.session.get(Donation, item["donation_id"])
        if donation is None:
            raise ValidationError(_l("There is no donation %(id)s.", id=item["donation_id"]),
                                  {"allocations": [_l("Unknown donation.")]})
        if donation.fund not in funds:
            raise ValidationError(_l("That donation's fund may not pay for this."),
                                  {"allocations": [_l("This donation's fund may not pay for this.")]})
        left = remaining(donation)
        if item["amount_satang"] <= 0 or item["amount_satang"] > left:
            raise Conflict(_l("Donation %(number)s has %(left)s left.", number=donation.receipt_label or donation.id,
                              left=LazyBaht(left)),
                           {"allocations": [_l("More than the donation has left.")]})
        plan.append((donation, item["amount_satang"]))
    if sum(take for _, take in plan) != amount:
        raise ValidationError(_l("The chosen allocations must add up to the amount."),
                              {"allocations": [_l("They do not add up to the amount.")]})
    return plan


def _devices_bought(purpose: Purpose, device_type: DeviceType | None, device_count: int,
                    items: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """One dict of fields per device to register; ValidationError naming ``devices`` or ``device_type``."""
    items = list(items or [])
    if not items and not device_count:
        return []
    if purpose != Purpose.PURCHASE:
        raise ValidationError(_l("Only a purchase registers devices."), {"devices": [_l("Only for a purchase.")]})
    if device_type is None:
        raise ValidationError(_l("Say which device type is bought."), {"device_type": [_l("Required.")]})
    if items and device_count and len(items) != device_count:
        raise ValidationError(
            _l("The devices listed do not match the number bought."),
            {"devices": [lazy_ngettext("List the %(num)d device bought.",
                                       "List one device for each of the %(num)d bought.", device_count)]})
    rows = [{f: (item.get(f) or "").strip() for f in DEVICE_FIELDS} for item in items] or \
        [dict.fromkeys(DEVICE_FIELDS, "") for _ in range(device_count)]
    errors: dict[str, dict[str, list]] = {}
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        serial = row["serial"]
        if not serial:
            continue
        if serial.upper() in seen:
            errors[str(index)] = {"serial": [_l("Serial %(serial)s is listed twice, also for device %(n)d.",
                                                serial=serial, n=seen[serial.upper()] + 1)]}
            continue
        seen[serial.upper()] = index
        known = db.session.scalar(select(Device.tag).where(Device.type_id == device_type.id,
                                                           func.upper(Device.serial) == serial.upper()))
        if known is not None:
            errors[str(index)] = {"serial": [_l("Serial %(serial)s is already registered, as %(tag)s.",
                                                serial=serial, tag=known)]}
    if errors:
        index, first = next(iter(errors.items()))
        raise ValidationError(_l("Device %(n)d: %(problem)s", n=int(index) + 1, problem=first["serial"][0]),
                              {"devices": errors})
    return rows


def _standard_memo(purpose: Purpose, device_type: DeviceType | None, count: int) -> Memo | str:
    if purpose == Purpose.PURCHASE and device_type is not None and count:
        return memos.purchase(count, device_type.code)
    if purpose == Purpose.REPAIR and device_type is not None:
        return memos.repair(device_type.code)
    return ""


def spend(purpose: Purpose, amount_satang: int, *, by: User, device_type: DeviceType | None = None,
          fund: Fund | None = None, chosen: Sequence[Mapping[str, int]] | None = None, description: str = "",
          spent_on: dt.date | None = None, device_count: int = 0,
          devices_bought: Sequence[Mapping[str, Any]] | None = None, memo: Memo | None = None) -> Spending:
    """Pay from the fund: FIFO over the donations of the allowed funds (see ``fund_rank``), or the treasurer's choice.

    A purchase registers ``device_count`` devices of ``device_type``, or one per item of
    ``devices_bought`` (brand, model, serial, location), each valued at its share of the amount.
    The journal memo is the ``description`` a person typed, else ``memo``, else the standard one.
    Raises ValidationError naming the field (a fund that may not pay, devices that do not match
    the count, a serial listed twice or already registered), Conflict (nothing written) when the
    allowed funds cannot pay.
    """
    if amount_satang <= 0:
        raise ValidationError(_l("An amount must be more than zero."),
                              {"amount_satang": [_l("Must be more than zero.")]})
    if amount_satang > MAX_SATANG:
        raise ValidationError(_l("One amount can be at most %(max)s.", max=LazyBaht(MAX_SATANG)),
                              {"amount_satang": [_l("At most %(max)s.", max=LazyBaht(MAX_SATANG))]})
    rows = _devices_bought(purpose, device_type, device_count, devices_bought)
    funds = _allowed_funds(purpose, device_type, fund)
    plan = _chosen(amount_satang, chosen, funds) if chosen else _fifo(amount_satang, funds, by)
    spent_on = spent_on or clock.today()
    per_fund: dict[int, tuple[Fund, int]] = {}
    for donation, take in plan:
        known = per_fund.get(donation.fund_id, (donation.fund, 0))
        per_fund[donation.fund_id] = (known[0], known[1] + take)
    lines = []
    for fund_used, total in per_fund.values():
        lines += [(EXPENSE_ACCOUNT[purpose], fund_used, total), (ledger.CASH, fund_used, -total)]
    entry = ledger.post(spent_on, description.strip() or memo or _standard_memo(purpose, device_type, len(rows)),
                        purpose.value, lines, by=by)
    spending = Spending(purpose=purpose, amount_satang=amount_satang, device_type=device_type,
                        description=description, spent_on=spent_on, entry_id=entry.id, created_by_id=by.id)
    db.session.add(spending)
    db.session.flush()
    for donation, take in plan:
        db.session.add(Allocation(spending_id=spending.id, donation_id=donation.id, entry_id=entry.id,
                                  amount_satang=take))
    share, extra = divmod(amount_satang, len(rows) or 1)
    for index, row in enumerate(rows):  # the shares add up to the amount paid
        device = devices.register_device(device_type, {
            **row, "acquisition": Acquisition.PURCHASE, "acquired_on": spent_on,
            "acquisition_value_satang": share + (1 if index < extra else 0)}, by=by)
        db.session.add(PurchasedDevice(spending_id=spending.id, device_id=device.id))
    db.session.flush()
    ledger.check_not_negative([f for f, _ in per_fund.values()])
    audit.record(by, f"fund.{purpose.value}", "spending", spending.id, {"amount_satang": amount_satang,
                                                                        "allocations": len(plan),
                                                                        "devices": len(rows)})
    return spending


def spending_for_entry(entry_id: int) -> Spending | None:
    return db.session.scalar(select(Spending).where(Spending.entry_id == entry_id))


def reverse_entry(entry_id: int, memo: str, *, by: User):
    """Correct a mistake with a reversing entry; allocations of a spending are given back.

    Raises Conflict when the entry was reversed already, is a reversal, or is a donation
    whose money was already spent.
    """
    entry = ledger.get_entry(entry_id)
    donation = donation_services.donation_for_entry(entry.id)
    if donation is not None:
        donation_services.check_unspent(donation)
    reversal = ledger.reverse(entry, memo, by=by)
    spending = spending_for_entry(entry.id)
    if spending is not None:  # the spending row stays as written: the reversal points to its entry
        for allocation in list(spending.allocations):
            if allocation.entry_id == entry.id:
                db.session.add(Allocation(spending_id=spending.id, donation_id=allocation.donation_id,
                                          entry_id=reversal.id, amount_satang=-allocation.amount_satang))
    db.session.flush()
    ledger.check_not_negative(list({p.fund.id: p.fund for p in reversal.postings}.values()))
    return reversal
