"""Counts read right in English: "1 device", "2 devices" (ngettext); Thai has one form."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from core.db import db
from fund.services import donations

ROOT = Path(__file__).resolve().parents[1]
# Messages with a whole number that is not a count of things: an id, a score, a share, a page.
NOT_COUNTS = {
    "Above %(amount)s (%(limit)d%% of a new one, %(price)s) the system suggests retiring.",
    "Assessment saved: ADL %(total)d, %(group)s.",
    "Entry %(id)d reversed.",
    "Field must be between %(min)d and %(max)d characters long.",
    "From work order %(id)d.",
    "Page %(n)d of %(total)d",
    "Repair estimated at %(estimate)s, %(share)d%% of a new one (work order %(id)d).",
    "Request #%(id)d",
    "Request %(id)d recorded.",
    "The repair is estimated at %(estimate)s, %(share)d%% of the price of a new one (%(price)s); "
    "past %(limit)d%% a repair is not worth it.",
    "Work order %(id)d opened.",
    "reverses #%(id)d",
}


# Placeholders that number something rather than count it (an id, an index, a version, a score).
NUMBERING = {"id", "item", "n", "version", "total", "share", "limit", "min", "max"}


def test_every_message_with_a_count_has_its_plural():
    with (ROOT / "translations/messages.pot").open("rb") as f:
        catalog = read_po(f)
    singular_only = {m.id for m in catalog if m.id and isinstance(m.id, str)
                     and set(re.findall(r"%\((\w+)\)[di]", m.id)) - NUMBERING}
    assert singular_only <= NOT_COUNTS, (
        "a count in a message without ngettext (\"1 devices\"): " + "; ".join(sorted(singular_only - NOT_COUNTS)))


def test_one_and_many_in_english_and_thai(app, client_as, make_type):
    make_type("WC", service_interval_days=1, service_interval_loans=5)
    admin = client_as("admin")
    english = admin.get("/device-types", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "every 1 day<" in english and "every 5 loans" in english
    thai = admin.get("/device-types", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert "ทุก 1 วัน" in thai and "ทุก 5 ครั้งที่ให้ยืม" in thai


def test_a_gift_of_one_device_says_device(app, client_as, make_type):
    make_type("WC")
    treasurer = client_as("treasurer")
    with app.app_context():
        donor = donations.create_donor({"name": "ร้านใจดี", "kind": "shop"}, by=None)
        db.session.commit()
        donor_id = donor.id
    response = treasurer.post("/fund/donations/in-kind", data={
        "donor_id": donor_id, "device_type": "WC", "count": "1", "received_on": "30/11/2569"},
        headers={"Accept-Language": "en"}, follow_redirects=True)
    assert response.status_code == 200
    assert "1 device registered; print its label." in response.get_data(as_text=True)
