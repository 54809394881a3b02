"""``flask demo-data``: load the demo data set and print the logins."""
from __future__ import annotations

import datetime as dt
import random

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from core.db import db
from core.users import Role, User, create_user
from devices import services as device_services
from devices.models import Acquisition, Condition, DeviceStatus, ReportKind

DEMO_PASSWORD = "bansuan-demo"

USERS = [  # username, display name, roles
    ("admin", "ผู้ดูแลระบบ", [Role.ADMIN]),
    ("staff", "สมศรี ใจดี (เจ้าหน้าที่ศูนย์)", [Role.STAFF]),
    ("assessor", "พยาบาลวิไลวรรณ ศรีสุข", [Role.ASSESSOR]),
    ("supervisor", "นายประเสริฐ มั่นคง (ผอ.กองสวัสดิการสังคม)", [Role.SUPERVISOR]),
    ("maintenance", "ช่างสมชาย แก้วมณี", [Role.MAINTENANCE]),
    ("treasurer", "นางสาวจันทร์เพ็ญ ทองดี (เหรัญญิกกองทุน)", [Role.TREASURER]),
    ("donor", "บริษัท ชลบุรีค้าวัสดุ จำกัด", [Role.DONOR]),
]

# code, Thai, English, reference price (baht), service interval (days), life (years), count
TYPES = [
    ("WC", "รถเข็นวีลแชร์ (มาตรฐาน)", "Wheelchair (standard)", 3500, 180, 5, 18),
    ("BED", "เตียงผู้ป่วยปรับระดับ (มือหมุน)", "Hospital bed (manual crank)", 12900, 180, 8, 10),
    ("AIR", "ที่นอนลมป้องกันแผลกดทับ", "Anti-bedsore air mattress", 2900, 90, 3, 10),
    ("WLK", "โครงเหล็กช่วยเดิน (วอล์คเกอร์)", "Walking frame (walker)", 850, 365, 5, 8),
    ("CMD", "เก้าอี้นั่งถ่าย", "Commode chair", 1290, 365, 5, 6),
    ("CRT", "ไม้ค้ำยันรักแร้ (คู่)", "Axillary crutches (pair)", 650, 365, 5, 4),
    ("CNE", "ไม้เท้าสามขา", "Tripod walking cane", 390, 365, 5, 4),
]
BRANDS = {
    "WC": [("Yuwell", "H051"), ("FASCARE", "FS809"), ("Karma", "KM-2500")],
    "BED": [("Abloom", "M-2 มือหมุน 2 ไก"), ("Allwell", "HB-2C")],
    "AIR": [("Yuwell", "Anti-Decubitus 8-in"), ("Allwell", "APP-T01")],
    "WLK": [("Yuwell", "YU710"), ("FASCARE", "FS913L")],
    "CMD": [("Abloom", "CC-05"), ("FASCARE", "FS894L")],
    "CRT": [("Allwell", "AC-01")],
    "CNE": [("Yuwell", "YU850")],
}
LOCATIONS = ["คลังอุปกรณ์ ชั้นวาง A1", "คลังอุปกรณ์ ชั้นวาง A2", "คลังอุปกรณ์ ชั้นวาง B1",
             "ห้องล้างทำความสะอาด", "โต๊ะช่างซ่อม", "บ้านผู้ยืม หมู่ 3", "บ้านผู้ยืม หมู่ 7"]
# The states handed out in turn within each type: about half on loan, a third on the
# shelf, and one each reserved, awaiting cleaning and in the workshop in the larger types.
_A, _L = DeviceStatus.AVAILABLE, DeviceStatus.ON_LOAN
STATUS_PLAN = [_A, _L, _L, _A, _L, DeviceStatus.RESERVED, _A, _L, DeviceStatus.RETURNED, _L,
               _A, DeviceStatus.IN_MAINTENANCE, _L, _A, _L, _A, _L, _L, _A, _L]


def _location(status: DeviceStatus, rng: random.Random) -> str:
    if status == DeviceStatus.ON_LOAN:
        return f"บ้านผู้ยืม หมู่ {rng.randint(1, 10)} ต.บ้านสวน"
    if status == DeviceStatus.RETURNED:
        return "ห้องล้างทำความสะอาด"
    if status == DeviceStatus.IN_MAINTENANCE:
        return "โต๊ะช่างซ่อม"
    return rng.choice(LOCATIONS[:3])


def load_demo_data() -> dict[str, str]:
    """Create the demo users, device types and devices. Returns the logins."""
    rng = random.Random(2569)
    users = {name: create_user(name, DEMO_PASSWORD, roles, display_name=display)
             for name, display, roles in USERS}
    admin, staff = users["admin"], users["staff"]
    today = dt.date.today()
    for code, th, en, price, interval, life, count in TYPES:
        device_type = device_services.create_type(
            {"code": code, "name_th": th, "name_en": en, "reference_price_satang": price * 100,
             "reference_price_date": today.replace(day=1), "service_interval_days": interval,
             "reference_price_source": "ราคาขายปลีกร้านเวชภัณฑ์ จ.ชลบุรี", "expected_life_years": life},
            by=admin)
        for i in range(count):
            status = STATUS_PLAN[i % len(STATUS_PLAN)]
            brand, model = rng.choice(BRANDS[code])
            bought = i % 3 == 0
            device = device_services.register_device(device_type, {
                "brand": brand, "model": model, "serial": f"{brand[:2].upper()}{rng.randint(100000, 999999)}",
                "status": status,
                "condition": rng.choice([Condition.NEW, Condition.GOOD, Condition.GOOD, Condition.FAIR]),
                "location": _location(status, rng),
                "acquisition": Acquisition.PURCHASE if bought else Acquisition.DONATION,
                "acquired_on": today - dt.timedelta(days=rng.randint(30, 1500)),
                "acquisition_value_satang": price * 100 if bought else None,
            }, by=admin)
            if i == 0:
                device_services.update_device(device, {"notes": "ตรวจเช็กเบรกและลมยางแล้ว"},
                                              version=device.version, by=staff)
    # One worn-out device and one that never came back, as in any real register.
    for code, status, note in (("WC", DeviceStatus.RETIRED, "โครงหัก ซ่อมไม่คุ้มค่า"),
                               ("AIR", DeviceStatus.LOST, "ผู้ยืมย้ายออกนอกพื้นที่ ติดต่อไม่ได้")):
        device_services.register_device(device_services.get_type(code), {
            "status": status, "condition": Condition.UNUSABLE if status == DeviceStatus.RETIRED else Condition.FAIR,
            "notes": note, "acquisition": Acquisition.DONATION,
            "acquired_on": today - dt.timedelta(days=2000)}, by=admin)
    wheelchair = device_services.get_device(f"{_prefix()}-WC-00002")
    device_services.report_problem(wheelchair, ReportKind.PROBLEM, "เบรกล้อซ้ายไม่ค่อยอยู่ครับ", "ลูกชายผู้ป่วย")
    bed = device_services.get_device(f"{_prefix()}-BED-00001")
    device_services.report_problem(bed, ReportKind.NOT_NEEDED, "คุณยายเสียชีวิตแล้ว ขอให้มารับเตียงคืน")
    return {name: DEMO_PASSWORD for name in users}


def _prefix() -> str:
    return current_app.config["TAG_PREFIX"].upper()


def print_logins() -> None:
    click.echo("Demo logins (username / password), unless you changed them:")
    for name, _display, roles in USERS:
        click.echo(f"  {name:12} / {DEMO_PASSWORD}   ({', '.join(r.value for r in roles)})")


@click.command("demo-data")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def demo_data(if_empty):
    """Load the demo data set (Thai device types, about 60 devices, one user per role)."""
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
