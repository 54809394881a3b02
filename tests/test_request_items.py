"""A request for several devices: assessed once, each device decided, reserved, delivered and
returned on its own; the request's status follows its items."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from fixtures.core import both_databases
from fixtures.lending import ADL_BED_BOUND, PERSON
from lending.models import RequestItem

BED_STEPS = ["ปรับระดับหัวเตียงด้วยมือหมุน"]


@pytest.fixture
def api(api_as, make_type, make_device):
    make_type("BED", "เตียงผู้ป่วย", "Hospital bed", instructions=BED_STEPS)
    make_type("AIR", "ที่นอนลม", "Air mattress")
    make_type("WC")
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor")}


def two_items(api, **extra):
    person = api["staff"].post("/api/v1/people", PERSON, expect=201)
    req = api["staff"].post("/api/v1/requests", {"person_id": person["id"], "device_types": ["BED", "AIR"],
                                                  "channel": "community_leader", **extra}, expect=201)
    assert [i["device_type"] for i in req["items"]] == ["BED", "AIR"] and req["device_type"] == "BED"
    return req


def deliver(api, req, tag, instructions=()):
    return api["staff"].post("/api/v1/loans", {"request_id": req["id"], "device_tag": tag,
                                               "instructions": list(instructions), "acknowledged_by": "ลูกสาว"},
                             expect=201)


@both_databases
def test_a_bed_and_an_air_mattress_go_their_own_ways(app, api, make_device):
    bed, air = make_device("BED"), make_device("AIR")
    req = two_items(api)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment",
                         {"adl_items": ADL_BED_BOUND, "suitable": True}, expect=201)
    req = api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    assert req["status"] == "approved"
    assert {i["device_type"]: i["proposed_device_tag"] for i in req["items"]} == {"BED": bed, "AIR": air}
    bed_item, air_item = req["items"]
    # The bed is reserved and delivered first; the request shows at its least advanced device.
    req = api["staff"].post(f"/api/v1/requests/{req['id']}/reservation", {"item_id": bed_item["id"]}, expect=200)
    assert req["status"] == "approved" and [i["status"] for i in req["items"]] == ["reserved", "approved"]
    bed_loan = deliver(api, req, bed, BED_STEPS)
    req = api["staff"].get(f"/api/v1/requests/{req['id']}")
    assert [i["status"] for i in req["items"]] == ["delivered", "approved"] and req["status"] == "approved"
    # The mattress by its tag: the item is found from the device's type.
    api["staff"].post(f"/api/v1/requests/{req['id']}/reservation", {"device_tag": air}, expect=200)
    air_loan = deliver(api, req, air)
    assert (bed_loan["item_id"], air_loan["item_id"]) == (bed_item["id"], air_item["id"])
    assert api["staff"].get(f"/api/v1/requests/{req['id']}")["status"] == "delivered"
    # One comes back, the other stays: still delivered; both back: closed.
    api["staff"].post(f"/api/v1/loans/{air_loan['id']}/return", {"condition": "good"}, expect=200)
    req = api["staff"].get(f"/api/v1/requests/{req['id']}")
    assert req["status"] == "delivered" and [i["status"] for i in req["items"]] == ["delivered", "returned"]
    api["staff"].post(f"/api/v1/loans/{bed_loan['id']}/return", {"condition": "fair"}, expect=200)
    assert api["staff"].get(f"/api/v1/requests/{req['id']}")["status"] == "closed"


def test_each_item_is_decided_on_its_own(app, api, make_device):
    make_device("BED")
    req = two_items(api)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment",
                         {"adl_items": ADL_BED_BOUND, "suitable": True,
                          "recommendations": [{"item_id": req["items"][1]["id"], "recommended_type": "AIR"}]},
                         expect=201)
    bed_item, air_item = req["items"]
    refused = api["supervisor"].call("post", f"/api/v1/requests/{req['id']}/decision",
                                     json={"approved": False, "item_id": air_item["id"]})
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    req = api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision",
                                 {"approved": False, "reason": "มีที่นอนลมแล้ว", "item_id": air_item["id"]},
                                 expect=200)
    assert req["status"] == "assessed" and [i["status"] for i in req["items"]] == ["requested", "rejected"]
    # Partly decided: no second assessment.
    again = api["assessor"].call("post", f"/api/v1/requests/{req['id']}/assessment",
                                 json={"adl_items": ADL_BED_BOUND, "suitable": True})
    assert again.status_code == 409
    req = api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    assert [i["status"] for i in req["items"]] == ["approved", "rejected"] and req["status"] == "approved"
    # No mattress in stock: had it been approved it would wait; the bed goes ahead.
    again = api["supervisor"].call("post", f"/api/v1/requests/{req['id']}/decision", json={"approved": True})
    assert again.status_code == 409


def test_cancel_one_item_or_what_is_left(app, api, make_device):
    bed = make_device("BED")
    req = two_items(api)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment",
                         {"adl_items": ADL_BED_BOUND, "suitable": True}, expect=201)
    req = api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    assert [i["status"] for i in req["items"]] == ["approved", "waitlisted"]
    assert req["status"] == "approved"
    api["staff"].post(f"/api/v1/requests/{req['id']}/reservation", {"device_tag": bed}, expect=200)
    req = api["staff"].post(f"/api/v1/requests/{req['id']}/cancel",
                            {"reason": "ญาติซื้อที่นอนลมเอง", "item_id": req["items"][1]["id"]}, expect=200)
    assert [i["status"] for i in req["items"]] == ["reserved", "cancelled"] and req["status"] == "reserved"
    deliver(api, req, bed, BED_STEPS)
    # Nothing left to cancel: 409 naming the state.
    nothing = api["staff"].call("post", f"/api/v1/requests/{req['id']}/cancel", json={"reason": "x"})
    assert nothing.status_code == 409 and nothing.get_json()["errors"]["state"] == ["delivered"]


def test_cancelling_one_item_before_the_assessment_leaves_the_request_where_it_was(app, api):
    req = two_items(api)
    air = req["items"][1]
    req = api["staff"].post(f"/api/v1/requests/{req['id']}/cancel",
                            {"reason": "ญาติซื้อที่นอนลมเอง", "item_id": air["id"]}, expect=200)
    assert req["status"] == "submitted" and [i["status"] for i in req["items"]] == ["requested", "cancelled"]
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.cancelled",
                                                              AuditEvent.object_id == str(req["id"])))
        assert "status" not in event.changes          # no false submitted -> assessed -> cancelled
    req = api["staff"].post(f"/api/v1/requests/{req['id']}/cancel", {"reason": "ย้ายไปอยู่กับลูก"}, expect=200)
    assert req["status"] == "cancelled"
    with app.app_context():
        moves = [event.changes.get("status") for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "request", AuditEvent.object_id == str(req["id"]))
            .order_by(AuditEvent.id)) if "status" in event.changes]
        assert moves == [[None, "submitted"], ["submitted", "cancelled"]]


def test_bad_item_lists_are_422(api):
    person = api["staff"].post("/api/v1/people", PERSON, expect=201)
    for body, field in (({"device_types": ["BED", "BED"]}, "device_types"), ({}, "device_type"),
                        ({"device_types": []}, "device_types")):
        response = api["staff"].call("post", "/api/v1/requests", json={"person_id": person["id"],
                                                                       "channel": "phone", **body})
        assert response.status_code == 422, body
        errors = response.get_json()["errors"]
        assert field in errors.get("json", errors), (body, errors)
    unknown = api["staff"].call("post", "/api/v1/requests", json={"person_id": person["id"], "channel": "phone",
                                                                  "device_types": ["BED", "XYZ"]})
    assert unknown.status_code == 404


def test_the_request_page_lists_each_item_with_its_own_step(app, api, client_as, make_device):
    bed = make_device("BED")
    req = two_items(api)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment",
                         {"adl_items": ADL_BED_BOUND, "suitable": True}, expect=201)
    api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    page = client_as("staff").get(f"/requests/{req['id']}").get_data(as_text=True)
    assert "อุปกรณ์ที่ขอยืม 2 รายการ" in page and "เตียงผู้ป่วย" in page and "ที่นอนลม" in page
    assert bed in page  # offered for the bed
    bed_item = req["items"][0]["id"]
    response = client_as("staff").post(f"/requests/{req['id']}/reservation", data={
        "item": bed_item, f"item{bed_item}-device_tag": bed})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RequestItem.status).where(RequestItem.id == bed_item)).value == "reserved"
