"""The fund's domain errors speak the reader's language; money in them prints in the reader's locale.

That every domain error the app raises is lazily translated is checked in test_thai_errors.py.
"""
from __future__ import annotations


import pytest
from flask_babel import force_locale

from fixtures.core import both_databases
from fixtures.fund import give
from core.money import LazyBaht


def test_money_in_a_message_prints_when_shown(app):
    amount = LazyBaht(125_050)
    with app.test_request_context(), force_locale("th"):
        assert str(amount) == "฿1,250.50"
    with app.test_request_context(), force_locale("en"):
        assert str(amount) == "฿1,250.50"
    assert str(LazyBaht(-5)) == "-฿0.05"


@pytest.fixture
def api(treasurer_api, make_type):
    make_type("WC")
    treasurer_api.gift = give(treasurer_api, 100_000)
    return treasurer_api


def answers(api, method, path, body=None):
    """The error in Thai (no Accept-Language) and in English."""
    thai = api.call(method, path, json=body)
    english = api.call(method, path, json=body, headers={"Accept-Language": "en"})
    assert thai.status_code == english.status_code
    return thai.status_code, thai.get_json(), english.get_json()


def test_not_enough_money_names_the_amount_short_to_those_who_keep_the_books(api):
    status, thai, english = answers(api, "post", "/api/v1/repairs", {"amount_satang": 150_000})
    assert status == 409
    assert thai["message"] == "เงินไม่พอ: กองทุนที่ใช้จ่ายรายการนี้ได้ยังขาดอีก ฿500.00"
    assert english["message"] == "Not enough money: the funds allowed to pay for this are ฿500.00 short."
    assert english["errors"] == {"amount_satang": ["฿500.00 more than the allowed funds hold."]}
    # Who may not see the balances reads no amount (tests/test_work_order_costs.py).


def test_a_donations_remainder_prints_in_the_readers_locale(api):
    body = {"device_type": "WC", "amount_satang": 150_000,
            "allocations": [{"donation_id": api.gift["id"], "amount_satang": 150_000}]}
    status, thai, english = answers(api, "post", "/api/v1/purchases", body)
    assert status == 409
    assert thai["message"] == f"เงินบริจาครายการ {api.gift['receipt']} เหลือ ฿1,000.00"
    assert english["message"] == f"Donation {api.gift['receipt']} has ฿1,000.00 left."


@pytest.mark.parametrize("path, body, status, field, thai_message, english_field", [
    ("/api/v1/donations", {"donor_id": 1, "amount_satang": 100, "fund": "NOPE"}, 404, "fund",
     "ไม่พบกองทุนรหัส NOPE", "Unknown fund."),
    ("/api/v1/donations", {"donor_id": 99, "amount_satang": 100}, 404, "donor_id",
     "ไม่พบผู้บริจาครายที่ 99", "Unknown donor."),
    ("/api/v1/donations", {"donor_id": 1}, 422, "amount_satang", "การบริจาคเงินต้องระบุจำนวนเงิน", "Required."),
    ("/api/v1/donors", {"name": "x", "tax_id": "123"}, 422, "tax_id", "เลขประจำตัวผู้เสียภาษีไม่ถูกต้อง",
     "A tax ID has 13 digits."),
    ("/api/v1/donors", {"name": "x", "tax_id": "0105536000314"}, 422, "tax_id", "เลขประจำตัวผู้เสียภาษีไม่ถูกต้อง",
     "The check digit does not match; please check the number."),
    ("/api/v1/purchases", {"device_type": "WC", "amount_satang": 100, "fund": "GENERAL",
                           "allocations": [{"donation_id": 99, "amount_satang": 100}]}, 422, "allocations",
     "ไม่พบเงินบริจาครายการที่ 99", "Unknown donation."),
    ("/api/v1/repairs", {"amount_satang": 100, "device_tag": "BS-XX-1"}, 422, "device_tag",
     "ไม่พบอุปกรณ์ BS-XX-1", "Unknown device."),
])
def test_field_errors_name_the_field_in_the_readers_language(api, path, body, status, field, thai_message,
                                                             english_field):
    got, thai, english = answers(api, "post", path, body)
    assert got == status and thai["message"] == thai_message
    assert field in thai["errors"] and english["errors"][field] == [english_field]
    assert thai["errors"][field] != english["errors"][field]


def test_machine_codes_stay_codes(api, client_as):
    entry = api.gift["entry_id"]
    api.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 50_000}, expect=201)
    status, thai, english = answers(api, "post", f"/api/v1/ledger/entries/{entry}/reverse", {})
    assert status == 409 and thai["errors"] == english["errors"] == {"state": ["allocated"]}
    assert thai["message"] == "เงินบริจาครายการนี้ถูกใช้จ่ายซื้อหรือซ่อมอุปกรณ์ไปแล้ว กรุณากลับรายการเหล่านั้นก่อน"
    bought = api.get("/api/v1/ledger/entries?kind=purchase")[0]["id"]
    reversal = api.post(f"/api/v1/ledger/entries/{bought}/reverse", {}, expect=201)
    status, thai, _ = answers(api, "post", f"/api/v1/ledger/entries/{reversal['id']}/reverse", {})
    assert status == 409 and thai["errors"] == {"state": ["reversal"]}
    # The same on the page, in Thai.
    page = client_as("treasurer").post(f"/fund/entries/{bought}/reverse", data={})
    assert page.status_code == 409 and "ถูกกลับรายการไปแล้ว" in page.get_data(as_text=True)


def test_pages_say_it_in_thai(client, client_as, api_headers, api):
    shared = client.get("/impact/s/not-a-token")
    assert shared.status_code == 404 and "ลิงก์นี้ใช้ไม่ได้" in shared.get_data(as_text=True)
    unlinked = client_as("donor").get("/impact")
    assert unlinked.status_code == 404 and "เหรัญญิก" in unlinked.get_data(as_text=True)
    other = client.get(f"/api/v1/donors/{api.gift['donor_id']}/impact", headers=api_headers("donor"))
    assert other.status_code == 403 and other.get_json()["message"] == "ผู้บริจาคดูได้เฉพาะผลการบริจาคของตนเอง"


@both_databases
def test_amounts_beyond_what_the_books_hold_are_a_422_not_a_database_error(app, api, client_as):
    """PostgreSQL's INTEGER holds ฿21,474,836.47 at most; a larger amount is refused as input."""
    too_much = 2**31
    for path, body, field in (
        ("/api/v1/donations", {"donor_id": api.gift["donor_id"], "amount_satang": too_much}, "amount_satang"),
        ("/api/v1/purchases", {"device_type": "WC", "amount_satang": too_much}, "amount_satang"),
        ("/api/v1/repairs", {"amount_satang": too_much}, "amount_satang"),
        ("/api/v1/donations", {"donor_id": api.gift["donor_id"], "devices": [{"type": "WC", "value_satang": too_much}]},
         "devices"),
    ):
        response = api.call("post", path, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"].get("json", {}), path
    together = api.call("post", "/api/v1/donations", json={"donor_id": api.gift["donor_id"], "devices": [
        {"type": "WC", "value_satang": 2_000_000_000}] * 2}, headers={"Accept-Language": "en"})
    assert together.status_code == 422 and together.get_json()["errors"] == {
        "devices": ["Worth more than ฿21,474,836.47 together."]}
    page = client_as("treasurer").post("/fund/purchases/new", data={
        "device_type": "WC", "count": "1", "amount": "30000000", "fund": "", "spent_on": "2026-11-24"})
    assert page.status_code == 422 and "฿21,474,836.47" in page.get_data(as_text=True)


@both_databases
@pytest.mark.parametrize("path, body, where", [
    ("/api/v1/donations", {"donor_id": 2**40, "amount_satang": 5}, ("donor_id",)),
    ("/api/v1/donations", {"donor_id": 10**20, "amount_satang": 5}, ("donor_id",)),
    ("/api/v1/purchases", {"device_type": "WC", "amount_satang": 5, "allocations": [
        {"donation_id": 2**40, "amount_satang": 5}]}, ("allocations", "0", "donation_id")),
])
def test_ids_beyond_the_databases_integer_are_a_422(app, api, path, body, where):
    response = api.call("post", path, json=body)
    assert response.status_code == 422
    found = response.get_json()["errors"]["json"]
    for key in where:
        found = found[key]
    assert found
