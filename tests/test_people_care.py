"""People as they really are: life status, chronic diseases, the disability card, the care plan,
welfare referrals; and each home visitor's day ("my work") with the volunteers' zones."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from core.users import User, UserRole
from fixtures.core import at_bangkok
from fixtures.lending import ADL_BED_BOUND, PERSON

INSTRUCTIONS = ["ล็อกเบรก"]


@pytest.fixture
def api(api_as, make_type, make_device):
    make_type("WC", instructions=INSTRUCTIONS)
    make_type("AIR", "ที่นอนลม", "Air mattress")
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor")}


def lent(api, make_device, person_id=None, **person):
    tag = make_device("WC")
    if person_id is None:
        person_id = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None, **person}, expect=201)["id"]
    req = api["staff"].post("/api/v1/requests", {"person_id": person_id, "device_type": "WC", "channel": "phone"},
                            expect=201)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment", {"adl_items": ADL_BED_BOUND,
                                                                      "suitable": True}, expect=201)
    api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    api["staff"].post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = api["staff"].post("/api/v1/loans", {"request_id": req["id"], "device_tag": tag,
                                               "instructions": INSTRUCTIONS, "acknowledged_by": "ก"}, expect=201)
    return person_id, req, loan


def test_a_death_at_a_visit_marks_the_person_and_clears_their_worklists(api, make_device):
    person_id, _req, loan = lent(api, make_device)
    waiting = api["staff"].post("/api/v1/requests", {"person_id": person_id, "device_type": "AIR",
                                                     "channel": "phone"}, expect=201)
    api["assessor"].post(f"/api/v1/loans/{loan['id']}/followups", {"in_use": False, "condition": "good",
                                                                    "outcome": "died"}, expect=201)
    person = api["staff"].get(f"/api/v1/people/{person_id}")
    assert person["life_status"] == "deceased" and person["life_status_on"] == "2026-11-30"
    assert api["staff"].get(f"/api/v1/requests/{waiting['id']}")["status"] == "cancelled"
    assert api["staff"].get(f"/api/v1/loans/{loan['id']}")["pickup_reason"] == "died"
    refused = api["staff"].call("post", "/api/v1/requests", json={"person_id": person_id, "device_type": "WC",
                                                                  "channel": "phone"})
    assert refused.status_code == 409 and refused.get_json()["errors"]["life_status"] == ["deceased"]


def test_life_status_by_hand(api, make_device, client_as):
    person_id, _req, loan = lent(api, make_device)
    moved = api["assessor"].post(f"/api/v1/people/{person_id}/life-status",
                                 {"status": "moved", "on": "2026-11-29", "note": "ย้ายไปอยู่กับลูกที่ระยอง"},
                                 expect=200)
    assert moved["life_status"] == "moved"
    loan = api["staff"].get(f"/api/v1/loans/{loan['id']}")
    assert loan["pickup_reason"] == "moved" and loan["next_follow_up_on"] is None
    future = api["staff"].call("post", f"/api/v1/people/{person_id}/life-status",
                               json={"status": "in_hospital", "on": "2026-12-25"})
    assert future.status_code == 422 and "on" in future.get_json()["errors"]
    page = client_as("staff").post(f"/people/{person_id}/life-status",
                                   data={"status": "in_hospital", "on": "30/11/2569"})
    assert page.status_code == 302
    assert api["staff"].get(f"/api/v1/people/{person_id}")["life_status"] == "in_hospital"
    assert api["staff"].call("post", f"/api/v1/people/{person_id}/life-status",
                             json={"status": "alive"}).status_code == 422
    assert client_as("treasurer").post(f"/people/{person_id}/life-status", data={"status": "deceased"}
                                       ).status_code == 403


def test_the_person_record_carries_conditions_card_care_plan_and_referrals(api, client_as):
    person = api["staff"].post("/api/v1/people", {**PERSON, "chronic_conditions": ["diabetes", "stroke"],
                                                  "disability_card_no": "3200100123456",
                                                  "disability_card_type": "physical",
                                                  "disability_card_expires_on": "2026-10-01"}, expect=201)
    assert person["chronic_conditions"] == ["diabetes", "stroke"] and person["disability_card_type"] == "physical"
    bad = api["staff"].call("post", "/api/v1/people", json={**PERSON, "chronic_conditions": ["flu"]})
    assert bad.status_code == 422
    plan = {"needs": [{"task": "turning", "done_by": "family", "how_often": "ทุก 2 ชั่วโมง"},
                      {"task": "feeding_tube", "done_by": "volunteer"}]}
    refused = api["assessor"].call("put", f"/api/v1/people/{person['id']}/care-plan", json=plan)
    assert refused.status_code == 422 and "needs" in refused.get_json()["errors"]   # a nurse's task
    plan["needs"][1]["done_by"] = "nurse"
    saved = api["assessor"].call("put", f"/api/v1/people/{person['id']}/care-plan", json=plan).get_json()
    assert [(n["task"], n["done_by"]) for n in saved["needs"]] == [("turning", "family"), ("feeding_tube", "nurse")]
    referral = api["staff"].post(f"/api/v1/people/{person['id']}/referrals",
                                 {"reason": "ไม่มีรายได้ ค่าผ้าอ้อมไม่พอ"}, expect=201)
    assert referral["status"] == "referred"
    second = api["staff"].call("post", f"/api/v1/people/{person['id']}/referrals", json={"reason": "อีกเรื่อง"})
    assert second.status_code == 409
    unfinished = api["staff"].call("patch", f"/api/v1/referrals/{referral['id']}",
                                   json={"status": "helped", "version": referral["version"]})
    assert unfinished.status_code == 422 and "outcome" in unfinished.get_json()["errors"]
    done = api["staff"].call("patch", f"/api/v1/referrals/{referral['id']}", json={
        "status": "helped", "outcome": "ได้เบี้ยความพิการและถุงยังชีพ", "version": referral["version"]}).get_json()
    assert done["status"] == "helped"
    stale = api["staff"].call("patch", f"/api/v1/referrals/{referral['id']}",
                              json={"status": "closed", "outcome": "x", "version": referral["version"]})
    assert stale.status_code == 409
    page = client_as("staff").get(f"/people/{person['id']}").get_data(as_text=True)
    for text in ("เบาหวาน", "3200100123456", "หมดอายุแล้ว", "พลิกตะแคงตัว", "พยาบาลวิชาชีพ",
                 "ได้รับความช่วยเหลือแล้ว", "ได้เบี้ยความพิการ"):
        assert text in page, text
    care_page = client_as("assessor").get(f"/people/{person['id']}/care-plan").get_data(as_text=True)
    assert 'name="feeding_tube-by"' in care_page
    response = client_as("assessor").post(f"/people/{person['id']}/care-plan", data={
        "blood_pressure": "1", "blood_pressure-by": "volunteer", "injection": "1", "injection-by": "family"})
    assert response.status_code == 422   # injections are a nurse's


def test_my_work_is_my_zones_and_the_people_i_assessed(app, api, make_device, make_user, login, client_as):
    with at_bangkok(2026, 11, 20, 9, tick=True):
        in_zone, _r, _l = lent(api, make_device, moo="4")
        elsewhere, _r2, _l2 = lent(api, make_device, moo="9")
    volunteer = make_user("assessor", username="malee")
    supervisor = client_as("supervisor")
    assert supervisor.post("/zones", data={"user_id": volunteer, "zones": "บ้านสวน/4\nบ้านสวน/5"}).status_code == 302
    bad = supervisor.post("/zones", data={"user_id": volunteer, "zones": "/4"})
    assert bad.status_code == 422
    assert client_as("staff").post("/zones", data={"user_id": volunteer, "zones": "บ้านสวน/1"}).status_code == 403
    page = login(app.test_client(), volunteer).get("/my-work").get_data(as_text=True)
    assert "หมู่ที่ 4 บ้านสวน" in page and "เลยกำหนด" in page   # the first visit was due on 27 Nov
    assert page.count("/follow-up\"") == 1                    # the moo 9 visit is not mine
    # The nurse who assessed both, with no zone, has both.
    nurse_page = login(app.test_client(), _assessor_id(app)).get("/my-work").get_data(as_text=True)
    assert nurse_page.count("/follow-up\"") == 2
    visits = client_as("staff").get("/follow-ups").get_data(as_text=True)
    assert "จิตอาสาประจำหมู่นี้:" in visits and "malee" in visits
    # A volunteer-only account lands on its work.
    assert login(app.test_client(), volunteer).get("/").headers["Location"].endswith("/my-work")
    assert in_zone != elsewhere


def _assessor_id(app):
    with app.app_context():
        return db.session.scalar(select(User.id).join(User.role_rows).where(UserRole.role == "assessor")
                                 .order_by(User.id).limit(1))


def test_the_technician_lands_on_the_work_orders(client_as):
    assert client_as("maintenance").get("/").headers["Location"].endswith("/maintenance")
    assert client_as("staff", "maintenance").get("/").status_code == 200


def test_assessments_scheduled_to_me(app, api, make_user, login, client_as):
    nurse = make_user("assessor", username="wilai")
    person = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None}, expect=201)
    req = api["staff"].post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC",
                                                  "channel": "phone"}, expect=201)
    api["staff"].post(f"/api/v1/requests/{req['id']}/schedule", {"due_on": "2026-12-02", "assessor": "wilai"},
                      expect=200)
    page = login(app.test_client(), nurse).get("/my-work").get_data(as_text=True)
    assert f"/requests/{req['id']}/assessment" in page and "2 ธ.ค. 2569" in page
