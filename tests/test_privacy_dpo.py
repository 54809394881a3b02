"""The data-protection officer: the access log (filtered, paged, exported as CSV), a person's
whole record as JSON, and data-subject requests with their 30-day deadline."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from core.audit import AccessEvent, AuditEvent, record_access
from core.db import db
from core.users import create_user
from fixtures.core import at_bangkok
from fixtures.lending import ADL_HOME_BOUND, PERSON, national_id
from fixtures.users import make_actors
from privacy.models import SubjectRequest
from privacy.purposes import PURPOSE_LABELS

NID = national_id("310050123456")


@pytest.fixture
def person(api_as):
    staff, assessor = api_as("staff"), api_as("assessor")
    person = staff.post("/api/v1/people", {**PERSON, "national_id": NID}, expect=201)
    api_as("admin").post("/api/v1/device-types", {"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                                         "reference_price_satang": 100}, expect=201)
    req = staff.post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC", "channel": "phone"},
                     expect=201)
    assessor.post(f"/api/v1/requests/{req['id']}/assessment", {"adl_items": ADL_HOME_BOUND, "suitable": True},
                  expect=201)
    return person


@pytest.mark.parametrize("role, status", [("dpo", 200), ("admin", 200), ("staff", 403), ("supervisor", 403)])
def test_only_admin_and_dpo_read_the_log_and_export_records(person, api_as, client_as, role, status):
    api_as(role).get("/api/v1/access-log", expect=status)
    api_as(role).get(f"/api/v1/people/{person['id']}/export", expect=status)
    api_as(role).get("/api/v1/subject-requests", expect=status)
    client = client_as(role)
    assert client.get("/privacy/access-log").status_code == status
    assert client.get(f"/privacy/people/{person['id']}/export.json").status_code == status
    assert client.get("/privacy/requests").status_code == status


def test_the_log_filters_by_person_actor_and_bangkok_days(app, person, api_as):
    dpo = api_as("dpo")
    with app.app_context():
        actors = make_actors("staff", "supervisor")
        with at_bangkok(2026, 11, 20, 0, 30):  # 17:30 UTC on the 19th: Bangkok's 20th
            record_access(actors["staff"], "person", person["id"], "test.early")
        record_access(actors["supervisor"], "person", 999, "test.other")
        db.session.commit()
    mine = dpo.get(f"/api/v1/access-log?person_id={person['id']}")
    assert [e["purpose"] for e in mine] == ["test.early"]
    assert [e["purpose"] for e in dpo.get("/api/v1/access-log?actor=supervisor")] == ["test.other"]
    day = dpo.get("/api/v1/access-log?since=2026-11-20&until=2026-11-20")
    assert [e["purpose"] for e in day] == ["test.early"]
    assert dpo.get("/api/v1/access-log?since=2026-11-21&until=2026-11-29") == []
    assert dpo.call("get", "/api/v1/access-log?actor=nobody").status_code == 422
    assert dpo.call("get", "/api/v1/access-log?since=2026-11-21&until=2026-11-20").status_code == 422


def test_the_log_page_pages_and_its_csv_is_safe_and_logged(app, client_as, login):
    with app.app_context():
        sly = create_user("=HYPERLINK(1)", "correct-horse-9", ["staff"])
        for n in range(30):
            record_access(sly, "person", n + 1, "test.read")
        db.session.commit()
    client = client_as("dpo")
    first = client.get("/privacy/access-log").get_data(as_text=True)
    assert "test.read" in first and "2" in first
    assert client.get("/privacy/access-log?page=2").status_code == 200
    assert client.get("/privacy/access-log?since=31/02/2569").status_code == 422
    response = client.get("/privacy/access-log.csv?person_id=7")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "at", "user"] and len(rows) == 2
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][4] == "7"
    with app.app_context():
        exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access_log.exported"))
        assert exported.changes == {"person_id": 7, "rows": 1}
        assert db.session.scalar(select(AccessEvent).where(AccessEvent.purpose == "export.access_log")) is not None


def test_a_persons_whole_record_exports_as_json_and_the_export_is_logged(app, person, api_as, client_as):
    record = api_as("dpo").get(f"/api/v1/people/{person['id']}/export")
    assert record["person"]["national_id"] == NID  # the person's own record: the whole ID
    assert [r["status"] for r in record["requests"]] == ["assessed"]
    assert record["assessments"][0]["adl_items"] == ADL_HOME_BOUND
    assert record["consents"][0]["given_by"] == PERSON["consent"]["given_by"]
    assert record["loans"] == [] and record["follow_ups"] == [] and record["photos"] == []
    assert record["accesses"][-1]["purpose"] == "api.export"
    download = client_as("admin").get(f"/privacy/people/{person['id']}/export.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["person"]["id"] == person["id"]
    with app.app_context():
        exports = list(db.session.scalars(select(AuditEvent.changes).where(AuditEvent.action == "person.exported")))
    assert exports == [{"purpose": "api.export"}, {"purpose": "page.export"}]


def test_subject_requests_are_due_thirty_bangkok_days_later_and_close_once(app, person, api_as):
    dpo = api_as("dpo")
    with at_bangkok(2026, 11, 30, 0, 30):  # 17:30 UTC on the 29th: received on Bangkok's 30th
        made = dpo.post("/api/v1/subject-requests", {"person_id": person["id"], "kind": "access"}, expect=201)
    assert (made["received_on"], made["due_on"], made["status"]) == ("2026-11-30", "2026-12-30", "open")
    old = dpo.post("/api/v1/subject-requests", {"person_id": person["id"], "kind": "erasure",
                                                 "received_on": "2026-10-01"}, expect=201)
    assert old["due_on"] == "2026-10-31" and old["overdue"] is True and made["overdue"] is False
    assert [r["id"] for r in dpo.get("/api/v1/subject-requests")] == [old["id"], made["id"]]  # nearest first
    future = dpo.call("post", "/api/v1/subject-requests", json={"person_id": person["id"], "kind": "access",
                                                                  "received_on": "2026-12-25"})
    assert future.status_code == 422 and "received_on" in future.get_json()["errors"]
    refused = dpo.call("post", f"/api/v1/subject-requests/{old['id']}/close", json={"status": "refused"})
    assert refused.status_code == 422 and "note" in refused.get_json()["errors"]
    closed = dpo.post(f"/api/v1/subject-requests/{old['id']}/close", {"status": "done"}, expect=200)
    assert (closed["status"], closed["closed_on"], closed["closed_by"]) == ("done", clock.today().isoformat(),
                                                                            closed["created_by"])
    again = dpo.call("post", f"/api/v1/subject-requests/{old['id']}/close", json={"status": "done"})
    assert again.status_code == 409
    assert [r["id"] for r in dpo.get("/api/v1/subject-requests?status=done")] == [old["id"]]
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("subject_request%"))))
    assert actions == ["subject_request.received"] * 2 + ["subject_request.closed"]


def test_the_requests_page_records_lists_overdue_and_closes(app, person, client_as):
    client = client_as("dpo")
    found = client.get(f"/privacy/requests?q={NID}").get_data(as_text=True)
    assert "สมศรี" in found and "x-xxxx-xxxxx" in found
    assert "สมศรี" not in client.get(f"/privacy/requests?q={NID[2:10]}").get_data(as_text=True)
    assert "สมศรี" in client.get(f"/privacy/requests?person_id={person['id']}").get_data(as_text=True)
    long_ago = (clock.today() - dt.timedelta(days=45)).isoformat()
    response = client.post("/privacy/requests", data={"person_id": person["id"],
                                                      "kind": "portability", "received_on": long_ago, "note": ""})
    assert response.status_code == 302
    listing = client.get("/privacy/requests").get_data(as_text=True)
    assert "Overdue" in listing or "เกินกำหนด" in listing
    with app.app_context():
        request_id = db.session.scalar(select(SubjectRequest.id))
    closed = client.post(f"/privacy/requests/{request_id}/close",
                         data={"status": "done", "closed_on": clock.today().isoformat()})
    assert closed.status_code == 302
    assert "Overdue" not in client.get("/privacy/requests").get_data(as_text=True)


def test_the_dpo_carries_out_an_erasure_request_from_the_requests_list(app, person, api_as, client_as):
    dpo_api, dpo = api_as("dpo"), client_as("dpo")
    asked = dpo_api.post("/api/v1/subject-requests", {"person_id": person["id"], "kind": "erasure"}, expect=201)
    listed = dpo.get("/privacy/requests").get_data(as_text=True)
    assert f"/people/{person['id']}/erase" in listed
    assert dpo.get(f"/people/{person['id']}").status_code == 403       # the DPO does not browse people
    done = dpo.post(f"/people/{person['id']}/erase", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/privacy/requests")
    assert PERSON["first_name"] not in dpo_api.get(f"/api/v1/people/{person['id']}/export")["person"]["first_name"]
    assert f"/people/{person['id']}/erase" not in dpo.get("/privacy/requests").get_data(as_text=True)
    dpo_api.post(f"/api/v1/subject-requests/{asked['id']}/close", {"status": "done"}, expect=200)
    assert client_as("staff").post(f"/people/{person['id']}/erase", data={"confirm": "y"}).status_code == 403


def test_every_purpose_the_code_logs_has_a_label():
    root = Path(__file__).resolve().parent.parent
    logged = set()
    for path in root.glob("*/**/*.py"):
        if path.parts[len(root.parts)] in (".venv", "tests", "migrations", "bench"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if "record_access" in line or "purpose=" in line:
                logged |= set(re.findall(r'"((?:page|api|pdf|export)\.[a-z_]+)"', line))
    assert {"page.view", "api.requests", "pdf.agreement"} <= logged       # the scan finds them
    assert logged - PURPOSE_LABELS.keys() == set()
