"""People as they are, on the person's page, in Thai, on phones.

- A death recorded by the nurse: what was asked for and not yet delivered is cancelled, the
  device at the home goes on the pickup list, and no new request is offered.
- The care plan: each task and who does it; a nurse-only task (injections) offers only a
  registered nurse, and one given to someone else by force is refused.
- A referral to the social welfare division, followed to "ได้รับความช่วยเหลือแล้ว" with its
  outcome (a finished referral needs one).
- The disability card (number, type, expiry: an expired card says so) and chronic diseases
  on the person form.

Each test registers its own person (through the services), so the demo people other tests
open stay as they are. Every page is checked with axe-core and for sideways scrolling at 360 px.
"""
from __future__ import annotations

from browser.field import SMALL, lend, looker, make_device, make_person, make_request, unique
from browser.flows import click, flash, main_text, shown_date, typed_date
from core.db import db
from lending.models import CareTask, Carer, LifeStatus, Urgency
from lending.services import people


def person_url(live_server, person_id: int) -> str:
    return live_server.url_for("people.person_view", person_id=person_id)


def section_list(page, heading_id: str):
    """The list under one of the person page's headings (care plan, referrals)."""
    return page.locator(f"#{heading_id} + ul")


def requests_list(page):
    return page.locator("main h2", has_text="คำขอยืม").locator("xpath=following-sibling::ul[1]")


def test_a_death_cancels_what_waits_and_puts_the_devices_on_the_pickup_list(new_page, live_server, axe):
    look = looker(axe)
    with live_server.app.app_context():
        person_id = make_person(unique("ทดสอบชีวิต"))
        name = people.get_person(person_id).full_name
        cane = make_device("CNE")
        lent_id = make_request(person_id, ["CNE"], group="home_bound", approve=True)
        lend(lent_id, cane)
        waiting_id = make_request(person_id, ["AIR"], urgency=Urgency.HIGH, group="bed_bound", approve=True)
        new_id = make_request(person_id, ["WC"])
        db.session.commit()

    nurse = new_page(SMALL, user="assessor")
    nurse.goto(person_url(live_server, person_id))
    assert nurse.locator("p.life-status").inner_text().startswith("อยู่บ้าน")
    assert nurse.locator(f"main a[href*='/requests/new?person_id={person_id}']").count() == 1
    look(nurse, "life-person-at-home")
    change = nurse.locator("details", has=nurse.locator("summary", has_text="เปลี่ยนสถานะของผู้ป่วย"))
    change.locator("summary").click()
    nurse.select_option("#status", LifeStatus.DECEASED.value)
    nurse.fill("#on", typed_date(-1))
    nurse.fill("#note", "ญาติแจ้งทางโทรศัพท์ เสียชีวิตที่บ้านอย่างสงบ")
    look(nurse, "life-deceased-filled")
    click(nurse, change.locator("button[type=submit]"))
    assert "บันทึกสถานะแล้ว" in flash(nurse)

    # The page says so, offers no new request, and what waited is cancelled.
    assert nurse.locator("p.life-status").inner_text() == f"เสียชีวิต · ตั้งแต่ {shown_date(-1)}"
    assert nurse.locator("main a[href*='/requests/new']").count() == 0
    assert "คำขอยืมใหม่" not in main_text(nurse) and "คำขอใหม่" not in main_text(nurse)
    listed = {int(row.locator("a").first.inner_text().lstrip("#")): row.locator(".badge").inner_text().strip()
              for row in requests_list(nurse).locator("li").all()}
    assert listed == {lent_id: "ส่งมอบแล้ว อยู่ระหว่างการยืม", waiting_id: "ยกเลิกแล้ว", new_id: "ยกเลิกแล้ว"}, listed
    look(nurse, "life-person-deceased")
    nurse.goto(live_server.url_for("requests.request_view", request_id=waiting_id))
    assert "ยกเลิกเนื่องจาก\nผู้ป่วยเสียชีวิตแล้ว" in main_text(nurse)
    assert "เสียชีวิต" in nurse.locator(".facts dd").first.inner_text()
    look(nurse, "life-request-cancelled")

    # The cane at the home is to be picked up; no more visits are due on it.
    staff = new_page("phone", user="staff")
    staff.goto(live_server.url_for("loans.due", days=90))
    pickups = staff.locator("main h2", has_text="อุปกรณ์ที่ต้องรับคืนจากบ้าน").locator("xpath=following-sibling::ul[1]")
    row = pickups.locator("li", has_text=cane)
    assert name in row.inner_text() and "เสียชีวิต" in row.inner_text() and shown_date(-1) in row.inner_text()
    assert row.locator(f"a[href$='/d/{cane}/return']").count() == 1
    assert staff.locator("section.area li", has_text=cane).count() == 0
    look(staff, "life-pickups")
    # The intake page says so up front and offers no request form.
    staff.goto(live_server.url_for("requests.request_new", person_id=person_id))
    assert f"{name} เสียชีวิตแล้ว รับคำขอใหม่ไม่ได้" in main_text(staff)
    assert staff.locator("input[name=device_type]").count() == 0
    look(staff, "life-request-new-refused")


def test_the_care_plan_offers_only_a_nurse_for_a_nurses_task(new_page, live_server, axe):
    look = looker(axe)
    with live_server.app.app_context():
        person_id = make_person(unique("ทดสอบดูแล"))
        db.session.commit()

    nurse = new_page(SMALL, user="assessor")
    nurse.goto(person_url(live_server, person_id))
    assert section_list(nurse, "care-plan").inner_text() == "ยังไม่มีแผนการดูแล"
    click(nurse, f"main a[href$='/people/{person_id}/care-plan']")
    look(nurse, "care-plan-empty")
    # Injections: only a registered nurse; blood pressure: anyone of the four.
    carers = nurse.locator("#injection-by option").all_inner_texts()
    assert carers == ["พยาบาลวิชาชีพ"], carers
    assert len(nurse.locator("#blood_pressure-by option").all_inner_texts()) == len(Carer)
    for task in CareTask:
        fieldset = nurse.locator("fieldset.care-task", has=nurse.locator(f"input[name={task.value}]"))
        assert fieldset.locator("legend").inner_text().strip(), task
    nurse.check("input[name=blood_pressure]")
    nurse.select_option("#blood_pressure-by", Carer.FAMILY.value)
    nurse.fill("#blood_pressure-often", "ทุกเช้า")
    nurse.check("input[name=turning]")
    nurse.select_option("#turning-by", Carer.VOLUNTEER.value)
    nurse.fill("#turning-often", "ทุก 2 ชั่วโมง")
    nurse.check("input[name=injection]")
    nurse.fill("#injection-often", "อินซูลินเช้า-เย็น")
    nurse.fill("#injection-notes", "เก็บยาในตู้เย็น")
    # Given to the family by force (an option put in by hand): refused, and said why.
    nurse.locator("#injection-by").evaluate("s => { s.add(new Option('ญาติ', 'family')); s.value = 'family'; }")
    click(nurse, "main form button[type=submit]", status=422)
    assert "ฉีดยา ต้องทำโดยพยาบาลวิชาชีพเท่านั้น" in flash(nurse)
    look(nurse, "care-plan-refused")
    # Nothing typed is lost: the tasks ticked and what was written come back; the injection
    # offers the nurse again.
    ticked = nurse.locator("fieldset.care-task legend input:checked").evaluate_all("bs => bs.map((b) => b.name)")
    assert ticked == ["blood_pressure", "turning", "injection"], ticked
    assert nurse.locator("#blood_pressure-by").input_value() == Carer.FAMILY.value
    assert nurse.locator("#turning-often").input_value() == "ทุก 2 ชั่วโมง"
    assert nurse.locator("#injection-notes").input_value() == "เก็บยาในตู้เย็น"
    assert nurse.locator("#injection-by").input_value() == Carer.NURSE.value
    look(nurse, "care-plan-filled")
    click(nurse, "main form button[type=submit]")
    assert "บันทึกแผนการดูแลแล้ว" in flash(nurse)
    assert nurse.url.endswith(f"/people/{person_id}#care-plan")
    plan = [" ".join(t.split()) for t in section_list(nurse, "care-plan").locator("li").all_inner_texts()]
    assert plan == ["วัดความดันโลหิต · ญาติผู้ดูแล · ทุกเช้า", "พลิกตะแคงตัว · จิตอาสา · ทุก 2 ชั่วโมง",
                    "ฉีดยา · พยาบาลวิชาชีพ · อินซูลินเช้า-เย็น · เก็บยาในตู้เย็น"], plan
    look(nurse, "care-plan-on-person")


def test_a_referral_to_social_welfare_is_followed_to_its_outcome(new_page, live_server, axe):
    look = looker(axe)
    with live_server.app.app_context():
        person_id = make_person(unique("ทดสอบส่งต่อ"))
        db.session.commit()

    staff = new_page(SMALL, user="staff")
    staff.goto(person_url(live_server, person_id))
    refer = staff.locator("details", has=staff.locator("summary", has_text="ส่งต่อกองสวัสดิการสังคม"))
    refer.locator("summary").click()
    refer.locator("textarea").fill("ไม่มีรายได้ บุตรตกงาน ค้างค่าไฟฟ้า")
    look(staff, "referral-filled")
    click(staff, refer.locator("button[type=submit]"))
    assert "ส่งต่อกองสวัสดิการสังคมแล้ว" in flash(staff)
    referral = section_list(staff, "referrals").locator("li").first
    assert f"{shown_date(0)} · ส่งต่อแล้ว · ไม่มีรายได้ บุตรตกงาน ค้างค่าไฟฟ้า" in referral.inner_text()
    # One open referral at a time: no second one is offered meanwhile.
    assert staff.locator("summary", has_text="ส่งต่อกองสวัสดิการสังคม").count() == 0
    look(staff, "referral-open")

    update = referral.locator("details")
    update.locator("summary").click()
    update.locator("select").select_option(label="ได้รับความช่วยเหลือแล้ว")
    # The outcome says up front that a finished referral needs one...
    hint = update.locator("textarea").get_attribute("aria-describedby")
    assert "ต้องระบุเมื่อเสร็จสิ้น" in staff.locator(f"[id='{hint}']").inner_text()
    # ...and finished without saying how, it is refused, in Thai, back on the person's page.
    click(staff, update.locator("button[type=submit]"))
    assert "ระบุผลของการส่งต่อ" in main_text(staff) and staff.url.endswith("#referrals")
    look(staff, "referral-no-outcome")
    staff.goto(person_url(live_server, person_id))
    update.locator("summary").click()
    update.locator("select").select_option(label="ได้รับความช่วยเหลือแล้ว")
    update.locator("textarea").fill("ได้รับเบี้ยยังชีพคนพิการและถุงยังชีพ เดือนละครั้ง")
    look(staff, "referral-update-filled")
    click(staff, update.locator("button[type=submit]"))
    assert "ปรับปรุงการส่งต่อแล้ว" in flash(staff)
    text = " ".join(section_list(staff, "referrals").locator("li").first.inner_text().split())
    assert "· ได้รับความช่วยเหลือแล้ว ·" in text and "ได้รับเบี้ยยังชีพคนพิการและถุงยังชีพ เดือนละครั้ง" in text, text
    # Finished: no more updates; a new referral may be made.
    assert section_list(staff, "referrals").locator("details").count() == 0
    assert staff.locator("summary", has_text="ส่งต่อกองสวัสดิการสังคม").count() == 1
    look(staff, "referral-helped")


def test_the_disability_card_and_chronic_diseases_on_the_person_form(new_page, live_server, axe):
    look = looker(axe)
    with live_server.app.app_context():
        person_id = make_person(unique("ทดสอบบัตร"))
        db.session.commit()

    staff = new_page(SMALL, user="staff")
    staff.goto(person_url(live_server, person_id))
    click(staff, f"main a[href$='/people/{person_id}/edit']")
    look(staff, "card-form")
    staff.check('input[name="disability_types"][value="physical"]')
    staff.fill("#disability_card_no", "3-2001-00123-45-6")
    staff.select_option("#disability_card_type", "physical")
    staff.fill("#disability_card_expires_on", typed_date(-10))
    staff.check('input[name="chronic_conditions"][value="hypertension"]')
    staff.check('input[name="chronic_conditions"][value="diabetes"]')
    staff.fill("#chronic_notes", "ไตเสื่อมระยะที่ 3")
    look(staff, "card-form-filled")
    click(staff, "main form button[type=submit]")
    assert "บันทึกข้อมูล" in flash(staff)

    facts = dict(zip(staff.locator(".facts dt").all_inner_texts(),
                     (" ".join(t.split()) for t in staff.locator(".facts dd").all_inner_texts()), strict=True))
    assert facts["ประเภทความพิการ"] == "ทางการเคลื่อนไหวหรือทางร่างกาย"
    assert facts["บัตรประจำตัวคนพิการ"] == (f"3-2001-00123-45-6 · ทางการเคลื่อนไหวหรือทางร่างกาย · "
                                            f"หมดอายุ {shown_date(-10)} หมดอายุแล้ว"), facts["บัตรประจำตัวคนพิการ"]
    assert staff.locator(".facts dd strong.overdue-text").inner_text() == "หมดอายุแล้ว"  # marked, not by colour alone
    diseases, notes = facts["โรคเรื้อรัง"].split(" (")
    assert set(diseases.split(", ")) == {"ความดันโลหิตสูง", "เบาหวาน"} and notes == "ไตเสื่อมระยะที่ 3)", facts
    look(staff, "card-person")
    # Renewed: no longer flagged.
    click(staff, f"main a[href$='/people/{person_id}/edit']")
    assert staff.locator("#disability_card_no").input_value() == "3-2001-00123-45-6"
    assert staff.locator('input[name="chronic_conditions"][value="diabetes"]').is_checked()
    staff.fill("#disability_card_expires_on", typed_date(365 * 5))
    click(staff, "main form button[type=submit]")
    card = staff.locator(".facts dt", has_text="บัตรประจำตัวคนพิการ").locator("xpath=following-sibling::dd[1]")
    assert "หมดอายุแล้ว" not in card.inner_text() and shown_date(365 * 5) in card.inner_text()
