"""The maintained summaries (maintenance/services/service_states.py and upkeep_states.py) stay
what a rebuild from scratch gives, through every step of a device's life, on both databases; and
the due list, the lendable stock and the upkeep figures read from them are the ones worked out
from each device's history."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core import clock
from core.db import db
from devices import services as devices
from devices import holds
from devices.models import Condition, Device, DeviceStatus
from fixtures.core import at_bangkok, both_databases
from fixtures.devices import new_type
from fixtures.lending import lend
from fixtures.maintenance import ITEMS, STEPS, clean, passing
from fund.models import PaymentMethod
from fund.services import donations, ledger
from lending.services import loans
from maintenance.models import RetirementKind, ServiceState, UpkeepState, UpkeepTurnaround, WorkKind
from maintenance.services import figures, orders, preventive, retirement, service_states, upkeep_states

UPKEEP = ("device_id", "type_id", "start_s", "end_s", "down_fixed_s", "open_since_s", "repairs", "cost_satang")
COLUMNS = ("device_id", "type_id", "tag", "served", "last_service_at", "loans_since", "due_at", "due_by_loans",
           "due_from", "inspection_failed")


@pytest.fixture
def actors(actors):
    new_type(cleaning_steps=STEPS, inspection_items=ITEMS, reference_price_satang=350_000,
             service_interval_days=90, service_interval_loans=2)
    new_type("BED", "เตียง", "Bed", cleaning_steps=STEPS, inspection_items=ITEMS, service_interval_loans=1)
    db.session.commit()
    return actors


def maintained() -> list[tuple]:
    return sorted(tuple(getattr(row, c) for c in COLUMNS) for row in db.session.scalars(select(ServiceState)))


def rebuilt() -> list[tuple]:
    return sorted(tuple(row[c] for c in COLUMNS) for row in service_states.compute(db.session.connection()))


def upkeep_maintained() -> tuple[list, list]:
    states = sorted(tuple(getattr(row, c) for c in UPKEEP) for row in db.session.scalars(select(UpkeepState)))
    turned = sorted((row.work_order_id, row.device_id, row.type_id, row.days)
                    for row in db.session.scalars(select(UpkeepTurnaround)))
    return states, turned


def upkeep_rebuilt() -> tuple[list, list]:
    states, turned = upkeep_states.compute(db.session.connection())
    return (sorted(tuple(row[c] for c in UPKEEP) for row in states),
            sorted((row["work_order_id"], row["device_id"], row["type_id"], row["days"]) for row in turned))


def same_figures(summed: list[dict], counted: list[dict]) -> bool:
    for a, b in zip(summed, counted, strict=True):
        for key, value in a.items():
            if isinstance(value, float) or isinstance(b[key], float):
                if value is None or b[key] is None or abs(value - b[key]) > 0.11:
                    return value == b[key]
            elif value != b[key]:
                return False
    return True


def check() -> None:
    db.session.flush()
    assert maintained() == rebuilt()
    assert upkeep_maintained() == upkeep_rebuilt()
    assert same_figures(figures.type_figures(), figures.type_figures_from_history())
    every = list(db.session.scalars(select(Device)))
    by_history = preventive.service_due(devices=every)
    from_states = preventive.service_due()
    assert from_states.total == by_history.total == preventive.count_due()
    assert {d.device_id: (d.by_days, d.by_loans, d.loans_since, d.due_at) for d in from_states.items} == \
        {d.device_id: (d.by_days, d.by_loans, d.loans_since, d.due_at) for d in by_history.items}
    # The stock a supervisor sees, counted in SQL, is what the holds say one device at a time.
    in_stock = [d for d in every if d.status == DeviceStatus.AVAILABLE]
    blocking = holds.blocking_for(in_stock)
    one_by_one: dict[int, int] = {}
    for device in in_stock:
        if not blocking.get(device.id):
            one_by_one[device.type_id] = one_by_one.get(device.type_id, 0) + 1
    assert holds.lendable_counts() == one_by_one


def register(code: str, days_old: int) -> Device:
    return devices.register_device(devices.get_type(code), {"acquired_on": clock.today() - dt.timedelta(days=days_old)},
                                   by=None)


@both_databases
def test_the_maintained_states_match_a_rebuild_after_each_step(actors):
    staff, tech = actors["staff"], actors["maintenance"]
    ledger.ensure_chart()
    donor = donations.create_donor({"name": "ร้านใจดี"}, by=actors["treasurer"])
    donations.donate_cash(donor, 1_000_000, ledger.GENERAL_FUND, PaymentMethod.CASH, by=actors["treasurer"])
    with at_bangkok(2026, 1, 5, 9):
        old, fresh, bed = register("WC", 200), register("WC", 5), register("BED", 30)
        check()                                               # the old one due by days
        loan = lend(actors, fresh)
        check()
    with at_bangkok(2026, 1, 7, 9):
        loans.receive_return(loan, Condition.GOOD, by=staff)  # back: cleaning, not an inspection
        check()                                               # out of service since the return
    with at_bangkok(2026, 1, 9, 15):
        check()                                               # ... still, two and a half days on
        clean(actors, fresh)
        check()                                               # turned around
        lend(actors, fresh)                                   # the second loan since: due by loans
        check()
        lend(actors, bed)                                     # one loan is all a bed allows
        check()
    with at_bangkok(2026, 2, 20, 9):
        inspection = orders.open_order(old, WorkKind.PREVENTIVE, by=tech)
        check()
        orders.start(inspection, by=tech)
        orders.complete(inspection, passing(inspection), by=tech)
        check()                                               # inspected: not due any more
        wc = devices.get_type("WC")
        devices.update_type(wc, {"service_interval_days": 20}, version=wc.version, by=None)
        check()                                               # a shorter interval: due again
        spare = register("WC", 1)
        check()                                               # new, in stock and lendable
        inspection = orders.open_order(spare, WorkKind.INSPECTION, by=tech)
        orders.start(inspection, by=tech)
        orders.complete(inspection, {ITEMS[0]: "pass", ITEMS[1]: "fail"}, by=tech)
        check()                                               # failed: held until a repair is done
        [repair] = orders.open_orders(spare)
        orders.start(repair, by=tech)
        orders.add_part(repair, "ยางใน", 2, 15_000, by=tech)
        check()
        orders.complete(repair, passing(repair), by=tech, condition=Condition.GOOD, labour_hours=1.5,
                        labour_rate_satang=20_000)
        check()
        override = register("WC", 300)
        holds.override(override, "ญาติรับไปใช้ก่อน ตรวจภายหลัง", by=actors["supervisor"])
        check()                                               # due, but a supervisor lends it anyway
        request = retirement.request_retirement(old, RetirementKind.RETIRE, "โครงหัก", by=staff)
        retirement.decide(request, True, by=actors["supervisor"])
        check()                                               # out of service: off the list
        db.session.commit()
    assert service_states.rebuild(db.session.connection()) == 5
    assert upkeep_states.rebuild(db.session.connection()) == 5
    db.session.commit()
    assert maintained() == rebuilt() and upkeep_maintained() == upkeep_rebuilt()


def test_the_due_list_pages_from_the_states_longest_due_first(actors, app):
    with at_bangkok(2026, 1, 5, 9):
        found = [register("WC", 100 + n) for n in range(5)]
        db.session.commit()
        first = preventive.service_due(limit=2)
        second = preventive.service_due(offset=2, limit=2)
    assert first.total == second.total == 5
    assert [d.device.tag for d in first.items + second.items] == [d.tag for d in reversed(found)][:4]
