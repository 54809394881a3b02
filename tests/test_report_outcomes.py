"""The outcome report (reports/outcomes.py): every figure against a data set counted by hand.

Nine people served in fiscal year 2569 (1 October 2025 to 30 September 2026), built through the
services at the days they happened; two more people served only in the year before. The
session's clock stands on 30 November 2026 (Bangkok); each step travels to its own day.
"""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from fixtures.core import at_bangkok, both_databases
from fixtures.devices import new_type
from fixtures.users import make_actors
from sqlalchemy import select

from core.db import db
from core.users import User, create_user
from devices import services as device_services
from lending.adl import ITEMS
from lending.models import LifeStatus, Loan, Person
from lending.services import erasure, life, loans, people, pipeline, waitlist
from reports import catalog, periods

D = dt.date
FY2569 = periods.fiscal_year(2026)      # 1 Oct 2025 - 30 Sep 2026
FY2568 = periods.fiscal_year(2025)      # the year before


def adl(total: int) -> list[int]:
    """Barthel item scores adding up to ``total``, filled in the items' order."""
    items = []
    for item in ITEMS:
        items.append(min(item.max_score, total))
        total -= items[-1]
    return items


class World:
    """The center's users and device types, and the steps of the story, each on its day."""

    def __init__(self):
        self.actors = make_actors("staff", "assessor", "supervisor", "admin")
        self.vol1 = create_user("vol1", "long-enough", ["assessor"])
        self.vol2 = create_user("vol2", "long-enough", ["assessor"])
        self.types = {code: new_type(code, f"ประเภท {code}", f"Type {code}") for code in ("WC", "BED", "AIR")}

    def serve(self, name, on: dt.date, *, adl_total, born=None, chronic=(), moo="1", tambon="บ้านสวน",
              type_code="WC", person=None, at=(9, 0)) -> tuple[Person, Loan]:
        """A request assessed (ADL ``adl_total``), approved, and the device delivered on ``on`` at ``at``."""
        a = self.actors
        with at_bangkok(on.year, on.month, on.day, *at):
            if person is None:
                person = people.create_person({"first_name": name, "birth_date": born, "chronic_conditions": chronic,
                                               "moo": moo, "tambon": tambon}, {"given_by": name}, by=a["staff"])
            req = pipeline.submit(person, self.types[type_code], {"channel": "phone"}, by=a["staff"])
            pipeline.record_assessment(req, {"adl_items": adl(adl_total), "suitable": True}, by=a["assessor"])
            pipeline.decide(req, True, "", by=a["supervisor"])
            device = device_services.register_device(self.types[type_code], {}, by=None)
            waitlist.reserve(req, device, by=a["staff"])
            loan = loans.deliver(req, device, instructions=list(device.type.instructions or []),
                                 acknowledged_by=name, by=a["staff"])
        return person, loan

    def visit(self, loan, on, by, adl_total=None, outcome="stable"):
        data = {"visited_on": on, "in_use": True, "condition": "good", "outcome": outcome}
        if adl_total is not None:
            data["adl_items"] = adl(adl_total)
        return loans.record_follow_up(loan, data, by=by)

    def give_back(self, loan, on):
        with at_bangkok(on.year, on.month, on.day, 15):
            loans.receive_return(loan, "good", by=self.actors["staff"])


def build_story() -> None:
    """The data set. Ages are on 30 September 2026; ADL first -> last in the year; [chronic]."""
    w = World()
    v1, v2 = w.vol1, w.vol2
    # A: 60 on the year's last day (60-69); bed-bound 3 -> 8 (+5): improved. [hypertension, diabetes]. Moo 1. WC.
    _, a = w.serve("A", D(2025, 10, 15), adl_total=3, born=D(1966, 9, 30), chronic=["hypertension", "diabetes"])
    w.visit(a, D(2026, 2, 1), v1, 8, "improved")
    # B: 59 (born a day later: under 60); home-bound 8 -> 10 -> 7: the last counts, -1: stable. Moo 1. BED,
    # returned in the year (still served).
    _, b = w.serve("B", D(2025, 10, 15), adl_total=8, born=D(1966, 10, 1), type_code="BED")
    w.visit(b, D(2026, 1, 10), v1, 10, "improved")
    w.visit(b, D(2026, 6, 10), v1, 7, "stable")
    w.give_back(b, D(2026, 7, 1))
    # C: 76 (70-79); home-bound 10 -> 6 (-4): worse. [stroke]. Moo 2. WC.
    _, c = w.serve("C", D(2025, 10, 20), adl_total=10, born=D(1950, 5, 5), chronic=["stroke"], moo="2")
    w.visit(c, D(2026, 3, 1), v2, 6, "worse")
    # D: 86 (80+); bed-bound 2 at the first assessment, 12 at a second request for an air mattress; ADL 4 on
    # a visit, then died on 15 March 2026 (recorded at a visit): died, counted once. [heart disease]. Moo 2.
    d_person, d = w.serve("D", D(2025, 10, 20), adl_total=2, born=D(1940, 1, 1), chronic=["heart_disease"],
                          moo="2", type_code="BED")
    w.serve("D", D(2025, 12, 1), adl_total=12, type_code="AIR", person=d_person)
    w.visit(d, D(2026, 1, 5), v2, 4, "improved")
    w.visit(d, D(2026, 3, 15), v2, None, "died")
    # E: 68 (60-69); social-bound 15; moved away on 1 February 2026, never visited: moved. [diabetes]. Moo 3. WC.
    e_person, _ = w.serve("E", D(2025, 11, 1), adl_total=15, born=D(1958, 3, 1), chronic=["diabetes"], moo="3")
    life.set_life_status(e_person, LifeStatus.MOVED, D(2026, 2, 1), by=w.actors["staff"])
    # F: born 31 December 1966, anonymised: the birth year alone, 2026 - 1966 = 60 (60-69; by the date it
    # would be 59). Bed-bound 4; lent in the year before, visited then, returned 1 November 2025, no visit
    # in the year: lost to follow-up. Moo 3. WC.
    f_person, f = w.serve("F", D(2025, 9, 15), adl_total=4, born=D(1966, 12, 31), moo="3")
    w.visit(f, D(2025, 9, 25), v1, 4, "stable")
    w.give_back(f, D(2025, 11, 1))
    erasure.erase(f_person, by=w.actors["admin"])
    # G: no birth date (age not recorded); social-bound 12; one visit without ADL, the visitor says
    # improved: improved. [other]. Moo 4. AIR.
    _, g = w.serve("G", D(2025, 11, 5), adl_total=12, chronic=["other"], moo="4", type_code="AIR")
    w.visit(g, D(2026, 4, 1), v1, None, "improved")
    # H: 82 (80+); home-bound 5 -> 6 (+1): stable; a visit on 1 October 2026 (ADL 12) is the next year's.
    # [hypertension]. Moo 4. WC.
    _, h = w.serve("H", D(2025, 11, 5), adl_total=5, born=D(1944, 7, 7), chronic=["hypertension"], moo="4")
    w.visit(h, D(2026, 5, 1), v2, 6, "stable")
    w.visit(h, D(2026, 10, 1), v1, 12, "improved")
    # I: 96 (80+); home-bound 9 -> 15 (+6) but recovered on 1 August 2026: recovered. No moo recorded. BED.
    i_person, i = w.serve("I", D(2025, 11, 10), adl_total=9, born=D(1930, 1, 1), moo="", tambon="",
                          type_code="BED")
    w.visit(i, D(2026, 7, 1), v1, 15, "improved")
    life.set_life_status(i_person, LifeStatus.RECOVERED, D(2026, 8, 1), by=w.actors["staff"])
    # Served in the year before only. X: 75, [cancer], lent in May 2025, died 1 August 2025 (the device still
    # at home): not served in 2569. Y: 35, lent June 2025, returned 20 September 2025, never visited.
    x_person, _ = w.serve("X", D(2025, 5, 1), adl_total=3, born=D(1950, 1, 1), chronic=["cancer"], moo="5")
    life.set_life_status(x_person, LifeStatus.DECEASED, D(2025, 8, 1), by=w.actors["staff"])
    _, y = w.serve("Y", D(2025, 6, 1), adl_total=6, born=D(1990, 1, 1), moo="5")
    w.give_back(y, D(2025, 9, 20))


def rows(report, table: str, *columns) -> dict:
    return {row["name"]: tuple(row[c] for c in columns) for row in report.table(table).rows}


@both_databases
def test_every_figure_against_the_hand_count(app):
    with app.app_context():
        build_story()
        db.session.commit()
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        with force_locale("en"):
            report = catalog.build("outcomes", FY2569, by=supervisor)
            after = catalog.build("outcomes", periods.fiscal_year(2027), by=supervisor)
        figures = {f.key: (f.value, f.previous) for f in report.figures}
        # 2569: A..I = 9 served. 2568: F (visited, ADL 4 -> 4: stable), X (died), Y (lost) = 3.
        assert figures["served"] == (9, 3)
        # 60 or over: A, E, F (60-69), C (70-79), D, H, I (80+) = 7 of 9; the year before X (75) of 3
        # (F was 59 by the year 2025 - 1966).
        assert figures["aged_60_plus"] == (pytest.approx(7 / 9), pytest.approx(1 / 3))
        # Chronic disease: A, C, D, E, G, H = 6 of 9; before: X = 1 of 3.
        assert figures["chronic"] == (pytest.approx(6 / 9), pytest.approx(1 / 3))
        assert figures["improved"] == (pytest.approx(2 / 9), 0)           # A, G
        assert figures["stable"] == (pytest.approx(2 / 9), pytest.approx(1 / 3))   # B, H; before F
        assert figures["worse"] == (pytest.approx(1 / 9), 0)               # C
        assert figures["died"] == (pytest.approx(1 / 9), pytest.approx(1 / 3))     # D; before X
        assert figures["lost"] == (pytest.approx(1 / 9), pytest.approx(1 / 3))     # F; before Y

        assert rows(report, "outcomes", "people", "share") == {
            "Improved": (2, pytest.approx(2 / 9)), "Stable": (2, pytest.approx(2 / 9)),
            "Worse": (1, pytest.approx(1 / 9)), "Died": (1, pytest.approx(1 / 9)),
            "Moved away": (1, pytest.approx(1 / 9)), "Recovered": (1, pytest.approx(1 / 9)),
            "Lost to follow-up": (1, pytest.approx(1 / 9))}
        # By group at the first assessment: bed-bound A (improved), D (died), F (lost); home-bound B, H
        # (stable), C (worse), I (recovered); social-bound E (moved), G (improved).
        by_group = {row["name"]: row for row in report.table("outcomes_by_group").rows}
        outcome_keys = ("people", "improved", "stable", "worse", "died", "moved", "recovered", "lost")
        assert [tuple(row[k] for k in outcome_keys) for row in by_group.values()] == [
            (3, 1, 0, 0, 1, 0, 0, 1), (4, 0, 2, 1, 0, 0, 1, 0), (2, 1, 0, 0, 0, 1, 0, 0), (0,) * 8]
        assert rows(report, "ages", "people") == {
            "Under 60": (1,), "60 to 69": (3,), "70 to 79": (1,), "80 or over": (3,), "Age not recorded": (1,)}
        assert [row["people"] for row in report.table("dependency").rows] == [3, 4, 2, 0]
        chronic = rows(report, "chronic", "people", "share")
        assert chronic["With a chronic disease"] == (6, pytest.approx(6 / 9))
        assert chronic["No chronic disease recorded"] == (3, pytest.approx(3 / 9))
        assert {name: n for name, (n, _) in chronic.items() if n and "chronic" not in name} == {
            "High blood pressure": 2, "Diabetes": 2, "Stroke": 1, "Heart disease": 1}
        assert chronic["Other chronic disease"][0] == 1
        # Device types: WC A, C, E, F, H; BED B, D, I; AIR D, G (D under both).
        assert rows(report, "device_types", "people", "loans") == {
            "Type WC": (5, 5), "Type BED": (3, 3), "Type AIR": (2, 2)}
        # Visits in the year: vol1 A, B (2), G, I = 4 people, 5 visits; vol2 C, D (2), H = 3 people, 4 visits.
        assert rows(report, "volunteers", "people", "visits") == {"vol1": (4, 5), "vol2": (3, 4)}
        assert rows(report, "moo", "people", "improved", "died", "lost") == {
            "Moo 1, บ้านสวน": (2, 1, 0, 0), "Moo 2, บ้านสวน": (2, 0, 1, 0), "Moo 3, บ้านสวน": (2, 0, 0, 1),
            "Moo 4, บ้านสวน": (2, 1, 0, 0), "Not recorded": (1, 0, 0, 0)}

        # The year after (to 30 November 2026): the loans open in it are A's, C's, G's, H's and I's (I
        # recovered but keeps the bed), and D's and E's, who died or moved away before it: 5 served.
        assert after.figure("served").value == 5 and after.figure("served").previous == 9
        # H's visit of 1 October 2026: ADL 5 -> 12 (+7), improved. I recovered before the year, so not
        # in it; no visit in it: lost, as A, C and G.
        assert rows(after, "outcomes", "people")["Improved"] == (1,)
        assert rows(after, "outcomes", "people")["Lost to follow-up"] == (4,)


def test_a_fiscal_year_ends_at_midnight_in_bangkok(ctx):
    """30 September 23:30 and 1 October 00:30 in Bangkok are the same UTC day (16:30 and 17:30):
    the first belongs to fiscal year 2569, the second to 2570, for deliveries and for visits."""
    w = World()
    # P1: lent 1 September 2026, home-bound 8; visited on 30 September at 23:30 (ADL 12, +4: improved in
    # 2569) and on 1 October at 00:30 (ADL 3, -5 from the first: worse in 2570), the day from the clock.
    _, p1 = w.serve("P1", D(2026, 9, 1), adl_total=8, born=D(1950, 1, 1))
    with at_bangkok(2026, 9, 30, 23, 30):
        assert w.visit(p1, None, w.vol1, 12, "improved").visited_on == D(2026, 9, 30)
    with at_bangkok(2026, 10, 1, 0, 30):
        assert w.visit(p1, None, w.vol1, 3, "worse").visited_on == D(2026, 10, 1)
    # P2 delivered on 30 September at 23:30: served in 2569 (never visited: lost) and 2570 (lost).
    w.serve("P2", D(2026, 9, 30), adl_total=8, at=(23, 30))
    # P3 delivered on 1 October at 00:30, still 30 September in UTC: served in 2570 only (lost).
    _, p3 = w.serve("P3", D(2026, 10, 1), adl_total=8, at=(0, 30))
    assert p3.delivered_at.date() == D(2026, 9, 30)     # the UTC day: the report must not go by it
    db.session.flush()
    with force_locale("en"):
        fy69 = catalog.build("outcomes", FY2569, by=w.actors["supervisor"])
        fy70 = catalog.build("outcomes", periods.fiscal_year(2027), by=w.actors["supervisor"])
    assert fy69.figure("served").value == 2
    assert {k: v for k, (v,) in rows(fy69, "outcomes", "people").items() if v} == {"Improved": 1,
                                                                                   "Lost to follow-up": 1}
    assert fy70.figure("served").value == 3 and fy70.figure("served").previous == 2
    assert {k: v for k, (v,) in rows(fy70, "outcomes", "people").items() if v} == {"Worse": 1,
                                                                                   "Lost to follow-up": 2}
    assert rows(fy69, "volunteers", "people", "visits") == {"vol1": (1, 1)}
    assert rows(fy70, "volunteers", "people", "visits") == {"vol1": (1, 1)}


def test_an_empty_period_divides_by_nothing(app, client_as, api_as):
    """Fiscal year 2563 (the seed's year) holds nothing: zeros, shares left empty, every view 200."""
    with app.app_context():
        make_actors("supervisor")
        with force_locale("en"):
            report = catalog.build("outcomes", periods.fiscal_year(2020),
                                   by=db.session.scalar(select(User).where(User.username == "supervisor")))
        assert report.figure("served").value == 0 and report.figure("served").previous == 0
        assert all(f.value is None for f in report.figures if f.kind == "share")
        assert [(row["people"], row["share"]) for row in report.table("outcomes").rows] == [(0, None)] * 7
        assert report.table("volunteers").rows == [] and report.table("moo").rows == []
        keys = [table.key for table in report.tables]
    query = "period=fiscal_year&year=2563"
    supervisor = client_as("supervisor")
    page = supervisor.get(f"/reports/outcomes?{query}")
    assert page.status_code == 200
    assert "Nothing in this period" in page.get_data(as_text=True) or "ไม่มี" in page.get_data(as_text=True)
    for key in keys:
        csv = supervisor.get(f"/reports/outcomes.csv?{query}&table={key}")
        assert csv.status_code == 200, key
    body = api_as("staff").get(f"/api/v1/reports/outcomes?{query}")
    assert body["period"]["first_day"] == "2019-10-01" and body["period"]["last_day"] == "2020-09-30"
    served = next(f for f in body["figures"] if f["key"] == "served")
    assert (served["value"], served["previous"]) == (0, 0)
    assert all(f["value"] is None for f in body["figures"] if f["kind"] == "share")


def test_who_may_read_the_outcomes(app, client_as, api_as, client):
    """Supervisors, staff and admins read the report (page, CSV, API); the others may not."""
    query = "period=fiscal_year&year=2569"
    for role in ("supervisor", "staff", "admin"):
        assert client_as(role).get(f"/reports/outcomes?{query}").status_code == 200, role
        assert client_as(role).get(f"/reports/outcomes.csv?{query}&table=outcomes").status_code == 200, role
        api_as(role).get(f"/api/v1/reports/outcomes?{query}", expect=200)
    for role in ("treasurer", "assessor", "maintenance", "donor", "dpo"):
        assert client_as(role).get(f"/reports/outcomes?{query}").status_code == 403, role
        assert client_as(role).get(f"/reports/outcomes.csv?{query}&table=outcomes").status_code == 403, role
        api_as(role).get(f"/api/v1/reports/outcomes?{query}", expect=403)
    assert client.get(f"/api/v1/reports/outcomes?{query}").status_code == 401
    assert client.get(f"/reports/outcomes?{query}").status_code in (302, 401)


@both_databases
def test_the_page_the_csv_and_the_api_show_the_same_year(app, client_as, api_headers, client):
    with app.app_context():
        build_story()
        db.session.commit()
    query = "period=fiscal_year&year=2569"
    body = client.get(f"/api/v1/reports/outcomes?{query}", headers=api_headers("supervisor")).get_json()
    outcomes = next(t for t in body["tables"] if t["key"] == "outcomes")
    assert [row["people"] for row in outcomes["rows"]] == [2, 2, 1, 1, 1, 1, 1]
    assert outcomes["note"] and "1.85" in outcomes["note"]
    assert {f["key"]: f["value"] for f in body["figures"]}["served"] == 9
    staff = client_as("staff")
    csv = staff.get(f"/reports/outcomes.csv?{query}&table=outcomes").get_data(as_text=True).splitlines()
    # improved 2 of 9 = 22.2%, lost 1 of 9 = 11.1%
    assert csv[1].endswith(",2,22.2") and csv[7].endswith(",1,11.1")
    page = staff.get(f"/reports/outcomes?{query}&compare=1")
    assert page.status_code == 200
    assert "vol1" in page.get_data(as_text=True)
