"""Money out: devices bought and repairs paid, each traced to the donations that paid."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from core import audit, clock
from core.db import db
from core.errors import Conflict, ValidationError
from core.users import User
from devices import services as devices
from devices.models import Acquisition, DeviceType
from fund.models import Allocation, Donation, DonationKind, Fund, PurchasedDevice, Purpose, Spending
from fund.services import donations as donation_services
from fund.services import ledger

EXPENSE_ACCOUNT = {Purpose.PURCHASE: ledger.PURCHASES, Purpose.REPAIR: ledger.REPAIRS}


def remaining(donation: Donation) -> int:
    if donation.kind != DonationKind.CASH or donation_services.is_void(donation):
        return 0
    return donation.amount_satang - donation_services.allocated(donation)


def _allowed_funds(purpose: Purpose, device_type: DeviceType | None, fund: Fund | None) -> list[Fund]:
    if fund is not None:
        if not fund.allows(purpose, device_type):
            raise ValidationError(f"fund {fund.code} may not pay for this",
                                  {"fund": ["this fund is restricted to another purpose or device type"]})
        return [fund]
    # Restricted money meant for exactly this goes first, then the unrestricted funds.
    allowed = [f for f in ledger.list_funds() if f.allows(purpose, device_type)]
    return sorted(allowed, key=lambda f: (not f.restricted, f.code))


def _fifo(amount: int, funds: Sequence[Fund]) -> list[tuple[Donation, int]]:
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
    raise Conflict(f"not enough money: {left / 100:,.2f} baht short in {', '.join(f.code for f in funds)}",
                   {"amount_satang": ["more than the allowed funds hold"]})


def _chosen(amount: int, chosen: Sequence[Mapping[str, int]], funds: Sequence[Fund]) -> list[tuple[Donation, int]]:
    plan = []
    for item in chosen:
        donation = donation_services.get_donation(item["donation_id"])
        if donation.fund not in funds:
            raise ValidationError("that donation's fund may not pay for this", {"allocations": ["fund not allowed"]})
        if item["amount_satang"] <= 0 or item["amount_satang"] > remaining(donation):
            raise Conflict(f"donation {donation.id} has {remaining(donation) / 100:,.2f} baht left",
                           {"allocations": ["more than the donation has left"]})
        plan.append((donation, item["amount_satang"]))
    if sum(take for _, take in plan) != amount:
        raise ValidationError("the chosen allocations must add up to the amount", {"allocations": ["do not add up"]})
    return plan


def spend(purpose: Purpose, amount_satang: int, *, by: User, device_type: DeviceType | None = None,
          fund: Fund | None = None, chosen: Sequence[Mapping[str, int]] | None = None, description: str = "",
          spent_on: dt.date | None = None, device_count: int = 0,
          device_fields: Mapping[str, Any] | None = None) -> Spending:
    """Pay from the fund: FIFO over the donations of the allowed funds, or the treasurer's choice.

    Raises Conflict (nothing written) when the allowed funds cannot pay.
    """
    if amount_satang <= 0:
        raise ValidationError("an amount must be positive", {"amount_satang": ["must be positive"]})
    funds = _allowed_funds(purpose, device_type, fund)
    plan = _chosen(amount_satang, chosen, funds) if chosen else _fifo(amount_satang, funds)
    spent_on = spent_on or clock.today()
    per_fund: dict[int, tuple[Fund, int]] = {}
    for donation, take in plan:
        known = per_fund.get(donation.fund_id, (donation.fund, 0))
        per_fund[donation.fund_id] = (known[0], known[1] + take)
    lines = []
    for fund_used, total in per_fund.values():
        lines += [(EXPENSE_ACCOUNT[purpose], fund_used, total), (ledger.CASH, fund_used, -total)]
    entry = ledger.post(spent_on, description or purpose.value, purpose.value, lines, by=by)
    spending = Spending(purpose=purpose, amount_satang=amount_satang, device_type=device_type,
                        description=description, spent_on=spent_on, entry_id=entry.id, created_by_id=by.id)
    db.session.add(spending)
    db.session.flush()
    for donation, take in plan:
        db.session.add(Allocation(spending_id=spending.id, donation_id=donation.id, entry_id=entry.id,
                                  amount_satang=take))
    for _ in range(device_count):
        device = devices.register_device(device_type, {
            **(device_fields or {}), "acquisition": Acquisition.PURCHASE, "acquired_on": spent_on,
            "acquisition_value_satang": amount_satang // device_count}, by=by)
        db.session.add(PurchasedDevice(spending_id=spending.id, device_id=device.id))
    db.session.flush()
    ledger.check_not_negative([f for f, _ in per_fund.values()])
    audit.record(by, f"fund.{purpose.value}", "spending", spending.id, {"amount_satang": amount_satang,
                                                                        "allocations": len(plan)})
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
    if spending is not None:
        spending.reversed_by_id = reversal.id
        for allocation in list(spending.allocations):
            if allocation.entry_id == entry.id:
                db.session.add(Allocation(spending_id=spending.id, donation_id=allocation.donation_id,
                                          entry_id=reversal.id, amount_satang=-allocation.amount_satang))
    db.session.flush()
    ledger.check_not_negative(list({p.fund.id: p.fund for p in reversal.postings}.values()))
    return reversal
