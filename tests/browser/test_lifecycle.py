"""End to end through the pages: one request from intake back to the shelf, as each role
would do it, a cash donation that the donor then sees, and the same lifecycle's key steps
with the keyboard alone.

The tests make their own device, person and request (see ``flows.Lifecycle``), so the demo
objects the other browser tests open stay as they are. Every page passed through, filled
forms and forms sent back with their errors included, is checked with axe-core.
"""
from __future__ import annotations

import re
from decimal import Decimal

from browser.flows import (Lifecycle, click, expect_device_status, expect_request_status, flash, focused, main_text,
                           press, shown_date, tab_to, typed_date)
from devices.models import DeviceStatus
from lending.models import RequestStatus


def test_a_request_goes_from_intake_to_the_home_and_the_device_back_to_the_shelf(new_page, live_server, axe):
    flow = Lifecycle(live_server, check=axe)
    staff = new_page("phone", user="staff")
    flow.register_device(staff)
    flow.intake(staff)
    flow.schedule_visit(staff)

    assessor = new_page("phone", user="assessor")
    flow.assess(assessor)

    supervisor = new_page("desktop", user="supervisor")
    flow.approve(supervisor)

    flow.reserve(staff)
    flow.deliver(staff)
    flow.follow_up(assessor)
    flow.receive_return(staff)

    maintenance = new_page("phone", user="maintenance")
    flow.clean(maintenance)
    # Back in stock: offered to the next request of its type, as the staff's scan page says.
    staff.goto(live_server.url_for("devices.scan", tag=flow.tag))
    expect_device_status(live_server, staff, DeviceStatus.AVAILABLE)
    assert staff.locator(f"main a[href$='/d/{flow.tag}/reserve']").count() == 1


def baht(text: str) -> Decimal:
    """฿1,234.50 (or -฿…) as shown on the pages."""
    number = re.search(r"-?[\d,]+\.\d\d", text.replace("฿", ""))
    assert number, text
    return Decimal(number.group(0).replace(",", ""))


def given_in_money(page) -> Decimal:
    line = page.locator("main p", has_text=re.compile("บริจาคเป็นเงิน|Given in money")).inner_text()
    return baht(line.split("·")[0])


def test_a_cash_donation_shows_on_the_donors_impact_page(new_page, live_server, axe):
    donor = new_page("phone", user="donor")
    donor.goto(live_server.url_for("impact.mine"))
    before = given_in_money(donor)

    treasurer = new_page("desktop", user="treasurer")
    treasurer.goto(live_server.url_for("fund.books"))
    click(treasurer, "nav.subnav a[href$='/fund/donations/new']")
    click(treasurer, "main form button[type=submit]", status=422)  # nothing filled in
    axe(treasurer, "cash donation with errors")
    treasurer.select_option("#donor_id", str(live_server.demo.donor_id))
    treasurer.fill("#amount", "12345.50")
    treasurer.select_option("#fund", "GENERAL")
    treasurer.select_option("#method", "cash")
    treasurer.fill("#description", "ทำบุญวันเกิดบริษัท")
    treasurer.fill("#received_on", typed_date(-1))  # received yesterday, typed in the Buddhist Era
    axe(treasurer, "cash donation, filled")
    click(treasurer, "main form button[type=submit]")
    receipt = re.search(r"\d{4}/\d{5}", flash(treasurer))  # the whole number, fiscal year and all
    assert receipt, flash(treasurer)
    row = treasurer.locator("tbody tr", has_text=receipt.group(0))
    assert baht(row.locator("td.num").first.inner_text()) == Decimal("12345.50")
    assert shown_date(-1) in row.inner_text()
    axe(treasurer, "donor statement")

    donor.reload()
    assert given_in_money(donor) == before + Decimal("12345.50")
    axe(donor, "impact after the donation")


def test_a_keyboard_alone_approves_the_request_and_finishes_the_cleaning(new_page, live_server, axe):
    # The steps in between are done by the services (the test above takes them through the
    # pages); the supervisor and the technician use only Tab, Space, Enter and typing, on a
    # phone, in English.
    flow = Lifecycle(live_server)
    flow.seed_assessed()

    supervisor = new_page("phone", user="supervisor", lang="en")
    supervisor.goto(live_server.url_for("auth.home"))
    tab_to(supervisor, "details.nav-menu > summary")
    supervisor.keyboard.press("Enter")  # the phone's menu opens
    tab_to(supervisor, "nav a[href$='/approvals']")
    press(supervisor, "Enter")
    item = supervisor.locator("article.approval", has_text=f"#{flow.request_id} ")
    tab_to(supervisor, item.locator("textarea"))
    supervisor.keyboard.type("Lives alone; urgent.")
    tab_to(supervisor, item.locator('button[name="approved"][value="1"]'))
    axe(supervisor, "approvals, the approve button focused")
    press(supervisor, "Enter")
    assert "Approved" in flash(supervisor)
    supervisor.goto(live_server.url_for("requests.request_view", request_id=flow.request_id))
    expect_request_status(live_server, supervisor, RequestStatus.APPROVED)
    assert "Lives alone; urgent." in main_text(supervisor)

    flow.seed_returned()
    tech = new_page("phone", user="maintenance", lang="en")
    tech.goto(live_server.url_for("auth.home"))
    tab_to(tech, "nav a.nav-scan")
    press(tech, "Enter")
    tab_to(tech, "#tag")
    tech.keyboard.type(flow.tag)
    press(tech, "Enter")
    expect_device_status(live_server, tech, DeviceStatus.RETURNED)
    tab_to(tech, f"main a[href$='/maintenance/d/{flow.tag}']")
    press(tech, "Enter")
    tab_to(tech, 'button[name="step"][value="start"]')
    press(tech, "Space")
    expect_device_status(live_server, tech, DeviceStatus.IN_MAINTENANCE)
    items = tech.locator("fieldset.checklist-item")
    for i in range(items.count()):
        radio = items.nth(i).locator('input[value="pass"]')
        tab_to(tech, radio)
        tech.keyboard.press("Space")
        assert radio.is_checked()
    tab_to(tech, "#finish-notes")
    tech.keyboard.type("Cleaned and dried.")
    tab_to(tech, 'button[name="step"][value="finish"]')
    assert focused(tech)["visible"]
    axe(tech, "cleaning order, every step ticked")
    press(tech, "Enter")
    assert "finished" in flash(tech)
    expect_device_status(live_server, tech, DeviceStatus.AVAILABLE)
