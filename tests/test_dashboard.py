"""The head of center's dashboard: every figure of a hand-built world, counted by hand.

The session's clock stands at 30 November 2026, 10:00 in Bangkok (fixtures.core); ages are
whole Bangkok days up to that day.
"""
from __future__ import annotations

import datetime as dt

import pytest
import schemathesis

from core import clock
from core.db import db
from core.errors import PermissionDenied
from devices import holds
from devices import services as devices
from devices.models import DeviceStatus, ReportKind
from fixtures.core import at_bangkok, both_databases
from fixtures.devices import new_type
from fixtures.lending import ADL_HOME_BOUND, approved_request
from fixtures.users import make_actors
from fund.models import PaymentMethod
from fund.services import donations, ledger
from lending.services import loans, people, pipeline, waitlist
from maintenance.models import WorkKind
from maintenance.services import orders
from reports.dashboard import dashboard

TODAY = dt.date(2026, 11, 30)
TAMBON = "บ้านสวน"


def _lend(actors, device, moo: str, delivered_on: dt.date, name: str):
    """A person of ``moo`` asks for the device's type, is approved and gets this device on ``delivered_on``."""
    person = people.create_person({"first_name": name, "moo": moo, "tambon": TAMBON}, {"given_by": name},
                                  by=actors["staff"])
    req = pipeline.submit(person, device.type, {"channel": "phone"}, by=actors["staff"])
    pipeline.record_assessment(req, {"adl_items": ADL_HOME_BOUND, "suitable": True}, by=actors["assessor"])
    pipeline.decide(req, True, "", by=actors["supervisor"])
    waitlist.reserve(req, device, by=actors["staff"], reason="the device at hand")
    return loans.deliver(req, device, instructions=loans.checklist(device), acknowledged_by=name, by=actors["staff"],
                         delivered_at=clock.at(delivered_on))


def build_world(actors) -> dict:
    """Eight devices (six wheelchairs, two beds), four loans, two requests waiting, one new request.

    WC:  wc1 lent 10 Nov (moo 4), wc2 lent 26 Nov (moo 4), wc6 lent 20 Nov (moo 2, pickup asked 28 Nov),
         wc3 in stock with a public problem report, wc4 in stock and unusable, wc5 in stock with a repair open.
    BED: bed1 lent 1 Nov (moo 10), bed2 lost.
    """
    wc_type = new_type("WC", "รถเข็น", "Wheelchair", first_follow_up_days=7)
    bed_type = new_type("BED", "เตียง", "Bed", first_follow_up_days=7)
    wc1, wc2, wc3, wc5, wc6 = (devices.register_device(wc_type, {}, by=None) for _ in range(5))
    wc4 = devices.register_device(wc_type, {"condition": "unusable"}, by=None)
    bed1, bed2 = (devices.register_device(bed_type, {}, by=None) for _ in range(2))
    # First visits fall 7 days after delivery: 17 Nov (overdue), 3 Dec (due within the week),
    # 8 Nov (overdue); wc6's loan has a pickup asked for instead.
    _lend(actors, wc1, "4", dt.date(2026, 11, 10), "ก")
    _lend(actors, wc2, "4", dt.date(2026, 11, 26), "ข")
    _lend(actors, bed1, "10", dt.date(2026, 11, 1), "ค")
    pickup = _lend(actors, wc6, "2", dt.date(2026, 11, 20), "ง")
    loans.record_follow_up(pickup, {"in_use": False, "condition": "good", "outcome": "no_longer_needed",
                                    "visited_on": dt.date(2026, 11, 28)}, by=actors["assessor"])
    devices.report_problem(wc3, ReportKind.PROBLEM, "เบรกไม่อยู่")
    orders.open_order(wc5, WorkKind.REPAIR, by=actors["maintenance"], description="ยางแบน")
    devices.set_status(bed2, DeviceStatus.LOST, expect=(DeviceStatus.AVAILABLE,), by=None, action="device.lost")
    db.session.commit()
    # No bed and no unheld wheelchair to give: both wait from the day they were approved.
    with at_bangkok(2026, 11, 20, 9):
        approved_request(actors, "BED", first_name="จ")
        db.session.commit()
    with at_bangkok(2026, 11, 25, 16):
        approved_request(actors, "WC", first_name="ฉ")
        db.session.commit()
    with at_bangkok(2026, 11, 28, 23, 30):   # 16:30 UTC on the 28th: the 28th in Bangkok too
        person = people.create_person({"first_name": "ช"}, {"given_by": "ช"}, by=actors["staff"])
        pipeline.submit(person, wc_type, {"channel": "line"}, by=actors["staff"])
        db.session.commit()
    return {"wc3": wc3, "wc4": wc4}


@both_databases
def test_every_figure_of_a_hand_built_world(app, ctx, actors):
    build_world(actors)
    assert clock.today() == TODAY
    found = dashboard(by=actors["supervisor"])
    # Devices: wc1 wc2 wc6 bed1 on loan (4); wc3 wc4 wc5 in stock (3); bed2 lost (1): 8 in all.
    assert found["devices"]["total"] == 8
    assert found["devices"]["by_status"] == {"available": 3, "reserved": 0, "on_loan": 4, "returned": 0,
                                             "in_maintenance": 0, "retired": 0, "lost": 1}
    by_type = {row["type_code"]: (row["total"], row["by_status"]["available"], row["by_status"]["on_loan"],
                                  row["by_status"]["lost"]) for row in found["devices"]["by_type"]}
    assert by_type == {"WC": (6, 3, 3, 0), "BED": (2, 0, 1, 1)}
    # Utilisation: 4 on loan of the 7 not lost nor retired.
    assert found["utilisation"] == {"on_loan": 4, "lendable": 7, "share": pytest.approx(4 / 7)}
    # Waitlist: the bed since 20 Nov (10 days), the wheelchair since 25 Nov (5 days).
    waiting = {row["type_code"]: (row["waiting"], row["oldest_days"]) for row in found["waitlist"]["by_type"]}
    assert waiting == {"BED": (1, 10), "WC": (1, 5)}
    assert (found["waitlist"]["total"], found["waitlist"]["oldest_days"]) == (2, 10)
    # Requests: one submitted on the 28th (2 days), two waitlisted (the longest 10 days); the four lent are not waiting.
    steps = {row["status"]: (row["count"], row["oldest_days"]) for row in found["requests"]["by_step"]}
    assert steps == {"submitted": (1, 2), "assessment_scheduled": (0, None), "assessed": (0, None),
                     "approved": (0, None), "waitlisted": (2, 10), "reserved": (0, None)}
    assert found["requests"]["waiting"] == 3
    oldest = found["requests"]["oldest"]
    assert (oldest["status"], oldest["days"]) == ("waitlisted", 10)
    assert clock.local_date(oldest["since"]) == dt.date(2026, 11, 20)
    # Follow-ups by moo (moo 2's loan waits for its pickup): moo 4 one overdue since 17 Nov (13 days) and one
    # due 3 Dec; moo 10 one overdue since 8 Nov (22 days). Moo 4 before moo 10.
    moos = [(row["moo"], row["overdue"], row["due"], row["oldest_overdue_days"])
            for row in found["follow_ups"]["by_moo"]]
    assert moos == [("4", 1, 1, 13), ("10", 1, 0, 22)]
    assert (found["follow_ups"]["overdue"], found["follow_ups"]["due"]) == (2, 1)
    # Pickups: wc6's, asked on 28 Nov.
    assert found["pickups"] == {"pending": 1, "oldest_requested_on": dt.date(2026, 11, 28), "oldest_days": 2}
    # Maintenance: wc5's repair is the one open order; nothing waits for costs, no type has a service interval.
    assert found["maintenance"]["open_orders"] == 1
    assert {row["kind"]: row["count"] for row in found["maintenance"]["by_kind"]} == {
        "cleaning": 0, "inspection": 0, "repair": 1, "preventive": 0}
    assert (found["maintenance"]["waiting_cost_approval"], found["maintenance"]["inspections_overdue"]) == (0, 0)
    # Held back: wc3 (the report), wc4 (unusable), wc5 (the open repair); the lent ones are not in stock.
    assert found["held_back"] == {"devices": 3, "by_reason": [
        {"code": "open_report", "devices": 1}, {"code": "open_work_order", "devices": 1},
        {"code": "unusable", "devices": 1}]}
    # The supervisor does not keep the books.
    assert found["fund_balances"] is None


def test_an_override_lifts_a_hold_and_a_handled_report_clears_it(ctx, actors):
    world = build_world(actors)
    wc3, wc4 = world["wc3"], world["wc4"]
    holds.override(wc4, "ตรวจแล้วใช้ได้ชั่วคราว", by=actors["supervisor"])
    for report in devices.open_reports(wc3):
        devices.mark_report_handled(report, by=actors["staff"])
    assert dashboard(by=actors["supervisor"])["held_back"] == {
        "devices": 1, "by_reason": [{"code": "open_work_order", "devices": 1}]}


@both_databases
def test_an_empty_center_divides_by_nothing(app, ctx, actors):
    found = dashboard(by=actors["admin"])
    assert found["devices"]["total"] == 0 and found["devices"]["by_type"] == []
    assert found["utilisation"] == {"on_loan": 0, "lendable": 0, "share": None}
    assert found["waitlist"] == {"total": 0, "oldest_days": None, "by_type": []}
    assert found["requests"]["waiting"] == 0 and found["requests"]["oldest"] is None
    assert found["follow_ups"]["by_moo"] == [] and found["pickups"]["oldest_days"] is None
    assert found["held_back"] == {"devices": 0, "by_reason": []}
    assert found["fund_balances"] == [{"code": fund.code, "name_th": fund.name_th, "name_en": fund.name_en,
                                       "restricted": fund.restricted, "balance_satang": 0}
                                      for fund in ledger.list_funds()]


def test_the_empty_page_says_there_is_nothing_yet(client_as):
    page = client_as("supervisor").get("/dashboard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'class="dash-empty"' in text                      # says there is nothing yet
    assert "<caption" in text and 'id="c-funds"' not in text    # a supervisor sees no balances


def test_the_fund_balances_go_to_those_who_keep_the_books(ctx, actors):
    ledger.ensure_chart()
    donor = donations.create_donor({"name": "ร้านใจดี", "kind": "shop"}, by=actors["treasurer"])
    donations.donate_cash(donor, 1500_00, ledger.GENERAL_FUND, PaymentMethod.CASH, by=actors["treasurer"])
    for role in ("treasurer", "admin"):
        balances = {row["code"]: row["balance_satang"] for row in dashboard(by=actors[role])["fund_balances"]}
        assert balances[ledger.GENERAL_FUND] == 1500_00
    assert dashboard(by=actors["supervisor"])["fund_balances"] is None
    for role in ("staff", "assessor", "donor", "maintenance"):
        with pytest.raises(PermissionDenied):
            dashboard(by=actors[role])


@pytest.mark.parametrize("role,status", [("supervisor", 200), ("admin", 200), ("treasurer", 200), ("staff", 403),
                                         ("assessor", 403), ("donor", 403), ("maintenance", 403)])
def test_who_may_read_the_page_and_the_api(client_as, api_headers, client, role, status):
    assert client_as(role).get("/dashboard").status_code == status
    response = client.get("/api/v1/reports/dashboard", headers=api_headers(role))
    assert response.status_code == status
    if status == 200:
        assert (response.json["fund_balances"] is None) == (role == "supervisor")
    assert client.get("/api/v1/reports/dashboard").status_code == 401


@pytest.mark.parametrize("roles", [("supervisor",), ("admin",), ("supervisor", "assessor")])
def test_the_dashboard_is_the_home_page_of_the_head_of_center(client_as, roles):
    home = client_as(*roles).get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/dashboard")


def test_others_keep_their_start_page(client_as):
    assert client_as("staff").get("/").status_code == 200
    start = client_as("treasurer").get("/").get_data(as_text=True)
    assert "/dashboard" in start


def test_the_page_shows_the_figures_and_links_to_their_details(app, client_as):
    with app.app_context():
        build_world(make_actors())
    text = client_as("supervisor").get("/dashboard").get_data(as_text=True)
    for link in ("/waitlist", "/approvals", "/follow-ups", "/maintenance/due", "/requests"):
        assert f'href="{link}' in text, link
    assert "57.1%" in text                       # 4 of 7
    assert "Bed" in text or "เตียง" in text
    assert 'class="dash-empty"' not in text


def test_the_api_answers_as_its_document_says(app, api_headers):
    with app.app_context():
        build_world(make_actors())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/reports/dashboard"]["GET"]
    for role in ("supervisor", "treasurer"):
        case = operation.Case(headers=api_headers(role))
        response = case.call()
        assert response.status_code == 200
        case.validate_response(response)


def test_the_document_describes_the_dashboard(client):
    document = client.get("/api/v1/openapi.json").json
    assert "get" in document["paths"]["/api/v1/reports/dashboard"]
    assert "DashboardSchema" in str(document["components"]["schemas"].keys()) or "Dashboard" in str(
        document["components"]["schemas"].keys())


