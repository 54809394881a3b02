"""Each home visitor's day: the assessments scheduled to them and the follow-ups on their caseload.

Volunteers cover zones (a moo of a tambon): the follow-up visits of the people living there
are theirs. A visitor's caseload is the people in their zones and the people whose request
they assessed. Lists come grouped by tambon and moo, in the order a round is walked.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select

from core import audit
from core.db import db
from core.errors import ValidationError
from core.users import Role, User, UserRole
from lending.models import Assessment, LendingRequest, Loan, Person, RequestStatus, VolunteerZone
from lending.steps import STEPS

Area = tuple[str, str]


def moo_order(moo: str) -> tuple[int, str]:
    # หมู่ 2 comes before หมู่ 10.
    return (int(moo), "") if moo.isdigit() else (10**6, moo)


def area_key(person: Person) -> tuple:
    return (person.tambon, moo_order(person.moo))


@dataclass
class Visit:
    """One home to go to: an assessment to do, or a loan to follow up."""

    person: Person
    due_on: dt.date | None
    request: LendingRequest | None = None
    loan: Loan | None = None
    location: tuple[float, float] | None = None


@dataclass
class WorkDay:
    assessments: list[tuple[Area, list[Visit]]] = field(default_factory=list)
    follow_ups: list[tuple[Area, list[Visit]]] = field(default_factory=list)
    zones: list[VolunteerZone] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(v) for _a, v in self.assessments) + sum(len(v) for _a, v in self.follow_ups)


def zones_of(user: User) -> list[VolunteerZone]:
    return list(db.session.scalars(select(VolunteerZone).where(VolunteerZone.user_id == user.id)
                                   .order_by(VolunteerZone.tambon, VolunteerZone.moo)))


def _grouped(visits: list[Visit]) -> list[tuple[Area, list[Visit]]]:
    visits.sort(key=lambda v: (area_key(v.person), v.due_on or dt.date.max, v.person.id))
    return [(area, list(items)) for area, items in groupby(visits, key=lambda v: (v.person.tambon, v.person.moo))]


def _last_locations(person_ids: Iterable[int]) -> dict[int, tuple[float, float]]:
    """Where each person's device was last delivered, when it was recorded."""
    found: dict[int, tuple[float, float]] = {}
    ids = list(person_ids)
    if ids:
        for person_id, lat, lon in db.session.execute(
                select(Loan.person_id, Loan.latitude, Loan.longitude)
                .where(Loan.person_id.in_(ids), Loan.latitude.is_not(None)).order_by(Loan.delivered_at)):
            found[person_id] = (lat, lon)
    return found


def my_work(user: User, today: dt.date, horizon_days: int = 7) -> WorkDay:
    """The user's assessments to do and follow-ups due within ``horizon_days`` (overdue included)."""
    zones = zones_of(user)
    assessments = [Visit(req.person, req.assessment_due_on, request=req) for req in db.session.scalars(
        select(LendingRequest).where(LendingRequest.assessor_id == user.id,
                                     LendingRequest.status == RequestStatus.ASSESSMENT_SCHEDULED))]
    in_zone = [and_(Person.tambon == z.tambon, Person.moo == z.moo) for z in zones]
    assessed_by_me = select(Assessment.request_id).where(Assessment.assessor_id == user.id).union(
        select(LendingRequest.id).where(LendingRequest.assessor_id == user.id))
    caseload = or_(Loan.request_id.in_(assessed_by_me), *in_zone)
    loans = list(db.session.scalars(
        select(Loan).join(Loan.person).where(Loan.returned_at.is_(None), Loan.pickup_requested_on.is_(None),
                                             Loan.next_follow_up_on <= today + dt.timedelta(days=horizon_days),
                                             caseload)))
    places = _last_locations({v.person.id for v in assessments} | {loan.person_id for loan in loans})
    for visit in assessments:
        visit.location = places.get(visit.person.id)
    follow_ups = [Visit(loan.person, loan.next_follow_up_on, loan=loan,
                        location=(loan.latitude, loan.longitude) if loan.latitude is not None
                        else places.get(loan.person_id)) for loan in loans]
    return WorkDay(_grouped(assessments), _grouped(follow_ups), zones)


def volunteers_by_area() -> dict[Area, list[User]]:
    """Who covers each moo."""
    found: dict[Area, list[User]] = {}
    for zone in db.session.scalars(select(VolunteerZone).order_by(VolunteerZone.id)):
        found.setdefault((zone.tambon, zone.moo), []).append(zone.user)
    return found


def home_visitors() -> list[User]:
    return list(db.session.scalars(select(User).join(User.role_rows).where(
        UserRole.role == Role.ASSESSOR, User.active.is_(True)).order_by(User.display_name, User.username)))


def set_zones(user: User, zones: Iterable[Area], *, by: User) -> list[VolunteerZone]:
    """Replace the moo a home visitor covers. Raises ValidationError for a user who does not
    visit homes, or a zone without a tambon or moo."""
    STEPS.check(by, "set_zones")
    if not user.has_role(Role.ASSESSOR):
        raise ValidationError(_l("Only a home visitor (the assessor role) covers a zone."),
                              {"user": [_l("Must hold the assessor role.")]})
    clean = sorted({((tambon or "").strip(), (moo or "").strip()) for tambon, moo in zones},
                   key=lambda a: (a[0], moo_order(a[1])))
    if any(not tambon or not moo or len(tambon) > 80 or len(moo) > 10 for tambon, moo in clean):
        raise ValidationError(_l("Each zone is a tambon and a moo."), {"zones": [_l("Give a tambon and a moo.")]})
    db.session.execute(delete(VolunteerZone).where(VolunteerZone.user_id == user.id))
    rows = [VolunteerZone(user_id=user.id, tambon=tambon, moo=moo) for tambon, moo in clean]
    db.session.add_all(rows)
    db.session.flush()
    audit.record(by, "user.zones_set", "user", user.username, {"zones": [f"{t}/{m}" for t, m in clean]})
    return rows
