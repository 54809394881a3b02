"""The lending lifecycle through the HTML forms, as staff, assessor and supervisor use it."""
from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import select

from core.audit import AccessEvent
from core.db import db
from fixtures.lending import ADL_BED_BOUND, ADL_HOME_BOUND, national_id
from lending.models import Loan, LendingRequest

INSTRUCTIONS = ["ล็อกเบรกทุกครั้งก่อนลุกหรือนั่ง", "ตรวจลมยางทุกสัปดาห์"]
KEYS = ("feeding", "grooming", "transfer", "toilet", "mobility", "dressing", "stairs", "bathing", "bowels", "bladder")


def text(response) -> str:
    return response.get_data(as_text=True)


def adl_form(items):
    return {f"adl_{key}": str(score) for key, score in zip(KEYS, items, strict=True)}


@pytest.fixture
def clients(client_as, make_type, make_device):
    make_type("WC", instructions=INSTRUCTIONS)
    make_device("WC", brand="Yuwell")
    return {role: client_as(role) for role in ("staff", "assessor", "supervisor", "admin", "maintenance")}


def register_person(staff, **overrides):
    data = {"title": "นาง", "first_name": "บุญมี", "last_name": "ศรีสุข", "national_id": national_id("310050123456"),
            "phone": "081-234-5678", "house_no": "99", "moo": "3", "tambon": "บ้านสวน", "amphoe": "เมืองชลบุรี",
            "changwat": "ชลบุรี", "postcode": "20000", "caregiver_name": "สมใจ ศรีสุข", "caregiver_relation": "ลูกสาว",
            "disability_types": ["physical"], "consent_given": "y", "consent_by": "สมใจ ศรีสุข",
            "consent_relation": "ลูกสาว", **overrides}
    response = staff.post("/people/new?next=intake", data=data)
    assert response.status_code == 302, text(response)
    return int(re.search(r"person_id=(\d+)", response.headers["Location"]).group(1))


def test_the_whole_lifecycle_in_the_browser(app, clients):
    staff, assessor, supervisor, admin = (clients[r] for r in ("staff", "assessor", "supervisor", "admin"))
    person_id = register_person(staff)
    page = text(staff.get("/requests/new?q=บุญมี"))
    assert f"person_id={person_id}" in page
    response = staff.post(f"/requests/new?person_id={person_id}", data={
        "person_id": person_id, "device_type": "WC", "channel": "line", "urgency": "high",
        "requested_by_name": "สมใจ", "requested_by_relation": "ลูกสาว", "reason": "ล้มในห้องน้ำ เดินไม่ได้"})
    assert response.status_code == 302
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    board = text(staff.get("/requests"))
    assert "บุญมี" in board
    assert staff.post(f"/requests/{request_id}/schedule", data={"due_on": "2026-12-01"}).status_code == 302
    page = text(assessor.get(f"/requests/{request_id}/assessment"))
    assert page.count('type="radio"') == 30 + 2  # 30 Barthel options and yes/no
    response = assessor.post(f"/requests/{request_id}/assessment", data={
        **adl_form(ADL_BED_BOUND), "suitable": "yes", "recommended_type": "WC", "doorway_width_cm": "75"})
    assert response.status_code == 302, text(response)
    assert "บุญมี" in text(supervisor.get("/approvals"))
    response = supervisor.post(f"/requests/{request_id}/decision", data={"approved": "1", "reason": "ติดเตียง"})
    assert response.status_code == 302
    page = text(staff.get(f"/requests/{request_id}"))
    assert "BS-WC-00001" in page
    assert staff.post(f"/requests/{request_id}/reservation", data={"device_tag": "BS-WC-00001"}).status_code == 302
    scan = text(staff.get("/d/BS-WC-00001"))
    assert "/d/BS-WC-00001/deliver" in scan and "บุญมี" in scan  # next step and the person it is held for
    page = text(staff.get("/d/BS-WC-00001/deliver"))
    assert INSTRUCTIONS[0] in page
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(photo, "JPEG")
    photo.seek(0)
    response = staff.post("/d/BS-WC-00001/deliver", data={
        "request_id": str(request_id), "instructions": INSTRUCTIONS, "acknowledged_by": "สมใจ ศรีสุข",
        "acknowledged_relation": "ลูกสาว", "latitude": "13.3611", "longitude": "100.9847",
        "photo": (photo, "handover.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    loan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert staff.get(f"/loans/{loan_id}/photo").mimetype == "image/jpeg"
    pdf = staff.get(f"/loans/{loan_id}/agreement.pdf")
    assert pdf.mimetype == "application/pdf"
    document = pdfium.PdfDocument(pdf.data)
    extracted = "".join(page.get_textpage().get_text_range() for page in document)
    assert "BS-WC-00001" in extracted and "L-" in extracted
    document.close()
    visits = text(assessor.get("/follow-ups?days=30"))
    assert "บุญมี" in visits and "บ้านสวน" in visits
    response = assessor.post(f"/loans/{loan_id}/follow-up", data={
        "visited_on": "2026-11-30", "in_use": "yes", "condition": "good", "outcome": "improved", "rescore": "y",
        **adl_form(ADL_HOME_BOUND)})
    assert response.status_code == 302, text(response)
    person = text(staff.get(f"/people/{person_id}"))
    assert "3" in person and "8" in person  # ADL history: assessment 3, visit 8
    response = staff.post("/d/BS-WC-00001/return", data={"condition": "fair", "notes": "ล้อสึก"})
    assert response.status_code == 302
    scan = text(admin.get("/d/BS-WC-00001"))
    assert "/d/BS-WC-00001/release" in scan
    assert admin.post("/d/BS-WC-00001/release").status_code == 302
    with app.app_context():
        req = db.session.get(LendingRequest, request_id)
        assert req.status.value == "closed"
        loan = db.session.get(Loan, loan_id)
        assert loan.returned_at is not None and loan.latitude == pytest.approx(13.3611)
        assert loan.device.status.value == "available"
        looked = db.session.scalars(select(AccessEvent.purpose).where(AccessEvent.object_type == "person"))
        assert {"page.view", "pdf.agreement", "page.photo", "page.scan"} <= set(looked)


def test_forms_show_errors_without_writing(app, clients):
    staff, assessor = clients["staff"], clients["assessor"]
    response = staff.post("/people/new", data={"first_name": "", "national_id": "1101700230709", "postcode": "20"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="first_name-error"' in page and 'id="postcode-error"' in page and 'id="consent_by-error"' in page
    response = staff.post("/people/new", data={"first_name": "ก", "national_id": "1101700230709", "consent_given": "y",
                                               "consent_by": "ก"})
    assert response.status_code == 422 and 'id="national_id-error"' in text(response)
    person_id = register_person(staff)
    staff.post(f"/requests/new?person_id={person_id}", data={"person_id": person_id, "device_type": "WC",
                                                             "channel": "phone", "urgency": "normal"})
    response = assessor.post("/requests/1/assessment", data={**adl_form(ADL_HOME_BOUND), "adl_bathing": "",
                                                             "recommended_type": "WC"})
    assert response.status_code == 422
    assert 'id="adl_bathing-error"' in text(response) and 'id="suitable-error"' in text(response)
    with app.app_context():
        assert db.session.get(LendingRequest, 1).status.value == "submitted"


def test_pages_for_wrong_state_are_409(clients):
    staff = clients["staff"]
    assert staff.get("/d/BS-WC-00001/deliver").status_code == 404  # nothing reserved for it
    assert staff.get("/d/BS-WC-00001/return").status_code == 404  # not on loan
    assert clients["admin"].post("/d/BS-WC-00001/release").status_code == 409  # available, not returned


@pytest.mark.parametrize("role", ["staff", "assessor", "supervisor", "admin", "maintenance", "treasurer", "donor"])
@pytest.mark.parametrize("path, allowed", [
    ("/people", ["staff", "assessor", "supervisor", "admin"]),
    ("/people/new", ["staff", "admin"]),
    ("/requests", ["staff", "assessor", "supervisor", "admin"]),
    ("/requests/new", ["staff", "assessor", "supervisor", "admin"]),
    ("/approvals", ["supervisor", "admin"]),
    ("/waitlist", ["staff", "assessor", "supervisor", "admin"]),
    ("/follow-ups", ["staff", "assessor", "supervisor", "admin"]),
])
def test_lending_page_role_matrix(client_as, role, path, allowed):
    response = client_as(role).get(path)
    assert response.status_code == (200 if role in allowed else 403)


def test_maintenance_does_not_see_who_holds_a_device(clients):
    page = text(clients["maintenance"].get("/d/BS-WC-00001"))
    assert "holder" not in page
