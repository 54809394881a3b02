"""``flask demo-data``: a living Thai data set made through the real services.

Everything goes through the same lifecycle functions staff use, so the demo shows a real
pipeline: requests in every state, open and closed loans, follow-up visits with ADL
histories, pickups, a waitlist, devices waiting for cleaning. Dates are then moved back
so that the lists look like a few months of work.
"""
from __future__ import annotations

import datetime as dt
import itertools
import random

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from core import clock
from core.db import db
from core.users import User, create_user
from demo.catalog import (BRANDS, CAREGIVERS, CLEANING, DEMO_PASSWORD, DONORS, FEMALE, INSPECTION, MALE, REASONS,
                          ROADS, SERVICE_LOANS, SHELVES, SURNAMES, TYPES, USERS)
from devices import services as devices
from devices.models import Acquisition, Condition, DeviceStatus, ReportKind
from fund.models import Fund, PaymentMethod, Purpose
from fund.services import donations, ledger, spending
from maintenance.services import orders, retirement
from maintenance.models import RetirementKind, WorkKind, WorkOrder
from lending.models import Channel, DependencyGroup, LendingRequest, Outcome, ReferralStatus, Urgency
from lending.services import care, loans, people, pipeline, worklist
from lending.services import waitlist as queue

# (type, final state, days since the request came in)
SCENARIOS = (
    [("WC", "delivered", d) for d in (150, 120, 95, 70, 45, 20, 9)]
    + [("BED", "delivered", d) for d in (160, 130, 100, 80, 60, 40, 25, 12)] + [("BED+AIR", "delivered", 33)]
    + [("AIR", "delivered", d) for d in (110, 75, 50, 30, 8)]
    + [("WLK", "delivered", d) for d in (90, 35, 6)] + [("CMD", "delivered", d) for d in (85, 15)]
    + [("CRT", "delivered", 28), ("CNE", "delivered", 18)]
    + [("WC", "closed", 200), ("WC", "closed", 140), ("AIR", "closed", 170), ("WLK", "closed", 120)]
    + [("WC", "reserved", 7), ("BED", "reserved", 6), ("BED", "approved", 5)]
    + [("BED", "waitlisted", d) for d in (14, 10, 4)]
    + [("WC", "assessed", 5), ("CMD", "assessed", 3), ("WLK", "assessment_scheduled", 3),
       ("WC", "assessment_scheduled", 2), ("WC", "submitted", 1), ("AIR", "submitted", 1), ("CNE", "submitted", 0),
       ("WC", "rejected", 40), ("CRT", "cancelled", 30)]
)
STEPS = ["submitted", "assessment_scheduled", "assessed", "approved", "reserved", "delivered", "closed"]


def national_id(rng: random.Random) -> str:
    digits = str(rng.choice((1, 3))) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits))
    return digits + str((11 - total % 11) % 10)


def make_person(rng: random.Random, staff: User, index: int):
    female = index % 3 != 0
    relation, carer = rng.choice(CAREGIVERS)
    surname = rng.choice(SURNAMES)
    data = {
        "title": "นาง" if female else "นาย", "first_name": rng.choice(FEMALE if female else MALE),
        "last_name": surname, "national_id": national_id(rng),
        "birth_date": dt.date(rng.randint(1930, 1965), rng.randint(1, 12), rng.randint(1, 28)),
        "phone": f"08{rng.randint(1, 9)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "house_no": f"{rng.randint(1, 250)}/{rng.randint(1, 30)}", "moo": str(rng.randint(1, 10)),
        "road": rng.choice(ROADS), "tambon": "บ้านสวน", "amphoe": "เมืองชลบุรี", "changwat": "ชลบุรี",
        "postcode": "20000", "caregiver_name": f"{carer} {surname}", "caregiver_relation": relation,
        "caregiver_phone": f"09{rng.randint(1, 9)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "disability_types": ["physical"] if rng.random() < 0.7 else ["physical", "visual"],
    }
    # Their own generator, so that the rest of the demo stays as it was.
    more = random.Random(2572 + index)
    if more.random() < 0.87:  # the seed report: 86.5% live with a chronic disease
        data["chronic_conditions"] = more.sample(CHRONIC, more.choice((1, 1, 2, 3)))
    if more.random() < 0.5:
        data.update(disability_card_no=f"{more.randint(10**12, 10**13 - 1)}", disability_card_type="physical",
                    disability_card_expires_on=dt.date(2026 + more.randint(-1, 5), more.randint(1, 12), 1))
    return people.create_person(data, {"given_by": data["caregiver_name"], "relation": relation}, by=staff)


def adl_items(rng: random.Random, level: int) -> list[int]:
    """Ten Barthel scores around a level (0 bed-bound .. 2 social-bound)."""
    maxima = (2, 1, 3, 2, 3, 2, 2, 1, 2, 2)
    return [min(m, max(0, round(m * (level / 2) + rng.choice((-1, 0, 0, 1))))) for m in maxima]


def _when(day: dt.date, hour: int, today: dt.date) -> dt.datetime:
    """A moment of the demo's history: ``hour`` on ``day``, never later than now."""
    return min(clock.at(min(day, today), hour), clock.now() - dt.timedelta(minutes=1))


CHRONIC = ["hypertension", "diabetes", "stroke", "heart_disease", "kidney_disease", "dementia", "lung_disease"]


def run_scenario(rng, users, person, type_code, final, days_ago, today):
    """One request, each step done on its own day of the past (clock.replaying), so that its
    stamps, audit times and waiting times agree as they would at a real center."""
    staff, assessor, supervisor = (users[k] for k in ("staff", "assessor", "supervisor"))
    asked = [devices.get_type(code) for code in type_code.split("+")]   # "BED+AIR": a bed and an air mattress
    came_in = today - dt.timedelta(days=days_ago)

    def on(days_after: int, hour: int):
        return clock.replaying(_when(came_in + dt.timedelta(days=days_after), hour, today))

    with on(0, 9):
        req = pipeline.submit(person, asked, {
            "channel": rng.choice(list(Channel)),
            "urgency": rng.choice([Urgency.NORMAL] * 3 + [Urgency.HIGH, Urgency.URGENT]),
            "requested_by_name": person.caregiver_name, "requested_by_relation": person.caregiver_relation,
            "reason": rng.choice(REASONS)}, by=staff)
    if final == "cancelled":
        with on(1, 10):
            pipeline.cancel(req, "ญาติจัดหาอุปกรณ์เองแล้ว", by=staff)
        return
    reach = STEPS.index(final) if final in STEPS else STEPS.index("assessed")
    if reach >= 1:
        with on(0, 11):
            pipeline.schedule_assessment(req, came_in + dt.timedelta(days=2) if reach > 1 else
                                         today + dt.timedelta(days=2), assessor, by=staff)
    if reach < 2:
        return
    level = rng.choice((0, 0, 1, 1, 2)) if asked[0].code in ("BED", "AIR") else rng.choice((1, 1, 2))
    with on(2, 14):
        pipeline.record_assessment(req, {"adl_items": adl_items(rng, level), "suitable": True,
                                         "doorway_width_cm": rng.choice((70, 75, 80, 90)),
                                         "notes": "บ้านชั้นเดียว พื้นกระเบื้อง"}, by=assessor)
    if final == "assessed":
        return
    with on(3, 10):
        if final == "rejected":
            pipeline.decide(req, False, "ครอบครัวมีรถเข็นอยู่แล้ว แนะนำซ่อมคันเดิม", by=supervisor)
            return
        pipeline.decide(req, True, "", by=supervisor)
    if final in ("approved", "waitlisted"):
        return
    with on(3, 15):
        for item in req.items:
            queue.reserve(req, by=staff, item=item)
    if final == "reserved":
        return
    where = random.Random(person.id)  # the phone's location at the door, around Ban Suan
    latitude, longitude = round(13.355 + where.uniform(-0.02, 0.02), 6), round(100.975 + where.uniform(-0.02, 0.02), 6)
    with on(4, 10):
        lent = [loans.deliver(req, item.device, instructions=list(item.device.type.instructions),
                              acknowledged_by=person.caregiver_name, acknowledged_relation=person.caregiver_relation,
                              by=staff, latitude=latitude, longitude=longitude)
                for item in list(req.items)]
    delivered_on = came_in + dt.timedelta(days=4)
    loan, device_type = lent[0], lent[0].device.type
    visit_on = delivered_on + dt.timedelta(days=rng.randint(4, 7))
    trend = level
    while visit_on < today - dt.timedelta(days=3) and loan.pickup_requested_on is None:
        trend = min(2, trend + rng.choice((0, 0, 1))) if rng.random() < 0.8 else max(0, trend - 1)
        outcome = Outcome.IMPROVED if trend > level else Outcome.STABLE if trend == level else Outcome.WORSE
        if final == "delivered" and days_ago in (130, 75) and visit_on > today - dt.timedelta(days=40):
            outcome = Outcome.DIED if days_ago == 130 else Outcome.NO_LONGER_NEEDED
        scores, visitor = adl_items(rng, trend), rng.choice((assessor, users["volunteer"]))
        with clock.replaying(_when(visit_on, 13, today)):
            for each in lent:  # one visit sees every device at the home
                loans.record_follow_up(each, {"in_use": outcome not in (Outcome.DIED,), "condition": Condition.GOOD,
                                              "adl_items": scores, "outcome": outcome, "visited_on": visit_on},
                                       by=visitor)
        visit_on += dt.timedelta(days=device_type.follow_up_interval_days + rng.randint(-3, 5))
    if final == "closed":
        with clock.replaying(_when(today - dt.timedelta(days=days_ago // 3), 11, today)):
            for each in lent:
                loans.receive_return(each, rng.choice((Condition.GOOD, Condition.FAIR)), "รับคืนจากบ้านผู้ยืม",
                                     by=staff)


def load_demo_data(today: dt.date | None = None) -> dict[str, str]:
    """Create the demo users, device types, devices, people and a living pipeline."""
    rng = random.Random(2569)
    today = today or clock.today()
    # The published password, which the policy refuses everywhere else (core.passwords).
    users = {name: create_user(name, DEMO_PASSWORD, roles, display_name=display, enforce_policy=False)
             for name, display, roles in USERS}
    admin = users["admin"]
    givers = _fund_demo(users, today)
    for code, th, en, price, interval, life, _count, instructions in TYPES:
        device_type = devices.create_type(
            {"code": code, "name_th": th, "name_en": en, "reference_price_satang": price * 100,
             "reference_price_date": today.replace(day=1), "service_interval_days": interval,
             "service_interval_loans": SERVICE_LOANS.get(code),
             "reference_price_source": "ราคาขายปลีกร้านเวชภัณฑ์ จ.ชลบุรี", "expected_life_years": life,
             "instructions": instructions, "cleaning_steps": CLEANING, "contact_time_minutes": 10,
             "inspection_items": INSPECTION.get(code, [])}, by=admin)
        if code == "BED":
            db.session.add(Fund(code="BEDS", name_th="กองทุนเตียงผู้ป่วย", name_en="Hospital beds fund",
                                restricted=True, device_type_id=device_type.id))
            db.session.flush()
    _cash_gifts(users, givers, today)
    for code, _th, _en, price, _interval, _life, count, _instructions in TYPES:
        _stock(rng, users, givers, devices.get_type(code), price, count, today)
    # Inspected within their interval (most of them): a device overdue is not lent (devices.holds).
    _past_inspections(users, today)
    folks = [make_person(rng, users["staff"], i) for i in range(42)]
    # Oldest first; the waitlisted last, so that the beds are all out by the time they ask.
    alive = itertools.cycle(folks)
    for type_code, final, days_ago in sorted(SCENARIOS, key=lambda s: (s[1] == "waitlisted", -s[2])):
        person = next(p for p in alive if not p.is_deceased)
        run_scenario(rng, users, person, type_code, final, days_ago, today)
    _finish_devices(users, today)
    _care(users, folks)
    return {name: DEMO_PASSWORD for name in users}


def _care(users, folks) -> None:
    """The volunteer's zones, care plans of the bed-bound, and a referral for hardship."""
    worklist.set_zones(users["volunteer"], [("บ้านสวน", str(moo)) for moo in range(1, 6)], by=users["supervisor"])
    bed_bound = [p for p in folks if not p.is_deceased and p.id in {
        req.person_id for req in db.session.scalars(select(LendingRequest).where(
            LendingRequest.dependency_group == DependencyGroup.BED_BOUND))}]
    for index, person in enumerate(bed_bound[:6]):
        needs = [{"task": "turning", "done_by": "family", "how_often": "ทุก 2 ชั่วโมง"},
                 {"task": "blood_pressure", "done_by": "volunteer", "how_often": "สัปดาห์ละครั้ง"},
                 {"task": "physiotherapy", "done_by": "volunteer", "how_often": "สัปดาห์ละ 2 ครั้ง"}]
        if index % 3 == 0:
            needs.append({"task": "feeding_tube", "done_by": "nurse", "how_often": "ทุกเดือน"})
        if "diabetes" in person.chronic_conditions:
            needs.append({"task": "blood_sugar", "done_by": "volunteer", "how_often": "สัปดาห์ละครั้ง"})
        care.set_care_plan(person, needs, by=users["assessor"])
    if bed_bound:
        referral = care.refer(bed_bound[0], "ผู้ดูแลตกงาน รายได้ไม่พอค่าผ้าอ้อมและอาหารทางสายยาง", by=users["staff"])
        care.update_referral(referral, ReferralStatus.IN_PROGRESS, "", version=referral.version, by=users["staff"])


def _fund_demo(users, today) -> list:
    """Funds, donors and their cash gifts; the BEDS fund is made with its device type."""
    treasurer = users["treasurer"]
    ledger.ensure_chart()
    db.session.add(Fund(code="REPAIRS", name_th="กองทุนซ่อมบำรุง", name_en="Repairs fund", restricted=True,
                        purpose=Purpose.REPAIR))
    givers = []
    for name, kind, tax_id, named, _gifts in DONORS:
        givers.append(donations.create_donor({"name": name, "kind": kind, "tax_id": tax_id, "may_be_named": named},
                                             by=treasurer))
    givers[0].user = users["donor"]
    return givers


def _cash_gifts(users, givers, today) -> None:
    for donor, (_name, _kind, _tax, _named, gifts) in zip(givers, DONORS, strict=True):
        for fund_code, baht, days_ago in gifts:
            donations.donate_cash(donor, baht * 100, fund_code, PaymentMethod.TRANSFER, by=users["treasurer"],
                                  received_on=today - dt.timedelta(days=days_ago))


def _stock(rng, users, givers, device_type, price, count, today) -> None:
    """A third of each type bought from the fund, the rest given in kind by the donors.

    A purchase lists each device (one brand and model from the supplier, its own serial, a
    shelf); some donors state what their used devices are worth, the other gifts are valued at
    the type's reference new price. The values come from their own generator, so the rest of
    the demo stays as it was.
    """
    bought = count // 3
    brand, model = rng.choice(BRANDS[device_type.code])
    worth = random.Random(f"{device_type.code}-{count}")
    if bought:
        spent_on = today - dt.timedelta(days=rng.randint(200, 360))
        invoice = "ร้านเวชภัณฑ์ชลบุรี ใบกำกับภาษีเลขที่ " + str(rng.randint(1000, 9999))
        shelf = rng.choice(SHELVES)
        first = worth.randint(100000, 900000)
        spending.spend(Purpose.PURCHASE, price * 100 * bought, by=users["treasurer"], device_type=device_type,
                       spent_on=spent_on, description=invoice, devices_bought=[
                           {"brand": brand, "model": model, "serial": f"{brand[:2].upper()}{first + n}",
                            "location": shelf} for n in range(bought)])
    items = []
    for _ in range(count - bought):
        brand, model = rng.choice(BRANDS[device_type.code])
        # Used devices: 40-75% of the new price (baht × percent = satang), or no value stated.
        stated = price * worth.choice((40, 50, 60, 75)) if worth.random() < 0.5 else None
        items.append({"type": device_type.code, "brand": brand, "model": model,
                      "serial": f"{brand[:2].upper()}{rng.randint(100000, 999999)}", "value_satang": stated,
                      "location": SHELVES[0]})
    donations.donate_in_kind(rng.choice(givers), items, by=users["treasurer"],
                             received_on=today - dt.timedelta(days=rng.randint(150, 900)))


def _finish_devices(users, today) -> None:
    admin = users["admin"]
    # Two returned devices were cleaned and are back in stock; the others wait for cleaning.
    returned = list(db.session.scalars(select(devices.Device).where(devices.Device.status == DeviceStatus.RETURNED)
                                       .order_by(devices.Device.tag)))
    for device in returned[:2]:
        for order in orders.open_orders(device):
            orders.start(order, by=users["maintenance"])
            orders.complete(order, {item: "pass" for item in orders.checklist_for(order)},
                            by=users["maintenance"])
    workshop = devices.first_available_of("WC")
    repair = orders.open_order(workshop, WorkKind.REPAIR, by=users["staff"], description="ยางล้อหลังรั่ว รอเปลี่ยนยางใน")
    orders.start(repair, by=users["maintenance"])
    orders.add_part(repair, "ยางในล้อหลัง 24 นิ้ว", 1, 18_000, by=users["maintenance"])
    # Out of service only through a request a supervisor approved.
    for code, kind, note in (("WC", RetirementKind.RETIRE, "โครงหัก ซ่อมไม่คุ้มค่า"),
                             ("AIR", RetirementKind.LOST, "ผู้ยืมย้ายออกนอกพื้นที่ ติดต่อไม่ได้")):
        device = devices.register_device(devices.get_type(code), {
            "condition": Condition.UNUSABLE if kind == RetirementKind.RETIRE else Condition.FAIR,
            "acquisition": Acquisition.DONATION, "acquired_on": today - dt.timedelta(days=2000)}, by=admin)
        asked = retirement.request_retirement(device, kind, note, by=users["staff"])
        retirement.decide(asked, True, "ตรวจสอบแล้ว", by=users["supervisor"])
    # A bed whose crank gearbox costs most of a new bed: the technician asks to retire it.
    bed = devices.first_available_of("BED")
    repair = orders.open_order(bed, WorkKind.REPAIR, by=users["staff"], description="ชุดเฟืองมือหมุนหัวเตียงแตก")
    retirement.set_estimate(repair, 9_200_00, by=users["maintenance"])
    retirement.request_retirement(bed, RetirementKind.RETIRE, "ค่าซ่อมชุดเฟืองประมาณ 9,200 บาท เกิน 60% ของราคาเตียงใหม่",
                                  by=users["maintenance"], work_order=repair)
    _past_repairs(users, today)
    wheelchair = devices.first_available_of("WC")
    devices.report_problem(wheelchair, ReportKind.PROBLEM, "เบรกล้อซ้ายไม่ค่อยอยู่ครับ", "ลูกชายผู้ป่วย")


def _past_inspections(users, today) -> None:
    """Past inspections, so that the due list holds a few devices rather than all of them."""
    rng = random.Random(2570)
    tech = users["maintenance"]
    served = [d for d in db.session.scalars(select(devices.Device).where(
        devices.Device.status.in_((DeviceStatus.AVAILABLE, DeviceStatus.ON_LOAN))).order_by(devices.Device.tag))
        if d.type.service_interval_days]
    for index, device in enumerate(served):
        if index % 9 == 4:
            continue  # never inspected: due by days since it came
        order = orders.open_order(device, WorkKind.PREVENTIVE, by=tech, source="schedule")
        orders.start(order, by=tech)
        orders.complete(order, {item: "pass" for item in orders.checklist_for(order)}, by=tech)
        done = dt.datetime.combine(today, dt.time(3), tzinfo=dt.UTC) - dt.timedelta(
            days=rng.randint(5, device.type.service_interval_days - 5))
        order.opened_at = order.started_at = done - dt.timedelta(hours=2)
        order.finished_at = done
        order.ready_at = done if order.ready_at else None


def _past_repairs(users, today) -> None:
    """Past repairs paid from the fund, and returns that took a few days to clean and check."""
    rng = random.Random(2571)
    tech = users["maintenance"]
    for code, part, cost, days_ago, took in (("WC", "ผ้าเบรกล้อหลัง (คู่)", 250_00, 240, 3),
                                             ("WC", "ยางนอกล้อหลัง 24 นิ้ว", 320_00, 130, 5),
                                             ("WC", "เบาะนั่งหนังเทียม", 450_00, 60, 7),
                                             ("CMD", "ล้อพร้อมตัวล็อก (ชุด 4 ล้อ)", 480_00, 200, 6),
                                             ("WLK", "ยางหุ้มปลายขา (ชุด 4 ชิ้น)", 120_00, 90, 2)):
        device = devices.first_available_of(code)
        if device is None:
            continue
        order = orders.open_order(device, WorkKind.REPAIR, by=users["staff"], description=part)
        orders.start(order, by=tech)
        orders.add_part(order, part, 1, cost, by=tech)
        orders.complete(order, {}, by=tech, labour_hours=1, labour_rate_satang=150_00, condition=Condition.GOOD)
        _backdate_order(order, today - dt.timedelta(days=days_ago), took)
    for order in db.session.scalars(select(WorkOrder).where(WorkOrder.source == "return",
                                                            WorkOrder.ready_at.is_not(None))):
        _backdate_order(order, today - dt.timedelta(days=rng.randint(8, 40)), rng.choice((1, 2, 2, 3, 4)))


def _backdate_order(order, opened_on: dt.date, took_days: int) -> None:
    opened = dt.datetime.combine(opened_on, dt.time(2), tzinfo=dt.UTC)
    order.opened_at = order.started_at = opened
    order.finished_at = order.ready_at = opened + dt.timedelta(days=took_days)


def working_demo_logins() -> list[tuple[str, list]]:
    """The demo users whose password is still the demo one: none on a database that the demo
    loader did not make (the password policy refuses it on any other account)."""
    users = {user.username: user for user in db.session.scalars(
        select(User).where(User.username.in_([name for name, _display, _roles in USERS])))}
    return [(name, roles) for name, _display, roles in USERS
            if name in users and users[name].active and users[name].check_password(DEMO_PASSWORD)]


def print_logins() -> None:
    logins = working_demo_logins()
    if not logins:
        return
    click.echo("Demo logins (username / password):")
    for name, roles in logins:
        click.echo(f"  {name:12} / {DEMO_PASSWORD}   ({', '.join(r.value for r in roles)})")


@click.command("demo-data")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def demo_data(if_empty):
    """Load the demo data set: Thai device types, about 60 devices, people and their requests and loans."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("Data already present; demo data not loaded again.")
            print_logins()
            return
        raise click.ClickException("the database already has users; demo data goes into an empty database")
    load_demo_data()
    db.session.commit()
    click.echo("Demo data loaded.")
    print_logins()


def register(app: Flask) -> None:
    app.cli.add_command(demo_data)
