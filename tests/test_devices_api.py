"""The JSON API for device types and devices: contract, validation, locking, roles."""
from __future__ import annotations

import json

import pytest

from core.db import db
from devices import services
from fixtures.core import BASE_URL, both_databases, build_app


@pytest.fixture
def staff(api_headers):
    return api_headers("staff")


@pytest.fixture
def admin(api_headers):
    return api_headers("admin")


WHEELCHAIR = {"code": "WC", "name_th": "รถเข็นวีลแชร์", "name_en": "Wheelchair", "reference_price_satang": 350000}


def test_device_type_create_list_get_patch(client, admin, staff):
    response = client.post("/api/v1/device-types", json=WHEELCHAIR, headers=admin)
    assert response.status_code == 201
    body = response.get_json()
    assert body["code"] == "WC" and body["name_th"] == "รถเข็นวีลแชร์" and body["version"] == 1
    assert [t["code"] for t in client.get("/api/v1/device-types", headers=staff).get_json()] == ["WC"]
    response = client.patch("/api/v1/device-types/wc", json={"reference_price_satang": 390000, "version": 1},
                            headers=admin)
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert client.get("/api/v1/device-types/WC", headers=staff).get_json()["reference_price_satang"] == 390000


def test_only_admin_creates_device_types(client, staff):
    assert client.post("/api/v1/device-types", json=WHEELCHAIR, headers=staff).status_code == 403


def test_duplicate_type_code_is_409(client, admin):
    client.post("/api/v1/device-types", json=WHEELCHAIR, headers=admin)
    response = client.post("/api/v1/device-types", json={**WHEELCHAIR, "code": "wc"}, headers=admin)
    assert response.status_code == 409
    assert response.get_json()["errors"]["code"] == ["รหัสนี้มีผู้ใช้แล้ว"]  # Thai unless the client asks otherwise
    response = client.post("/api/v1/device-types", json={**WHEELCHAIR, "code": "wc"},
                           headers={**admin, "Accept-Language": "en"})
    assert response.get_json()["errors"]["code"] == ["This code is already in use."]


@pytest.mark.parametrize("patch, field", [
    ({"code": "W-C"}, "code"),
    ({"code": "TOOLONGCODE"}, "code"),
    ({"name_th": ""}, "name_th"),
    ({"name_en": "x" * 121}, "name_en"),
    ({"reference_price_satang": -1}, "reference_price_satang"),
    ({"reference_price_satang": "350000"}, "reference_price_satang"),
    ({"reference_price_satang": 3500.5}, "reference_price_satang"),
    ({"reference_price_satang": 2.58e-42}, "reference_price_satang"),
    ({"service_interval_days": 0}, "service_interval_days"),
    ({"surprise": 1}, "surprise"),
])
def test_device_type_validation_names_the_field(client, admin, patch, field):
    response = client.post("/api/v1/device-types", json={**WHEELCHAIR, **patch}, headers=admin)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    assert field in body["errors"]["json"]


def test_register_device_generates_tags_per_type(client, admin, staff, make_type):
    make_type("WC")
    make_type("BED", name_th="เตียงผู้ป่วย", name_en="Hospital bed")
    tags = []
    for type_code in ("WC", "WC", "BED"):
        response = client.post("/api/v1/devices", json={"type": type_code, "serial": "S1", "brand": "Yuwell"},
                               headers=staff)
        assert response.status_code == 201
        tags.append(response.get_json()["tag"])
    assert tags == ["BS-WC-00001", "BS-WC-00002", "BS-BED-00001"]
    body = client.get("/api/v1/devices/bs-wc-00002", headers=staff).get_json()
    assert body["type"] == "WC" and body["status"] == "available" and body["condition"] == "good"
    assert body["version"] == 1 and body["url"] == f"{BASE_URL}/d/BS-WC-00002"
    assert body["label_url"].endswith("/labels/BS-WC-00002.png")


def test_tag_prefix_is_a_setting(tmp_path, make_user):
    app = build_app(f"sqlite:///{tmp_path / 'p.db'}", TAG_PREFIX="CB")
    with app.app_context():
        device_type = services.create_type({"code": "WLK", "name_th": "วอล์คเกอร์", "name_en": "Walker"}, by=None)
        assert services.register_device(device_type, {}, by=None).tag == "CB-WLK-00001"
        db.session.rollback()
        db.engine.dispose()


@pytest.mark.parametrize("payload, field", [
    ({}, "type"),
    ({"type": "WC", "serial": "x" * 81}, "serial"),
    ({"type": "WC", "condition": "shiny"}, "condition"),
    ({"type": "WC", "status": "borrowed"}, "status"),
    ({"type": "WC", "acquisition_value_satang": -5}, "acquisition_value_satang"),
    ({"type": "WC", "acquisition_value_satang": True}, "acquisition_value_satang"),
    ({"type": "WC", "acquired_on": "24/11/2569"}, "acquired_on"),
    ({"type": "WC", "tag": "BS-WC-99999"}, "tag"),
    ({"type": "WC", "version": 3}, "version"),
    ({"type": 7}, "type"),
])
def test_device_validation_names_the_field(client, staff, make_type, payload, field):
    make_type("WC")
    response = client.post("/api/v1/devices", json=payload, headers=staff)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_unknown_type_is_404_naming_the_field(client, staff):
    response = client.post("/api/v1/devices", json={"type": "ZZ"}, headers={**staff, "Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json()["errors"] == {"type": ["Unknown device type."]}


@pytest.mark.parametrize("path", ["/api/v1/devices/BS-WC-99999", "/api/v1/devices/BS-WC-99999/history",
                                  "/api/v1/device-types/NOPE", "/api/v1/nothing-here"])
def test_unknown_things_are_json_404(client, staff, path):
    response = client.get(path, headers=staff)
    assert response.status_code == 404
    assert response.get_json()["code"] == 404 and response.get_json()["status"] == "Not Found"


@pytest.mark.parametrize("body", ["{not json", "[1, 2", '"just a string"', "[]"])
def test_malformed_json_is_a_clear_client_error(client, staff, body):
    response = client.post("/api/v1/devices", data=body, headers={**staff, "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.get_json()["code"] == response.status_code
    assert response.get_json()["message"]


def test_only_an_admin_registers_a_device_in_another_status(client, staff, admin, make_type):
    make_type("WC")
    response = client.post("/api/v1/devices", json={"type": "WC", "status": "on_loan"}, headers=staff)
    assert response.status_code == 403 and "status" in response.get_json()["errors"]
    response = client.post("/api/v1/devices", json={"type": "WC", "status": "in_maintenance"}, headers=admin)
    assert response.status_code == 201 and response.get_json()["status"] == "in_maintenance"


@both_databases
def test_patch_with_a_stale_version_is_409_and_changes_nothing(client, staff, make_device):
    tag = make_device("WC", location="A1")
    first = client.patch(f"/api/v1/devices/{tag}", json={"location": "B2", "version": 1}, headers=staff)
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = client.patch(f"/api/v1/devices/{tag}", json={"location": "C3", "version": 1},
                         headers={**staff, "Accept-Language": "en"})
    assert stale.status_code == 409
    assert stale.get_json()["message"] == "Someone else changed this record meanwhile; reload it and try again."
    assert stale.get_json()["errors"]["version"] == ["Stale: the current version is 2."]
    assert client.get(f"/api/v1/devices/{tag}", headers=staff).get_json()["location"] == "B2"


def test_patch_needs_a_version(client, staff, make_device):
    tag = make_device("WC")
    response = client.patch(f"/api/v1/devices/{tag}", json={"location": "B2"}, headers=staff)
    assert response.status_code == 422 and "version" in response.get_json()["errors"]["json"]


def test_status_change_by_patch_is_admin_only_and_audited(client, staff, admin, make_device):
    tag = make_device("WC")
    response = client.patch(f"/api/v1/devices/{tag}", json={"status": "lost", "version": 1}, headers=staff)
    assert response.status_code == 403
    response = client.patch(f"/api/v1/devices/{tag}", json={"status": "lost", "version": 1}, headers=admin)
    assert response.status_code == 422 and "status" in response.get_json()["errors"]  # needs a supervisor
    response = client.patch(f"/api/v1/devices/{tag}", json={"status": "in_maintenance", "version": 1},
                            headers=admin)
    assert response.status_code == 200 and response.get_json()["status"] == "in_maintenance"
    history = client.get(f"/api/v1/devices/{tag}/history", headers=staff).get_json()
    assert history[0]["action"] == "device.status_corrected"
    assert history[0]["changes"] == {"status": ["available", "in_maintenance"]}


def test_history_records_every_change_with_actor_and_request(client, staff, make_type):
    make_type("WC")
    tag = client.post("/api/v1/devices", json={"type": "WC", "location": "A1"}, headers=staff).get_json()["tag"]
    client.patch(f"/api/v1/devices/{tag}", json={"location": "B2", "notes": "ตรวจแล้ว", "version": 1},
                 headers=staff)
    client.patch(f"/api/v1/devices/{tag}", json={"location": "B2", "version": 2}, headers=staff)  # no change
    history = client.get(f"/api/v1/devices/{tag}/history", headers=staff).get_json()
    assert [e["action"] for e in history] == ["device.updated", "device.created"]
    assert history[0]["changes"] == {"location": ["A1", "B2"], "notes": ["", "ตรวจแล้ว"]}
    assert history[0]["actor"].startswith("user") and len(history[0]["request_id"]) == 32


def test_list_filters_and_paginates(client, staff, make_device):
    for _ in range(7):
        make_device("WC")
    make_device("BED", serial="BED-SN-1")
    tag = make_device("WC")
    client.patch(f"/api/v1/devices/{tag}", json={"version": 1, "status": "retired"},
                 headers=staff)  # refused (403): staff cannot correct status, list stays as is
    response = client.get("/api/v1/devices?type=WC&page=2&page_size=5", headers=staff)
    assert response.status_code == 200
    assert [d["tag"] for d in response.get_json()] == ["BS-WC-00006", "BS-WC-00007", "BS-WC-00008"]
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 8 and pagination["total_pages"] == 2
    assert [d["tag"] for d in client.get("/api/v1/devices?q=bed-sn", headers=staff).get_json()] == ["BS-BED-00001"]
    assert client.get("/api/v1/devices?status=on_loan", headers=staff).get_json() == []
    assert client.get("/api/v1/devices?status=nonsense", headers=staff).status_code == 422
    assert client.get("/api/v1/devices?page_size=100000", headers=staff).status_code == 422
    huge = client.get(f"/api/v1/devices?page={10**20}", headers=staff)
    assert huge.status_code == 200 and huge.get_json() == []


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    for path in ("/api/v1/devices", "/api/v1/devices/{tag}", "/api/v1/devices/{tag}/history",
                 "/api/v1/device-types", "/api/v1/auth/token"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/devices"]["post"]["x-roles"] == ["staff", "admin"]
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []


INTERNAL = ["admin", "staff", "assessor", "supervisor", "maintenance", "treasurer"]


@pytest.mark.parametrize("role", INTERNAL + ["donor", None])
@pytest.mark.parametrize("method, path, allowed", [
    ("get", "/api/v1/devices", INTERNAL),
    ("get", "/api/v1/devices/BS-WC-00001", INTERNAL),
    ("get", "/api/v1/devices/BS-WC-00001/history", INTERNAL),
    ("get", "/api/v1/device-types", INTERNAL),
    ("post", "/api/v1/devices", ["admin", "staff"]),
    ("patch", "/api/v1/devices/BS-WC-00001", ["admin", "staff"]),
    ("post", "/api/v1/device-types", ["admin"]),
    ("patch", "/api/v1/device-types/WC", ["admin"]),
])
def test_api_role_matrix(client, api_headers, make_device, role, method, path, allowed):
    make_device("WC")
    headers = api_headers(role) if role else {}
    payloads = {"/api/v1/devices": {"type": "WC"}, "/api/v1/device-types": {**WHEELCHAIR, "code": "NEW"}}
    patch_field = "description" if "device-types" in path else "notes"
    body = payloads.get(path, {"version": 1, patch_field: "x"})
    response = getattr(client, method)(path, json=body if method != "get" else None, headers=headers)
    if role is None:
        assert response.status_code == 401
    elif role in allowed:
        assert response.status_code in (200, 201), response.get_json()
    else:
        assert response.status_code == 403
