"""The workshop's and the fund's year in the demo: inspections as they fall due, repairs paid
from the fund (one above the limit, approved by the supervisor), cash gifts month by month,
purchases and gifts in kind. Generators for demo.history.replay, like the requests' stories."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from demo.catalog import BRANDS, SHELVES
from demo.history import inspect, when
from devices import services as devices
from devices.models import Condition, DeviceStatus
from fund.models import PaymentMethod, Purpose
from fund.services import donations, spending
from maintenance.models import WorkKind, WorkStatus
from maintenance.services import cost_approval, orders, preventive

# (days after the history's start, type, part, cost in satang, days the repair took)
REPAIRS = [(35, "WC", "ผ้าเบรกล้อหลัง (คู่)", 250_00, 3), (96, "CMD", "ล้อพร้อมตัวล็อก (ชุด 4 ล้อ)", 480_00, 6),
           (150, "WC", "ยางนอกล้อหลัง 24 นิ้ว", 320_00, 5), (205, "BED", "ชุดเฟืองมือหมุนและเพลาปรับระดับ", 5_650_00, 9),
           (240, "WLK", "ยางหุ้มปลายขา (ชุด 4 ชิ้น)", 120_00, 2), (290, "WC", "เบาะนั่งหนังเทียม", 450_00, 7),
           (330, "AIR", "ปั๊มลมที่นอน (เปลี่ยนมอเตอร์)", 1_150_00, 4), (390, "WC", "ล้อหน้า (caster) คู่", 380_00, 3)]
# Cash gifts in the history: (donor, fund, baht, days after the history's start)
CASH = [(0, "GENERAL", 50000, 12), (0, "BEDS", 40000, 32), (1, "GENERAL", 15000, 60), (3, "GENERAL", 5000, 75),
        (2, "GENERAL", 8500, 110), (4, "GENERAL", 30000, 140), (3, "REPAIRS", 6000, 165), (1, "GENERAL", 10000, 200),
        (2, "GENERAL", 4500, 230), (4, "BEDS", 25000, 262), (0, "GENERAL", 20000, 300), (3, "REPAIRS", 3000, 330),
        (1, "GENERAL", 12000, 352), (2, "GENERAL", 6000, 380), (0, "GENERAL", 25000, 400)]
# Bought during the history: (days after its start, type, how many, baht each)
BOUGHT = [(150, "BED", 2, 12900), (215, "CMD", 2, 1290)]
# Given in kind during the history: (days after its start, donor, type, value stated or None)
GIVEN = [(120, 2, "WLK", 500), (275, 4, "WC", None)]


def workshop(users, start: dt.date, today: dt.date) -> Iterator[tuple[dt.date, int]]:
    """Every six weeks the due inspections (a few left for the coming weeks); repairs on their days."""
    rng = random.Random(2571)
    tech = users["maintenance"]
    events = sorted([(start - dt.timedelta(days=118 - 42 * n), "round", None)
                     for n in range((today - start).days // 42 + 3)]
                    + [(start + dt.timedelta(days=days), "repair", repair) for days, *repair in REPAIRS],
                    key=lambda event: event[:2])
    for day, kind, repair in events:
        if day >= today:
            break
        yield when(day, 9, today)
        if kind == "repair":
            yield from _repair(users, *repair, day=day, today=today)
            continue
        last = day + dt.timedelta(days=42) >= today
        for due in preventive.service_due().items:
            at_hand = due.device.status == DeviceStatus.AVAILABLE or (last and due.device.status == DeviceStatus.ON_LOAN
                                                                       and rng.random() < 0.9)
            if at_hand and not (last and rng.random() < 0.12):
                inspect(due.device, tech)


def _repair(users, code, part, cost, took, *, day, today) -> Iterator[tuple[dt.date, int]]:
    """A device found worn on the shelf: repaired over a few days, paid from the fund."""
    device = devices.first_available_of(code)
    if device is None or day + dt.timedelta(days=took + 1) >= today:
        return
    tech = users["maintenance"]
    order = orders.open_order(device, WorkKind.REPAIR, by=users["staff"], description=part)
    orders.start(order, by=tech)
    yield when(day + dt.timedelta(days=took), 15, today)
    orders.add_part(order, part, 1, cost, by=tech)
    order = orders.complete(order, {}, by=tech, labour_hours=1, labour_rate_satang=150_00, condition=Condition.GOOD)
    if order.status == WorkStatus.COST_APPROVAL:
        yield when(day + dt.timedelta(days=took + 1), 10, today)
        cost_approval.approve(order, "ราคาชุดเฟืองจากร้านเวชภัณฑ์ 3 ร้าน เลือกร้านที่ถูกที่สุด", by=users["supervisor"])


def fund(users, givers, start: dt.date, today: dt.date) -> Iterator[tuple[dt.date, int]]:
    """Cash gifts, purchases and gifts in kind, each on its day."""
    rng = random.Random(2572)
    treasurer = users["treasurer"]
    events = sorted([(days, "cash", gift) for *gift, days in CASH] + [(days, "buy", buy) for days, *buy in BOUGHT]
                    + [(days, "kind", gift) for days, *gift in GIVEN])
    for days, kind, what in events:
        day = start + dt.timedelta(days=days)
        if day >= today:
            break
        yield when(day, 10, today)
        if kind == "cash":
            donor, fund_code, baht = what
            donations.donate_cash(givers[donor], baht * 100, fund_code, rng.choice(list(PaymentMethod)),
                                  by=treasurer, received_on=day)
        elif kind == "buy":
            code, count, baht = what
            brand, model = rng.choice(BRANDS[code])
            first = rng.randint(100000, 900000)
            spending.spend(Purpose.PURCHASE, baht * 100 * count, by=treasurer, device_type=devices.get_type(code),
                           spent_on=day, description=f"ร้านเวชภัณฑ์ชลบุรี ใบกำกับภาษีเลขที่ {rng.randint(1000, 9999)}",
                           devices_bought=[{"brand": brand, "model": model, "serial": f"{brand[:2].upper()}{first + n}",
                                            "location": SHELVES[1]} for n in range(count)])
        else:
            donor, code, baht = what
            brand, model = rng.choice(BRANDS[code])
            donations.donate_in_kind(givers[donor], [{
                "type": code, "brand": brand, "model": model,
                "serial": f"{brand[:2].upper()}{rng.randint(10**5, 10**6)}",
                "value_satang": baht * 100 if baht else None, "location": SHELVES[0]}], by=treasurer, received_on=day)
