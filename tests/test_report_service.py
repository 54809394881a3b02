"""The service report against a year worked through the API day by day, every figure computed by hand.

The year is fiscal year 2569 (1 October 2025 to 30 September 2026); the one before, 2568, holds
a single request. Five people: A (community leader, asked on 25 September 2025, in the year
before), B (1132), C (LINE for a wheelchair, Facebook for a bed), D (walk-in, lent the wheelchair
B gave back) and E (referral, rejected). Days are Bangkok calendar days.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Date, literal, select

from core.db import UTCDateTime, db
from fixtures.core import BASE_URL, at_bangkok, both_databases
from fixtures.lending import ADL_HOME_BOUND, PERSON
from fixtures.maintenance import passing
from maintenance.services import orders
from reports import catalog, days, tables

FY = "/api/v1/reports/service?period=fiscal_year&year=2569"


@pytest.fixture
def team(api_as):
    return {role: api_as(role) for role in ("staff", "assessor", "supervisor", "treasurer", "maintenance")}


def person(team, name):
    return team["staff"].post("/api/v1/people", {**PERSON, "first_name": name,
                                                 "consent": {"given_by": name, "relation": "ตนเอง"}}, expect=201)["id"]


def ask(team, person_id, channel, type_code="WC"):
    return team["staff"].post("/api/v1/requests", {"person_id": person_id, "device_type": type_code,
                                                   "channel": channel}, expect=201)["id"]


def assess(team, request_id):
    team["assessor"].post(f"/api/v1/requests/{request_id}/assessment",
                          {"adl_items": ADL_HOME_BOUND, "suitable": True}, expect=201)


def decide(team, request_id, approved=True):
    body = {"approved": approved, **({} if approved else {"reason": "ไม่เหมาะกับบ้าน"})}
    return team["supervisor"].post(f"/api/v1/requests/{request_id}/decision", body, expect=200)


def deliver(team, request_id):
    req = team["staff"].post(f"/api/v1/requests/{request_id}/reservation", {}, expect=200)
    return team["staff"].post("/api/v1/loans", {"request_id": request_id, "device_tag": req["device_tag"],
                                                "instructions": [], "acknowledged_by": "ญาติ"}, expect=201)


def give_back(team, loan_id):
    return team["staff"].post(f"/api/v1/loans/{loan_id}/return", {"condition": "good"}, expect=200)


def clean(app, team, tag, cost_satang):
    """Finish the cleaning order the return opened, its consumables costing ``cost_satang``."""
    order = team["maintenance"].get(f"/api/v1/work-orders?device_tag={tag}&status=open")[0]
    with app.app_context():
        checklist = passing(orders.get_order(order["id"]))
    team["maintenance"].post(f"/api/v1/work-orders/{order['id']}/start", {}, expect=200)
    done = team["maintenance"].post(f"/api/v1/work-orders/{order['id']}/complete",
                                    {"checklist": checklist, "other_cost_satang": cost_satang}, expect=200)
    assert done["kind"] == "cleaning" and done["spending_id"] is not None


def build_year(app, team, make_type):
    make_type("WC")                                  # reference price ฿3,500
    make_type("BED", "เตียง", "Bed", price=25000_00)  # reference price ฿25,000
    books = team["treasurer"]
    with at_bangkok(2025, 9, 25, 10):
        a, b, c, d, e = (person(team, name) for name in "ABCDE")
        r0 = ask(team, a, "community_leader")        # FY 2568
    with at_bangkok(2025, 10, 1, 6, 30):             # 23:30 UTC on 30 September: Bangkok's 1 October
        r1 = ask(team, b, "call_center_1132")
    with at_bangkok(2025, 10, 1, 8):
        donor = books.post("/api/v1/donors", {"name": "มูลนิธิ"}, expect=201)
        books.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 100_000_00}, expect=201)
        books.post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 10_500_00, "count": 3}, expect=201)
        bed = books.post("/api/v1/purchases", {"device_type": "BED", "amount_satang": 20_000_00},
                         expect=201)["device_tags"][0]
    with at_bangkok(2025, 10, 2, 9):
        assess(team, r0)                             # 25/9 -> 2/10: 7 days
    with at_bangkok(2025, 10, 2, 16):
        r2 = ask(team, c, "line")
    with at_bangkok(2025, 10, 3, 9):
        assess(team, r1)                             # 1/10 -> 3/10: 2 days
        assess(team, r2)                             # 2/10 16:00 -> 3/10 09:00: 1 Bangkok day (17 hours)
        decide(team, r0)                             # 25/9 -> 3/10: 8 days
    with at_bangkok(2025, 10, 4, 10):
        decide(team, r1)                             # 3 days
    with at_bangkok(2025, 10, 5, 10):
        decide(team, r2)                             # 2/10 -> 5/10: 3 days
        r3 = ask(team, c, "facebook", "BED")
    with at_bangkok(2025, 10, 6, 10):
        loan1 = deliver(team, r1)                    # 1/10 -> 6/10: 5 days
    with at_bangkok(2025, 10, 7, 10):
        deliver(team, r0)                            # 25/9 -> 7/10: 12 days
    with at_bangkok(2025, 10, 9, 10):
        assess(team, r3)                             # 5/10 -> 9/10: 4 days
        decide(team, r3)                             # 4 days
    with at_bangkok(2025, 10, 10, 10):
        deliver(team, r2)                            # 2/10 -> 10/10: 8 days
    with at_bangkok(2025, 10, 12, 10):
        loan3 = deliver(team, r3)                    # 5/10 -> 12/10: 7 days
    with at_bangkok(2025, 11, 1, 10):
        r4 = ask(team, d, "walk_in")
        assess(team, r4)                             # 0 days
    with at_bangkok(2025, 11, 2, 10):
        assert decide(team, r4)["status"] == "waitlisted"   # 1 day; every wheelchair is out
    with at_bangkok(2025, 11, 10, 10):
        back = give_back(team, loan1["id"])          # B's wheelchair comes back
    with at_bangkok(2025, 11, 11, 10):
        clean(app, team, back["device_tag"], 150_00)
    with at_bangkok(2025, 11, 14, 10):
        again = deliver(team, r4)                    # 1/11 -> 14/11: 13 days; back 10/11 -> out 14/11: 4 days
        assert again["device_tag"] == back["device_tag"]
    with at_bangkok(2025, 12, 1, 10):
        r5 = ask(team, e, "referral", "BED")
    with at_bangkok(2025, 12, 4, 10):
        assess(team, r5)                             # 3 days
    with at_bangkok(2025, 12, 5, 10):
        decide(team, r5, approved=False)             # rejected: no approval, no delivery
    with at_bangkok(2026, 1, 15, 10):
        give_back(team, loan3["id"])                 # C's bed comes back
    with at_bangkok(2026, 1, 16, 10):
        clean(app, team, bed, 200_00)
    with at_bangkok(2026, 2, 1, 10):
        books.post("/api/v1/repairs", {"device_tag": bed, "amount_satang": 1_250_00}, expect=201)
    with at_bangkok(2026, 2, 2, 10):
        mistake = books.post("/api/v1/repairs", {"device_tag": back["device_tag"], "amount_satang": 500_00},
                             expect=201)
    with at_bangkok(2026, 2, 3, 10):
        books.post(f"/api/v1/ledger/entries/{mistake['entry_id']}/reverse", {"memo": "ผิดใบ"}, expect=201)


def figures(found):
    return {f["key"]: (f["value"], f["previous"]) for f in found["figures"]}


@both_databases
def test_the_year_by_hand(app, team, make_type, api_as):
    build_year(app, team, make_type)
    found = api_as("supervisor").get(FY)
    got = figures(found)
    assert found["previous_period"]["first_day"] == "2024-10-01"
    # Received in FY 2569: B, C (twice), D, E = 5; FY 2568: A's request alone.
    assert got["requests_received"] == (5, 1)
    # To assessment, in FY 2569: A 7, B 2, C 1, C's bed 4, D 0, E 3 -> [0, 1, 2, 3, 4, 7]:
    # median (2 + 3) / 2 = 2.5. To approval (E rejected): A 8, B 3, C 3, bed 4, D 1 -> [1, 3, 3, 4, 8]:
    # median 3. To delivery: A 12, B 5, C 8, bed 7, D 13 -> [5, 7, 8, 12, 13]: median 8; p90 at rank
    # (5 - 1) * 0.9 = 3.6: 12 + (13 - 12) * 0.6 = 12.6. Nothing was assessed in FY 2568.
    assert got["median_days_to_assessment"] == (2.5, None)
    assert got["median_days_to_approval"] == (3, None)
    assert got["median_days_to_delivery"] == (8, None)
    assert got["p90_days_to_delivery"] == (pytest.approx(12.6), None)
    # p90 to assessment: rank 5 * 0.9 = 4.5: 4 + (7 - 4) * 0.5 = 5.5; to approval: rank 3.6: 4 + (8 - 4) * 0.6 = 6.4.
    lead_rows = next(t for t in found["tables"] if t["key"] == "lead_times")["rows"]
    assert [(r["requests"], r["median"]) for r in lead_rows] == [(6, 2.5), (5, 3), (5, 8)]
    assert [r["p90"] for r in lead_rows] == [pytest.approx(5.5), pytest.approx(6.4), pytest.approx(12.6)]
    # Loans: started A, B, C, C's bed, D = 5; ended B's wheelchair and C's bed = 2.
    assert got["loans_started"] == (5, 0) and got["loans_ended"] == (2, 0)
    # B's wheelchair, back on 10/11 (cleaned on 11/11), out again to D on 14/11: once, 4 days.
    assert got["devices_reissued"] == (1, 0) and got["median_turnaround_days"] == (4, None)
    # Savings: four wheelchairs at ฿3,500 and a bed at ฿25,000 = ฿39,000.
    assert got["savings_satang"] == (39_000_00, 0)
    # People with a device at home in the year: A, B, C, D (C twice, counted once) = 4.
    assert got["people_served"] == (4, 0)
    # Purchases 10,500 + 20,000 = 30,500; repairs: the bed's 1,250 (the wheelchair's 500 reversed) = 1,250;
    # cleaning 150 + 200 = 350; in all 32,100; per person 32,100 / 4 = ฿8,025.
    assert got["purchases_satang"] == (30_500_00, 0)
    assert got["repairs_satang"] == (1_250_00, 0)
    assert got["cleaning_satang"] == (350_00, 0)
    assert got["costs_satang"] == (32_100_00, 0)
    assert got["cost_per_person_satang"] == (8_025_00, None)

    # Rows in Channel's order: 1132, app, Facebook, LINE, phone, community leader, walk-in, referral.
    channels = dict(zip(("1132", "app", "facebook", "line", "phone", "leader", "walk_in", "referral"),
                        next(t for t in found["tables"] if t["key"] == "channels")["rows"], strict=True))
    assert [r["received"] for r in channels.values()] == [1, 0, 1, 1, 0, 0, 1, 1]
    steps = ("median_assessment", "median_approval", "median_delivery")
    # B asked at 06:30 on 1/10 (30/9 in UTC): Bangkok's day counts, 2, 3 and 5 days.
    assert [channels["1132"][k] for k in steps] == [2, 3, 5]
    assert [channels["line"][k] for k in steps] == [1, 3, 8]
    assert [channels["facebook"][k] for k in steps] == [4, 4, 7]
    # A asked in FY 2568 (none received this year) but was assessed, approved and lent in FY 2569.
    assert [channels["leader"][k] for k in ("received", *steps)] == [0, 7, 8, 12]
    assert [channels["walk_in"][k] for k in steps] == [0, 1, 13]
    assert [channels["referral"][k] for k in steps] == [3, None, None]   # rejected
    assert [channels["phone"][k] for k in steps] == [None, None, None]
    assert channels["walk_in"]["p90_delivery"] == 13   # one value: its own 90th percentile

    loans = list(next(t for t in found["tables"] if t["key"] == "loans")["rows"])
    # By type code: BED, then WC.
    assert [(r["started"], r["ended"], r["reissued"], r["median"], r["savings"]) for r in loans] == [
        (1, 1, 0, None, 25_000_00), (4, 1, 1, 4, 14_000_00)]
    costs = list(next(t for t in found["tables"] if t["key"] == "costs")["rows"])
    # BED: 20,000 + 1,250 + 200 = 21,450 for C alone; WC: 10,500 + 0 + 150 = 10,650 for 4 people = 2,662.50.
    assert [(r["purchases"], r["repairs"], r["cleaning"], r["total"], r["people"], r["per_person"])
            for r in costs] == [(20_000_00, 1_250_00, 200_00, 21_450_00, 1, 21_450_00),
                                (10_500_00, 0, 150_00, 10_650_00, 4, 2_662_50)]


def test_an_empty_period_divides_by_nothing(app, client_as, api_as):
    found = api_as("staff").get("/api/v1/reports/service?period=fiscal_year&year=2567")
    got = figures(found)
    assert got["requests_received"] == (0, 0) and got["people_served"] == (0, 0)
    assert got["cost_per_person_satang"] == (None, None)
    assert got["median_days_to_delivery"] == (None, None)
    assert [r["received"] for r in found["tables"][1]["rows"]] == [0] * 8
    assert found["tables"][2]["rows"] == [] and found["tables"][3]["rows"] == []
    page = client_as("staff").get("/reports/service?period=fiscal_year&year=2567&compare=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "–" in text
    csv = client_as("supervisor").get("/reports/service.csv?period=fiscal_year&year=2567&table=channels")
    assert csv.status_code == 200 and len(csv.get_data(as_text=True).strip().splitlines()) == 9


@pytest.mark.parametrize(("role", "status"), [("staff", 200), ("supervisor", 200), ("admin", 200),
                                              ("assessor", 403), ("treasurer", 403), ("maintenance", 403),
                                              ("donor", 403)])
def test_who_may_read(app, client_as, api_headers, role, status):
    page = client_as(role).get("/reports/service", headers={"Accept": "text/html"})
    assert page.status_code == status
    answer = app.test_client().get("/api/v1/reports/service", headers=api_headers(role))
    assert answer.status_code == status
    if status == 200:
        assert answer.get_json()["key"] == "service"


def test_anonymous_is_turned_away(client):
    assert client.get("/api/v1/reports/service").status_code == 401
    assert client.get("/reports/service").status_code in (302, 401)
    assert client.get(f"{BASE_URL}/reports/service").status_code in (302, 401)


@both_databases
def test_days_are_the_centers_calendar_days(app):
    """The database counts days as the center's calendar does, at every hour, in Bangkok and in
    zones with summer time (the SQL of reports/days.py against Python's zoneinfo)."""
    reference = dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC)
    moments = [dt.datetime(2025, 9, 30, 23, 30, tzinfo=dt.UTC), dt.datetime(2025, 9, 30, 16, 59, tzinfo=dt.UTC),
               dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC)]
    for first in (dt.datetime(2025, 3, 29, tzinfo=dt.UTC), dt.datetime(2025, 10, 25, tzinfo=dt.UTC),
                  dt.datetime(2025, 11, 1, tzinfo=dt.UTC)):   # London's and New York's changes of clock
        moments += [first + dt.timedelta(minutes=97 * n) for n in range(45)]
    for zone in ("Asia/Bangkok", "Europe/London", "America/New_York"):
        app.config["CENTER_TIMEZONE"] = zone
        with app.app_context():
            at = [literal(moment, UTCDateTime) for moment in (reference, *moments)]
            found = db.session.execute(select(*[days.days_between(at[0], value) for value in at[1:]])).one()
            local = ZoneInfo(zone)
            expected = [(m.astimezone(local).date() - reference.astimezone(local).date()).days for m in moments]
            assert list(found) == expected, zone
            # A day is a day: 1 October 2025 to 3 October 2025 is 2, in any zone.
            assert db.session.scalar(select(days.days_between(literal(dt.date(2025, 10, 1), Date),
                                                              literal(dt.date(2025, 10, 3), Date)))) == 2
            # A request at 23:30 UTC on 30 September (06:30 on 1 October in Bangkok) assessed on 3 October.
            mixed = db.session.scalar(select(days.days_between(literal(moments[0], UTCDateTime),
                                                               literal(dt.date(2025, 10, 3), Date))))
            assert mixed == (dt.date(2025, 10, 3) - moments[0].astimezone(local).date()).days
    app.config["CENTER_TIMEZONE"] = "Asia/Bangkok"


def test_medians_and_the_catalog(ctx):
    # The list of the lead times to assessment: median (2 + 3) / 2; p90 at rank 4.5: 4 + (7 - 4) / 2.
    assert tables.median([7, 0, 3, 1, 4, 2]) == 2.5 and tables.percentile([0, 1, 2, 3, 4, 7], 90) == 5.5
    assert catalog.load()["service"].step == "program_reports"


def test_the_page_and_csv_show_the_year(app, team, make_type, client_as):
    build_year(app, team, make_type)
    browser = client_as("supervisor")
    page = browser.get("/reports/service?period=fiscal_year&year=2569&compare=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # Per person ฿32,100 / 4; the year before served nobody: a dash, not a division by zero.
    assert "฿8,025.00" in text and "12.6" in text and "฿39,000.00" in text and "–" in text
    csv = browser.get("/reports/service.csv?period=fiscal_year&year=2569&table=costs").get_data(as_text=True)
    lines = csv.strip().splitlines()
    # A header and the two types; the bed: 21,450 baht for one person.
    assert len(lines) == 3 and lines[1].endswith(",21450.00,1,21450.00") and lines[2].endswith(",4,2662.50")
