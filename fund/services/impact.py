"""What the money did, computed from the lifecycle and never typed in.

Devices given in kind count wholly for their donor; a purchase counts for each donor in
the share their money paid. Loans, people served, device-days and savings to families
follow from the loans of those devices. Counts of people under three are shown as
"fewer than 3" so nobody can be recognised; no personal data leaves this module.

The figures are sums the database makes over sets (a fixed number of statements, whatever
the number of donations, devices and loans). The pages anyone can open read them through
:func:`cached`, which keeps them per app, keyed on the center's day and on the last audit
event: every change that alters a figure (a loan, a return, a gift, a purchase, a reversal,
a type's price) writes its audit event in the same transaction, so a new event means the
figures are made again. A figure is never older than ``IMPACT_CACHE_SECONDS`` either (on
PostgreSQL two transactions may commit out of the order of their events' numbers).
"""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, func, select, union

from core import clock
from core.audit import AuditEvent
from core.db import db
from fund.models import Allocation, DonatedDevice, Donation, DonationKind, Donor, Purpose, PurchasedDevice, Spending
from fund.services import donations as donation_services
from lending.services import usage

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

    @property
    def people_shown(self) -> str | int:
        """People served as a donor may see it: "fewer than 3" below three."""
        return "<3" if 0 < self.people_served < SMALL_COUNT else self.people_served


def _live(which: ColumnElement):
    """The ids of the donations ``which`` selects that stand (their entry not reversed)."""
    return select(Donation.id).where(which, donation_services.standing())


def _paid(live, purpose: Purpose):
    """Per spending of ``purpose``: what these donations paid of it, and its amount."""
    return (select(Allocation.spending_id, func.sum(Allocation.amount_satang).label("paid"),
                   Spending.amount_satang.label("amount"), Spending.entry_id)
            .join(Spending, Spending.id == Allocation.spending_id)
            .where(Allocation.donation_id.in_(live), Spending.purpose == purpose)
            .group_by(Allocation.spending_id, Spending.amount_satang, Spending.entry_id))


def _money(live, impact: Impact) -> None:
    for kind, amount in db.session.execute(select(Donation.kind, func.sum(Donation.amount_satang))
                                           .where(Donation.id.in_(live)).group_by(Donation.kind)):
        if kind == DonationKind.CASH:
            impact.given_satang = amount or 0
        else:
            impact.in_kind_satang = amount or 0
    impact.devices_in_kind = db.session.scalar(select(func.count(DonatedDevice.id))
                                               .where(DonatedDevice.donation_id.in_(live)))
    funded = [paid for _, paid, _, _ in db.session.execute(_paid(live, Purpose.REPAIR)) if paid > 0]
    impact.repairs_funded, impact.repairs_satang = len(funded), sum(funded)


def _for(which: ColumnElement, today: dt.date | None) -> Impact:
    today = today or clock.today()
    live = _live(which)
    impact = Impact()
    _money(live, impact)
    in_kind = select(DonatedDevice.device_id).where(DonatedDevice.donation_id.in_(live))
    paid = _paid(live, Purpose.PURCHASE).subquery()
    bought = (select(PurchasedDevice.device_id, paid.c.paid, paid.c.amount)
              .join(paid, paid.c.spending_id == PurchasedDevice.spending_id)
              .where(paid.c.paid > 0, donation_services.not_reversed(paid.c.entry_id)))
    shares: dict[int, float] = defaultdict(float)
    for device_id in db.session.scalars(in_kind):
        shares[device_id] = 1.0
    for device_id, amount, price in db.session.execute(bought.order_by(PurchasedDevice.id)):
        shares[device_id] += amount / price
    impact.devices_share = round(sum(shares.values()), 2)
    impact.devices_whole = sum(1 for share in shares.values() if share >= 0.999)
    devices = union(in_kind, select(bought.subquery().c.device_id))
    days = 0.0
    for device_id, use in usage.by_device(devices, clock.start_of_day(today)).items():
        share = shares[device_id]
        impact.loans += use.loans
        days += share * use.days
        impact.savings_satang += use.loans * round(share * use.reference_price_satang)
    impact.device_days = round(days, 1)
    impact.people_served = usage.people_served(devices) if impact.loans else 0
    return impact


def for_donations(donations: list[Donation], today: dt.date | None = None) -> Impact:
    """What these donations did (those reversed count for nothing)."""
    if not donations:
        return Impact()
    return _for(Donation.id.in_([d.id for d in donations]), today)


def for_donor(donor: Donor, today: dt.date | None = None) -> Impact:
    return _for(Donation.donor_id == donor.id, today)


def for_program(today: dt.date | None = None) -> Impact:
    """The whole program's lending: every loan of every device, whoever paid for it.

    ``devices_whole`` is every device lent. The money (given, in kind, repairs) and the shares
    are a donor's measure and stay 0 here: the fund's books and report give the program's."""
    today = today or clock.today()
    impact = Impact()
    totals = usage.totals(clock.start_of_day(today))
    impact.loans, impact.people_served, impact.devices_whole = totals.loans, totals.people, totals.devices
    impact.device_days, impact.savings_satang = round(totals.days, 1), totals.savings_satang
    return impact


@dataclass(frozen=True)
class HonourRoll:
    named: list[str]
    anonymous: int


def honour_roll() -> HonourRoll:
    """The names of the donors who agreed to be named, and how many others gave anonymously."""
    givers = select(Donation.donor_id)
    named = list(db.session.scalars(select(Donor.name).where(Donor.id.in_(givers), Donor.may_be_named)
                                    .order_by(Donor.name)))
    anonymous = db.session.scalar(select(func.count(Donor.id)).where(Donor.id.in_(givers), ~Donor.may_be_named))
    return HonourRoll(named, anonymous)


# --- the server's copy of the figures -------------------------------------------------------

def last_change() -> int:
    """The number of the last audit event: it moves with every change of the records."""
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def cached(key: tuple, make: Callable[[], Any], marker: int | None = None) -> Any:
    """``make()``, or what it gave for ``key`` on the same day since the last change."""
    store = current_app.extensions.setdefault("impact_figures", {})
    stamp = (clock.today(), last_change() if marker is None else marker)
    found = store.get(key)
    now = time.monotonic()
    if found is not None and found[0] == stamp and now - found[1] < current_app.config["IMPACT_CACHE_SECONDS"]:
        return found[2]
    value = make()
    if len(store) >= current_app.config["IMPACT_CACHE_ENTRIES"]:
        store.clear()   # crude but bounded: a flood of distinct keys cannot grow the worker
    store[key] = (stamp, now, value)
    return value


def forget() -> None:
    """Empty the server's copy (tests and benchmarks)."""
    if current_app:
        current_app.extensions.pop("impact_figures", None)
