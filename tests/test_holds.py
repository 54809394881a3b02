"""Never lend a device that may be unsafe: what holds a device back, and what clears it.

A device with an open problem report, an open repair or inspection, a failed last
inspection, an overdue preventive inspection or an unusable condition is not reserved,
delivered or proposed to the waitlist (409 naming the reason); the scan page says why and
offers the step that clears it; a supervisor may lend it anyway with a written reason.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from core.errors import PermissionDenied
from core.users import User, UserRole
from devices import services as devices
from devices.models import Condition, DeviceStatus, HoldOverride, ReportKind
from fixtures.core import both_databases
from fixtures.users import make_actors
from fixtures.lending import ADL_BED_BOUND, ADL_HOME_BOUND, PERSON
from maintenance.services import orders
from maintenance.models import WorkKind

ITEMS = ["เบรก", "ยาง"]
STEPS = ["ล้างคราบ"]


@pytest.fixture
def api(api_as, make_type):
    make_type("WC", inspection_items=ITEMS, cleaning_steps=STEPS, service_interval_days=90)
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor", "maintenance")}


def approved(api, adl=ADL_HOME_BOUND, urgency="normal"):
    person = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None}, expect=201)
    req = api["staff"].post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC",
                                                  "channel": "phone", "urgency": urgency}, expect=201)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment", {"adl_items": adl, "suitable": True},
                         expect=201)
    return api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)


def reserve(api, req, tag, expect=None, **body):
    return api["staff"].call("post", f"/api/v1/requests/{req['id']}/reservation",
                             json={"device_tag": tag, **body}, expect=expect)


def deliver(api, req, tag, expect=None):
    return api["staff"].call("post", "/api/v1/loans", json={"request_id": req["id"], "device_tag": tag,
                                                            "instructions": [], "acknowledged_by": "ก"},
                             expect=expect)


def holds_of(api, tag):
    device = api["staff"].get(f"/api/v1/devices/{tag}")
    return device["lendable"], [h["code"] for h in device["holds"] if not h["overridden"]]


def make_hold(app, tag, kind, api):
    """Put one kind of hold on a device in stock, the way it happens at the center."""
    with app.app_context():
        device = devices.get_device(tag)
        tech = api["maintenance"]
        if kind == "open_report":
            devices.report_problem(device, ReportKind.PROBLEM, "เบรกซ้ายไม่อยู่", "ลูกชาย")
        elif kind == "open_work_order":
            orders.open_order(device, WorkKind.REPAIR, by=None, description="ล้อหลังคด")
        elif kind == "unusable":
            device.condition = Condition.UNUSABLE
        db.session.commit()
    if kind == "failed_inspection":
        order = tech.post("/api/v1/work-orders", {"device_tag": tag, "kind": "inspection"}, expect=201)
        tech.post(f"/api/v1/work-orders/{order['id']}/start", {}, expect=200)
        tech.post(f"/api/v1/work-orders/{order['id']}/complete",
                  {"checklist": {"เบรก": "fail", "ยาง": "pass"}}, expect=200)
        [repair] = [o for o in tech.get(f"/api/v1/work-orders?device_tag={tag}") if o["kind"] == "repair"]
        tech.post(f"/api/v1/work-orders/{repair['id']}/cancel", {"reason": "ช่างไม่ว่าง"}, expect=200)
    if kind == "service_overdue":
        with app.app_context():
            devices.get_device(tag).acquired_on = dt.date(2025, 7, 1)
            db.session.commit()


@pytest.mark.parametrize("kind", ["open_report", "open_work_order", "failed_inspection", "service_overdue",
                                  "unusable"])
def test_each_hold_stops_reservation_and_delivery(app, api, make_device, kind):
    held, spare = make_device("WC", acquired_on=dt.date(2026, 11, 1)), make_device("WC")
    make_hold(app, held, kind, api)
    lendable, codes = holds_of(api, held)
    assert not lendable and codes == [kind]
    req = approved(api)
    assert req["proposed_device_tag"] == spare          # the held one is passed over
    refused = reserve(api, req, held, expect=409).get_json()
    assert refused["errors"]["holds"] == [kind] and held in refused["message"]
    # Reserved while lendable, then held: the delivery is refused too.
    reserve(api, req, spare, expect=200)
    make_hold(app, spare, kind, api)
    refused = deliver(api, req, spare, expect=409).get_json()
    assert refused["errors"]["holds"] == [kind]


def test_the_message_is_in_the_clients_language(app, api, make_device):
    tag = make_device("WC")
    make_hold(app, tag, "open_report", api)
    req = approved(api)
    thai = reserve(api, req, tag, expect=409).get_json()["message"]
    assert "ยังให้ยืมไม่ได้" in thai and "เบรกซ้ายไม่อยู่" in thai
    english = api["staff"].call("post", f"/api/v1/requests/{req['id']}/reservation", json={"device_tag": tag},
                                headers={"Accept-Language": "en"}).get_json()["message"]
    assert "held back from lending" in english and "a problem was reported" in english.lower()


def test_waitlist_is_offered_a_device_only_once_nothing_holds_it(app, api, make_device):
    tag = make_device("WC")
    make_hold(app, tag, "open_report", api)
    req = approved(api)
    assert req["status"] == "waitlisted"
    # Triaged into a repair, repaired (the technician records the condition): offered to the head.
    with app.app_context():
        [report] = devices.open_reports(devices.get_device(tag))
        order_id = orders.triage(report, WorkKind.REPAIR, by=_user("maintenance")).id
        db.session.commit()
    assert api["staff"].get(f"/api/v1/requests/{req['id']}")["proposed_device_tag"] is None
    assert holds_of(api, tag) == (False, ["open_work_order"])
    api["maintenance"].post(f"/api/v1/work-orders/{order_id}/start", {}, expect=200)
    api["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete", {"condition": "good"}, expect=200)
    assert holds_of(api, tag) == (True, [])
    assert api["staff"].get(f"/api/v1/requests/{req['id']}")["proposed_device_tag"] == tag


def _user(role):
    return db.session.scalar(select(User).join(User.role_rows).where(UserRole.role == role).limit(1))


def _clean(device):
    for order in orders.open_orders(device):
        if order.kind == WorkKind.CLEANING:
            orders.start(order, by=_user("maintenance"))
            orders.complete(order, {i: "pass" for i in orders.checklist_for(order)},
                                 by=_user("maintenance"))


@both_databases
def test_a_supervisor_may_lend_it_anyway_with_a_reason(app, api_as, make_type, make_device):
    make_type("WC", inspection_items=ITEMS)
    api = {role: api_as(role) for role in ("staff", "assessor", "supervisor", "maintenance")}
    tag = make_device("WC")
    make_hold(app, tag, "open_report", api)
    req = approved(api)
    path = f"/api/v1/devices/{tag}/hold-override"
    assert api["staff"].call("post", path, json={"reason": "ใช้ได้"}).status_code == 403
    missing = api["supervisor"].call("post", path, json={"reason": ""})
    assert missing.status_code == 422
    device = api["supervisor"].post(path, {"reason": "ตรวจแล้ว เบรกใช้ได้ ญาติรอไม่ได้"}, expect=201)
    assert device["lendable"] and [h["overridden"] for h in device["holds"]] == [True]
    # The override made it lendable: the head of the waitlist is offered it, and it is lent.
    assert api["staff"].get(f"/api/v1/requests/{req['id']}")["proposed_device_tag"] == tag
    reserve(api, req, tag, expect=200)
    deliver(api, req, tag, expect=201)
    with app.app_context():
        events = {e.action: e.changes for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_id == tag))}
        assert events["device.hold_overridden"] == {"holds": ["open_report"],
                                                    "reason": "ตรวจแล้ว เบรกใช้ได้ ญาติรอไม่ได้"}
    # Used up by that delivery; on loan, there is nothing to lend anyway (409 naming the state).
    with app.app_context():
        [used] = db.session.scalars(select(HoldOverride)).all()
        assert used.used_at is not None and used.reason.startswith("ตรวจแล้ว")
    on_loan = api["supervisor"].call("post", path, json={"reason": "x"})
    assert on_loan.status_code == 409 and on_loan.get_json()["errors"]["state"] == ["on_loan"]


def test_an_override_does_not_cover_a_later_hold(app, api, make_device):
    tag = make_device("WC")
    make_hold(app, tag, "open_report", api)
    api["supervisor"].post(f"/api/v1/devices/{tag}/hold-override", {"reason": "ใช้ได้"}, expect=201)
    make_hold(app, tag, "open_work_order", api)
    assert holds_of(api, tag) == (False, ["open_work_order"])


def test_a_problem_found_at_a_visit_keeps_the_device_out_of_stock_until_repaired(app, api, make_device):
    tag = make_device("WC")
    req = approved(api, ADL_BED_BOUND)
    reserve(api, req, tag, expect=200)
    loan = deliver(api, req, tag, expect=201).get_json()
    api["assessor"].post(f"/api/v1/loans/{loan['id']}/followups", {
        "in_use": False, "condition": "fair", "outcome": "died", "problems": "มือหมุนฝืด ราวกั้นเตียงซ้ายหลวม",
        "raise_problem": True}, expect=201)
    orders = api["maintenance"].get(f"/api/v1/work-orders?device_tag={tag}")
    assert [(o["kind"], o["source"]) for o in orders] == [("repair", "follow_up")]
    api["staff"].post(f"/api/v1/loans/{loan['id']}/return", {"condition": "fair"}, expect=200)
    with app.app_context():
        _clean(devices.get_device(tag))
        db.session.commit()
    assert api["staff"].get(f"/api/v1/devices/{tag}")["status"] == "in_maintenance"   # the repair waits
    repair = orders[0]
    api["maintenance"].post(f"/api/v1/work-orders/{repair['id']}/start", {}, expect=200)
    unsaid = api["maintenance"].call("post", f"/api/v1/work-orders/{repair['id']}/complete", json={})
    assert unsaid.status_code == 422 and "condition" in unsaid.get_json()["errors"]
    api["maintenance"].post(f"/api/v1/work-orders/{repair['id']}/complete", {"condition": "good"}, expect=200)
    device = api["staff"].get(f"/api/v1/devices/{tag}")
    assert device["status"] == "available" and device["condition"] == "good" and device["lendable"]


def test_cleaning_finished_while_a_public_report_is_open_stays_in_the_workshop(app, api, make_device):
    tag = make_device("WC")
    req = approved(api)
    reserve(api, req, tag, expect=200)
    loan = deliver(api, req, tag, expect=201).get_json()
    make_hold(app, tag, "open_report", api)             # the family reports it from the label
    api["staff"].post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good"}, expect=200)
    with app.app_context():
        device = devices.get_device(tag)
        _clean(device)
        assert device.status == DeviceStatus.IN_MAINTENANCE
        [report] = devices.open_reports(device)
        donor = _user("donor") or make_actors("donor")["donor"]
        with pytest.raises(PermissionDenied):             # a donor's account may not close it
            devices.mark_report_handled(report, by=donor)
        assert report.handled_at is None
        devices.mark_report_handled(report, by=_user("staff"))  # checked: nothing wrong
        assert device.status == DeviceStatus.AVAILABLE
        db.session.commit()


def test_reserving_ahead_of_the_waitlist_needs_a_reason(app, api, make_device):
    first = approved(api, urgency="urgent")
    second = approved(api)
    assert first["status"] == second["status"] == "waitlisted"
    tag = make_device("WC")                               # offered to the urgent one, the head
    assert api["staff"].get(f"/api/v1/requests/{first['id']}")["proposed_device_tag"] == tag
    skipped = reserve(api, second, tag, expect=422).get_json()
    assert "reason" in skipped["errors"]
    assert api["staff"].get(f"/api/v1/devices/{tag}")["status"] == "available"   # nothing half-done
    spare = make_device("WC")           # the head had been offered the first; it gets this one instead
    reserve(api, second, tag, expect=200, reason="ผู้ป่วยกลับจากโรงพยาบาลวันนี้")
    assert api["staff"].get(f"/api/v1/requests/{first['id']}")["proposed_device_tag"] == spare
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.reserved_out_of_turn"))
        assert event.changes == {"item": second["items"][0]["id"], "reason": "ผู้ป่วยกลับจากโรงพยาบาลวันนี้",
                                 "ahead": [first["id"]]}


def test_the_scan_page_says_why_and_offers_the_step(app, api, client_as, make_device):
    tag = make_device("WC", acquired_on=dt.date(2025, 7, 1))
    make_hold(app, tag, "open_report", api)
    staff_page = client_as("staff").get(f"/d/{tag}").get_data(as_text=True)
    assert "ยังไม่ให้ยืม" in staff_page and "เบรกซ้ายไม่อยู่" in staff_page and "เลยกำหนดตรวจสภาพ" in staff_page
    # The step that clears the overdue service is the workshop's: staff are told it (its page refuses their role).
    assert "ขั้นตอนของช่างซ่อมบำรุง: เริ่มตรวจสภาพ" in staff_page
    assert f"/maintenance/d/{tag}/service" not in staff_page
    assert f"/maintenance/d/{tag}/service" in client_as("maintenance").get(f"/d/{tag}").get_data(as_text=True)
    assert "/maintenance/reports/" in staff_page                    # triage the report into a work order
    assert f"/d/{tag}/override" not in staff_page                   # staff may not override
    supervisor = client_as("supervisor")
    page = supervisor.get(f"/d/{tag}").get_data(as_text=True)
    assert f"/d/{tag}/override" in page
    assert supervisor.post(f"/d/{tag}/override", data={"reason": ""}).status_code == 302
    assert supervisor.post(f"/d/{tag}/override", data={"reason": "ตรวจแล้ว"}).status_code == 302
    page = supervisor.get(f"/d/{tag}").get_data(as_text=True)
    assert "ให้ยืมได้แม้ติดเงื่อนไข" in page and "ตรวจแล้ว" in page
    assert client_as("staff").post(f"/d/{tag}/override", data={"reason": "x"}).status_code == 403
