"""Consent withdrawn takes effect (PDPA, issue #12): no new request through the page or the API,
undelivered requests cancelled and off the waitlist, open loans going on, consent given again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from fixtures.lending import ADL_BED_BOUND, PERSON

INSTRUCTIONS = ["ล็อกเบรก"]


@pytest.fixture
def api(api_as, make_type):
    make_type("WC", instructions=INSTRUCTIONS)
    make_type("AIR", "ที่นอนลม", "Air mattress")
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor", "admin")}


def approved(api, person_id, type_code):
    req = api["staff"].post("/api/v1/requests", {"person_id": person_id, "device_type": type_code,
                                                 "channel": "phone"}, expect=201)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment", {"adl_items": ADL_BED_BOUND,
                                                                      "suitable": True}, expect=201)
    api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    return req


def lent(api, make_device, **person):
    """A person with a wheelchair at home (an open loan); returns the person's id and the loan."""
    tag = make_device("WC")
    person_id = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None, **person}, expect=201)["id"]
    req = approved(api, person_id, "WC")
    api["staff"].post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = api["staff"].post("/api/v1/loans", {"request_id": req["id"], "device_tag": tag,
                                               "instructions": INSTRUCTIONS, "acknowledged_by": "ก"}, expect=201)
    return person_id, loan


def test_withdrawal_stops_new_requests_cancels_waiting_ones_and_keeps_the_loan(app, api, make_device):
    person_id, loan = lent(api, make_device)
    waiting = approved(api, person_id, "AIR")     # no air mattress in stock: waitlisted
    assert [r["id"] for r in api["staff"].get("/api/v1/waitlist")] == [waiting["id"]]

    done = api["staff"].post(f"/api/v1/people/{person_id}/consent/withdraw", expect=200)
    assert done["requests_cancelled"] == [waiting["id"]] and done["person"]["has_consent"] is False
    assert done["person"]["consents"][0]["withdrawn_at"]
    assert api["staff"].get(f"/api/v1/requests/{waiting['id']}")["status"] == "cancelled"
    assert api["staff"].get("/api/v1/waitlist") == []

    refused = api["staff"].call("post", "/api/v1/requests", 409, json={
        "person_id": person_id, "device_type": "WC", "channel": "phone"}).get_json()
    assert refused["errors"] == {"state": ["consent_withdrawn"]}
    api["staff"].post(f"/api/v1/people/{person_id}/consent/withdraw", expect=409)   # nothing left to withdraw

    # The loan is a contract: visits and the return go on.
    api["assessor"].post(f"/api/v1/loans/{loan['id']}/followups", {"in_use": True, "condition": "good",
                                                                   "outcome": "stable"}, expect=201)
    assert api["staff"].post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good"}, expect=200)["returned_at"]

    given = api["staff"].post(f"/api/v1/people/{person_id}/consent", {"given_by": "สมชาย ใจดี", "relation": "บุตร"},
                              expect=201)
    assert given["given_by"] == "สมชาย ใจดี" and given["withdrawn_at"] is None
    api["staff"].post(f"/api/v1/people/{person_id}/consent", {"given_by": "x"}, expect=409)  # already given
    api["staff"].post("/api/v1/requests", {"person_id": person_id, "device_type": "WC", "channel": "phone"},
                      expect=201)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "person",
                                                                          AuditEvent.object_id == str(person_id))))
        assert "person.consent_withdrawn" in actions and "person.consent_given" in actions


@pytest.mark.parametrize(("role", "step", "expect"), [
    ("assessor", "consent/withdraw", 403), ("maintenance", "consent/withdraw", 403), ("donor", "consent/withdraw", 403),
    ("supervisor", "consent/withdraw", 200), ("admin", "consent/withdraw", 200),
    ("staff", "erasure", 403), ("supervisor", "erasure", 403), ("admin", "erasure", 200)])
def test_who_may_withdraw_consent_and_erase(api, api_as, role, step, expect):
    person_id = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None}, expect=201)["id"]
    api_as(role).post(f"/api/v1/people/{person_id}/{step}", expect=expect)


def test_the_pages_confirm_the_withdrawal_and_refuse_a_new_request(app, api, client_as):
    person_id = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None}, expect=201)["id"]
    staff = client_as("staff")
    page = staff.get(f"/people/{person_id}").get_data(as_text=True)
    assert 'class="consent-given"' in page and f"/people/{person_id}/consent/withdraw" in page
    assert f"/people/{person_id}/erase" not in page          # admins only
    confirm = staff.get(f"/people/{person_id}/consent/withdraw")
    assert confirm.status_code == 200 and 'type="submit"' in confirm.get_data(as_text=True)
    assert api["staff"].get(f"/api/v1/people/{person_id}")["has_consent"] is True   # a GET changes nothing

    assert staff.post(f"/people/{person_id}/consent/withdraw").status_code == 302
    page = staff.get(f"/people/{person_id}").get_data(as_text=True)
    assert 'class="consent-withdrawn"' in page and f"/requests/new?person_id={person_id}" not in page
    assert f"/people/{person_id}/consent/new" in page

    # The attack: the intake form posted anyway.
    response = staff.post("/requests/new", data={"person_id": str(person_id), "device_type": ["WC"],
                                                 "channel": "phone", "urgency": "normal"})
    assert response.status_code == 409
    assert api["staff"].get(f"/api/v1/requests?person_id={person_id}") == []

    assert staff.post(f"/people/{person_id}/consent/new", data={"given_by": ""}).status_code == 422
    assert staff.post(f"/people/{person_id}/consent/new", data={"given_by": "สมศรี ใจดี"}).status_code == 302
    assert 'class="consent-given"' in staff.get(f"/people/{person_id}").get_data(as_text=True)
    assert staff.post("/requests/new", data={"person_id": str(person_id), "device_type": ["WC"], "channel": "phone",
                                             "urgency": "normal"}).status_code == 302
