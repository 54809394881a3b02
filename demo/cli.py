"""``flask demo-data``: a living Thai data set made through the real services.

Everything goes through the same lifecycle functions staff use, so the demo shows a real
pipeline: requests in every state, open and closed loans, follow-up visits with ADL
histories, deaths and recoveries, pickups, devices cleaned and lent again, repairs, gifts and
purchases. The history is replayed day by day (demo/history.py) over the whole fiscal year
before the current one and the current one so far, so that the reports read a complete year.
"""
from __future__ import annotations

import datetime as dt
import random

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from core import clock
from core.db import db
from core.users import User, create_user
from demo import history, rounds, scenarios
from demo.catalog import (BRANDS, CAREGIVERS, CLEANING, DEMO_PASSWORD, DONORS, FEMALE, INSPECTION, MALE, ROADS,
                          SERVICE_LOANS, SHELVES, SURNAMES, TYPES, USERS)
from devices import services as devices
from devices.models import Acquisition, Condition, Device, DeviceStatus, DeviceType, ReportKind
from fund.models import Fund, PaymentMethod, Purpose
from fund.services import donations, ledger, spending
from maintenance.services import orders, retirement
from maintenance.models import RetirementKind, WorkKind
from lending.models import DependencyGroup, LendingRequest, Person, ReferralStatus
from lending.services import care, people, worklist


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
        "birth_date": dt.date(rng.randint(1968, 1998) if rng.random() < 0.25 else rng.randint(1930, 1964),
                              rng.randint(1, 12), rng.randint(1, 28)),
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


CHRONIC = ["hypertension", "diabetes", "stroke", "heart_disease", "kidney_disease", "dementia", "lung_disease"]


def load_demo_data(today: dt.date | None = None) -> dict[str, str]:
    """Create the demo users, device types, devices, and a year and two months of the center's
    work (demo/scenarios.py, replayed in order by demo/history.py)."""
    rng = random.Random(2569)
    today = today or clock.today()
    start = scenarios.history_start(today)
    with clock.replaying(clock.at(start - dt.timedelta(days=125), 9)):
        # The published password, which the policy refuses everywhere else (core.passwords).
        users = {name: create_user(name, DEMO_PASSWORD, roles, display_name=display, enforce_policy=False)
                 for name, display, roles in USERS}
        givers = _setup(rng, users, start)
    stories = scenarios.plan(today)

    def person_maker(index: int):
        return lambda: make_person(random.Random(3000 + index), users["staff"], index)

    history.replay([history.request_story(story, person_maker(n), users, today, random.Random(f"story-{n}"))
                    for n, story in enumerate(stories)]
                   + [rounds.workshop(users, start, today), rounds.fund(users, givers, start, today)])
    _finish_devices(users, today)
    _care(users, list(db.session.scalars(select(Person).order_by(Person.id))))
    return {name: DEMO_PASSWORD for name in users}


def _setup(rng, users, start: dt.date) -> list:
    """Device types and the stock a center has when the history begins."""
    admin = users["admin"]
    givers = _fund_demo(users)
    for code, th, en, price, interval, life, _count, instructions in TYPES:
        device_type = devices.create_type(
            {"code": code, "name_th": th, "name_en": en, "reference_price_satang": price * 100,
             "reference_price_date": clock.today().replace(day=1), "service_interval_days": interval,
             "service_interval_loans": SERVICE_LOANS.get(code),
             "reference_price_source": "ราคาขายปลีกร้านเวชภัณฑ์ จ.ชลบุรี", "expected_life_years": life,
             "instructions": instructions, "cleaning_steps": CLEANING, "contact_time_minutes": 10,
             "inspection_items": INSPECTION.get(code, [])}, by=admin)
        if code == "BED":
            db.session.add(Fund(code="BEDS", name_th="กองทุนเตียงผู้ป่วย", name_en="Hospital beds fund",
                                restricted=True, device_type_id=device_type.id))
            db.session.flush()
    _cash_gifts(users, givers, start)
    for code, _th, _en, price, _interval, _life, count, _instructions in TYPES:
        _stock(rng, users, givers, devices.get_type(code), price, count, start)
    return givers


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


def _fund_demo(users) -> list:
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


def _cash_gifts(users, givers, start) -> None:
    """The gifts before the history begins (the later ones: demo/rounds.py)."""
    for donor, (_name, _kind, _tax, _named, gifts) in zip(givers, DONORS, strict=True):
        for fund_code, baht, days_before in gifts:
            donations.donate_cash(donor, baht * 100, fund_code, PaymentMethod.TRANSFER, by=users["treasurer"],
                                  received_on=start - dt.timedelta(days=days_before))


def _stock(rng, users, givers, device_type, price, count, start) -> None:
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
        spent_on = start - dt.timedelta(days=rng.randint(130, 320))
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
                             received_on=start - dt.timedelta(days=rng.randint(130, 900)))


def _finish_devices(users, today) -> None:
    admin = users["admin"]
    workshop = next(filter(None, map(devices.first_available_of, ("WC", "CMD", "WLK"))))
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
    if bed is not None:
        repair = orders.open_order(bed, WorkKind.REPAIR, by=users["staff"], description="ชุดเฟืองมือหมุนหัวเตียงแตก")
        retirement.set_estimate(repair, 9_200_00, by=users["maintenance"])
        retirement.request_retirement(bed, RetirementKind.RETIRE, "ค่าซ่อมชุดเฟืองประมาณ 9,200 บาท เกิน 60% ของราคาเตียงใหม่",
                                      by=users["maintenance"], work_order=repair)
    # Reported from the scan page by a borrower's son: held back from lending until it is looked at.
    wheelchair = next(filter(None, map(devices.first_available_of, ("WC", "WLK", "CMD"))), None) or db.session.scalar(
        select(Device).join(Device.type).where(DeviceType.code == "WC", Device.status == DeviceStatus.ON_LOAN)
        .order_by(Device.tag).limit(1))
    devices.report_problem(wheelchair, ReportKind.PROBLEM, "เบรกล้อซ้ายไม่ค่อยอยู่ครับ", "ลูกชายผู้ป่วย")


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
