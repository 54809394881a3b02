"""The loan totals kept per device type (the public impact page reads them) always equal the
totals counted again from scratch, whatever happens to the loans, on both databases; and the
program's figures made from them equal the figures counted loan by loan."""
from __future__ import annotations

import datetime as dt
import random

from core import clock
from core.db import db
from devices import services as devices
from devices.models import Condition, DeviceStatus
from fixtures.core import both_databases
from fixtures.lending import lend
from fixtures.users import make_actors
from fund.services import impact
from lending.models import LendingRequest, Loan, LoanTotal, RequestItem
from lending.services import loans, people, usage


def by_hand(today: dt.date) -> tuple[int, int, int, float, int]:
    """The program's figures loan by loan, as they were always computed."""
    now = clock.start_of_day(today)
    every = list(db.session.scalars(db.select(Loan)))
    days = sum(max(((loan.returned_at or now) - loan.delivered_at).total_seconds() / 86400, 0) for loan in every)
    return (len(every), len({loan.person_id for loan in every}), len({loan.device_id for loan in every}),
            round(days, 1), sum(loan.device.type.reference_price_satang for loan in every))


def figures(today: dt.date) -> tuple[int, int, int, float, int]:
    found = impact.for_program(today)
    return found.loans, found.people_served, found.devices_whole, found.device_days, found.savings_satang


def loan_by_hand(device, person, days_ago: int, back_after: int | None) -> Loan:
    """A loan written directly (as an import would), delivered ``days_ago`` days ago."""
    req = LendingRequest(person=person, channel="phone", items=[RequestItem(device_type=device.type)])
    db.session.add(req)
    db.session.flush()
    delivered = clock.now() - dt.timedelta(days=days_ago, minutes=random.randint(0, 600))
    loan = Loan(device_id=device.id, person_id=person.id, request_id=req.id, item_id=req.items[0].id,
                acknowledged_by="x", delivered_at=delivered,
                returned_at=delivered + dt.timedelta(days=back_after) if back_after is not None else None)
    db.session.add(loan)
    db.session.flush()
    return loan


@both_databases
def test_the_kept_totals_equal_a_recount_after_every_kind_of_change(ctx):
    rng = random.Random(7)
    actors = make_actors()
    wc = devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                              "reference_price_satang": 350_000}, by=None)
    bed = devices.create_type({"code": "BED", "name_th": "เตียง", "name_en": "Bed",
                               "reference_price_satang": 1_290_000}, by=None)
    fleet = [devices.register_device(rng.choice((wc, bed)), {}, by=None) for _ in range(6)]
    folks = [people.create_person({"first_name": f"P{n}"}, {"given_by": "x"}, by=actors["staff"]) for n in range(4)]
    done: list[Loan] = []

    def deliver():
        free = [d for d in fleet if d.status.value == "available"]
        if free:
            done.append(lend(actors, rng.choice(free)))

    def give_back():
        out = [loan for loan in done if loan.returned_at is None]
        if out:
            loan = rng.choice(out)
            loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
            devices.set_status(loan.device, DeviceStatus.AVAILABLE, by=actors["admin"],
                               expect=(DeviceStatus.RETURNED,), action="device.released_without_cleaning")

    def import_old():   # a closed loan of the past, of a device and a person that may have had others
        done.append(loan_by_hand(rng.choice(fleet), rng.choice(folks), rng.randint(30, 900), rng.randint(0, 25)))

    def redate():        # a delivery recorded with the wrong day, corrected
        if done:
            loan = rng.choice(done)
            loan.delivered_at -= dt.timedelta(days=rng.randint(1, 9), seconds=rng.randint(0, 999))
            db.session.flush()

    def remove():        # a loan written by mistake, deleted (as a test or a repair script may)
        closed = [loan for loan in done if loan.returned_at is not None]
        if closed:
            loan = rng.choice(closed)
            done.remove(loan)
            db.session.delete(loan)
            db.session.flush()

    def reprice():
        devices.update_type(wc, {"reference_price_satang": rng.randint(1, 9) * 100_000}, version=wc.version,
                            by=actors["admin"])

    steps = [deliver] * 4 + [give_back] * 3 + [import_old] * 3 + [redate, remove, reprice]
    for _ in range(40):
        rng.choice(steps)()
        db.session.commit()
        assert usage.kept() == usage.recount()
        assert figures(clock.today()) == by_hand(clock.today())
    assert db.session.scalar(db.select(db.func.count(Loan.id))) > 10
    # A past day, when some of today's open loans were not delivered yet.
    some_day = clock.today() - dt.timedelta(days=60)
    assert figures(some_day) == by_hand(some_day)
    # Counted again from scratch (after a bulk load), the totals are the same.
    before, shown = usage.kept(), figures(clock.today())
    db.session.execute(db.delete(LoanTotal))
    assert figures(clock.today()) == shown  # not counted yet (a bulk load): counted on the spot
    assert usage.rebuild() == before and usage.kept() == before
