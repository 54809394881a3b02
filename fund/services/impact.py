"""What the money did, computed from the lifecycle and never typed in.

Devices given in kind count wholly for their donor; a purchase counts for each donor in
the share their money paid. Loans, people served, device-days and savings to families
follow from the loans of those devices. Counts of people under three are shown as
"fewer than 3" so nobody can be recognised; no personal data leaves this module.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core import clock
from core.db import db
from devices.models import Device
from fund.models import Allocation, DonatedDevice, Donation, DonationKind, Donor, Purpose, Spending
from fund.services import donations as donation_services
from lending.services.loans import loans_of_devices

SMALL_COUNT = 3


@dataclass
class Impact:
    given_satang: int = 0
    devices_in_kind: int = 0
    in_kind_satang: int = 0         # what the devices given in kind were booked at
    devices_whole: int = 0
    devices_share: float = 0.0
    loans: int = 0
    people_served: int = 0
    device_days: float = 0.0
    savings_satang: int = 0
    repairs_funded: int = 0
    repairs_satang: int = 0
    device_tags: list[str] = field(default_factory=list)

    @property
    def people_shown(self) -> str | int:
        """People served as a donor may see it: "fewer than 3" below three."""
        return "<3" if 0 < self.people_served < SMALL_COUNT else self.people_served


def device_shares(donation_ids: set[int]) -> dict[int, float]:
    """Device id -> the share of it these donations paid (1.0 for devices given in kind)."""
    shares: dict[int, float] = defaultdict(float)
    if not donation_ids:
        return shares
    for item in db.session.scalars(select(DonatedDevice).where(DonatedDevice.donation_id.in_(donation_ids))):
        shares[item.device_id] = 1.0
    paid = db.session.execute(
        select(Allocation.spending_id, func.sum(Allocation.amount_satang))
        .where(Allocation.donation_id.in_(donation_ids)).group_by(Allocation.spending_id)).all()
    for spending_id, amount in paid:
        spending = db.session.get(Spending, spending_id)
        if spending.purpose != Purpose.PURCHASE or amount <= 0 or spending.reversed_by_id is not None:
            continue
        for bought in spending.devices:
            shares[bought.device_id] += amount / spending.amount_satang
    return shares


def _live(donations: list[Donation]) -> list[Donation]:
    return [d for d in donations if not donation_services.is_void(d)]


def for_donations(donations: list[Donation], today: dt.date | None = None) -> Impact:
    today = today or clock.today()
    donations = _live(donations)
    ids = {d.id for d in donations}
    impact = Impact(given_satang=sum(d.amount_satang for d in donations if d.kind == DonationKind.CASH),
                    devices_in_kind=sum(len(d.devices) for d in donations),
                    in_kind_satang=sum(d.amount_satang for d in donations if d.kind == DonationKind.IN_KIND))
    shares = device_shares(ids)
    impact.devices_share = round(sum(shares.values()), 2)
    impact.devices_whole = sum(1 for share in shares.values() if share >= 0.999)
    devices = {d.id: d for d in db.session.scalars(select(Device).where(Device.id.in_(list(shares))))} if shares else {}
    impact.device_tags = sorted(d.tag for d in devices.values())
    people = set()
    now = clock.start_of_day(today)
    for loan in loans_of_devices(shares):
        share = shares[loan.device_id]
        impact.loans += 1
        people.add(loan.person_id)
        end = loan.returned_at or now
        impact.device_days += share * max((end - loan.delivered_at).total_seconds() / 86400, 0)
        impact.savings_satang += round(share * devices[loan.device_id].type.reference_price_satang)
    impact.people_served = len(people)
    impact.device_days = round(impact.device_days, 1)
    repairs = db.session.execute(
        select(Allocation.spending_id, func.sum(Allocation.amount_satang)).join(Allocation.spending)
        .where(Allocation.donation_id.in_(ids), Spending.purpose == Purpose.REPAIR)
        .group_by(Allocation.spending_id)).all() if ids else []
    funded = [amount for _, amount in repairs if amount > 0]
    impact.repairs_funded, impact.repairs_satang = len(funded), sum(funded)
    return impact


def for_donor(donor: Donor, today: dt.date | None = None) -> Impact:
    return for_donations(list(db.session.scalars(select(Donation).where(Donation.donor_id == donor.id))), today)


def for_program(today: dt.date | None = None) -> Impact:
    """The whole program: every loan of every device, whoever paid for it."""
    today = today or clock.today()
    impact = for_donations(list(db.session.scalars(select(Donation))), today)
    all_loans = loans_of_devices(db.session.scalars(select(Device.id)))
    now = clock.start_of_day(today)
    impact.loans = len(all_loans)
    impact.people_served = len({loan.person_id for loan in all_loans})
    impact.device_days = round(sum(max(((loan.returned_at or now) - loan.delivered_at).total_seconds() / 86400, 0)
                                   for loan in all_loans), 1)
    impact.savings_satang = sum(loan.device.type.reference_price_satang for loan in all_loans)
    impact.devices_whole = len({loan.device_id for loan in all_loans})
    return impact


def honour_roll() -> tuple[list[Donor], int]:
    """Donors who agreed to be named, and how many others gave anonymously."""
    givers = list(db.session.scalars(select(Donor).where(Donor.id.in_(select(Donation.donor_id)))
                                     .order_by(Donor.name)))
    named = [d for d in givers if d.may_be_named]
    return named, len(givers) - len(named)
