"""The SQL behind the outcome report (reports/outcomes.py): one row per group, never per person.

Every figure is a GROUP BY over the people served in the period, each person once. The
definitions (who is served, which assessment and which follow-up are compared, the order of
precedence of the outcomes) are those of reports/outcomes.py.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, distinct, func, literal, or_, select

from core.db import db
from devices.models import Device
from lending.models import Assessment, ChronicCondition, FollowUp, LendingRequest, LifeStatus, Loan, Outcome, Person
from reports.periods import Period

# The Barthel index's minimal clinically important difference on the 0-20 scale is 1.85 points
# (Hsieh et al., Neurorehabil Neural Repair 2007;21(3):233-238, doi:10.1177/1545968306294729);
# totals are whole numbers, so a change of 2 points or more is a change that matters.
MCID = 2

IMPROVED, STABLE, WORSE = "improved", "stable", "worse"
DIED, MOVED, RECOVERED, LOST = "died", "moved", "recovered", "lost"
OUTCOMES = (IMPROVED, STABLE, WORSE, DIED, MOVED, RECOVERED, LOST)

UNDER_60, AGE_60, AGE_70, AGE_80, AGE_UNKNOWN = "under_60", "60_69", "70_79", "80_plus", "unknown"
AGE_BANDS = (UNDER_60, AGE_60, AGE_70, AGE_80, AGE_UNKNOWN)
NOT_ASSESSED = "not_assessed"


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _aged_at_least(years: int, on: dt.date):
    """Whether the person is ``years`` old or more on ``on``: from the birth date, or, once it
    is erased (PDPA), from the birth year kept for this (age = the year's difference)."""
    return or_(Person.birth_date <= _years_before(on, years),
               and_(Person.birth_date.is_(None), Person.birth_year <= on.year - years))


def served_people(period: Period):
    """Ids of the people served in the period: a loan open at any moment of it (delivered before
    its end, not returned before its start), leaving out those who had died or moved away
    before its first day (a device not yet collected serves no one)."""
    still_here = or_(Person.life_status.not_in((LifeStatus.DECEASED, LifeStatus.MOVED)),
                     Person.life_status_on.is_(None), Person.life_status_on >= period.first)
    return (select(Loan.person_id.label("person_id")).join(Person, Person.id == Loan.person_id)
            .where(Loan.delivered_at < period.ends(),
                   or_(Loan.returned_at.is_(None), Loan.returned_at >= period.starts()),
                   still_here)
            .distinct().subquery("served"))


def _visits(period: Period, served):
    """Per person served: the follow-ups in the period, the last ADL total re-scored in it and
    the visitor's outcome on the last visit (latest day, then latest recorded)."""
    latest = (FollowUp.visited_on.desc(), FollowUp.id.desc())
    ranked = (select(Loan.person_id.label("person_id"), FollowUp.adl_total, FollowUp.outcome,
                     func.row_number().over(partition_by=Loan.person_id, order_by=latest).label("rn"))
              .join(Loan, Loan.id == FollowUp.loan_id)
              .join(served, served.c.person_id == Loan.person_id)
              .where(FollowUp.visited_on.between(period.first, period.last)).subquery("ranked"))
    # The last visit that re-scored ADL is the one of smallest rank with a score: rank * 100 + score
    # (0-20) is smallest for it, and its remainder by 100 is the score (one ranking, one sort).
    scored = case((ranked.c.adl_total.is_not(None), ranked.c.rn * 100 + ranked.c.adl_total))
    return (select(ranked.c.person_id, func.count().label("visits"),
                   (func.min(scored) % 100).label("last_adl"),
                   func.max(case((ranked.c.rn == 1, ranked.c.outcome))).label("last_outcome"))
            .group_by(ranked.c.person_id).subquery("visits"))


def _first_assessments(period: Period, served):
    """Per person served: their first assessment up to the period's end (ADL total and group)."""
    ranked = (select(LendingRequest.person_id.label("person_id"), Assessment.adl_total, Assessment.dependency_group,
                     func.row_number().over(partition_by=LendingRequest.person_id,
                                            order_by=(Assessment.assessed_on, Assessment.id)).label("rn"))
              .select_from(served)   # from the people served to their requests and assessments (indexed)
              .join(LendingRequest, LendingRequest.person_id == served.c.person_id)
              .join(Assessment, Assessment.request_id == LendingRequest.id)
              .where(Assessment.assessed_on <= period.last).subquery("assessed"))
    return (select(ranked.c.person_id, ranked.c.adl_total, ranked.c.dependency_group)
            .where(ranked.c.rn == 1).subquery("first"))


def _outcome(period: Period, visits, first):
    def status_in_period(status):
        return and_(Person.life_status == status, Person.life_status_on.between(period.first, period.last))

    scored = and_(visits.c.last_adl.is_not(None), first.c.adl_total.is_not(None))
    change = visits.c.last_adl - first.c.adl_total
    return case(
        (status_in_period(LifeStatus.DECEASED), literal(DIED)),
        (status_in_period(LifeStatus.MOVED), literal(MOVED)),
        (status_in_period(LifeStatus.RECOVERED), literal(RECOVERED)),
        (visits.c.visits.is_(None), literal(LOST)),
        (and_(scored, change >= MCID), literal(IMPROVED)),
        (and_(scored, change <= -MCID), literal(WORSE)),
        (scored, literal(STABLE)),
        # No ADL to compare: the visitor's judgement on the last visit.
        (visits.c.last_outcome == Outcome.IMPROVED.value, literal(IMPROVED)),
        (visits.c.last_outcome == Outcome.WORSE.value, literal(WORSE)),
        (visits.c.last_outcome == Outcome.NO_LONGER_NEEDED.value, literal(RECOVERED)),
        else_=literal(STABLE))


def _age_band(on: dt.date):
    return case((and_(Person.birth_date.is_(None), Person.birth_year.is_(None)), literal(AGE_UNKNOWN)),
                (_aged_at_least(80, on), literal(AGE_80)),
                (_aged_at_least(70, on), literal(AGE_70)),
                (_aged_at_least(60, on), literal(AGE_60)),
                else_=literal(UNDER_60))


def _chronic_text():
    return cast(Person.chronic_conditions, String)


def _has_chronic():
    text = _chronic_text()
    return case((and_(text.is_not(None), text.not_in(("[]", "null"))), 1), else_=0)


@dataclass(frozen=True)
class Group:
    """People served alike in every respect the report counts by (a row of the GROUP BY)."""
    age: str
    dependency: str
    chronic: bool
    outcome: str
    tambon: str
    moo: str
    people: int


def groups(period: Period) -> list[Group]:
    """The people served in the period, counted by age band at the period's end, dependency group
    at the first assessment, chronic disease, outcome and moo: one row per combination found."""
    served = served_people(period)
    visits, first = _visits(period, served), _first_assessments(period, served)
    dependency = func.coalesce(cast(first.c.dependency_group, String), literal(NOT_ASSESSED))
    per_person = (select(_age_band(period.last).label("age"), dependency.label("dependency"),
                         _has_chronic().label("chronic"), _outcome(period, visits, first).label("outcome"),
                         func.coalesce(Person.tambon, "").label("tambon"), func.coalesce(Person.moo, "").label("moo"))
                  .select_from(served).join(Person, Person.id == served.c.person_id)
                  .outerjoin(visits, visits.c.person_id == served.c.person_id)
                  .outerjoin(first, first.c.person_id == served.c.person_id).subquery("per_person"))
    keys = (per_person.c.age, per_person.c.dependency, per_person.c.chronic, per_person.c.outcome,
            per_person.c.tambon, per_person.c.moo)
    rows = db.session.execute(select(*keys, func.count()).group_by(*keys))
    return [Group(age, dependency, bool(chronic), outcome, tambon, moo, people)
            for age, dependency, chronic, outcome, tambon, moo, people in rows]


def conditions(period: Period) -> Counter:
    """People served in the period with each chronic condition (one may have several)."""
    served = served_people(period)
    text = _chronic_text()
    columns = [func.coalesce(func.sum(case((text.like(f'%"{condition.value}"%'), 1), else_=0)), 0)
               .label(condition.value) for condition in ChronicCondition]
    row = db.session.execute(select(*columns).select_from(served)
                             .join(Person, Person.id == served.c.person_id)).one()
    return Counter({condition: int(row[i]) for i, condition in enumerate(ChronicCondition)})


def by_device_type(period: Period) -> list[tuple[int, int, int]]:
    """(device type id, people served, loans) for the loans open in the period of the people served."""
    served = served_people(period)
    query = (select(Device.type_id, func.count(distinct(Loan.person_id)), func.count(Loan.id))
             .join(Device, Device.id == Loan.device_id).join(served, served.c.person_id == Loan.person_id)
             .where(Loan.delivered_at < period.ends(),
                    or_(Loan.returned_at.is_(None), Loan.returned_at >= period.starts()))
             .group_by(Device.type_id))
    return [tuple(row) for row in db.session.execute(query)]


def by_visitor(period: Period) -> list[tuple[int | None, int, int]]:
    """(user who recorded the visits, people served they visited, visits) in the period."""
    served = served_people(period)
    query = (select(FollowUp.visitor_id, func.count(distinct(Loan.person_id)), func.count(FollowUp.id))
             .join(Loan, Loan.id == FollowUp.loan_id).join(served, served.c.person_id == Loan.person_id)
             .where(FollowUp.visited_on.between(period.first, period.last))
             .group_by(FollowUp.visitor_id))
    return [tuple(row) for row in db.session.execute(query)]
