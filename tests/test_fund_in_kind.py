"""Gifts in kind are valued (the donor's value, else the type's reference new price) and booked at that value."""
from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ValidationError
from devices.models import Device
from fixtures.core import both_databases
from fixtures.devices import new_type
from fixtures.documents import norm
from fund.models import DonatedDevice, Donation, ValueSource
from fund.services import donations, impact, ledger


@pytest.fixture
def treasurer(treasurer):
    """The treasurer, and types with a reference new price (WC, BED) and one without (NEW)."""
    new_type(reference_price_satang=350_000)
    new_type("BED", "เตียง", "Bed", reference_price_satang=1_290_000)
    new_type("NEW", "ยังไม่มีราคา", "No price yet")
    return treasurer


def account_totals() -> dict[str, int]:
    return {account.code: amount for account, amount in ledger.trial_balance()}


def test_each_device_is_valued_and_the_gift_booked_at_the_total(treasurer):
    donor = donations.create_donor({"name": "มูลนิธิ"}, by=treasurer)
    gift = donations.donate_in_kind(donor, [{"type": "WC", "value_satang": 250_000, "serial": "S1"},
                                            {"type": "WC"}, {"type": "BED", "value_satang": None}], by=treasurer)
    assert [(i.device.type.code, i.value_satang, i.value_source) for i in gift.devices] == [
        ("WC", 250_000, ValueSource.DONOR), ("WC", 350_000, ValueSource.REFERENCE),
        ("BED", 1_290_000, ValueSource.REFERENCE)]
    assert [i.device.acquisition_value_satang for i in gift.devices] == [250_000, 350_000, 1_290_000]
    total = 250_000 + 350_000 + 1_290_000
    assert gift.amount_satang == total
    entry = ledger.get_entry(gift.entry_id)
    assert sorted((p.account.code, p.fund.code, p.amount_satang) for p in entry.postings) == [
        (ledger.DEVICES, "GENERAL", total), (ledger.INCOME_KIND, "GENERAL", -total)]
    totals = account_totals()
    assert totals[ledger.DEVICES] == total and sum(totals.values()) == 0
    assert totals[ledger.CASH] == 0  # a gift in kind brings no money to spend
    assert impact.for_donor(donor).in_kind_satang == total and impact.for_donor(donor).given_satang == 0


@pytest.mark.parametrize("items, where", [
    ([{"type": "NEW"}], ("0", "value_satang")),                           # no reference price, no value
    ([{"type": "WC"}, {"type": "NEW", "value_satang": None}], ("1", "value_satang")),
    ([{"type": "WC", "value_satang": 0}], ("0", "value_satang")),         # "worth nothing" is not a value
    ([{"type": "WC"}, {"type": "XX"}], ("1", "type")),
])
def test_a_device_with_no_value_to_book_is_refused_and_nothing_written(treasurer, items, where):
    donor = donations.create_donor({"name": "ก"}, by=treasurer)
    with pytest.raises(ValidationError) as info:
        donations.donate_in_kind(donor, items, by=treasurer)
    index, field = where
    assert list(info.value.errors["devices"]) == [index] and field in info.value.errors["devices"][index]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 0


def test_a_stated_value_beats_the_reference_price_even_without_one(treasurer):
    donor = donations.create_donor({"name": "ก"}, by=treasurer)
    gift = donations.donate_in_kind(donor, [{"type": "NEW", "value_satang": 99_00}], by=treasurer)
    assert (gift.amount_satang, gift.devices[0].value_source) == (99_00, ValueSource.DONOR)


# --- API and pages ----------------------------------------------------------------------------

@pytest.fixture
def api(treasurer_api, make_type):
    make_type("WC")                                   # reference new price ฿3,500.00
    make_type("NEW", "ยังไม่มีราคา", "No price yet", price=0)
    return treasurer_api


@both_databases
def test_the_api_values_each_device_and_says_how(app, api):
    donor = api.post("/api/v1/donors", {"name": "ชมรมผู้สูงอายุ"}, expect=201)
    gift = api.post("/api/v1/donations", {"donor_id": donor["id"], "devices": [
        {"type": "WC", "brand": "Yuwell", "value_satang": 120_000, "location": "A1"}, {"type": "WC"}]}, expect=201)
    assert gift["amount_satang"] == 470_000 and gift["receipt"] == "" and gift["entry_id"]
    assert [(d["value_satang"], d["value_source"], d["location"]) for d in gift["devices"]] == [
        (120_000, "donor", "A1"), (350_000, "reference", "")]
    [entry] = api.get("/api/v1/ledger/entries?kind=in_kind")
    assert sorted((p["account"], p["amount_satang"]) for p in entry["postings"]) == [
        ("DEVICES", 470_000), ("INC_KIND", -470_000)]
    assert entry["memo"] == "กายอุปกรณ์ที่ ชมรมผู้สูงอายุ บริจาค" and entry["memo_key"] == "in_kind"


@pytest.mark.parametrize("item, path", [
    ({"type": "NEW"}, ("devices", "0", "value_satang")),
    ({"type": "WC", "value_satang": 0}, ("devices", "0", "value_satang")),
    ({"type": "ZZ"}, ("devices", "0", "type")),
    ({"type": "WC", "value_satang": -1}, ("json", "devices", "0", "value_satang")),
    ({"type": "WC", "value_satang": 1.5}, ("json", "devices", "0", "value_satang")),
    ({"type": "WC", "value_satang": "ten"}, ("json", "devices", "0", "value_satang")),
    ({"type": "WC", "location": "x" * 121}, ("json", "devices", "0", "location")),
])
def test_bad_items_are_a_422_naming_the_field(app, api, item, path):
    donor = api.post("/api/v1/donors", {"name": "ก"}, expect=201)
    response = api.call("post", "/api/v1/donations", json={"donor_id": donor["id"], "devices": [item]})
    assert response.status_code == 422, response.get_json()
    found = response.get_json()["errors"]
    for key in path:
        found = found[key]
    assert found
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_the_page_values_the_gift_and_the_donor_sees_it_in_thai(app, api, client_as, client):
    donor = api.post("/api/v1/donors", {"name": "ร้านเวชภัณฑ์ใจดี"}, expect=201)
    browser = client_as("treasurer")
    page = browser.get(f"/fund/donations/in-kind?donor_id={donor['id']}").get_data(as_text=True)
    assert "WC · รถเข็นวีลแชร์ · ราคาอ้างอิงของใหม่ ฿3,500.00" in page
    form = {"donor_id": str(donor["id"]), "device_type": "WC", "count": "2", "received_on": "2026-11-20"}
    assert browser.post("/fund/donations/in-kind", data=form).status_code == 302
    assert browser.post("/fund/donations/in-kind", data={**form, "count": "1", "value": "1200.50",
                                                         "model": "H051"}).status_code == 302
    with app.app_context():
        items = list(db.session.scalars(select(DonatedDevice).order_by(DonatedDevice.id)))
        assert [(i.value_satang, i.value_source) for i in items] == [
            (350_000, ValueSource.REFERENCE), (350_000, ValueSource.REFERENCE), (120_050, ValueSource.DONOR)]
        assert items[2].device.model == "H051"
        gifts = list(db.session.scalars(select(Donation).order_by(Donation.id)))
    statement = browser.get(f"/fund/donors/{donor['id']}").get_data(as_text=True)
    assert "฿7,000.00" in statement and "ตามราคาอ้างอิงของใหม่" in statement
    assert "฿1,200.50" in statement and "ตามที่ผู้บริจาคแจ้ง" in statement
    journal = browser.get("/fund/journal?kind=in_kind").get_data(as_text=True)
    assert "กายอุปกรณ์ที่ ร้านเวชภัณฑ์ใจดี บริจาค" in journal and "devices given by" not in journal
    with app.app_context():
        token = db.session.get(Donation, gifts[0].id).donor.share_token
    shared = client.get(f"/impact/s/{token}").get_data(as_text=True)
    assert "มูลค่า ฿8,200.50" in shared
    # A type with no reference price needs the donor's value: a 422 in Thai, nothing written.
    response = browser.post("/fund/donations/in-kind", data={**form, "device_type": "NEW", "count": "1"})
    assert response.status_code == 422 and "ยังไม่มีราคาอ้างอิงของใหม่" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 3


def test_the_certificate_shows_each_value_and_the_total(app, api, client_as):
    donor = api.post("/api/v1/donors", {"name": "บริษัท ชลบุรีการแพทย์ จำกัด"}, expect=201)
    gift = api.post("/api/v1/donations", {"donor_id": donor["id"], "devices": [
        {"type": "WC"}, {"type": "WC", "value_satang": 150_000}]}, expect=201)
    pdf = client_as("treasurer").get(f"/fund/donations/{gift['id']}/receipt.pdf")
    assert pdf.mimetype == "application/pdf"
    with pdfium.PdfDocument(pdf.data) as document:
        assert len(document) == 1
        text = norm(document[0].get_textpage().get_text_range())
    for expected in ("รถเข็นวีลแชร์ 2 รายการ มูลค่า 5,000.00 บาท *", "รวมมูลค่า 5,000.00 บาท (ห้าพันบาทถ้วน)",
                     "มูลค่าตามราคาอ้างอิงของใหม่"):
        assert norm(expected) in text, expected
