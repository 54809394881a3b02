"""The fund through the API and pages: rules, receipts, donor views and who may see what."""
from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from sqlalchemy import func, select

from core.db import db
from devices.services import get_type
from fixtures.users import PASSWORD
from fund.models import Allocation, Donor, Fund, JournalEntry
from fund.services import ledger


@pytest.fixture
def treasurer(app, treasurer_api, make_type):
    make_type("WC")
    make_type("BED", name_th="เตียงผู้ป่วย", name_en="Bed")
    with app.app_context():
        ledger.ensure_chart()
        db.session.add(Fund(code="BEDS", name_th="กองทุนเตียง", name_en="Beds only", restricted=True,
                            device_type_id=get_type("BED").id))
        db.session.commit()
    return treasurer_api


def entries(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(JournalEntry))


def test_donation_purchase_reversal_and_balances(app, treasurer):
    donor = treasurer.post("/api/v1/donors", {"name": "บริษัท ชลบุรีค้าวัสดุ จำกัด", "kind": "company",
                                               "tax_id": "0105536000313"}, expect=201)
    gift = treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 2_000_000,
                                                "fund": "BEDS", "method": "transfer"}, expect=201)
    assert gift["receipt"].endswith("/00001") and gift["fund"] == "BEDS"
    funds = {f["code"]: f for f in treasurer.get("/api/v1/funds")}
    assert funds["BEDS"]["balance_satang"] == 2_000_000 and funds["BEDS"]["restricted_to"] == "BED"
    # Beds-only money cannot buy a wheelchair, and the general fund is empty: 409, nothing written.
    before = entries(app)
    refused = treasurer.call("post", "/api/v1/purchases", json={"device_type": "WC", "amount_satang": 350_000})
    assert refused.status_code == 409 and entries(app) == before
    wrong = treasurer.call("post", "/api/v1/purchases", json={"device_type": "WC", "amount_satang": 350_000,
                                                               "fund": "BEDS"})
    assert wrong.status_code == 422 and "fund" in wrong.get_json()["errors"]
    bought = treasurer.post("/api/v1/purchases", {"device_type": "BED", "amount_satang": 1_290_000, "count": 1},
                            expect=201)
    assert bought["allocations"] == [{"donation_id": gift["id"], "amount_satang": 1_290_000}]
    assert len(bought["device_tags"]) == 1
    over = treasurer.call("post", "/api/v1/purchases", json={"device_type": "BED", "amount_satang": 1_000_000})
    assert over.status_code == 409
    # The donation paid for something: it cannot be reversed before the purchase is.
    assert treasurer.call("post", f"/api/v1/ledger/entries/{gift['entry_id']}/reverse", json={}).status_code == 409
    undone = treasurer.post(f"/api/v1/ledger/entries/{bought['entry_id']}/reverse", {"memo": "ผิดรายการ"}, expect=201)
    assert undone["reverses_id"] == bought["entry_id"]
    assert treasurer.call("post", f"/api/v1/ledger/entries/{bought['entry_id']}/reverse", json={}).status_code == 409
    assert {f["code"]: f["balance_satang"] for f in treasurer.get("/api/v1/funds")}["BEDS"] == 2_000_000
    assert len(treasurer.get("/api/v1/ledger/entries?fund=BEDS")) == 3


def test_bad_input_is_422_naming_the_field(treasurer):
    for body, field in (({"name": ""}, "name"), ({"name": "x", "tax_id": "123"}, "tax_id"),
                        ({"name": "x", "email": "not-mail"}, "email"), ({"name": "x", "kind": "alien"}, "kind")):
        response = treasurer.call("post", "/api/v1/donors", json=body)
        assert response.status_code == 422, body
        errors = response.get_json()["errors"]
        assert field in errors.get("json", errors), body
    response = treasurer.call("post", "/api/v1/donations", json={"donor_id": 999, "amount_satang": 100})
    assert response.status_code == 404
    response = treasurer.call("post", "/api/v1/donations", json={"donor_id": 1, "amount_satang": -5})
    assert response.status_code == 422


def test_in_kind_devices_are_registered(treasurer):
    donor = treasurer.post("/api/v1/donors", {"name": "ชมรมผู้สูงอายุ", "kind": "civil_society"}, expect=201)
    gift = treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "devices": [
        {"type": "WC", "brand": "Yuwell", "value_satang": 300_000}, {"type": "BED"}]}, expect=201)
    # The bed has no stated value: it is valued (and booked) at its type's reference new price.
    assert gift["kind"] == "in_kind" and len(gift["device_tags"]) == 2 and gift["amount_satang"] == 300_000 + 350_000
    assert [(d["type"], d["value_satang"], d["value_source"]) for d in gift["devices"]] == [
        ("WC", 300_000, "donor"), ("BED", 350_000, "reference")]


def test_treasurer_pages_receipt_and_csv(app, client_as, treasurer):
    donor = treasurer.post("/api/v1/donors", {"name": "นายใจดี มีทรัพย์", "tax_id": "1101700230708"}, expect=201)
    gift = treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 125_000,
                                                "fund": "GENERAL"}, expect=201)
    browser = client_as("treasurer")
    page = browser.get("/fund").get_data(as_text=True)
    assert "฿1,250.00" in page and "✓" in page
    pdf = browser.get(f"/fund/donations/{gift['id']}/receipt.pdf")
    assert pdf.mimetype == "application/pdf"
    document = pdfium.PdfDocument(pdf.data)
    extracted = document[0].get_textpage().get_text_range()
    assert gift["receipt"] in extracted and "1,250.00" in extracted
    document.close()
    csv_text = browser.get("/fund/journal?format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffentry,date") and "CASH,GENERAL,1250.00" in csv_text
    response = browser.post("/fund/donations/new", data={"donor_id": str(donor["id"]), "amount": "500",
                                                         "fund": "GENERAL", "method": "cash",
                                                         "received_on": "2026-11-24"})
    assert response.status_code == 302
    response = browser.post("/fund/purchases/new", data={"device_type": "WC", "count": "1", "amount": "99999",
                                                         "fund": "", "spent_on": "2026-11-24"})
    page = response.get_data(as_text=True)
    # In Thai; the treasurer, who sees the balances, reads the amount short (฿99,999.00 - ฿1,750.00).
    assert response.status_code == 409 and "เงินไม่พอ" in page and "฿98,249.00" in page


def test_donors_see_only_their_own_impact(app, client, client_as, treasurer, make_user, login):
    mine = treasurer.post("/api/v1/donors", {"name": "ร้านทองใจดี", "kind": "shop", "may_be_named": True},
                          expect=201)
    treasurer.post("/api/v1/donors", {"name": "ผู้ไม่ออกนาม"}, expect=201)
    treasurer.post("/api/v1/donations", {"donor_id": mine["id"], "amount_satang": 100_000}, expect=201)
    donor_user = make_user("donor", username="shop")
    with app.app_context():
        db.session.get(Donor, mine["id"]).user_id = donor_user
        db.session.commit()
        token = db.session.get(Donor, mine["id"]).share_token
    browser = login(app.test_client(), donor_user)
    page = browser.get("/impact").get_data(as_text=True)
    assert "ร้านทองใจดี" in page
    assert browser.get("/fund").status_code == 403
    assert browser.get("/people").status_code == 403
    other_donor = client_as("donor")
    assert other_donor.get("/impact").status_code == 404  # not linked to any donor
    assert client.get(f"/impact/s/{token}").status_code == 200
    assert client.get("/impact/s/not-a-token").status_code == 404
    token_response = client.post("/api/v1/auth/token", json={"username": "shop", "password": PASSWORD})
    donor_api = {"Authorization": f"Bearer {token_response.get_json()['token']}"}
    figures = client.get(f"/api/v1/donors/{mine['id']}/impact", headers=donor_api)
    assert figures.status_code == 200 and figures.get_json()["given_satang"] == 100_000
    assert client.get(f"/api/v1/donors/{mine['id'] + 1}/impact", headers=donor_api).status_code == 403
    public = client.get("/impact/center").get_data(as_text=True)
    assert "ร้านทองใจดี" in public and "ผู้ไม่ออกนาม" not in public


@pytest.mark.parametrize("role", ["admin", "staff", "assessor", "supervisor", "maintenance", "treasurer", "donor"])
@pytest.mark.parametrize("path, allowed", [
    ("/fund", ["treasurer", "admin"]), ("/fund/journal", ["treasurer", "admin"]),
    ("/fund/donors", ["treasurer", "admin"]), ("/fund/donations/new", ["treasurer", "admin"]),
    ("/api/v1/funds", ["treasurer", "admin"]), ("/api/v1/ledger/entries", ["treasurer", "admin"]),
    ("/api/v1/donors", ["treasurer", "admin"]),
])
def test_fund_role_matrix(client, client_as, api_headers, role, path, allowed):
    if path.startswith("/api/"):
        response = client.get(path, headers=api_headers(role))
    else:
        response = client_as(role).get(path)
    assert response.status_code == (200 if role in allowed else 403)


def test_summary_report(client, api_headers, make_device):
    make_device("WC")
    response = client.get("/api/v1/reports/summary", headers=api_headers("treasurer"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["devices_by_status"] == {"available": 1} and body["loans"] == 0
    assert body["fund_balances_satang"] == {"GENERAL": 0}
    assert client.get("/api/v1/reports/summary", headers=api_headers("donor")).status_code == 403


def test_fund_statement_and_a_purchase_paid_from_a_chosen_donation(app, client_as, treasurer):
    donor = treasurer.post("/api/v1/donors", {"name": "ก"}, expect=201)
    first = treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 100_000,
                                                 "received_on": "2026-11-20"}, expect=201)
    second = treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 500_000,
                                                  "received_on": "2026-11-21"}, expect=201)
    browser = client_as("treasurer")
    response = browser.post("/fund/purchases/new", data={"device_type": "WC", "count": "1", "amount": "3500",
                                                         "fund": "", "donation": str(second["id"]),
                                                         "spent_on": "2026-11-24"})
    assert response.status_code == 302
    with app.app_context():
        allocation = db.session.scalar(select(Allocation))
        assert allocation.donation_id == second["id"] and allocation.amount_satang == 350_000
    page = browser.get("/fund/journal?fund=GENERAL").get_data(as_text=True)
    assert "฿1,000.00" in page and "฿6,000.00" in page and "฿2,500.00" in page  # running balance
    assert first["id"] != second["id"]
