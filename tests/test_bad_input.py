"""Bad input that used to give a 500 now gets a 4xx naming the field: ids past the database's
integer, JSON nested a thousand levels deep, a label sheet's ``start`` in other digits, and a
number, list, object or boolean where a code or tag belongs."""
from __future__ import annotations

import json

import pytest

from core.input_guards import MAX_DEPTH, json_depth

EVERY_ROLE = ("admin", "staff", "supervisor", "treasurer", "maintenance", "assessor")
HUGE = 2**64


@pytest.fixture
def headers(api_headers):
    return api_headers(*EVERY_ROLE)


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/loans", {"request_id": HUGE, "device_tag": "BS-WC-00001", "acknowledged_by": "ลูกสาว"}, "request_id"),
    ("/api/v1/requests", {"person_id": HUGE, "device_type": "WC", "channel": "phone"}, "person_id"),
    ("/api/v1/requests", {"person_id": 2**63, "device_type": "WC", "channel": "phone"}, "person_id"),
    ("/api/v1/donations", {"donor_id": HUGE, "amount_satang": 100_00, "fund": "GENERAL"}, "donor_id"),
    ("/api/v1/purchases", {"device_type": "WC", "amount_satang": 100_00,
                           "allocations": [{"donation_id": HUGE, "amount_satang": 100_00}]}, "allocations"),
    ("/api/v1/retirements", {"device_tag": "BS-WC-00001", "kind": "retire", "reason": "โครงหัก",
                             "work_order_id": HUGE}, "work_order_id"),
])
def test_an_id_past_the_databases_integer_in_a_body_is_a_422_naming_it(client, headers, make_device, path, body,
                                                                         field):
    make_device("WC")
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("path", ["/api/v1/requests", "/api/v1/loans", "/api/v1/waitlist"])
def test_an_id_past_the_databases_integer_in_a_query_is_a_422_naming_it(client, headers, path):
    response = client.get(f"{path}?person_id={HUGE}", headers=headers)
    assert response.status_code == 422
    assert "person_id" in response.get_json()["errors"]["query"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_a_thousand_deep_is_a_400_even_before_login(client, headers):
    deep = nested(1000)
    response = client.post("/api/v1/auth/token", data=deep, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["code"] == 400
    response = client.post("/api/v1/requests", data='{"reason": ' + deep + "}", content_type="application/json",
                           headers=headers)
    assert response.status_code == 400 and "json" in response.get_json()["errors"]
    response = client.post("/api/v1/requests", data=deep, content_type="application/merge-patch+json",
                           headers=headers)
    assert response.status_code == 400


def test_json_within_the_depth_reaches_the_schema(client, headers):
    """Brackets in strings do not count, and a body as deep as allowed is read and judged field by field."""
    body = {"person_id": 1, "device_type": "WC", "channel": "phone", "reason": "[" * 200}
    response = client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 404  # no such person: the body was read
    response = client.post("/api/v1/requests", data='{"person_id": ' + nested(MAX_DEPTH - 1) + "}",
                           content_type="application/json", headers=headers)
    assert response.status_code == 422 and "person_id" in response.get_json()["errors"]["json"]


def test_a_json_body_over_a_megabyte_is_a_413(client, headers):
    body = json.dumps({"person_id": 1, "device_type": "WC", "channel": "phone", "reason": "ก" * 400_000})
    response = client.post("/api/v1/requests", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 413


@pytest.mark.parametrize("text, depth", [
    ("[]", 1), ("{}", 1), ('{"a": [1, {"b": []}]}', 4), ('["]]]", "[[[["]', 1), (r'["\"[[", "\\"]', 1),
    ("1", 0), (nested(1000), 1000),
])
def test_json_depth(text, depth):
    assert json_depth(text.encode()) == depth


# (operation, the field that takes a code or tag, the rest of a body)
CODE_FIELDS = [
    ("/api/v1/donations", "fund", {"donor_id": 1, "amount_satang": 100_00}),
    ("/api/v1/purchases", "device_type", {"amount_satang": 100_00}),
    ("/api/v1/repairs", "device_type", {"amount_satang": 100_00}),
    ("/api/v1/loans", "device_tag", {"request_id": 1, "acknowledged_by": "ลูกสาว"}),
    ("/api/v1/retirements", "device_tag", {"kind": "retire", "reason": "โครงหัก"}),
    ("/api/v1/work-orders", "device_tag", {"kind": "repair"}),
    ("/api/v1/requests/1/assessment", "recommended_type", {"adl_items": [1] * 10, "suitable": True}),
]


@pytest.mark.parametrize("path, field, rest", CODE_FIELDS)
@pytest.mark.parametrize("value", [5, 2.5, ["WC"], {"code": "WC"}, True])
def test_a_code_field_takes_only_a_string(client, headers, path, field, rest, value):
    response = client.post(path, json={**rest, field: value}, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("start", ["²", "٣", "9" * 5000, "0", "25", "-1", " 2", ""])
def test_a_label_sheets_start_outside_the_sheet_is_a_422_naming_it(client_as, make_device, start):
    tag = make_device("WC")
    response = client_as("staff").get("/labels/sheet.pdf", query_string={"tags": tag, "start": start},
                                      headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["start"]


def test_a_label_sheet_starts_where_asked(client_as, make_device):
    tag = make_device("WC")
    response = client_as("staff").get("/labels/sheet.pdf", query_string={"tags": tag, "start": "24"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"


@pytest.mark.parametrize("method, path, data, expected", [
    ("get", f"/requests/new?person_id={HUGE}", None, 200),
    ("get", "/requests/new?person_id=²", None, 200),
    ("post", "/requests/new", {"person_id": str(HUGE), "device_type": "WC", "channel": "phone", "urgency": "normal"},
     404),
    ("post", "/requests/new", {"person_id": "abc", "device_type": "WC", "channel": "phone", "urgency": "normal"}, 404),
    ("post", "/zones", {"user_id": str(HUGE), "zones": "บ้านสวน/1"}, 404),
    ("get", f"/people?page={HUGE}", None, 200),
])
def test_pages_take_ids_past_the_databases_integer_as_unknown(client_as, make_device, method, path, data, expected):
    make_device("WC")
    browser = client_as("staff", "supervisor")
    response = getattr(browser, method)(path, data=data)
    assert response.status_code == expected
