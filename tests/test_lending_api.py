"""The lending lifecycle through the JSON API, from intake to a closed return."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit import AccessEvent
from core.db import db
from fixtures.core import Api
from fixtures.lending import ADL_BED_BOUND, ADL_HOME_BOUND, ADL_SOCIAL_BOUND, PERSON, national_id
from lending.models import Loan
from lending.services.people import normalize_national_id
from core.errors import ValidationError

INSTRUCTIONS = ["ล็อกเบรกทุกครั้งก่อนลุกหรือนั่ง", "ตรวจลมยางทุกสัปดาห์"]


@pytest.fixture
def staff(api_as):
    return api_as("staff")


@pytest.fixture
def assessor(api_as):
    return api_as("assessor")


@pytest.fixture
def supervisor(api_as):
    return api_as("supervisor")


@pytest.fixture
def wheelchairs(app, make_type, make_device):
    make_type("WC", instructions=INSTRUCTIONS)
    return [make_device("WC") for _ in range(2)]


def new_person(staff, **overrides):
    return staff.post("/api/v1/people", {**PERSON, **overrides}, expect=201)


def new_request(staff, person_id, type_code="WC", **overrides):
    return staff.post("/api/v1/requests", {"person_id": person_id, "device_type": type_code,
                                            "channel": "call_center_1132", "urgency": "normal",
                                            "reason": "ผู้ป่วยติดเตียงหลังผ่าตัด", **overrides}, expect=201)


def assess(assessor, request_id, items=ADL_HOME_BOUND, **overrides):
    return assessor.post(f"/api/v1/requests/{request_id}/assessment",
                         {"adl_items": items, "suitable": True, "doorway_width_cm": 80, **overrides}, expect=201)


def approved_request(staff, assessor, supervisor, person_id, **overrides):
    req = new_request(staff, person_id, **overrides)
    assess(assessor, req["id"])
    return supervisor.post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)


def test_the_whole_lifecycle(app, staff, assessor, supervisor, wheelchairs):
    person = new_person(staff, national_id=national_id("110170023070"))
    req = new_request(staff, person["id"])
    assert req["status"] == "submitted" and req["age_days"] == 0
    req = staff.post(f"/api/v1/requests/{req['id']}/schedule", {"due_on": "2026-12-01", "assessor": None},
                     expect=200)
    assert req["status"] == "assessment_scheduled" and req["assessment_due_on"] == "2026-12-01"
    assessment = assess(assessor, req["id"], ADL_BED_BOUND, adl_total=3, dependency_group="bed_bound")
    assert assessment["adl_total"] == 3 and assessment["dependency_group"] == "bed_bound"
    req = supervisor.post(f"/api/v1/requests/{req['id']}/decision", {"approved": True, "reason": "เหมาะสม"},
                          expect=200)
    assert req["status"] == "approved" and req["proposed_device_tag"] == wheelchairs[0]
    req = staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    assert req["status"] == "reserved" and req["device_tag"] == wheelchairs[0]
    assert staff.get(f"/api/v1/devices/{wheelchairs[0]}")["status"] == "reserved"
    loan = staff.post("/api/v1/loans", {"request_id": req["id"], "device_tag": wheelchairs[0],
                                        "instructions": INSTRUCTIONS, "acknowledged_by": "สมชาย ใจดี",
                                        "acknowledged_relation": "บุตร", "latitude": 13.35, "longitude": 100.98},
                      expect=201)
    assert loan["is_open"] and loan["next_follow_up_on"] is not None
    assert staff.get(f"/api/v1/devices/{wheelchairs[0]}")["status"] == "on_loan"
    assert staff.get(f"/api/v1/requests/{req['id']}")["status"] == "delivered"
    visit = assessor.post(f"/api/v1/loans/{loan['id']}/followups",
                          {"in_use": True, "condition": "good", "adl_items": ADL_HOME_BOUND, "outcome": "improved"},
                          expect=201)
    assert visit["adl_total"] == 8 and visit["dependency_group"] == "home_bound"
    loan = staff.post(f"/api/v1/loans/{loan['id']}/return", {"condition": "fair", "notes": "ล้อหน้าสึก"},
                      expect=200)
    assert not loan["is_open"] and loan["return_condition"] == "fair"
    device = staff.get(f"/api/v1/devices/{wheelchairs[0]}")
    assert device["status"] == "returned" and device["condition"] == "fair"
    assert staff.get(f"/api/v1/requests/{req['id']}")["status"] == "closed"
    history = staff.get(f"/api/v1/people/{person['id']}/history")
    assert len(history["requests"]) == 1 and len(history["loans"]) == 1 and len(history["follow_ups"]) == 1
    assert [entry["id"] for entry in staff.get(f"/api/v1/devices/{wheelchairs[0]}/loans")] == [loan["id"]]
    actions = [e["action"] for e in staff.get(f"/api/v1/devices/{wheelchairs[0]}/history")]
    # The return opened the cleaning order (the gate) right after the device came back.
    assert actions[:4] == ["work_order.opened", "device.returned", "device.delivered", "device.reserved"]


# --- people --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, valid", [
    ("1101700230708", True), ("1-1017-00230-70-8", True), ("3 1005 01234 56 5", None),
    ("1101700230709", False), ("110170023070", False), ("11017002307081", False), ("ABCDEFGHIJKLM", False),
])
def test_national_id_checksum(ctx, value, valid):
    if valid is None:  # computed: whatever the 13th digit must be
        digits = "".join(ch for ch in value if ch.isdigit())[:12]
        assert normalize_national_id(national_id(digits)) == national_id(digits)
        return
    if valid:
        assert normalize_national_id(value) == "1101700230708"
    else:
        with pytest.raises(ValidationError) as info:
            normalize_national_id(value)
        assert "national_id" in info.value.errors


def test_helper_check_digit_matches_the_issue_formula():
    digits = "110170023070"
    expected = (11 - sum(int(d) * (14 - i) for i, d in enumerate(digits, start=1)) % 11) % 10
    assert national_id(digits)[-1] == str(expected)


def test_people_validation_and_duplicates(staff):
    nid = national_id("310050123456")
    new_person(staff, national_id=nid)
    response = staff.call("post", "/api/v1/people", json={**PERSON, "national_id": nid})
    # Thai unless the client asks otherwise.
    assert response.status_code == 409 and response.get_json()["errors"]["national_id"] == ["ลงทะเบียนแล้ว"]
    response = staff.call("post", "/api/v1/people", json={**PERSON, "national_id": "1101700230709"})
    assert response.status_code == 422 and "national_id" in response.get_json()["errors"]
    for bad, field in ((({**PERSON, "consent": None}), "consent"), ({**PERSON, "postcode": "2000"}, "postcode"),
                       ({**PERSON, "disability_types": ["flying"]}, "disability_types"),
                       ({**PERSON, "first_name": ""}, "first_name"), ({**PERSON, "phone": "call me"}, "phone")):
        response = staff.call("post", "/api/v1/people", json=bad)
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], field


def test_national_id_is_masked_for_assessors_and_reads_are_logged(app, staff, assessor):
    nid = national_id("310050123456")
    person = new_person(staff, national_id=nid)
    assert person["national_id"] == nid
    seen = assessor.get(f"/api/v1/people/{person['id']}")
    assert seen["national_id"] == f"x-xxxx-xxxxx-{nid[10:12]}-{nid[12]}"
    results = staff.get(f"/api/v1/people?q={nid[-6:]}")
    assert [p["id"] for p in results] == [person["id"]]
    assert [p["id"] for p in staff.get("/api/v1/people?q=สมศรี&moo=4")] == [person["id"]]
    with app.app_context():
        logged = sorted(db.session.scalars(select(AccessEvent.purpose).where(AccessEvent.object_type == "person")))
        assert logged == ["api.people", "api.people", "api.read"]  # the read, and each search's one person


def test_person_edit_uses_versions(staff):
    person = new_person(staff)
    edited = staff.call("patch", f"/api/v1/people/{person['id']}", json={"moo": "5", "version": 1}).get_json()
    assert edited["moo"] == "5" and edited["version"] == 2
    stale = staff.call("patch", f"/api/v1/people/{person['id']}", json={"moo": "6", "version": 1})
    assert stale.status_code == 409


# --- guards --------------------------------------------------------------------------------

def test_illegal_transitions_are_409_naming_the_state(staff, assessor, supervisor, wheelchairs):
    person = new_person(staff)
    req = new_request(staff, person["id"])
    rid = req["id"]
    for path, body, role in ((f"/api/v1/requests/{rid}/decision", {"approved": True}, supervisor),
                             (f"/api/v1/requests/{rid}/reservation", {}, staff),
                             ("/api/v1/loans", {"request_id": rid, "device_tag": wheelchairs[0],
                                                "instructions": INSTRUCTIONS, "acknowledged_by": "x"}, staff)):
        response = role.call("post", path, json=body)
        assert response.status_code == 409, path
        assert response.get_json()["errors"]["state"] == ["submitted"]
        assert "สถานะใหม่" in response.get_json()["message"]   # the state, named in the reader's language
    assess(assessor, rid)
    supervisor.post(f"/api/v1/requests/{rid}/decision", {"approved": False, "reason": "ไม่เหมาะสม"}, expect=200)
    response = staff.call("post", f"/api/v1/requests/{rid}/cancel", json={"reason": "x"})
    assert response.status_code == 409 and response.get_json()["errors"]["state"] == ["rejected"]
    response = assessor.call("post", f"/api/v1/requests/{rid}/assessment",
                             json={"adl_items": ADL_HOME_BOUND, "suitable": True})
    assert response.status_code == 409


def test_rejection_needs_a_reason_and_assessment_must_add_up(staff, assessor, supervisor, wheelchairs):
    req = new_request(staff, new_person(staff)["id"])
    bad = assessor.call("post", f"/api/v1/requests/{req['id']}/assessment",
                        json={"adl_items": ADL_HOME_BOUND, "adl_total": 9, "suitable": True})
    assert bad.status_code == 422 and "adl_total" in bad.get_json()["errors"]
    bad = assessor.call("post", f"/api/v1/requests/{req['id']}/assessment",
                        json={"adl_items": [3] * 10, "suitable": True})
    assert bad.status_code == 422 and "adl_items" in bad.get_json()["errors"]
    bad = assessor.call("post", f"/api/v1/requests/{req['id']}/assessment",
                        json={"adl_items": [1] * 9, "suitable": True})
    assert bad.status_code == 422
    assess(assessor, req["id"])
    response = supervisor.call("post", f"/api/v1/requests/{req['id']}/decision", json={"approved": False})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]
    assert staff.get(f"/api/v1/requests/{req['id']}")["status"] == "assessed"


def test_delivery_needs_every_instruction_acknowledged(staff, assessor, supervisor, wheelchairs):
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    response = staff.call("post", "/api/v1/loans", json={"request_id": req["id"], "device_tag": wheelchairs[0],
                                                          "instructions": INSTRUCTIONS[:1], "acknowledged_by": "x"})
    assert response.status_code == 422 and "instructions" in response.get_json()["errors"]
    assert staff.get(f"/api/v1/devices/{wheelchairs[0]}")["status"] == "reserved"


def test_delivering_another_available_device_swaps_the_reservation(staff, assessor, supervisor, wheelchairs):
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {"device_tag": wheelchairs[0]}, expect=200)
    staff.post("/api/v1/loans", {"request_id": req["id"], "device_tag": wheelchairs[1], "instructions": INSTRUCTIONS,
                                 "acknowledged_by": "x"}, expect=201)
    assert staff.get(f"/api/v1/devices/{wheelchairs[0]}")["status"] == "available"
    assert staff.get(f"/api/v1/devices/{wheelchairs[1]}")["status"] == "on_loan"


def test_waitlist_order_and_proposal_when_a_device_comes_back(app, client, api_headers, staff, assessor,
                                                              supervisor, make_type, make_device):
    make_type("WC", instructions=INSTRUCTIONS)
    only = make_device("WC")
    first = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{first['id']}/reservation", {}, expect=200)
    # Three more people wait: normal+home-bound, urgent+social-bound, normal+bed-bound.
    waiting = []
    for urgency, items in (("normal", ADL_HOME_BOUND), ("urgent", ADL_SOCIAL_BOUND), ("normal", ADL_BED_BOUND)):
        req = new_request(staff, new_person(staff)["id"], urgency=urgency)
        assess(assessor, req["id"], items)
        decided = supervisor.post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
        assert decided["status"] == "waitlisted"
        waiting.append(req["id"])
    order = [r["id"] for r in staff.get("/api/v1/waitlist?type=WC")]
    assert order == [waiting[1], waiting[2], waiting[0]]  # urgent first, then bed-bound before home-bound
    response = staff.call("post", f"/api/v1/requests/{waiting[1]}/reservation", json={})
    assert response.status_code == 409  # nothing available yet
    # The first loan runs its course; the chair comes back and is released (no cleaning module yet).
    loan = staff.post("/api/v1/loans", {"request_id": first["id"], "device_tag": only,
                                        "instructions": INSTRUCTIONS, "acknowledged_by": "x"}, expect=201)
    staff.post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good"}, expect=200)
    assert staff.get(f"/api/v1/requests/{waiting[1]}")["proposed_device_tag"] is None
    admin = Api(client, api_headers("admin"))
    assert staff.call("post", f"/api/v1/devices/{only}/release").status_code == 403
    admin.post(f"/api/v1/devices/{only}/release", expect=200)
    head = staff.get(f"/api/v1/requests/{waiting[1]}")
    assert head["proposed_device_tag"] == only
    assert staff.get(f"/api/v1/requests/{waiting[2]}")["proposed_device_tag"] is None
    assert staff.post(f"/api/v1/requests/{waiting[1]}/reservation", {}, expect=200)["device_tag"] == only


def test_a_returned_device_cannot_be_lent_before_release(staff, assessor, supervisor, make_type, make_device):
    make_type("WC", instructions=INSTRUCTIONS)
    tag = make_device("WC")
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = staff.post("/api/v1/loans", {"request_id": req["id"], "device_tag": tag, "instructions": INSTRUCTIONS,
                                        "acknowledged_by": "x"}, expect=201)
    staff.post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good"}, expect=200)
    other = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    assert other["status"] == "waitlisted"
    response = staff.call("post", f"/api/v1/requests/{other['id']}/reservation", json={"device_tag": tag})
    assert response.status_code == 409 and response.get_json()["errors"]["state"] == ["returned"]


def test_cancelling_a_reserved_request_frees_the_device(staff, assessor, supervisor, wheelchairs):
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    staff.post(f"/api/v1/requests/{req['id']}/cancel", {"reason": "ครอบครัวซื้อเอง"}, expect=200)
    assert staff.get(f"/api/v1/devices/{wheelchairs[0]}")["status"] == "available"


def test_pickup_outcomes_schedule_a_pickup_and_problems_raise_a_report(app, staff, assessor, supervisor,
                                                                       wheelchairs):
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = staff.post("/api/v1/loans", {"request_id": req["id"], "device_tag": wheelchairs[0],
                                        "instructions": INSTRUCTIONS, "acknowledged_by": "x"}, expect=201)
    assessor.post(f"/api/v1/loans/{loan['id']}/followups",
                  {"in_use": False, "condition": "poor", "outcome": "no_longer_needed",
                   "problems": "เบรกไม่อยู่", "raise_problem": True}, expect=201)
    loan = staff.get(f"/api/v1/loans/{loan['id']}")
    assert loan["pickup_reason"] == "no_longer_needed" and loan["next_follow_up_on"] is None
    # The problem found at the visit opened a repair, labelled as from the visit (not from the public).
    history = staff.get(f"/api/v1/devices/{wheelchairs[0]}/history")
    assert [e["action"] for e in history[:3]] == ["device.report_handled", "work_order.opened",
                                                  "device.problem_reported"]
    assert history[2]["changes"]["source"] == "follow_up"
    orders = staff.get(f"/api/v1/work-orders?device_tag={wheelchairs[0]}")
    assert [(o["kind"], o["source"], o["status"]) for o in orders] == [("repair", "follow_up", "open")]


# --- idempotency ------------------------------------------------------------------------------

def test_idempotency_key_on_requests(staff, make_type):
    make_type("WC")
    person = new_person(staff)
    body = {"person_id": person["id"], "device_type": "WC", "channel": "line"}
    key = {"Idempotency-Key": "call-42"}
    first = staff.call("post", "/api/v1/requests", json=body, headers=key)
    again = staff.call("post", "/api/v1/requests", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(staff.get("/api/v1/requests")) == 1
    different = staff.call("post", "/api/v1/requests", json={**body, "channel": "phone"}, headers=key)
    assert different.status_code == 422 and "Idempotency-Key" in different.get_json()["errors"]
    assert len(staff.get("/api/v1/requests")) == 1


def test_idempotency_key_on_loans(app, staff, assessor, supervisor, wheelchairs):
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    body = {"request_id": req["id"], "device_tag": wheelchairs[0], "instructions": INSTRUCTIONS,
            "acknowledged_by": "x"}
    key = {"Idempotency-Key": "deliver-1"}
    first = staff.call("post", "/api/v1/loans", json=body, headers=key)
    again = staff.call("post", "/api/v1/loans", json=body, headers=key)
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    without_key = staff.call("post", "/api/v1/loans", json=body)
    assert without_key.status_code == 409  # a real second delivery is refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Loan)) == 1


# --- roles ----------------------------------------------------------------------------------------

PEOPLE_ROLES = ["staff", "assessor", "supervisor", "admin"]


@pytest.mark.parametrize("role", ["admin", "staff", "assessor", "supervisor", "maintenance", "treasurer", "donor"])
@pytest.mark.parametrize("method, path, allowed", [
    ("get", "/api/v1/people", PEOPLE_ROLES),
    ("get", "/api/v1/people/1", PEOPLE_ROLES),
    ("get", "/api/v1/people/1/history", PEOPLE_ROLES),
    ("get", "/api/v1/requests", PEOPLE_ROLES),
    ("get", "/api/v1/requests/1", PEOPLE_ROLES),
    ("get", "/api/v1/waitlist", PEOPLE_ROLES),
    ("get", "/api/v1/loans", PEOPLE_ROLES),
    ("post", "/api/v1/people", ["staff", "admin"]),
    ("post", "/api/v1/requests", ["staff", "assessor", "supervisor", "admin"]),
    ("post", "/api/v1/requests/1/assessment", ["assessor", "admin"]),
    ("post", "/api/v1/requests/1/decision", ["supervisor", "admin"]),
    ("post", "/api/v1/requests/1/reservation", ["staff", "supervisor", "admin"]),
    ("post", "/api/v1/loans", ["staff", "admin"]),
    ("post", "/api/v1/devices/BS-WC-00001/release", ["admin"]),
])
def test_lending_api_role_matrix(client, api_headers, role, method, path, allowed):
    response = getattr(client, method)(path, json={} if method == "post" else None, headers=api_headers(role))
    if role in allowed:
        assert response.status_code not in (401, 403), response.get_json()
    else:
        assert response.status_code == 403


def test_closed_loans_take_no_more_steps(staff, assessor, supervisor, wheelchairs):
    req = approved_request(staff, assessor, supervisor, new_person(staff)["id"])
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = staff.post("/api/v1/loans", {"request_id": req["id"], "device_tag": wheelchairs[0],
                                        "instructions": INSTRUCTIONS, "acknowledged_by": "x"}, expect=201)
    staff.post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good"}, expect=200)
    again = staff.call("post", f"/api/v1/loans/{loan['id']}/return", json={"condition": "good"})
    assert again.status_code == 409 and again.get_json()["errors"]["state"] == ["closed"]
    visit = assessor.call("post", f"/api/v1/loans/{loan['id']}/followups",
                          json={"in_use": True, "condition": "good", "outcome": "stable"})
    assert visit.status_code == 409
    bad = staff.call("post", "/api/v1/loans/999/return", json={"condition": "good"})
    assert bad.status_code == 404
    bad = assessor.call("post", f"/api/v1/loans/{loan['id']}/followups",
                        json={"in_use": "maybe", "condition": "shiny", "outcome": "better"})
    assert bad.status_code == 422 and {"in_use", "condition", "outcome"} <= set(bad.get_json()["errors"]["json"])
