"""Report periods (Thai fiscal year, calendar year, a range) and the fund report, every figure
checked against a small set of books computed by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from core.db import db
from core.errors import ValidationError
from core.users import User
from fixtures.core import at_bangkok, both_databases
from fixtures.devices import new_type
from fixtures.users import make_actors
from fund.models import Fund, PaymentMethod, Purpose
from fund.services import donations, ledger, spending
from reports import periods
from reports.fund import build as fund_report


# --- periods --------------------------------------------------------------------------------------

def test_the_thai_fiscal_year_runs_october_to_september_named_by_the_year_it_ends_in():
    year = periods.fiscal_year(2026)
    assert (year.first, year.last, year.days) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30), 365)
    assert periods.fiscal_year_of(dt.date(2025, 9, 30)).year == 2025
    assert periods.fiscal_year_of(dt.date(2025, 10, 1)).year == 2026
    assert year.previous() == periods.fiscal_year(2025)
    assert periods.calendar_year(2024).days == 366 and periods.calendar_year(2024).previous().year == 2023
    span = periods.date_range(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert span.previous() == periods.Period(periods.RANGE, dt.date(2026, 2, 19), dt.date(2026, 2, 28))
    assert dt.date(2026, 3, 10) in span and dt.date(2026, 3, 11) not in span


def test_periods_from_the_query_read_buddhist_era_years_and_name_what_is_wrong(app):
    with app.test_request_context(headers={"Accept-Language": "th"}):
        assert periods.from_args({"period": "fiscal_year", "year": "2569"}) == periods.fiscal_year(2026)
        assert periods.from_args({"period": "fiscal_year", "year": "2026"}) == periods.fiscal_year(2026)
        assert periods.from_args({"period": "year", "year": "2569"}).label("th") == "ปี 2569"
        assert periods.fiscal_year(2026).label("th") == "ปีงบประมาณ 2569"
        assert periods.fiscal_year(2026).label("en") == "Fiscal year 2026"
        with at_bangkok(2026, 10, 1, 0, 30):                          # Bangkok's 1 October: the new fiscal year
            assert periods.from_args({}) == periods.fiscal_year(2027)
        for args, field in (({"period": "week"}, "period"), ({"period": "year", "year": "26"}, "year"),
                            ({"period": "range", "from": "2026-01-05"}, "to"),
                            ({"period": "range", "from": "2026-01-05", "to": "2026-01-01"}, "to"),
                            ({"period": "range", "from": "1/1/2500", "to": "1/1/2569"}, "from")):
            with pytest.raises(ValidationError) as refused:
                periods.from_args(args)
            assert field in refused.value.errors, args


# --- the fund report ------------------------------------------------------------------------------

@pytest.fixture
def books(app):
    with app.app_context():
        return {role: user.id for role, user in _books().items()}


def _books():
    """Fiscal year 2569 (1 Oct 2025 - 30 Sep 2026), in baht:
    A (named)      10,000 on 15 Oct 2025 and 5,000 on 10 Jan 2026, general fund
    B (anonymous)  20,000 on 1 Nov 2025 to the beds fund (restricted to buying beds)
    C (named)      a wheelchair in kind valued 3,500 on 5 Dec 2025 (general fund)
    D (named)       1,000 on 30 Sep 2025: the fiscal year before
    E (named)       2,000 on 1 Feb 2026, reversed on 3 Feb 2026: nets to nothing
    spent: a bed 15,000 from the beds fund on 1 Mar 2026; a repair 800 (general) on 1 Apr 2026.
    """
    actors = make_actors("treasurer", "supervisor", "staff")
    treasurer = actors["treasurer"]
    ledger.ensure_chart()
    bed, wheelchair = new_type("BED", "เตียง", "Bed", reference_price_satang=15_000_00), \
        new_type("WC", "รถเข็น", "Wheelchair", reference_price_satang=3_500_00)
    beds = Fund(code="BEDS", name_th="กองทุนเตียง", name_en="Beds fund", restricted=True, device_type_id=bed.id,
                purpose=Purpose.PURCHASE)
    db.session.add(beds)
    donor = {name: donations.create_donor({"name": name, "may_be_named": name != "B"}, by=treasurer)
             for name in "ABCDE"}
    cash = PaymentMethod.TRANSFER
    donations.donate_cash(donor["A"], 10_000_00, "GENERAL", cash, by=treasurer, received_on=dt.date(2025, 10, 15))
    donations.donate_cash(donor["A"], 5_000_00, "GENERAL", cash, by=treasurer, received_on=dt.date(2026, 1, 10))
    donations.donate_cash(donor["B"], 20_000_00, "BEDS", cash, by=treasurer, received_on=dt.date(2025, 11, 1))
    donations.donate_in_kind(donor["C"], [{"type": "WC", "value_satang": 3_500_00}], by=treasurer,
                             received_on=dt.date(2025, 12, 5))
    donations.donate_cash(donor["D"], 1_000_00, "GENERAL", cash, by=treasurer, received_on=dt.date(2025, 9, 30))
    wrong = donations.donate_cash(donor["E"], 2_000_00, "GENERAL", cash, by=treasurer,
                                  received_on=dt.date(2026, 2, 1))
    with at_bangkok(2026, 2, 3, 10):
        spending.reverse_entry(wrong.entry_id, "ผิดบัญชี", by=treasurer)
    spending.spend(Purpose.PURCHASE, 15_000_00, by=treasurer, device_type=bed, fund=beds, device_count=1,
                   spent_on=dt.date(2026, 3, 1))
    spending.spend(Purpose.REPAIR, 800_00, by=treasurer, spent_on=dt.date(2026, 4, 1), description="ซ่อมล้อ")
    db.session.commit()
    assert wheelchair.id
    return actors


def rows(report, key):
    return report.table(key).rows


@both_databases
def test_the_fund_report_adds_up_the_books(app, books):
    with app.test_request_context(headers={"Accept-Language": "th"}):
        found = fund_report(periods.fiscal_year(2026), by=db.session.get(User, books["treasurer"]))
        figures = {f.key: (f.value, f.previous) for f in found.figures}
        assert figures == {"cash_given": (35_000_00, 1_000_00),      # 10,000 + 5,000 + 20,000 + (2,000 - 2,000)
                           "kind_given": (3_500_00, 0), "spent": (15_800_00, 0),
                           "donors": (3, 1)}                            # A, B, C (E's gift was reversed)
        by_month = rows(found, "by_month")
        assert [r["month"] for r in by_month][:3] == ["ต.ค. 2568", "พ.ย. 2568", "ธ.ค. 2568"] and len(by_month) == 12
        assert [(r["cash"], r["kind"], r["purchases"], r["repairs"]) for r in by_month[:7]] == [
            (10_000_00, 0, 0, 0), (20_000_00, 0, 0, 0), (0, 3_500_00, 0, 0), (5_000_00, 0, 0, 0),
            (0, 0, 0, 0), (0, 0, 15_000_00, 0), (0, 0, 0, 800_00)]
        assert sum(r["net"] for r in by_month) == 35_000_00 + 3_500_00 - 15_800_00
        assert {r["fund"].split(" · ")[0]: (r["given"], r["spent"], r["held"]) for r in rows(found, "by_fund")} == {
            "GENERAL": (18_500_00, 800_00, 15_200_00),  # held: 1,000 + 15,000 + 2,000 - 2,000 - 800
            "BEDS": (20_000_00, 15_000_00, 5_000_00)}
        assert [(r["donor"], r["gifts"], r["given"]) for r in rows(found, "largest_donors")] == [
            ("ผู้บริจาคที่ไม่ประสงค์ออกนาม", 1, 20_000_00), ("A", 2, 15_000_00), ("C", 1, 3_500_00)]
        assert rows(found, "in_kind") == [{"type": "รถเข็น", "devices": 1, "value": 3_500_00}]
        # The supervisor reads the same money in and out, but not what each fund holds.
        seen = fund_report(periods.fiscal_year(2026), by=db.session.get(User, books["supervisor"]))
        assert all("held" not in r for r in rows(seen, "by_fund"))
        assert [c.key for c in seen.table("by_fund").columns] == ["fund", "use", "given", "spent"]


def test_an_empty_period_is_all_noughts_not_an_error(app, books, client, api_as):
    body = api_as("treasurer").get("/api/v1/reports/fund?period=fiscal_year&year=2561")
    assert body["period"]["first_day"] == "2017-10-01" and body["figures"][0]["value"] == 0
    with app.test_request_context():
        found = fund_report(periods.fiscal_year(2018), by=db.session.get(User, books["treasurer"]))
        assert {f.key: f.value for f in found.figures} == {"cash_given": 0, "kind_given": 0, "spent": 0, "donors": 0}
        assert all(r["net"] == 0 for r in rows(found, "by_month")) and rows(found, "largest_donors") == []


def test_the_fund_report_through_the_page_the_csv_and_the_api(app, books, client_as, api_as):
    treasurer = client_as("treasurer")
    page = treasurer.get("/reports/fund?period=fiscal_year&year=2569&compare=1", headers={"Accept-Language": "th"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "ปีงบประมาณ 2569" in text and "฿35,000.00" in text and "ปีงบประมาณ 2568" in text
    csv = treasurer.get("/reports/fund.csv?period=fiscal_year&year=2569&table=by_fund").get_data(as_text=True)
    assert "GENERAL · กองทุนทั่วไป (ไม่จำกัดวัตถุประสงค์)" in csv and "18500.00,800.00,15200.00" in csv
    assert treasurer.get("/reports/fund.csv?table=nope").status_code == 404
    bad = treasurer.get("/reports/fund?period=range&from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 422
    body = api_as("supervisor").get("/api/v1/reports/fund?period=year&year=2026")
    assert body["key"] == "fund" and body["previous_period"]["label"]
    by_fund = next(t for t in body["tables"] if t["key"] == "by_fund")
    assert "held" not in [c["key"] for c in by_fund["columns"]]
    # Who may read: the fund report is the treasurer's and the supervisor's; staff read the other reports.
    assert client_as("staff").get("/reports/fund").status_code == 403
    assert client_as("assessor").get("/reports").status_code == 403
    api_as("staff").get("/api/v1/reports/fund", expect=403)
    api_as("donor").get("/api/v1/reports/fund", expect=403)
    api_as("treasurer").get("/api/v1/reports/nothing", expect=404)
    api_as("treasurer").get("/api/v1/reports/fund?period=year&year=abcd", expect=422)
    listed = client_as("supervisor").get("/reports").get_data(as_text=True)
    assert "/reports/fund?" in listed
