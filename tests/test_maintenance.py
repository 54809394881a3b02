"""Maintenance: the cleaning gate, checklists, repairs paid by the fund, reissue to the waitlist."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import DomainError
from core.users import create_user
from devices import services as devices
from devices.models import Condition, DeviceStatus, ReportKind
from fixtures.core import both_databases, race
from fixtures.devices import new_type
from fixtures.lending import approved_request
from fixtures.maintenance import ITEMS, STEPS, passing
from fixtures.users import make_actors, user_named
from fund.models import Allocation, PaymentMethod
from fund.services import donations, ledger
from lending.services import loans, waitlist
from maintenance.services import figures, orders
from maintenance.models import WorkKind, WorkOrder, WorkStatus


def lend_and_return(actors):
    """Take one wheelchair through a loan and back; returns its tag."""
    tag = devices.register_device(devices.get_type("WC"), {}, by=None).tag
    req = approved_request(actors)
    waitlist.reserve(req, by=actors["staff"])
    loan = loans.deliver(req, req.device, instructions=[], acknowledged_by="x", by=actors["staff"])
    loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
    return tag


@pytest.fixture
def actors(actors):
    """Every role, and wheelchairs cleaned in two steps with ten minutes' contact time."""
    new_type(cleaning_steps=STEPS, contact_time_minutes=10, inspection_items=ITEMS, reference_price_satang=350_000)
    db.session.commit()
    return actors


def waiting_request(actors):
    return approved_request(actors, first_name="รอ", channel="line")


def test_a_return_opens_cleaning_and_the_gate_holds_until_it_is_done(actors):
    tag = lend_and_return(actors)
    device = devices.get_device(tag)
    [order] = orders.open_orders(device)
    assert order.kind == WorkKind.CLEANING and order.source == "return"
    waiting = waiting_request(actors)
    assert waiting.status.value == "waitlisted"
    with pytest.raises(DomainError) as info:
        waitlist.reserve(waiting, device, by=actors["staff"])
    assert info.value.code == 409 and info.value.errors["state"] == ["returned"]
    orders.start(order, by=actors["maintenance"])
    assert device.status == DeviceStatus.IN_MAINTENANCE
    with pytest.raises(DomainError) as info:
        orders.complete(order, {STEPS[0]: "pass"}, by=actors["maintenance"])
    assert info.value.code == 422 and "checklist" in info.value.errors
    with pytest.raises(DomainError):
        orders.complete(order, {**passing(order), STEPS[1]: "fail"}, by=actors["maintenance"])
    with pytest.raises(DomainError) as info:
        orders.cancel(order, "no", by=actors["maintenance"])
    assert info.value.code == 409
    orders.complete(order, passing(order), by=actors["maintenance"])
    assert device.status == DeviceStatus.AVAILABLE
    assert waiting.items[0].proposed_device_id == device.id  # reissue proposes the head of the waitlist
    waitlist.reserve(waiting, by=actors["staff"])
    assert waiting.device.id == device.id


def test_a_failed_inspection_opens_a_repair_and_the_fund_pays_it(actors):
    tag = devices.register_device(devices.get_type("WC"), {}, by=None).tag
    device = devices.get_device(tag)
    inspection = orders.open_order(device, WorkKind.INSPECTION, by=actors["maintenance"])
    orders.start(inspection, by=actors["maintenance"])
    orders.complete(inspection, {"เบรก": "fail", "ยาง": "pass"}, by=actors["maintenance"])
    [repair] = orders.open_orders(device)
    assert repair.kind == WorkKind.REPAIR and repair.parent_id == inspection.id and device.status.value == \
        "in_maintenance"
    orders.add_part(repair, "ผ้าเบรก", 2, 15_000, by=actors["maintenance"])
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Allocation))
    with pytest.raises(DomainError) as info:  # the fund is empty: refused, nothing written
        orders.complete(repair, {}, by=actors["maintenance"], labour_hours=1, labour_rate_satang=20_000,
                          condition=Condition.GOOD)
    assert info.value.code == 409
    db.session.rollback()
    assert orders.get_order(repair.id).status == WorkStatus.IN_PROGRESS or \
        orders.get_order(repair.id).status == WorkStatus.OPEN
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == before
    donor = donations.create_donor({"name": "ผู้ใจบุญ"}, by=actors["treasurer"])
    gift = donations.donate_cash(donor, 100_000, ledger.GENERAL_FUND, PaymentMethod.CASH, by=actors["treasurer"])
    repair = orders.get_order(repair.id)
    orders.complete(repair, {}, by=actors["maintenance"], labour_hours=1, labour_rate_satang=20_000,
                      condition=Condition.GOOD)
    assert repair.total_satang == 50_000 and repair.spending_id is not None
    assert donations.allocated(gift) == 50_000
    assert devices.get_device(tag).status == DeviceStatus.AVAILABLE


def test_problem_reports_become_work_orders(actors):
    tag = devices.register_device(devices.get_type("WC"), {}, by=None).tag
    report = devices.report_problem(devices.get_device(tag), ReportKind.PROBLEM, "ล้อหลวม")
    order = orders.triage(report, WorkKind.REPAIR, by=actors["staff"])
    assert order.problem_report_id == report.id and order.description == "ล้อหลวม"
    assert report.handled_at is not None


def test_the_admin_override_closes_the_cleaning_order(actors):
    tag = lend_and_return(actors)
    device = devices.get_device(tag)
    loans.release_without_cleaning(device, by=actors["admin"])
    assert orders.open_orders(device) == []
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.device_id == device.id))
    assert order.status == WorkStatus.CANCELLED and "override" in order.notes


@both_databases
def test_two_people_finishing_the_same_cleaning_at_once(app):
    with app.app_context():
        for name in ("tech1", "tech2"):
            create_user(name, "long-enough", ["maintenance"])
        new_type(cleaning_steps=STEPS)
        actors = make_actors("staff", "assessor", "supervisor")
        tag = lend_and_return(actors)
        db.session.commit()
        order_id = orders.open_orders(devices.get_device(tag))[0].id
    def finish(username):
        order = orders.get_order(order_id)
        orders.complete(order, passing(order), by=user_named(username))

    results = race(app, finish, ["tech1", "tech2"])
    assert sorted(results)[1] == "ok" and sorted(results)[0] in ("409", "StaleDataError"), results
    with app.app_context():
        assert devices.get_device(tag).status == DeviceStatus.AVAILABLE
        done = db.session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.status == "done"))
        assert done == 1


def test_the_phone_flow_and_the_api(app, client, client_as, api_headers, make_type, make_device):
    make_type("WC", cleaning_steps=STEPS)
    tag = make_device("WC")
    tech = client_as("maintenance")
    assert tech.get(f"/maintenance/d/{tag}").status_code == 302  # a GET opens nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0
    response = tech.post(f"/maintenance/d/{tag}")  # the scan page's button: opens an inspection
    assert response.status_code == 302
    order_url = response.headers["Location"]
    page = tech.get(order_url).get_data(as_text=True)
    assert "ชิ้นส่วนที่เคลื่อนไหวและตัวล็อก" in page  # the default inspection checklist
    assert tech.post(order_url, data={"step": "start"}).status_code == 302
    data = {"step": "finish", "item-0": "pass", "item-1": "pass"}
    assert tech.post(order_url, data=data).status_code == 422  # one item not ticked
    data["item-2"] = "pass"
    assert tech.post(order_url, data=data).status_code == 302
    headers = api_headers("maintenance")
    orders = client.get(f"/api/v1/work-orders?device_tag={tag}", headers=headers).get_json()
    assert orders[0]["status"] == "done" and orders[0]["kind"] == "inspection"
    created = client.post("/api/v1/work-orders", json={"device_tag": tag, "kind": "repair"}, headers=headers)
    assert created.status_code == 201
    order_id = created.get_json()["id"]
    assert client.post(f"/api/v1/work-orders/{order_id}/parts", json={"name": "ยาง", "quantity": 0,
                                                                     "unit_cost_satang": 100},
                       headers=headers).status_code == 422
    unsaid = client.post(f"/api/v1/work-orders/{order_id}/complete", json={}, headers=headers)
    assert unsaid.status_code == 422 and "condition" in unsaid.get_json()["errors"]  # a repair says how it left it
    done = client.post(f"/api/v1/work-orders/{order_id}/complete", json={"condition": "fair"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert client.get(f"/api/v1/devices/{tag}", headers=headers).get_json()["condition"] == "fair"
    assert client.post(f"/api/v1/work-orders/{order_id}/complete", json={}, headers=headers).status_code == 409
    assert client.post("/api/v1/work-orders", json={"device_tag": tag, "kind": "repair"},
                       headers=api_headers("treasurer")).status_code == 403
    assert client.get("/api/v1/work-orders", headers=api_headers("donor")).status_code == 403


def test_waiting_for_parts_and_device_figures(actors):
    tag = devices.register_device(devices.get_type("WC"), {}, by=None).tag
    device = devices.get_device(tag)
    order = orders.open_order(device, WorkKind.REPAIR, by=actors["maintenance"])
    with pytest.raises(DomainError):
        orders.wait_for_parts(order, by=actors["maintenance"])  # not started yet
    orders.start(order, by=actors["maintenance"])
    orders.wait_for_parts(order, "รอยางใน", by=actors["maintenance"])
    assert order.status == WorkStatus.WAITING_PARTS and device.status == DeviceStatus.IN_MAINTENANCE
    orders.start(order, by=actors["maintenance"])
    orders.complete(order, {}, by=actors["maintenance"], condition=Condition.GOOD)
    found = figures.device_figures(device)
    assert found["orders"] == 1 and found["repair_cost_satang"] == 0 and found["downtime_days"] >= 0


def test_device_maintenance_figures_api(client, api_headers, make_device):
    tag = make_device("WC")
    body = client.get(f"/api/v1/devices/{tag}/maintenance", headers=api_headers("maintenance")).get_json()
    assert body == {"orders": 0, "repairs": 0, "repair_cost_satang": 0, "downtime_days": 0.0,
                    "in_maintenance_now": False}
    assert client.get("/api/v1/devices/NOPE/maintenance", headers=api_headers("staff")).status_code == 404
