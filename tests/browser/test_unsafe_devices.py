"""Never lend a device that may be unsafe, through the pages, in Thai, on phones.

A walker that someone reported broken from its label, and whose preventive inspection is
overdue, is held back: the staff's scan page says "ยังไม่ให้ยืม" with each reason and the step
that clears it, the reservation form does not offer it, and a reservation forced past the form
gets a Thai error page naming the holds. A supervisor lends it anyway with a written reason
from the scan page. Another walker held the same way is cleared by maintenance from its scan
page: the report becomes a repair finished with the device's condition recorded, the overdue
inspection is done, and the walker can be lent. Last, a follow-up visit that finds a bed's
crank stiff ("มือหมุนฝืด") opens a repair labelled as found at a follow-up visit.

Every page passed through is checked with axe-core and for sideways scrolling at 360 px.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from browser.field import SMALL, lend, looker, make_device, make_person, make_request, unique
from browser.flows import click, expect_device_status, flash, main_text, typed_date
from core import clock
from core.db import db
from devices import services as devices
from devices.models import Condition, DeviceStatus
from lending.models import Urgency
from maintenance.models import WorkKind, WorkOrder, WorkStatus

TYPE = "WLK"  # inspected every 365 days
PROBLEM = "ขาวอล์คเกอร์ข้างซ้ายโยก ยางหุ้มปลายขาหลุด"
OVERDUE = "เลยกำหนดตรวจสภาพตามรอบ"
# What the public's report holds it back with, as the scan page says it.
REPORTED = f"มีการแจ้งปัญหา (แจ้งโดยประชาชน): “{PROBLEM}”"


def held_walker(live_server) -> str:
    """A walker in stock that came 400 days ago and was never inspected: overdue."""
    with live_server.app.app_context():
        tag = make_device(TYPE, acquired_on=clock.today() - dt.timedelta(days=400))
        db.session.commit()
    return tag


def approved_request(live_server) -> int:
    """A new person's request for a walker, assessed and approved."""
    with live_server.app.app_context():
        request_id = make_request(make_person(unique("ทดสอบเดินได้")), [TYPE], urgency=Urgency.HIGH,
                                  group="home_bound", approve=True)
        db.session.commit()
    return request_id


def report_from_the_label(page, live_server, tag: str, look) -> None:
    """Someone holding the walker scans its label (not logged in) and reports the problem."""
    page.goto(live_server.url_for("devices.scan", tag=tag))
    page.select_option("#kind", "problem")
    page.fill("#message", PROBLEM)
    page.fill("#contact_name", "ป้าแดง ข้างบ้าน")
    look(page, "hold-public-report")
    click(page, "main form button[type=submit]")
    look(page, "hold-public-thanks")


def offered(page) -> list[str]:
    """The tags the request page's reservation form offers."""
    return page.locator("form[action$='/reservation'] select[name$='device_tag'] option").evaluate_all(
        "options => options.map((o) => o.value)")


def hold_items(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("section.hold-panel li").all_inner_texts()]


def test_a_held_walker_is_not_lent_until_a_supervisor_allows_it_in_writing(new_page, live_server, axe):
    look = looker(axe)
    tag, request_id = held_walker(live_server), approved_request(live_server)
    report_from_the_label(new_page(SMALL), live_server, tag, look)

    # Staff scan the label: held back, each reason said, and what clears it.
    staff = new_page(SMALL, user="staff")
    staff.goto(live_server.url_for("devices.scan", tag=tag))
    look(staff, "hold-scan-staff")
    panel = staff.locator("section.hold-panel")
    assert panel.locator("h2").inner_text() == "ยังไม่ให้ยืม"
    report, overdue = hold_items(staff)
    assert report.startswith(REPORTED), report
    # The report is cleared from the report itself, below, where staff may open a repair.
    assert "เปิดใบสั่งซ่อมหรือใบสั่งตรวจสภาพจากเรื่องที่แจ้งด้านล่าง" in report
    panel.locator("a[href='#open-reports']").click()
    assert staff.locator("#open-reports button", has_text="เปิดใบสั่งซ่อม").first.is_visible()
    # The inspection is the workshop's step: staff are told so, with no button their role is refused.
    assert overdue.startswith(OVERDUE) and "ขั้นตอนของช่างซ่อมบำรุง: เริ่มตรวจสภาพ" in overdue, overdue
    assert panel.locator("button, a[role=button]").count() == 0
    # Nothing on the card says it is ready to lend, nor offers to reserve it.
    header = staff.locator(".scan-card header")
    assert header.locator(".badge").inner_text().strip() == "ยังไม่ให้ยืม"
    assert "พร้อมให้ยืม" not in header.inner_text()
    assert staff.locator(f"main a[href$='/d/{tag}/reserve']").count() == 0
    # The supervisor's override is not offered to staff.
    assert panel.locator("details").count() == 0

    # The approved request's reservation form does not offer it.
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    assert offered(staff) and tag not in offered(staff)
    look(staff, "hold-request-approved")
    # Forced past the form (the option put back by hand): refused, on a page in Thai.
    form = staff.locator("form[action$='/reservation']")
    form.locator("select").evaluate("(s, tag) => { s.add(new Option(tag, tag)); s.value = tag; }", tag)
    form.locator("input[name$='reason']").fill("ญาติรอรับที่บ้าน")
    click(staff, form.locator("button[type=submit]"), status=409)
    assert staff.locator("h1").inner_text() == "ข้อมูลขัดแย้งกัน"
    refusal = main_text(staff)
    assert f"{tag} ยังให้ยืมไม่ได้" in refusal and PROBLEM in refusal and OVERDUE in refusal
    assert "หัวหน้างานอนุญาต" in refusal  # the way out
    look(staff, "hold-reservation-refused")
    with live_server.app.app_context():
        assert devices.get_device(tag).status == DeviceStatus.AVAILABLE

    # A supervisor lends it anyway, with a written reason, from the scan page.
    supervisor = new_page("phone", user="supervisor")
    supervisor.goto(live_server.url_for("devices.scan", tag=tag))
    override = supervisor.locator("section.hold-panel details")
    override.locator("summary").click()
    reason = override.locator("textarea")
    assert reason.get_attribute("required") is not None
    look(supervisor, "hold-override-form")
    # Without a reason (past the browser's own check) nothing is allowed.
    override.locator("form").evaluate("f => { f.noValidate = true; }")
    click(supervisor, override.locator("button[type=submit]"))
    assert "เขียนเหตุผลที่ให้ยืมอุปกรณ์นี้ได้แม้ติดเงื่อนไข" in flash(supervisor)
    assert supervisor.locator("section.hold-panel h2").inner_text() == "ยังไม่ให้ยืม"
    look(supervisor, "hold-override-without-reason")
    override.locator("summary").click()
    reason.fill("ตรวจดูแล้ว ขาไม่โยก ผู้ป่วยรอใช้ด่วน")
    click(supervisor, override.locator("button[type=submit]"))
    assert f"{tag} ให้ยืมได้แม้ติดเงื่อนไข" in flash(supervisor)
    panel = supervisor.locator("section.hold-panel")
    assert panel.locator("h2").inner_text() == "ให้ยืมได้แม้ติดเงื่อนไข"
    assert "นายประเสริฐ มั่นคง" in panel.inner_text() and "ตรวจดูแล้ว ขาไม่โยก ผู้ป่วยรอใช้ด่วน" in panel.inner_text()
    expect_device_status(live_server, supervisor, DeviceStatus.AVAILABLE)
    look(supervisor, "hold-overridden")

    # Now staff may reserve it for the request.
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    assert tag in offered(staff)
    staff.select_option("form[action$='/reservation'] select", tag)
    staff.fill("form[action$='/reservation'] input[name$='reason']", "หัวหน้างานอนุญาตแล้ว ผู้ป่วยรอใช้ด่วน")
    click(staff, "form[action$='/reservation'] button[type=submit]")
    assert tag in flash(staff)
    look(staff, "hold-reserved-after-override")


def test_the_refused_reservation_page_has_no_machine_words(new_page, live_server):
    tag, request_id = held_walker(live_server), approved_request(live_server)
    staff = new_page(SMALL, user="staff")
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    form = staff.locator("form[action$='/reservation']")
    form.locator("select").evaluate("(s, tag) => { s.add(new Option(tag, tag)); s.value = tag; }", tag)
    form.locator("input[name$='reason']").fill("ญาติรอรับที่บ้าน")
    click(staff, form.locator("button[type=submit]"), status=409)
    words = set(re.findall(r"[a-z_]{4,}", main_text(staff)))
    assert not words, f"English field names or codes on a Thai page: {sorted(words)}"


def test_maintenance_clears_the_holds_from_the_scan_page(new_page, live_server, axe):
    look = looker(axe)
    tag, request_id = held_walker(live_server), approved_request(live_server)
    report_from_the_label(new_page(SMALL), live_server, tag, look)

    # The technician scans the label: the report becomes a repair.
    tech = new_page(SMALL, user="maintenance")
    tech.goto(live_server.url_for("devices.scan", tag=tag))
    look(tech, "clear-scan-maintenance")
    assert [item.split(" เปิดใบสั่ง")[0] for item in hold_items(tech)][0] == REPORTED
    click(tech, tech.locator("#open-reports li", has_text=PROBLEM).locator("button[value=repair]"))
    assert re.search(r"เปิดใบสั่งงานเลขที่ \d+ แล้ว", flash(tech)), flash(tech)
    look(tech, "clear-my-orders")
    # The repair holds it now, in place of the report.
    tech.goto(live_server.url_for("devices.scan", tag=tag))
    assert tech.locator("#open-reports").count() == 0
    repair = tech.locator("section.hold-panel li", has_text="งานซ่อม")
    assert PROBLEM in repair.inner_text()
    look(tech, "clear-scan-repair-open")
    click(tech, repair.locator("a[role=button]"))  # "เปิดใบงาน"
    assert PROBLEM in main_text(tech)
    look(tech, "clear-repair-order")
    click(tech, 'button[name="step"][value="start"]')
    expect_device_status(live_server, tech, DeviceStatus.IN_MAINTENANCE)
    # Finishing a repair without the device's condition is refused, and says so.
    click(tech, 'button[name="step"][value="finish"]', status=422)
    assert "บันทึกสภาพอุปกรณ์หลังซ่อม" in flash(tech)
    look(tech, "clear-repair-without-condition")
    tech.select_option("#finish-condition", Condition.FAIR.value)
    tech.fill("#finish-notes", "เปลี่ยนยางหุ้มปลายขา ขันน็อตขาซ้าย")
    look(tech, "clear-repair-filled")
    click(tech, 'button[name="step"][value="finish"]')
    assert "ปิดใบสั่งงานแล้ว" in flash(tech)
    expect_device_status(live_server, tech, DeviceStatus.AVAILABLE)

    # Back in stock, the overdue inspection still holds it: its step is on the scan page.
    tech.goto(live_server.url_for("devices.scan", tag=tag))
    condition = (tech.locator(".scan-card dl dt").get_by_text("สภาพ", exact=True)
                 .locator("xpath=following-sibling::dd[1]"))
    assert condition.inner_text() == "พอใช้"  # as the repair recorded it
    (overdue,) = hold_items(tech)
    assert overdue.startswith(OVERDUE)
    click(tech, tech.locator("section.hold-panel button", has_text="เริ่มตรวจสภาพ"))
    assert tech.locator("h1").inner_text().startswith("บำรุงรักษาตามรอบ")
    look(tech, "clear-inspection-order")
    click(tech, 'button[name="step"][value="start"]')
    items = tech.locator("fieldset.checklist-item")
    assert items.count() >= 2
    for i in range(items.count()):
        items.nth(i).locator('input[value="pass"]').check()
    look(tech, "clear-inspection-filled")
    click(tech, 'button[name="step"][value="finish"]')
    expect_device_status(live_server, tech, DeviceStatus.AVAILABLE)

    # Nothing holds it back: no panel, ready to lend, offered to the request.
    tech.goto(live_server.url_for("devices.scan", tag=tag))
    assert tech.locator("section.hold-panel").count() == 0
    expect_device_status(live_server, tech, DeviceStatus.AVAILABLE)
    look(tech, "clear-scan-lendable")
    staff = new_page("phone", user="staff")
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    assert tag in offered(staff)
    with live_server.app.app_context():
        orders = db.session.scalars(select(WorkOrder).join(WorkOrder.device).where(
            WorkOrder.device.has(tag=tag)).order_by(WorkOrder.id)).all()
        assert [(o.kind, o.status) for o in orders] == [(WorkKind.REPAIR, WorkStatus.DONE),
                                                        (WorkKind.PREVENTIVE, WorkStatus.DONE)]
        assert devices.get_device(tag).condition == Condition.FAIR


def test_a_stiff_crank_found_at_a_follow_up_visit_opens_a_repair(new_page, live_server, axe):
    look = looker(axe)
    with live_server.app.app_context():
        tag = make_device("BED")
        person_id = make_person(unique("ทดสอบเตียง"))
        lend(make_request(person_id, ["BED"], group="bed_bound", approve=True), tag)
        db.session.commit()

    nurse = new_page(SMALL, user="assessor")
    nurse.goto(live_server.url_for("devices.scan", tag=tag))
    look(nurse, "visit-scan-on-loan")
    click(nurse, f"main a[href$='/d/{tag}/follow-up']")
    nurse.fill("#visited_on", typed_date(0))
    nurse.check('input[name="in_use"][value="yes"]')
    nurse.select_option("#condition", Condition.FAIR.value)
    nurse.check('input[name="outcome"][value="stable"]')
    nurse.fill("#problems", "มือหมุนฝืด")
    nurse.check("#raise_problem")
    look(nurse, "visit-problem-filled")
    click(nurse, "main form button[type=submit]")
    assert "บันทึกการเยี่ยมแล้ว" in flash(nurse)
    look(nurse, "visit-saved")

    # The workshop has a repair for it, described as found.
    tech = new_page("phone", user="maintenance")
    tech.goto(live_server.url_for("maintenance.my_orders"))
    row = tech.locator("main li", has_text=tag)
    assert "· ซ่อมบำรุง ·" in row.inner_text() and "มือหมุนฝืด" in row.inner_text()
    look(tech, "visit-my-orders")
    click(tech, row.locator("a[role=button]"))
    assert "มือหมุนฝืด" in main_text(tech)
    # The device stays with the borrower meanwhile.
    assert "อุปกรณ์ยังอยู่กับผู้ยืมต่อไป" in main_text(tech)
    look(tech, "visit-repair-order")
    # Its history says where the problem was found.
    tech.goto(live_server.url_for("devices.device_history", tag=tag))
    reported = tech.locator("ol.history > li", has_text="มีผู้แจ้งปัญหา")
    assert "แจ้งจาก: การติดตามเยี่ยม" in " ".join(reported.inner_text().split())
    look(tech, "visit-device-history")
    with live_server.app.app_context():
        (order,) = db.session.scalars(select(WorkOrder).where(WorkOrder.device.has(tag=tag),
                                                              WorkOrder.kind == WorkKind.REPAIR)).all()
        assert (order.source, order.description, order.status) == ("follow_up", "มือหมุนฝืด", WorkStatus.OPEN)
