"""Donor impact: a scenario computed by hand, and what donors may and may not see."""
from __future__ import annotations

import datetime as dt

import pytest

from core.db import db
from core.users import create_user
from devices import services as devices
from fixtures.core import BANGKOK
from fund.models import PaymentMethod, Purpose
from fund.services import donations, impact, ledger, spending
from lending.models import LendingRequest, Loan, RequestItem
from lending.services import people

TODAY = dt.date(2026, 11, 24)


def at(days_ago: int) -> dt.datetime:
    """The center's midnight, ``days_ago`` days before TODAY."""
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(), BANGKOK)


@pytest.fixture
def scenario(ctx):
    treasurer = create_user("t", "long-enough", ["treasurer", "staff"])
    ledger.ensure_chart()
    wc = devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                              "reference_price_satang": 350_000}, by=None)
    devices.create_type({"code": "BED", "name_th": "เตียง", "name_en": "Bed", "reference_price_satang": 1_290_000},
                        by=None)
    a = donations.create_donor({"name": "A"}, by=treasurer)
    b = donations.create_donor({"name": "B", "may_be_named": True}, by=treasurer)
    c = donations.create_donor({"name": "C"}, by=treasurer)
    donations.donate_cash(a, 1_000_000, "GENERAL", PaymentMethod.TRANSFER, by=treasurer,
                          received_on=dt.date(2026, 1, 5))
    donations.donate_cash(b, 400_000, "GENERAL", PaymentMethod.CASH, by=treasurer, received_on=dt.date(2026, 2, 5))
    bought = spending.spend(Purpose.PURCHASE, 1_200_000, by=treasurer, device_type=wc, device_count=2)
    gift = donations.donate_in_kind(c, [{"type": "BED"}], by=treasurer)
    spending.spend(Purpose.REPAIR, 100_000, by=treasurer)
    wc1, wc2 = (p.device for p in bought.devices)
    bed = gift.devices[0].device
    folks = [people.create_person({"first_name": n}, {"given_by": n}, by=treasurer) for n in ("P1", "P2", "P3")]
    for person, device, start, end in ((folks[0], wc1, 15, 5), (folks[1], wc1, 5, None), (folks[2], wc2, 20, None),
                                       (folks[0], bed, 30, None)):
        req = LendingRequest(person=person, channel="phone", items=[RequestItem(device_type=device.type)])
        db.session.add(req)
        db.session.flush()
        db.session.add(Loan(device_id=device.id, person_id=person.id, request_id=req.id, item_id=req.items[0].id,
                            acknowledged_by="x",
                            delivered_at=at(start), returned_at=at(end) if end is not None else None))
    db.session.flush()
    return {"A": a, "B": b, "C": c}


def test_impact_by_hand(scenario):
    a = impact.for_donor(scenario["A"], TODAY)
    # A paid 1,000,000 of a 1,200,000 purchase of two chairs: 5/6 of each.
    assert a.devices_share == 1.67 and a.devices_whole == 0 and a.loans == 3 and a.people_served == 3
    assert a.device_days == 29.2                      # 5/6 x (10 + 5 + 20)
    assert a.savings_satang == 3 * 291_667            # 5/6 x 3,500 baht, per placement
    assert a.repairs_funded == 0 and a.given_satang == 1_000_000
    b = impact.for_donor(scenario["B"], TODAY)
    assert b.devices_share == 0.33 and b.device_days == 5.8 and b.savings_satang == 3 * 58_333
    assert b.repairs_funded == 1 and b.repairs_satang == 100_000  # FIFO: the repair came from B's rest
    c = impact.for_donor(scenario["C"], TODAY)
    assert c.devices_whole == 1 and c.devices_in_kind == 1 and c.loans == 1 and c.device_days == 30.0
    assert c.savings_satang == 1_290_000 and c.people_served == 1 and c.people_shown == "<3"
    # The bed came with no stated value: it is booked at its type's reference new price; C gave no money.
    assert c.in_kind_satang == 1_290_000 and c.given_satang == 0
    program = impact.for_program(TODAY)
    assert program.loans == 4 and program.people_served == 3 and program.device_days == 65.0
    roll = impact.honour_roll()
    assert roll.named == ["B"] and roll.anonymous == 2


def test_a_reversed_donation_counts_for_nothing(scenario, ctx):
    treasurer = create_user("t2", "long-enough", ["treasurer"])
    d = donations.create_donor({"name": "D"}, by=treasurer)
    gift = donations.donate_cash(d, 50_000, "GENERAL", PaymentMethod.CASH, by=treasurer)
    spending.reverse_entry(gift.entry_id, "typo", by=treasurer)
    assert impact.for_donor(d, TODAY).given_satang == 0
