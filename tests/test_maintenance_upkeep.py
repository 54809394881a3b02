"""Maintenance, part two: repair or retire, retirement approved by a supervisor, preventive
service by days or loans, and the figures (per device and per type)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from core import clock
from core.db import db, utcnow
from core.errors import DomainError
from core.users import create_user
from devices import services as devices
from devices.models import Condition, DeviceStatus
from fixtures.core import at_bangkok, both_databases, race
from fixtures.devices import new_type
from fixtures.lending import approved_request, lend
from fixtures.maintenance import ITEMS, STEPS, clean, passing
from fixtures.users import user_named
from lending.services import loans, waitlist
from maintenance.services import figures, orders, preventive, retirement
from maintenance.models import DecisionStatus, RetirementKind, WorkKind, WorkOrder, WorkStatus


@pytest.fixture
def actors(actors):
    """Every role, and wheelchairs serviced every 90 days or every two loans."""
    new_type(cleaning_steps=STEPS, inspection_items=ITEMS, reference_price_satang=350_000,
             service_interval_days=90, service_interval_loans=2)
    db.session.commit()
    return actors


def new_device(**fields):
    return devices.register_device(devices.get_type("WC"), fields, by=None)


# --- repair or retire -------------------------------------------------------------------

def test_an_estimate_past_60_percent_of_a_new_one_suggests_retiring(actors):
    device = new_device()
    repair = orders.open_order(device, WorkKind.REPAIR, by=actors["staff"], description="โครงร้าว")
    assert retirement.retire_threshold_satang(device) == 210_000
    retirement.set_estimate(repair, 210_000, by=actors["maintenance"])
    assert not retirement.retire_suggested(repair)       # exactly 60%: still worth repairing
    retirement.set_estimate(repair, 210_001, by=actors["maintenance"])
    assert retirement.retire_suggested(repair) and retirement.estimate_share_percent(repair) == 60
    retirement.set_estimate(repair, 280_000, by=actors["maintenance"])
    assert retirement.estimate_share_percent(repair) == 80
    cleaning = orders.open_order(device, WorkKind.INSPECTION, by=actors["staff"])
    with pytest.raises(DomainError) as info:
        retirement.set_estimate(cleaning, 100, by=actors["maintenance"])
    assert info.value.code == 422 and "estimate_satang" in info.value.errors
    with pytest.raises(DomainError) as info:
        retirement.set_estimate(repair, -1, by=actors["maintenance"])
    assert info.value.code == 422
    with pytest.raises(DomainError) as info:
        retirement.set_estimate(repair, 100, by=actors["treasurer"])
    assert info.value.code == 403


def test_no_reference_price_means_no_suggestion(ctx):
    devices.create_type({"code": "CANE", "name_th": "ไม้เท้า", "name_en": "Cane"}, by=None)
    maker = create_user("m", "long-enough", ["maintenance"])
    device = devices.register_device(devices.get_type("CANE"), {}, by=None)
    repair = orders.open_order(device, WorkKind.REPAIR, by=maker)
    retirement.set_estimate(repair, 10_000_000, by=maker)
    assert retirement.retire_threshold_satang(device) is None and not retirement.retire_suggested(repair)


def test_retiring_needs_a_supervisor_and_closes_the_open_orders(actors):
    tag = new_device().tag
    loan = lend(actors, devices.get_device(tag))
    device = devices.get_device(tag)
    with pytest.raises(DomainError) as info:       # on loan: it must come back first
        retirement.request_retirement(device, RetirementKind.RETIRE, "เก่า", by=actors["maintenance"])
    assert info.value.code == 409 and info.value.errors["state"] == ["on_loan"]
    loans.receive_return(loan, Condition.UNUSABLE, by=actors["staff"])
    [cleaning] = orders.open_orders(device)
    repair = orders.open_order(device, WorkKind.REPAIR, by=actors["staff"], description="โครงหัก")
    retirement.set_estimate(repair, 300_000, by=actors["maintenance"])
    with pytest.raises(DomainError) as info:
        retirement.request_retirement(device, RetirementKind.RETIRE, "  ", by=actors["maintenance"])
    assert info.value.code == 422 and "reason" in info.value.errors
    with pytest.raises(DomainError) as info:
        retirement.request_retirement(device, RetirementKind.RETIRE, "x", by=actors["donor"])
    assert info.value.code == 403
    asked = retirement.request_retirement(device, RetirementKind.RETIRE, "ซ่อมไม่คุ้ม", by=actors["maintenance"],
                                        work_order=repair)
    assert asked.estimate_satang == 300_000 and device.status == DeviceStatus.RETURNED  # nothing moves yet
    with pytest.raises(DomainError) as info:      # one request at a time
        retirement.request_retirement(device, RetirementKind.LOST, "หาย", by=actors["staff"])
    assert info.value.code == 409
    for role in ("staff", "maintenance"):
        with pytest.raises(DomainError) as info:
            retirement.decide(asked, True, by=actors[role])
        assert info.value.code == 403
    retirement.decide(asked, True, "อนุมัติ", by=actors["supervisor"])
    assert device.status == DeviceStatus.RETIRED and asked.status == DecisionStatus.APPROVED
    assert {o.status for o in (cleaning, repair)} == {WorkStatus.CANCELLED}
    assert retirement.approved_for(device) is asked
    with pytest.raises(DomainError) as info:      # decided once
        retirement.decide(asked, False, "no", by=actors["supervisor"])
    assert info.value.code == 409
    actions = {e.action for e in devices.device_history(device)}
    assert {"device.created", "device.delivered", "device.retirement_requested", "device.retired"} <= actions
    with pytest.raises(DomainError) as info:      # a retired device is not lent
        waitlist.reserve(approved_request(actors, first_name="ข"), device, by=actors["staff"])
    assert info.value.code == 409


def test_a_rejection_needs_a_note_and_leaves_the_device_in_service(actors):
    device = new_device()
    asked = retirement.request_retirement(device, RetirementKind.LOST, "หาไม่เจอ", by=actors["staff"])
    with pytest.raises(DomainError) as info:
        retirement.decide(asked, False, " ", by=actors["supervisor"])
    assert info.value.code == 422 and "note" in info.value.errors
    retirement.decide(asked, False, "เจอแล้วที่ห้องเก็บของ", by=actors["supervisor"])
    assert asked.status == DecisionStatus.REJECTED and device.status == DeviceStatus.AVAILABLE
    again = retirement.request_retirement(device, RetirementKind.LOST, "หายจริง", by=actors["staff"])
    retirement.decide(again, True, by=actors["admin"])
    assert device.status == DeviceStatus.LOST


def test_the_admin_status_correction_cannot_retire(actors):
    device = new_device()
    with pytest.raises(DomainError) as info:
        devices.update_device(device, {"status": DeviceStatus.RETIRED}, version=device.version, by=actors["admin"])
    assert info.value.code == 422 and "status" in info.value.errors


@both_databases
def test_two_requests_at_once_give_one_pending(app):
    with app.app_context():
        for name in ("s1", "s2"):
            create_user(name, "long-enough", ["staff"])
        tag = devices.register_device(new_type(), {}, by=None).tag
        db.session.commit()

    def ask(username):
        retirement.request_retirement(devices.get_device(tag), RetirementKind.RETIRE, "เก่า", by=user_named(username))

    results = race(app, ask, ["s1", "s2"])
    assert sorted(results) == ["409", "ok"], results
    with app.app_context():
        assert len(list(db.session.scalars(retirement.requests_query("pending")))) == 1


def test_retirement_pages_and_the_label_page(app, client, client_as, make_type, make_device):
    make_type("WC", cleaning_steps=STEPS)
    tag = make_device("WC")
    staff, supervisor = client_as("staff"), client_as("supervisor")
    scan = staff.get(f"/d/{tag}").get_data(as_text=True)
    assert f"/maintenance/d/{tag}/retire" in scan
    assert staff.post(f"/maintenance/d/{tag}/retire", data={"kind": "retire", "reason": ""}).status_code == 422
    assert staff.post(f"/maintenance/d/{tag}/retire", data={"kind": "retire", "reason": "ล้อคด โครงร้าว"}
                      ).status_code == 302
    queue = supervisor.get("/maintenance/retirements").get_data(as_text=True)
    assert "ล้อคด โครงร้าว" in queue
    with app.app_context():
        request_id = db.session.scalar(select(retirement.requests_query("pending").subquery().c.id))
    assert staff.post(f"/maintenance/retirements/{request_id}", data={"decision": "approve"}).status_code == 403
    rejected = supervisor.post(f"/maintenance/retirements/{request_id}", data={"decision": "reject", "note": ""})
    assert rejected.status_code == 422
    assert supervisor.post(f"/maintenance/retirements/{request_id}",
                           data={"decision": "approve", "note": "ตรวจแล้ว"}).status_code == 302
    staff_scan = staff.get(f"/d/{tag}").get_data(as_text=True)
    assert "ล้อคด โครงร้าว" in staff_scan and "/retire" not in staff_scan  # says why; no steps left
    public = client.get(f"/d/{tag}").get_data(as_text=True)
    assert "ล้อคด โครงร้าว" not in public       # the reason is internal
    assert client.get(f"/d/{tag}").status_code == 200
    device_page = staff.get(f"/devices/{tag}").get_data(as_text=True)
    assert "ล้อคด โครงร้าว" in device_page


def test_retirement_api(client, api_headers, make_type, make_device):
    make_type("WC")
    tag = make_device("WC")
    staff, supervisor = api_headers("staff"), api_headers("supervisor")
    assert client.post("/api/v1/retirements", json={"device_tag": tag, "kind": "gone", "reason": "x"},
                       headers=staff).status_code == 422
    created = client.post("/api/v1/retirements", json={"device_tag": tag, "kind": "lost", "reason": "ไม่ได้คืน"},
                          headers=staff)
    assert created.status_code == 201 and created.get_json()["status"] == "pending"
    request_id = created.get_json()["id"]
    assert client.post("/api/v1/retirements", json={"device_tag": tag, "kind": "lost", "reason": "ซ้ำ"},
                       headers=staff).status_code == 409
    assert client.post(f"/api/v1/retirements/{request_id}/approve", json={}, headers=staff).status_code == 403
    assert client.post(f"/api/v1/retirements/{request_id}/reject", json={}, headers=supervisor).status_code == 422
    approved = client.post(f"/api/v1/retirements/{request_id}/approve", json={}, headers=supervisor)
    assert approved.status_code == 200 and approved.get_json()["decided_by"]
    assert client.get(f"/api/v1/devices/{tag}", headers=staff).get_json()["status"] == "lost"
    assert [r["id"] for r in client.get("/api/v1/retirements?status=approved", headers=staff).get_json()] \
        == [request_id]
    assert client.post("/api/v1/retirements/999/approve", json={}, headers=supervisor).status_code == 404


def test_the_estimate_on_the_phone_page_and_the_api(client, client_as, api_headers, make_type, make_device):
    make_type("WC")  # a new one costs 3,500 baht
    tag = make_device("WC")
    headers = api_headers("maintenance")
    order = client.post("/api/v1/work-orders", json={"device_tag": tag, "kind": "repair"}, headers=headers).get_json()
    response = client.post(f"/api/v1/work-orders/{order['id']}/estimate", json={"estimate_satang": 250_000},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["retire_suggested"] is True
    assert client.post(f"/api/v1/work-orders/{order['id']}/estimate", json={"estimate_satang": "x"},
                       headers=headers).status_code == 422
    tech = client_as("maintenance")
    page = tech.get(f"/maintenance/orders/{order['id']}").get_data(as_text=True)
    assert f"/maintenance/d/{tag}/retire?order={order['id']}" in page
    assert tech.post(f"/maintenance/orders/{order['id']}", data={"step": "estimate", "estimate-estimate": "1000"}
                     ).status_code == 302
    page = tech.get(f"/maintenance/orders/{order['id']}").get_data(as_text=True)
    assert "/retire?order=" not in page
    form = tech.get(f"/maintenance/d/{tag}/retire?order={order['id']}").get_data(as_text=True)
    assert form.count('name="reason"') == 1
    assert tech.get(f"/maintenance/d/{tag}/retire?order=999").status_code == 404
    assert tech.get(f"/maintenance/d/{tag}/retire?order=99999999999999999999").status_code == 200  # ignored


# --- preventive service -------------------------------------------------------------

def test_due_by_days_or_by_loans_whichever_comes_first(actors):
    old = new_device(acquired_on=dt.date.today() - dt.timedelta(days=120))
    fresh = new_device(acquired_on=dt.date.today() - dt.timedelta(days=10))
    due = {d.device.tag: d for d in preventive.service_due().items}
    assert set(due) == {old.tag} and due[old.tag].by_days and not due[old.tag].by_loans
    assert preventive.count_due() == 1          # the dashboard's count, in SQL
    inspection = orders.open_order(old, WorkKind.PREVENTIVE, by=actors["maintenance"])
    assert preventive.service_due().items[0].open_order_id == inspection.id
    orders.start(inspection, by=actors["maintenance"])
    orders.complete(inspection, passing(inspection), by=actors["maintenance"])
    assert old.status == DeviceStatus.AVAILABLE and preventive.service_due().total == 0 == preventive.count_due()
    # Two loans since the last inspection make the fresh one due long before 90 days.
    loan = lend(actors, fresh)
    loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
    clean(actors, fresh)
    assert preventive.service_due_for(fresh) is None
    lend(actors, fresh)
    found = preventive.service_due_for(fresh)
    assert found.by_loans and found.loans_since == 2 and found.on_loan and not found.by_days
    assert found.next_visit_on is not None
    # never inspected, due by loans counted from its acquisition: the count checks it as the list does
    assert preventive.count_due() == preventive.service_due().total == 1


@both_databases
def test_the_count_of_devices_due_reads_each_devices_own_last_inspection(actors):
    # Several devices inspected: the count's "loans since the last inspection" must read the
    # device's own inspection (PostgreSQL refuses a subquery that returns one row per device).
    found = [new_device(acquired_on=dt.date.today() - dt.timedelta(days=200)) for _ in range(3)]
    for device in found[:2]:
        inspection = orders.open_order(device, WorkKind.PREVENTIVE, by=actors["maintenance"])
        orders.start(inspection, by=actors["maintenance"])
        orders.complete(inspection, passing(inspection), by=actors["maintenance"])
    lend(actors, found[0])
    assert preventive.count_due() == preventive.service_due().total == 1     # the one never inspected


def test_a_device_on_loan_is_inspected_at_the_home(actors, app):
    with at_bangkok(2026, 5, 14, 9):  # lent when it was new, 200 days ago: due while at the home
        device = new_device(acquired_on=clock.today())
        lend(actors, device)
    flags = devices.device_flags([device])
    assert device.id in flags
    order = orders.open_order(device, WorkKind.PREVENTIVE, by=actors["staff"], source="schedule")
    assert orders.at_home(order) and orders.may_work_on(order, actors["assessor"])
    orders.start(order, by=actors["assessor"])              # a visitor does it at the home
    assert device.status == DeviceStatus.ON_LOAN
    orders.complete(order, {ITEMS[0]: "pass", ITEMS[1]: "fail"}, by=actors["assessor"])
    assert device.status == DeviceStatus.ON_LOAN and preventive.service_due_for(device) is None
    [repair] = orders.open_orders(device)                  # the failed item: a repair
    assert repair.kind == WorkKind.REPAIR and repair.parent_id == order.id
    assert not orders.may_work_on(repair, actors["assessor"])
    assert figures.device_figures(device)["downtime_days"] == 0.0  # it never left the home


def test_service_pages(app, client_as, make_type, make_device):
    make_type("WC", service_interval_days=30)
    old = make_device("WC", acquired_on=dt.date.today() - dt.timedelta(days=45))
    fresh = make_device("WC")
    tech = client_as("maintenance")
    page = tech.get("/maintenance/due").get_data(as_text=True)
    assert old in page and fresh not in page
    assert old in tech.get("/maintenance/due?type=WC").get_data(as_text=True)
    response = tech.post(f"/maintenance/d/{old}/service")
    assert response.status_code == 302 and "/maintenance/orders/" in response.headers["Location"]
    again = tech.post(f"/maintenance/d/{old}/service")         # the same order, not a second one
    assert again.headers["Location"] == response.headers["Location"]
    assert tech.post(f"/maintenance/d/{fresh}/service").status_code == 302
    with app.app_context():
        kinds = [o.kind for o in db.session.scalars(select(WorkOrder))]
    assert kinds == [WorkKind.PREVENTIVE]
    assert client_as("donor").get("/maintenance/due").status_code == 403
    assert "ทุก 30 วัน" in client_as("staff").get("/device-types").get_data(as_text=True)


def test_service_due_api(client, api_headers, make_type, make_device):
    make_type("WC", service_interval_days=30)
    tag = make_device("WC", acquired_on=dt.date.today() - dt.timedelta(days=31))
    body = client.get("/api/v1/maintenance/service-due", headers=api_headers("staff")).get_json()
    assert [(d["device_tag"], d["by_days"], d["device_status"]) for d in body] == [(tag, True, "available")]
    assert client.get("/api/v1/maintenance/service-due", headers=api_headers("donor")).status_code == 403
    for _ in range(3):
        make_device("WC", acquired_on=dt.date.today() - dt.timedelta(days=40))
    response = client.get("/api/v1/maintenance/service-due?page=2&page_size=3", headers=api_headers("staff"))
    assert json.loads(response.headers["X-Pagination"])["total"] == 4 and len(response.get_json()) == 1


# --- figures ---------------------------------------------------------------------------

def test_type_figures_mtbf_and_turnaround(actors):
    now = utcnow()
    # Within the 90 days' service interval, so that it may be lent.
    a = new_device(acquired_on=(now - dt.timedelta(days=80)).date())
    b = new_device(acquired_on=(now - dt.timedelta(days=80)).date())
    loan = lend(actors, a)
    loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
    [cleaning] = orders.open_orders(a)
    orders.start(cleaning, by=actors["maintenance"])
    orders.complete(cleaning, passing(cleaning), by=actors["maintenance"])
    # Pin the times: returned 12 days ago, back in stock 10 days ago (2 days' turnaround).
    cleaning.opened_at, cleaning.ready_at = now - dt.timedelta(days=12), now - dt.timedelta(days=10)
    repair = orders.open_order(b, WorkKind.REPAIR, by=actors["staff"])
    orders.start(repair, by=actors["maintenance"])
    orders.add_part(repair, "ยาง", 1, 0, by=actors["maintenance"])
    orders.complete(repair, {}, by=actors["maintenance"], condition=Condition.GOOD)
    repair.opened_at, repair.ready_at = now - dt.timedelta(days=30), now - dt.timedelta(days=26)
    orders.open_order(b, WorkKind.REPAIR, by=actors["staff"])   # a second failure, still open (in stock)
    db.session.flush()
    [wc] = figures.type_figures(now)
    assert wc["devices"] == 2 and wc["repairs"] == 2
    assert wc["turnaround_mean_days"] == 2.0 and wc["returns_turned_around"] == 1
    assert wc["downtime_days"] == 6.0
    # Both devices' days since acquisition, less 6 days out of service, over 2 failures.
    since = (now - dt.datetime.combine(a.acquired_on, dt.time(), tzinfo=dt.UTC)).total_seconds() / 86400
    assert wc["mtbf_days"] == pytest.approx((2 * since - 6) / 2, abs=0.06)
    assert figures.device_figures(a, now)["downtime_days"] == 2.0
    assert figures.device_figures(b, now)["repairs"] == 2


def test_downtime_counts_overlapping_orders_once(actors):
    device = new_device()
    now = utcnow()
    first = orders.open_order(device, WorkKind.INSPECTION, by=actors["staff"])
    orders.start(first, by=actors["maintenance"])
    orders.complete(first, {ITEMS[0]: "fail", ITEMS[1]: "pass"}, by=actors["maintenance"])
    [repair] = orders.open_orders(device)
    orders.start(repair, by=actors["maintenance"])
    orders.complete(repair, {}, by=actors["maintenance"], condition=Condition.GOOD)
    assert device.status == DeviceStatus.AVAILABLE and first.ready_at is not None
    first.opened_at, first.ready_at = now - dt.timedelta(days=5), now - dt.timedelta(days=1)
    repair.opened_at, repair.ready_at = now - dt.timedelta(days=3), now - dt.timedelta(days=1)
    assert figures.device_figures(device, now)["downtime_days"] == 4.0


def test_figures_pages_and_api(client, client_as, api_headers, make_type, make_device):
    make_type("WC")
    make_device("WC")
    body = client.get("/api/v1/maintenance/figures", headers=api_headers("treasurer")).get_json()
    assert body[0]["type_code"] == "WC" and body[0]["devices"] == 1 and body[0]["mtbf_days"] is None
    assert client_as("treasurer").get("/maintenance/figures").status_code == 200
    assert client_as("donor").get("/maintenance/figures").status_code == 403
