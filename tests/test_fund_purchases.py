"""Purchases list each device bought: brand, model, serial and location, by service, API and page."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from core.db import db
from core.errors import ValidationError
from devices import services as devices
from devices.models import Acquisition, Device
from fixtures.core import both_databases
from fixtures.devices import new_type
from fixtures.fund import give
from fund.models import JournalEntry, PaymentMethod, Purpose
from fund.services import donations, spending

ROWS = [{"brand": "Yuwell", "model": "H051", "serial": "YU-1001", "location": "ชั้นวาง A1"},
        {"brand": "Yuwell", "model": "H051", "serial": "YU-1002", "location": "ชั้นวาง A2"},
        {"brand": "FASCARE", "model": "FS809", "serial": "", "location": ""}]


@pytest.fixture
def money(treasurer):
    """A treasurer, a wheelchair type and ฿20,000 in the general fund."""
    new_type(reference_price_satang=350_000)
    donor = donations.create_donor({"name": "ก"}, by=treasurer)
    donations.donate_cash(donor, 2_000_000, "GENERAL", PaymentMethod.TRANSFER, by=treasurer)
    return treasurer


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def test_each_device_is_registered_with_its_own_fields(money):
    bought = spending.spend(Purpose.PURCHASE, 1_000_001, by=money, device_type=devices.get_type("WC"),
                            devices_bought=ROWS, description="ร้านเวชภัณฑ์ ใบกำกับ 1234")
    registered = [p.device for p in bought.devices]
    assert [(d.brand, d.model, d.serial, d.location) for d in registered] == [tuple(r.values()) for r in ROWS]
    assert all(d.acquisition == Acquisition.PURCHASE and d.type.code == "WC" for d in registered)
    # Each device is valued at its share; the shares add up to what was paid, to the satang.
    assert [d.acquisition_value_satang for d in registered] == [333_334, 333_334, 333_333]


def test_a_count_alone_still_buys_blank_devices(money):
    bought = spending.spend(Purpose.PURCHASE, 700_000, by=money, device_type=devices.get_type("WC"), device_count=2)
    assert [(p.device.serial, p.device.acquisition_value_satang) for p in bought.devices] == [("", 350_000)] * 2


@pytest.mark.parametrize("kwargs, field", [
    ({"device_count": 2, "devices_bought": ROWS}, "devices"),                      # 3 listed, 2 bought
    ({"devices_bought": [ROWS[0], ROWS[0]]}, "devices"),                           # a serial twice
    ({"devices_bought": [{"serial": "yu-1001"}, {"serial": "YU-1001"}]}, "devices"),  # in any case
    ({"device_count": 1, "device_type": None}, "device_type"),
])
def test_devices_that_do_not_add_up_are_refused_and_nothing_written(money, kwargs, field):
    before = entry_count()
    kwargs.setdefault("device_type", devices.get_type("WC"))
    with pytest.raises(ValidationError) as info:
        spending.spend(Purpose.PURCHASE, 700_000, by=money, **kwargs)
    assert field in info.value.errors and entry_count() == before
    db.session.rollback()


def test_a_serial_already_registered_is_refused(money):
    tag = devices.register_device(devices.get_type("WC"), {"serial": "YU-1002"}, by=None).tag
    with pytest.raises(ValidationError) as info:
        spending.spend(Purpose.PURCHASE, 700_000, by=money, device_type=devices.get_type("WC"),
                       devices_bought=ROWS[:2])
    [problem] = info.value.errors["devices"]["1"]["serial"]
    with force_locale("en"):
        assert str(problem) == f"Serial YU-1002 is already registered, as {tag}."
        assert str(info.value.message) == f"Device 2: Serial YU-1002 is already registered, as {tag}."
    with force_locale("th"):
        assert str(info.value.message) == f"อุปกรณ์ชิ้นที่ 2: หมายเลขเครื่อง YU-1002 ลงทะเบียนไว้แล้วเป็น {tag}"


def test_a_repair_registers_no_device(money):
    with pytest.raises(ValidationError) as info:
        spending.spend(Purpose.REPAIR, 10_000, by=money, device_type=devices.get_type("WC"), devices_bought=ROWS[:1])
    assert "devices" in info.value.errors


# --- API --------------------------------------------------------------------------------------

@pytest.fixture
def api(treasurer_api, make_type):
    make_type("WC")
    give(treasurer_api, 5_000_000, "ร้านใจดี")
    return treasurer_api


@both_databases
def test_the_api_takes_a_list_of_devices(app, api):
    bought = api.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 1_050_000, "devices": ROWS},
                      expect=201)
    assert [{k: d[k] for k in ("brand", "model", "serial", "location")} for d in bought["devices"]] == ROWS
    assert [d["value_satang"] for d in bought["devices"]] == [350_000] * 3
    assert len(bought["device_tags"]) == 3
    stored = api.get(f"/api/v1/devices/{bought['device_tags'][1]}")
    assert (stored["serial"], stored["location"]) == ("YU-1002", "ชั้นวาง A2")
    # count and devices together must agree; count alone (and neither) keep working.
    both = api.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 700_000, "count": 2,
                                          "devices": [{"serial": "A-1"}, {"serial": "A-2"}]}, expect=201)
    assert [d["serial"] for d in both["devices"]] == ["A-1", "A-2"]
    assert len(api.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 350_000, "count": 2},
                        expect=201)["device_tags"]) == 2
    assert len(api.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 350_000},
                        expect=201)["device_tags"]) == 1


@pytest.mark.parametrize("body, path", [
    ({"count": 2, "devices": ROWS}, ("devices",)),
    ({"devices": [ROWS[0], ROWS[0]]}, ("devices", "1", "serial")),
    ({"devices": []}, ("json", "devices")),
    ({"devices": [{"serial": "x" * 81}]}, ("json", "devices", "0", "serial")),
    ({"devices": [{"location": 5}]}, ("json", "devices", "0", "location")),
    ({"devices": [{"colour": "red"}]}, ("json", "devices", "0", "colour")),
    ({"devices": "three"}, ("json", "devices")),
    ({"devices": [{}] * 101}, ("json", "devices")),
    ({"device_type": "XX"}, ("device_type",)),
])
def test_bad_devices_are_a_422_naming_the_field(app, api, body, path):
    response = api.call("post", "/api/v1/purchases", json={"device_type": "WC", "amount_satang": 700_000, **body})
    assert response.status_code == 422, response.get_json()
    found = response.get_json()["errors"]
    for key in path:
        found = found[key]
    assert found
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_the_api_answers_in_the_readers_language(api):
    body = {"device_type": "WC", "amount_satang": 700_000, "count": 1, "devices": ROWS[:2]}
    thai = api.call("post", "/api/v1/purchases", json=body).get_json()
    english = api.call("post", "/api/v1/purchases", json=body, headers={"Accept-Language": "en"}).get_json()
    assert thai["errors"]["devices"] == ["ระบุอุปกรณ์ให้ครบทุกชิ้นที่ซื้อ (1 ชิ้น)"]
    assert english["message"] == "The devices listed do not match the number bought."
    assert english["errors"]["devices"] == ["List the 1 device bought."]


# --- the page ---------------------------------------------------------------------------------

def rows_of(page: str) -> list[str]:
    return re.findall(r'<legend><strong>(อุปกรณ์ชิ้นที่ \d+)</strong></legend>', page)


FORM = {"device_type": "WC", "amount": "7000", "fund": "", "donation": "", "spent_on": "2026-11-24",
        "description": "ร้านเวชภัณฑ์ชลบุรี"}


def test_the_page_has_a_row_per_device_without_javascript(app, api, client_as):
    browser = client_as("treasurer")
    page = browser.get("/fund/purchases/new").get_data(as_text=True)
    assert rows_of(page) == ["อุปกรณ์ชิ้นที่ 1"]
    assert 'for="rows-0-serial"' in page and 'id="rows-0-serial"' in page  # labelled inputs
    # The treasurer fills the first row, says 3 and asks for the rows: nothing is saved yet.
    response = browser.post("/fund/purchases/new", data={**FORM, "count": "3", "action": "rows",
                                                         "rows-0-brand": "Yuwell", "rows-0-model": "H051",
                                                         "rows-0-serial": "YU-1", "rows-0-location": "A1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and rows_of(page) == [f"อุปกรณ์ชิ้นที่ {n}" for n in (1, 2, 3)]
    assert page.count('value="Yuwell"') == 3 and page.count('value="YU-1"') == 1  # the serial is not copied
    assert 'value="ร้านเวชภัณฑ์ชลบุรี"' in page  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0
    data = {**FORM, "count": "3"}
    for n, row in enumerate(ROWS):
        data.update({f"rows-{n}-{k}": v for k, v in row.items()})
    response = browser.post("/fund/purchases/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        stored = list(db.session.scalars(select(Device).order_by(Device.id)))
        assert [(d.brand, d.model, d.serial, d.location) for d in stored] == [tuple(r.values()) for r in ROWS]
    assert ",".join(d.tag for d in stored) in response.headers["Location"].replace("%2C", ",")


def test_saving_with_a_changed_number_only_sets_the_rows(app, api, client_as):
    browser = client_as("treasurer")
    response = browser.post("/fund/purchases/new", data={**FORM, "count": "2", "rows-0-serial": "YU-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and rows_of(page) == ["อุปกรณ์ชิ้นที่ 1", "อุปกรณ์ชิ้นที่ 2"]
    assert "ตอนนี้มีแถวสำหรับอุปกรณ์ทุกชิ้นแล้ว" in page
    # Fewer devices than rows: the last rows go.
    response = browser.post("/fund/purchases/new", data={**FORM, "count": "1", "action": "rows",
                                                         "rows-0-serial": "A", "rows-1-serial": "B"})
    assert rows_of(response.get_data(as_text=True)) == ["อุปกรณ์ชิ้นที่ 1"]
    # Enter in a field presses the form's first button, "One row per device": the page says nothing was saved.
    response = browser.post("/fund/purchases/new", data={**FORM, "count": "1", "action": "rows",
                                                         "rows-0-serial": "A"})
    assert response.status_code == 200 and "ยังไม่ได้บันทึก" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0


@pytest.mark.parametrize("data, status, shown", [
    ({"count": "2", "rows-0-serial": "x" * 81, "rows-1-serial": ""}, 422, 'href="#rows-0-serial"'),
    ({"count": "2", "rows-0-serial": "S-1", "rows-1-serial": "S-1"}, 422, "หมายเลขเครื่อง S-1 ซ้ำกับอุปกรณ์ชิ้นที่ 1"),
    ({"count": "500", "action": "rows"}, 422, 'href="#count"'),
    ({"count": "abc"}, 422, 'href="#count"'),
    ({"count": "1", "rows-0-serial": "S-1", "amount": "999999"}, 409, "เงินไม่พอ"),
])
def test_bad_rows_come_back_in_thai_naming_the_field(app, api, client_as, data, status, shown):
    response = client_as("treasurer").post("/fund/purchases/new", data={**FORM, **data})
    page = response.get_data(as_text=True)
    assert response.status_code == status and shown in page
    assert 'lang="th"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0
