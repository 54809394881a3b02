"""Erasure (PDPA s.33): a person anonymised on request (admins) and by the retention rule
(``flask privacy retention``), with loans, devices, donor impact and the ledger unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from devices import services as devices
from devices.models import Condition
from fixtures.core import at_bangkok, build_app, database_url
from fixtures.devices import new_type
from fixtures.lending import ADL_BED_BOUND, PERSON, national_id
from fixtures.users import make_actors
from lending.models import Loan, Person
from lending.services import loans, people, pipeline, waitlist

ID = national_id("110170023070")
SECRETS = (PERSON["first_name"], PERSON["last_name"], PERSON["phone"], PERSON["caregiver_name"],
           PERSON["caregiver_phone"], ID, ID[-4:] + "x", "12/3", "ลูกสาวเซ็นรับ", "แผลกดทับ", "สมศรี ใจดี")


@pytest.fixture
def api(api_as, make_type):
    make_type("WC", instructions=[])
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor", "admin", "treasurer")}


def lend_given_device(api, national=ID):
    """A donor gives a wheelchair in kind; it is lent to a person (notes and a photo-less hand-over)."""
    donor = api["treasurer"].post("/api/v1/donors", {"name": "ร้านทองดี"}, expect=201)
    gift = api["treasurer"].post("/api/v1/donations", {"donor_id": donor["id"], "devices": [{"type": "WC"}]},
                                 expect=201)
    person = api["staff"].post("/api/v1/people", {**PERSON, "national_id": national, "birth_date": "1950-06-15",
                                                  "notes": "แผลกดทับ"}, expect=201)
    req = api["staff"].post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC", "channel": "phone",
                                                 "requested_by_name": "สมชาย ใจดี", "reason": "แผลกดทับ"}, expect=201)
    api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment", {"adl_items": ADL_BED_BOUND, "suitable": True,
                                                                      "notes": "แผลกดทับ"}, expect=201)
    api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    api["staff"].post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = api["staff"].post("/api/v1/loans", {"request_id": req["id"], "device_tag": gift["devices"][0]["tag"],
                                               "instructions": [], "acknowledged_by": "ลูกสาวเซ็นรับ"}, expect=201)
    return donor, person, loan


def figures(api, donor_id):
    return (api["treasurer"].get(f"/api/v1/donors/{donor_id}/impact"), api["treasurer"].get("/api/v1/funds"),
            api["treasurer"].get("/api/v1/ledger/entries"))


def test_erasure_anonymises_everywhere_and_keeps_the_figures(app, api, client_as):
    donor, person, loan = lend_given_device(api)
    refused = api["admin"].call("post", f"/api/v1/people/{person['id']}/erasure", 409).get_json()
    assert refused["errors"] == {"state": ["loan_open"]}
    api["assessor"].post(f"/api/v1/loans/{loan['id']}/followups", {"in_use": True, "condition": "good",
                                                                   "outcome": "improved", "notes": "แผลกดทับ",
                                                                   "adl_items": ADL_BED_BOUND}, expect=201)
    api["staff"].post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good", "notes": "แผลกดทับ"}, expect=200)
    before = figures(api, donor["id"])
    staff = client_as("staff")
    for q in (PERSON["first_name"], ID, PERSON["phone"]):
        assert f"/people/{person['id']}\"" in staff.get(f"/people?q={q}").get_data(as_text=True)

    erased = api["admin"].post(f"/api/v1/people/{person['id']}/erasure", expect=200)
    assert erased["erased_at"] and erased["national_id"] is None and erased["first_name"] == ""
    assert (erased["birth_year"], erased["birth_date"], erased["moo"], erased["tambon"], erased["disability_types"]) \
        == (1950, None, "4", "บ้านสวน", ["physical"])
    assert figures(api, donor["id"]) == before          # impact, balances and every entry as they were
    again = api["admin"].call("post", f"/api/v1/people/{person['id']}/erasure", 409).get_json()
    assert again["errors"] == {"state": ["erased"]}

    for q in (PERSON["first_name"], ID, PERSON["phone"]):      # the search no longer finds the person
        assert f"/people/{person['id']}\"" not in staff.get(f"/people?q={q}").get_data(as_text=True)
    shown = [staff.get(f"/people/{person['id']}"), staff.get(f"/loans/{loan['id']}"), staff.get("/people"),
             api["staff"].call("get", f"/api/v1/people/{person['id']}"),
             api["staff"].call("get", f"/api/v1/people/{person['id']}/history"),
             api["staff"].call("get", f"/api/v1/people?q={PERSON['last_name']}"),
             api["staff"].call("get", f"/api/v1/requests?person_id={person['id']}"),
             api["staff"].call("get", f"/api/v1/loans/{loan['id']}"),
             api["staff"].call("get", f"/api/v1/loans/{loan['id']}/followups")]
    for response in shown:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert not [s for s in SECRETS if s in body], response.request.path
    assert api["staff"].get(f"/api/v1/people?q={PERSON['first_name']}") == []
    history = api["staff"].get(f"/api/v1/people/{person['id']}/history")
    assert [a["adl_total"] for a in history["assessments"]] == [3] and history["follow_ups"][0]["outcome"] == "improved"

    # No new request, no edit, no consent for an anonymised person.
    assert api["staff"].call("post", "/api/v1/requests", 409, json={
        "person_id": person["id"], "device_type": "WC", "channel": "phone"}).get_json()["errors"] == {
        "state": ["erased"]}
    api["staff"].call("patch", f"/api/v1/people/{person['id']}", 409, json={"first_name": "ก", "version": 99})
    api["staff"].post(f"/api/v1/people/{person['id']}/consent", {"given_by": "ก"}, expect=409)
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.erased"))
        assert event.changes == {"reason": "request", "requests_cancelled": []}
        loan_row = db.session.get(Loan, loan["id"])
        assert (loan_row.acknowledged_by, loan_row.photo, loan_row.latitude) == ("", None, None)


def test_the_erase_page_asks_to_confirm_and_names_an_open_loan(api, client_as):
    _donor, person, loan = lend_given_device(api)
    admin = client_as("admin")
    assert f"/people/{person['id']}/erase" in admin.get(f"/people/{person['id']}").get_data(as_text=True)
    page = admin.get(f"/people/{person['id']}/erase").get_data(as_text=True)
    assert 'class="overdue-text"' in page and 'name="confirm"' not in page
    assert admin.post(f"/people/{person['id']}/erase", data={"confirm": "y"}).status_code == 409
    api["staff"].post(f"/api/v1/loans/{loan['id']}/return", {"condition": "good"}, expect=200)
    assert admin.post(f"/people/{person['id']}/erase", data={}).status_code == 422       # not confirmed
    assert admin.post(f"/people/{person['id']}/erase", data={"confirm": "y"}).status_code == 302
    page = admin.get(f"/people/{person['id']}").get_data(as_text=True)
    assert 'class="consent-erased"' in page and PERSON["first_name"] not in page


# --- the retention rule ---------------------------------------------------------------------------

def _app(kind, tmp_path):
    app = build_app(database_url(kind, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_retention_anonymises_only_those_whose_last_loan_closed_before_the_bangkok_cutoff(kind, tmp_path):
    _retention(kind, tmp_path)


def _retention(kind, tmp_path):
    app = next(_app(kind, tmp_path))
    with app.app_context():
        actors = make_actors()
        new_type(reference_price_satang=350_000)
        db.session.commit()

        def lend_and_return(name, returned_at=None):
            person = people.create_person({"first_name": name, "birth_date": None, "moo": "4"}, {"given_by": name},
                                          by=actors["staff"])
            req = pipeline.submit(person, devices.get_type("WC"), {"channel": "phone"}, by=actors["staff"])
            pipeline.record_assessment(req, {"adl_items": ADL_BED_BOUND, "suitable": True}, by=actors["assessor"])
            device = devices.register_device(devices.get_type("WC"), {}, by=actors["staff"])
            pipeline.decide(req, True, "", by=actors["supervisor"])
            waitlist.reserve(req, device, by=actors["staff"])
            loan = loans.deliver(req, device, instructions=[], acknowledged_by="x", by=actors["staff"])
            db.session.commit()
            if returned_at is not None:
                with at_bangkok(*returned_at):
                    loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
                    db.session.commit()
            return person.id

        # Today is 30 Nov 2026 in Bangkok: five years back is 30 Nov 2021.
        old = lend_and_return("เก่ามาก", (2021, 11, 29, 23, 30))        # the 29th in Bangkok, the 29th in UTC
        edge = lend_and_return("ขอบวัน", (2021, 11, 30, 0, 30))          # the 30th in Bangkok, the 29th in UTC
        still_out = lend_and_return("ยังยืม")
        asking = lend_and_return("ขอใหม่", (2020, 1, 10, 10))
        pipeline.submit(db.session.get(Person, asking), devices.get_type("WC"), {"channel": "phone"},
                        by=actors["staff"])
        db.session.commit()
        ids = (old, edge, still_out, asking)

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "retention", "--years", "5", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would anonymise person {old} (last loan closed 2021-11-29)" in dry.output
    assert "1 to anonymise; nothing changed" in dry.output and "2021-11-30" in dry.output
    with app.app_context():
        assert [db.session.get(Person, i).erased_at for i in ids] == [None] * 4

    done = runner.invoke(args=["privacy", "retention", "--years", "5"])
    assert done.exit_code == 0, done.output
    assert f"anonymised person {old} " in done.output and "1 anonymised" in done.output
    with app.app_context():
        erased = [db.session.get(Person, i).erased_at is not None for i in ids]
        assert erased == [True, False, False, False]
        kept = db.session.get(Person, old)
        assert (kept.first_name, kept.moo) == ("", "4")
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.erased"))
        assert event.actor_id is None and event.changes["reason"] == "retention"

    again = runner.invoke(args=["privacy", "retention", "--years", "5"])
    assert "0 anonymised" in again.output
    app.config["PRIVACY_RETENTION_YEARS"] = 7            # the default comes from the settings
    assert "2019-11-30" in runner.invoke(args=["privacy", "retention", "--dry-run"]).output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
