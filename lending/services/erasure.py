"""Erasure (PDPA s.33): a person's identifying data anonymised, on request or by the retention rule.

What identifies the person goes: name, national ID, phone, house number, soi and road,
caregiver, the disability card's number, every free-text note about them (on the person, their
requests, assessments, loans, visits, care plan and referrals), who signed their consents, and
the hand-over photos and home locations of their loans. What the program's statistics need
stays, in coarse form: the birth year (not the date), moo, tambon, amphoe, changwat and
postcode, the disability types and chronic conditions, life status, ADL scores, outcomes and
every date. The rows themselves stay, so loans, devices, donor impact and the ledger stay as
they were: nothing of the fund is touched.

A person with a device at home (an open loan) is not erased: the loan is a contract that
still needs its holder. Undelivered requests are cancelled first.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core import audit, clock
from core.db import db, utcnow
from core.errors import Conflict
from core.i18n import in_thai
from core.users import User
from lending.models import (OPEN_REQUEST_STATES, Assessment, CareNeed, ConsentRecord, ConsentSigner, FollowUp,
                            LendingRequest, Loan, Person, RequestItem, WelfareReferral)
from lending.services.pipeline import BEFORE_DELIVERY, cancel_items
from lending.steps import STEPS

ON_REQUEST, RETENTION = "request", "retention"
ERASED_REASON = _l("The person's data was anonymised (PDPA).")

# Person fields set to these values; every other column is kept.
BLANKED = {"national_id": None, "title": "", "first_name": "", "last_name": "", "birth_date": None, "phone": "",
           "house_no": "", "soi": "", "road": "", "caregiver_name": "", "caregiver_relation": "",
           "caregiver_phone": "", "disability_card_no": "", "disability_card_expires_on": None,
           "chronic_notes": "", "notes": ""}


def open_loans(person: Person) -> int:
    return db.session.scalar(select(func.count()).select_from(Loan)
                             .where(Loan.person_id == person.id, Loan.returned_at.is_(None)))


def check_erasable(person: Person) -> None:
    """Raises Conflict naming ``state``: ``erased`` (already done) or ``loan_open``."""
    if person.erased_at is not None:
        raise Conflict(_l("This person's data was already anonymised."), {"state": ["erased"]})
    if open_loans(person):
        raise Conflict(_l("A device is still on loan to this person; anonymise after it is returned."),
                       {"state": ["loan_open"]})


def erase(person: Person, *, by: User | None, reason: str = ON_REQUEST) -> Person:
    """Anonymise the person (see the module); the audit event holds no personal data.

    Raises PermissionDenied for anyone but an admin (a request; the retention command acts as
    the system), Conflict naming ``state`` when erased already or a loan is open.
    """
    if reason == ON_REQUEST or by is not None:
        STEPS.check(by, "erase_person")
    check_erasable(person)
    cancelled = _cancel_undelivered(person, by)
    if person.birth_date is not None:
        person.birth_year = person.birth_date.year
    for field, value in BLANKED.items():
        setattr(person, field, value)
    person.erased_at = utcnow()
    _blank_related(person.id)
    db.session.flush()
    db.session.expire_all()
    audit.record(by, "person.erased", "person", person.id, {"reason": reason, "requests_cancelled": cancelled})
    return person


def _cancel_undelivered(person: Person, by: User | None) -> list[int]:
    cancelled = []
    for req in db.session.scalars(select(LendingRequest).where(LendingRequest.person_id == person.id,
                                                               LendingRequest.status.in_(OPEN_REQUEST_STATES))
                                  .order_by(LendingRequest.id)):
        waiting = [item for item in req.items if item.status in BEFORE_DELIVERY]
        if waiting:
            cancel_items(req, waiting, in_thai(ERASED_REASON), by=by)
            cancelled.append(req.id)
    return cancelled


def _blank_related(person_id: int) -> None:
    """The free text and the pictures about the person in the other tables, in one statement each."""
    requests = select(LendingRequest.id).where(LendingRequest.person_id == person_id)
    loans = select(Loan.id).where(Loan.person_id == person_id)
    statements = [
        update(LendingRequest).where(LendingRequest.person_id == person_id).values(
            requested_by_name="", requested_by_relation="", requested_by_phone="", reason="", cancel_reason="",
            version=LendingRequest.version + 1),
        update(RequestItem).where(RequestItem.request_id.in_(requests)).values(decision_reason="", cancel_reason=""),
        update(Assessment).where(Assessment.request_id.in_(requests)).values(notes=""),
        update(Loan).where(Loan.person_id == person_id).values(
            acknowledged_by="", acknowledged_relation="", latitude=None, longitude=None, photo=None, photo_type="",
            return_notes=""),
        update(FollowUp).where(FollowUp.loan_id.in_(loans)).values(problems="", notes=""),
        update(CareNeed).where(CareNeed.person_id == person_id).values(notes=""),
        update(WelfareReferral).where(WelfareReferral.person_id == person_id).values(
            reason="", outcome="", version=WelfareReferral.version + 1),
        update(ConsentSigner).where(ConsentSigner.consent_id.in_(
            select(ConsentRecord.id).where(ConsentRecord.person_id == person_id))).values(name="", relation=""),
    ]
    for statement in statements:
        db.session.execute(statement.execution_options(synchronize_session=False))


# --- the retention rule ---------------------------------------------------------------------------

def cutoff(today: dt.date, years: int) -> dt.date:
    """The day ``years`` before ``today`` (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def due_for_retention(years: int, today: dt.date | None = None) -> list[tuple[Person, dt.date]]:
    """People to anonymise by the retention rule, each with the Bangkok day their last loan closed:
    not erased, at least one loan, none open, no open request, and the last one returned before
    ``years`` ago. People never lent a device are left to the on-request erasure."""
    today = today or clock.today()
    limit = cutoff(today, years)
    last_closed = (select(Loan.person_id, func.max(Loan.returned_at).label("closed"))
                   .group_by(Loan.person_id)
                   .having(func.count(Loan.id) == func.count(Loan.returned_at)).subquery())
    open_request = select(LendingRequest.id).where(LendingRequest.person_id == Person.id,
                                                   LendingRequest.status.in_(OPEN_REQUEST_STATES))
    rows = db.session.execute(
        select(Person, last_closed.c.closed).join(last_closed, last_closed.c.person_id == Person.id)
        .where(Person.erased_at.is_(None), ~open_request.exists()).order_by(Person.id)).all()
    found = []
    for person, closed in rows:
        closed_on = clock.local_date(_aware(closed))
        if closed_on < limit:
            found.append((person, closed_on))
    return found


def _aware(moment: dt.datetime) -> dt.datetime:
    # max() over a UTC column comes back naive on SQLite.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
