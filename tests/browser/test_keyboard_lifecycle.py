"""The lifecycle with the keyboard alone, from intake to the return: Tab, Space, Enter, arrows
and typing, no clicks; every focus stop must be visible (``tab_to`` checks it).

Approval and cleaning by keyboard are in test_lifecycle.py; together the two tests take a
request through every step.
"""
from __future__ import annotations

import random

from browser.flows import (ADL_HOME_BOUND, Lifecycle, _user, expect_device_status, expect_request_status, flash,
                           main_text, press, shown_date, tab_to, typed_date)
from core.db import db
from devices import services as devices
from devices.models import DeviceStatus
from lending.models import RequestStatus
from lending.services import pipeline


def fill(page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def tick(page, target) -> None:
    tab_to(page, target)
    page.keyboard.press("Space")
    assert page.locator(target).is_checked()


def choose_radio(page, name: str, value: str) -> None:
    """Tab into the radio group, then arrow to the option (arrows check it)."""
    radios = page.locator(f'input[name="{name}"]')
    values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
    tab_to(page, radios.first)
    if values.index(value) == 0:
        page.keyboard.press("Space")
    for _ in range(values.index(value)):
        page.keyboard.press("ArrowDown")
    assert page.locator(f'input[name="{name}"][value="{value}"]').is_checked()


def choose_option(page, target, value: str) -> None:
    """Focus a select and arrow through its options to the value."""
    tab_to(page, target)
    select = page.locator(target)
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(60):
            if select.input_value() == value:
                return
            page.keyboard.press(key)
    assert select.input_value() == value


def test_a_keyboard_alone_takes_a_request_from_intake_to_the_return(new_page, live_server, axe):
    flow = Lifecycle(live_server, check=axe)
    with live_server.app.app_context():
        flow.tag = devices.register_device(devices.get_type(flow.type_code), {"brand": "Yuwell"},
                                           by=_user("staff")).tag
        db.session.commit()
    last_name = f"แป้นพิมพ์{random.randrange(1000, 9999)}"

    staff = new_page("phone", user="staff")
    staff.goto(flow.url("requests.request_new"))
    tab_to(staff, "main a[href*='/people/new']")
    press(staff, "Enter")
    fill(staff, "#first_name", "สมศักดิ์")
    fill(staff, "#last_name", last_name)
    tick(staff, "#consent_given")
    fill(staff, "#consent_by", f"สมศักดิ์ {last_name}")
    tab_to(staff, "main form button[type=submit]")
    press(staff, "Enter")
    assert last_name in flash(staff)
    tick(staff, f"input[name=device_type][value={flow.type_code}]")
    choose_option(staff, "#channel", "line")
    fill(staff, "#reason", "ล้มบ่อย เดินไม่มั่นคง")
    tab_to(staff, "main form button[type=submit]")
    axe(staff, "request form, filled by keyboard")
    press(staff, "Enter")
    flow.request_id = int(staff.url.rsplit("/", 1)[-1])
    expect_request_status(live_server, staff, RequestStatus.SUBMITTED)

    assessor = new_page("phone", user="assessor")
    assessor.goto(flow.url("requests.request_view", request_id=flow.request_id))
    tab_to(assessor, f"main a[href$='/requests/{flow.request_id}/assessment']")
    press(assessor, "Enter")
    for key, score in ADL_HOME_BOUND.items():
        choose_radio(assessor, f"adl_{key}", str(score))
    choose_radio(assessor, "suitable", "yes")
    tab_to(assessor, "main form button[type=submit]")
    axe(assessor, "assessment, filled by keyboard")
    press(assessor, "Enter")
    expect_request_status(live_server, assessor, RequestStatus.ASSESSED)

    with live_server.app.app_context():  # the supervisor's keyboard approval is in test_lifecycle.py
        pipeline.decide(pipeline.get_request(flow.request_id), True, "", by=_user("supervisor"))
        db.session.commit()

    staff.goto(flow.url("requests.request_view", request_id=flow.request_id))
    choose_option(staff, "form[action$='/reservation'] select[name$='device_tag']", flow.tag)
    # Requests of other tests may wait for the type too: say why this one goes first.
    fill(staff, "form[action$='/reservation'] input[name$='reason']", "ญาติรอรับที่บ้านวันนี้")
    tab_to(staff, "form[action$='/reservation'] button[type=submit]")
    press(staff, "Enter")
    expect_request_status(live_server, staff, RequestStatus.RESERVED)
    tab_to(staff, f"main a[href$='/d/{flow.tag}/deliver']")
    press(staff, "Enter")
    boxes = staff.locator('input[name="instructions"]')
    for i in range(boxes.count()):
        tick(staff, f'input[name="instructions"] >> nth={i}')
    fill(staff, "#acknowledged_by", f"สมศักดิ์ {last_name}")
    fill(staff, "#expected_return_on", typed_date(60))  # day/month/year in the Buddhist Era
    tab_to(staff, "main form button[type=submit]")
    axe(staff, "delivery, filled by keyboard")
    press(staff, "Enter")
    assert flow.tag in main_text(staff)
    assert shown_date(60) in main_text(staff)
    staff.goto(flow.url("devices.scan", tag=flow.tag))
    expect_device_status(live_server, staff, DeviceStatus.ON_LOAN)

    tab_to(staff, f"main a[href$='/d/{flow.tag}/follow-up']")
    press(staff, "Enter")
    fill(staff, "#visited_on", typed_date(0))
    choose_radio(staff, "in_use", "no")
    choose_radio(staff, "outcome", "no_longer_needed")
    tab_to(staff, "main form button[type=submit]")
    press(staff, "Enter")
    assert staff.url.endswith("/follow-ups")
    tab_to(staff, f"main a[href$='/d/{flow.tag}/return']")
    press(staff, "Enter")
    tab_to(staff, "main form button[type=submit]")
    axe(staff, "return form")
    press(staff, "Enter")
    expect_device_status(live_server, staff, DeviceStatus.RETURNED)
    staff.goto(flow.url("requests.request_view", request_id=flow.request_id))
    expect_request_status(live_server, staff, RequestStatus.CLOSED)
