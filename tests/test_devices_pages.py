"""The HTML pages: device types, devices, history, the scan page and public reports."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.db import db
from devices.models import Device, ProblemReport, ScanEvent
from devices.services import get_type


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def staff(client_as):
    return client_as("staff")


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def test_admin_creates_and_edits_a_device_type(admin, app):
    response = admin.post("/device-types/new", data={
        "code": "bed", "name_th": "เตียงผู้ป่วยปรับระดับ", "name_en": "Hospital bed",
        "reference_price": "12900.50", "service_interval_days": "180"})
    assert response.status_code == 302
    page = text(admin.get("/device-types"))
    assert "BED" in page and "เตียงผู้ป่วยปรับระดับ" in page and "12,900.50" in page
    response = admin.post("/device-types/BED/edit", data={
        "name_th": "เตียงผู้ป่วย", "name_en": "Hospital bed", "reference_price": "13000", "version": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert get_type("BED").reference_price_satang == 1_300_000


def test_device_type_form_errors_are_422_and_shown(admin, make_type):
    make_type("WC")
    response = admin.post("/device-types/new", data={"code": "WC", "name_th": "ซ้ำ", "name_en": "Dup"})
    assert response.status_code == 409
    assert 'aria-invalid="true"' in text(response)
    response = admin.post("/device-types/new", data={"code": "W C", "name_th": "", "name_en": "x" * 200})
    assert response.status_code == 422
    page = text(response)
    assert page.count('class="field-error"') == 3 and 'role="alert"' in page


def test_staff_cannot_manage_types(staff):
    assert staff.get("/device-types/new").status_code == 403
    assert staff.get("/device-types").status_code == 200


def test_register_a_device_through_the_form(staff, app, make_type):
    make_type("WC")
    page = text(staff.get("/devices/new?type=wc"))
    assert '<option selected value="WC">' in page
    response = staff.post("/devices/new", data={
        "type": "WC", "brand": "Yuwell", "model": "H051", "serial": "YU123", "condition": "new",
        "location": "คลัง A1", "acquisition": "purchase", "acquired_on": "2026-11-01",
        "acquisition_value": "3500"})
    assert response.status_code == 302 and response.headers["Location"] == "/devices/BS-WC-00001"
    page = text(staff.get("/devices/BS-WC-00001"))
    assert "YU123" in page and "คลัง A1" in page and "฿3,500.00" in page and "1 พ.ย. 2569" in page
    assert '/labels/BS-WC-00001.png' in page


@pytest.mark.parametrize("data, field", [
    ({"type": "ZZ"}, "type"),
    ({"type": "WC", "serial": "x" * 81}, "serial"),
    ({"type": "WC", "acquisition_value": "-1"}, "acquisition_value"),
    ({"type": "WC", "acquisition_value": "lots"}, "acquisition_value"),
    ({"type": "WC", "acquired_on": "yesterday"}, "acquired_on"),
    ({"type": "WC", "condition": "shiny"}, "condition"),
])
def test_device_form_rejects_bad_input_with_422(staff, app, make_type, data, field):
    make_type("WC")
    response = staff.post("/devices/new", data={"condition": "good", "acquisition": "donation", **data})
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_edit_a_device_and_see_its_history(staff, make_device):
    tag = make_device("WC", location="A1")
    page = text(staff.get(f"/devices/{tag}/edit"))
    assert 'name="version" type="hidden" value="1"' in page
    response = staff.post(f"/devices/{tag}/edit", data={
        "condition": "fair", "acquisition": "donation", "location": "B2", "version": "1"})
    assert response.status_code == 302
    page = " ".join(re.sub(r"<[^>]+>", " ", text(staff.get(f"/devices/{tag}/history"))).split())
    assert "สถานที่: จาก A1 เป็น B2" in page and "สภาพ: จาก ดี เป็น พอใช้" in page  # labels, not raw values


def test_stale_edit_in_the_browser_is_409_with_a_clear_message(staff, make_device):
    tag = make_device("WC")
    staff.post(f"/devices/{tag}/edit", data={"condition": "good", "acquisition": "donation",
                                            "location": "B2", "version": "1"})
    response = staff.post(f"/devices/{tag}/edit", data={"condition": "good", "acquisition": "donation",
                                                       "location": "C3", "version": "1"})
    assert response.status_code == 409
    page = text(response)
    assert "changed by someone else" in page or "มีผู้อื่นแก้ไข" in page or "แก้ไข" in page
    assert 'name="version" type="hidden" value="2"' in page  # the form now carries the fresh version


def test_device_list_searches_filters_and_paginates(staff, app, make_device):
    for _ in range(30):
        make_device("WC")
    make_device("BED", serial="SN-BED-77")
    page = text(staff.get("/devices"))
    assert "BS-WC-00001" in page and "BS-WC-00026" not in page and "(31)" in page
    assert "BS-WC-00026" in text(staff.get("/devices?page=2"))
    page = text(staff.get("/devices?q=sn-bed"))
    assert "BS-BED-00001" in page and "BS-WC-00001" not in page
    page = text(staff.get("/devices?type=BED"))
    assert "BS-BED-00001" in page and "BS-WC-00001" not in page
    assert "BS-WC" not in text(staff.get("/devices?status=on_loan")).split("<tbody>")[1]
    assert staff.get("/devices?status=nonsense&page=999").status_code == 200
    for page_arg in (str(10**22), "-5", "abc"):
        assert staff.get(f"/devices?page={page_arg}").status_code == 200


def test_print_labels_for_selected_devices(staff, make_device):
    tags = [make_device("WC") for _ in range(3)]
    page = text(staff.get("/devices"))
    assert 'name="tags" value="BS-WC-00001"' in page and 'action="/labels/"' in page
    page = text(staff.get("/labels/?tags=" + "&tags=".join(tags[:2])))
    assert 'value="BS-WC-00001,BS-WC-00002"' in page and 'value="3x8"' in page and 'value="2x7"' in page


# --- the scan page ---------------------------------------------------------------------

def test_scan_page_for_staff_shows_state_actions_and_history(staff, client_as, app, make_device):
    tag = make_device("WC", location="คลัง A1")
    page = text(staff.get(f"/d/{tag}"))
    assert tag in page and "คลัง A1" in page and "รถเข็นวีลแชร์" in page
    assert f'href="/d/{tag}/reserve"' in page  # the next step, one tap away
    page = text(client_as("maintenance").get(f"/d/{tag}"))
    assert f'action="/maintenance/d/{tag}"' in page  # the maintenance worker's step: an inspection
    with app.app_context():
        scans = list(db.session.scalars(select(ScanEvent)))
        assert len(scans) == 2 and all(scan.user_id is not None for scan in scans)


def test_scan_page_for_the_public_shows_only_type_and_contact(client, app, make_device):
    tag = make_device("WC", location="บ้านนางสมศรี หมู่ 3", serial="SECRET-SN", notes="ผู้ป่วยติดเตียง")
    page = text(client.get(f"/d/{tag}"))
    assert "รถเข็นวีลแชร์" in page and "038-184-5555" in page
    for private in ("บ้านนางสมศรี", "SECRET-SN", "ผู้ป่วยติดเตียง", "history"):
        assert private not in page
    with app.app_context():
        scan = db.session.scalar(select(ScanEvent))
        assert scan.user_id is None


def test_donor_sees_the_public_scan_page(client_as, make_device):
    tag = make_device("WC", location="บ้านนางสมศรี")
    page = text(client_as("donor").get(f"/d/{tag}"))
    assert "บ้านนางสมศรี" not in page and "<form" in page


def test_unknown_tag_is_a_friendly_404(client):
    response = client.get("/d/BS-XX-99999")
    assert response.status_code == 404
    assert "<h1>" in text(response) and "Traceback" not in text(response)


def test_public_report_reaches_staff_and_can_be_handled(client, staff, app, make_device):
    tag = make_device("BED")
    response = client.post(f"/d/{tag}/report", data={
        "kind": "no_longer_needed", "message": "คุณยายเสียชีวิตแล้ว", "contact_name": "ลูกสาว",
        "contact_phone": "081-234-5678"})
    assert response.status_code == 200
    page = text(staff.get(f"/d/{tag}"))
    assert "คุณยายเสียชีวิตแล้ว" in page and "081-234-5678" in page
    with app.app_context():
        report = db.session.scalar(select(ProblemReport))
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.problem_reported"))
        assert "081" not in str(event.changes) and "ลูกสาว" not in str(event.changes)
        report_id = report.id
    assert staff.post(f"/reports/{report_id}/handled").status_code == 302
    assert "คุณยายเสียชีวิตแล้ว" not in text(staff.get(f"/d/{tag}"))
    assert staff.post(f"/reports/{report_id}/handled").status_code == 409


@pytest.mark.parametrize("data", [
    {"kind": "party"},
    {"kind": "problem", "message": "x" * 1001},
    {"kind": "problem", "contact_phone": "call me maybe"},
])
def test_public_report_rejects_bad_input(client, app, make_device, data):
    tag = make_device("WC")
    assert client.post(f"/d/{tag}/report", data=data).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProblemReport)) == 0


def test_report_for_an_unknown_tag_is_404(client):
    assert client.post("/d/NOPE/report", data={"kind": "problem"}).status_code == 404


def test_typing_a_tag_opens_the_scan_page(staff, make_device):
    tag = make_device("WC")
    response = staff.get(f"/scan?tag={tag.lower()}")
    assert response.status_code == 302 and response.headers["Location"] == f"/d/{tag}"
    assert staff.get("/scan?tag=BS-NO-00001").status_code == 404


INTERNAL = ["admin", "staff", "assessor", "supervisor", "maintenance", "treasurer"]


@pytest.mark.parametrize("role", INTERNAL + ["donor"])
@pytest.mark.parametrize("path, allowed", [
    ("/devices", INTERNAL),
    ("/devices/BS-WC-00001", INTERNAL),
    ("/devices/BS-WC-00001/history", INTERNAL),
    ("/devices/new", ["admin", "staff"]),
    ("/devices/BS-WC-00001/edit", ["admin", "staff"]),
    ("/device-types", INTERNAL),
    ("/device-types/new", ["admin"]),
    ("/device-types/WC/edit", ["admin"]),
    ("/scan", INTERNAL),
    ("/labels/BS-WC-00001.png", INTERNAL),
    ("/labels/sheet.pdf?tags=BS-WC-00001", INTERNAL),
    ("/labels/?tags=BS-WC-00001", INTERNAL),
])
def test_page_role_matrix(client_as, make_device, role, path, allowed):
    make_device("WC")
    response = client_as(role).get(path)
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("path", ["/devices", "/device-types", "/devices/new", "/scan",
                                  "/labels/BS-WC-00001.png", "/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
