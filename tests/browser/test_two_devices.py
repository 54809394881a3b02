"""One request for two devices (a bed and an air mattress), through the pages, in Thai, on phones.

Staff take the request with both types ticked, the nurse assesses once, the supervisor
approves from the approvals page, and staff reserve and deliver each device on its own from
the request page. The mattress comes back while the bed stays at the home: the request stays
"ส่งมอบแล้ว อยู่ระหว่างการยืม" until the bed is back too, then it is closed.

The person and the two devices are the test's own (made through the services); other tests
leave bed and mattress requests waiting, so each reservation says why this one goes first.
Every page passed through is checked with axe-core and for sideways scrolling at 360 px.
"""
from __future__ import annotations

import re

from browser.field import SMALL, looker, make_device, make_person, unique
from browser.flows import click, expect_device_status, expect_request_status, flash, main_text
from core.db import db
from devices.models import DeviceStatus
from lending import adl
from lending.models import RequestStatus
from lending.services import people

# What each item's badge says (lending/labels.py ITEM_STATUS_LABELS in Thai).
ITEM = {"requested": "รอพิจารณา", "approved": "อนุมัติแล้ว", "waitlisted": "อยู่ในรายชื่อรอ",
        "reserved": "จองอุปกรณ์แล้ว", "delivered": "ส่งมอบแล้ว อยู่ระหว่างการยืม", "returned": "คืนแล้ว"}
BED, AIR = "เตียงผู้ป่วยปรับระดับ (มือหมุน)", "ที่นอนลมป้องกันแผลกดทับ"


def item(page, type_name: str):
    return page.locator("li.request-item", has=page.locator(".item-head strong", has_text=type_name))


def item_status(page, type_name: str) -> str:
    return item(page, type_name).locator(".badge").inner_text().strip()


def reserve(page, type_name: str, tag: str) -> None:
    form = item(page, type_name).locator("form[action$='/reservation']")
    form.locator("select[name$='device_tag']").select_option(tag)
    # Other tests leave requests of these types waiting: say why this one goes first.
    form.locator("input[name$='reason']").fill("ผู้ป่วยติดเตียง มีแผลกดทับ ญาติรอรับที่บ้าน")
    click(page, form.locator("button[type=submit]"))
    assert tag in flash(page)


def deliver(page, live_server, type_name: str, tag: str, look, shot: str) -> None:
    """From the request page: the item's "deliver" button, the hand-over form, the loan."""
    click(page, item(page, type_name).locator(f"a[href$='/d/{tag}/deliver']"))
    assert tag in page.locator("h1").inner_text()
    boxes = page.locator('input[name="instructions"]')
    assert boxes.count() >= 2
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.fill("#acknowledged_by", "สมชาย ทดสอบ")
    page.fill("#acknowledged_relation", "บุตร")
    look(page, shot)
    click(page, "main form button[type=submit]")
    assert re.search(r"/loans/\d+$", page.url), page.url
    assert tag in main_text(page)
    look(page, f"{shot}-loan")


def receive_return(page, live_server, tag: str, look, shot: str) -> None:
    page.goto(live_server.url_for("devices.scan", tag=tag))
    click(page, f"main a[href$='/d/{tag}/return']")
    page.fill("#notes", "รับคืนที่บ้าน สภาพดี")
    look(page, shot)
    click(page, "main form button[type=submit]")
    expect_device_status(live_server, page, DeviceStatus.RETURNED)


def test_a_bed_and_an_air_mattress_asked_together_are_lent_and_returned_each_on_its_own(new_page, live_server, axe):
    look = looker(axe)
    with live_server.app.app_context():
        last_name = unique("สองชิ้น")
        person_id = make_person(last_name)
        name = people.get_person(person_id).full_name
        bed, mattress = make_device("BED"), make_device("AIR")
        db.session.commit()

    # Intake: both devices ticked on one request.
    staff = new_page(SMALL, user="staff")
    staff.goto(live_server.url_for("requests.request_new", person_id=person_id))
    assert name in staff.locator("p.chosen").inner_text()
    staff.check("input[name=device_type][value=BED]")
    staff.check("input[name=device_type][value=AIR]")
    staff.select_option("#channel", "community_leader")
    staff.select_option("#urgency", "urgent")
    staff.fill("#requested_by_name", "ผู้ใหญ่บ้านหมู่ 5")
    staff.fill("#reason", "ติดเตียงหลังเส้นเลือดในสมองแตก มีแผลกดทับที่ก้นกบ")
    look(staff, "two-intake-filled")
    click(staff, "main form button[type=submit]")
    request_id = int(re.search(r"/requests/(\d+)$", staff.url).group(1))
    expect_request_status(live_server, staff, RequestStatus.SUBMITTED)
    assert staff.locator("section h2", has_text="อุปกรณ์ที่ขอยืม 2 รายการ").count() == 1
    assert item_status(staff, BED) == ITEM["requested"] and item_status(staff, AIR) == ITEM["requested"]
    look(staff, "two-request-new")

    # The nurse assesses once, for both.
    nurse = new_page("phone", user="assessor")
    nurse.goto(live_server.url_for("requests.request_view", request_id=request_id))
    click(nurse, f"main a[href$='/requests/{request_id}/assessment']")
    for key in adl.KEYS:
        nurse.check(f'input[name="adl_{key}"][value="0"]')  # bed-bound: ADL 0
    nurse.fill("#notes", "ผู้ป่วยติดเตียง ห้องนอนกว้างพอวางเตียง")
    nurse.check('input[name="suitable"][value="yes"]')
    # Each device asked for has its own recommendation, the type asked for unless changed.
    asked = set()
    for select in nurse.locator("#recommended_type, select[id^='recommend-']").all():
        label = nurse.locator(f"label[for='{select.get_attribute('id')}']").inner_text()
        assert label.startswith("อุปกรณ์ที่แนะนำแทน: "), label
        type_asked = label.removeprefix("อุปกรณ์ที่แนะนำแทน: ").rstrip(" *")
        chosen = select.locator("option:checked").inner_text()  # "AIR · ที่นอนลม... / Anti-bedsore..."
        assert chosen.split(" · ")[1].startswith(type_asked + " / "), (label, chosen)
        asked.add(type_asked)
    assert asked == {BED, AIR}, asked
    look(nurse, "two-assessment-filled")
    click(nurse, "main form button[type=submit]")
    expect_request_status(live_server, nurse, RequestStatus.ASSESSED)

    # The supervisor approves both from the approvals page.
    supervisor = new_page("phone", user="supervisor")
    supervisor.goto(live_server.url_for("requests.approvals"))
    card = supervisor.locator("article.approval", has_text=f"#{request_id} ")
    lines = card.locator("ul li").all_inner_texts()
    assert sorted(line.split(" · ")[0] for line in lines) == sorted([BED, AIR]), lines
    assert "ขอวันนี้" in card.locator("header").inner_text()  # not "asked 0 days ago"
    look(supervisor, "two-approvals")
    click(supervisor, card.locator('button[name="approved"][value="1"]'))
    supervisor.goto(live_server.url_for("requests.request_view", request_id=request_id))
    assert {item_status(supervisor, BED), item_status(supervisor, AIR)} <= {ITEM["approved"], ITEM["waitlisted"]}
    look(supervisor, "two-request-approved-supervisor")

    # Staff reserve and deliver the bed first, from the request page.
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    look(staff, "two-request-approved")
    reserve(staff, BED, bed)
    assert item_status(staff, BED) == ITEM["reserved"]
    assert item_status(staff, AIR) in (ITEM["approved"], ITEM["waitlisted"])
    look(staff, "two-bed-reserved")
    deliver(staff, live_server, BED, bed, look, "two-deliver-bed")
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    assert item_status(staff, BED) == ITEM["delivered"]
    # The mattress still waits for its device: the request is not "delivered" yet.
    assert staff.locator(".page-head .badge").inner_text().strip() != ITEM["delivered"]

    # Then the mattress, on its own.
    reserve(staff, AIR, mattress)
    deliver(staff, live_server, AIR, mattress, look, "two-deliver-mattress")
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    expect_request_status(live_server, staff, RequestStatus.DELIVERED)
    assert item_status(staff, BED) == ITEM["delivered"] and item_status(staff, AIR) == ITEM["delivered"]
    look(staff, "two-both-delivered")

    # The mattress comes back; the bed stays: the request is still on loan.
    receive_return(staff, live_server, mattress, look, "two-return-mattress")
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    expect_request_status(live_server, staff, RequestStatus.DELIVERED)
    assert staff.locator(".page-head .badge").inner_text().strip() == "ส่งมอบแล้ว อยู่ระหว่างการยืม"
    assert item_status(staff, AIR) == ITEM["returned"] and item_status(staff, BED) == ITEM["delivered"]
    look(staff, "two-mattress-back-bed-at-home")
    staff.goto(live_server.url_for("devices.scan", tag=bed))
    expect_device_status(live_server, staff, DeviceStatus.ON_LOAN)
    assert name in staff.locator(".scan-card").inner_text()
    look(staff, "two-bed-still-at-home")

    # The bed comes back too: the request is closed.
    receive_return(staff, live_server, bed, look, "two-return-bed")
    staff.goto(live_server.url_for("requests.request_view", request_id=request_id))
    expect_request_status(live_server, staff, RequestStatus.CLOSED)
    assert item_status(staff, BED) == ITEM["returned"] and item_status(staff, AIR) == ITEM["returned"]
    look(staff, "two-closed")
    staff.goto(live_server.url_for("people.person_view", person_id=person_id))
    loans = staff.locator("main h2", has_text="การยืม").locator("xpath=following-sibling::ul[1]").inner_text()
    assert bed in loans and mattress in loans
    look(staff, "two-person")
