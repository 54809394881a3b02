"""A device's history reads as sentences in the reader's language: labels for keys and values,
money in baht, dates as dates, work orders, requests and loans as links (devices/history.py)."""
from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from devices import history
from devices.models import Device
from fixtures.core import with_demo_data

RAW = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a stored key or enum value: cost_satang, in_maintenance


@pytest.fixture
def demo_app(app):
    """The app with the demo data set: devices with whole lifecycles behind them (repairs with
    parts, cleanings, loans, returns, retirements)."""
    with_demo_data(app)
    return app


def main_text(response) -> str:
    page = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", page, re.S).group(0)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def test_no_raw_key_or_value_in_any_devices_history(demo_app, client_as):
    staff = client_as("staff")
    with demo_app.app_context():
        tags = db.session.scalars(select(Device.tag).order_by(Device.tag)).all()
        keys = {key for changes in db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "device")) for key in (changes or {})}
    assert {"status", "work_order", "cost_satang", "request", "loan", "condition", "acquired_on"} <= keys
    for tag in tags:
        text = main_text(staff.get(f"/devices/{tag}/history"))
        raw = set(RAW.findall(text)) - {"bansuan"}
        assert not raw, f"{tag}: raw keys or values on its Thai history page: {sorted(raw)}"


def test_a_repaired_device_reads_in_thai_with_baht_dates_and_links(demo_app, client_as):
    staff = client_as("staff")
    with demo_app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "work_order.part_added")
                                   .order_by(AuditEvent.id)).first()
        tag, order_id, cost = event.object_id, event.changes["work_order"], event.changes["cost_satang"]
        back = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "device.back_in_stock",
                                                           AuditEvent.object_id == tag)).first()
    response = staff.get(f"/devices/{tag}/history")
    page, text = response.get_data(as_text=True), main_text(response)
    assert "cost_satang" not in page and "in_maintenance" not in page and "work_order" not in text
    assert f"ค่าใช้จ่าย: ฿{cost / 100:,.2f}" in " ".join(text.split())
    assert f'href="/maintenance/orders/{order_id}">#{order_id}</a>' in page
    if back is not None:
        assert "สถานะ: จาก อยู่ระหว่างซ่อมบำรุง เป็น ว่าง พร้อมให้ยืม" in " ".join(text.split())
    english = main_text(staff.get(f"/devices/{tag}/history", headers={"Accept-Language": "en"}))
    assert f"Cost: ฿{cost / 100:,.2f}" in " ".join(english.split())


def test_a_delivery_links_its_request_and_a_return_its_loan(demo_app, client_as):
    staff = client_as("staff")
    with demo_app.app_context():
        returned = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "device.returned")
                                      .order_by(AuditEvent.id)).first()
    page = staff.get(f"/devices/{returned.object_id}/history").get_data(as_text=True)
    loan_id = returned.changes["loan"]
    assert f'href="/loans/{loan_id}">L-{loan_id:06d}</a>' in page
    assert re.search(r'href="/requests/\d+">#\d+</a>', page)


def test_keys_nobody_described_still_read(app):
    event = SimpleNamespace(action="device.something_new", changes={
        "mystery_key": "some_value", "fee_satang": 123456, "checked_on": "2026-11-30", "done": True,
        "items": ["a", "b", "c"], "status": ["returned", "in_maintenance"]})
    with app.test_request_context(), force_locale("th"):
        shown = {d.key: (d.label, re.sub(r"<[^>]+>", "", str(d.text))) for d in history.details(event)}
    assert shown["mystery_key"] == ("Mystery key", "some value")
    assert shown["fee_satang"] == ("Fee", "฿1,234.56")
    assert shown["checked_on"] == ("Checked on", "30 พ.ย. 2569")
    assert shown["done"][1] == "ใช่"
    assert shown["items"][1] == "a, b, c"
    assert shown["status"] == ("สถานะ", "จาก ส่งคืนแล้ว รอทำความสะอาด เป็น อยู่ระหว่างซ่อมบำรุง")


def test_values_are_escaped(app):
    event = SimpleNamespace(action="device.updated", changes={"notes": [None, "<script>x</script>"]})
    with app.test_request_context(), force_locale("en"):
        (detail,) = history.details(event)
    assert "<script>" not in str(detail.text) and "&lt;script&gt;" in str(detail.text)
