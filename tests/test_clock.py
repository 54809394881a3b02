"""The center's day is Bangkok's, whatever the server's clock says.

The suite's process keeps its clock in UTC (conftest), so from 00:00 to 07:00 in Bangkok
the server's own date is still yesterday. Each date-sensitive path runs at 00:30 and 23:30
in Bangkok, and at 00:30 on 1 October, the first minutes of a new Thai fiscal year.
"""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from core.dates import format_date_input
from core.db import db
from fixtures.core import BANGKOK, at_bangkok
from fixtures.lending import ADL_HOME_BOUND, PERSON
from fund.models import JournalEntry
from fund.services import donations, ledger
from lending.models import ConsentRecord

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTIONS = ["ล็อกเบรกทุกครั้งก่อนลุกหรือนั่ง"]

# (year, month, day, hour, minute) in Bangkok, the center's day, and its fiscal year.
MOMENTS = {
    "00:30": ((2026, 11, 30, 0, 30), dt.date(2026, 11, 30), 2570),
    "23:30": ((2026, 11, 30, 23, 30), dt.date(2026, 11, 30), 2570),
    "new fiscal year": ((2026, 10, 1, 0, 30), dt.date(2026, 10, 1), 2570),
}


# --- nothing but core.clock reads the clock --------------------------------------------------

NAIVE_CALLS = {("date", "today"), ("datetime", "today"), ("datetime", "utcnow"), ("datetime", "now"),
               ("time", "localtime"), ("datetime", "utcfromtimestamp"), ("date", "fromtimestamp")}


def _app_modules():
    skip = {"tests", "migrations", "bench", ".venv", "node_modules"}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in skip or parts[0].startswith("."):
            continue
        yield path


def _clock_reads(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (owner_name, node.func.attr) in NAIVE_CALLS:
            found.append(f"{path.relative_to(root)}:{node.lineno} {owner_name}.{node.func.attr}()")
    return found


def test_only_core_clock_reads_the_clock():
    reads = [hit for path in _app_modules() if path != ROOT / "core" / "clock.py" for hit in _clock_reads(path)]
    assert reads == [], "use core.clock (now, today) instead of the server's clock: " + ", ".join(reads)


def test_the_clock_check_can_fail(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt\nx = dt.date.today()\ny = dt.datetime.now()\n")
    assert len(_clock_reads(sample, tmp_path)) == 2


# --- the center's day at the edges of the day and of the fiscal year -------------------------

def test_center_day_differs_from_the_server_day_early_in_the_morning(ctx):
    with at_bangkok(2026, 11, 30, 0, 30):
        assert dt.date.today() == dt.date(2026, 11, 29)  # the server, in UTC
        assert clock.today() == dt.date(2026, 11, 30)
        assert clock.start_of_day(dt.date(2026, 11, 30)) == dt.datetime(2026, 11, 29, 17, tzinfo=dt.UTC)
        assert clock.local_now().tzinfo == BANGKOK or str(clock.local_now().tzinfo) == "Asia/Bangkok"


def test_the_time_zone_is_a_setting(app):
    app.config["CENTER_TIMEZONE"] = "Europe/London"
    with app.app_context(), at_bangkok(2026, 11, 30, 0, 30):
        assert clock.today() == dt.date(2026, 11, 29)
    app.config["CENTER_TIMEZONE"] = "Mars/Olympus"
    with app.app_context(), pytest.raises(ValueError, match="CENTER_TIMEZONE"):
        clock.today()


@pytest.fixture
def apis(api_as, make_type, make_device):
    make_type("WC", instructions=INSTRUCTIONS)
    make_device("WC")
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor", "treasurer")}


def _lend(apis) -> tuple[dict, dict]:
    staff, assessor, supervisor = apis["staff"], apis["assessor"], apis["supervisor"]
    person = staff.post("/api/v1/people", PERSON, expect=201)
    req = staff.post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC", "channel": "phone"},
                     expect=201)
    assessment = assessor.post(f"/api/v1/requests/{req['id']}/assessment",
                               {"adl_items": ADL_HOME_BOUND, "suitable": True}, expect=201)
    supervisor.post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    req = staff.post(f"/api/v1/requests/{req['id']}/reservation", {}, expect=200)
    loan = staff.post("/api/v1/loans", {"request_id": req["id"], "device_tag": req["device_tag"],
                                        "instructions": INSTRUCTIONS, "acknowledged_by": "สมชาย"}, expect=201)
    return {"person": person, "request": req, "assessment": assessment}, loan


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_lending_dates_are_the_centers_day(app, apis, client_as, moment):
    when, day, _year = MOMENTS[moment]
    with at_bangkok(*when, tick=True):
        made, loan = _lend(apis)
        assert made["assessment"]["assessed_on"] == day.isoformat()
        with app.app_context():
            consent = db.session.scalar(select(ConsentRecord).where(ConsentRecord.person_id == made["person"]["id"]))
            assert consent.given_on == day
        # The first visit is due a week after the center's day of delivery.
        assert loan["next_follow_up_on"] == (day + dt.timedelta(days=7)).isoformat()
        staff_page = client_as("staff", "assessor")
        form = staff_page.get(f"/loans/{loan['id']}/follow-up").get_data(as_text=True)
        assert f'value="{format_date_input(day, "th")}"' in form  # the Thai page shows the BE date
        # The day before the delivery is refused, naming the field; the center's today is fine.
        before = apis["assessor"].call("post", f"/api/v1/loans/{loan['id']}/followups", json={
            "in_use": True, "condition": "good", "outcome": "stable",
            "visited_on": (day - dt.timedelta(days=1)).isoformat()})
        assert before.status_code == 422 and "visited_on" in before.get_json()["errors"]
        visit = apis["assessor"].post(f"/api/v1/loans/{loan['id']}/followups",
                                      {"in_use": True, "condition": "good", "outcome": "died"}, expect=201)
        assert visit["visited_on"] == day.isoformat()
        picked = apis["staff"].get(f"/api/v1/loans/{loan['id']}")
        assert picked["pickup_requested_on"] == day.isoformat()
        # The request's page: the assessment's heading and its timeline say the same day.
        page = staff_page.get(f"/requests/{made['request']['id']}").get_data(as_text=True)
        thai_day = f"{day.day} " + {10: "ต.ค.", 11: "พ.ย."}[day.month] + f" {day.year + 543}"
        assert f"การประเมินวันที่ {thai_day}" in page and page.count(thai_day) >= 2
        assert made["request"]["age_days"] == 0


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_fund_dates_and_receipt_numbers_are_the_centers(app, apis, client_as, moment):
    when, day, year = MOMENTS[moment]
    treasurer = apis["treasurer"]
    donor = treasurer.post("/api/v1/donors", {"name": "ร้านสมใจ"}, expect=201)
    # A gift on the last day of the previous fiscal year, so numbering must start again.
    treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 50_000,
                                         "received_on": "2026-09-30"}, expect=201)
    with at_bangkok(*when, tick=True):
        gift = treasurer.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 900_000}, expect=201)
        assert gift["received_on"] == day.isoformat()
        assert gift["receipt"] == f"{year}/00001" if moment == "new fiscal year" else gift["receipt"].startswith(
            f"{year}/")
        bought = treasurer.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 350_000}, expect=201)
        assert bought["spent_on"] == day.isoformat()
        reversal = treasurer.post(f"/api/v1/ledger/entries/{bought['entry_id']}/reverse", {}, expect=201)
        assert reversal["entry_date"] == day.isoformat()
        with app.app_context():
            dates = set(db.session.scalars(select(JournalEntry.entry_date).where(
                JournalEntry.id.in_([gift["entry_id"], bought["entry_id"]]))))
            assert dates == {day}
        pages = client_as("treasurer")
        for path in ("/fund/donations/new", "/fund/donations/in-kind", "/fund/purchases/new"):
            assert f'value="{format_date_input(day, "th")}"' in pages.get(path).get_data(as_text=True), path


def test_fiscal_year_turns_on_the_centers_first_of_october(ctx):
    ledger.ensure_chart()
    assert donations.fiscal_year(dt.date(2026, 9, 30)) == 2569
    assert donations.fiscal_year(dt.date(2026, 10, 1)) == 2570
    with at_bangkok(2026, 10, 1, 0, 30):
        assert donations.fiscal_year(clock.today()) == 2570


@pytest.mark.parametrize("moment", ["00:30", "23:30"])
def test_follow_up_list_marks_overdue_by_the_centers_day(app, apis, client_as, moment):
    when, day, _year = MOMENTS[moment]
    with at_bangkok(*(day - dt.timedelta(days=8)).timetuple()[:3], 12):
        _made, loan = _lend(apis)
    with at_bangkok(*when, tick=True):
        page = client_as("assessor").get("/follow-ups").get_data(as_text=True)
        # Due a day ago on the center's calendar: overdue, whatever the server's date.
        assert 'class="overdue"' in page
        assert loan["next_follow_up_on"] == (day - dt.timedelta(days=1)).isoformat()


def test_an_assessment_before_the_request_or_in_the_future_is_refused(apis):
    staff, assessor = apis["staff"], apis["assessor"]
    with at_bangkok(2026, 11, 30, 0, 30, tick=True):
        person = staff.post("/api/v1/people", PERSON, expect=201)
        req = staff.post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC", "channel": "line"},
                         expect=201)
        for day in ("2026-11-29", "2026-12-01"):
            refused = assessor.call("post", f"/api/v1/requests/{req['id']}/assessment", json={
                "adl_items": ADL_HOME_BOUND, "suitable": True, "assessed_on": day})
            assert refused.status_code == 422 and "assessed_on" in refused.get_json()["errors"], day
        assessor.post(f"/api/v1/requests/{req['id']}/assessment",
                      {"adl_items": ADL_HOME_BOUND, "suitable": True, "assessed_on": "2026-11-30"}, expect=201)


def test_a_follow_up_before_the_delivery_is_refused_on_the_page_too(apis, client_as):
    with at_bangkok(2026, 11, 30, 6, 0, tick=True):
        _made, loan = _lend(apis)
        page = client_as("assessor").post(f"/loans/{loan['id']}/follow-up", data={
            "visited_on": "2026-11-29", "in_use": "yes", "condition": "good", "outcome": "stable"})
        assert page.status_code == 422
        text = page.get_data(as_text=True)
        assert "วันที่เยี่ยมต้องไม่ก่อนวันที่ส่งมอบอุปกรณ์" in text and "30 พ.ย. 2569" in text


def test_replaying_the_past_for_a_command(ctx):
    """The demo records its history step by step on past days; a request never replays."""
    moment = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    with clock.replaying(moment):
        assert clock.now() == moment and clock.today() == dt.date(2026, 11, 2)
        with clock.replaying(moment - dt.timedelta(days=1)):
            assert clock.today() == dt.date(2026, 11, 1)
        assert clock.now() == moment
    assert clock.now() > moment
    for wrong in (dt.datetime(2099, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 11, 2, 3, 0)):
        with pytest.raises(ValueError), clock.replaying(wrong):
            pass
    assert clock.at(dt.date(2026, 11, 2), 10) == dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
