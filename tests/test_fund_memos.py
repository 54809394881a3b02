"""Journal memos in the reader's language: standard memos kept as key and parameters, typed ones as typed."""
from __future__ import annotations

import csv
import io

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.db import db
from core.users import create_user
from devices import services as devices
from devices.models import Condition
from fixtures.core import build_app, database_url
from fixtures.devices import new_type
from fixtures.fund import give
from fund import memos
from fund.models import Fund, JournalEntry, PaymentMethod, Purpose
from fund.services import donations, ledger, spending
from maintenance.services import orders
from maintenance.models import WorkKind


@pytest.fixture
def books(treasurer):
    """One entry of each kind, standard and typed; returns them by name."""
    wc = new_type(reference_price_satang=350_000)
    donor = donations.create_donor({"name": "ร้านใจดี"}, by=treasurer)
    made = {"donation": donations.donate_cash(donor, 2_000_000, "GENERAL", PaymentMethod.CASH, by=treasurer).entry_id,
            "in_kind": donations.donate_in_kind(donor, [{"type": "WC"}], by=treasurer).entry_id}
    made["purchase"] = spending.spend(Purpose.PURCHASE, 700_000, by=treasurer, device_type=wc,
                                      device_count=2).entry_id
    made["typed purchase"] = spending.spend(Purpose.PURCHASE, 350_000, by=treasurer, device_type=wc, device_count=1,
                                            description="ร้านเวชภัณฑ์ ใบกำกับ 77").entry_id
    made["repair"] = spending.spend(Purpose.REPAIR, 10_000, by=treasurer, device_type=wc).entry_id
    made["bare repair"] = spending.spend(Purpose.REPAIR, 10_000, by=treasurer).entry_id
    made["reversal"] = spending.reverse_entry(made["repair"], "", by=treasurer).id
    made["typed reversal"] = spending.reverse_entry(made["bare repair"], "ผิดรายการ", by=treasurer).id
    db.session.commit()
    return {name: db.session.get(JournalEntry, entry_id) for name, entry_id in made.items()}


def test_standard_memos_are_stored_as_key_and_parameters(books):
    stored = {name: (e.memo_key, e.memo_params, e.memo) for name, e in books.items()}
    assert stored == {
        "donation": ("donation", {"donor": "ร้านใจดี"}, "Donation from ร้านใจดี"),
        "in_kind": ("in_kind", {"donor": "ร้านใจดี"}, "Devices given by ร้านใจดี"),
        "purchase": ("purchase", {"count": 2, "type": "WC"}, "2 × WC bought"),
        "typed purchase": (None, None, "ร้านเวชภัณฑ์ ใบกำกับ 77"),
        "repair": ("repair", {"type": "WC"}, "Repair of a WC"),
        "bare repair": (None, None, ""),
        "reversal": ("reversal", {"entry": books["repair"].id}, f"Reversal of entry {books['repair'].id}"),
        "typed reversal": (None, None, "ผิดรายการ"),
    }


@pytest.mark.parametrize("lang, expected", [
    ("th", {"donation": "เงินบริจาคจาก ร้านใจดี", "in_kind": "กายอุปกรณ์ที่ ร้านใจดี บริจาค",
            "purchase": "จัดซื้อรถเข็น 2 รายการ", "repair": "ซ่อมรถเข็น", "typed purchase": "ร้านเวชภัณฑ์ ใบกำกับ 77",
            "typed reversal": "ผิดรายการ"}),
    ("en", {"donation": "Donation from ร้านใจดี", "in_kind": "Devices given by ร้านใจดี",
            "purchase": "2 × Wheelchair bought", "repair": "Repair of a Wheelchair",
            "typed purchase": "ร้านเวชภัณฑ์ ใบกำกับ 77", "typed reversal": "ผิดรายการ"}),
])
def test_memos_read_in_the_readers_language(app, books, lang, expected):
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert {name: memos.text(books[name]) for name in expected} == expected
        assert memos.text(books["reversal"]).endswith(str(books["repair"].id))


def test_a_memo_whose_parameters_no_longer_fit_shows_as_stored(app, books):
    entry = books["donation"]
    with app.test_request_context():
        assert memos.text(JournalEntry(memo="old text", memo_key="gone", memo_params={})) == "old text"
        assert memos.text(JournalEntry(memo="stored", memo_key="donation", memo_params={"x": 1})) == "stored"
        assert memos.text(entry) == "เงินบริจาคจาก ร้านใจดี"


# --- pages, CSV and API -----------------------------------------------------------------------

@pytest.fixture
def api(treasurer_api, make_type):
    make_type("WC")
    treasurer = treasurer_api
    give(treasurer, 1_000_000, "บริษัท ก")
    bought = treasurer.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 350_000}, expect=201)
    treasurer.post(f"/api/v1/ledger/entries/{bought['entry_id']}/reverse", {}, expect=201)
    treasurer.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 350_000, "count": 1,
                                         "description": "INV-9 ร้านเวชภัณฑ์"}, expect=201)
    treasurer.bought = bought
    return treasurer


THAI = ["เงินบริจาคจาก บริษัท ก", "จัดซื้อรถเข็นวีลแชร์ 1 รายการ", "กลับรายการบัญชีที่", "INV-9 ร้านเวชภัณฑ์"]
ENGLISH = ["Donation from บริษัท ก", "1 × Wheelchair bought", "Reversal of entry", "INV-9 ร้านเวชภัณฑ์"]


@pytest.mark.parametrize("lang, wanted, unwanted", [("th", THAI, ENGLISH[:3]), ("en", ENGLISH, THAI[:3])])
def test_journal_statement_and_csv_in_the_readers_language(api, client_as, lang, wanted, unwanted):
    browser = client_as("treasurer")
    headers = {"Accept-Language": lang}
    for path in ("/fund/journal", "/fund/journal?fund=GENERAL", "/fund"):
        page = browser.get(path, headers=headers).get_data(as_text=True)
        assert all(w in page for w in wanted) and not any(u in page for u in unwanted), path
    statement = browser.get("/fund/journal?fund=GENERAL", headers=headers).get_data(as_text=True)
    assert statement.count(wanted[0]) == 2  # in the statement and in the entries below it
    rows = list(csv.DictReader(io.StringIO(browser.get("/fund/journal?format=csv", headers=headers)
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    memos_in_csv = {row["memo"] for row in rows}
    assert wanted[0] in memos_in_csv and wanted[1] in memos_in_csv and wanted[3] in memos_in_csv
    assert any(m.startswith(wanted[2]) for m in memos_in_csv)


def test_the_api_gives_the_memo_in_the_readers_language_and_its_key(api):
    thai = {e["id"]: e for e in api.get("/api/v1/ledger/entries")}
    english = {e["id"]: e for e in api.call("get", "/api/v1/ledger/entries",
                                             headers={"Accept-Language": "en"}).get_json()}
    bought = api.bought["entry_id"]
    assert thai[bought]["memo"] == "จัดซื้อรถเข็นวีลแชร์ 1 รายการ"
    assert english[bought]["memo"] == "1 × Wheelchair bought"
    assert thai[bought]["memo_key"] == "purchase" and thai[bought]["memo_params"] == {"count": 1, "type": "WC"}
    typed = next(e for e in english.values() if e["memo_key"] is None)
    assert typed["memo"] == "INV-9 ร้านเวชภัณฑ์" and thai[typed["id"]]["memo"] == "INV-9 ร้านเวชภัณฑ์"


def test_a_work_orders_cost_is_paid_from_the_repairs_fund_with_its_own_memo(app, client_as):
    browser = client_as("treasurer")
    with app.app_context():
        order_id, tag = _repair_paid_by_the_fund()
    page = browser.get("/fund/journal?kind=repair").get_data(as_text=True)
    assert f"ใบสั่งงานที่ {order_id} อุปกรณ์ {tag}" in page and "work order" not in page


def _repair_paid_by_the_fund() -> tuple[int, str]:
    worker = create_user("m", "long-enough", ["maintenance"])
    treasurer = create_user("t", "long-enough", ["treasurer"])
    ledger.ensure_chart()
    wc = new_type(inspection_items=["เบรก"])
    db.session.add(Fund(code="REPAIRS", name_th="กองทุนซ่อม", name_en="Repairs", restricted=True,
                        purpose=Purpose.REPAIR))
    db.session.add(Fund(code="CHAIRS", name_th="กองทุนรถเข็น", name_en="Wheelchairs", restricted=True,
                        device_type_id=wc.id))
    donor = donations.create_donor({"name": "ก"}, by=treasurer)
    for code in ("CHAIRS", "REPAIRS", "GENERAL"):  # every fund that may pay holds money
        donations.donate_cash(donor, 100_000, code, PaymentMethod.CASH, by=treasurer)
    device = devices.register_device(wc, {}, by=None)
    order = orders.open_order(device, WorkKind.REPAIR, by=worker)
    orders.start(order, by=worker)
    orders.add_part(order, "ผ้าเบรก", 1, 30_000, by=worker)
    orders.complete(order, {"เบรก": "pass"}, by=worker, condition=Condition.GOOD)
    db.session.commit()
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.kind == "repair"))
    assert (entry.memo_key, entry.memo_params) == ("work_order", {"order": order.id, "tag": device.tag})
    assert {p.fund.code for p in entry.postings} == {"REPAIRS"}
    db.session.rollback()
    return order.id, device.tag


# --- entries written before memos had keys ----------------------------------------------------

@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migration_keys_the_standard_memos_written_before(kind, tmp_path):
    app = build_app(database_url(kind, tmp_path), create_schema=False)
    with app.app_context():
        upgrade(revision="f89130348a3a")
        for statement in (
            "INSERT INTO device_types (id, code, name_th, name_en, reference_price_satang, reference_price_source, "
            "description, instructions, cleaning_steps, contact_time_minutes, inspection_items, first_follow_up_days, "
            "follow_up_interval_days, tag_counter, version, created_at) VALUES (1, 'WC', 'รถเข็น', 'Wheelchair', 0, "
            "'', '', '[]', '[]', 10, '[]', 7, 30, 0, 1, '2026-01-01 00:00:00')",
            "INSERT INTO devices (id, tag, type_id, brand, model, serial, status, condition, location, acquisition, "
            "acquisition_value_satang, notes, version, created_at, updated_at) VALUES (1, 'BS-WC-00001', 1, '', '', "
            "'', 'available', 'good', '', 'purchase', 350000, '', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            "INSERT INTO devices (id, tag, type_id, brand, model, serial, status, condition, location, acquisition, "
            "acquisition_value_satang, notes, version, created_at, updated_at) VALUES (2, 'BS-WC-00002', 1, '', '', "
            "'', 'available', 'good', '', 'donation', NULL, '', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            "INSERT INTO donors (id, name, kind, phone, email, address, may_be_named, created_at) VALUES "
            "(1, 'ร้านใจดี', 'shop', '', '', '', false, '2026-01-01 00:00:00')",
        ):
            db.session.execute(text(statement))
        old = [(1, "donation from ร้านใจดี", "donation", None), (2, "devices given by ร้านใจดี", "in_kind", None),
               (3, "purchase", "purchase", None), (4, "work order 62 BS-WC-00001", "repair", None),
               (5, "reversal of entry 3", "reversal", 3), (6, "ผิดรายการ", "reversal", 4),
               (7, "repair", "repair", None), (8, "ร้านเวชภัณฑ์ ใบกำกับ 1", "purchase", None)]
        for entry_id, memo, kind_, reverses in old:
            db.session.execute(text("INSERT INTO journal_entries (id, entry_date, memo, kind, reverses_id, created_at) "
                                    "VALUES (:id, '2026-01-02', :memo, :kind, :rev, '2026-01-02 00:00:00')"),
                               {"id": entry_id, "memo": memo, "kind": kind_, "rev": reverses})
        db.session.execute(text(
            "INSERT INTO donations (id, donor_id, kind, amount_satang, received_on, description, fiscal_year, "
            "created_at) VALUES (1, 1, 'in_kind', 0, '2026-01-02', '', 2569, '2026-01-02 00:00:00')"))
        db.session.execute(text("INSERT INTO donated_devices (id, donation_id, device_id) VALUES (1, 1, 2)"))
        db.session.execute(text(
            "INSERT INTO spendings (id, purpose, amount_satang, device_type_id, description, spent_on, entry_id, "
            "created_at) VALUES (1, 'purchase', 350000, 1, '', '2026-01-02', 3, '2026-01-02 00:00:00')"))
        db.session.execute(text("INSERT INTO purchased_devices (id, spending_id, device_id) VALUES (1, 1, 1)"))
        db.session.commit()
        upgrade()
        keyed = {e.id: (e.memo_key, e.memo_params, e.memo) for e in db.session.scalars(select(JournalEntry))}
        assert keyed == {
            1: ("donation", {"donor": "ร้านใจดี"}, "Donation from ร้านใจดี"),
            2: ("in_kind", {"donor": "ร้านใจดี"}, "Devices given by ร้านใจดี"),
            3: ("purchase", {"count": 1, "type": "WC"}, "1 × WC bought"),
            4: ("work_order", {"order": 62, "tag": "BS-WC-00001"}, "Work order 62, device BS-WC-00001"),
            5: ("reversal", {"entry": 3}, "Reversal of entry 3"),
            6: (None, None, "ผิดรายการ"),
            7: (None, None, ""),
            8: (None, None, "ร้านเวชภัณฑ์ ใบกำกับ 1"),
        }
        with app.test_request_context():
            assert memos.text(db.session.get(JournalEntry, 4)) == "ใบสั่งงานที่ 62 อุปกรณ์ BS-WC-00001"
        # The gift recorded with no stated value stays unvalued, as it was booked.
        assert db.session.execute(text("SELECT value_satang, value_source FROM donated_devices")).one() == (None, None)
        # And the journal is append-only again.
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE journal_entries SET memo = 'x' WHERE id = 1"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
