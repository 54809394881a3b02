"""The purchase page on a 360 px phone with the keyboard alone: a row per device, then save."""
from __future__ import annotations

from sqlalchemy import select

from browser.flows import flash, main_text, press, tab_to
from core.db import db
from devices.models import Device

PHONE_360 = {"width": 360, "height": 780}


def fill(page, target, text: str, key: str = "Tab") -> None:
    tab_to(page, target, key=key)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_purchase_of_three_listed_devices_by_keyboard_on_a_phone(new_page, live_server, axe):
    page = new_page(PHONE_360, user="treasurer")
    page.goto(live_server.url_for("fund.purchase_new"))
    tab_to(page, "#device_type")
    for _ in range(10):  # arrow to the wheelchairs
        if page.locator("#device_type").input_value() == "WC":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#device_type").input_value() == "WC"
    for field, value in (("brand", "Yuwell"), ("model", "H051"), ("serial", "KB-0001"), ("location", "ชั้น A1")):
        fill(page, f"#rows-0-{field}", value)
    fill(page, "#count", "3", key="Shift+Tab")
    tab_to(page, "button[value='rows']")
    press(page, "Enter")
    assert page.locator("fieldset.device-row legend").all_inner_texts() == [
        "อุปกรณ์ชิ้นที่ 1", "อุปกรณ์ชิ้นที่ 2", "อุปกรณ์ชิ้นที่ 3"]
    assert (page.locator("#rows-2-brand").input_value() == "Yuwell"
            and page.locator("#rows-2-serial").input_value() == "")
    axe(page, "purchase rows, 360 px")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    fill(page, "#rows-1-serial", "KB-0002")
    fill(page, "#rows-2-serial", "KB-0003")
    fill(page, "#amount", "300")
    tab_to(page, "main form button[type='submit']:not([value])")
    press(page, "Enter")
    assert "/labels" in page.url and "3" in flash(page), main_text(page)[:500]
    with live_server.app.app_context():
        bought = list(db.session.scalars(select(Device).where(Device.serial.like("KB-000%")).order_by(Device.serial)))
        assert [(d.serial, d.brand, d.model, d.location, d.acquisition_value_satang) for d in bought] == [
            (f"KB-000{n}", "Yuwell", "H051", "ชั้น A1", 10_000) for n in (1, 2, 3)]
