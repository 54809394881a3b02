"""Kept report figures stay true (reports/cache.py): after every kind of change, the figures the
reports use are those counted from scratch; a change that cannot alter a year leaves its kept
figures in place (they are not counted again).

The data set is the outcome report's story (tests/test_report_outcomes.py): fiscal years 2568
and 2569, and 2570 to today (30 November 2026).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import astuple

import pytest
from sqlalchemy import select, update
from test_report_outcomes import D, World, build_story

from core.db import db
from core.users import User
from devices import services as device_services
from devices.models import Device, DeviceStatus, DeviceType
from fixtures.core import at_bangkok, both_databases
from lending.models import ChronicCondition, LifeStatus, Loan, Person
from lending.services import life, loans, people
from reports import cache, outcome_queries, outcomes, periods, service

PERIODS = (periods.fiscal_year(2025), periods.fiscal_year(2026), periods.fiscal_year(2027),
           periods.calendar_year(2025), periods.date_range(D(2025, 12, 1), D(2026, 11, 30)))
FY2568, FY2569 = PERIODS[0], PERIODS[1]


def _normal(found: dict) -> dict:
    return {"service": service._encode(found["service"]),
            "groups": sorted(astuple(g) for g in found["groups"]),
            "conditions": sorted((c.value, n) for c, n in found["conditions"].items() if n),
            "devices": sorted(map(tuple, found["devices"])),
            "visitors": sorted(map(tuple, found["visitors"]), key=str)}


COUNT_GROUPS = outcome_queries.groups   # the counting itself (the fixture below watches the reports' calls)


def fresh(period) -> dict:
    """Counted from the records."""
    return _normal({"service": service.count(period), "groups": COUNT_GROUPS(period),
                    "conditions": outcome_queries.conditions(period),
                    "devices": outcome_queries.by_device_type(period),
                    "visitors": outcome_queries.by_visitor(period)})


def kept(period) -> dict:
    """As the reports get them: kept when still true, else counted (and kept)."""
    return _normal({"service": service.gather(period), "groups": outcomes._kept_groups(period),
                    "conditions": outcomes._kept_conditions(period),
                    "devices": outcomes._kept("outcomes.device_types", period, outcome_queries.by_device_type),
                    "visitors": outcomes._kept("outcomes.visitors", period, outcome_queries.by_visitor)})


@pytest.fixture
def counts(monkeypatch):
    """How often each period's people were counted from the records (the outcome groups)."""
    counted = Counter()

    def groups(period):
        counted[period] += 1
        return COUNT_GROUPS(period)

    monkeypatch.setattr(outcome_queries, "groups", groups)
    return counted


def _all_true():
    for period in PERIODS:
        db.session.commit()   # a new transaction, as a new request has (what was kept is kept)
        assert kept(period) == fresh(period), period


def _named(name: str) -> Person:
    return db.session.scalar(select(Person).where(Person.first_name == name))


def _loan_of(name: str) -> Loan:
    return db.session.scalar(select(Loan).join(Person).where(Person.first_name == name).order_by(Loan.id))


@both_databases
def test_kept_figures_stay_true_after_every_kind_of_change(app, counts):
    with app.app_context():
        build_story()
        db.session.commit()
        w = World.__new__(World)   # the story's users and types, to go on with it
        w.actors = {u: db.session.scalar(select(User).where(User.username == u))
                    for u in ("staff", "assessor", "supervisor", "admin")}
        w.types = {t.code: t for t in db.session.scalars(select(DeviceType))}
        staff = w.actors["staff"]
        _all_true()
        counted = Counter(counts)
        # Read again with nothing changed: nothing is counted again.
        _all_true()
        assert counts == counted

        # Nothing any report reads: a new device, its status (a bulk UPDATE), a person's phone number.
        device = device_services.register_device(w.types["WC"], {}, by=None)
        db.session.execute(update(Device).where(Device.id == device.id).values(status=DeviceStatus.IN_MAINTENANCE))
        people.update_person(_named("A"), {"phone": "0812345678"}, version=_named("A").version, by=staff)
        db.session.commit()
        _all_true()
        assert counts == counted

        # A visit recorded today for a day of fiscal year 2569 (X's bed, X died in 2568: not served in 2569):
        # 2569 and after are counted again, 2568 is not.
        visit = {"visited_on": D(2026, 3, 3), "in_use": True, "condition": "good", "outcome": "stable"}
        loans.record_follow_up(_loan_of("A"), visit, by=w.actors["assessor"])
        db.session.commit()
        before = Counter(counts)
        _all_true()
        assert counts[FY2568] == before[FY2568] and counts[FY2569] == before[FY2569] + 1

        # A death on a day of 2569 recorded today.
        life.set_life_status(_named("H"), LifeStatus.DECEASED, D(2026, 6, 1), by=staff)
        db.session.commit()
        _all_true()

        # Chronic diseases and the moo count in every year: 2568 is counted again too.
        person = _named("C")
        people.update_person(person, {"chronic_conditions": [ChronicCondition.DIABETES.value], "moo": "9"},
                             version=person.version, by=staff)
        db.session.commit()
        before = Counter(counts)
        _all_true()
        assert counts[FY2568] == before[FY2568] + 1

        # A device type's price (the savings to families, every year), through a bulk UPDATE.
        db.session.execute(update(DeviceType).values(reference_price_satang=DeviceType.reference_price_satang + 100))
        db.session.commit()
        _all_true()

        # A return today; a new person served today.
        with at_bangkok(2026, 11, 30, 11):
            loans.receive_return(_loan_of("A"), "good", by=staff)
            db.session.commit()
        w.serve("J", dt.date(2026, 11, 30), adl_total=7, born=D(1950, 1, 1))
        db.session.commit()
        _all_true()

        # A change made and rolled back leaves the kept figures as they were, and true.
        _named("C").chronic_conditions = []
        db.session.flush()
        db.session.rollback()
        _all_true()


def test_a_session_with_changes_of_its_own_counts_afresh(app):
    """Uncommitted changes are not in the kept figures: a session that made some counts from its records."""
    with app.app_context():
        build_story()
        db.session.commit()
        assert kept(FY2569) == fresh(FY2569)
        db.session.commit()
        _named("A").moo = "7"
        db.session.flush()
        assert kept(FY2569) == fresh(FY2569)
        assert ("60_69", "bed_bound", True, "improved", "บ้านสวน", "7", 1) in kept(FY2569)["groups"]
        db.session.rollback()
        assert ("60_69", "bed_bound", True, "improved", "บ้านสวน", "1", 1) in kept(FY2569)["groups"]


def test_a_year_is_the_fiscal_year_its_last_day_falls_in():
    assert cache.fiscal_year(D(2025, 9, 30)) == 2025 and cache.fiscal_year(D(2025, 10, 1)) == 2026
    assert cache.fiscal_year(D(2026, 11, 30)) == 2027


def test_a_page_keeps_its_figures_for_the_next_reader(app, client_as, counts):
    """A request that only reads keeps what it counted once it has committed; the next reads it."""
    with app.app_context():
        build_story()
        db.session.commit()
    browser = client_as("supervisor")
    url = "/reports/outcomes?period=fiscal_year&year=2569&compare=1"
    first = browser.get(url)
    assert first.status_code == 200 and counts[FY2569] == 1 and counts[FY2568] == 1
    again = browser.get(url)
    rows = first.get_data(as_text=True).count("<tr")
    assert again.status_code == 200 and again.get_data(as_text=True).count("<tr") == rows
    assert counts[FY2569] == 1 and counts[FY2568] == 1
    # The annual report reads them too, and then writes (its export is logged).
    assert browser.get("/reports/annual.pdf?period=fiscal_year&year=2569").status_code == 200
    assert counts[FY2569] == 1
